// SPDX-License-Identifier: GPL-2.0
/*
 * rtprof record -o DIR --runs N [profile options] -- CMD ARGS...: the input of rtprof compare.
 *
 * Runs the command N times, each under rtprof profile's own code (profile_run(), in this
 * process: the same options, the same pipeline, nothing launched but the command), and writes
 * DIR/run-NN.pb.gz (pprof) per run and DIR/manifest.json: the command, rtprof's version, the
 * kernel, the CPU model, the sampling frequency and duration, and per run its file, exit status,
 * samples and seconds. A run whose command fails (non-zero exit, killed by a signal rtprof did not
 * send) fails the record; the manifest is still written, with the runs done so far.
 *
 * The run files' format is one line: record_format below (pprof; {"--folded", "folded"} would
 * write folded stacks). rtprof compare reads both through one loader (flamegraph/profile_file.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/errors.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/opts.h"
#include "lib/session.h"
#include "lib/signals.h"
#include "profiler/commands.h"

#define RECORD_MAX_RUNS 1000

/* How each run's profile is written: profile's option and the file's extension. */
static const struct {
	const char *option, *ext;
} record_format = {"--pprof", "pb.gz"};

struct record_opts {
	const char *dir;
	long runs;
	char **profile_args; /* options passed to profile as they are */
	int n_profile_args;
	char **cmd; /* after "--", NULL-terminated */
};

struct run_info {
	char file[32];
	struct profile_result res;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rtprof record -o DIR --runs N [profile options] -- CMD ARGS...\n"
		"\n"
		"Run CMD N times under rtprof profile and write DIR/run-01.%s .. run-NN.%s and\n"
		"DIR/manifest.json (command, rtprof version, kernel, CPU model, frequency, "
		"duration,\n"
		"each run's exit status and samples): the input of rtprof compare. A run whose\n"
		"command fails fails the record. Profile options (-F HZ, -d SECONDS, -K, "
		"--lines,\n"
		"--native-only, --stack-bytes N, -f) are passed to each run; not -p or output\n"
		"options (--folded, --svg, --pprof, --speedscope, --push).\n"
		"\n"
		"  -o, --output DIR       the directory (created; old run files in it are "
		"removed)\n"
		"      --runs N           how many runs (1..%d; compare needs >= 6 per side for "
		"20\n"
		"                         functions at alpha 0.05)\n"
		"  -v, --verbose          debug output\n"
		"  -h, --help             this help\n"
		"\n"
		"examples:\n"
		"  rtprof record -o base --runs 8 -F 999 -- ./bench --iterations 1000\n"
		"  rtprof record -o head --runs 8 -F 999 -- ./bench --iterations 1000\n"
		"  rtprof compare base head --markdown summary.md\n",
		record_format.ext, record_format.ext, RECORD_MAX_RUNS);
}

/* The value of option name at argv[*i]: "-o DIR", "-oDIR", "--output DIR", "--output=DIR".
 * NULL when argv[*i] is not that option; *missing when its value is. */
static const char *opt_value(int argc, char **argv, int *i, const char *shrt, const char *lng,
			     bool *missing)
{
	const char *a = argv[*i];
	size_t n = strlen(lng);

	if ((shrt && !strcmp(a, shrt)) || !strcmp(a, lng)) {
		if (*i + 1 >= argc) {
			*missing = true;
			return NULL;
		}
		return argv[++*i];
	}
	if (!strncmp(a, lng, n) && a[n] == '=')
		return a + n + 1;
	if (shrt && !strncmp(a, shrt, 2) && a[2])
		return a + 2;
	return NULL;
}

