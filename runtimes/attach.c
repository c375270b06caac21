// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "lib/bpf_util.h"
#include "lib/errors.h"
#include "lib/opts.h"
#include "lib/log.h"
#include "lib/signals.h"
#include "runtimes/attach.h"
#include "runtimes/ldso.h"
#include "runtimes/usdt.h"
#include "symbolize/maps.h"

_Static_assert(sizeof(struct rt_filter) == 80, "rt_filter layout");

#define MAX_TEMPFILES 4

struct rt_trace {
	const struct rt_tracer *tracer;
	enum rt_cmd cmd;
	const char *cmd_name;
	struct session *session;
	int pid; /* -p PID; the launched command's once it exists */
	char *const *argv;
	char object[PATH_MAX]; /* probe object as we open it */
	char shown[PATH_MAX];  /* the same as the target sees it (-p: without /proc/PID/root) */
	char exe[PATH_MAX];
	struct bpf_link **links;
	size_t nlinks;
	const char *alias_from, *alias_to;
	char *tempfiles[MAX_TEMPFILES];
	size_t ntempfiles;
};

static const struct rt_tracer *const tracers[] = {
	&python_tracer, &ruby_tracer, &jvm_tracer, &node_tracer, NULL,
};

const struct rt_tracer *rt_tracer_by_name(const char *name)
{
	size_t i;

	if (!strcmp(name, "java"))
		name = "jvm";
	if (!strcmp(name, "js") || !strcmp(name, "nodejs"))
		name = "node";
	for (i = 0; tracers[i]; i++) {
		if (!strcmp(tracers[i]->name, name))
			return tracers[i];
	}
	return NULL;
}

static bool globs_match(const char *const *globs, const char *path)
{
	const char *base = strrchr(path, '/');
	size_t i;

	base = base ? base + 1 : path;
	for (i = 0; globs && globs[i]; i++) {
		if (!fnmatch(globs[i], base, 0))
			return true;
	}
	return false;
}

/* The command as execvp will find it, symlinks resolved (python3 -> python3.11). */
static int resolve_command(const char *cmd, char *out, size_t size)
{
	const char *path = getenv("PATH"), *p;
	char cand[PATH_MAX];

	if (strchr(cmd, '/'))
		return realpath(cmd, out) ? 0 : -errno;
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; *p;) {
		size_t len = strcspn(p, ":");

		snprintf(cand, sizeof(cand), "%.*s/%s", (int)len, p, cmd);
		if (access(cand, X_OK) == 0 && realpath(cand, out))
			return 0;
		p += len;
		if (*p == ':')
			p++;
	}
	(void)size;
	return -ENOENT;
}

int rt_needed_lib(const char *elf_path, const char *glob, char *out, size_t size)
{
	struct ldso_opts o;

	ldso_opts__from_env(&o);
	return ldso_find(elf_path, glob, &o, out, size);
}

char *rt_proc_strings(int pid, const char *file, size_t *len)
{
	char path[64], *buf = NULL, *nbuf;
	size_t cap = 0, n = 0;
	ssize_t r;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			nbuf = realloc(buf, cap);
			if (!nbuf) {
				free(buf);
				close(fd);
				errno = ENOMEM;
				return NULL;
			}
			buf = nbuf;
		}
		r = read(fd, buf + n, 4096);
		if (r <= 0)
			break;
		n += r;
	}
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Does the object have a USDT note of one of the providers the command's probes use? */
static bool has_provider_notes(const char *path, const struct rt_probe *p)
{
	struct usdt_notes *notes = usdt_notes__read(path);
	bool found = false;
	size_t i;

	for (; notes && p && p->prog && !found; p++) {
		for (i = 0; p->provider && i < notes->n && !found; i++)
			found = !strcmp(notes->notes[i].provider, p->provider);
	}
	usdt_notes__free(notes);
	return found;
}

