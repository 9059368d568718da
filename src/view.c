/*
 * What an application sees of its request: the request view of
 * <poolserve/poolserve.h>, read on a pool thread while the request's
 * connection is suspended (or on the event loop, for static files).
 *
 * The strings are libmicrohttpd's, in the connection's memory pool, until
 * a stream begins: its connection is then resumed, and libmicrohttpd
 * frees them when the client goes while the handler may still ask for
 * them.  view_take() copies them first, and the functions read the copy.
 */
#include "config.h"

#include <arpa/inet.h>

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "poolserve.h"

/* A streaming request's headers and arguments, copied. */
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

struct view_each_ctx {
	poolserve_each_fn	*fn;
	void			*ctx;
	unsigned		 n;
};

static enum MHD_Result
view_each_value(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct view_each_ctx	*e = cls;

	(void)kind;
	e->n++;
	return e->fn(e->ctx, key, value) == 0 ? MHD_YES : MHD_NO;
}

/*
 * Each header (kind MHD_HEADER_KIND) or argument of the request, from the
 * copy once a stream began, else from libmicrohttpd; stops when fn does
 * not return 0.  The number of calls of fn.
 */
static unsigned
view_each(const struct poolserve_request *r, enum MHD_ValueKind kind,
    poolserve_each_fn *fn, void *ctx)
{
	const struct view	*v = r->reply.view;
	const struct view_pair	*pairs;
	struct view_each_ctx	 e = { fn, ctx, 0 };
	unsigned		 i, n;

	if (v == NULL) {
		(void)MHD_get_connection_values(r->mhd, kind, view_each_value,
		    &e);
		return e.n;
	}
	pairs = kind == MHD_HEADER_KIND ? v->headers : v->args;
	n = kind == MHD_HEADER_KIND ? v->nheaders : v->nargs;
	for (i = 0; i < n; i++)
		if (fn(ctx, pairs[i].name, pairs[i].value) != 0)
			return i + 1;
	return n;
}

unsigned
poolserve_each_arg(const struct poolserve_request *r, poolserve_each_fn *fn,
    void *ctx)
{
	return view_each(r, MHD_GET_ARGUMENT_KIND, fn, ctx);
}

unsigned
poolserve_each_header(const struct poolserve_request *r,
    poolserve_each_fn *fn, void *ctx)
{
	return view_each(r, MHD_HEADER_KIND, fn, ctx);
}

/* The request's header count and size, for the access log; false: ask MHD. */
bool
view_vars(const struct poolserve_request *r, struct header_sum *vars)
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
int
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
view_local(struct conn *c)
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
	view_local(r->conn);
	return r->conn->local;
}

unsigned
poolserve_server_port(const struct poolserve_request *r)
{
	if (r->conn->local_port == 0)
		view_local(r->conn);
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
