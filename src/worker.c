/*
 * One worker process: the transport.  An event loop on the main thread
 * accepts and drives libmicrohttpd, and T pool threads run the requests
 * (request.c).  Threads: exactly T + 1, all created at start-up.
 *
 *   main thread              the event loop: accept()s only while the
 *                            pool's gate is open (accept.c), and runs
 *                            libmicrohttpd, which reads, parses and
 *                            writes every connection; runs no handler
 *                            but static files' (app_kind.on_loop)
 *   w<N>c0 .. w<N>c<T-1>     run one request each at a time
 *
 * This file knows connections, not HTTP: it starts libmicrohttpd, keeps
 * the list of open connections, sweeps those whose clients left, and
 * retires the worker (drain, --harakiri, signals).
 * Idle keep-alive connections hold no thread; after a few seconds they
 * leave libmicrohttpd too, parked as bare sockets (park.c).
 */
#include "config.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "poolserve.h"


/*
 * libmicrohttpd keeps a connection's request line, header block, read
 * buffer and response header in one memory pool: --max-header-size for
 * the request, plus room for the rest.
 */
#define HEADER_SLACK	8192

#define SWEEP_MS	100	/* worker_sweep() period */
#define TLS_STALL_MS	10	/* the wait after a TLS stall, tls_round() */
#define HARAKIRI_KILL_MS 1000	/* the master's margin over the grace */

/*
 * After MHD_resume_connection() on a pool thread (a stream's): make the
 * event loop run libmicrohttpd again.  libmicrohttpd's own wake-up is not
 * enough when it drives no thread of its own: it reads its wake-up
 * descriptor after it has looked for connections to resume, so a resume
 * that falls in between would wait for the next event.  The loop drains
 * wake_fd before MHD_run(), and MHD_run() looks for resumes first, so none
 * is ever missed.  Ordinary answers need none of this: their threads hand
 * them back through the pool (pool_collect), and the loop resumes them.
 */
void
worker_wake(struct worker *w)
{
	uint64_t	 one = 1;

	if (write(w->wake_fd, &one, sizeof(one)) == -1 && errno != EAGAIN)
		log_msg("worker %u: wake: %s", w->no, strerror(errno));
}

/* MHD_OPTION_NOTIFY_CONNECTION: a connection starts or closes. */
static void
worker_connection(void *cls, struct MHD_Connection *mhd, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	struct worker			*w = cls;
	const union MHD_ConnectionInfo	*ci;
	struct conn			*c = *socket_context;
	const struct sockaddr		*sa;

	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (c == NULL)
			return;
		LIST_REMOVE(c, entry);
		tls_conn_close(c);
		pool_conn_close(&w->pool, &c->fresh);
		if (park_take(w, c))
			pool_parked(&w->pool, 1);
		*socket_context = NULL;
		if (request_release(&c->req))
			free(c);	/* else its handler's thread frees it */
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_msg("worker %u: out of memory for a connection", w->no);
		pool_unaccepted(&w->pool);
		return;
	}
	c->w = w;
	request_init(&c->req, c);
	c->fd = -1;
	if ((ci = MHD_get_connection_info(mhd,
	    MHD_CONNECTION_INFO_CONNECTION_FD)) != NULL)
		c->fd = ci->connect_fd;
	strcpy(c->peer, "-");
	if ((ci = MHD_get_connection_info(mhd,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS)) != NULL &&
	    (sa = ci->client_addr) != NULL) {
		if (sa->sa_family == AF_INET) {
			inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->
			    sin_addr, c->peer, sizeof(c->peer));
			c->port = ntohs(((const struct sockaddr_in *)sa)->
			    sin_port);
		} else if (sa->sa_family == AF_INET6) {
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->
			    sin6_addr, c->peer, sizeof(c->peer));
			c->port = ntohs(((const struct sockaddr_in6 *)sa)->
			    sin6_port);
		} else if (sa->sa_family == AF_UNIX)
			strcpy(c->peer, "unix:");	/* as nginx logs it */
	}
	if (w->add_local != NULL) {	/* no getsockname() to answer it */
		strcpy(c->local, w->add_local->addr);
		c->local_port = w->add_local->port;
		w->add_local = NULL;
	}
	c->mhd = mhd;
	c->arrived_us = w->arrival_us;
	w->arrival_us = 0;
	c->consumed = w->add_consumed;	/* a parked one's, park.c */
	w->add_consumed = 0;
	if ((ci = MHD_get_connection_info(mhd,
	    MHD_CONNECTION_INFO_GNUTLS_SESSION)) != NULL &&
	    ci->tls_session != NULL)
		tls_conn_start(c, ci->tls_session);
	LIST_INSERT_HEAD(&w->conns, c, entry);
	*socket_context = c;
	pool_conn_start(&w->pool, &c->fresh);
}

