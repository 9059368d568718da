/*
 * Unit tests for pool.c without libmicrohttpd: the FIFO hand-off, the gate
 * that decides when the acceptor may accept, --queue rejection, the gate
 * descriptor, shutdown, the hand-back to the event loop and the deferred
 * wake-ups of pool_flush().  The run callback blocks on a condition the
 * test releases, so orderings never depend on sleeps; the only sleeps let
 * a fresh connection's grace period or pool_flush()'s 1 ms run out.
 */
#include "config.h"

#include <dirent.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "poolserve.h"
#include "unit.h"

#define WAIT_MS		5000	/* give up on a state after this long */
#define ORDER_MAX	256

struct job {
	struct pool_item	 item;	/* first: pool_item * is a job * */
	int			 id;
	bool			 hold;	/* run() waits until cleared */
	bool			 back;	/* run() hands it back to the loop */
	unsigned		 core;
	char			 name[NAME_MAX_THREAD];
};

struct ctl {
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	unsigned		 entered;	/* run() calls begun */
	unsigned		 finished;	/* run() calls returned */
	int			 order[ORDER_MAX];	/* ids, as run */
	bool			 release_all;
};

static struct ctl	ctl = {
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, { 0 },
	false
};

static void
ctl_reset(void)
{
	pthread_mutex_lock(&ctl.lock);
	ctl.entered = ctl.finished = 0;
	memset(ctl.order, 0, sizeof(ctl.order));
	ctl.release_all = false;
	pthread_mutex_unlock(&ctl.lock);
}

static void
job_init(struct job *j, int id, bool hold)
{
	memset(j, 0, sizeof(*j));
	j->id = id;
	j->hold = hold;
}

/* pool_run_fn: record the job, then wait while it is held. */
static bool
test_run(struct pool_item *it, unsigned core, void *arg)
{
	struct job	*j = (struct job *)it;
	struct ctl	*c = arg;

	pthread_mutex_lock(&c->lock);
	j->core = core;
	pthread_getname_np(pthread_self(), j->name, sizeof(j->name));
	if (c->entered < ORDER_MAX)
		c->order[c->entered] = j->id;
	c->entered++;
	pthread_cond_broadcast(&c->cond);
	while (j->hold && !c->release_all)
		pthread_cond_wait(&c->cond, &c->lock);
	c->finished++;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
	return j->back;
}

static void
job_release(struct job *j)
{
	pthread_mutex_lock(&ctl.lock);
	j->hold = false;
	pthread_cond_broadcast(&ctl.cond);
	pthread_mutex_unlock(&ctl.lock);
}

static void
release_all(void)
{
	pthread_mutex_lock(&ctl.lock);
	ctl.release_all = true;
	pthread_cond_broadcast(&ctl.cond);
	pthread_mutex_unlock(&ctl.lock);
}

/* Wait until *field >= n; 0 when it got there, -1 after WAIT_MS. */
static int
wait_ctl(const unsigned *field, unsigned n)
{
	struct timespec	 ts;
	int		 rc = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += WAIT_MS / 1000;
	pthread_mutex_lock(&ctl.lock);
	while (*field < n && rc == 0)
		rc = pthread_cond_timedwait(&ctl.cond, &ctl.lock, &ts);
	rc = *field >= n ? 0 : -1;
	pthread_mutex_unlock(&ctl.lock);
	return rc;
}

static unsigned
ctl_get(const unsigned *field)
{
	unsigned	 v;

	pthread_mutex_lock(&ctl.lock);
	v = *field;
	pthread_mutex_unlock(&ctl.lock);
	return v;
}

/*
 * Wait until the pool shows these running and waiting counts: a thread
 * calls pool_done() only after run() returned, outside our lock.
 */
static int
wait_counts(struct pool *p, unsigned running, unsigned waiting)
{
	struct pool_counts	 c;
	struct timespec		 ts = { 0, 1000000 };
	int			 i;

	for (i = 0; i < WAIT_MS; i++) {
		pool_counts(p, &c);
		if (c.running == running && c.waiting == waiting)
			return 0;
		nanosleep(&ts, NULL);
	}
	return -1;
}

/* Wait until n threads sleep on the pool's FIFO. */
static int
wait_idle(struct pool *p, unsigned n)
{
	struct timespec	 ts = { 0, 1000000 };
	unsigned	 idle;
	int		 i;

	for (i = 0; i < WAIT_MS; i++) {
		pthread_mutex_lock(&p->lock);
		idle = p->idle;
		pthread_mutex_unlock(&p->lock);
		if (idle == n)
			return 0;
		nanosleep(&ts, NULL);
	}
	return -1;
}

#define CHECK_COUNTS(p, r, w, f, c) do {				\
	struct pool_counts	 pc_;					\
									\
	pool_counts((p), &pc_);						\
	CHECK_EQ_INT(pc_.running, (r));					\
	CHECK_EQ_INT(pc_.waiting, (w));					\
	CHECK_EQ_INT(pc_.fresh, (f));					\
	CHECK_EQ_INT(pc_.conns, (c));					\
} while (0)

/* 1 when fd is readable within ms. */
static int
readable(int fd, int ms)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };

	return poll(&pfd, 1, ms) == 1 && (pfd.revents & POLLIN);
}

