/*
 * What an application sees of its request and how it answers: the
 * functions of <poolserve/poolserve.h>, called on a pool thread while the
 * request's connection is suspended, and the libmicrohttpd response made
 * of the answer (reply_response), or the stream it writes.
 *
 * A stream is a ring of STREAM_BUF bytes between the handler's thread,
 * which writes into it and sleeps while it is full, and the event loop,
 * whose libmicrohttpd reads it and suspends the connection while it is
 * empty.  So a response of any length holds STREAM_BUF bytes at most, and
 * a handler cannot run ahead of a slow client.
 *
 * The handler's thread may still hold the request when the client goes:
 * the stream is then left by libmicrohttpd (released: the next write
 * fails with EPIPE), and the connection, closed, is freed by the handler's
 * thread when it ends (orphan).  A stream is freed when both sides are
 * done with it (refs).  A stream of a known length keeps its last byte
 * back until the handler returned, so that libmicrohttpd cannot finish
 * the response, and start the connection's next request in the same
 * struct, while the handler still uses it.
 */
#include "config.h"

#include <arpa/inet.h>

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <microhttpd.h>

#include "poolserve.h"

#define STREAM_BUF	(64 * 1024)	/* the ring */
#define STREAM_BLOCK	(16 * 1024)	/* what libmicrohttpd asks at most */

struct stream {
	pthread_mutex_t		 lock;
	pthread_cond_t		 room;		/* the ring has room */
	struct worker		*w;
	struct MHD_Connection	*mhd;
	size_t			 head, len;	/* the ring's data */
	uint64_t		 length;	/* UINT64_MAX: chunked */
	bool			 suspended;	/* waiting for data */
	bool			 ended;		/* the handler returned */
	bool			 failed;
	bool			 released;	/* libmicrohttpd is done */
	unsigned		 refs;		/* response, request */
	struct conn		*orphan;	/* closed while it ran */
	char			 buf[STREAM_BUF];
};

/*
 * A streaming request, copied: once its connection is resumed,
 * libmicrohttpd frees the request's strings (its memory pool) when the
 * client goes, while the handler may still ask for them.
 */
struct view_pair {
	const char	*name;
	const char	*value;		/* NULL: an argument without "=" */
};

struct view {
	struct view_pair	*headers, *args;
	unsigned		 nheaders, nargs;
	struct header_sum	 vars;		/* for the access log */
};

struct view_build {
	struct view		*v;
	char			*p;		/* the strings' room */
	size_t			 bytes;
};

static void	 stream_unref(struct stream *);

/* --- The request view ----------------------------------------------- */

const char *
poolserve_method(const struct poolserve_request *r)
{
	return r->method;
}

const char *
poolserve_path(const struct poolserve_request *r)
{
	return r->app_path != NULL ? r->app_path : r->path;
}

const char *
poolserve_script_name(const struct poolserve_request *r)
{
	return r->app != NULL ? r->app->prefix : "";
}

const char *
poolserve_target(const struct poolserve_request *r)
{
	return r->uri;
}

const char *
poolserve_query(const struct poolserve_request *r)
{
	const char	*q = strchr(r->uri, '?');

	return q != NULL ? q + 1 : "";
}

const char *
poolserve_version(const struct poolserve_request *r)
{
	return r->version;
}

/* A copied header or argument, by name (case-insensitive, as MHD does). */
static const char *
view_lookup(const struct view_pair *pairs, unsigned n, const char *name)
{
	unsigned	 i;

	for (i = 0; i < n; i++)
		if (strcasecmp(pairs[i].name, name) == 0)
			return pairs[i].value;
	return NULL;
}

const char *
poolserve_arg(const struct poolserve_request *r, const char *name)
{
	const struct view	*v = r->reply.view;

	if (v != NULL)
		return view_lookup(v->args, v->nargs, name);
	return MHD_lookup_connection_value(r->mhd, MHD_GET_ARGUMENT_KIND,
	    name);
}

