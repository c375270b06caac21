// SPDX-License-Identifier: GPL-2.0
/*
 * The -XX flags a HotSpot JVM runs with (see jvm_flags.h for the sources and their order).
 * Checked here: java -XX:+PrintFlagsFinal agrees for @argfiles, JDK_JAVA_OPTIONS=@file,
 * -XX:Flags= (below a command-line -XX:-Flag whatever the order), -XX:VMOptionsFile= and
 * JAVA_TOOL_OPTIONS=-XX:Flags=; javac takes -J-XX:... anywhere, and neither an @file with -J
 * lines, -J@file nor JDK_JAVA_OPTIONS.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "runtimes/jvm_flags.h"
#include "symbolize/maps.h"

#define MAX_FILE_BYTES (1 << 20) /* an options file larger than 1 MiB is not read */
#define TOKEN_LEN      4096

static const char *const flag_names[JVM_NFLAGS] = {
	[JVM_DTRACE_METHOD] = "DTraceMethodProbes",
	[JVM_DTRACE_ALLOC] = "DTraceAllocProbes",
	[JVM_EXTENDED_DTRACE] = "ExtendedDTraceProbes",
};

struct scan {
	struct jvm_flags *f;
	const struct jvm_flag_sources *src;
	int file_state[JVM_NFLAGS]; /* from -XX:Flags= files: below every other source */
	/* the java launcher's command line */
	bool expand;	 /* @argfiles are expanded (until --disable-@files) */
	bool skip_value; /* the previous option takes this argument as its value */
	bool main_next;	 /* -jar, -m: the next argument is the main one */
	bool done;	 /* the main class was seen: the rest belongs to the program */
};

/* "+Name" or "-Name" (a settings file's form, or what follows -XX:) into state. */
static void set_flag(int *state, const char *s)
{
	size_t i;

	if (*s != '+' && *s != '-')
		return;
	for (i = 0; i < JVM_NFLAGS; i++) {
		if (!strcmp(s + 1, flag_names[i]))
			state[i] = *s == '+' ? 1 : -1;
	}
}

/* Next whitespace-separated token of *p into tok: quotes ('...', "...") keep spaces, with
 * comments a '#' starting a token comments out the rest of the line. False at the end. */
static bool next_token(const char **p, char *tok, size_t size, bool comments)
{
	const char *s = *p;
	size_t n = 0;
	char quote = 0;

	for (;;) {
		s += strspn(s, " \t\r\n\f\v");
		if (comments && *s == '#') {
			s += strcspn(s, "\n");
			continue;
		}
		break;
	}
	if (!*s) {
		*p = s;
		return false;
	}
	for (; *s && (quote || !strchr(" \t\r\n\f\v", *s)); s++) {
		if (quote && *s == quote) {
			quote = 0;
			continue;
		}
		if (!quote && (*s == '"' || *s == '\'')) {
			quote = *s;
			continue;
		}
		if (quote && *s == '\\' && s[1])
			s++;
		if (n + 1 < size)
			tok[n++] = *s;
	}
	tok[n] = '\0';
	*p = s;
	return true;
}

/* The text of an options file as the target would open it; NULL (and the name remembered)
 * when it cannot be read. */
