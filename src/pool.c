/*
 * The bounded hand-off between connections and the fixed set of worker
 * threads.  One mutex per worker process guards four counts:
 *
 *   running  requests a thread is executing now          (at most T)
 *   waiting  parsed requests in the FIFO, no thread yet
 *   fresh    connections accepted that have not yet sent a complete
 *            request and are younger than the grace period
 *   conns    connections open in this worker
 *
 * The acceptor takes a new connection only while the gate is open:
 * running + waiting + fresh < T + Q and conns < max_conns.  Otherwise new
 * clients stay in the kernel's listen backlog, which is the wait queue
 * (see pool_gate_open() for the one exception, which prevents starvation).
 * Everything in here is free of libmicrohttpd, so it can be unit tested.
 */
#include "config.h"

#include <sys/eventfd.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "poolserve.h"

/*
 * pool_flush(): a request that waited this long gets a thread woken for
 * it, even while threads that will come back to the FIFO are running.
 */
#define POOL_WAKE_US	1000

struct pool_thread_arg {
	struct pool	*pool;
	unsigned	 worker;
	unsigned	 core;
};

/* A pool thread's name, "w<worker>c<core>": ps, the logs, the stats. */
void
pool_thread_name(char *buf, size_t len, unsigned worker, unsigned core)
{
	snprintf(buf, len, "w%uc%u", worker, core);
}

