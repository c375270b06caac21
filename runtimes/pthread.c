// SPDX-License-Identifier: GPL-2.0
/*
 * glibc's thread library (part of libc.so.6 since glibc 2.34). Debian's glibc has no SDT notes,
 * so these exported functions are traced with uprobes; Fedora and Arch builds carry libc:mutex_*
 * probes. pthread_cond_wait releases and retakes its mutex through internal functions that are not
 * exported, so the locks command ends and restarts the mutex hold around the wait itself.
 */
#include <stddef.h>

#include "runtimes/runtime.h"

static const struct runtime_lock_func lock_funcs[] = {
	{"pthread_mutex_lock", LOCK_OP_LOCK, LOCK_KIND_MUTEX},
	{"pthread_mutex_timedlock", LOCK_OP_LOCK, LOCK_KIND_MUTEX},
	{"pthread_mutex_trylock", LOCK_OP_TRYLOCK, LOCK_KIND_MUTEX},
	{"pthread_mutex_unlock", LOCK_OP_UNLOCK, LOCK_KIND_MUTEX},
	{"pthread_rwlock_rdlock", LOCK_OP_LOCK, LOCK_KIND_RWLOCK_RD},
	{"pthread_rwlock_tryrdlock", LOCK_OP_TRYLOCK, LOCK_KIND_RWLOCK_RD},
	{"pthread_rwlock_wrlock", LOCK_OP_LOCK, LOCK_KIND_RWLOCK_WR},
	{"pthread_rwlock_trywrlock", LOCK_OP_TRYLOCK, LOCK_KIND_RWLOCK_WR},
	{"pthread_rwlock_unlock", LOCK_OP_UNLOCK, LOCK_KIND_RWLOCK_WR},
	{"pthread_cond_wait", LOCK_OP_CONDWAIT, LOCK_KIND_COND},
	{"pthread_cond_timedwait", LOCK_OP_CONDWAIT, LOCK_KIND_COND},
	{NULL},
};

const struct runtime_pthread_probes pthread_probes = {
	.create_symbol = "pthread_create",
	.lock_funcs = lock_funcs,
	.sdt_provider = "libc",
	.sdt_mutex_entry = "mutex_entry",
	.sdt_mutex_acquired = "mutex_acquired",
	.sdt_mutex_release = "mutex_release",
};