/*
 * -p: find the probe object among the process's mappings. A runtime may map several objects
 * that match its names (pyenv's python3.11 and its libpython3.11.so.1.0): the one with notes of
 * the command's providers wins; when none has any (a build without probes), the last one mapped,
 * usually the shared library, is the one named in the message.
 */
static int find_in_process(struct rt_trace *tr, int pid, const char *lang)
{
	const struct rt_tracer *want = lang ? rt_tracer_by_name(lang) : NULL;
	struct proc_maps *maps;
	const char *other = NULL;
	const struct proc_map *last = NULL;
	size_t i, j;
	int err = -ERR_NOPROBES;

	maps = proc_maps__read(pid);
	if (!maps) {
		err = -errno;
		pr_warn("%s -p %d: %s\n", tr->cmd_name, pid,
			err == -ESRCH ? "no such process" : err_str(err));
		return err;
	}
	for (i = 0; i < maps->n && err; i++) {
		const struct proc_map *m = &maps->maps[i];
		char path[PATH_MAX];

		if (!proc_map__is_file(m) || (last && !strcmp(last->path, m->path)))
			continue;
		for (j = 0; tracers[j]; j++) {
			if (!globs_match(tracers[j]->object_globs, m->path))
				continue;
			if (want && want != tracers[j]) {
				other = other ? other : tracers[j]->name;
				continue;
			}
			if (tr->tracer && tr->tracer != tracers[j])
				continue;
			tr->tracer = tracers[j];
			last = m;
			if (!proc_map__open_path(maps, m, path, sizeof(path)) &&
			    has_provider_notes(path, tracers[j]->probes[tr->cmd]))
				err = 0;
			break;
		}
	}
	if (last) {
		err = proc_map__open_path(maps, last, tr->object, sizeof(tr->object));
		snprintf(tr->shown, sizeof(tr->shown), "%s", last->path);
	}
	proc_maps__free(maps);
	if (err == -ERR_NOPROBES) {
		if (want && other)
			pr_warn("%s -p %d: -l %s: this is a %s process, not %s (it maps no %s "
				"runtime); drop -l or use -l %s\n",
				tr->cmd_name, pid, lang, other, want->name, want->name, other);
		else if (want)
			pr_warn("%s -p %d: -l %s: the process maps no %s runtime\n", tr->cmd_name,
				pid, lang, want->name);
		else
			pr_warn("%s -p %d: no supported runtime found (python, ruby, jvm, node)\n",
				tr->cmd_name, pid);
	}
	return err;
}

static bool is_script(const char *path)
{
	char magic[2] = {};
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (read(fd, magic, sizeof(magic)) != sizeof(magic))
		magic[0] = '\0';
	close(fd);
	return magic[0] == '#' && magic[1] == '!';
}