static int parse_opts(int argc, char **argv, struct record_opts *o)
{
	static const char *const refused[] = {
		"-p", "--pid", "--folded", "--svg", "--pprof", "--speedscope", "--push",
	};
	const char *v;
	bool missing = false;
	size_t k;
	int i;

	o->profile_args = calloc(argc + 1, sizeof(*o->profile_args));
	if (!o->profile_args)
		return -ENOMEM;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			o->cmd = argv + i + 1;
			break;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return OPTS_HELP;
		}
		if ((v = opt_value(argc, argv, &i, "-o", "--output", &missing))) {
			o->dir = v;
			continue;
		}
		if ((v = opt_value(argc, argv, &i, NULL, "--runs", &missing))) {
			if (opts_long("record", "--runs", v, 1, RECORD_MAX_RUNS, &o->runs))
				return -ERR_USAGE;
			continue;
		}
		if (missing) {
			fprintf(stderr, "rtprof record: %s wants a value\n", a);
			return -ERR_USAGE;
		}
		for (k = 0; k < sizeof(refused) / sizeof(refused[0]); k++) {
			size_t n = strlen(refused[k]);

			if (!strncmp(a, refused[k], n) && (!a[n] || a[n] == '=' || n == 2)) {
				fprintf(stderr,
					"rtprof record: %s does not apply: record launches the "
					"command and writes DIR/run-NN.%s itself\n",
					refused[k], record_format.ext);
				return -ERR_USAGE;
			}
		}
		if (!strcmp(a, "-v") || !strcmp(a, "--verbose"))
			log_set_level(LOG_DEBUG);
		o->profile_args[o->n_profile_args++] = argv[i];
	}
	if (!o->dir || !o->runs || !o->cmd || !o->cmd[0]) {
		fprintf(stderr, "rtprof record: wants -o DIR, --runs N and -- CMD (see rtprof "
				"record --help)\n");
		return -ERR_USAGE;
	}
	return 0;
}

/* Create DIR (one level) and remove run files and a manifest an earlier record left in it. */
static int prepare_dir(const char *dir)
{
	char path[4096];
	struct stat st;
	long i;

	if (mkdir(dir, 0755) && errno != EEXIST) {
		int err = -errno;

		pr_warn("record -o %s: %s\n", dir, err_str(err));
		return err;
	}
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		pr_warn("record -o %s: not a directory\n", dir);
		return -ENOTDIR;
	}
	for (i = 1; i <= RECORD_MAX_RUNS; i++) {
		snprintf(path, sizeof(path), "%s/run-%02ld.folded", dir, i);
		unlink(path);
		snprintf(path, sizeof(path), "%s/run-%02ld.pb.gz", dir, i);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	unlink(path);
	return 0;
}

/* The "model name" line of /proc/cpuinfo (first CPU), or "unknown". */
static void cpu_model(char *out, size_t size)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char line[512], *v;

	snprintf(out, size, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "model name", 10) || !(v = strchr(line, ':')))
			continue;
		for (v++; *v == ' ' || *v == '\t'; v++)
			;
		v[strcspn(v, "\n")] = 0;
		snprintf(out, size, "%s", v);
		break;
	}
	fclose(f);
}

static void json_strv(FILE *f, char **v, int n)
{
	int i;

	fputc('[', f);
	for (i = 0; i < n; i++) {
		if (i)
			fputs(", ", f);
		json_str(f, v[i]);
	}
	fputc(']', f);
}

static int write_manifest(const struct record_opts *o, const struct run_info *runs, long n)
{
	char path[4096], cpu[256], when[32], kernel[sizeof(((struct utsname *)0)->release) * 3];
	const struct profile_result *r;
	struct utsname u = {};
	time_t now = time(NULL);
	struct tm tm;
	int n_cmd = 0, err = 0;
	FILE *f;
	long i;

	while (o->cmd[n_cmd])
		n_cmd++;
	uname(&u);
	snprintf(kernel, sizeof(kernel), "%s %s", u.release, u.version);
	cpu_model(cpu, sizeof(cpu));
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(path, sizeof(path), "%s/manifest.json", o->dir);
	f = fopen(path, "we");
	if (!f) {
		err = -errno;
		pr_warn("record %s: %s\n", path, err_str(err));
		return err;
	}
	fputs("{\n  \"rtprof_version\": ", f);
	json_str(f, RTPROF_VERSION);
	fputs(",\n  \"command\": ", f);
	json_strv(f, o->cmd, n_cmd);
	fputs(",\n  \"profile_options\": ", f);
	json_strv(f, o->profile_args, o->n_profile_args);
	fprintf(f, ",\n  \"created\": \"%s\",\n  \"kernel\": ", when);
	json_str(f, kernel);
	fputs(",\n  \"machine\": ", f);
	json_str(f, u.machine);
	fputs(",\n  \"cpu_model\": ", f);
	json_str(f, cpu);
	fprintf(f, ",\n  \"cpus\": %ld", sysconf(_SC_NPROCESSORS_ONLN));
	fprintf(f, ",\n  \"frequency_hz\": %d", n ? runs[0].res.hz : 0);
	if (n && runs[0].res.duration_s > 0)
		fprintf(f, ",\n  \"duration_s\": %g", runs[0].res.duration_s);
	else
		fputs(",\n  \"duration_s\": null", f);
	fprintf(f, ",\n  \"format\": \"%s\",\n  \"runs_requested\": %ld,\n  \"runs\": [",
		record_format.ext, o->runs);
	for (i = 0; i < n; i++) {
		r = &runs[i].res;
		fprintf(f, "%s\n    {\"file\": \"%s\", ", i ? "," : "", runs[i].file);
		if (r->wait_status < 0)
			fputs("\"exit_status\": null, \"signal\": null, \"stopped_by_rtprof\": "
			      "true",
			      f);
		else if (WIFSIGNALED(r->wait_status))
			fprintf(f,
				"\"exit_status\": null, \"signal\": %d, \"stopped_by_rtprof\": "
				"false",
				WTERMSIG(r->wait_status));
		else
			fprintf(f,
				"\"exit_status\": %d, \"signal\": null, \"stopped_by_rtprof\": "
				"false",
				WEXITSTATUS(r->wait_status));
		fprintf(f, ", \"samples\": %llu, \"seconds\": %.3f}", r->samples, r->seconds);
	}
	fputs("\n  ]\n}\n", f);
	if (fclose(f))
		err = -errno;
	if (err)
		pr_warn("record %s: %s\n", path, err_str(err));
	return err;
}