const char *
poolserve_header(const struct poolserve_request *r, const char *name)
{
	const struct view	*v = r->reply.view;

	if (v != NULL)
		return view_lookup(v->headers, v->nheaders, name);
	return MHD_lookup_connection_value(r->mhd, MHD_HEADER_KIND, name);
}

struct reply_each {
	poolserve_each_fn	*fn;
	void			*ctx;
	unsigned		 n;
};

static enum MHD_Result
reply_each_value(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct reply_each	*e = cls;

	(void)kind;
	e->n++;
	return e->fn(e->ctx, key, value) == 0 ? MHD_YES : MHD_NO;
}

static unsigned
view_each(const struct view_pair *pairs, unsigned n, poolserve_each_fn *fn,
    void *ctx)
{
	unsigned	 i;

	for (i = 0; i < n; i++)
		if (fn(ctx, pairs[i].name, pairs[i].value) != 0)
			return i + 1;
	return n;
}

unsigned
poolserve_each_arg(const struct poolserve_request *r, poolserve_each_fn *fn,
    void *ctx)
{
	const struct view	*v = r->reply.view;
	struct reply_each	 e = { fn, ctx, 0 };

	if (v != NULL)
		return view_each(v->args, v->nargs, fn, ctx);
	(void)MHD_get_connection_values(r->mhd, MHD_GET_ARGUMENT_KIND,
	    reply_each_value, &e);
	return e.n;
}

unsigned
poolserve_each_header(const struct poolserve_request *r,
    poolserve_each_fn *fn, void *ctx)
{
	const struct view	*v = r->reply.view;
	struct reply_each	 e = { fn, ctx, 0 };

	if (v != NULL)
		return view_each(v->headers, v->nheaders, fn, ctx);
	(void)MHD_get_connection_values(r->mhd, MHD_HEADER_KIND,
	    reply_each_value, &e);
	return e.n;
}

/* The request's header count and size, for the access log; false: ask MHD. */
bool
reply_view_vars(const struct poolserve_request *r, struct header_sum *vars)
{
	if (r->reply.view == NULL)
		return false;
	*vars = r->reply.view->vars;
	return true;
}

static enum MHD_Result
view_size(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct view_build	*b = cls;

	if (kind == MHD_HEADER_KIND) {
		b->v->nheaders++;
		b->v->vars.n++;
		b->v->vars.bytes += strlen(key) + (value != NULL ?
		    strlen(value) : 0);
	} else
		b->v->nargs++;
	b->bytes += strlen(key) + 1 + (value != NULL ? strlen(value) + 1 : 0);
	return MHD_YES;
}

static const char *
view_copy(struct view_build *b, const char *s)
{
	char	*d = b->p;
	size_t	 n = strlen(s) + 1;

	memcpy(d, s, n);
	b->p += n;
	return d;
}

static enum MHD_Result
view_fill(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct view_build	*b = cls;
	struct view_pair	*pair;

	pair = kind == MHD_HEADER_KIND ? &b->v->headers[b->v->nheaders++] :
	    &b->v->args[b->v->nargs++];
	pair->name = view_copy(b, key);
	pair->value = value != NULL ? view_copy(b, value) : NULL;
	return MHD_YES;
}

/*
 * Copy what the request view reads from libmicrohttpd (its method, path,
 * version, headers and arguments) into one allocation, and point the
 * request at the copy.  Before a stream's connection is resumed.
 */