/*
 * One libmicrohttpd daemon for the --http sockets and one for each
 * --https socket (TLS and its certificate are a daemon's), all on the
 * same pool, gate and connection list.  tls: the --https index, or -1.
 */
static struct MHD_Daemon *
worker_start_mhd(struct worker *w, int tls)
{
	const struct tls_cred	*cr = tls == -1 ? NULL : &w->tls->creds[tls];
	unsigned		 flags;

	/* No thread of libmicrohttpd's own: the worker's loop drives it. */
	flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
	    MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ERROR_LOG;
	/*
	 * Plain HTTP: "turbo" reads a new connection before adding it to
	 * the epoll set, so a request that comes with its connection and
	 * is answered with a close costs no epoll_ctl, and closes without
	 * a shutdown() first (three system calls of about twelve).  Not
	 * over TLS, whose close must send its close_notify alert.
	 */
	if (cr != NULL)
		flags |= MHD_USE_TLS;
	else
		flags |= MHD_USE_TURBO;
	return MHD_start_daemon(flags, 0, NULL, NULL, request_access, w,
	    MHD_OPTION_EXTERNAL_LOGGER, request_mhd_log, w,
	    /* SIGPIPE is ignored (main.c): libmicrohttpd may use sendfile */
	    MHD_OPTION_SIGPIPE_HANDLED_BY_APP, (int)1,
	    MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)(w->cfg->max_connections + w->cfg->threads + 16),
	    MHD_OPTION_CONNECTION_TIMEOUT, w->cfg->read_timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)w->cfg->max_header_size + HEADER_SLACK,
	    MHD_OPTION_NOTIFY_CONNECTION, worker_connection, w,
	    MHD_OPTION_NOTIFY_COMPLETED, request_completed, w,
	    MHD_OPTION_URI_LOG_CALLBACK, request_begin, w,
	    /* the TLS options last: MHD_OPTION_END ends a plain daemon's */
	    cr == NULL ? MHD_OPTION_END : MHD_OPTION_HTTPS_MEM_CERT,
	    cr != NULL ? cr->cert : NULL,
	    MHD_OPTION_HTTPS_MEM_KEY, cr != NULL ? cr->key : NULL,
	    MHD_OPTION_HTTPS_PRIORITIES, w->cfg->tls_priority,
	    w->tls->ca != NULL ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END,
	    w->tls->ca,
	    MHD_OPTION_END);
}

/* Every daemon of the worker, in turn: *i from 0; NULL after the last. */
static struct MHD_Daemon *
worker_daemon_next(struct worker *w, unsigned *i)
{
	if (*i == 0) {
		(*i)++;
		return w->mhd;
	}
	if (*i - 1 < w->tls->n)
		return w->tls_mhd[(*i)++ - 1];
	return NULL;
}

/*
 * Stop taking connections and drain: the requests already accepted run to
 * their end (answered with Connection: close), then the worker exits; or
 * it exits when --shutdown-timeout runs out.  The listen socket stays open
 * in the master and the other workers, so no client is refused.
 */
