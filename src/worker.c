/*
 * One worker process: an event loop on the main thread that accepts and
 * drives libmicrohttpd, and T pool threads that run the handlers.
 * Threads: exactly T + 1, all created at start-up.
 *
 *   main thread              the event loop: accept()s only while the
 *                            pool's gate is open, and runs libmicrohttpd,
 *                            which reads, parses and writes every
 *                            connection; never runs a handler
 *   w<N>c0 .. w<N>c<T-1>     run one request each at a time
 *
 * A complete request suspends its connection and enters the pool's FIFO;
 * the thread that takes it builds the response, writes the access log line
 * and resumes the connection, and libmicrohttpd sends the response on its
 * next call of the access handler.  Idle keep-alive connections are only
 * in libmicrohttpd's epoll set: they hold no thread.
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

enum request_state {
	REQ_NEW,		/* headers parsed, handler not yet called */
	REQ_BODY,		/* receiving the body */
	REQ_QUEUED,		/* suspended, in the pool's FIFO or running */
	REQ_REPLY,		/* resumed with a response (or to be dropped) */
};

struct request {
	struct pool_item	 item;
	struct conn		*conn;
	struct MHD_Connection	*mhd;
	enum request_state	 state;
	char			*uri;		/* raw request target, copied */
	size_t			 uri_cap;
	const char		*method;
	const char		*path;		/* decoded, without the query */
	const char		*version;
	char			*body;
	size_t			 body_len;
	size_t			 body_cap;
	bool			 too_large;
	uint64_t		 parsed_ms;	/* monotonic */
	uint64_t		 parsed_us;
	uint64_t		 nth;		/* on this connection, from 1 */
	time_t			 started;	/* wall clock */
	struct MHD_Response	*response;
	unsigned		 status;
	bool			 drop;		/* close without answering */
	bool			 counted;	/* in worker.unfinished */
};

struct conn {
	struct pool_fresh	 fresh;
	struct conn		*prev, *next;	/* the worker's connections */
	struct MHD_Connection	*mhd;
	struct request		 req;		/* one request at a time */
	struct worker		*w;
	int			 fd;
	char			 peer[INET6_ADDRSTRLEN];
	uint64_t		 served;	/* responses completed */
};

struct worker {
	const struct config	*cfg;
	struct stats		*stats;
	struct stats_worker	*sw;
	unsigned		 no;		/* 1-based */
	pid_t			 pid;
	uint64_t		 accept_pause_until;	/* ms, after EMFILE */
	uint64_t		 last_sweep;		/* ms, worker_sweep() */
	uint64_t		 last_full_sweep;
	uint64_t		 max_requests;		/* 0: no limit */
	_Atomic uint64_t	 served;		/* by this process */
	_Atomic uint64_t	*busy_since;	/* [core], ms, 0 = idle */
	_Atomic bool		 retire_asked;		/* by a pool thread */
	_Atomic bool		 retiring;		/* draining to exit */
	uint64_t		 retire_deadline;	/* ms */
	unsigned		 unfinished;	/* requests begun, not yet sent */
	struct MHD_Daemon	*mhd;
	struct pool		 pool;
	int			 listen_fds[CONFIG_MAX_HTTP];
	unsigned		 nlisten;	/* 0 once retiring */
	int			 sig_fd;
	int			 wake_fd;	/* eventfd: run libmicrohttpd */
	struct conn		*conns;		/* main thread only */
	char			(*names)[NAME_MAX_THREAD];
};

/* Monotonic microseconds, for the histograms. */
static uint64_t
worker_now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Count an answer in the shared statistics. */
static void
worker_count_answer(struct worker *w, unsigned status, size_t len,
    uint64_t parsed_us)
{
	if (status >= 100 && status < 600)
		atomic_fetch_add_explicit(&w->sw->status_class[status / 100],
		    1, memory_order_relaxed);
	atomic_fetch_add_explicit(&w->sw->sent_bytes, len,
	    memory_order_relaxed);
	stats_observe(&w->sw->duration, worker_now_us() - parsed_us);
}

/*
 * libmicrohttpd keeps a connection's request line, header block, read
 * buffer and response header in one memory pool: --max-header-size for
 * the request, plus room for the rest.
 */
#define HEADER_SLACK	8192

#define SWEEP_MS	100	/* worker_sweep() period */
#define SHED_WAIT_MS	20	/* worker_shed(): a wait that long */

#define REQ_OF(it)	((struct request *)((char *)(it) - \
			    offsetof(struct request, item)))

const char *
request_method(const struct request *r)
{
	return r->method;
}

const char *
request_path(const struct request *r)
{
	return r->path;
}

const char *
request_arg(const struct request *r, const char *key)
{
	return MHD_lookup_connection_value(r->mhd, MHD_GET_ARGUMENT_KIND, key);
}

const char *
request_body(const struct request *r, size_t *len)
{
	*len = r->body_len;
	return r->body != NULL ? r->body : "";
}

/* The per-process count used by the lab app's seed route. */
static _Atomic uint64_t	*worker_lab_count;