/* Read the eventfd counter: what the pool wrote since the last drain. */
static uint64_t
gate_drain(struct pool *p)
{
	uint64_t	 v = 0;

	if (read(p->gate_fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

/* Threads of this process, from /proc; -1 when /proc is not there. */
static int
task_count(void)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	if ((d = opendir("/proc/self/task")) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/*
 * Wait until the process has n threads: pthread_join() returns when a
 * thread has left, which can be a moment before /proc stops listing it.
 */
static int
wait_tasks(int n)
{
	struct timespec	 ts = { 0, 1000000 };
	int		 i;

	for (i = 0; i < WAIT_MS; i++) {
		if (task_count() <= n)	/* joined threads may linger a moment */
			return 0;
		nanosleep(&ts, NULL);
	}
	return -1;
}

/* The task count once threads joined earlier have left /proc. */
static int
settled_task_count(void)
{
	struct timespec	 ts = { 0, 2000000 };
	int		 n, prev = task_count();

	for (int i = 0; i < 50; i++) {
		nanosleep(&ts, NULL);
		if ((n = task_count()) == prev)
			return n;
		prev = n;
	}
	return prev;
}

/* pool.c has no destructor: the worker's pool lives as long as it does. */
static void
test_pool_free(struct pool *p)
{
	close(p->gate_fd);
	free(p->tids);
	free(p->since);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->lock);
}

static void
test_fifo(void)
{
	struct pool	 p;
	struct job	 j[4];
	int		 i;

	/* Queued behind a running request: one thread takes them in order. */
	ctl_reset();
	if (!CHECK_EQ_INT(pool_init(&p, 1, 0, 100, 1000, test_run, &ctl), 0))
		return;
	CHECK_EQ_INT(pool_start(&p, 1), 0);
	job_init(&j[0], 'A', true);
	job_init(&j[1], 'B', false);
	job_init(&j[2], 'C', false);
	job_init(&j[3], 'D', false);
	CHECK_EQ_INT(pool_submit(&p, &j[0].item, NULL), POOL_QUEUED);
	CHECK_EQ_INT(wait_ctl(&ctl.entered, 1), 0);
	for (i = 1; i < 4; i++)
		CHECK_EQ_INT(pool_submit(&p, &j[i].item, NULL), POOL_QUEUED);
	CHECK_COUNTS(&p, 1, 3, 0, 0);
	CHECK_EQ_INT(ctl_get(&ctl.entered), 1);
	job_release(&j[0]);
	CHECK_EQ_INT(wait_ctl(&ctl.finished, 4), 0);
	CHECK_EQ_INT(ctl.order[0], 'A');
	CHECK_EQ_INT(ctl.order[1], 'B');
	CHECK_EQ_INT(ctl.order[2], 'C');
	CHECK_EQ_INT(ctl.order[3], 'D');
	for (i = 0; i < 4; i++) {
		CHECK_EQ_INT(j[i].core, 0);
		CHECK_EQ_STR(j[i].name, "w1c0");
	}
	CHECK_EQ_INT(wait_counts(&p, 0, 0), 0);
	pool_stop(&p);
	test_pool_free(&p);

	/* Queued before any thread exists. */
	ctl_reset();
	if (!CHECK_EQ_INT(pool_init(&p, 1, 0, 100, 1000, test_run, &ctl), 0))
		return;
	for (i = 0; i < 4; i++) {
		job_init(&j[i], 'A' + i, false);
		CHECK_EQ_INT(pool_submit(&p, &j[i].item, NULL), POOL_QUEUED);
	}
	CHECK_COUNTS(&p, 0, 4, 0, 0);
	CHECK_EQ_INT(pool_start(&p, 1), 0);
	CHECK_EQ_INT(wait_ctl(&ctl.finished, 4), 0);
	for (i = 0; i < 4; i++)
		CHECK_EQ_INT(ctl.order[i], 'A' + i);
	pool_stop(&p);
	test_pool_free(&p);
}

/* T threads run T requests at once, one per core, named w<worker>c<core>. */
static void
test_threads(void)
{
	struct pool	 p;
	struct job	 j[4];
	char		 want[NAME_MAX_THREAD];
	unsigned	 seen = 0;
	int		 i;

	ctl_reset();
	if (!CHECK_EQ_INT(pool_init(&p, 4, 0, 100, 1000, test_run, &ctl), 0))
		return;
	CHECK_EQ_INT(pool_start(&p, 7), 0);
	for (i = 0; i < 4; i++) {
		job_init(&j[i], i, true);
		CHECK_EQ_INT(pool_submit(&p, &j[i].item, NULL), POOL_QUEUED);
	}
	CHECK_EQ_INT(wait_ctl(&ctl.entered, 4), 0);
	CHECK_COUNTS(&p, 4, 0, 0, 0);
	release_all();
	CHECK_EQ_INT(wait_ctl(&ctl.finished, 4), 0);
	for (i = 0; i < 4; i++) {
		if (CHECK(j[i].core < 4))
			seen |= 1U << j[i].core;
		snprintf(want, sizeof(want), "w7c%u", j[i].core);
		CHECK_EQ_STR(j[i].name, want);
	}
	CHECK_EQ_INT(seen, 0xf);
	CHECK_EQ_INT(wait_counts(&p, 0, 0), 0);
	pool_stop(&p);
	test_pool_free(&p);
}

/*
 * The gate with T = 2, Q = 0 and no threads started: only the counts
 * matter.  A short grace for the expiry, a long one for the rest.
 */
static void
test_gate(void)
{
	struct pool		 p;
	struct pool_fresh	 f1, f2, f3;
	struct job		 j1, j2;
	uint64_t		 t0, t1;
	int			 timeout;
	struct timespec		 ts = { 0, 50 * 1000000 };

	if (!CHECK_EQ_INT(pool_init(&p, 2, 0, 100, 30, test_run, &ctl), 0))
		return;
	timeout = 0;
	CHECK_EQ_INT(pool_gate(&p, &timeout), 1);
	CHECK_EQ_INT(timeout, -1);
	CHECK_COUNTS(&p, 0, 0, 0, 0);

	/* Two accepted connections fill T + Q = 2 slots. */
	pool_accepted(&p);
	CHECK_EQ_INT(pool_gate(&p, &timeout), 1);
	pool_accepted(&p);
	CHECK_COUNTS(&p, 0, 0, 2, 2);
	CHECK_EQ_INT(pool_gate(&p, &timeout), 0);
	CHECK_EQ_INT(timeout, -1);		/* no grace started yet */
	CHECK(!readable(p.gate_fd, 0));

	/* One handed back: open again, and the sleeping acceptor is told. */
	pool_unaccepted(&p);
	CHECK_COUNTS(&p, 0, 0, 1, 1);
	CHECK(readable(p.gate_fd, 0));
	CHECK_EQ_INT(gate_drain(&p), 1);
	CHECK_EQ_INT(pool_gate(&p, &timeout), 1);
	CHECK_EQ_INT(timeout, -1);
	pool_unaccepted(&p);
	CHECK_COUNTS(&p, 0, 0, 0, 0);
	CHECK(!readable(p.gate_fd, 0));		/* nobody was waiting */

	/* Grace: two fresh connections close the gate until it runs out. */
	memset(&f1, 0, sizeof(f1));
	memset(&f2, 0, sizeof(f2));
	t0 = pool_now_ms();
	pool_accepted(&p);
	pool_conn_start(&p, &f1);
	pool_accepted(&p);
	pool_conn_start(&p, &f2);
	CHECK(f1.linked && f2.linked);
	timeout = 0;
	if (pool_gate(&p, &timeout) == 1) {
		/* Only if the grace (30 ms) ran out under us. */
		t1 = pool_now_ms();
		CHECK(t1 - t0 >= 30);
	} else {
		CHECK(timeout > 0);
		CHECK(timeout <= 30);
	}
	nanosleep(&ts, NULL);
	CHECK_EQ_INT(pool_gate(&p, &timeout), 1);
	CHECK_EQ_INT(timeout, -1);
	CHECK_COUNTS(&p, 0, 0, 0, 2);		/* open, but no longer fresh */
	CHECK(!f1.linked && !f2.linked);
	pool_conn_close(&p, &f1);
	pool_conn_close(&p, &f2);
	CHECK_COUNTS(&p, 0, 0, 0, 0);
	CHECK_EQ_INT(pool_gate(&p, &timeout), 1);
	(void)gate_drain(&p);
	pool_stop(&p);
	test_pool_free(&p);

	/* The same with a grace that cannot run out during the test. */
	if (!CHECK_EQ_INT(pool_init(&p, 2, 0, 100, 60000, test_run, &ctl),
	    0))
		return;
	memset(&f1, 0, sizeof(f1));
	memset(&f2, 0, sizeof(f2));
	memset(&f3, 0, sizeof(f3));
	pool_accepted(&p);
	pool_conn_start(&p, &f1);
	pool_accepted(&p);
	pool_conn_start(&p, &f2);
	CHECK_EQ_INT(pool_gate(&p, &timeout), 0);
	CHECK(timeout > 0);
	CHECK(timeout <= 60000);
	CHECK(timeout > 50000);			/* f1's deadline, not 0 */

	/* Closing a fresh connection frees its slot and wakes the gate. */
	pool_conn_close(&p, &f1);
	CHECK(!f1.linked);
	CHECK_COUNTS(&p, 0, 0, 1, 1);
	CHECK(readable(p.gate_fd, 0));
	CHECK_EQ_INT(gate_drain(&p), 1);
	CHECK_EQ_INT(pool_gate(&p, &timeout), 1);
	CHECK_EQ_INT(timeout, -1);

	pool_accepted(&p);
	pool_conn_start(&p, &f3);
	CHECK_COUNTS(&p, 0, 0, 2, 2);
	CHECK_EQ_INT(pool_gate(&p, &timeout), 0);

	/* A request moves its connection's slot from fresh to waiting. */
	job_init(&j1, 1, false);
	CHECK_EQ_INT(pool_submit(&p, &j1.item, &f2), POOL_QUEUED);
	CHECK(!f2.linked);
	CHECK_COUNTS(&p, 0, 1, 1, 2);
	CHECK_EQ_INT(pool_gate(&p, &timeout), 0);	/* still 2 taken */
	CHECK(!readable(p.gate_fd, 0));

	/* Answered without the pool (413): no longer fresh, still open. */
	pool_unfresh(&p, &f3);
	CHECK(!f3.linked);
	CHECK_COUNTS(&p, 0, 1, 0, 2);
	CHECK(readable(p.gate_fd, 0));
	CHECK_EQ_INT(gate_drain(&p), 1);
	CHECK_EQ_INT(pool_gate(&p, &timeout), 1);
	CHECK_EQ_INT(timeout, -1);

	/* A second request on a kept-alive connection: nothing fresh. */
	job_init(&j2, 2, false);
	CHECK_EQ_INT(pool_submit(&p, &j2.item, &f3), POOL_QUEUED);
	CHECK_COUNTS(&p, 0, 2, 0, 2);
	CHECK_EQ_INT(pool_gate(&p, &timeout), 0);
	CHECK_EQ_INT(timeout, -1);		/* nothing fresh to wait for */

	/* Closing a connection whose request waits: the slot stays taken. */
	pool_conn_close(&p, &f2);
	CHECK_COUNTS(&p, 0, 2, 0, 1);
	CHECK_EQ_INT(pool_gate(&p, &timeout), 0);
	pool_stop(&p);
	test_pool_free(&p);
}

/*
 * The acceptor may see pool_accepted()'s slot before pool_conn_start()
 * gives it a deadline (libmicrohttpd starts an added connection on its
 * own thread).  It then sleeps on gate_fd without a timeout; once the
 * connection has a deadline, a silent client must not keep the gate shut
 * for longer than the grace.
 */
static void
test_gate_late_start(void)
{
	struct pool		 p;
	struct pool_fresh	 f;
	int			 timeout;

	if (!CHECK_EQ_INT(pool_init(&p, 1, 0, 100, 30, test_run, &ctl), 0))
		return;
	memset(&f, 0, sizeof(f));
	pool_accepted(&p);
	CHECK_EQ_INT(pool_gate(&p, &timeout), 0);
	CHECK_EQ_INT(timeout, -1);
	pool_conn_start(&p, &f);
	/* Sleep as the acceptor does: on gate_fd, for timeout (none). */
	CHECK(readable(p.gate_fd, 1000));
	(void)gate_drain(&p);
	pool_conn_close(&p, &f);
	pool_stop(&p);
	test_pool_free(&p);
}

/*
 * The starvation exception: with every slot taken, requests of kept-alive
 * connections waiting and no new connection's request or fresh connection
 * ahead, one new connection is let in to queue behind them.  T = 1, Q = 0;
 * the test itself plays the worker thread with pool_take and pool_done.
 * Whenever the gate opens while the acceptor sleeps, gate_fd says so.
 */
static void
test_gate_keepalive(void)
{
	struct pool		 p;
	struct pool_fresh	 fk, fk2, fn, fm;
	struct job		 r1, r2, r3, rn, rm;
	int			 timeout;

	if (!CHECK_EQ_INT(pool_init(&p, 1, 0, 100, 60000, test_run, &ctl), 0))
		return;
	memset(&fk, 0, sizeof(fk));
	memset(&fk2, 0, sizeof(fk2));
	memset(&fn, 0, sizeof(fn));
	memset(&fm, 0, sizeof(fm));
	job_init(&r1, 1, false);
	job_init(&r2, 2, false);
	job_init(&r3, 3, false);
	job_init(&rn, 4, false);
	job_init(&rm, 5, false);

	/* K's first request waits: a new connection's, nothing let in. */
	pool_accepted(&p);
	pool_conn_start(&p, &fk);
	CHECK_EQ_INT(pool_submit(&p, &r1.item, &fk), POOL_QUEUED);
	CHECK_COUNTS(&p, 0, 1, 0, 1);
	CHECK_EQ_INT(pool_gate(&p, &timeout), 0);
	CHECK(pool_take(&p) == &r1.item);
	CHECK_COUNTS(&p, 1, 0, 0, 1);
	pool_done(&p);
	CHECK(readable(p.gate_fd, 0));
	(void)gate_drain(&p);
	CHECK_EQ_INT(pool_gate(&p, &timeout), 1);

	/* K2 likewise, and K's second request runs. */
	pool_accepted(&p);
	pool_conn_start(&p, &fk2);
	CHECK_EQ_INT(pool_submit(&p, &r2.item, &fk2), POOL_QUEUED);
	CHECK(pool_take(&p) == &r2.item);
	pool_done(&p);
	CHECK_EQ_INT(pool_submit(&p, &r3.item, &fk), POOL_QUEUED);
	CHECK(pool_take(&p) == &r3.item);
	CHECK_COUNTS(&p, 1, 0, 0, 2);
	CHECK_EQ_INT(pool_gate(&p, &timeout), 0);	/* asleep */

	/* K2's second request waits behind r3: the gate opens for one. */
	CHECK_EQ_INT(pool_submit(&p, &r2.item, &fk2), POOL_QUEUED);
	CHECK_COUNTS(&p, 1, 1, 0, 2);
	CHECK(readable(p.gate_fd, 0));
	CHECK_EQ_INT(gate_drain(&p), 1);
	CHECK_EQ_INT(pool_gate(&p, &timeout), 1);

	/* N is let in; while it is fresh, no one else. */
	pool_accepted(&p);
	pool_conn_start(&p, &fn);
	CHECK_EQ_INT(pool_gate(&p, &timeout), 0);
	CHECK(timeout > 0);

	/* N's request queues behind K2's: still no one else. */
	CHECK_EQ_INT(pool_submit(&p, &rn.item, &fn), POOL_QUEUED);
	CHECK_COUNTS(&p, 1, 2, 0, 3);
	CHECK(!readable(p.gate_fd, 0));
	CHECK_EQ_INT(pool_gate(&p, &timeout), 0);
	CHECK_EQ_INT(timeout, -1);

	/* r3 ends and K2's request runs; N's still waits: closed. */
	pool_done(&p);
	CHECK(pool_take(&p) == &r2.item);
	CHECK(!readable(p.gate_fd, 0));
	CHECK_EQ_INT(pool_gate(&p, &timeout), 0);

	/* K sends again, behind N's request: closed, N is not yet served. */
	CHECK_EQ_INT(pool_submit(&p, &r3.item, &fk), POOL_QUEUED);
	CHECK_COUNTS(&p, 1, 2, 0, 3);
	CHECK(!readable(p.gate_fd, 0));
	CHECK_EQ_INT(pool_gate(&p, &timeout), 0);

	/*
	 * r2 ends (no change: N's request still waits), then the thread
	 * takes N's request: only K's waits now, so the gate is open again
	 * and the sleeping acceptor must be told at once, not when N's
	 * request ends.
	 */
	pool_done(&p);
	CHECK(!readable(p.gate_fd, 0));
	CHECK(pool_take(&p) == &rn.item);
	CHECK_COUNTS(&p, 1, 1, 0, 3);
	CHECK(readable(p.gate_fd, 0));
	(void)gate_drain(&p);
	CHECK_EQ_INT(pool_gate(&p, &timeout), 1);

	/* M is let in the same way. */
	pool_accepted(&p);
	pool_conn_start(&p, &fm);
	CHECK_EQ_INT(pool_gate(&p, &timeout), 0);
	CHECK_EQ_INT(pool_submit(&p, &rm.item, &fm), POOL_QUEUED);
	CHECK_COUNTS(&p, 1, 2, 0, 4);

	/* Drain it all: the slots and the connections come back. */
	pool_done(&p);
	CHECK(pool_take(&p) == &r3.item);
	pool_done(&p);
	CHECK(pool_take(&p) == &rm.item);
	pool_done(&p);
	CHECK_COUNTS(&p, 0, 0, 0, 4);
	CHECK_EQ_INT(pool_gate(&p, &timeout), 1);
	pool_conn_close(&p, &fk);
	pool_conn_close(&p, &fk2);
	pool_conn_close(&p, &fn);
	pool_conn_close(&p, &fm);
	CHECK_COUNTS(&p, 0, 0, 0, 0);
	pool_stop(&p);
	test_pool_free(&p);

	/* max_conns wins over the exception. */
	if (!CHECK_EQ_INT(pool_init(&p, 1, 0, 2, 60000, test_run, &ctl), 0))
		return;
	memset(&fk, 0, sizeof(fk));
	memset(&fk2, 0, sizeof(fk2));
	pool_accepted(&p);
	pool_conn_start(&p, &fk);
	CHECK_EQ_INT(pool_submit(&p, &r1.item, &fk), POOL_QUEUED);
	CHECK(pool_take(&p) == &r1.item);
	pool_done(&p);
	pool_accepted(&p);
	pool_conn_start(&p, &fk2);
	CHECK_EQ_INT(pool_submit(&p, &r2.item, &fk2), POOL_QUEUED);
	CHECK(pool_take(&p) == &r2.item);
	CHECK_EQ_INT(pool_submit(&p, &r1.item, &fk), POOL_QUEUED);
	CHECK_COUNTS(&p, 1, 1, 0, 2);
	CHECK_EQ_INT(pool_gate(&p, &timeout), 0);
	pool_done(&p);
	CHECK(pool_take(&p) == &r1.item);
	pool_done(&p);
	pool_conn_close(&p, &fk);
	pool_conn_close(&p, &fk2);
	pool_stop(&p);
	test_pool_free(&p);
}

/* max_conns closes the gate even while every thread is idle. */
static void
test_max_conns(void)
{
	struct pool		 p;
	struct pool_fresh	 f[3];
	struct job		 j[3];
	int			 i, timeout;

	ctl_reset();
	if (!CHECK_EQ_INT(pool_init(&p, 10, 0, 3, 60000, test_run, &ctl), 0))
		return;
	CHECK_EQ_INT(pool_start(&p, 1), 0);
	for (i = 0; i < 3; i++) {
		CHECK_EQ_INT(pool_gate(&p, &timeout), 1);
		memset(&f[i], 0, sizeof(f[i]));
		pool_accepted(&p);
		pool_conn_start(&p, &f[i]);
		job_init(&j[i], i, false);
		CHECK_EQ_INT(pool_submit(&p, &j[i].item, &f[i]), POOL_QUEUED);
	}
	CHECK_EQ_INT(wait_ctl(&ctl.finished, 3), 0);
	CHECK_EQ_INT(wait_counts(&p, 0, 0), 0);
	CHECK_COUNTS(&p, 0, 0, 0, 3);
	CHECK_EQ_INT(pool_gate(&p, &timeout), 0);
	CHECK_EQ_INT(timeout, -1);
	pool_conn_close(&p, &f[1]);
	CHECK(readable(p.gate_fd, 0));
	CHECK_EQ_INT(gate_drain(&p), 1);
	CHECK_EQ_INT(pool_gate(&p, &timeout), 1);
	CHECK_COUNTS(&p, 0, 0, 0, 2);
	pool_conn_close(&p, &f[0]);
	pool_conn_close(&p, &f[2]);
	CHECK_COUNTS(&p, 0, 0, 0, 0);
	pool_stop(&p);
	test_pool_free(&p);
}

static void
test_queue(void)
{
	struct pool		 p;
	struct pool_fresh	 f;
	struct job		 x, y, z, w, v, again;
	static struct job	 many[100];
	int			 i, rejected;

	/* T = 1, Q = 2: one running and two waiting, then 503s. */
	ctl_reset();
	if (!CHECK_EQ_INT(pool_init(&p, 1, 2, 100, 60000, test_run, &ctl), 0))
		return;
	CHECK_EQ_INT(pool_start(&p, 1), 0);
	job_init(&x, 'X', true);
	job_init(&y, 'Y', false);
	job_init(&z, 'Z', false);
	job_init(&w, 'W', false);
	job_init(&v, 'V', false);
	CHECK_EQ_INT(pool_submit(&p, &x.item, NULL), POOL_QUEUED);
	CHECK_EQ_INT(wait_ctl(&ctl.entered, 1), 0);
	CHECK_EQ_INT(pool_submit(&p, &y.item, NULL), POOL_QUEUED);
	CHECK_EQ_INT(pool_submit(&p, &z.item, NULL), POOL_QUEUED);
	CHECK_EQ_INT(pool_submit(&p, &w.item, NULL), POOL_REJECTED);
	CHECK_COUNTS(&p, 1, 2, 0, 0);

	/* A rejected request still gives up its connection's fresh slot. */
	memset(&f, 0, sizeof(f));
	pool_accepted(&p);
	pool_conn_start(&p, &f);
	CHECK_COUNTS(&p, 1, 2, 1, 1);
	CHECK_EQ_INT(pool_submit(&p, &v.item, &f), POOL_REJECTED);
	CHECK(!f.linked);
	CHECK_COUNTS(&p, 1, 2, 0, 1);
	pool_conn_close(&p, &f);

	release_all();
	CHECK_EQ_INT(wait_ctl(&ctl.finished, 3), 0);
	CHECK_EQ_INT(wait_counts(&p, 0, 0), 0);
	CHECK_EQ_INT(ctl.order[0], 'X');
	CHECK_EQ_INT(ctl.order[1], 'Y');
	CHECK_EQ_INT(ctl.order[2], 'Z');

	/* Room again once they are done. */
	job_init(&again, 'G', false);
	CHECK_EQ_INT(pool_submit(&p, &again.item, NULL), POOL_QUEUED);
	CHECK_EQ_INT(wait_ctl(&ctl.finished, 4), 0);
	pool_stop(&p);
	CHECK_EQ_INT(ctl_get(&ctl.entered), 4);	/* W and V never ran */
	test_pool_free(&p);

	/* Q = 0: no in-process limit, nothing is ever refused. */
	ctl_reset();
	if (!CHECK_EQ_INT(pool_init(&p, 1, 0, 100, 60000, test_run, &ctl), 0))
		return;
	CHECK_EQ_INT(pool_start(&p, 1), 0);
	job_init(&x, 0, true);
	CHECK_EQ_INT(pool_submit(&p, &x.item, NULL), POOL_QUEUED);
	CHECK_EQ_INT(wait_ctl(&ctl.entered, 1), 0);
	rejected = 0;
	for (i = 0; i < 100; i++) {
		job_init(&many[i], i + 1, false);
		if (pool_submit(&p, &many[i].item, NULL) != POOL_QUEUED)
			rejected++;
	}
	CHECK_EQ_INT(rejected, 0);
	CHECK_COUNTS(&p, 1, 100, 0, 0);
	job_release(&x);
	CHECK_EQ_INT(wait_ctl(&ctl.finished, 101), 0);
	for (i = 0, rejected = 0; i < 101; i++)
		if (ctl.order[i] != i)
			rejected++;
	CHECK_EQ_INT(rejected, 0);		/* and in FIFO order */
	CHECK_EQ_INT(wait_counts(&p, 0, 0), 0);
	pool_stop(&p);
	test_pool_free(&p);
}

static void
test_gate_fd(void)
{
	struct pool	 p;
	struct job	 x1, x2, y;
	int		 timeout;

	/* Closed by a running request; its end wakes the acceptor. */
	ctl_reset();
	if (!CHECK_EQ_INT(pool_init(&p, 1, 0, 100, 60000, test_run, &ctl), 0))
		return;
	CHECK_EQ_INT(pool_start(&p, 1), 0);
	job_init(&x1, 1, true);
	CHECK_EQ_INT(pool_submit(&p, &x1.item, NULL), POOL_QUEUED);
	CHECK_EQ_INT(wait_ctl(&ctl.entered, 1), 0);
	CHECK_EQ_INT(pool_gate(&p, &timeout), 0);
	CHECK_EQ_INT(timeout, -1);
	CHECK(p.gate_waiting);
	CHECK(!readable(p.gate_fd, 0));
	job_release(&x1);
	CHECK(readable(p.gate_fd, 1000));
	CHECK_EQ_INT(gate_drain(&p), 1);
	CHECK_EQ_INT(wait_counts(&p, 0, 0), 0);

	/* The acceptor is not waiting: a finished request writes nothing. */
	CHECK_EQ_INT(pool_gate(&p, &timeout), 1);
	CHECK(!p.gate_waiting);
	job_init(&y, 2, false);
	CHECK_EQ_INT(pool_submit(&p, &y.item, NULL), POOL_QUEUED);
	CHECK_EQ_INT(wait_ctl(&ctl.finished, 2), 0);
	CHECK_EQ_INT(wait_counts(&p, 0, 0), 0);
	CHECK(!readable(p.gate_fd, 0));
	pool_stop(&p);
	test_pool_free(&p);

	/* One wake per wait: the second finished request writes nothing. */
	ctl_reset();
	if (!CHECK_EQ_INT(pool_init(&p, 2, 0, 100, 60000, test_run, &ctl), 0))
		return;
	CHECK_EQ_INT(pool_start(&p, 1), 0);
	job_init(&x1, 1, true);
	job_init(&x2, 2, true);
	CHECK_EQ_INT(pool_submit(&p, &x1.item, NULL), POOL_QUEUED);
	CHECK_EQ_INT(pool_submit(&p, &x2.item, NULL), POOL_QUEUED);
	CHECK_EQ_INT(wait_ctl(&ctl.entered, 2), 0);
	CHECK_EQ_INT(pool_gate(&p, &timeout), 0);
	job_release(&x1);
	CHECK(readable(p.gate_fd, 1000));
	CHECK_EQ_INT(gate_drain(&p), 1);
	job_release(&x2);
	CHECK_EQ_INT(wait_ctl(&ctl.finished, 2), 0);
	CHECK_EQ_INT(wait_counts(&p, 0, 0), 0);
	CHECK(!readable(p.gate_fd, 0));
	pool_stop(&p);
	test_pool_free(&p);
}

struct stopper {
	struct pool	*pool;
	unsigned	 finished_at_return;
};

static void *
stopper_main(void *v)
{
	struct stopper	*s = v;

	pool_stop(s->pool);
	s->finished_at_return = ctl_get(&ctl.finished);
	return NULL;
}

static void
test_stop(void)
{
	struct pool	 p;
	struct job	 x, late;
	struct stopper	 s;
	pthread_t	 t;
	int		 before;

	/* All T threads exist after start and are gone after stop. */
	ctl_reset();
	before = settled_task_count();
	if (!CHECK_EQ_INT(pool_init(&p, 4, 0, 100, 1000, test_run, &ctl), 0))
		return;
	CHECK_EQ_INT(pool_start(&p, 1), 0);
	CHECK_EQ_INT(p.started, 4);
	if (before != -1)
		CHECK_EQ_INT(task_count(), before + 4);
	pool_stop(&p);
	CHECK_EQ_INT(p.started, 0);
	if (before != -1)
		CHECK_EQ_INT(wait_tasks(before), 0);

	/* After stop, pool_take returns at once, even with work queued. */
	CHECK(pool_take(&p) == NULL);
	job_init(&late, 1, false);
	(void)pool_submit(&p, &late.item, NULL);
	CHECK(pool_take(&p) == NULL);
	CHECK_EQ_INT(ctl_get(&ctl.entered), 0);
	test_pool_free(&p);

	/* Stop waits for the request a thread is running. */
	ctl_reset();
	if (!CHECK_EQ_INT(pool_init(&p, 2, 0, 100, 1000, test_run, &ctl), 0))
		return;
	CHECK_EQ_INT(pool_start(&p, 1), 0);
	job_init(&x, 1, true);
	CHECK_EQ_INT(pool_submit(&p, &x.item, NULL), POOL_QUEUED);
	CHECK_EQ_INT(wait_ctl(&ctl.entered, 1), 0);
	s.pool = &p;
	s.finished_at_return = 0;
	if (!CHECK_EQ_INT(pthread_create(&t, NULL, stopper_main, &s), 0))
		return;
	job_release(&x);
	pthread_join(t, NULL);
	CHECK_EQ_INT(s.finished_at_return, 1);
	CHECK_EQ_INT(p.started, 0);
	if (before != -1)
		CHECK_EQ_INT(wait_tasks(before), 0);
	test_pool_free(&p);
}

/*
 * Hand-back: finished requests go to the event loop's list, oldest first;
 * the loop is woken through gate_fd only when it said it sleeps, and
 * pool_sleep() refuses to sleep while items wait to be collected.
 */
static void
test_hand_back(void)
{
	struct pool		 p;
	struct job		 j[3];
	struct pool_items	 items;
	struct pool_item	*it;
	int			 i;

	ctl_reset();
	if (!CHECK_EQ_INT(pool_init(&p, 1, 0, 100, 1000, test_run, &ctl), 0))
		return;
	CHECK_EQ_INT(pool_start(&p, 1), 0);
	pool_collect(&p, &items);
	CHECK(TAILQ_EMPTY(&items));
	CHECK(pool_sleep(&p));			/* nothing to collect */
	for (i = 0; i < 3; i++) {
		job_init(&j[i], i + 1, false);
		j[i].back = true;
		CHECK_EQ_INT(pool_submit(&p, &j[i].item, NULL), POOL_QUEUED);
	}
	CHECK_EQ_INT(wait_ctl(&ctl.finished, 3), 0);
	CHECK_EQ_INT(wait_counts(&p, 0, 0), 0);
	CHECK(readable(p.gate_fd, WAIT_MS));	/* the sleeper was woken */
	CHECK_EQ_INT(gate_drain(&p), 1);	/* once, not three times */
	CHECK(!pool_sleep(&p));			/* items wait: do not sleep */
	pool_collect(&p, &items);
	i = 0;
	TAILQ_FOREACH(it, &items, entry) {
		CHECK(i < 3 && it == &j[i].item);
		i++;
	}
	CHECK_EQ_INT(i, 3);
	pool_collect(&p, &items);
	CHECK(TAILQ_EMPTY(&items));

	/* Awake (collecting): a hand-back writes nothing to gate_fd. */
	job_init(&j[0], 4, false);
	j[0].back = true;
	job_init(&j[1], 5, false);		/* a stream: not handed back */
	CHECK_EQ_INT(pool_submit(&p, &j[0].item, NULL), POOL_QUEUED);
	CHECK_EQ_INT(pool_submit(&p, &j[1].item, NULL), POOL_QUEUED);
	CHECK_EQ_INT(wait_ctl(&ctl.finished, 5), 0);
	CHECK_EQ_INT(wait_counts(&p, 0, 0), 0);
	CHECK(!readable(p.gate_fd, 0));
	CHECK(!pool_sleep(&p));
	pool_collect(&p, &items);
	it = TAILQ_FIRST(&items);
	CHECK(it == &j[0].item);
	CHECK(it != NULL && TAILQ_NEXT(it, entry) == NULL);
	CHECK(pool_sleep(&p));
	pool_stop(&p);
	test_pool_free(&p);
}

/*
 * With defer_wakes (the worker's setting), pool_flush() wakes no thread
 * while a thread that has just begun a request will come back to the FIFO
 * and the oldest request is young; it asks to be called again instead.
 * Once the oldest has waited POOL_WAKE_US (1 ms), every idle thread that
 * a request waits for is woken; with no thread running, one at once.
 */
static void
test_flush(void)
{
	struct pool	 p;
	struct job	 j[4];
	int		 again;

	ctl_reset();
	if (!CHECK_EQ_INT(pool_init(&p, 4, 0, 100, 1000, test_run, &ctl), 0))
		return;
	p.defer_wakes = true;
	CHECK_EQ_INT(pool_start(&p, 1), 0);
	CHECK_EQ_INT(wait_idle(&p, 4), 0);
	CHECK_EQ_INT(pool_flush(&p), -1);	/* nothing waits */

	/* All asleep: the first request gets a thread at once. */
	job_init(&j[0], 1, true);
	CHECK_EQ_INT(pool_submit(&p, &j[0].item, NULL), POOL_QUEUED);
	CHECK_EQ_INT(ctl_get(&ctl.entered), 0);	/* submit woke none */
	(void)pool_flush(&p);
	CHECK_EQ_INT(wait_ctl(&ctl.entered, 1), 0);

	/* One running, just begun: two more wait, none is woken yet... */
	job_init(&j[1], 2, true);
	job_init(&j[2], 3, true);
	CHECK_EQ_INT(pool_submit(&p, &j[1].item, NULL), POOL_QUEUED);
	CHECK_EQ_INT(pool_submit(&p, &j[2].item, NULL), POOL_QUEUED);
	again = pool_flush(&p);
	CHECK(again >= 0 && again <= 1);
	usleep(20000);
	CHECK_EQ_INT(ctl_get(&ctl.entered), 1);

	/* ...until they waited 1 ms (20 here): then one thread each. */
	CHECK_EQ_INT(pool_flush(&p), -1);
	CHECK_EQ_INT(wait_ctl(&ctl.entered, 3), 0);
	release_all();
	CHECK_EQ_INT(wait_ctl(&ctl.finished, 3), 0);

	/*
	 * Requests that ran 20 ms each (more than POOL_WAKE_US): a thread
	 * that has just begun one will not be back soon, so the next waits
	 * for none: it is woken at once.
	 */
	CHECK_EQ_INT(wait_idle(&p, 4), 0);	/* run_us is counted first */
	CHECK(p.run_us >= 1000);
	job_init(&j[3], 4, true);
	CHECK_EQ_INT(pool_submit(&p, &j[3].item, NULL), POOL_QUEUED);
	(void)pool_flush(&p);
	CHECK_EQ_INT(wait_ctl(&ctl.entered, 4), 0);
	job_init(&j[0], 5, true);
	CHECK_EQ_INT(pool_submit(&p, &j[0].item, NULL), POOL_QUEUED);
	CHECK_EQ_INT(pool_flush(&p), -1);	/* not deferred */
	CHECK_EQ_INT(wait_ctl(&ctl.entered, 5), 0);
	release_all();
	CHECK_EQ_INT(wait_ctl(&ctl.finished, 5), 0);
	pool_stop(&p);
	test_pool_free(&p);
}

int
main(void)
{
	test_fifo();
	test_threads();
	test_gate();
	test_gate_late_start();
	test_gate_keepalive();
	test_max_conns();
	test_queue();
	test_gate_fd();
	test_stop();
	test_hand_back();
	test_flush();
	return unit_done();
}