static void
worker_retire(struct worker *w, int ep, bool listening, const char *why,
    unsigned grace_s)
{
	struct pool_counts	 c;
	struct conn		*conn;
	unsigned		 i;
	int			 unread;

	if (atomic_load(&w->retiring))
		return;
	atomic_store(&w->retiring, true);
	w->retire_deadline = pool_now_ms() + grace_s * 1000ULL;
	for (i = 0; i < w->nlisten; i++) {
		if (listening)
			(void)epoll_ctl(ep, EPOLL_CTL_DEL, w->listen_fds[i],
			    NULL);
		close(w->listen_fds[i]);
	}
	w->nlisten = 0;
	pthread_mutex_lock(&w->pool.lock);
	w->pool.pub = NULL;	/* the slot is a new worker's now */
	pthread_mutex_unlock(&w->pool.lock);
	pool_counts(&w->pool, &c);
	log_msg("worker %u: %s: retiring, %u %s running, %u waiting, %u %s",
	    w->no, why, c.running, PLURAL(c.running, "request", "requests"),
	    c.waiting, c.conns, PLURAL(c.conns, "connection", "connections"));
	/*
	 * Idle keep-alive connections (a request served, nothing of the
	 * next one received) are shut down now: libmicrohttpd sees the end
	 * of stream and closes them on this round.  The others without a
	 * request yet (new ones, a request arriving) get a second to send
	 * it, and are answered with Connection: close.  So are parked ones.
	 */
	park_sweep(w, pool_now_ms(), true);
	LIST_FOREACH(conn, &w->conns, entry) {
		if (conn->req.counted)
			continue;
		if (conn->served > 0 && conn->fd != -1 &&
		    ioctl(conn->fd, FIONREAD, &unread) == 0 && unread == 0 &&
		    shutdown(conn->fd, SHUT_RDWR) == 0)
			continue;
		MHD_set_connection_option(conn->mhd,
		    MHD_CONNECTION_OPTION_TIMEOUT, 1U);
	}
}

/*
 * --harakiri: has a request run too long?  Its client's connection is
 * shut down at once (the client sees it closed, without an answer: the
 * thread still holds the request), it is logged and counted, and the
 * worker retires: its other requests get --harakiri-grace to finish, then
 * it exits, taking the stuck thread with it.  Should it not exit by then,
 * the master kills it (kill_at_ms).  On the event loop, which alone closes
 * connections: the descriptor cannot be closed and reused meanwhile.
 */
static bool
worker_harakiri(struct worker *w, uint64_t now)
{
	char		 method[16], uri[STATS_URI_MAX];
	uint64_t	 started, since;
	unsigned	 c;
	int		 fd;

	for (c = 0; c < w->cfg->threads; c++) {
		started = atomic_load(&w->busy_since[c]);
		if (started == 0 || now <= started || now - started <
		    w->cfg->harakiri * 1000ULL)
			continue;
		(void)stats_current(&w->threads[c], method,
		    sizeof(method), uri, sizeof(uri), &since);
		log_msg("worker %u: harakiri: %s %.100s has run %llu ms on "
		    "thread %s (--harakiri %u): its connection closed, the "
		    "worker recycled within %u s", w->no, method, uri,
		    (unsigned long long)(now - started), w->names[c],
		    w->cfg->harakiri, w->cfg->harakiri_grace);
		if ((fd = atomic_load(&w->running_fd[c])) != -1)
			(void)shutdown(fd, SHUT_RDWR);
		atomic_fetch_add(&w->sw->harakiri, 1);
		atomic_store(&w->sw->kill_at_ms, now +
		    w->cfg->harakiri_grace * 1000ULL + HARAKIRI_KILL_MS);
		return true;
	}
	return false;
}

/*
 * While retiring: a TLS connection still in its handshake, or done with
 * it and its first request not yet begun.  A handshake can outlast
 * --request-grace, and its client sends the request right after it: such
 * a connection has the second worker_retire() gave it.
 */
static bool
worker_tls_starting(const struct worker *w)
{
	const struct conn	*c;

	LIST_FOREACH(c, &w->conns, entry)
		if (c->tls.session != NULL && c->served == 0 &&
		    !c->req.counted)
			return true;
	return false;
}

/* While retiring: 0 when the worker may exit now, else ms to wait at most. */
static int
worker_drained(struct worker *w)
{
	struct pool_counts	 c;
	uint64_t		 now = pool_now_ms();
	int			 t;

	pool_counts(&w->pool, &c);
	if (w->unfinished == 0 && c.fresh == 0 && !worker_tls_starting(w) &&
	    TAILQ_EMPTY(&w->unparked))
		return 0;	/* every begun request answered and sent */
	if (now >= w->retire_deadline) {
		log_msg("worker %u: --shutdown-timeout reached with %u %s "
		    "running, %u waiting: exiting", w->no, c.running,
		    PLURAL(c.running, "request", "requests"), c.waiting);
		return 0;
	}
	(void)pool_gate(&w->pool, &t);		/* expires fresh ones */
	return (int)(w->retire_deadline - now);
}