uint64_t
worker_lab_next(void)
{
	return atomic_fetch_add(worker_lab_count, 1) + 1;
}

/*
 * True when the client is gone: an orderly close or a reset is pending on
 * the socket.  Peeking consumes nothing.  A client that half-closed its
 * sending side after the request is treated as gone too.
 */
static bool
worker_client_gone(int fd)
{
	char	 c;
	ssize_t	 n;

	n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n == 0)
		return true;
	return n == -1 && errno != EAGAIN && errno != EWOULDBLOCK &&
	    errno != EINTR;
}

struct header_sum {
	unsigned	 n;
	size_t		 bytes;
};

static enum MHD_Result
worker_count_header(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct header_sum	*s = cls;

	(void)kind;
	s->n++;
	s->bytes += strlen(key) + (value != NULL ? strlen(value) : 0);
	return MHD_YES;
}

/* Add one response header and count it as it will be sent. */
static int
worker_add_header(struct MHD_Response *resp, struct header_sum *s,
    const char *key, const char *value)
{
	if (MHD_add_response_header(resp, key, value) != MHD_YES)
		return -1;
	s->n++;
	s->bytes += strlen(key) + 2 + strlen(value) + 2;
	return 0;
}

/*
 * With several workers, a keep-alive request that waited SHED_WAIT_MS or
 * more for a thread, while others still wait, is answered with
 * Connection: close: the client's next request then waits in the shared
 * listen backlog, where whichever worker is free first takes it, instead
 * of in this worker's queue while another worker may be idle.  Short
 * waits (fast routes) keep their connections; one worker has no other to
 * hand over to.  Runs on a pool thread.
 */
static bool
worker_shed(struct worker *w, uint64_t waited_us)
{
	return w->cfg->processes > 1 && waited_us >= SHED_WAIT_MS * 1000 &&
	    atomic_load(&w->sw->pool.waiting) > 0;
}

/*
 * Turn the handler's reply into a libmicrohttpd response.  Runs on a pool
 * thread.  The sum counts the status line, the headers poolserve sets and
 * the Content-Length and Date headers libmicrohttpd adds.
 */
static struct MHD_Response *
worker_response(struct worker *w, struct reply *rep, struct header_sum *s,
    bool close)
{
	struct MHD_Response	*resp;
	const char		*reason;
	char			 num[32];

	resp = MHD_create_response_from_buffer(rep->len, rep->body,
	    rep->body_static ? MHD_RESPMEM_PERSISTENT : MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		if (!rep->body_static)
			free(rep->body);
		return NULL;
	}
	reason = MHD_get_reason_phrase_for(rep->status);
	s->n = 0;
	s->bytes = strlen("HTTP/1.1 000 ") + strlen(reason) + 2 + 2;
	if (worker_add_header(resp, s, MHD_HTTP_HEADER_CONTENT_TYPE,
	    rep->content_type != NULL ? rep->content_type :
	    "text/plain; charset=utf-8") == -1 ||
	    (rep->allow != NULL && worker_add_header(resp, s,
	    MHD_HTTP_HEADER_ALLOW, rep->allow) == -1) ||
	    (rep->status == MHD_HTTP_SERVICE_UNAVAILABLE &&
	    worker_add_header(resp, s, MHD_HTTP_HEADER_RETRY_AFTER, "1") == -1) ||
	    ((w->cfg->keepalive_timeout == 0 || atomic_load(&w->retiring) ||
	    close) &&
	    worker_add_header(resp, s, MHD_HTTP_HEADER_CONNECTION,
	    "close") == -1)) {
		MHD_destroy_response(resp);
		return NULL;
	}
	snprintf(num, sizeof(num), "%zu", rep->len);
	s->n += 2;
	s->bytes += strlen("Content-Length: \r\n") + strlen(num) +
	    strlen("Date: Sat, 18 Feb 2023 14:53:00 GMT\r\n");
	return resp;
}

static void
worker_log_access(struct request *r, const char *thread, size_t body_bytes,
    const struct header_sum *resp_hdrs, uint64_t wreq, uint64_t total,
    unsigned long queued_ms)
{
	struct access_entry	 e;
	struct header_sum	 vars = { 0, 0 };

	if (!log_access_enabled())
		return;
	MHD_get_connection_values(r->mhd, MHD_HEADER_KIND,
	    worker_count_header, &vars);
	e.peer = r->conn->peer;
	e.method = r->method;
	e.uri = r->uri;
	e.version = r->version;
	e.thread = thread;
	e.vars = vars.n;
	e.vars_bytes = vars.bytes;
	e.started = r->started;
	e.msecs = (unsigned long)(pool_now_ms() - r->parsed_ms);
	e.body_bytes = strcmp(r->method, "HEAD") == 0 ? 0 : body_bytes;
	e.status = r->status;
	e.resp_headers = resp_hdrs->n;
	e.resp_header_bytes = resp_hdrs->bytes;
	e.queued_ms = queued_ms;
	e.worker_req = wreq;
	e.total_req = total;
	e.pid = r->conn->w->pid;
	log_access(&e);
}