/* -- CMD: the runtime from the executable, the probe object from the descriptor. */
static int find_for_command(struct rt_trace *tr, const char *lang)
{
	const struct rt_tracer *t = lang ? rt_tracer_by_name(lang) : NULL;
	struct stat st;
	size_t j;
	int err;

	err = resolve_command(tr->argv[0], tr->exe, sizeof(tr->exe));
	if (err) {
		pr_warn("%s: %s: command not found\n", tr->cmd_name, tr->argv[0]);
		return err;
	}
	/* exec would fail with EACCES: a wrong file, not a matter of rtprof's privileges */
	if (stat(tr->exe, &st) || !S_ISREG(st.st_mode) || access(tr->exe, X_OK)) {
		pr_warn("%s: %s is not an executable file\n", tr->cmd_name, tr->exe);
		return -ERR_BADINPUT;
	}
	if (is_script(tr->exe)) {
		pr_warn("%s: %s is a script (a wrapper such as a pyenv shim?), not a runtime's "
			"executable: run the interpreter itself, e.g. rtprof %s -- "
			"/usr/bin/python3.11 "
			"app.py\n",
			tr->cmd_name, tr->exe, tr->cmd_name);
		return -ERR_NOPROBES;
	}
	for (j = 0; !t && tracers[j]; j++) {
		if (globs_match(tracers[j]->exe_globs, tr->exe))
			t = tracers[j];
	}
	for (j = 0; !t && tracers[j]; j++) {
		if (tracers[j]->embedded_object &&
		    !tracers[j]->embedded_object(tr->exe, tr->object, sizeof(tr->object))) {
			tr->tracer = tracers[j];
			return 0;
		}
	}
	if (!t) {
		pr_warn("%s: %s is not a runtime rtprof knows (python, ruby, jvm, node); if it "
			"runs one, say which with -l\n",
			tr->cmd_name, tr->exe);
		return -ERR_NOPROBES;
	}
	tr->tracer = t;
	if (t->launched_object)
		err = t->launched_object(tr->exe, tr->object, sizeof(tr->object));
	else if (globs_match(t->object_globs, tr->exe))
		err = snprintf(tr->object, sizeof(tr->object), "%s", tr->exe) < 0 ? -EINVAL : 0;
	else
		err = -ENOENT;
	if (err == -ELIBACC) {
		pr_warn("%s: %s needs %s, which the dynamic loader would not find with this "
			"environment (its RPATH/RUNPATH, LD_LIBRARY_PATH, /etc/ld.so.cache)\n",
			tr->cmd_name, tr->exe, tr->object);
		return -ERR_NOPROBES;
	}
	snprintf(tr->shown, sizeof(tr->shown), "%s", tr->object);
	if (err) {
		pr_warn("%s: cannot find the %s runtime's probe object for %s\n", tr->cmd_name,
			t->name, tr->exe);
		return -ERR_NOPROBES;
	}
	return 0;
}

static const struct usdt_note *find_note(const struct usdt_notes *notes, const char *provider,
					 const char *name);

/* Does the probe object have every USDT probe the command needs? Said before anything starts. */
static int check_probes(const struct rt_trace *tr)
{
	const struct rt_tracer *t = tr->tracer;
	const struct rt_probe *p = t->probes[tr->cmd];
	struct usdt_notes *notes = usdt_notes__read(tr->object);
	int err = 0;

	if (!notes) {
		err = -errno;
		pr_warn("%s: cannot read %s: %s\n", tr->cmd_name, tr->shown, err_str(err));
		return err == -ENOENT || err == -ENOEXEC ? -ERR_NOPROBES : err;
	}
	for (; p && p->prog && !err; p++) {
		const char *name = p->kind == RT_HOLD_SEMAPHORE ? p->sema_of : p->name;
		const char *why = t->missing_probe ? t->missing_probe : t->no_probes;

		if ((p->kind != RT_USDT && p->kind != RT_HOLD_SEMAPHORE) || p->optional ||
		    find_note(notes, p->provider, name))
			continue;
		err = -ERR_NOPROBES;
		if (!has_provider_notes(tr->object, p)) {
			pr_warn("%s: %s has no %s USDT probes%s%s\n", tr->cmd_name, tr->shown,
				p->provider, t->no_probes ? ": " : "",
				t->no_probes ? t->no_probes : "");
			break;
		}
		pr_warn("%s: %s has no USDT probe %s:%s%s%s\n", tr->cmd_name, tr->shown,
			p->provider, name, why ? ": " : "", why ? why : "");
	}
	usdt_notes__free(notes);
	return err;
}

