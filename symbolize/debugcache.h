/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A persistent cache of separate debug files with their sections decompressed, keyed by build-id
 * (as perf's ~/.debug): DIR/BB/REST.debug for build-id BBREST. Distributions ship debug files
 * with SHF_COMPRESSED sections, and libdw inflates every debug section of a file the first time
 * it opens it; the cached copy is mapped instead, at no cost but the page cache.
 *
 * DIR is $RTPROF_CACHE_DIR, else $XDG_CACHE_HOME/rtprof/debug, else $HOME/.cache/rtprof/debug;
 * RTPROF_NO_CACHE=1 turns it off. Entries are written to a temporary file and renamed, so readers
 * see a whole file or none; one that does not parse as ELF, holds a section past its end, still
 * has a compressed section or carries another build-id is removed and the original used. After
 * each new entry the oldest (by last use) go until the cache holds at most
 * $RTPROF_CACHE_MAX_MB (default 2048) MiB.
 */
#ifndef RTPROF_DEBUGCACHE_H
#define RTPROF_DEBUGCACHE_H

#include <stddef.h>

struct debug_cache;

/* NULL when the cache is off (RTPROF_NO_CACHE, or no folder to put it in); never fails
 * otherwise. */
struct debug_cache *debug_cache__new(void);
void debug_cache__free(struct debug_cache *c);

/* An fd of the cached copy of the debug file of build-id bid (len bytes) and its path in
 * *path (malloc'ed), or -1 when there is none that checks out. */
int debug_cache__open(struct debug_cache *c, const unsigned char *bid, size_t len, char **path);

/* When the debug file open as fd has compressed sections: store a decompressed copy under bid
 * and return an fd of the copy (path in *path); else, or when it cannot be stored, -1 (the
 * caller keeps using fd, which is never closed here). */
int debug_cache__store(struct debug_cache *c, const unsigned char *bid, size_t len, int fd,
		       char **path);

#endif