/*
 * After MHD_resume_connection(): make the event loop run libmicrohttpd
 * again.  libmicrohttpd's own wake-up is not enough when it drives no
 * thread of its own: it reads its wake-up descriptor after it has looked
 * for connections to resume, so a resume that falls in between would wait
 * for the next event.  The loop drains wake_fd before MHD_run(), and
 * MHD_run() looks for resumes first, so none is ever missed.
 */
static void
worker_wake(struct worker *w)
{
	uint64_t	 one = 1;

	if (write(w->wake_fd, &one, sizeof(one)) == -1 && errno != EAGAIN)
		log_msg("worker %u: wake: %s", w->no, strerror(errno));
}

/*
 * pool_run_fn: runs on pool thread <core> for each request it takes.  The
 * request's connection is suspended, so nothing else touches it until
 * MHD_resume_connection(); r must not be used after that call.
 */
static void
worker_run(struct pool_item *it, unsigned core, void *arg)
{
	struct worker		*w = arg;
	struct request		*r = REQ_OF(it);
	struct app_ctx		 ctx;
	struct reply		 rep;
	struct header_sum	 hdrs;
	struct stats_thread	*st;
	uint64_t		 wreq, total, taken_us;
	unsigned long		 queued_ms;

	/*
	 * A first request may have waited in the listen backlog, any other
	 * in the FIFO: look whether its client is still there.  A keep-alive
	 * request taken at once cannot have been abandoned; skip the syscall.
	 */
	if ((r->nth == 1 || pool_now_ms() - r->parsed_ms > 0) &&
	    worker_client_gone(r->conn->fd)) {
		atomic_fetch_add(&w->sw->skipped, 1);
		log_msg("worker %u: skipped %s %s from %s: the client left "
		    "after waiting %llu ms (thread %s)", w->no, r->method,
		    r->path, r->conn->peer,
		    (unsigned long long)(pool_now_ms() - r->parsed_ms),
		    w->names[core]);
		r->drop = true;
		goto resume;
	}

	st = stats_thread(w->stats, w->no, core);
	taken_us = worker_now_us();
	stats_observe(&w->sw->wait, taken_us - r->parsed_us);
	stats_begin(st, r->method, r->uri);
	atomic_store(&w->busy_since[core], taken_us / 1000);
	ctx.cfg = w->cfg;
	ctx.stats = w->stats;
	ctx.worker = w->no;
	ctx.core = core;
	ctx.thread = w->names[core];
	memset(&rep, 0, sizeof(rep));
	atomic_fetch_add(&st->requests, 1);
	wreq = atomic_fetch_add(&w->sw->requests, 1) + 1;
	if (w->max_requests != 0 &&
	    atomic_fetch_add(&w->served, 1) + 1 == w->max_requests) {
		atomic_store(&w->retire_asked, true);
		worker_wake(w);
	}
	total = atomic_fetch_add(&w->stats->requests, 1) + 1;
	app_lab_handle(&ctx, r, &rep);
	r->status = rep.status;
	stats_end(st, rep.status);
	atomic_store(&w->busy_since[core], 0);
	worker_count_answer(w, rep.status, rep.len, r->parsed_us);
	if ((r->response = worker_response(w, &rep, &hdrs,
	    worker_shed(w, taken_us - r->parsed_us))) == NULL) {
		log_msg("worker %u: out of memory answering %s %s", w->no,
		    r->method, r->path);
		r->drop = true;
		goto resume;
	}
	queued_ms = (unsigned long)((taken_us - r->parsed_us) / 1000);
	worker_log_access(r, w->names[core], rep.len, &hdrs, wreq, total,
	    w->cfg->queue_warn > 0 && queued_ms >= w->cfg->queue_warn ?
	    queued_ms : 0);
resume:
	r->state = REQ_REPLY;
	MHD_resume_connection(r->mhd);
	worker_wake(w);
}

/*
 * A response made on libmicrohttpd's thread (a refusal, 503): log it too.
 * close ends the connection with it.
 */