struct rt_trace *rt_trace__new(const char *cmd_name, enum rt_cmd cmd, const char *lang,
			       const struct target_opts *target)
{
	struct rt_trace *tr;
	ssize_t n;
	char path[64];
	int err;

	if (lang && !rt_tracer_by_name(lang)) {
		fprintf(stderr, "rtprof %s: unknown language '%s' (python, ruby, jvm, node)\n",
			cmd_name, lang);
		errno = ERR_USAGE;
		return NULL;
	}
	tr = calloc(1, sizeof(*tr));
	if (!tr)
		return NULL;
	tr->cmd = cmd;
	tr->cmd_name = cmd_name;
	tr->argv = target->argv;
	if (target->argv) {
		err = find_for_command(tr, lang);
	} else {
		tr->pid = target->pid;
		err = find_in_process(tr, target->pid, lang);
		snprintf(path, sizeof(path), "/proc/%d/exe", target->pid);
		n = readlink(path, tr->exe, sizeof(tr->exe) - 1);
		tr->exe[n > 0 ? n : 0] = '\0';
	}
	if (err)
		goto fail;
	pr_debug("%s: runtime %s, probes in %s\n", cmd_name, tr->tracer->name, tr->shown);
	if (!tr->tracer->probes[cmd]) {
		pr_warn("%s: not available for %s: %s\n", cmd_name, tr->tracer->name,
			tr->tracer->why[cmd] ? tr->tracer->why[cmd] : "no probes for it");
		err = -ERR_NOPROBES;
		goto fail;
	}
	err = check_probes(tr);
	if (err)
		goto fail;
	if (tr->tracer->check) {
		err = tr->tracer->check(tr, cmd);
		if (err)
			goto fail;
	}
	if (target->argv && tr->tracer->prepare_launch) {
		err = tr->tracer->prepare_launch(tr, cmd);
		if (err)
			goto fail;
	}
	tr->session = session__new(target);
	if (!tr->session) {
		err = -errno;
		if (err == -ESRCH)
			pr_warn("%s -p %d: no such process\n", cmd_name, target->pid);
		else
			pr_warn("%s: cannot start the target: %s\n", cmd_name, err_str(err));
		goto fail;
	}
	tr->pid = session__pid(tr->session);
	return tr;
fail:
	rt_trace__free(tr);
	errno = -err;
	return NULL;
}

void rt_trace__detach(struct rt_trace *tr)
{
	size_t i;

	for (i = 0; i < tr->nlinks; i++)
		bpf_link__destroy(tr->links[i]);
	free(tr->links);
	tr->links = NULL;
	tr->nlinks = 0;
}

void rt_trace__free(struct rt_trace *tr)
{
	size_t i;

	if (!tr)
		return;
	rt_trace__detach(tr);
	session__free(tr->session);
	for (i = 0; i < tr->ntempfiles; i++) {
		unlink(tr->tempfiles[i]);
		free(tr->tempfiles[i]);
	}
	free(tr);
}

int rt_trace__add_tempfile(struct rt_trace *tr, const char *path)
{
	if (tr->ntempfiles >= MAX_TEMPFILES)
		return -E2BIG;
	tr->tempfiles[tr->ntempfiles] = strdup(path);
	if (!tr->tempfiles[tr->ntempfiles])
		return -ENOMEM;
	tr->ntempfiles++;
	return 0;
}

/* "a::b::f" -> "_ZN1a1b1fE": the mangled prefix of every overload of a nested C++ name. */
static int mangle_prefix(const char *qname, char *out, size_t size)
{
	size_t len = 0;
	const char *p = qname;
	int n;

	n = snprintf(out, size, "_ZN");
	len = n;
	while (*p) {
		const char *end = strstr(p, "::");
		size_t part = end ? (size_t)(end - p) : strlen(p);

		n = snprintf(out + len, size - len, "%zu%.*s", part, (int)part, p);
		if (n < 0 || (size_t)n >= size - len)
			return -ENAMETOOLONG;
		len += n;
		p += part + (end ? 2 : 0);
	}
	if (len + 2 > size)
		return -ENAMETOOLONG;
	out[len++] = 'E';
	out[len] = '\0';
	return 0;
}

/* The (first) function symbol of path whose name is name, or starts with the mangled prefix of
 * a C++ qualified name. */