/* profile's argv for run i: "profile" [options] --folded DIR/run-NN.folded -- CMD... */
static char **profile_argv(const struct record_opts *o, const char *path, int *argc)
{
	int n_cmd = 0, n = 0, i;
	char **v;

	while (o->cmd[n_cmd])
		n_cmd++;
	v = calloc(o->n_profile_args + n_cmd + 6, sizeof(*v));
	if (!v)
		return NULL;
	v[n++] = "profile";
	for (i = 0; i < o->n_profile_args; i++)
		v[n++] = o->profile_args[i];
	v[n++] = (char *)record_format.option;
	v[n++] = (char *)path;
	v[n++] = "--";
	for (i = 0; i < n_cmd; i++)
		v[n++] = o->cmd[i];
	*argc = n;
	return v;
}

int cmd_record(int argc, char **argv)
{
	struct record_opts o = {};
	struct run_info *runs = NULL;
	char path[4096], exe[4096], **pargv = NULL;
	long i, done = 0;
	int pargc, err, st;

	err = parse_opts(argc, argv, &o);
	if (err)
		goto cleanup;
	/* a command that cannot run: one line, and no directory of empty runs */
	err = session_find_exe(o.cmd[0], exe, sizeof(exe));
	if (err) {
		pr_warn("record: cannot run '%s': %s\n", o.cmd[0], err_str(err));
		err = err == -ENOENT ? -ENOENT : -ENOEXEC;
		goto cleanup;
	}
	err = prepare_dir(o.dir);
	if (err)
		goto cleanup;
	runs = calloc(o.runs, sizeof(*runs));
	if (!runs) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < o.runs; i++) {
		snprintf(runs[i].file, sizeof(runs[i].file), "run-%02ld.%s", i + 1,
			 record_format.ext);
		snprintf(path, sizeof(path), "%s/%s", o.dir, runs[i].file);
		free(pargv);
		pargv = profile_argv(&o, path, &pargc);
		if (!pargv) {
			err = -ENOMEM;
			break;
		}
		pr_info("record: run %ld of %ld: %s\n", i + 1, o.runs, path);
		err = profile_run(pargc, pargv, &runs[i].res);
		if (err) {
			pr_warn("record: run %ld of %ld: the profile failed: %s\n", i + 1, o.runs,
				err_str(err));
			unlink(path); /* what it wrote is not a whole run */
			break;
		}
		done = i + 1;
		st = runs[i].res.wait_status;
		if (signals_stop_requested()) {
			pr_warn("record: interrupted after run %ld of %ld\n", i + 1, o.runs);
			err = -EINTR;
			break;
		}
		if (st >= 0 && (WIFSIGNALED(st) || WEXITSTATUS(st))) {
			if (WIFSIGNALED(st))
				pr_warn("record: run %ld of %ld: %s was killed by signal %d\n",
					i + 1, o.runs, o.cmd[0], WTERMSIG(st));
			else
				pr_warn("record: run %ld of %ld: %s exited with status %d\n", i + 1,
					o.runs, o.cmd[0], WEXITSTATUS(st));
			err = -ECHILD;
			break;
		}
	}
	if (done) {
		int e = write_manifest(&o, runs, done);

		if (!err)
			err = e;
	}
	if (!err)
		pr_info("record: %ld runs in %s (compare them with rtprof compare)\n", o.runs,
			o.dir);
cleanup:
	free(pargv);
	free(runs);
	free(o.profile_args);
	return err > 0 ? 0 : err;
}