static enum MHD_Result
worker_answer_now(struct worker *w, struct request *r, unsigned status,
    const char *text, bool close)
{
	struct reply		 rep;
	struct header_sum	 hdrs;
	struct MHD_Response	*resp;
	enum MHD_Result		 ret;

	memset(&rep, 0, sizeof(rep));
	reply_text(&rep, status, "%s\n", text);
	r->status = status;
	if ((resp = worker_response(w, &rep, &hdrs, close)) == NULL)
		return MHD_NO;
	worker_count_answer(w, status, rep.len, r->parsed_us);
	worker_log_access(r, "-", rep.len, &hdrs,
	    atomic_fetch_add(&w->sw->requests, 1) + 1,
	    atomic_fetch_add(&w->stats->requests, 1) + 1, 0);
	ret = MHD_queue_response(r->mhd, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/*
 * Request-body handling, on libmicrohttpd's thread.  Once a body is over
 * --max-body-size the rest is only counted (body_len keeps growing, the
 * data is dropped) so that the 413 can be sent when it ends: libmicrohttpd
 * 0.9.75 queues a response only before the body or after all of it.  A
 * chunked body that goes on BODY_DISCARD_MAX past the limit is cut off:
 * -1, and the caller closes the connection.
 */
#define BODY_DISCARD_MAX	(64 * 1024)

static int
worker_body_append(struct worker *w, struct request *r, const char *data,
    size_t len)
{
	size_t	 cap;
	char	*nb;

	if (r->too_large || len > w->cfg->max_body_size - r->body_len) {
		r->too_large = true;
		r->body_len += len;
		if (r->body_len - w->cfg->max_body_size > BODY_DISCARD_MAX) {
			log_msg("worker %u: closed the connection from %s: "
			    "chunked body of %s %s over --max-body-size %lu by "
			    "more than %u bytes", w->no, r->conn->peer,
			    r->method, r->path, w->cfg->max_body_size,
			    BODY_DISCARD_MAX);
			return -1;
		}
		return 0;
	}
	if (r->body_len + len > r->body_cap) {
		cap = r->body_cap != 0 ? r->body_cap : 1024;
		while (cap < r->body_len + len)
			cap *= 2;
		if ((nb = realloc(r->body, cap)) == NULL)
			return -1;
		r->body = nb;
		r->body_cap = cap;
	}
	memcpy(r->body + r->body_len, data, len);
	r->body_len += len;
	return 0;
}

/*
 * Refuse a request on the first call of worker_access: one error-log line
 * naming the client and the reason, an access-log line, and an answer
 * with Connection: close (a body the client may still send is discarded
 * by libmicrohttpd, which then closes).
 */
static enum MHD_Result
worker_reject(struct worker *w, struct request *r, unsigned status,
    const char *fmt, ...)
{
	va_list		 ap;
	char		 why[256];

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	pool_unfresh(&w->pool, &r->conn->fresh);
	log_msg("worker %u: rejected request from %s: %u %s: %s", w->no,
	    r->conn->peer, status, MHD_get_reason_phrase_for(status), why);
	return worker_answer_now(w, r, status, why, true);
}

/*
 * The access handler, on libmicrohttpd's thread.  It never answers on the
 * first call of a request (libmicrohttpd would then close the connection)
 * except to refuse it (http_check, a body announced as too large),
 * where closing is right.
 */
static enum MHD_Result
worker_access(void *cls, struct MHD_Connection *mhd, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **req_cls)
{
	struct worker		*w = cls;
	struct request		*r = *req_cls;
	const char		*cl;
	unsigned long long	 len;
	enum MHD_Result		 ret;
	struct http_head	 h;
	unsigned		 status;
	char			 why[256];

	if (r == NULL)
		return MHD_NO;		/* no connection state: close */
	switch (r->state) {
	case REQ_NEW:
		r->state = REQ_BODY;
		r->counted = true;
		w->unfinished++;
		r->mhd = mhd;
		r->method = method;
		r->path = url;
		r->version = version;
		r->parsed_us = worker_now_us();
		r->parsed_ms = r->parsed_us / 1000;
		r->started = time(NULL);
		h.mhd = mhd;
		h.method = method;
		h.target = r->uri;
		h.version = version;
		h.path = r->path;
		h.max_header_size = w->cfg->max_header_size;
		if ((status = http_check(&h, why, sizeof(why))) != 0)
			return worker_reject(w, r, status, "%s", why);
		r->path = h.path;
		cl = MHD_lookup_connection_value(mhd, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl != NULL && config_number(cl, 0, ~0ULL, &len) == 0 &&
		    len > w->cfg->max_body_size)
			return worker_reject(w, r, MHD_HTTP_CONTENT_TOO_LARGE,
			    "request body of %llu bytes, over --max-body-size "
			    "%lu", len, w->cfg->max_body_size);
		return MHD_YES;
	case REQ_BODY:
		if (*upload_data_size > 0) {
			if (worker_body_append(w, r, upload_data,
			    *upload_data_size) == -1)
				return MHD_NO;
			*upload_data_size = 0;
			return MHD_YES;
		}
		if (r->too_large)
			return worker_reject(w, r, MHD_HTTP_CONTENT_TOO_LARGE,
			    "chunked request body of %zu bytes, over "
			    "--max-body-size %lu", r->body_len,
			    w->cfg->max_body_size);
		r->state = REQ_QUEUED;
		MHD_suspend_connection(mhd);
		if (pool_submit(&w->pool, &r->item, &r->conn->fresh) ==
		    POOL_QUEUED)
			return MHD_YES;
		/* Refused: --queue is full.  Answer 503 once resumed. */
		atomic_fetch_add(&w->sw->rejected, 1);
		log_msg("worker %u: queue full (%u threads busy, %u waiting): "
		    "503 for %s %s from %s", w->no, w->pool.threads,
		    w->pool.queue_max, method, url, r->conn->peer);
		r->drop = false;
		r->response = NULL;
		r->status = MHD_HTTP_SERVICE_UNAVAILABLE;
		r->state = REQ_REPLY;
		MHD_resume_connection(mhd);
		return MHD_YES;
	case REQ_QUEUED:
		return MHD_YES;		/* not reached: suspended */
	case REQ_REPLY:
		if (r->drop)
			return MHD_NO;
		if (r->response == NULL)
			return worker_answer_now(w, r, r->status,
			    "server busy, retry later", false);
		ret = MHD_queue_response(mhd, r->status, r->response);
		MHD_destroy_response(r->response);
		r->response = NULL;
		return ret;
	}
	return MHD_NO;
}

/* MHD_OPTION_URI_LOG_CALLBACK: a new request begins; its *req_cls. */
static void *
worker_uri(void *cls, const char *uri, struct MHD_Connection *mhd)
{
	struct worker			*w = cls;
	const union MHD_ConnectionInfo	*ci;
	struct conn			*c;
	struct request			*r;
	size_t				 len = strlen(uri) + 1;
	char				*nu;

	ci = MHD_get_connection_info(mhd, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	if (ci == NULL || (c = ci->socket_context) == NULL)
		return NULL;
	r = &c->req;
	if (len > r->uri_cap) {
		if ((nu = realloc(r->uri, len)) == NULL)
			return NULL;
		r->uri = nu;
		r->uri_cap = len;
	}
	memcpy(r->uri, uri, len);
	r->nth++;
	r->state = REQ_NEW;
	r->body_len = 0;
	r->too_large = false;
	r->drop = false;
	r->response = NULL;
	if (w->cfg->keepalive_timeout != w->cfg->read_timeout)
		MHD_set_connection_option(mhd, MHD_CONNECTION_OPTION_TIMEOUT,
		    w->cfg->read_timeout);
	return r;
}

/* MHD_OPTION_NOTIFY_COMPLETED: the connection may now idle. */
static void
worker_completed(void *cls, struct MHD_Connection *mhd, void **req_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct worker	*w = cls;
	struct request	*r = *req_cls;

	if (r != NULL && toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
		r->conn->served++;
	if (r != NULL && r->counted) {
		r->counted = false;
		w->unfinished--;
	}
	if (r != NULL && r->response != NULL) {
		MHD_destroy_response(r->response);
		r->response = NULL;
	}
	if (w->cfg->keepalive_timeout != 0 &&
	    w->cfg->keepalive_timeout != w->cfg->read_timeout)
		MHD_set_connection_option(mhd, MHD_CONNECTION_OPTION_TIMEOUT,
		    w->cfg->keepalive_timeout);
}

/* MHD_OPTION_NOTIFY_CONNECTION: a connection starts or closes. */
static void
worker_notify(void *cls, struct MHD_Connection *mhd, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	struct worker			*w = cls;
	const union MHD_ConnectionInfo	*ci;
	struct conn			*c = *socket_context;
	const struct sockaddr		*sa;

	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (c == NULL)
			return;
		if (c->prev != NULL)
			c->prev->next = c->next;
		else
			w->conns = c->next;
		if (c->next != NULL)
			c->next->prev = c->prev;
		pool_conn_close(&w->pool, &c->fresh);
		free(c->req.uri);
		free(c->req.body);
		free(c);
		*socket_context = NULL;
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_msg("worker %u: out of memory for a connection", w->no);
		pool_unaccepted(&w->pool);
		return;
	}
	c->w = w;
	c->req.conn = c;
	c->fd = -1;
	if ((ci = MHD_get_connection_info(mhd,
	    MHD_CONNECTION_INFO_CONNECTION_FD)) != NULL)
		c->fd = ci->connect_fd;
	strcpy(c->peer, "-");
	if ((ci = MHD_get_connection_info(mhd,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS)) != NULL &&
	    (sa = ci->client_addr) != NULL) {
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->
			    sin_addr, c->peer, sizeof(c->peer));
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->
			    sin6_addr, c->peer, sizeof(c->peer));
		else if (sa->sa_family == AF_UNIX)
			strcpy(c->peer, "unix:");	/* as nginx logs it */
	}
	c->mhd = mhd;
	if ((c->next = w->conns) != NULL)
		c->next->prev = c;
	w->conns = c;
	*socket_context = c;
	pool_conn_start(&w->pool, &c->fresh);
}

/*
 * libmicrohttpd's own messages, on its thread.  The answers it makes by
 * itself (a request line or header block that does not parse or does not
 * fit its memory pool, a bad Content-Length or chunk) become one line,
 * "worker N: rejected request: 400 Bad Request: <its reason>"; the lines
 * it writes just before one are left out.  libmicrohttpd 0.9.75 gives its
 * logger no connection, so that line cannot name the client.
 */
static void
worker_mhd_log(void *cls, const char *fmt, va_list ap)
{
	static const char	 rejected[] = "Error processing request (HTTP "
				    "response code is %u";
	static const char *const before[] = {
		"Application reported internal error",	/* we log those */
		"Not enough memory in pool to",
		"Failed to parse `Content-Length'",
		"Too large value of 'Content-Length'",
		"Received HTTP/1.1 request without",
	};
	struct worker	*w = cls;
	char		 buf[1024], *s, *d, *e;
	const char	*msg;
	unsigned	 status;
	size_t		 n, i;
	va_list		 aq;

	if (strncmp(fmt, rejected, sizeof(rejected) - 1) == 0) {
		va_copy(aq, ap);
		status = va_arg(aq, unsigned);
		msg = va_arg(aq, const char *);
		va_end(aq);
		/* its answer's text, without the markup */
		snprintf(buf, sizeof(buf), "%s", msg != NULL ? msg : "");
		if ((s = strstr(buf, "<body>")) != NULL)
			s += 6;
		else
			s = buf;
		if ((e = strstr(s, "</body>")) != NULL)
			*e = '\0';
		for (d = buf; *s != '\0'; s++) {
			if (*s == '<' && (e = strchr(s, '>')) != NULL)
				s = e;
			else if (strncmp(s, "&quot;", 6) == 0) {
				*d++ = '"';
				s += 5;
			} else
				*d++ = *s;
		}
		*d = '\0';
		log_msg("worker %u: rejected request: %u %s%s%s", w->no, status,
		    MHD_get_reason_phrase_for(status), buf[0] != '\0' ?
		    ": " : "", buf);
		return;
	}
	vsnprintf(buf, sizeof(buf), fmt, ap);
	for (i = 0; i < sizeof(before) / sizeof(before[0]); i++)
		if (strncmp(buf, before[i], strlen(before[i])) == 0)
			return;
	/* TCP options on a unix: socket's connection: nothing is wrong. */
	if ((strncmp(buf, "Setting TCP_", 12) == 0 &&
	    strstr(buf, strerror(EOPNOTSUPP)) != NULL) ||
	    strncmp(buf, "Failed to push the data from buffers", 36) == 0)
		return;
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	log_msg("worker %u: libmicrohttpd: %s", w->no, buf);
}

static int
worker_start_mhd(struct worker *w)
{
	unsigned	 flags;

	/* No thread of libmicrohttpd's own: the worker's loop drives it. */
	flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
	    MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ERROR_LOG;
	w->mhd = MHD_start_daemon(flags, 0, NULL, NULL, worker_access, w,
	    MHD_OPTION_EXTERNAL_LOGGER, worker_mhd_log, w,
	    MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)(w->cfg->max_connections + w->cfg->threads + 16),
	    MHD_OPTION_CONNECTION_TIMEOUT, w->cfg->read_timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)w->cfg->max_header_size + HEADER_SLACK,
	    MHD_OPTION_NOTIFY_CONNECTION, worker_notify, w,
	    MHD_OPTION_NOTIFY_COMPLETED, worker_completed, w,
	    MHD_OPTION_URI_LOG_CALLBACK, worker_uri, w,
	    MHD_OPTION_END);
	return w->mhd != NULL ? 0 : -1;
}

