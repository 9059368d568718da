/*
 * The protocol side of a worker: libmicrohttpd's callbacks for a request,
 * its states, its body, its run on a pool thread and its access-log line.
 * worker.c owns the connections and the event loop; the applications
 * (app.c) build the answer through <poolserve/poolserve.h>.
 *
 * A request's life, all on the event loop's thread but its run:
 *
 *   request_begin     libmicrohttpd read a request line: reset the state
 *   request_access    headers (checked by http_check), then the body,
 *                     then: suspend the connection and submit it to the
 *                     pool; once resumed, queue the response (or, for an
 *                     application that answers on the loop, run it and
 *                     queue its response at once: request_here)
 *   request_run       on a pool thread: route, run the application, build
 *                     the response, log, hand the request back to the
 *   request_resume    event loop, which resumes the connection
 *   request_completed the response is sent (or the connection failed)
 *
 * libmicrohttpd closes a connection whose first call of the access
 * handler queues a response, so a response is only queued once the
 * handler was called once before (REQ_REPLY), except to refuse.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "poolserve.h"

#define REQUEUE_RUN_MS	5	/* request_requeue(): a run that long */
#define REQUEUE_WAIT_MS	20	/* or a wait that long */
#define GONE_CHECK_US	1000	/* request_run(): a wait that long */

/*
 * A chunked body that goes on this far past --max-body-size is cut off
 * (request_body_append).
 */
#define BODY_DISCARD_MAX	(64 * 1024)

#define REQUEST_OF(it)	((struct poolserve_request *)((char *)(it) - \
			    offsetof(struct poolserve_request, item)))

/* Count an answer in the shared statistics. */
static void
request_count_answer(struct worker *w, unsigned status, uint64_t len,
    uint64_t parsed_us)
{
	if (status >= 100 && status < 600)
		atomic_fetch_add_explicit(&w->sw->status_class[status / 100],
		    1, memory_order_relaxed);
	atomic_fetch_add_explicit(&w->sw->sent_bytes, len,
	    memory_order_relaxed);
	stats_observe(&w->sw->duration, pool_now_us() - parsed_us);
}

/*
 * True when the client is gone: an orderly close or a reset is pending on
 * the socket, and no byte it sent waits to be read (tls_read() may have
 * read ahead).  Peeking consumes nothing.  A client that half-closed its
 * sending side after the request is treated as gone too.
 */
bool
request_client_gone(const struct conn *conn)
{
	char	 c;
	ssize_t	 n;

	if (conn->tls.ahead != NULL)
		return false;
	n = recv(conn->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n == 0)
		return true;
	return n == -1 && errno != EAGAIN && errno != EWOULDBLOCK &&
	    errno != EINTR;
}

static enum MHD_Result
request_sum_header(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct header_sum	*s = cls;

	(void)kind;
	s->n++;
	s->bytes += strlen(key) + (value != NULL ? strlen(value) : 0);
	return MHD_YES;
}

/*
 * With several workers, waiting should be global: a keep-alive client's
 * next request waits in the worker that holds its connection, even while
 * another worker has a free thread.  So when others wait, here or in the
 * shared listen backlog, a slow request (it ran REQUEUE_RUN_MS or more,
 * or waited REQUEUE_WAIT_MS) is answered with Connection: close: the
 * client's next request then queues in the backlog behind those, where
 * the first free worker takes it.  A reconnection costs little beside a
 * slow request; fast requests keep their connections, and one worker has
 * no other to hand over to.  Runs on a pool thread.
 */
static bool
request_requeue(struct worker *w, uint64_t waited_us, uint64_t ran_us)
{
	struct pollfd	 pfd[CONFIG_MAX_HTTP];
	unsigned	 i;

	if (w->cfg->processes == 1 || (ran_us < REQUEUE_RUN_MS * 1000 &&
	    waited_us < REQUEUE_WAIT_MS * 1000))
		return false;
	if (atomic_load(&w->sw->pool.waiting) > 0)
		return true;
	for (i = 0; i < w->nlisten; i++) {
		pfd[i].fd = w->listen_fds[i];
		pfd[i].events = POLLIN;
	}
	return w->nlisten > 0 && poll(pfd, w->nlisten, 0) > 0;
}

