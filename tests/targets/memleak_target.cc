// SPDX-License-Identifier: GPL-2.0
/*
 * Ground truth for rtprof memleak. Leaks known amounts through four call paths and frees
 * everything else it allocates:
 *
 *   leak_via_new      C++ new of a 40-byte object              100*S blocks of 40 bytes
 *   grow_buffer       a buffer grown by realloc, 1000 bytes a step (the last one past the mmap
 *                     threshold, so glibc moves it with mremap) 4*S blocks: 3 of 20000 bytes and
 *                     one of 200000 bytes in each group of four
 *   thread_leak       malloc in a second thread                 50*S blocks of 24 bytes
 *   leak_aligned      posix_memalign (pointer returned through its argument)  8*S blocks of 256
 *
 * The second thread also allocates blocks that the main thread frees; every allocator entry
 * point (calloc, realloc that moves and shrinks, reallocarray, aligned_alloc, memalign, valloc,
 * pvalloc, strdup, new[], mmap/munmap/mremap, blocks above the mmap threshold) is exercised and
 * freed. Built with -O2 and without frame pointers.
 *
 * Options:
 *   -s SCALE   multiply the number of leaked and churned blocks (default 1)
 *   -t FILE    write the truth, one line per path: "FUNCTION BYTES COUNT"
 *   -r FILE    before starting: allocate 1000 blocks (kept: half of them until the end, half
 *              freed after the start), then create FILE and wait until -g FILE exists
 *   -g FILE    the file to wait for (with -r)
 *   -f         fork after leaking: the child frees every leaked block it inherited, leaks one
 *              of its own and exits; the parent's outstanding allocations must not change
 *   -e FILE    at the end, create FILE... and wait for FILE.go before exiting
 *   -c         also leak through two paths that differ only 1500 bytes up the stack:
 *              leak_deep_a (10*S blocks of 48 bytes) and leak_deep_b (20*S), both through
 *              deep_alloc, whose frame holds a 1500-byte buffer (they share a stack key unless
 *              --key-window is 2048)
 *   -n         no pvalloc (valgrind aborts on it; malloc instead)
 *   -k         keep the leaked pointers reachable at exit (default: drop them, so that
 *              valgrind calls the blocks definitely lost)
 */
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

struct Node {
	char data[40];
};

struct leaks {
	void **p;
	size_t n, cap;
};

static long scale = 1;
static bool use_pvalloc = true; /* valgrind aborts on pvalloc: -n leaves it out */

/* Keep a pointer in a volatile slot so the compiler cannot drop an allocation. */
static void *volatile sink;

static void keep(struct leaks *l, void *p)
{
	if (l->n == l->cap) {
		/* The bookkeeping array itself is freed at the end: not a leak. */
		l->cap = l->cap ? l->cap * 2 : 64;
		l->p = (void **)realloc(l->p, l->cap * sizeof(void *));
	}
	l->p[l->n++] = p;
}

static void wait_file(const char *path)
{
	while (access(path, F_OK) != 0)
		usleep(1000);
}

static void touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd >= 0) {
		if (write(fd, "1\n", 2) < 0) {
		}
		close(fd);
	}
}

NOINLINE static void leak_via_new(struct leaks *l)
{
	for (long i = 0; i < 100 * scale; i++) {
		Node *n = new Node;

		memset(n->data, (int)i, sizeof(n->data));
		keep(l, n);
	}
}

NOINLINE static char *grow_buffer(char *buf, size_t size)
{
	char *p = (char *)realloc(buf, size);

	p[size - 1] = 1; /* no tail call: this frame stays on the stack */
	return p;
}

NOINLINE static void leak_via_realloc(struct leaks *l)
{
	for (long i = 0; i < 4 * scale; i++) {
		size_t final = i % 4 == 3 ? 200000 : 20000;
		char *buf = NULL;

		for (size_t size = 1000; size <= final; size += 1000)
			buf = grow_buffer(buf, size);
		keep(l, buf);
	}
}

NOINLINE static void leak_aligned(struct leaks *l)
{
	for (long i = 0; i < 8 * scale; i++) {
		void *p = NULL;

		if (posix_memalign(&p, 64, 256) == 0) {
			memset(p, 1, 256);
			keep(l, p);
		}
	}
}

NOINLINE static void *deep_alloc(size_t size)
{
	char pad[1500];
	char *p;

	memset(pad, 0, sizeof(pad));
	asm volatile("" : : "r"(pad) : "memory");
	p = (char *)malloc(size);
	p[0] = pad[7]; /* no tail call */
	return p;
}

NOINLINE static void leak_deep_a(struct leaks *l)
{
	for (long i = 0; i < 10 * scale; i++)
		keep(l, deep_alloc(48));
}

NOINLINE static void leak_deep_b(struct leaks *l)
{
	for (long i = 0; i < 20 * scale; i++)
		keep(l, deep_alloc(48));
}

struct thread_arg {
	struct leaks *l;
	struct leaks handoff; /* blocks the main thread frees */
};

NOINLINE static void thread_leak(struct leaks *l)
{
	for (long i = 0; i < 50 * scale; i++) {
		char *p = (char *)malloc(24);

		p[0] = 1;
		keep(l, p);
	}
}