int
pool_init(struct pool *p, unsigned threads, unsigned queue,
    unsigned max_conns, unsigned grace_ms, pool_run_fn *run, void *arg)
{
	memset(p, 0, sizeof(*p));
	TAILQ_INIT(&p->fifo);
	TAILQ_INIT(&p->back);
	TAILQ_INIT(&p->fresh_list);
	p->threads = threads;
	p->queue_max = queue;
	p->max_conns = max_conns;
	p->grace_ms = grace_ms;
	p->run = run;
	p->arg = arg;
	if ((p->tids = calloc(threads, sizeof(*p->tids))) == NULL)
		return -1;
	if ((p->since = calloc(threads, sizeof(*p->since))) == NULL) {
		free(p->tids);
		return -1;
	}
	if ((p->gate_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		free(p->since);
		free(p->tids);
		return -1;
	}
	if ((errno = pthread_mutex_init(&p->lock, NULL)) != 0) {
		close(p->gate_fd);
		free(p->since);
		free(p->tids);
		return -1;
	}
	if ((errno = pthread_cond_init(&p->work, NULL)) != 0) {
		pthread_mutex_destroy(&p->lock);
		close(p->gate_fd);
		free(p->since);
		free(p->tids);
		return -1;
	}
	return 0;
}

/* With the lock held: copy the counts where the stats server reads them. */
static void
pool_publish(struct pool *p)
{
	if (p->pub == NULL)
		return;
	atomic_store_explicit(&p->pub->running, p->running,
	    memory_order_relaxed);
	atomic_store_explicit(&p->pub->waiting, p->waiting,
	    memory_order_relaxed);
	atomic_store_explicit(&p->pub->conns, p->conns, memory_order_relaxed);
}

/*
 * Open while a slot is free.  When requests from keep-alive connections
 * wait in the FIFO, they have overtaken the clients in the listen backlog;
 * so that those are never starved, one new connection at a time is then
 * let in to queue behind them.
 */
static bool
pool_gate_open(const struct pool *p)
{
	if (p->conns >= p->max_conns)
		return false;
	if (p->running + p->waiting + p->fresh < p->threads + p->queue_max)
		return true;
	return p->waiting > p->waiting_first && p->fresh == 0 &&
	    p->waiting_first == 0;
}

/* With the lock held: make a sleeping acceptor look at the gate again. */
static void
pool_gate_wake(struct pool *p)
{
	uint64_t	 one = 1;

	if (!p->gate_waiting)
		return;
	p->gate_waiting = false;
	if (write(p->gate_fd, &one, sizeof(one)) == -1 && errno != EAGAIN)
		log_msg("pool: cannot wake the acceptor: %s", strerror(errno));
}

/*
 * With the lock held, after the counts changed: publish them, and wake the
 * acceptor if it sleeps and may now accept.
 */
static void
pool_gate_check(struct pool *p)
{
	pool_publish(p);
	if (p->gate_waiting && pool_gate_open(p))
		pool_gate_wake(p);
}

static void
pool_fresh_unlink(struct pool *p, struct pool_fresh *f)
{
	TAILQ_REMOVE(&p->fresh_list, f, entry);
	f->linked = false;
	p->fresh--;
}

/*
 * Called by the acceptor before it accepts.  Returns 1 when it may accept
 * one connection, 0 when the gate is closed: it must then sleep until
 * gate_fd is readable or *timeout_ms passes (-1: no timeout), because a
 * fresh connection's grace period runs out then.
 */
int
pool_gate(struct pool *p, int *timeout_ms)
{
	struct pool_fresh	*f;
	uint64_t		 now = pool_now_ms();
	int		 open;

	pthread_mutex_lock(&p->lock);
	while ((f = TAILQ_FIRST(&p->fresh_list)) != NULL &&
	    f->deadline <= now)
		pool_fresh_unlink(p, f);
	open = pool_gate_open(p);
	p->gate_waiting = !open;
	*timeout_ms = -1;
	if (!open && (f = TAILQ_FIRST(&p->fresh_list)) != NULL)
		*timeout_ms = (int)(f->deadline - now);
	pthread_mutex_unlock(&p->lock);
	return open;
}

/* The acceptor got a connection (or could not hand it on: unaccepted). */
void
pool_accepted(struct pool *p)
{
	pthread_mutex_lock(&p->lock);
	p->fresh++;
	p->conns++;
	pool_publish(p);
	pthread_mutex_unlock(&p->lock);
}

void
pool_unaccepted(struct pool *p)
{
	pthread_mutex_lock(&p->lock);
	p->fresh--;
	p->conns--;
	pool_gate_check(p);
	pthread_mutex_unlock(&p->lock);
}

/* A connection counted by pool_accepted() now exists: start its grace. */
void
pool_conn_start(struct pool *p, struct pool_fresh *f)
{
	pthread_mutex_lock(&p->lock);
	f->deadline = pool_now_ms() + p->grace_ms;
	TAILQ_INSERT_TAIL(&p->fresh_list, f, entry);
	f->linked = true;
	pool_gate_wake(p);	/* a sleeping acceptor learns the deadline */
	pthread_mutex_unlock(&p->lock);
}

/* The connection closed, whatever state it was in. */
void
pool_conn_close(struct pool *p, struct pool_fresh *f)
{
	pthread_mutex_lock(&p->lock);
	if (f->linked)
		pool_fresh_unlink(p, f);
	p->conns--;
	pool_gate_check(p);
	pthread_mutex_unlock(&p->lock);
}

/* The connection answered without the pool (413): it is no longer fresh. */
void
pool_unfresh(struct pool *p, struct pool_fresh *f)
{
	pthread_mutex_lock(&p->lock);
	if (f->linked)
		pool_fresh_unlink(p, f);
	pool_gate_check(p);
	pthread_mutex_unlock(&p->lock);
}

/*
 * A connection parked (+1) outside libmicrohttpd stays counted among the
 * open ones; -1 when it closes or goes back (then pool_accepted()).
 */
void
pool_parked(struct pool *p, int delta)
{
	pthread_mutex_lock(&p->lock);
	p->conns += delta;
	pool_gate_check(p);
	pthread_mutex_unlock(&p->lock);
}

/*
 * Unlock, then wake the threads owed a wake-up (p->wakes, counted under
 * the lock): a thread signalled while the lock is held wakes only to
 * block on it, three futex calls more per request.  Those counted were
 * asleep in pthread_cond_wait() then, so none of the signals is lost.
 */
static void
pool_unlock(struct pool *p)
{
	unsigned	 n = p->wakes;

	p->wakes = 0;
	pthread_mutex_unlock(&p->lock);
	for (; n > 0; n--)
		pthread_cond_signal(&p->work);
}

/*
 * A complete request: queue it for a thread, or refuse it when --queue is
 * set and T requests run and Q wait already.  f, when still fresh, stops
 * being counted as such: its slot becomes the request's.
 */
enum pool_verdict
pool_submit(struct pool *p, struct pool_item *it, struct pool_fresh *f)
{
	enum pool_verdict	 v = POOL_QUEUED;

	pthread_mutex_lock(&p->lock);
	it->first = f != NULL && f->linked;
	if (it->first)
		pool_fresh_unlink(p, f);
	if (p->queue_max > 0 &&
	    p->running + p->waiting >= p->threads + p->queue_max) {
		v = POOL_REJECTED;
		pool_gate_check(p);
	} else {
		it->queued_us = pool_now_us();
		TAILQ_INSERT_TAIL(&p->fifo, it, entry);
		p->waiting++;
		p->waiting_first += it->first;
		if (!p->defer_wakes && p->idle > p->wakes)
			p->wakes++;
		pool_gate_check(p);
	}
	pool_unlock(p);
	return v;
}

/* With the lock held: wait for the oldest request; NULL when stopping. */
static struct pool_item *
pool_take_locked(struct pool *p)
{
	struct pool_item	*it, *next;

	while (TAILQ_EMPTY(&p->fifo) && !p->stopping) {
		p->idle++;
		pthread_cond_wait(&p->work, &p->lock);
		p->idle--;
	}
	if (p->stopping)
		return NULL;
	it = TAILQ_FIRST(&p->fifo);
	TAILQ_REMOVE(&p->fifo, it, entry);
	p->waiting--;
	p->waiting_first -= it->first;
	p->running++;
	/* the next has waited too long for those running: one more thread */
	if (p->defer_wakes && (next = TAILQ_FIRST(&p->fifo)) != NULL &&
	    p->idle > p->wakes &&
	    pool_now_us() - next->queued_us >= POOL_WAKE_US)
		p->wakes++;
	if (it->first)
		pool_gate_check(p);	/* see pool_gate_open() */
	else
		pool_publish(p);
	return it;
}

/* With the lock held: the thread finished the request it took. */
static void
pool_done_locked(struct pool *p)
{
	p->running--;
	pool_gate_check(p);
}

struct pool_item *
pool_take(struct pool *p)
{
	struct pool_item	*it;

	pthread_mutex_lock(&p->lock);
	it = pool_take_locked(p);
	pool_unlock(p);
	return it;
}

void
pool_done(struct pool *p)
{
	pthread_mutex_lock(&p->lock);
	pool_done_locked(p);
	pthread_mutex_unlock(&p->lock);
}

/*
 * Wake sleeping threads for the requests waiting; with defer_wakes set,
 * pool_submit() wakes none and the event loop calls this once per round,
 * after libmicrohttpd has submitted all it parsed.  Each wake-up is a
 * context switch, and a request that takes microseconds is done sooner by
 * a thread already awake than by one woken for it: so while a thread that
 * began its request less than POOL_WAKE_US ago will come back to the FIFO,
 * and the oldest request has not waited that long, none is woken.  Else
 * one thread per waiting request (none of them will come back soon: they
 * block, or all sleep).  Whether a thread comes back soon is judged by
 * the requests of late: when they run POOL_WAKE_US or more (run_us: a
 * view that sleeps, a slow query), it will not, and waiting for it would
 * only add POOL_WAKE_US to every request that comes while threads are
 * free.  Returns the ms after which to call again (the oldest request's
 * POOL_WAKE_US), -1 for no need.
 */
int
pool_flush(struct pool *p)
{
	uint64_t	 now, age;
	unsigned	 n, i;
	int		 again = -1;

	pthread_mutex_lock(&p->lock);
	if (TAILQ_EMPTY(&p->fifo) || p->idle <= p->wakes)
		goto out;
	now = pool_now_us();
	age = now - TAILQ_FIRST(&p->fifo)->queued_us;
	if (age >= POOL_WAKE_US || p->run_us >= POOL_WAKE_US)
		n = p->idle - p->wakes < p->waiting ?
		    p->idle - p->wakes : p->waiting;
	else {
		/* one, unless a thread that just began will come back */
		for (n = 1, i = 0; i < p->threads && n == 1; i++)
			if (p->since[i] != 0 && now - p->since[i] < POOL_WAKE_US)
				n = 0;
		again = (int)((POOL_WAKE_US - age + 999) / 1000);
	}
	p->wakes += n;
out:
	pool_unlock(p);
	return again;
}

/*
 * --max-wait: move from the FIFO to *out the requests whose deadline has
 * passed, for the event loop to answer 503 without a thread.  *next_ms:
 * the ms until the earliest deadline of those left, -1 for none.  A
 * request's deadline counts from its arrival, so the FIFO is not in
 * deadline order: all of it is looked at.
 */
void
pool_expire(struct pool *p, struct pool_items *out, int *next_ms)
{
	struct pool_item	*it, *next;
	uint64_t		 now = pool_now_us(), first = 0;

	TAILQ_INIT(out);
	pthread_mutex_lock(&p->lock);
	for (it = TAILQ_FIRST(&p->fifo); it != NULL; it = next) {
		next = TAILQ_NEXT(it, entry);
		if (it->deadline_us == 0)
			continue;
		if (it->deadline_us > now) {
			if (first == 0 || it->deadline_us < first)
				first = it->deadline_us;
			continue;
		}
		TAILQ_REMOVE(&p->fifo, it, entry);
		TAILQ_INSERT_TAIL(out, it, entry);
		p->waiting--;
		p->waiting_first -= it->first;
	}
	if (!TAILQ_EMPTY(out))
		pool_gate_check(p);
	pthread_mutex_unlock(&p->lock);
	*next_ms = first == 0 ? -1 : (int)((first - now + 999) / 1000);
}

/*
 * --max-wait: may the acceptor take one connection while the gate is
 * closed, to see how long the oldest client in the listen backlog has
 * waited?  Only while no connection taken so (or otherwise) is still
 * fresh or has its first request waiting: at most one at a time.
 */
bool
pool_probe(struct pool *p)
{
	bool	 may;

	pthread_mutex_lock(&p->lock);
	may = p->fresh == 0 && p->waiting_first == 0 &&
	    p->conns < p->max_conns;
	pthread_mutex_unlock(&p->lock);
	return may;
}

void
pool_counts(struct pool *p, struct pool_counts *c)
{
	pthread_mutex_lock(&p->lock);
	c->running = p->running;
	c->waiting = p->waiting;
	c->fresh = p->fresh;
	c->conns = p->conns;
	pthread_mutex_unlock(&p->lock);
}

/*
 * With the lock held: hand a finished item back to the event loop.  True
 * when the loop sleeps and must be woken (by the caller, unlocked).
 */
static bool
pool_back_locked(struct pool *p, struct pool_item *it)
{
	TAILQ_INSERT_TAIL(&p->back, it, entry);
	if (!p->loop_asleep)
		return false;	/* it collects before it sleeps again */
	p->loop_asleep = false;
	return true;
}

/* Make the event loop return from its wait on gate_fd. */
static void
pool_wake_loop(struct pool *p)
{
	uint64_t	 one = 1;

	if (write(p->gate_fd, &one, sizeof(one)) == -1 && errno != EAGAIN)
		log_msg("pool: cannot wake the event loop: %s",
		    strerror(errno));
}

/*
 * The event loop is about to wait: false when items were handed back
 * meanwhile (collect them first), else a thread that hands one back
 * from now on wakes it through gate_fd.
 */
bool
pool_sleep(struct pool *p)
{
	bool	 sleep;

	pthread_mutex_lock(&p->lock);
	sleep = TAILQ_EMPTY(&p->back);
	p->loop_asleep = sleep;
	pthread_mutex_unlock(&p->lock);
	return sleep;
}

/* The event loop takes the items handed back, oldest first, into *out. */
void
pool_collect(struct pool *p, struct pool_items *out)
{
	TAILQ_INIT(out);
	pthread_mutex_lock(&p->lock);
	p->loop_asleep = false;
	TAILQ_CONCAT(out, &p->back, entry);
	pthread_mutex_unlock(&p->lock);
}

static void *
pool_thread(void *v)
{
	struct pool_thread_arg	*a = v;
	struct pool		*p = a->pool;
	struct pool_item	*it;
	char			 name[NAME_MAX_THREAD];
	uint64_t		 ran;
	bool			 back;

	pool_thread_name(name, sizeof(name), a->worker, a->core);
	pthread_setname_np(pthread_self(), name);
	if (p->thread_start != NULL)
		p->thread_start(a->core, p->arg);
	/*
	 * One lock round per request: finish one, hand it back to the
	 * event loop, and take the next at once.  The loop is woken only
	 * when it sleeps; else it collects what was handed back, in one
	 * batch, before it sleeps again.
	 */
	pthread_mutex_lock(&p->lock);
	while ((it = pool_take_locked(p)) != NULL) {
		p->since[a->core] = pool_now_us();
		pool_unlock(p);
		back = p->run(it, a->core, p->arg);
		ran = pool_now_us() - p->since[a->core];
		pthread_mutex_lock(&p->lock);
		p->run_us = p->run_us - p->run_us / 8 + ran / 8;
		p->since[a->core] = 0;
		pool_done_locked(p);
		if (back && pool_back_locked(p, it)) {
			pthread_mutex_unlock(&p->lock);
			pool_wake_loop(p);
			pthread_mutex_lock(&p->lock);
		}
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/*
 * Create the T threads, named w<worker>c<core>.  They live until
 * pool_stop(); no thread is ever created on the request path.
 */
int
pool_start(struct pool *p, unsigned worker)
{
	struct pool_thread_arg	*args;
	unsigned		 i;
	int			 error;

	if ((args = calloc(p->threads, sizeof(*args))) == NULL)
		return -1;
	p->targs = args;
	for (i = 0; i < p->threads; i++) {
		args[i].pool = p;
		args[i].worker = worker;
		args[i].core = i;
		if ((error = pthread_create(&p->tids[i], NULL, pool_thread,
		    &args[i])) != 0) {
			errno = error;
			pool_stop(p);
			return -1;
		}
		p->started++;
	}
	return 0;
}

void
pool_stop(struct pool *p)
{
	unsigned	 i;

	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->started; i++)
		pthread_join(p->tids[i], NULL);
	p->started = 0;
	free(p->targs);
	p->targs = NULL;
}