/* --max-wait: a request shed, counted and logged. */
static void
request_shed_log(struct worker *w, struct poolserve_request *r)
{
	uint64_t	 from;

	from = r->item.deadline_us - w->cfg->max_wait * 1000ULL;
	atomic_fetch_add(&w->sw->shed, 1);
	log_msg("worker %u: shed %s %s from %s: waited %llu ms, over "
	    "--max-wait %u: 503", w->no, r->method, r->path, r->conn->peer,
	    (unsigned long long)((pool_now_us() - from) / 1000),
	    w->cfg->max_wait);
}

static void
request_log_access(struct poolserve_request *r, const char *thread,
    uint64_t body_bytes, const struct header_sum *resp_hdrs, uint64_t wreq,
    uint64_t total, unsigned long queued_ms)
{
	struct access_entry	 e;
	struct header_sum	 vars = { 0, 0 };

	if (!log_access_enabled())
		return;
	if (!view_vars(r, &vars))
		MHD_get_connection_values(r->mhd, MHD_HEADER_KIND,
		    request_sum_header, &vars);
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
	e.tls = r->conn->tls.session != NULL ? r->conn->tls.version : NULL;
	log_access(&e);
}

/* The body's length as it will be sent. */
static uint64_t
request_body_bytes(const struct reply *rep)
{
	switch (rep->kind) {
	case BODY_FD:
		return rep->fd_len;
	case BODY_STREAM:
		return rep->streamed;
	default:
		return rep->len;
	}
}

/* Free the answer, and let go of its stream (the request's reference). */
static void
request_reply_reset(struct poolserve_request *r)
{
	if (r->reply.stream != NULL)
		stream_unref(r->reply.stream);
	reply_reset(&r->reply);
}

/*
 * Run the application on pool thread <core>.  The application answered
 * when handle returns, or, for a stream, it has been writing: the response
 * was queued at its first write and the stream is ended here.
 */
static void
request_handle(struct worker *w, struct poolserve_request *r)
{
	const struct app	*a = r->app;

	if (a == NULL) {
		(void)poolserve_respondf(r, 404, "no application is mounted "
		    "at %s\n", r->path);
		return;
	}
	if (a->kind->handle((struct app *)a, r) == 0)
		return;
	if (r->reply.stream != NULL) {
		r->reply.failed = true;	/* stream_end() closes it */
		return;
	}
	log_msg("worker %u: %s application at %s failed on %s %s (thread %s)",
	    w->no, a->kind->name, a->prefix[0] != '\0' ? a->prefix : "/",
	    r->method, r->path, w->names[r->core]);
	request_reply_reset(r);
	(void)poolserve_respondf(r, 500, "internal server error\n");
}

/* Number a request that runs now; --max-requests. */
static void
request_number(struct worker *w, uint64_t *wreq, uint64_t *total)
{
	*wreq = atomic_fetch_add(&w->sw->requests, 1) + 1;
	if (w->max_requests != 0 &&
	    atomic_fetch_add(&w->served, 1) + 1 == w->max_requests) {
		atomic_store(&w->retire_asked, true);
		worker_wake(w);
	}
	*total = atomic_fetch_add(&w->stats->requests, 1) + 1;
}

/*
 * The application answered (no stream): count the answer, make the
 * response and log it.  False: out of memory, drop the connection.
 */
static bool
request_respond(struct worker *w, struct poolserve_request *r, uint64_t wreq,
    uint64_t total, unsigned long queued_ms)
{
	struct header_sum	 hdrs;
	uint64_t		 bytes = request_body_bytes(&r->reply);

	r->status = r->reply.status;
	request_count_answer(w, r->reply.status, bytes, r->parsed_us);
	if ((r->response = reply_response(w, &r->reply, &hdrs)) == NULL) {
		log_msg("worker %u: out of memory answering %s %s", w->no,
		    r->method, r->path);
		return false;
	}
	request_log_access(r, w->names[r->core], bytes, &hdrs, wreq, total,
	    w->cfg->queue_warn > 0 &&
	    queued_ms >= w->cfg->queue_warn ? queued_ms : 0);
	return true;
}

/*
 * pool_run_fn: runs on pool thread <core> for each request it takes.  The
 * request's connection is suspended, so nothing else touches it until the
 * event loop resumes it (request_resume) or its stream ends.  True: the
 * answer is ready, hand the request back to the loop; false: a stream,
 * which resumes its connection itself.
 */
