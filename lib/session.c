// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/errors.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/session.h"

struct session {
	int pid;
	bool launched;
	bool started;
	bool exited;
	int wait_status;
	int go_fd;  /* write end: one byte lets the held child exec; -1 when not launched */
	int err_fd; /* read end: the child's errno if exec failed; EOF when exec succeeded */
	char exe[PATH_MAX];
};

/* Look cmd up in PATH as execvp will. */
static int find_in_path(const char *cmd, char *out, size_t size)
{
	const char *path = getenv("PATH");
	const char *p;

	if (strchr(cmd, '/')) {
		if (!realpath(cmd, out))
			return -errno;
		return access(out, X_OK) ? -errno : 0;
	}
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; *p;) {
		size_t len = strcspn(p, ":");
		char cand[PATH_MAX];

		snprintf(cand, sizeof(cand), "%.*s/%s", (int)len, p, cmd);
		if (access(cand, X_OK) == 0 && realpath(cand, out))
			return 0;
		p += len;
		if (*p == ':')
			p++;
	}
	return -ENOENT;
}

static bool process_exists(int pid)
{
	char path[64], state = 0;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	/* the state follows the command name in parentheses, which may hold spaces */
	n = fscanf(f, "%*d (%*[^)]) %c", &state);
	fclose(f);
	return n == 1 && state != 'Z' && state != 'X';
}