static int
worker_epoll_set(int ep, int op, int fd)
{
	struct epoll_event	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.fd = fd;
	return epoll_ctl(ep, op, fd, &ev);
}

/*
 * A connection still reading (no request yet, or its head or body
 * partly received) whose client has closed is shut down now, not at
 * --read-timeout.  libmicrohttpd 0.9.75 can miss an end of stream that
 * arrived together with part of a request (a client that sends half a
 * request, or headers and part of a body, and closes while waiting in the
 * backlog), and would keep such a connection, its descriptor and its
 * place in --max-connections for the whole --read-timeout.  The shutdown
 * wakes libmicrohttpd, which closes it.  Every SWEEP_MS the connections
 * still in their grace period (they hold a slot: at most T + Q), every
 * second all.  Requests waiting for a thread or running are left alone:
 * request_run looks at their clients.  The once-a-second sweep also parks
 * the idle ones and closes parked ones past their keep-alive timeout
 * (park.c).
 */
static void
worker_sweep(struct worker *w, uint64_t now, bool all)
{
	struct conn	*c;

	LIST_FOREACH(c, &w->conns, entry) {
		if (c->fd != -1 && (all || c->fresh.linked) &&
		    request_reading(&c->req) && request_client_gone(c))
			(void)shutdown(c->fd, SHUT_RDWR);
		else if (all)
			park_consider(w, c, now);
	}
	if (all)
		park_sweep(w, now, false);
}


/*
 * The event loop's epoll set: libmicrohttpd's descriptors, the signals,
 * the gate and the wake-up descriptor (the listen sockets come and go
 * with the gate).  The descriptor, or -1 (logged).
 */
static int
worker_epoll(struct worker *w)
{
	const union MHD_DaemonInfo	*di;
	struct MHD_Daemon		*d;
	unsigned			 k;

	if ((w->ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		log_msg("worker %u: epoll: %s", w->no, strerror(errno));
		return -1;
	}
	for (k = 0; (d = worker_daemon_next(w, &k)) != NULL; )
		if ((di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_EPOLL_FD)) ==
		    NULL || worker_epoll_set(w->ep, EPOLL_CTL_ADD,
		    di->epoll_fd) == -1) {
			log_msg("worker %u: epoll: %s", w->no,
			    strerror(errno));
			return -1;
		}
	if (worker_epoll_set(w->ep, EPOLL_CTL_ADD, w->sig_fd) == -1 ||
	    worker_epoll_set(w->ep, EPOLL_CTL_ADD, w->pool.gate_fd) == -1 ||
	    worker_epoll_set(w->ep, EPOLL_CTL_ADD, w->wake_fd) == -1) {
		log_msg("worker %u: epoll: %s", w->no, strerror(errno));
		return -1;
	}
	return w->ep;
}

/*
 * Each round's chores: the sweep of the connections (every SWEEP_MS, all
 * of them once a second), and retiring the worker when --max-requests
 * was reached or --harakiri killed a request's thread.
 */
static void
worker_chores(struct worker *w, uint64_t now, bool listening)
{
	bool	 all;

	if (now - w->last_sweep >= SWEEP_MS) {
		all = now - w->last_full_sweep >= 1000;
		w->last_sweep = now;
		if (all)
			w->last_full_sweep = now;
		worker_sweep(w, now, all);
	}
	if (atomic_load(&w->retire_asked) && !atomic_load(&w->retiring))
		worker_retire(w, w->ep, listening, "--max-requests reached",
		    w->cfg->shutdown_timeout);
	if (w->cfg->harakiri != 0 && !atomic_load(&w->retiring) &&
	    worker_harakiri(w, now))
		worker_retire(w, w->ep, listening, "--harakiri",
		    w->cfg->harakiri_grace);
}