bool
request_run(struct pool_item *it, unsigned core, void *arg)
{
	struct worker			*w = arg;
	struct poolserve_request	*r = REQUEST_OF(it);
	struct stats_thread		*st;
	struct conn			*orphan;
	uint64_t			 wreq, total, taken_us, bytes;
	unsigned long			 queued_ms;

	/*
	 * A first request may have waited in the listen backlog, any other
	 * in the FIFO: look whether its client is still there.  A keep-alive
	 * request taken within GONE_CHECK_US was not abandoned (a client
	 * does not give up that fast, and would not mind): skip the syscall.
	 */
	if ((r->nth == 1 || pool_now_us() - r->parsed_us >= GONE_CHECK_US) &&
	    request_client_gone(r->conn)) {
		atomic_fetch_add(&w->sw->skipped, 1);
		log_msg("worker %u: skipped %s %s from %s: the client left "
		    "after waiting %llu ms (thread %s)", w->no, r->method,
		    r->path, r->conn->peer,
		    (unsigned long long)(pool_now_ms() - r->parsed_ms),
		    w->names[core]);
		r->drop = true;
		goto resume;
	}

	st = &w->threads[core];
	taken_us = pool_now_us();
	queued_ms = (unsigned long)((taken_us - r->parsed_us) / 1000);
	stats_observe(&w->sw->wait, taken_us - r->parsed_us);
	stats_begin(st, r->method, r->uri);
	atomic_store(&w->busy_since[core], taken_us / 1000);
	atomic_fetch_add(&st->requests, 1);
	request_number(w, &wreq, &total);
	r->core = core;
	r->thread_data = r->app != NULL ? w->thread_data[core * app_count() +
	    r->app->index] : NULL;
	atomic_store(&w->running_fd[core], r->conn->fd);	/* --harakiri */
	request_handle(w, r);
	atomic_store(&w->running_fd[core], -1);
	stats_end(st, r->reply.status);
	atomic_store(&w->busy_since[core], 0);
	if (r->reply.stream == NULL) {
		r->reply.requeue = request_requeue(w, taken_us - r->parsed_us,
		    pool_now_us() - taken_us);
		r->drop = !request_respond(w, r, wreq, total, queued_ms);
		goto resume;
	}
	bytes = request_body_bytes(&r->reply);	/* before the body goes */
	request_count_answer(w, r->reply.status, bytes, r->parsed_us);
	request_log_access(r, w->names[core], bytes, &r->reply.sum, wreq,
	    total, w->cfg->queue_warn > 0 &&
	    queued_ms >= w->cfg->queue_warn ? queued_ms : 0);
	/* r is not ours after this, unless its connection closed */
	if ((orphan = stream_end(r, r->reply.failed)) != NULL) {
		request_free(&orphan->req);
		free(orphan);
	}
	return false;
resume:
	r->state = REQ_REPLY;
	return true;
}

/*
 * On the event loop: a request that waited in the FIFO past its --max-wait
 * deadline (pool_expire) is answered 503 without a thread.
 */
void
request_expire(struct pool_item *it)
{
	struct poolserve_request	*r = REQUEST_OF(it);
	struct worker			*w = r->conn->w;

	request_shed_log(w, r);
	r->response = NULL;
	r->status = MHD_HTTP_SERVICE_UNAVAILABLE;
	r->state = REQ_REPLY;
	MHD_resume_connection(r->mhd);
}

/* On the event loop: a request handed back by its thread gets its answer. */
void
request_resume(struct pool_item *it)
{
	MHD_resume_connection(REQUEST_OF(it)->mhd);
}

/*
 * A response made on libmicrohttpd's thread (a refusal, 503): log it too.
 * close ends the connection with it.
 */