static int
view_take(struct poolserve_request *r)
{
	struct view		 count;
	struct view_build	 b;
	size_t			 fixed, off = 0;
	bool			 inside;

	memset(&count, 0, sizeof(count));
	memset(&b, 0, sizeof(b));
	b.v = &count;
	b.bytes = strlen(r->method) + strlen(r->path) + strlen(r->version) + 3;
	(void)MHD_get_connection_values(r->mhd, MHD_HEADER_KIND |
	    MHD_GET_ARGUMENT_KIND, view_size, &b);
	fixed = sizeof(struct view) + (count.nheaders + count.nargs) *
	    sizeof(struct view_pair);
	if ((b.v = calloc(1, fixed + b.bytes)) == NULL)
		return -1;
	b.v->headers = (struct view_pair *)(b.v + 1);
	b.v->args = b.v->headers + count.nheaders;
	b.v->vars = count.vars;
	b.p = (char *)b.v + fixed;
	(void)MHD_get_connection_values(r->mhd, MHD_HEADER_KIND |
	    MHD_GET_ARGUMENT_KIND, view_fill, &b);
	/* app_path is the tail of path, or a constant "/" */
	inside = r->app_path != NULL && r->app_path >= r->path &&
	    r->app_path <= r->path + strlen(r->path);
	if (inside)
		off = (size_t)(r->app_path - r->path);
	r->method = view_copy(&b, r->method);
	r->path = view_copy(&b, r->path);
	r->version = view_copy(&b, r->version);
	if (inside)
		r->app_path = r->path + off;
	r->reply.view = b.v;
	return 0;
}


const void *
poolserve_body(const struct poolserve_request *r, size_t *len)
{
	*len = r->body_len;
	return r->body != NULL ? r->body : "";
}

const char *
poolserve_client_addr(const struct poolserve_request *r)
{
	return r->conn->peer;
}

unsigned
poolserve_client_port(const struct poolserve_request *r)
{
	return r->conn->port;
}

/* The connection's local address, asked of the kernel once. */
static void
reply_local(struct conn *c)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);

	if (c->local[0] != '\0')
		return;
	strcpy(c->local, "-");
	if (c->fd == -1 || getsockname(c->fd, (struct sockaddr *)&ss,
	    &len) == -1)
		return;
	if (ss.ss_family == AF_INET) {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr,
		    c->local, sizeof(c->local));
		c->local_port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	} else if (ss.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr,
		    c->local, sizeof(c->local));
		c->local_port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	} else if (ss.ss_family == AF_UNIX)
		strcpy(c->local, "unix:");
}

const char *
poolserve_server_addr(const struct poolserve_request *r)
{
	reply_local(r->conn);
	return r->conn->local;
}

unsigned
poolserve_server_port(const struct poolserve_request *r)
{
	reply_local(r->conn);
	return r->conn->local_port;
}

/*
 * HTTPS: set on the event loop when the handshake finished, before the
 * connection's first request; read-only after.
 */
const char *
poolserve_scheme(const struct poolserve_request *r)
{
	return r->conn->tls.session != NULL ? "https" : "http";
}

const char *
poolserve_tls_version(const struct poolserve_request *r)
{
	return r->conn->tls.session != NULL ? r->conn->tls.version : NULL;
}

const char *
poolserve_tls_client_verify(const struct poolserve_request *r)
{
	return r->conn->tls.session != NULL ? r->conn->tls.verify : NULL;
}

const char *
poolserve_tls_client_dn(const struct poolserve_request *r)
{
	return r->conn->tls.client_dn[0] != '\0' ? r->conn->tls.client_dn :
	    NULL;
}

unsigned
poolserve_worker(const struct poolserve_request *r)
{
	return r->conn->w->no;
}

const char *
poolserve_thread_name(const struct poolserve_request *r)
{
	return r->conn->w->names[r->core];
}

uint64_t
poolserve_start_us(const struct poolserve_request *r)
{
	return r->parsed_us;
}

void *
poolserve_thread_data(const struct poolserve_request *r)
{
	return r->thread_data;
}

void
poolserve_log(const struct poolserve_request *r, const char *fmt, ...)
{
	char	 msg[1024];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_msg("worker %u: thread %s: %s", r->conn->w->no,
	    r->conn->w->names[r->core], msg);
}

/* --- The answer ----------------------------------------------------- */

/* Free what the answer holds and start again: status 200, no body. */
void
reply_reset(struct reply *rep)
{
	struct stream	*s = rep->stream;
	unsigned	 i;

	for (i = 0; i < rep->nheaders; i++) {
		free(rep->headers[i].name);
		free(rep->headers[i].value);
	}
	free(rep->headers);
	if (rep->kind == BODY_MEM && !rep->body_static)
		free(rep->body);
	if (rep->kind == BODY_FD && rep->fd != -1)
		close(rep->fd);
	if (s != NULL)
		stream_unref(s);
	free(rep->view);
	memset(rep, 0, sizeof(*rep));
	rep->status = 200;
	rep->kind = BODY_MEM;
	rep->fd = -1;
}