/*
 * How long the loop may sleep, given the timeout the gate wants: not past
 * the sweep's and the watches' periods, libmicrohttpd's next timeout, the
 * pool's next wake-up
 * (flush, from pool_flush) or, with --max-wait, the next request to
 * expire; 0 when answers are ready.  Requests past --max-wait are
 * answered 503 here (on the next round).
 */
static int
worker_timeout(struct worker *w, int timeout, int flush)
{
	struct pool_items	 items;
	struct pool_item	*it;
	struct MHD_Daemon	*d;
	MHD_UNSIGNED_LONG_LONG	 mt;
	unsigned		 k;
	int			 expire;

	if (w->cfg->harakiri != 0 && (timeout == -1 || timeout > 500))
		timeout = 500;	/* look at the running times */
	if (!LIST_EMPTY(&w->conns) && (timeout == -1 || timeout > SWEEP_MS))
		timeout = SWEEP_MS;
	if (w->nparked > 0 && (timeout == -1 || timeout > 1000))
		timeout = 1000;	/* their keep-alive timeouts */
	for (k = 0; (d = worker_daemon_next(w, &k)) != NULL; ) {
		if (MHD_get_timeout(d, &mt) != MHD_YES)
			continue;
		if (mt == 0 && d != w->mhd && w->tls_stalled)
			mt = TLS_STALL_MS;	/* see tls_round() */
		if (timeout == -1 || mt < (MHD_UNSIGNED_LONG_LONG)timeout)
			timeout = (int)mt;
	}
	if (flush != -1 && (timeout == -1 || flush < timeout))
		timeout = flush;	/* wake threads then */
	if (w->cfg->max_wait != 0) {
		pool_expire(&w->pool, &items, &expire);
		while ((it = TAILQ_FIRST(&items)) != NULL) {
			TAILQ_REMOVE(&items, it, entry);
			request_expire(it);
			expire = 0;
		}
		if (expire != -1 && (timeout == -1 || expire < timeout))
			timeout = expire;
	}
	if (!pool_sleep(&w->pool))
		timeout = 0;	/* answers are ready */
	return timeout;
}

/*
 * A signal for this worker (from the master): SIGTERM retires it, SIGUSR1
 * reopens the access log.  True: stop at once (SIGINT, SIGQUIT).
 */
static bool
worker_signal(struct worker *w, bool *listening)
{
	struct signalfd_siginfo	 si;

	if (read(w->sig_fd, &si, sizeof(si)) != sizeof(si))
		return false;
	switch (si.ssi_signo) {
	case SIGTERM:
		worker_retire(w, w->ep, *listening, "SIGTERM",
		    w->cfg->shutdown_timeout);
		*listening = false;
		return false;
	case SIGUSR1:
		if (log_reopen_access() == -1)
			log_msg("worker %u: reopening the access log: %s",
			    w->no, strerror(errno));
		return false;
	case SIGHUP:
		return false;
	default:		/* SIGINT, SIGQUIT: at once */
		return true;
	}
}

/* Read an eventfd that woke the loop (the gate's, or a thread's). */
static void
worker_drain(struct worker *w, int fd, const char *what)
{
	uint64_t	 n;

	if (read(fd, &n, sizeof(n)) == -1 && errno != EAGAIN)
		log_msg("worker %u: %s: %s", w->no, what, strerror(errno));
}

/*
 * The end of each round: the answers handed back since the last one are
 * resumed in one batch, then libmicrohttpd sends them and reads new
 * requests, then threads are woken for those.  Returns pool_flush's
 * next wake-up.
 */
static int
worker_round(struct worker *w)
{
	struct pool_items	 items;
	struct pool_item	*it;
	struct MHD_Daemon	*d;
	unsigned		 k;

	accept_unparked(w);
	pool_collect(&w->pool, &items);
	while ((it = TAILQ_FIRST(&items)) != NULL) {
		TAILQ_REMOVE(&items, it, entry);
		request_resume(it);
	}
	for (k = 0; (d = worker_daemon_next(w, &k)) != NULL; )
		MHD_run(d);
	tls_round(w);
	return pool_flush(&w->pool);
}

