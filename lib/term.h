/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A full-screen terminal for live views (rtprof top), with plain ANSI escapes: the alternate
 * screen, a hidden cursor, and key presses read one at a time without echo (ICANON and ECHO off,
 * ISIG kept: Ctrl-C still sends SIGINT, which lib/signals.h turns into a clean stop).
 *
 * The terminal is given back as it was on every way out: term_leave() on the normal path, an
 * atexit handler for exit(), and handlers of the fatal signals (SIGSEGV, SIGBUS, SIGFPE, SIGILL,
 * SIGABRT: restore, then die of the signal as before). Ctrl-Z (SIGTSTP) restores the terminal
 * before the process stops; SIGCONT takes the screen again and asks for a redraw, as a resize
 * (SIGWINCH) does.
 */
#ifndef RTPROF_TERM_H
#define RTPROF_TERM_H

#include <stdbool.h>
#include <stddef.h>

/* Take the terminal of out_fd (keys from in_fd when it is a terminal too). 0, or -ENOTTY when
 * out_fd is not a terminal, or a negative errno. */
int term_enter(int in_fd, int out_fd);
/* Give the terminal back as term_enter found it; does nothing when it was not taken. */
void term_leave(void);
/* True once after each resize (or return from Ctrl-Z): the screen must be drawn again. */
bool term_redraw_needed(void);
/* Rows and columns of the terminal (24 x 80 when it cannot tell). */
void term_size(int *rows, int *cols);
/* The next key pressed, or -1 when none is waiting (never blocks). */
int term_read_key(void);
/* Write len bytes to the terminal (all of them, unless it fails). */
void term_write(const char *buf, size_t len);

#endif
