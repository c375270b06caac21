// SPDX-License-Identifier: GPL-2.0
/*
 * Asking a running HotSpot JVM for its perf map (Compiler.perfmap) through the JVM's own attach
 * mechanism, as jcmd does, without starting a second JVM (jcmd itself costs about half a second
 * of CPU):
 *
 *   1. the JVM listens on /tmp/.java_pid<PID> (PID as the JVM sees itself: the last NSpid) once
 *      its attach listener started; if it has not, create .attach_pid<PID> in its working
 *      directory (or /tmp) and send SIGQUIT: the JVM sees the file and starts the listener
 *      instead of printing a thread dump;
 *   2. connect to the socket (the JVM accepts a peer with its own effective uid and gid: the
 *      exchange runs in a child process that takes the target's ids), send protocol version "1",
 *      the command "jcmd" and its argument "Compiler.perfmap", each NUL-terminated, then two
 *      empty arguments; the answer starts with the result code ("0" is success).
 *
 * Everything goes through /proc/PID/root, so a JVM in a container (mount namespace) works.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "runtimes/runtime.h"

#define ATTACH_WAIT_MS 5000 /* for the listener to start after SIGQUIT */

static int ns_pid(int pid)
{
	char path[64], line[256];
	int nspid = pid;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return pid;
	while (fgets(line, sizeof(line), f)) {
		char *p, *last = NULL;

		if (strncmp(line, "NSpid:", 6))
			continue;
		for (p = strtok(line + 6, " \t\n"); p; p = strtok(NULL, " \t\n"))
			last = p;
		if (last)
			nspid = atoi(last);
	}
	fclose(f);
	return nspid;
}

bool jvm_process(int pid)
{
	char path[64], line[4096];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, "/libjvm.so") != NULL;
	fclose(f);
	return found;
}

/* SIGQUIT is safe only once the JVM handles it: its "Signal Dispatcher" thread runs then (before,
 * the signal's default action would end the process). */
static bool signal_dispatcher(int pid)
{
	char path[64], comm[32];
	struct dirent *d;
	bool found = false;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return false;
	while (!found && (d = readdir(dir))) {
		FILE *f;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/comm", pid, d->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		found = fgets(comm, sizeof(comm), f) && !strncmp(comm, "Signal Dispatch", 15);
		fclose(f);
	}
	closedir(dir);
	return found;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* The socket of the JVM's attach listener, started if needed. */
static int listener(int pid, char *sock, size_t size)
{
	char attach[256];
	struct stat st;
	int nspid = ns_pid(pid), fd, waited;

	snprintf(sock, size, "/proc/%d/root/tmp/.java_pid%d", pid, nspid);
	if (stat(sock, &st) == 0 && S_ISSOCK(st.st_mode))
		return 0;
	if (!signal_dispatcher(pid))
		return -EAGAIN; /* not yet: SIGQUIT would end it */
	snprintf(attach, sizeof(attach), "/proc/%d/cwd/.attach_pid%d", pid, nspid);
	fd = open(attach, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(attach, sizeof(attach), "/proc/%d/root/tmp/.attach_pid%d", pid, nspid);
		fd = open(attach, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	}
	if (fd < 0)
		return -errno;
	close(fd);
	if (kill(pid, SIGQUIT)) {
		unlink(attach);
		return -errno;
	}
	for (waited = 0; waited < ATTACH_WAIT_MS; waited += 20) {
		if (stat(sock, &st) == 0 && S_ISSOCK(st.st_mode))
			break;
		sleep_ms(20);
	}
	unlink(attach);
	return waited < ATTACH_WAIT_MS ? 0 : -ETIMEDOUT;
}

/* In a child with the target's ids: connect, send the command, read the result code. */
static int exchange(const char *sock, uid_t uid, gid_t gid)
{
	static const char req[] = "1\0jcmd\0Compiler.perfmap\0\0";
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char buf[256];
	ssize_t n;
	int fd;

	if ((getegid() != gid && setegid(gid)) || (geteuid() != uid && seteuid(uid)))
		return 3;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || strlen(sock) >= sizeof(sa.sun_path))
		return 4;
	strcpy(sa.sun_path, sock);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return 5;
	if (write(fd, req, sizeof(req)) != (ssize_t)sizeof(req))
		return 6;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 7;
	buf[n] = 0;
	return buf[0] == '0' ? 0 : 8;
}

int jvm_request_perfmap(int pid)
{
	char sock[256], proc[64];
	struct stat st;
	int err, status;
	pid_t child;

	snprintf(proc, sizeof(proc), "/proc/%d", pid);
	if (stat(proc, &st))
		return -ESRCH;
	err = listener(pid, sock, sizeof(sock));
	if (err) {
		pr_debug("jvm %d: no attach listener: %s\n", pid, strerror(-err));
		return err;
	}
	child = fork();
	if (child < 0)
		return -errno;
	if (child == 0)
		_exit(exchange(sock, st.st_uid, st.st_gid));
	if (waitpid(child, &status, 0) < 0)
		return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		pr_debug("jvm %d: attach exchange failed (step %d)\n", pid,
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -EPROTO;
	}
	return 0;
}