NOINLINE static void thread_handoff(struct leaks *h)
{
	for (long i = 0; i < 30 * scale; i++) {
		char *p = (char *)malloc(100);

		p[0] = 1;
		keep(h, p);
	}
}

static void *thread_main(void *arg)
{
	struct thread_arg *a = (struct thread_arg *)arg;

	thread_leak(a->l);
	thread_handoff(&a->handoff);
	return NULL;
}

/* Every other entry point, all freed. */
NOINLINE static void churn(void)
{
	for (long i = 0; i < 20 * scale; i++) {
		char *p = (char *)calloc(10, 30);
		char *q = (char *)malloc(5000);
		void *a = aligned_alloc(128, 1024);
		void *m = memalign(256, 512);
		void *v = valloc(100);
		void *pv = use_pvalloc ? pvalloc(5000) : malloc(5000);
		char *s = strdup("rtprof memleak");
		int *arr = new int[33];
		void *ra = reallocarray(NULL, 10, 16);
		char *big = (char *)malloc(300000); /* above the mmap threshold */
		void *mm = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				-1, 0);

		q = (char *)realloc(q, 20000); /* grows: moves */
		q = (char *)realloc(q, 100);   /* shrinks in place */
		ra = reallocarray(ra, 20, 16);
		big = (char *)realloc(big, 600000);
		mm = mremap(mm, 3 * 4096, 8 * 4096, MREMAP_MAYMOVE);
		sink = p;
		free(p);
		free(q);
		free(a);
		free(m);
		free(v);
		free(pv);
		free(s);
		delete[] arr;
		free(ra);
		free(big);
		munmap(mm, 8 * 4096);
		void *z = malloc(10);

		z = realloc(z, 0); /* frees, returns NULL */
		free(z);
	}
}

static void fork_and_free(struct leaks *l)
{
	pid_t pid = fork();

	if (pid == 0) {
		/* The child frees every block it inherited and leaks one of its own. */
		for (size_t i = 0; i < l->n; i++)
			free(l->p[i]);
		sink = malloc(777);
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

static bool deep_paths; /* -c */

static void write_truth(const char *path)
{
	FILE *f = fopen(path, "w");
	long nreal = 4 * scale, nbig = nreal / 4;

	if (!f)
		return;
	fprintf(f, "leak_via_new %ld %ld\n", 100 * scale * (long)sizeof(Node), 100 * scale);
	fprintf(f, "grow_buffer %ld %ld\n", (nreal - nbig) * 20000 + nbig * 200000, nreal);
	fprintf(f, "thread_leak %ld %ld\n", 50 * scale * 24, 50 * scale);
	fprintf(f, "leak_aligned %ld %ld\n", 8 * scale * 256, 8 * scale);
	if (deep_paths) {
		fprintf(f, "leak_deep_a %ld %ld\n", 10 * scale * 48, 10 * scale);
		fprintf(f, "leak_deep_b %ld %ld\n", 20 * scale * 48, 20 * scale);
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	const char *truth = NULL, *ready = NULL, *go = NULL, *end = NULL;
	struct leaks leaked = {}, prelive = {};
	struct thread_arg targ = {};
	bool do_fork = false, keep_reachable = false;
	pthread_t th;
	int c;

	while ((c = getopt(argc, argv, "s:t:r:g:fe:knc")) != -1) {
		switch (c) {
		case 's':
			scale = atol(optarg);
			break;
		case 't':
			truth = optarg;
			break;
		case 'r':
			ready = optarg;
			break;
		case 'g':
			go = optarg;
			break;
		case 'f':
			do_fork = true;
			break;
		case 'e':
			end = optarg;
			break;
		case 'k':
			keep_reachable = true;
			break;
		case 'n':
			use_pvalloc = false;
			break;
		case 'c':
			deep_paths = true;
			break;
		default:
			return 2;
		}
	}
	if (truth)
		write_truth(truth);
	if (ready && go) {
		/* Live before the profiler attaches: half stay, half are freed once it has. */
		for (int i = 0; i < 1000; i++)
			keep(&prelive, malloc(64 + i % 7));
		touch(ready);
		wait_file(go);
		for (size_t i = 0; i < prelive.n; i += 2)
			free(prelive.p[i]);
	}

	leak_via_new(&leaked);
	leak_via_realloc(&leaked);
	leak_aligned(&leaked);
	if (deep_paths) {
		leak_deep_a(&leaked);
		leak_deep_b(&leaked);
	}
	targ.l = &leaked;
	if (pthread_create(&th, NULL, thread_main, &targ) == 0)
		pthread_join(th, NULL);
	/* Freed by another thread than the one that allocated them. */
	for (size_t i = 0; i < targ.handoff.n; i++)
		free(targ.handoff.p[i]);
	free(targ.handoff.p);
	churn();
	if (do_fork)
		fork_and_free(&leaked);

	if (!keep_reachable) {
		memset(leaked.p, 0, leaked.n * sizeof(void *));
		free(leaked.p);
		leaked.p = NULL;
	}
	if (end) {
		char gofile[4096];

		snprintf(gofile, sizeof(gofile), "%s.go", end);
		touch(end);
		wait_file(gofile);
	}
	return 0;
}