static int find_symbol(const char *path, const char *name, char *out, size_t size)
{
	char prefix[256];
	Elf *elf = NULL;
	Elf_Scn *scn = NULL;
	bool cxx = strstr(name, "::") != NULL;
	int fd, err = -ENOENT;

	if (!cxx) {
		snprintf(out, size, "%s", name);
		return 0;
	}
	err = mangle_prefix(name, prefix, sizeof(prefix));
	if (err)
		return err;
	err = -ENOENT;
	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	while (elf && err && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;
		size_t i, n;

		if (!gelf_getshdr(scn, &sh) ||
		    (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM) || !sh.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		n = sh.sh_size / sh.sh_entsize;
		for (i = 0; data && i < n; i++) {
			GElf_Sym sym;
			const char *s;

			if (!gelf_getsym(data, (int)i, &sym) ||
			    GELF_ST_TYPE(sym.st_info) != STT_FUNC || !sym.st_value)
				continue;
			s = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (s && !strncmp(s, prefix, strlen(prefix))) {
				snprintf(out, size, "%s", s);
				err = 0;
				break;
			}
		}
	}
	elf_end(elf);
	close(fd);
	return err;
}

static int add_link(struct rt_trace *tr, struct bpf_link *l)
{
	struct bpf_link **links = realloc(tr->links, (tr->nlinks + 1) * sizeof(*links));

	if (!links) {
		bpf_link__destroy(l);
		return -ENOMEM;
	}
	tr->links = links;
	tr->links[tr->nlinks++] = l;
	return 0;
}

static const struct usdt_note *find_note(const struct usdt_notes *notes, const char *provider,
					 const char *name)
{
	size_t i;

	for (i = 0; notes && i < notes->n; i++) {
		if (!strcmp(notes->notes[i].provider, provider) &&
		    !strcmp(notes->notes[i].name, name))
			return &notes->notes[i];
	}
	return NULL;
}

static int attach_one(struct rt_trace *tr, struct bpf_program *prog, const struct rt_probe *p,
		      const struct usdt_notes *notes)
{
	int pid = tr->pid;
	struct bpf_link *l = NULL;
	char sym[512];
	int err;

	switch (p->kind) {
	case RT_USDT: {
		LIBBPF_OPTS(bpf_usdt_opts, uo, .usdt_cookie = p->cookie);

		if (!find_note(notes, p->provider, p->name))
			return -ENOENT;
		l = bpf_program__attach_usdt(prog, pid, tr->object, p->provider, p->name, &uo);
		break;
	}
	case RT_UPROBE:
	case RT_URETPROBE: {
		LIBBPF_OPTS(bpf_uprobe_opts, uo, .retprobe = p->kind == RT_URETPROBE,
			    .bpf_cookie = p->cookie);

		err = find_symbol(tr->object, p->name, sym, sizeof(sym));
		if (err)
			return err;
		uo.func_name = sym;
		l = bpf_program__attach_uprobe_opts(prog, pid, tr->object, 0, &uo);
		break;
	}
	case RT_HOLD_SEMAPHORE: {
		const struct usdt_note *n = find_note(notes, p->provider, p->sema_of);
		LIBBPF_OPTS(bpf_uprobe_opts, uo, .func_name = p->name);

		if (!n || !n->sema_offset)
			return -ENOENT;
		uo.ref_ctr_offset = n->sema_offset;
		l = bpf_program__attach_uprobe_opts(prog, pid, tr->object, 0, &uo);
		break;
	}
	}
	if (!l)
		return -errno;
	return add_link(tr, l);
}

int rt_trace__attach(struct rt_trace *tr, struct bpf_object *obj)
{
	const struct rt_probe *p = tr->tracer->probes[tr->cmd];
	struct usdt_notes *notes;
	size_t attached = 0;
	int err = 0;

	notes = usdt_notes__read(tr->object);
	if (!notes) {
		err = -errno;
		pr_warn("%s: cannot read %s: %s\n", tr->cmd_name, tr->object, err_str(err));
		return err;
	}
	for (; p && p->prog; p++) {
		bool alias = tr->alias_to && p->kind == RT_USDT &&
			     (!strcmp(tr->alias_from, "*") || !strcmp(p->prog, tr->alias_from));
		const char *name = alias ? tr->alias_to : p->prog;
		struct bpf_program *prog = bpf_object__find_program_by_name(obj, name);
		const char *what = p->kind == RT_HOLD_SEMAPHORE ? p->sema_of : p->name;

		if (!prog) {
			pr_warn("%s: internal: no BPF program %s\n", tr->cmd_name, name);
			err = -EINVAL;
			break;
		}
		err = attach_one(tr, prog, p, notes);
		if (!err) {
			pr_debug("%s: attached %s%s%s%s in %s\n", tr->cmd_name,
				 p->kind == RT_HOLD_SEMAPHORE ? "semaphore of " : "",
				 p->provider ? p->provider : "", p->provider ? ":" : "", what,
				 tr->shown);
			attached++;
			continue;
		}
		if ((err == -EPERM || err == -EACCES) && !bpf_privileged()) {
			pr_warn("%s: permission denied attaching %s: run as root (or with CAP_BPF "
				"and CAP_PERFMON)\n",
				tr->cmd_name, what);
			break;
		}
		if (err == -EPERM || err == -EACCES) {
			pr_warn("%s: the kernel refused to attach %s in %s (%s), although rtprof "
				"has the privileges: a security module or kernel lockdown?\n",
				tr->cmd_name, what, tr->object, err_str(err));
			break;
		}
		if (p->optional) {
			pr_debug("%s: optional probe %s not attached: %s\n", tr->cmd_name, what,
				 err_str(err));
			err = 0;
			continue;
		}
		if (err == -ENOENT)
			pr_warn("%s: %s has no probe %s%s%s\n", tr->cmd_name, tr->shown,
				p->provider ? p->provider : "", p->provider ? ":" : "", what);
		else
			pr_warn("%s: cannot attach %s%s%s in %s: %s\n", tr->cmd_name,
				p->provider ? p->provider : "", p->provider ? ":" : "", what,
				tr->shown, err_str(err));
		if (err == -ENOENT)
			err = -ERR_NOPROBES;
		break;
	}
	usdt_notes__free(notes);
	if (!err && !attached) {
		pr_warn("%s: nothing attached\n", tr->cmd_name);
		err = -ERR_NOPROBES;
	}
	return err;
}

int rt_load_error(const char *cmd_name, int err)
{
	if ((err == -EPERM || err == -EACCES) && !bpf_privileged()) {
		pr_warn("%s: cannot load the BPF programs: %s: run as root (or with CAP_BPF and "
			"CAP_PERFMON)\n",
			cmd_name, err_str(err));
		return err;
	}
	if (err == -EPERM || err == -EACCES) {
		pr_warn("%s: the kernel refused the BPF programs (%s) although rtprof has the "
			"privileges: its verifier rejected them (-v shows its log), or a security "
			"module or kernel lockdown forbids them\n",
			cmd_name, err_str(err));
		return -EINVAL;
	}
	pr_warn("%s: cannot load the BPF programs: %s\n", cmd_name, err_str(err));
	return err;
}

void rt_trace__alias_prog(struct rt_trace *tr, const char *from, const char *to)
{
	tr->alias_from = from;
	tr->alias_to = to;
}

int rt_trace__start(struct rt_trace *tr)
{
	int err = session__start(tr->session);

	if (err)
		pr_warn("%s: cannot run %s: %s\n", tr->cmd_name, tr->argv ? tr->argv[0] : "",
			err_str(err));
	return err;
}

bool rt_trace__alive(struct rt_trace *tr)
{
	return session__alive(tr->session);
}

void rt_trace__report(struct rt_trace *tr, const struct rt_seen *seen)
{
	if (session__report_end(tr->session, tr->cmd_name))
		return;
	if (tr->tracer->explain)
		tr->tracer->explain(tr, tr->cmd, seen);
}

__u64 rt_monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int rt_trace__run(struct rt_trace *tr, const struct rt_run_opts *o, int (*tick)(void *ctx),
		  void *ctx)
{
	int wait_ms = o->wait_ms > 0 ? o->wait_ms : 100, err = 0;
	__u64 start = rt_monotonic_ns(), last_tick = start, now;

	while (!signals_stop_requested()) {
		if (!rt_trace__alive(tr)) {
			if (!rt_trace__launched(tr))
				pr_info("%s: process %d exited\n", tr->cmd_name, rt_trace__pid(tr));
			break;
		}
		if (o->duration_s && (rt_monotonic_ns() - start) / 1e9 >= o->duration_s)
			break;
		if (o->wait) {
			err = o->wait(ctx, wait_ms);
			if (err < 0 && err != -EINTR)
				break;
			err = 0;
		} else {
			signals_sleep_ms(wait_ms);
		}
		now = rt_monotonic_ns();
		if (tick && o->interval_s && (now - last_tick) / 1e9 + 1e-9 >= o->interval_s) {
			last_tick = now;
			err = tick(ctx);
			if (err)
				break;
		}
	}
	return err;
}

const struct rt_tracer *rt_trace__tracer(const struct rt_trace *tr)
{
	return tr->tracer;
}

struct session *rt_trace__session(const struct rt_trace *tr)
{
	return tr->session;
}

int rt_trace__pid(const struct rt_trace *tr)
{
	return tr->pid;
}

bool rt_trace__launched(const struct rt_trace *tr)
{
	return tr->argv != NULL;
}

const char *rt_trace__cmd_name(const struct rt_trace *tr)
{
	return tr->cmd_name;
}

const char *rt_trace__object(const struct rt_trace *tr)
{
	return tr->object;
}

const char *rt_trace__object_shown(const struct rt_trace *tr)
{
	return tr->shown;
}

const char *rt_trace__exe(const struct rt_trace *tr)
{
	return tr->exe;
}

char *const *rt_trace__argv(const struct rt_trace *tr)
{
	return tr->argv;
}

int rt_pattern(const char *cmd, const char *in, char *pat, size_t size, __u32 *len, bool *prefix)
{
	size_t n = strlen(in);

	*prefix = n && in[n - 1] == '*';
	if (*prefix)
		n--;
	if (memchr(in, '*', n) || n >= size) {
		fprintf(stderr,
			"rtprof %s: pattern '%s': use NAME or PREFIX* (at most %zu characters)\n",
			cmd, in, size - 1);
		return -ERR_USAGE;
	}
	memset(pat, 0, size);
	memcpy(pat, in, n);
	*len = (__u32)n;
	return 0;
}

int rt_filter__set(struct rt_filter *f, const char *cmd, const struct rt_cmd_opts *o)
{
	bool prefix;
	int err;

	memset(f, 0, sizeof(*f));
	if (o->method_pat) {
		err = rt_pattern(cmd, o->method_pat, f->method_pat, sizeof(f->method_pat),
				 &f->method_len, &prefix);
		if (err)
			return err;
		f->method_prefix = prefix;
	}
	if (o->class_pat) {
		err = rt_pattern(cmd, o->class_pat, f->class_pat, sizeof(f->class_pat),
				 &f->class_len, &prefix);
		if (err)
			return err;
		f->class_prefix = prefix;
	}
	return 0;
}

static int parse_num(const char *cmd, const char *what, const char *arg, double *out)
{
	char *end;

	*out = strtod(arg, &end);
	if (*end || *out < 0) {
		fprintf(stderr, "rtprof %s: invalid %s '%s'\n", cmd, what, arg);
		return -ERR_USAGE;
	}
	return 0;
}

int rt_cmd_opts__parse(struct rt_cmd_opts *o, const char *cmd, unsigned int accepts, int argc,
		       char **argv, void (*usage)(FILE *f))
{
	static const struct option longopts[] = {
		{"pid", required_argument, NULL, 'p'},
		{"lang", required_argument, NULL, 'l'},
		{"json", no_argument, NULL, 'j'},
		{"method", required_argument, NULL, 'm'},
		{"class", required_argument, NULL, 'c'},
		{"duration", required_argument, NULL, 'd'},
		{"interval", required_argument, NULL, 'i'},
		{"top", required_argument, NULL, 'n'},
		{"histogram", no_argument, NULL, 'L'},
		{"min", required_argument, NULL, 0x100},
		{"no-tracepoint", no_argument, NULL, 'T'},
		{"buffer", required_argument, NULL, 0x101},
		{"trace", required_argument, NULL, 0x102},
		{"output", required_argument, NULL, 'o'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct opts_common co = {cmd, &o->target, &o->duration_s, usage, &o->output};
	double top;
	int c, err = 0;

	optind = 1;
	while (!err &&
	       (c = getopt_long(argc, argv, "+p:l:m:c:d:o:i:n:Lvh", longopts, NULL)) != -1) {
		bool ok = true;

		switch (c) {
		case 'l':
			o->lang = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'm':
			ok = accepts & RT_OPT_FILTER;
			o->method_pat = optarg;
			break;
		case 'c':
			ok = accepts & RT_OPT_FILTER;
			o->class_pat = optarg;
			break;
		case 'i':
			ok = accepts & RT_OPT_INTERVAL;
			err = parse_num(cmd, "interval", optarg, &o->interval_s);
			break;
		case 'n':
			ok = accepts & RT_OPT_INTERVAL;
			err = parse_num(cmd, "top", optarg, &top);
			o->top = (int)top;
			break;
		case 'L':
			ok = accepts & RT_OPT_HIST;
			o->hist = true;
			break;
		case 0x100:
			ok = accepts & RT_OPT_MIN;
			err = parse_num(cmd, "--min", optarg, &o->min_ms);
			break;
		case 'T':
			o->no_tracepoint = true;
			break;
		case 0x101: {
			double kb;

			ok = accepts & RT_OPT_BUFFER;
			err = parse_num(cmd, "--buffer", optarg, &kb);
			o->buffer_kb = (unsigned int)kb;
			/* a ring buffer is a power of two pages */
			if (!err && (o->buffer_kb < 4 || (o->buffer_kb & (o->buffer_kb - 1)) ||
				     o->buffer_kb > (1u << 20))) {
				fprintf(stderr,
					"rtprof %s: --buffer: a power of two from 4 to %u KiB\n",
					cmd, 1u << 20);
				err = -ERR_USAGE;
			}
			break;
		}
		case 0x102:
			ok = accepts & RT_OPT_TRACE;
			o->trace_path = optarg;
			break;
		default:
			err = opts_common__handle(&co, c, optarg);
			if (err)
				return err;
		}
		if (!ok) {
			const struct option *lo = longopts;

			while (lo->name && lo->val != c)
				lo++;
			/* long-only options have values above any character */
			if (c > 0xff && lo->name)
				fprintf(stderr, "rtprof %s: option --%s does not apply to %s\n",
					cmd, lo->name, cmd);
			else
				fprintf(stderr, "rtprof %s: option -%c does not apply to %s\n", cmd,
					c, cmd);
			return -ERR_USAGE;
		}
	}
	if (err)
		return err;
	err = opts_common__finish(&co, argc, argv, optind);
	if (!err && o->no_tracepoint)
		setenv("RTPROF_NO_TRACEPOINT", "1", 1);
	return err;
}
