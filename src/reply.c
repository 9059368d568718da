/*
 * How an application answers: the answer functions of
 * <poolserve/poolserve.h> (status, headers, a body in memory or in a
 * file), called on a pool thread while the request's connection is
 * suspended (or on the event loop, for static files), and the
 * libmicrohttpd response made of the answer (reply_response).  A
 * streamed answer is stream.c's; what the application sees of its
 * request, view.c's.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <microhttpd.h>

#include "poolserve.h"

/* --- The answer ----------------------------------------------------- */

/*
 * Free what the answer holds and start again: status 200, no body.  Its
 * stream, if any, the caller has let go of first (stream_unref).
 */
void
reply_reset(struct reply *rep)
{
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
void
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
int
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
reply_no_body(void *cls, uint64_t pos, char *buf, size_t max)
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
		    reply_no_body, NULL, NULL);
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
