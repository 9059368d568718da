/*
 * Counters shared by the master and every worker: one anonymous MAP_SHARED
 * region made before fork, a slot per worker and per thread, updated with
 * C11 atomics on the request path.  Readers never lock writers.
 */
#include "config.h"

#include <sys/mman.h>

#include <string.h>

#include "poolserve.h"

struct stats *
stats_create(unsigned processes, unsigned threads)
{
	struct stats	*st;
	size_t		 len;
	char		*mem;

	len = sizeof(*st) + processes * sizeof(struct stats_worker) +
	    (size_t)processes * threads * sizeof(struct stats_thread);
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return NULL;
	memset(mem, 0, len);
	st = (struct stats *)mem;
	st->processes = processes;
	st->threads = threads;
	st->workers = (struct stats_worker *)(mem + sizeof(*st));
	st->threads_of = (struct stats_thread *)(st->workers + processes);
	return st;
}

/* worker is 1-based, core 0-based. */
struct stats_thread *
stats_thread(struct stats *st, unsigned worker, unsigned core)
{
	return &st->threads_of[(worker - 1) * st->threads + core];
}
