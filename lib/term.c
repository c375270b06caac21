// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "lib/term.h"

#define TERM_ENTER "\033[?1049h\033[?25l\033[H\033[2J" /* alternate screen, hide cursor, clear */
#define TERM_LEAVE "\033[?25h\033[?1049l"	       /* show cursor, main screen */

/*
 * The terminal's state lives here, not in a caller's struct: signal handlers and the atexit
 * handler, which receive no argument, must reach it. Only async-signal-safe calls touch it from a
 * handler (write, tcsetattr, sigaction, raise).
 */
static struct termios saved;
static int in_fd = -1, out_fd = -1;
static bool in_raw, exit_hooked;
static volatile sig_atomic_t active, redraw;

static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};

static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

/* Back to the main screen and the saved modes; safe in a signal handler. */
static void restore(void)
{
	int e = errno;

	if (!active)
		return;
	active = 0;
	write_all(out_fd, TERM_LEAVE, sizeof(TERM_LEAVE) - 1);
	if (in_raw)
		tcsetattr(in_fd, TCSAFLUSH, &saved);
	errno = e;
}

static int take(void)
{
	struct termios raw;

	if (in_raw) {
		raw = saved;
		raw.c_lflag &= ~(ICANON | ECHO);
		raw.c_cc[VMIN] = 0;
		raw.c_cc[VTIME] = 0;
		if (tcsetattr(in_fd, TCSAFLUSH, &raw))
			return -errno;
	}
	write_all(out_fd, TERM_ENTER, sizeof(TERM_ENTER) - 1);
	active = 1;
	return 0;
}

static void on_fatal(int sig)
{
	restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void on_winch(int sig)
{
	redraw = 1;
}

static void on_cont(int sig);

/* Ctrl-Z: give the terminal back, stop; SIGCONT takes it again. */
static void on_tstp(int sig)
{
	sigset_t set;

	if (!active) {
		signal(SIGTSTP, SIG_DFL);
		raise(SIGTSTP);
		return;
	}
	restore();
	signal(SIGTSTP, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, SIGTSTP);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(SIGTSTP); /* stops here until SIGCONT */
	signal(SIGTSTP, on_tstp);
	take();
	redraw = 1;
}

static void on_cont(int sig)
{
	redraw = 1;
}

static void handle(int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

int term_enter(int in, int out)
{
	size_t i;
	int err;

	if (active)
		return 0;
	if (!isatty(out))
		return -ENOTTY;
	in_fd = in;
	out_fd = out;
	in_raw = isatty(in) && tcgetattr(in, &saved) == 0;
	if (!exit_hooked) {
		atexit(term_leave);
		exit_hooked = true;
	}
	for (i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++)
		handle(fatal_signals[i], on_fatal);
	handle(SIGWINCH, on_winch);
	handle(SIGTSTP, on_tstp);
	handle(SIGCONT, on_cont);
	err = take();
	if (err)
		term_leave();
	return err;
}

void term_leave(void)
{
	size_t i;

	if (!active)
		return;
	restore();
	for (i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++)
		signal(fatal_signals[i], SIG_DFL);
	signal(SIGTSTP, SIG_DFL);
	signal(SIGCONT, SIG_DFL);
	signal(SIGWINCH, SIG_DFL);
}

bool term_redraw_needed(void)
{
	if (!redraw)
		return false;
	redraw = 0;
	return true;
}

void term_size(int *rows, int *cols)
{
	struct winsize ws;

	*rows = 24;
	*cols = 80;
	if (out_fd >= 0 && ioctl(out_fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) {
		*rows = ws.ws_row;
		*cols = ws.ws_col;
	}
}

int term_read_key(void)
{
	unsigned char c;

	if (!active || !in_raw)
		return -1;
	if (read(in_fd, &c, 1) != 1)
		return -1;
	return c;
}

void term_write(const char *buf, size_t len)
{
	if (out_fd >= 0)
		write_all(out_fd, buf, len);
}
