/*
 * Counters shared by the master and every worker: one anonymous MAP_SHARED
 * region made before fork, a slot per worker and per thread, updated with
 * C11 atomics on the request path.  Readers never lock writers: a thread's
 * current method and URI are read under a sequence count.
 *
 * The formats are stats_format.c's, the server stats_http.c's.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "poolserve.h"

/* Upper bounds of the histogram buckets, in microseconds; +Inf last. */
static const uint64_t	 stats_bounds_us[STATS_BUCKETS - 1] = {
	5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 5000000, 10000000
};

/*
 * Room for slots workers (more than --processes, for SIGTTIN).  Anonymous
 * memory comes zeroed, and pages of slots never used are never touched.
 */
struct stats *
stats_create(unsigned slots, unsigned processes, unsigned threads)
{
	struct stats	*st;
	size_t		 len;
	char		*mem;

	/* thread tables: one per live process, two per worker number */
	len = sizeof(*st) + slots * sizeof(struct stats_worker) +
	    (size_t)STATS_TABLES(slots) * threads * sizeof(struct stats_thread);
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return NULL;
	st = (struct stats *)mem;
	st->processes = processes;
	st->slots = slots;
	st->threads = threads;
	st->start_time = time(NULL);
	st->master_pid = getpid();
	st->workers = (struct stats_worker *)(mem + sizeof(*st));
	st->thread_tables = (struct stats_thread *)(st->workers + slots);
	return st;
}

/* worker is 1-based, core 0-based. */
struct stats_thread *
stats_thread(struct stats *st, unsigned worker, unsigned core)
{
	return &stats_table(st, atomic_load(&st->workers[worker - 1].table))
	    [core];
}

/*
 * Thread table t: a process writes only its own, which the master gave
 * it at fork; a worker number's newest process is the one readers see.
 * So a retiring worker and its replacement never write the same
 * sequence count.
 */
struct stats_thread *
stats_table(struct stats *st, unsigned t)
{
	return &st->thread_tables[(size_t)t * st->threads];
}

void
stats_observe(struct stats_hist *h, uint64_t us)
{
	unsigned	 i;

	for (i = 0; i < STATS_BUCKETS - 1 && us > stats_bounds_us[i]; i++)
		;
	atomic_fetch_add_explicit(&h->bucket[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->sum_us, us, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
}

/* A pool thread starts a request: publish what it runs. */
void
stats_begin(struct stats_thread *t, const char *method, const char *uri)
{
	atomic_fetch_add(&t->seq, 1);		/* odd: being written */
	snprintf(t->method, sizeof(t->method), "%s", method);
	snprintf(t->uri, sizeof(t->uri), "%s", uri);
	atomic_store(&t->started_ms, pool_now_ms());
	atomic_store(&t->in_request, true);
	atomic_fetch_add(&t->seq, 1);		/* even: consistent */
}

void
stats_end(struct stats_thread *t, unsigned status)
{
	atomic_store(&t->in_request, false);
	atomic_store(&t->last_status, status);
}

/* Copy a thread's method and URI consistently (seqlock read side). */
bool
stats_current(struct stats_thread *t, char *method, size_t mlen,
    char *uri, size_t ulen, uint64_t *started)
{
	unsigned	 s1, s2, tries;

	for (tries = 0; tries < 100; tries++) {
		s1 = atomic_load(&t->seq);
		if (s1 & 1)
			continue;
		snprintf(method, mlen, "%s", t->method);
		snprintf(uri, ulen, "%s", t->uri);
		*started = atomic_load(&t->started_ms);
		atomic_thread_fence(memory_order_acquire);
		s2 = atomic_load(&t->seq);
		if (s1 == s2)
			return atomic_load(&t->in_request);
	}
	method[0] = uri[0] = '\0';
	return false;
}

/*
 * The listen socket's accept queue, from TCP_INFO: for a listening socket
 * tcpi_unacked is the number of connections waiting to be accepted (ss's
 * Recv-Q) and tcpi_sacked the backlog (ss's Send-Q).
 */
int
stats_listen_info(int fd, struct stats_listen *l)
{
	struct tcp_info	 ti;
	socklen_t	 len = sizeof(ti);

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1)
		return -1;
	l->queue = ti.tcpi_unacked;
	l->queue_max = ti.tcpi_sacked;
	return 0;
}