static char *read_file(struct scan *sc, const char *name)
{
	const struct jvm_flag_sources *src = sc->src;
	char path[PATH_MAX];
	char *buf = NULL;
	ssize_t n = -1;
	int fd;

	if (name[0] == '/')
		snprintf(path, sizeof(path), "%s%s", src->root ? src->root : "", name);
	else if (src->dir)
		snprintf(path, sizeof(path), "%s/%s", src->dir, name);
	else
		snprintf(path, sizeof(path), "%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		buf = malloc(MAX_FILE_BYTES + 1);
		if (buf)
			n = read(fd, buf, MAX_FILE_BYTES);
		close(fd);
	}
	if (n < 0) {
		free(buf);
		if (!sc->f->unread[0])
			snprintf(sc->f->unread, sizeof(sc->f->unread), "%s", name);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

/* Every token of an options file, through fn. */
static void scan_file(struct scan *sc, const char *name, void (*fn)(struct scan *, const char *))
{
	char *text = read_file(sc, name), *tok = malloc(TOKEN_LEN);
	const char *p = text;

	while (text && tok && next_token(&p, tok, TOKEN_LEN, true))
		fn(sc, tok);
	free(tok);
	free(text);
}

static void settings_token(struct scan *sc, const char *tok)
{
	set_flag(sc->file_state, tok);
}

static void vm_option(struct scan *sc, const char *opt);

static void vm_option_in_file(struct scan *sc, const char *opt)
{
	if (strncmp(opt, "-XX:VMOptionsFile=", 18)) /* HotSpot refuses one in another */
		vm_option(sc, opt);
}

/* One option as the JVM itself sees it. */
static void vm_option(struct scan *sc, const char *opt)
{
	if (!strncmp(opt, "-XX:Flags=", 10))
		scan_file(sc, opt + 10, settings_token);
	else if (!strncmp(opt, "-XX:VMOptionsFile=", 18))
		scan_file(sc, opt + 18, vm_option_in_file);
	else if (!strncmp(opt, "-XX:", 4))
		set_flag(sc->f->state, opt + 4);
}

static void vm_options(struct scan *sc, const char *s)
{
	char *tok = malloc(TOKEN_LEN);

	while (s && tok && next_token(&s, tok, TOKEN_LEN, false))
		vm_option(sc, tok);
	free(tok);
}

/* Launcher options of java that take the next argument as their value. */
static bool takes_value(const char *arg)
{
	static const char *const opts[] = {
		"-cp",
		"-classpath",
		"--class-path",
		"-p",
		"--module-path",
		"--upgrade-module-path",
		"--add-modules",
		"--limit-modules",
		"--add-reads",
		"--add-exports",
		"--add-opens",
		"--patch-module",
		"--source",
		"--enable-native-access",
		NULL,
	};
	size_t i;

	for (i = 0; opts[i]; i++) {
		if (!strcmp(arg, opts[i]))
			return true;
	}
	return false;
}

static void java_arg_in_file(struct scan *sc, const char *arg);

/* One argument of the java launcher's command line (or of JDK_JAVA_OPTIONS). */
static void java_arg(struct scan *sc, const char *arg, bool from_file)
{
	if (sc->done)
		return;
	if (sc->skip_value || sc->main_next) {
		sc->done = sc->main_next;
		sc->skip_value = sc->main_next = false;
		return;
	}
	if (arg[0] == '@' && arg[1] != '@' && sc->expand && !from_file) {
		scan_file(sc, arg + 1, java_arg_in_file);
		return;
	}
	if (!strcmp(arg, "--disable-@files"))
		sc->expand = false;
	else if (!strcmp(arg, "-jar") || !strcmp(arg, "-m") || !strcmp(arg, "--module"))
		sc->main_next = true;
	else if (takes_value(arg))
		sc->skip_value = true;
	else if (arg[0] != '-')
		sc->done = true; /* the main class (or source file) */
	else
		vm_option(sc, arg);
}

static void java_arg_in_file(struct scan *sc, const char *arg)
{
	java_arg(sc, arg, true);
}

void jvm_flags__scan(struct jvm_flags *f, const struct jvm_flag_sources *src)
{
	struct scan sc = {.f = f, .src = src, .expand = true};
	char *tok = malloc(TOKEN_LEN);
	const char *p;
	size_t i;

	memset(f, 0, sizeof(*f));
	vm_options(&sc, src->tool_options);
	if (src->java) {
		for (p = src->jdk_java_options; p && tok && next_token(&p, tok, TOKEN_LEN, false);)
			java_arg(&sc, tok, false);
		sc.done = sc.skip_value = sc.main_next = false;
	}
	for (i = 1; src->argv && src->argv[0] && src->argv[i]; i++) {
		if (src->java)
			java_arg(&sc, src->argv[i], false);
		else if (!strncmp(src->argv[i], "-J", 2))
			vm_option(&sc, src->argv[i] + 2);
	}
	vm_options(&sc, src->java_options);
	for (i = 0; i < JVM_NFLAGS; i++) {
		if (!f->state[i])
			f->state[i] = sc.file_state[i];
	}
	free(tok);
}

/* The link-time addresses of the flags in libjvm's .symtab and the address its first segment
 * is linked at. 0 or -ENOENT. */
static int flag_symbols(const char *libjvm, __u64 *addr, __u64 *first_vaddr)
{
	Elf *elf = NULL;
	Elf_Scn *scn = NULL;
	size_t nph = 0, i, found = 0;
	int fd, err = -ENOENT;

	elf_version(EV_CURRENT);
	fd = open(libjvm, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_getphdrnum(elf, &nph))
		goto cleanup;
	for (i = 0; i < nph; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD && !ph.p_offset) {
			*first_vaddr = ph.p_vaddr;
			found++;
			break;
		}
	}
	if (!found)
		goto cleanup;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;
		size_t n, k;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !sh.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		n = sh.sh_size / sh.sh_entsize;
		for (i = 0; data && i < n; i++) {
			GElf_Sym sym;
			const char *name;

			if (!gelf_getsym(data, (int)i, &sym) ||
			    GELF_ST_TYPE(sym.st_info) != STT_OBJECT || !sym.st_value)
				continue;
			name = elf_strptr(elf, sh.sh_link, sym.st_name);
			for (k = 0; name && k < JVM_NFLAGS; k++) {
				if (!strcmp(name, flag_names[k]))
					addr[k] = sym.st_value;
			}
		}
	}
	/* ExtendedDTraceProbes is gone from JDK 20: the other two are enough */
	if (addr[JVM_DTRACE_METHOD] && addr[JVM_DTRACE_ALLOC])
		err = 0;
cleanup:
	elf_end(elf);
	close(fd);
	return err;
}