/*
 * The worker's event loop, on its main thread: one epoll set holds
 * libmicrohttpd's epoll descriptor, the signal descriptor, the pool's gate
 * descriptor and, only while the gate is open, the listen socket.  While
 * the gate is closed, new clients wait in the kernel's listen backlog.
 * Returns when a stop signal arrives, -1 on a fatal error.
 */
static int
worker_loop(struct worker *w)
{
	struct epoll_event		 evs[16];
	struct MHD_Daemon		*d;
	uint64_t			 now;
	int				 ep, n, i, timeout, flush = -1;
	bool				 listening = false;

	if ((ep = worker_epoll(w)) == -1)
		return -1;
	for (;;) {
		now = pool_now_ms();
		worker_chores(w, now, listening);
		if (atomic_load(&w->retiring)) {
			listening = false;
			if ((timeout = worker_drained(w)) == 0)
				return 0;
			if (timeout > 100)
				timeout = 100;	/* re-count soon */
		} else if ((timeout = accept_gate(w, now, &listening)) == -2)
			return -1;
		timeout = worker_timeout(w, timeout, flush);
		if ((n = epoll_wait(ep, evs, 16, timeout)) == -1) {
			if (errno == EINTR)
				continue;
			log_msg("worker %u: epoll_wait: %s", w->no,
			    strerror(errno));
			return -1;
		}
		for (i = 0; i < n; i++) {
			if (evs[i].data.u64 & PARK_TAG)	/* not an fd */
				park_event(w, evs[i].data.u64);
			else if (evs[i].data.fd == w->sig_fd) {
				if (worker_signal(w, &listening))
					return 0;
			} else if (evs[i].data.fd == w->pool.gate_fd)
				worker_drain(w, w->pool.gate_fd, "gate");
			else if (evs[i].data.fd == w->wake_fd)
				worker_drain(w, w->wake_fd, "wake");
			else if (listening && (d = accept_daemon(w,
			    evs[i].data.fd)) != NULL)
				accept_burst(w, evs[i].data.fd, d);
		}
		flush = worker_round(w);
	}
}

/*
 * pool_start_fn: on each pool thread before its first request, the
 * applications' thread_init.  A failure ends the worker (logged).
 */
static void
worker_thread_start(unsigned core, void *arg)
{
	struct worker	*w = arg;

	if (app_thread_init(core, &w->thread_data[core * app_count()]) == -1)
		_exit(1);
}

/*
 * The body of a worker process, called in the child after fork.  Never
 * returns: exits 0 on SIGTERM/SIGINT/SIGQUIT, 1 when it cannot start.
 */