/* accept() failed for want of descriptors or memory: say so once a second. */
static void
worker_accept_error(struct worker *w, int error)
{
	static uint64_t	 last;
	uint64_t	 now = pool_now_ms();

	if (now - last >= 1000) {
		log_msg("worker %u: accept: %s; backing off", w->no,
		    strerror(error));
		last = now;
	}
	w->accept_pause_until = now + 100;
}

/*
 * Accept while the gate is open, up to a burst, handing each socket to
 * libmicrohttpd, which (on this same thread) starts its grace period.
 * The gate is checked right before each accept(): only a keep-alive
 * request parsed during that one system call can make it one too many.
 */
static void
worker_accept(struct worker *w, int lfd)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	int			 fd, n, timeout;

	for (n = 0; n < 64 && pool_gate(&w->pool, &timeout); n++) {
		len = sizeof(ss);
		fd = accept4(lfd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			switch (errno) {
			case EAGAIN:
				return;
			case EINTR:
			case ECONNABORTED:
			case EPROTO:
				continue;
			case EMFILE:
			case ENFILE:
			case ENOBUFS:
			case ENOMEM:
				worker_accept_error(w, errno);
				return;
			default:
				log_msg("worker %u: accept: %s", w->no,
				    strerror(errno));
				return;
			}
		}
		pool_accepted(&w->pool);
		if (MHD_add_connection(w->mhd, fd, (struct sockaddr *)&ss,
		    len) != MHD_YES) {
			/* libmicrohttpd closed the socket */
			log_msg("worker %u: cannot take a connection: %s",
			    w->no, strerror(errno));
			pool_unaccepted(&w->pool);
		}
	}
}