int jvm_flags__read_live(struct jvm_flags *f, int pid, const char *libjvm)
{
	__u64 addr[JVM_NFLAGS] = {}, first_vaddr = 0, bias = 0;
	struct proc_maps *maps = NULL;
	char path[64];
	struct stat st;
	bool mapped = false;
	size_t i;
	int fd = -1, err;

	memset(f, 0, sizeof(*f));
	err = flag_symbols(libjvm, addr, &first_vaddr);
	if (err)
		return err;
	if (stat(libjvm, &st))
		return -errno;
	maps = proc_maps__read(pid);
	if (!maps)
		return -errno;
	for (i = 0; i < maps->n && !mapped; i++) {
		const struct proc_map *m = &maps->maps[i];

		if (m->inode == st.st_ino && m->dev_major == major(st.st_dev) &&
		    m->dev_minor == minor(st.st_dev) && !m->offset && !m->deleted) {
			bias = m->start - (first_vaddr & ~0xfffULL);
			mapped = true;
		}
	}
	proc_maps__free(maps);
	if (!mapped)
		return -ENOENT;
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (i = 0; i < JVM_NFLAGS && !err; i++) {
		unsigned char v;

		if (!addr[i])
			continue;
		if (pread(fd, &v, 1, (off_t)(bias + addr[i])) != 1)
			err = -EIO;
		else
			f->state[i] = v ? 1 : -1;
	}
	close(fd);
	f->live = !err;
	return err;
}

bool jvm_flags__method_probes(const struct jvm_flags *f, int jdk_version)
{
	return f->state[JVM_DTRACE_METHOD] > 0 ||
	       (f->state[JVM_EXTENDED_DTRACE] > 0 && (!jdk_version || jdk_version <= 19));
}

bool jvm_flags__alloc_probes(const struct jvm_flags *f, int jdk_version)
{
	return f->state[JVM_DTRACE_ALLOC] > 0 ||
	       (f->state[JVM_EXTENDED_DTRACE] > 0 && (!jdk_version || jdk_version <= 19));
}