static enum MHD_Result
request_answer_now(struct worker *w, struct poolserve_request *r,
    unsigned status, const char *text, bool close)
{
	struct header_sum	 hdrs;
	struct MHD_Response	*resp;
	enum MHD_Result		 ret;

	request_reply_reset(r);
	(void)poolserve_respondf(r, status, "%s\n", text);
	r->reply.close = close;
	r->status = status;
	if ((resp = reply_response(w, &r->reply, &hdrs)) == NULL)
		return MHD_NO;
	request_count_answer(w, status, r->reply.len, r->parsed_us);
	request_log_access(r, "-", r->reply.len, &hdrs,
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
static int
request_body_append(struct worker *w, struct poolserve_request *r,
    const char *data, size_t len)
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
 * Refuse a request on the first call of request_access: one error-log line
 * naming the client and the reason, an access-log line, and an answer
 * with Connection: close (a body the client may still send is discarded
 * by libmicrohttpd, which then closes).
 */
static enum MHD_Result
request_reject(struct worker *w, struct poolserve_request *r, unsigned status,
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
	return request_answer_now(w, r, status, why, true);
}

/* The head is complete: check it, route it, refuse a body announced too large. */
static enum MHD_Result
request_head(struct worker *w, struct poolserve_request *r,
    struct MHD_Connection *mhd, const char *url, const char *method,
    const char *version)
{
	const union MHD_ConnectionInfo	*ci;
	const char		*cl;
	unsigned long long	 len;
	struct http_head	 h;
	unsigned		 status;
	char			 why[256];

	r->state = REQ_BODY;
	r->counted = true;
	w->unfinished++;
	r->mhd = mhd;
	r->method = method;
	r->path = url;
	r->version = version;
	r->parsed_us = pool_now_us();
	r->parsed_ms = r->parsed_us / 1000;
	r->started = time(NULL);
	h.mhd = mhd;
	h.method = method;
	h.target = r->uri;
	h.version = version;
	h.path = r->path;
	h.max_header_size = w->cfg->max_header_size;
	if ((status = http_check(&h, why, sizeof(why))) != 0)
		return request_reject(w, r, status, "%s", why);
	r->path = h.path;
	r->app = app_route(r->path, &r->app_path);
	r->item.deadline_us = 0;
	if (w->cfg->max_wait != 0) {
		/* a first request waited since its client's bytes came */
		r->item.deadline_us = (r->nth == 1 && r->conn->arrived_us != 0 ?
		    r->conn->arrived_us : r->parsed_us) +
		    w->cfg->max_wait * 1000ULL;
		if (r->parsed_us >= r->item.deadline_us) {
			pool_unfresh(&w->pool, &r->conn->fresh);
			request_shed_log(w, r);
			return request_answer_now(w, r,
			    MHD_HTTP_SERVICE_UNAVAILABLE,
			    "server busy, retry later", true);
		}
	}
	cl = MHD_lookup_connection_value(mhd, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl == NULL || config_number(cl, 0, ~0ULL, &len) != 0)
		len = 0;
	/* what the connection received of it: park.c */
	if ((ci = MHD_get_connection_info(mhd,
	    MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE)) != NULL)
		r->conn->consumed += ci->header_size + len;
	if (len > w->cfg->max_body_size)
		return request_reject(w, r, MHD_HTTP_CONTENT_TOO_LARGE,
		    "request body of %llu bytes, over --max-body-size %lu",
		    len, w->cfg->max_body_size);
	return MHD_YES;
}

/*
 * The whole request is in, for an application that answers on the event
 * loop (static files): run it now, as the thread named "-", and queue its
 * response at once (this is not the request's first call of
 * request_access, so the connection is kept).
 */
static enum MHD_Result
request_here(struct worker *w, struct poolserve_request *r,
    struct MHD_Connection *mhd)
{
	uint64_t	 wreq, total;
	enum MHD_Result	 ret;

	pool_unfresh(&w->pool, &r->conn->fresh);
	request_number(w, &wreq, &total);
	r->core = w->pool.threads;
	r->thread_data = NULL;
	request_handle(w, r);
	r->state = REQ_REPLY;
	if (!request_respond(w, r, wreq, total, 0))
		return MHD_NO;
	ret = MHD_queue_response(mhd, r->status, r->response);
	MHD_destroy_response(r->response);
	r->response = NULL;
	return ret;
}

/* The whole request is in: hand it to the pool, or refuse it (--queue). */
static enum MHD_Result
request_submit(struct worker *w, struct poolserve_request *r,
    struct MHD_Connection *mhd)
{
	if (r->app != NULL && r->app->kind->on_loop)
		return request_here(w, r, mhd);
	r->state = REQ_QUEUED;
	MHD_suspend_connection(mhd);
	if (pool_submit(&w->pool, &r->item, &r->conn->fresh) == POOL_QUEUED)
		return MHD_YES;
	/* Refused: --queue is full.  Answer 503 once resumed. */
	atomic_fetch_add(&w->sw->rejected, 1);
	log_msg("worker %u: queue full (%u threads busy, %u waiting): "
	    "503 for %s %s from %s", w->no, w->pool.threads,
	    w->pool.queue_max, r->method, r->path, r->conn->peer);
	r->drop = false;
	r->response = NULL;
	r->status = MHD_HTTP_SERVICE_UNAVAILABLE;
	r->state = REQ_REPLY;
	MHD_resume_connection(mhd);
	return MHD_YES;
}

/*
 * The access handler, on libmicrohttpd's thread.  It never answers on the
 * first call of a request (libmicrohttpd would then close the connection)
 * except to refuse it (http_check, a body announced as too large),
 * where closing is right.
 */
enum MHD_Result
request_access(void *cls, struct MHD_Connection *mhd, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **req_cls)
{
	struct worker			*w = cls;
	struct poolserve_request	*r = *req_cls;
	enum MHD_Result			 ret;

	if (r == NULL)
		return MHD_NO;		/* no connection state: close */
	switch (r->state) {
	case REQ_NEW:
		return request_head(w, r, mhd, url, method, version);
	case REQ_BODY:
		if (*upload_data_size > 0) {
			if (request_body_append(w, r, upload_data,
			    *upload_data_size) == -1)
				return MHD_NO;
			*upload_data_size = 0;
			return MHD_YES;
		}
		if (r->too_large)
			return request_reject(w, r, MHD_HTTP_CONTENT_TOO_LARGE,
			    "chunked request body of %zu bytes, over "
			    "--max-body-size %lu", r->body_len,
			    w->cfg->max_body_size);
		return request_submit(w, r, mhd);
	case REQ_QUEUED:
		return MHD_YES;		/* not reached: suspended */
	case REQ_REPLY:
		if (r->drop)
			return MHD_NO;
		if (r->response == NULL)
			return request_answer_now(w, r, r->status,
			    "server busy, retry later", false);
		ret = MHD_queue_response(mhd, r->status, r->response);
		MHD_destroy_response(r->response);
		r->response = NULL;
		return ret;
	}
	return MHD_NO;
}

/* MHD_OPTION_URI_LOG_CALLBACK: a new request begins; its *req_cls. */
void *
request_begin(void *cls, const char *uri, struct MHD_Connection *mhd)
{
	struct worker			*w = cls;
	const union MHD_ConnectionInfo	*ci;
	struct conn			*c;
	struct poolserve_request	*r;
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
	r->app = NULL;
	r->app_path = NULL;
	request_reply_reset(r);
	c->idle_since = 0;
	if (w->cfg->keepalive_timeout != w->cfg->read_timeout || c->parking)
		MHD_set_connection_option(mhd, MHD_CONNECTION_OPTION_TIMEOUT,
		    w->cfg->read_timeout);
	if (c->parking) {	/* its request came first: park.c */
		c->parking = false;
		close(c->park_fd);
	}
	return r;
}

/* MHD_OPTION_NOTIFY_COMPLETED: the connection may now idle. */
void
request_completed(void *cls, struct MHD_Connection *mhd, void **req_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct worker			*w = cls;
	struct poolserve_request	*r = *req_cls;

	if (r != NULL && toe == MHD_REQUEST_TERMINATED_COMPLETED_OK) {
		r->conn->served++;
		r->conn->idle_since = pool_now_ms();
	}
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

/* True while the connection is read from: no request yet, or a part. */
bool
request_reading(const struct poolserve_request *r)
{
	return !r->counted || r->state == REQ_NEW || r->state == REQ_BODY;
}

/* A new connection's request: nothing yet. */
void
request_init(struct poolserve_request *r, struct conn *c)
{
	r->conn = c;
	request_reply_reset(r);
}

/* The connection closes: what its request still holds. */
void
request_free(struct poolserve_request *r)
{
	request_reply_reset(r);
	free(r->uri);
	free(r->body);
}

/*
 * The connection closed (event loop).  True when its request is freed and
 * the connection may be; false while a handler still writes a stream on
 * it: request_run frees both when the handler returns.
 */
bool
request_release(struct poolserve_request *r)
{
	if (stream_orphan(r->conn))
		return false;
	request_free(r);
	return true;
}


/*
 * libmicrohttpd's own messages, on its thread.  The answers it makes by
 * itself (a request line or header block that does not parse or does not
 * fit its memory pool, a bad Content-Length or chunk) become one line,
 * "worker N: rejected request: 400 Bad Request: <its reason>"; the lines
 * it writes just before one are left out.  libmicrohttpd 0.9.75 gives its
 * logger no connection, so that line cannot name the client.
 */
void
request_mhd_log(void *cls, const char *fmt, va_list ap)
{
	static const char	 rejected[] = "Error processing request (HTTP "
				    "response code is %u";
	static const char *const before[] = {
		"Application reported internal error",	/* we log those */
		"Not enough memory in pool to",
		"Failed to parse `Content-Length'",
		"Too large value of 'Content-Length'",
		"Received HTTP/1.1 request without",
		"Error: received handshake message out", /* tls.c says why */
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