/* Once the stream began, the status and headers are sent. */
static int
reply_fixed(const struct poolserve_request *r)
{
	if (r->reply.stream == NULL)
		return 0;
	errno = EALREADY;
	return -1;
}

int
poolserve_set_status(struct poolserve_request *r, unsigned status)
{
	if (reply_fixed(r) == -1)
		return -1;
	if (status < 200 || status > 599) {
		errno = EINVAL;
		return -1;
	}
	r->reply.status = status;
	return 0;
}

int
poolserve_add_header(struct poolserve_request *r, const char *name,
    const char *value)
{
	static const char *const ours[] = { "Connection", "Date",
	    "Transfer-Encoding", "Keep-Alive", "Upgrade", "Trailer" };
	struct reply		*rep = &r->reply;
	struct reply_header	*h;
	unsigned long long	 len;
	const char		*p;
	size_t			 i;

	if (reply_fixed(r) == -1)
		return -1;
	if (name == NULL || value == NULL || !http_token(name))
		goto bad;
	for (p = value; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t')
			goto bad;
	for (i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
		if (strcasecmp(name, ours[i]) == 0)
			goto bad;
	if (strcasecmp(name, "Content-Length") == 0) {
		if (config_number(value, 0, ~0ULL, &len) == -1)
			goto bad;
		rep->length_set = true;
		rep->length = len;
		return 0;
	}
	if (rep->nheaders == rep->cap) {
		i = rep->cap != 0 ? rep->cap * 2 : 4;
		if ((h = realloc(rep->headers, i * sizeof(*h))) == NULL)
			return -1;
		rep->headers = h;
		rep->cap = (unsigned)i;
	}
	h = &rep->headers[rep->nheaders];
	if ((h->name = strdup(name)) == NULL)
		return -1;
	if ((h->value = strdup(value)) == NULL) {
		free(h->name);
		return -1;
	}
	rep->nheaders++;
	if (strcasecmp(name, "Content-Type") == 0)
		rep->has_type = true;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

/* Drop the body set before (a new one replaces it). */
static void
reply_body_clear(struct reply *rep)
{
	if (rep->kind == BODY_MEM && !rep->body_static)
		free(rep->body);
	if (rep->kind == BODY_FD && rep->fd != -1)
		close(rep->fd);
	rep->kind = BODY_MEM;
	rep->body = NULL;
	rep->body_static = false;
	rep->len = 0;
	rep->fd = -1;
}

int
poolserve_body_copy(struct poolserve_request *r, const void *data, size_t len)
{
	char	*copy;

	if (reply_fixed(r) == -1)
		return -1;
	if ((copy = malloc(len != 0 ? len : 1)) == NULL)
		return -1;
	memcpy(copy, data, len);
	reply_body_clear(&r->reply);
	r->reply.body = copy;
	r->reply.len = len;
	return 0;
}

int
poolserve_body_static(struct poolserve_request *r, const void *data,
    size_t len)
{
	if (reply_fixed(r) == -1)
		return -1;
	reply_body_clear(&r->reply);
	r->reply.body = (char *)data;
	r->reply.body_static = true;
	r->reply.len = len;
	return 0;
}

int
poolserve_body_fd(struct poolserve_request *r, int fd, uint64_t offset,
    uint64_t length)
{
	int	 error = 0;

	if (reply_fixed(r) == -1)
		error = EALREADY;
	else if (fd < 0 || offset > INT64_MAX || length > INT64_MAX - offset)
		error = EINVAL;
	if (error != 0) {
		if (fd >= 0)
			close(fd);
		errno = error;
		return -1;
	}
	reply_body_clear(&r->reply);
	r->reply.kind = BODY_FD;
	r->reply.fd = fd;
	r->reply.offset = offset;
	r->reply.fd_len = length;
	return 0;
}

int
poolserve_respond(struct poolserve_request *r, unsigned status,
    const char *content_type, const void *body, size_t len)
{
	if (poolserve_set_status(r, status) == -1 ||
	    (content_type != NULL &&
	    poolserve_add_header(r, "Content-Type", content_type) == -1))
		return -1;
	return poolserve_body_copy(r, body, len);
}

int
poolserve_respondf(struct poolserve_request *r, unsigned status,
    const char *fmt, ...)
{
	va_list	 ap;
	char	*body;
	int	 n;

	if (poolserve_set_status(r, status) == -1)
		return -1;
	va_start(ap, fmt);
	n = vasprintf(&body, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	reply_body_clear(&r->reply);
	r->reply.body = body;
	r->reply.len = (size_t)n;
	return 0;
}

/* --- The libmicrohttpd response ------------------------------------- */

/* Add one response header and count it as it will be sent. */
static int
reply_add(struct MHD_Response *resp, struct header_sum *s, const char *key,
    const char *value)
{
	if (MHD_add_response_header(resp, key, value) != MHD_YES)
		return -1;
	s->n++;
	s->bytes += strlen(key) + 2 + strlen(value) + 2;
	return 0;
}

/*
 * The headers of an answer.  The sum counts the status line, the headers
 * poolserve sets and the Content-Length (or Transfer-Encoding) and Date
 * headers libmicrohttpd adds.
 */
static int
reply_headers(struct worker *w, struct reply *rep, struct MHD_Response *resp,
    struct header_sum *s, uint64_t length)
{
	char		 num[32];
	unsigned	 i;
	bool		 retry = false;

	s->n = 2;
	s->bytes = strlen("HTTP/1.1 000 ") +
	    strlen(MHD_get_reason_phrase_for(rep->status)) + 2 + 2 +
	    strlen("Date: Sat, 18 Feb 2023 14:53:00 GMT\r\n");
	if (length == MHD_SIZE_UNKNOWN)
		s->bytes += strlen("Transfer-Encoding: chunked\r\n");
	else {
		snprintf(num, sizeof(num), "%llu", (unsigned long long)length);
		s->bytes += strlen("Content-Length: \r\n") + strlen(num);
	}
	/* no body, no type: a 304 must not replace the type a cache holds */
	if (!rep->has_type && rep->status != 204 && rep->status != 304 &&
	    reply_add(resp, s, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "text/plain; charset=utf-8") == -1)
		return -1;
	for (i = 0; i < rep->nheaders; i++) {
		if (reply_add(resp, s, rep->headers[i].name,
		    rep->headers[i].value) == -1)
			return -1;
		retry |= strcasecmp(rep->headers[i].name,
		    MHD_HTTP_HEADER_RETRY_AFTER) == 0;
	}
	/* a 503 says when to come back, unless the application did */
	if (rep->status == MHD_HTTP_SERVICE_UNAVAILABLE && !retry &&
	    reply_add(resp, s, MHD_HTTP_HEADER_RETRY_AFTER, "1") == -1)
		return -1;
	if ((w->cfg->keepalive_timeout == 0 || atomic_load(&w->retiring) ||
	    rep->close || rep->requeue) &&
	    reply_add(resp, s, MHD_HTTP_HEADER_CONNECTION, "close") == -1)
		return -1;
	return 0;
}

/* A HEAD answer's body: never read (libmicrohttpd sends no body). */
static ssize_t
stream_none(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)cls;
	(void)pos;
	(void)buf;
	(void)max;
	return MHD_CONTENT_READER_END_OF_STREAM;
}

/*
 * The response for an answer with its body in memory or in a file, or
 * the head of a stream for HEAD.  Runs
 * on a pool thread, or on libmicrohttpd's for a refusal.  The body goes
 * to the response (or is freed): the answer no longer holds it.
 */
struct MHD_Response *
reply_response(struct worker *w, struct reply *rep, struct header_sum *s)
{
	struct MHD_Response	*resp;
	uint64_t		 length;

	if (rep->kind == BODY_HEAD) {
		/* the head GET would have: its length, or chunked */
		length = rep->length_set ? rep->length : MHD_SIZE_UNKNOWN;
		resp = MHD_create_response_from_callback(length, STREAM_BLOCK,
		    stream_none, NULL, NULL);
	} else if (rep->kind == BODY_FD) {
		length = rep->fd_len;
		resp = MHD_create_response_from_fd_at_offset64(length,
		    rep->fd, rep->offset);
		if (resp == NULL)
			close(rep->fd);
		rep->fd = -1;
	} else {
		length = rep->len;
		resp = MHD_create_response_from_buffer(rep->len,
		    rep->body != NULL ? rep->body : (char *)"",
		    rep->body_static || rep->body == NULL ?
		    MHD_RESPMEM_PERSISTENT : MHD_RESPMEM_MUST_FREE);
		if (resp == NULL && !rep->body_static)
			free(rep->body);
		rep->body = NULL;
	}
	rep->kind = BODY_MEM;
	if (resp == NULL)
		return NULL;
	if (reply_headers(w, rep, resp, s, length) == -1) {
		MHD_destroy_response(resp);
		return NULL;
	}
	return resp;
}

/* --- The stream ----------------------------------------------------- */

static void
stream_unref(struct stream *s)
{
	bool	 last;

	pthread_mutex_lock(&s->lock);
	last = --s->refs == 0;
	pthread_mutex_unlock(&s->lock);
	if (last) {
		pthread_mutex_destroy(&s->lock);
		pthread_cond_destroy(&s->room);
		free(s);
	}
}

/*
 * MHD_ContentReaderCallback, on the event loop: up to max bytes of the
 * ring.  With none yet, the connection is suspended until the handler
 * writes (returning 0 without it would make libmicrohttpd spin).
 */
static ssize_t
stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream	*s = cls;
	size_t		 n, first;

	pthread_mutex_lock(&s->lock);
	n = s->len < max ? s->len : max;
	if (s->length != UINT64_MAX && !s->ended && n > 0 &&
	    pos + n >= s->length)
		n = (size_t)(s->length - 1 - pos);	/* the last byte waits */
	if (n == 0) {
		if (s->ended) {
			pthread_mutex_unlock(&s->lock);
			if (s->failed || (s->length != UINT64_MAX &&
			    pos < s->length))
				return MHD_CONTENT_READER_END_WITH_ERROR;
			return MHD_CONTENT_READER_END_OF_STREAM;
		}
		s->suspended = true;
		MHD_suspend_connection(s->mhd);
		pthread_mutex_unlock(&s->lock);
		return 0;
	}
	first = STREAM_BUF - s->head < n ? STREAM_BUF - s->head : n;
	memcpy(buf, s->buf + s->head, first);
	memcpy(buf + first, s->buf, n - first);
	s->head = (s->head + n) % STREAM_BUF;
	s->len -= n;
	pthread_cond_signal(&s->room);
	pthread_mutex_unlock(&s->lock);
	return (ssize_t)n;
}

/* MHD_ContentReaderFreeCallback: the response is sent or abandoned. */
static void
stream_release(void *cls)
{
	struct stream	*s = cls;

	pthread_mutex_lock(&s->lock);
	s->released = true;
	pthread_cond_broadcast(&s->room);
	pthread_mutex_unlock(&s->lock);
	stream_unref(s);
}

/* With the lock held: the loop reads again (resumed after the unlock). */
static bool
stream_wake_locked(struct stream *s)
{
	if (!s->suspended || s->released)
		return false;
	s->suspended = false;
	return true;
}

static void
stream_resume(struct stream *s)
{
	MHD_resume_connection(s->mhd);
	worker_wake(s->w);
}

/*
 * The first write: the status and headers go out now, with a response
 * that reads the stream; the connection is resumed so that libmicrohttpd
 * queues it.
 */
static int
stream_start(struct poolserve_request *r)
{
	struct worker		*w = r->conn->w;
	struct reply		*rep = &r->reply;
	struct MHD_Response	*resp;
	struct stream		*s;
	uint64_t		 length;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -1;
	length = rep->length_set ? rep->length : MHD_SIZE_UNKNOWN;
	s->w = w;
	s->mhd = r->mhd;
	s->length = rep->length_set ? rep->length : UINT64_MAX;
	s->refs = 2;
	if (pthread_mutex_init(&s->lock, NULL) != 0) {
		free(s);
		return -1;
	}
	if (pthread_cond_init(&s->room, NULL) != 0) {
		pthread_mutex_destroy(&s->lock);
		free(s);
		return -1;
	}
	reply_body_clear(rep);
	if (view_take(r) == -1) {
		s->refs = 1;
		stream_unref(s);
		return -1;
	}
	if ((resp = MHD_create_response_from_callback(length, STREAM_BLOCK,
	    stream_read, s, stream_release)) == NULL) {
		s->refs = 1;
		stream_unref(s);
		return -1;
	}
	if (reply_headers(w, rep, resp, &rep->sum, length) == -1) {
		MHD_destroy_response(resp);	/* releases one ref */
		stream_unref(s);
		return -1;
	}
	rep->kind = BODY_STREAM;
	rep->stream = s;
	r->status = rep->status;
	r->response = resp;
	r->state = REQ_REPLY;
	MHD_resume_connection(r->mhd);
	worker_wake(w);
	return 0;
}

int
poolserve_write(struct poolserve_request *r, const void *data, size_t len)
{
	struct reply	*rep = &r->reply;
	struct stream	*s;
	const char	*p = data;
	size_t		 n, tail, first;
	bool		 wake;

	if (strcmp(r->method, "HEAD") == 0) {
		reply_body_clear(rep);	/* the head only: see reply_response */
		rep->kind = BODY_HEAD;
		return 0;
	}
	if (rep->length_set && len > rep->length - rep->streamed) {
		errno = EMSGSIZE;	/* past its Content-Length */
		return -1;
	}
	if (rep->stream == NULL && stream_start(r) == -1)
		return -1;
	s = rep->stream;
	pthread_mutex_lock(&s->lock);
	while (len > 0) {
		if (s->released) {
			pthread_mutex_unlock(&s->lock);
			errno = EPIPE;
			return -1;
		}
		if (s->len == STREAM_BUF) {
			pthread_cond_wait(&s->room, &s->lock);
			continue;
		}
		n = STREAM_BUF - s->len < len ? STREAM_BUF - s->len : len;
		tail = (s->head + s->len) % STREAM_BUF;
		first = STREAM_BUF - tail < n ? STREAM_BUF - tail : n;
		memcpy(s->buf + tail, p, first);
		memcpy(s->buf, p + first, n - first);
		s->len += n;
		p += n;
		len -= n;
		rep->streamed += n;
		if ((wake = stream_wake_locked(s))) {
			pthread_mutex_unlock(&s->lock);
			stream_resume(s);
			pthread_mutex_lock(&s->lock);
		}
	}
	pthread_mutex_unlock(&s->lock);
	return 0;
}

/*
 * The handler returned: the end of the stream (or an error that closes
 * the connection).  The last thing the handler's thread does with r: the
 * connection may go on to its next request as soon as the lock is let go.
 * Returns the connection if it closed meanwhile: the caller frees it.
 */
struct conn *
reply_stream_end(struct poolserve_request *r, bool failed)
{
	struct stream	*s = r->reply.stream;
	struct conn	*orphan;
	bool		 wake;

	pthread_mutex_lock(&s->lock);
	s->ended = true;
	s->failed = failed;
	orphan = s->orphan;
	wake = stream_wake_locked(s);
	pthread_mutex_unlock(&s->lock);
	if (wake)
		stream_resume(s);
	return orphan;
}

/*
 * The connection closed (event loop).  True when a handler still writes
 * its stream: the handler's thread frees the connection when it ends.
 */
bool
reply_stream_orphan(struct conn *c)
{
	struct stream	*s = c->req.reply.stream;
	bool		 running;

	if (s == NULL)
		return false;
	pthread_mutex_lock(&s->lock);
	if ((running = !s->ended))
		s->orphan = c;
	pthread_mutex_unlock(&s->lock);
	return running;
}