void
worker_main(const struct config *cfg, struct stats *stats,
    const struct tls_set *tls, const int *listen_fds, const int *listen_tls,
    unsigned nlisten, unsigned no)
{
	struct worker		 w;
	struct pool_counts	 c;
	sigset_t		 set;
	unsigned		 i;

	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1) {
		log_msg("worker %u: prctl(PR_SET_PDEATHSIG): %s", no,
		    strerror(errno));
		_exit(1);
	}
	if (getppid() == 1)		/* the master died before prctl */
		_exit(0);
	sigfillset(&set);
	sigdelset(&set, SIGSEGV);
	sigdelset(&set, SIGBUS);
	sigdelset(&set, SIGFPE);
	sigdelset(&set, SIGILL);
	sigdelset(&set, SIGABRT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	/*
	 * One malloc arena per process, not one per thread: requests
	 * allocate little, and per-thread arenas cost resident memory.
	 * Not with --preload: the main arena is then the master's, shared
	 * copy-on-write, and threads allocating in its free chunks copy
	 * the pages around them, where arenas of their own take fresh
	 * pages (Flask on 4 x 10: summed PSS 49.8 MB against 51.4 MB).
	 */
	if (!cfg->preload)
		mallopt(M_ARENA_MAX, 1);
	/*
	 * Each connection's libmicrohttpd memory (--max-header-size + 8 KiB)
	 * is taken from and given back to the heap's top; at glibc's trim
	 * threshold of 128 kB the top went back to the kernel and came again,
	 * 0.5 to 0.7 page faults a request with Connection: close (Flask on
	 * 2 x 10).  Kept up to 1 MiB of free top, none.
	 */
	mallopt(M_TRIM_THRESHOLD, 1024 * 1024);
	memset(&w, 0, sizeof(w));
	LIST_INIT(&w.conns);
	TAILQ_INIT(&w.parked);
	TAILQ_INIT(&w.unparked);
	w.cfg = cfg;
	w.stats = stats;
	w.no = no;
	w.pid = getpid();
	w.max_requests = cfg->max_requests;
	if (cfg->max_requests != 0 && cfg->max_requests_jitter != 0) {
		srandom((unsigned)(getpid() ^ time(NULL)));
		w.max_requests += (uint64_t)random() %
		    ((uint64_t)cfg->max_requests_jitter + 1);
	}
	w.sw = &stats->workers[no - 1];
	w.threads = stats_table(stats, atomic_load(&w.sw->table));
	w.tls = tls;
	w.tls_client_ca = tls->ca != NULL;
	memcpy(w.listen_fds, listen_fds, nlisten * sizeof(*listen_fds));
	memcpy(w.listen_tls, listen_tls, nlisten * sizeof(*listen_tls));
	for (i = 0; i < nlisten; i++)
		listen_local(listen_fds[i], &w.listen_local[i]);
	w.nlisten = nlisten;
	atomic_store(&w.sw->pid, getpid());

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	if ((w.sig_fd = signalfd(-1, &set, SFD_CLOEXEC)) == -1 ||
	    (w.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		log_msg("worker %u: signalfd/eventfd: %s", no,
		    strerror(errno));
		_exit(1);
	}
	/* names[threads]: the event loop, for what it answers itself */
	if ((w.names = calloc(cfg->threads + 1, sizeof(*w.names))) == NULL) {
		log_msg("worker %u: out of memory", no);
		_exit(1);
	}
	if ((w.busy_since = calloc(cfg->threads, sizeof(*w.busy_since))) ==
	    NULL || (w.running_fd = calloc(cfg->threads,
	    sizeof(*w.running_fd))) == NULL) {
		log_msg("worker %u: out of memory", no);
		_exit(1);
	}
	for (i = 0; i < cfg->threads; i++) {
		atomic_store(&w.running_fd[i], -1);
		pool_thread_name(w.names[i], sizeof(w.names[i]), no, i);
		/* a killed owner of the table may have left requests shown */
		stats_end(&w.threads[i], 0);
	}
	strcpy(w.names[cfg->threads], "-");
	if (app_init_all(cfg, stats, no) == -1)
		_exit(1);
	if ((w.thread_data = calloc((size_t)cfg->threads * app_count(),
	    sizeof(*w.thread_data))) == NULL && app_count() > 0) {
		log_msg("worker %u: out of memory", no);
		_exit(1);
	}
	if (pool_init(&w.pool, cfg->threads, cfg->queue, cfg->max_connections,
	    cfg->request_grace, request_run, &w) == -1 ||
	    (w.pool.defer_wakes = true, w.pool.pub = &w.sw->pool,
	    w.pool.thread_start = worker_thread_start,
	    pool_start(&w.pool, no)) == -1) {
		log_msg("worker %u: cannot start %u threads: %s", no,
		    cfg->threads, strerror(errno));
		_exit(1);
	}
	if ((w.mhd = worker_start_mhd(&w, -1)) == NULL) {
		log_msg("worker %u: cannot start libmicrohttpd: %s", no,
		    strerror(errno));
		_exit(1);
	}
	for (i = 0; i < tls->n; i++)
		if ((w.tls_mhd[i] = worker_start_mhd(&w, (int)i)) == NULL) {
			log_msg("worker %u: cannot start libmicrohttpd with "
			    "TLS for --https %s: %s", no,
			    cfg->https[i].http.spec, strerror(errno));
			_exit(1);
		}
	log_msg("worker %u (pid %d) ready: %u %s", no, (int)getpid(),
	    cfg->threads, PLURAL(cfg->threads, "thread", "threads"));
	if (worker_loop(&w) == -1)
		_exit(1);
	pool_counts(&w.pool, &c);
	if (c.running == 0)
		app_fini_all();		/* no handler runs any more */
	_exit(0);
}