static int launch(struct session *s, char **argv)
{
	int go[2] = {-1, -1}, errp[2] = {-1, -1};
	struct stat st;
	int err;
	pid_t pid;

	err = find_in_path(argv[0], s->exe, sizeof(s->exe));
	/* exec would fail with EACCES: a wrong file (bad input), not a matter of privileges */
	if (err == -EACCES || (!err && (stat(s->exe, &st) || !S_ISREG(st.st_mode)))) {
		pr_warn("cannot run '%s': not an executable file\n", argv[0]);
		return -ERR_BADINPUT;
	}
	if (err) {
		pr_warn("cannot run '%s': %s\n", argv[0], err_str(err));
		return err;
	}
	if (pipe2(go, O_CLOEXEC) || pipe2(errp, O_CLOEXEC)) {
		err = -errno;
		goto fail;
	}
	pid = fork();
	if (pid < 0) {
		err = -errno;
		goto fail;
	}
	if (pid == 0) {
		char c;

		close(go[1]);
		close(errp[0]);
		/* Held here until session__start(); EOF means rtprof is gone: do not run. */
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[0], argv);
		err = errno;
		if (write(errp[1], &err, sizeof(err)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(errp[1]);
	s->pid = pid;
	s->go_fd = go[1];
	s->err_fd = errp[0];
	s->launched = true;
	return 0;
fail:
	if (go[0] >= 0) {
		close(go[0]);
		close(go[1]);
	}
	if (errp[0] >= 0) {
		close(errp[0]);
		close(errp[1]);
	}
	return err;
}

struct session *session__new(const struct target_opts *t)
{
	struct session *s;
	char link[64];
	int err = 0;

	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->go_fd = -1;
	s->err_fd = -1;
	s->wait_status = -1;
	if (t->argv) {
		err = launch(s, t->argv);
	} else {
		s->pid = t->pid;
		if (!process_exists(t->pid)) {
			pr_warn("-p %d: no such process\n", t->pid);
			err = -ESRCH;
		} else {
			snprintf(link, sizeof(link), "/proc/%d/exe", t->pid);
			if (access(link, F_OK) && errno == EACCES) {
				pr_warn("-p %d: permission denied (run as root)\n", t->pid);
				err = -EACCES;
			}
			snprintf(s->exe, sizeof(s->exe), "/proc/%d/exe", t->pid);
		}
	}
	if (err) {
		free(s);
		errno = -err;
		return NULL;
	}
	return s;
}

int session__start(struct session *s)
{
	ssize_t n;
	int child_err = 0;

	if (!s->launched || s->started)
		return 0;
	s->started = true;
	if (write(s->go_fd, "g", 1) != 1)
		return -errno;
	close(s->go_fd);
	s->go_fd = -1;
	/* Blocks until exec succeeded (EOF, the pipe is close-on-exec) or failed (errno). */
	n = read(s->err_fd, &child_err, sizeof(child_err));
	close(s->err_fd);
	s->err_fd = -1;
	if (n == sizeof(child_err)) {
		waitpid(s->pid, &s->wait_status, 0);
		s->exited = true;
		return -child_err;
	}
	return 0;
}

bool session__alive(struct session *s)
{
	if (s->exited)
		return false;
	if (s->launched) {
		pid_t r = waitpid(s->pid, &s->wait_status, WNOHANG);

		if (r == s->pid || (r < 0 && errno == ECHILD))
			s->exited = true;
		return !s->exited;
	}
	if (!process_exists(s->pid))
		s->exited = true;
	return !s->exited;
}

int session__pid(const struct session *s)
{
	return s->pid;
}

bool session__launched(const struct session *s)
{
	return s->launched;
}

const char *session__exe(const struct session *s)
{
	return s->exe;
}

int session__wait_status(const struct session *s)
{
	return s->exited ? s->wait_status : -1;
}

/* "SIGSEGV"; "signal 40" for those without a name (real-time signals). */
static const char *signal_name(int sig, char *buf, size_t size)
{
	const char *abbrev = sigabbrev_np(sig);

	if (abbrev)
		snprintf(buf, size, "SIG%s", abbrev);
	else
		snprintf(buf, size, "signal %d", sig);
	return buf;
}

const char *session__describe_end(const struct session *s, char *buf, size_t size)
{
	char sig[32];
	int st = s->wait_status;

	if (!s->launched || !s->started || !s->exited || st < 0)
		return NULL;
	if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
		snprintf(buf, size, "the command exited with status %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, size, "the command was killed by %s%s",
			 signal_name(WTERMSIG(st), sig, sizeof(sig)),
			 WCOREDUMP(st) ? " (core dumped)" : "");
	else
		return NULL;
	return buf;
}

bool session__report_end(struct session *s, const char *cmd)
{
	char buf[128];

	session__alive(s);
	if (!session__describe_end(s, buf, sizeof(buf)))
		return false;
	pr_warn("%s: %s\n", cmd, buf);
	return true;
}

void session__json_end(struct session *s, FILE *f)
{
	char sig[32];
	int st;

	session__alive(s);
	st = s->wait_status;
	if (!s->launched || !s->started || !s->exited || st < 0)
		return;
	fprintf(f, ",\"command\":{\"pid\":%d,\"exit_status\":", s->pid);
	if (WIFEXITED(st))
		fprintf(f, "%d", WEXITSTATUS(st));
	else
		fputs("null", f);
	fputs(",\"signal\":", f);
	json_str(f, WIFSIGNALED(st) ? signal_name(WTERMSIG(st), sig, sizeof(sig)) : NULL);
	fprintf(f, ",\"core_dumped\":%s}", WIFSIGNALED(st) && WCOREDUMP(st) ? "true" : "false");
}

/*
 * rtprof owns the lifetime of a command it launched, as perf record does: when the trace ends
 * first (-d, Ctrl-C, SIGTERM), the command gets SIGTERM, and SIGKILL if it is still there after
 * term_grace_ms. By then every probe is detached. A process given with -p is never signalled.
 */
static void end_launched(struct session *s)
{
	const unsigned int term_grace_ms = 5000;
	unsigned int waited_ms = 0;

	pr_info("stopping the launched command (pid %d)\n", s->pid);
	kill(s->pid, SIGTERM);
	while (waitpid(s->pid, &s->wait_status, WNOHANG) == 0) {
		if (waited_ms >= term_grace_ms) {
			kill(s->pid, SIGKILL);
			waitpid(s->pid, &s->wait_status, 0);
			break;
		}
		usleep(10000);
		waited_ms += 10;
	}
	s->exited = true;
}

void session__free(struct session *s)
{
	if (!s)
		return;
	/* A launched command that was never started is not run: closing the pipe ends it. */
	if (s->go_fd >= 0)
		close(s->go_fd);
	if (s->err_fd >= 0)
		close(s->err_fd);
	if (s->launched && !s->exited) {
		if (s->started)
			end_launched(s);
		else
			waitpid(s->pid, NULL, 0);
	}
	free(s);
}

int session_find_exe(const char *cmd, char *out, size_t size)
{
	return find_in_path(cmd, out, size);
}
