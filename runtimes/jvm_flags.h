/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which -XX flags a HotSpot JVM runs with, for the flags that make its probes fire
 * (DTraceMethodProbes, DTraceAllocProbes, ExtendedDTraceProbes up to JDK 19). They cannot be
 * switched on in a running JVM, so rtprof checks them before it starts anything.
 *
 * A running JVM (-p) is asked directly: the flags are globals of libjvm.so, named in its
 * .symtab, read from /proc/PID/mem. A command about to be launched is read the way HotSpot and
 * its launcher would read it, in this order, the last setting winning:
 *	-XX:Flags=FILE settings files ("+Name" / "-Name" lines; below everything else)
 *	JAVA_TOOL_OPTIONS
 *	JDK_JAVA_OPTIONS (the java launcher only; @argfiles expanded)
 *	the command line: java takes JVM options before the main class (or -jar FILE,
 *	    -m MODULE) and expands @argfiles (until --disable-@files); every other JDK tool
 *	    (javac, jar, jshell: the same launcher, libjli) takes them as -J-XX:... anywhere
 *	    and expands no @argfile for the JVM; -XX:VMOptionsFile=FILE is read in place
 *	_JAVA_OPTIONS
 */
#ifndef RTPROF_JVM_FLAGS_H
#define RTPROF_JVM_FLAGS_H

#include <limits.h>
#include <stdbool.h>

enum jvm_flag {
	JVM_DTRACE_METHOD,   /* -XX:+DTraceMethodProbes */
	JVM_DTRACE_ALLOC,    /* -XX:+DTraceAllocProbes */
	JVM_EXTENDED_DTRACE, /* -XX:+ExtendedDTraceProbes (up to JDK 19) */
	JVM_NFLAGS,
};

struct jvm_flags {
	int state[JVM_NFLAGS]; /* +1 on, -1 off, 0 not set (off: the default) */
	bool live;	       /* read from the running JVM */
	char unread[PATH_MAX]; /* a file named by @, -XX:Flags= or -XX:VMOptionsFile= that could
				* not be read (its flags are unknown), or "" */
};

/* Where a command about to be launched takes its flags from. */
struct jvm_flag_sources {
	char *const *argv;	      /* the command line, argv[0] included */
	bool java;		      /* the java launcher (not javac, jar, jshell, ...) */
	const char *tool_options;     /* JAVA_TOOL_OPTIONS, or NULL */
	const char *jdk_java_options; /* JDK_JAVA_OPTIONS, or NULL (read by java only) */
	const char *java_options;     /* _JAVA_OPTIONS, or NULL */
	const char *dir;	      /* relative file names start here; NULL: the current one */
	const char *root;	      /* absolute file names are under this; NULL: / */
};

/* The flags of a command about to be launched (f is cleared first). */
void jvm_flags__scan(struct jvm_flags *f, const struct jvm_flag_sources *src);

/* The flags of running JVM pid whose libjvm.so rtprof opens at path libjvm (f is cleared
 * first; f->live set). 0, or a negative errno when they cannot be read (no .symtab, libjvm not
 * mapped, /proc/PID/mem unreadable). */
int jvm_flags__read_live(struct jvm_flags *f, int pid, const char *libjvm);

/* Is the flag on, ExtendedDTraceProbes included where it exists (JDK version <= 19, or 0 for
 * unknown)? */
bool jvm_flags__method_probes(const struct jvm_flags *f, int jdk_version);
bool jvm_flags__alloc_probes(const struct jvm_flags *f, int jdk_version);

#endif