static bool
worker_is_listen(const struct worker *w, int fd)
{
	unsigned	 i;

	for (i = 0; i < w->nlisten; i++)
		if (w->listen_fds[i] == fd)
			return true;
	return false;
}

/*
 * Stop taking connections and drain: the requests already accepted run to
 * their end (answered with Connection: close), then the worker exits; or
 * it exits when --shutdown-timeout runs out.  The listen socket stays open
 * in the master and the other workers, so no client is refused.
 */
static void
worker_retire(struct worker *w, int ep, bool listening, const char *why)
{
	struct pool_counts	 c;
	struct conn		*conn;
	unsigned		 i;
	int			 unread;

	if (atomic_load(&w->retiring))
		return;
	atomic_store(&w->retiring, true);
	w->retire_deadline = pool_now_ms() + w->cfg->shutdown_timeout * 1000ULL;
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
	log_msg("worker %u: %s: retiring, %u requests running, %u waiting, "
	    "%u connections", w->no, why, c.running, c.waiting, c.conns);
	/*
	 * Idle keep-alive connections (a request served, nothing of the
	 * next one received) are shut down now: libmicrohttpd sees the end
	 * of stream and closes them on this round.  The others without a
	 * request yet (new ones, a request arriving) get a second to send
	 * it, and are answered with Connection: close.
	 */
	for (conn = w->conns; conn != NULL; conn = conn->next) {
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
 * --harakiri: has a request run too long?  Log it; the worker then
 * retires, giving its other requests --shutdown-timeout to finish, and the
 * stuck request's client sees its connection closed when the worker exits.
 */
static bool
worker_harakiri(struct worker *w, uint64_t now)
{
	struct stats_thread	*t;
	uint64_t		 started;
	unsigned		 c;

	for (c = 0; c < w->cfg->threads; c++) {
		started = atomic_load(&w->busy_since[c]);
		if (started == 0 || now <= started || now - started <
		    w->cfg->harakiri * 1000ULL)
			continue;
		t = stats_thread(w->stats, w->no, c);
		log_msg("worker %u: harakiri: %s %.100s has run %llu ms on "
		    "thread %s (--harakiri %u)", w->no, t->method, t->uri,
		    (unsigned long long)(now - started), w->names[c],
		    w->cfg->harakiri);
		return true;
	}
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
	if (w->unfinished == 0 && c.fresh == 0)
		return 0;	/* every begun request answered and sent */
	if (now >= w->retire_deadline) {
		log_msg("worker %u: --shutdown-timeout reached with %u requests "
		    "running, %u waiting: exiting", w->no, c.running,
		    c.waiting);
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
 * A connection without a request in progress whose client has closed is
 * shut down now, not at --read-timeout.  libmicrohttpd 0.9.75 can miss an
 * end of stream that arrived together with part of a request (a client
 * that sends half a request and closes while waiting in the backlog), and
 * would keep such a connection, its descriptor and its place in
 * --max-connections for the whole --read-timeout.  The shutdown wakes
 * libmicrohttpd, which closes it.  Every SWEEP_MS the connections still in
 * their grace period (they hold a slot: at most T + Q), every second all.
 */
static void
worker_sweep(struct worker *w, bool all)
{
	struct conn	*c;

	for (c = w->conns; c != NULL; c = c->next)
		if (!c->req.counted && c->fd != -1 &&
		    (all || c->fresh.linked) && worker_client_gone(c->fd))
			(void)shutdown(c->fd, SHUT_RDWR);
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
	const union MHD_DaemonInfo	*di;
	struct epoll_event		 evs[16];
	struct signalfd_siginfo		 si;
	MHD_UNSIGNED_LONG_LONG		 mt;
	uint64_t			 drain, now;
	unsigned			 j;
	int				 ep, n, i, timeout, open;
	bool				 listening = false, all;

	if ((di = MHD_get_daemon_info(w->mhd, MHD_DAEMON_INFO_EPOLL_FD)) ==
	    NULL || (ep = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    worker_epoll_set(ep, EPOLL_CTL_ADD, di->epoll_fd) == -1 ||
	    worker_epoll_set(ep, EPOLL_CTL_ADD, w->sig_fd) == -1 ||
	    worker_epoll_set(ep, EPOLL_CTL_ADD, w->pool.gate_fd) == -1 ||
	    worker_epoll_set(ep, EPOLL_CTL_ADD, w->wake_fd) == -1) {
		log_msg("worker %u: epoll: %s", w->no, strerror(errno));
		return -1;
	}
	for (;;) {
		now = pool_now_ms();
		if (now - w->last_sweep >= SWEEP_MS) {
			all = now - w->last_full_sweep >= 1000;
			w->last_sweep = now;
			if (all)
				w->last_full_sweep = now;
			worker_sweep(w, all);
		}
		if (atomic_load(&w->retire_asked) && !atomic_load(&w->retiring))
			worker_retire(w, ep, listening, "--max-requests reached");
		if (w->cfg->harakiri != 0 && !atomic_load(&w->retiring) &&
		    worker_harakiri(w, now))
			worker_retire(w, ep, listening, "--harakiri");
		if (atomic_load(&w->retiring)) {
			listening = false;
			if ((timeout = worker_drained(w)) == 0)
				return 0;
			if (timeout > 100)
				timeout = 100;	/* re-count soon */
			open = false;
			goto wait;
		}
		open = pool_gate(&w->pool, &timeout) &&
		    now >= w->accept_pause_until;
		if (!open && now < w->accept_pause_until)
			timeout = (int)(w->accept_pause_until - now);
		if (open != listening) {
			for (j = 0; j < w->nlisten; j++)
				if (worker_epoll_set(ep, open ? EPOLL_CTL_ADD :
				    EPOLL_CTL_DEL, w->listen_fds[j]) == -1) {
					log_msg("worker %u: epoll: %s", w->no,
					    strerror(errno));
					return -1;
				}
			listening = open;
		}
		if (w->cfg->harakiri != 0 && (timeout == -1 || timeout > 500))
			timeout = 500;	/* look at the running times */
		if (w->conns != NULL && (timeout == -1 || timeout > SWEEP_MS))
			timeout = SWEEP_MS;
wait:
		if (MHD_get_timeout(w->mhd, &mt) == MHD_YES &&
		    (timeout == -1 || mt < (MHD_UNSIGNED_LONG_LONG)timeout))
			timeout = (int)mt;
		if ((n = epoll_wait(ep, evs, 16, timeout)) == -1) {
			if (errno == EINTR)
				continue;
			log_msg("worker %u: epoll_wait: %s", w->no,
			    strerror(errno));
			return -1;
		}
		for (i = 0; i < n; i++) {
			if (evs[i].data.fd == w->sig_fd) {
				if (read(w->sig_fd, &si, sizeof(si)) !=
				    sizeof(si))
					continue;
				switch (si.ssi_signo) {
				case SIGTERM:
					worker_retire(w, ep, listening,
					    "SIGTERM");
					listening = false;
					break;
				case SIGUSR1:
					if (log_reopen_access() == -1)
						log_msg("worker %u: reopening "
						    "the access log: %s",
						    w->no, strerror(errno));
					break;
				case SIGHUP:
					break;
				default:	/* SIGINT, SIGQUIT: at once */
					return 0;
				}
			} else if (evs[i].data.fd == w->pool.gate_fd) {
				if (read(w->pool.gate_fd, &drain,
				    sizeof(drain)) == -1 && errno != EAGAIN)
					log_msg("worker %u: gate: %s", w->no,
					    strerror(errno));
			} else if (evs[i].data.fd == w->wake_fd) {
				if (read(w->wake_fd, &drain, sizeof(drain)) ==
				    -1 && errno != EAGAIN)
					log_msg("worker %u: wake: %s", w->no,
					    strerror(errno));
			} else if (listening &&
			    worker_is_listen(w, evs[i].data.fd))
				worker_accept(w, evs[i].data.fd);
		}
		MHD_run(w->mhd);
		pool_flush(&w->pool);
	}
}

/*
 * The body of a worker process, called in the child after fork.  Never
 * returns: exits 0 on SIGTERM/SIGINT/SIGQUIT, 1 when it cannot start.
 */
int
worker_main(const struct config *cfg, struct stats *stats,
    const int *listen_fds, unsigned nlisten, unsigned no)
{
	static _Atomic uint64_t	 lab_count;
	struct worker		 w;
	sigset_t		 set;
	unsigned		 i;

	prctl(PR_SET_PDEATHSIG, SIGTERM);
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
	 */
	mallopt(M_ARENA_MAX, 1);
	memset(&w, 0, sizeof(w));
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
	memcpy(w.listen_fds, listen_fds, nlisten * sizeof(*listen_fds));
	w.nlisten = nlisten;
	worker_lab_count = &lab_count;
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
	if ((w.names = calloc(cfg->threads, sizeof(*w.names))) == NULL) {
		log_msg("worker %u: out of memory", no);
		_exit(1);
	}
	if ((w.busy_since = calloc(cfg->threads, sizeof(*w.busy_since))) ==
	    NULL) {
		log_msg("worker %u: out of memory", no);
		_exit(1);
	}
	for (i = 0; i < cfg->threads; i++) {
		snprintf(w.names[i], sizeof(w.names[i]), "w%uc%u", no, i);
		/* a killed predecessor may have left its requests shown */
		stats_end(stats_thread(stats, no, i), 0);
	}
	if (pool_init(&w.pool, cfg->threads, cfg->queue, cfg->max_connections,
	    cfg->request_grace, worker_run, &w) == -1 ||
	    (w.pool.defer_wakes = true, w.pool.pub = &w.sw->pool,
	    pool_start(&w.pool, no)) == -1) {
		log_msg("worker %u: cannot start %u threads: %s", no,
		    cfg->threads, strerror(errno));
		_exit(1);
	}
	if (worker_start_mhd(&w) == -1) {
		log_msg("worker %u: cannot start libmicrohttpd: %s", no,
		    strerror(errno));
		_exit(1);
	}
	log_msg("worker %u (pid %d) ready: %u threads", no, (int)getpid(),
	    cfg->threads);
	if (worker_loop(&w) == -1)
		_exit(1);
	_exit(0);
}
