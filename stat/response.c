/*
 * poolserve-stat's HTTP/1.x response reader: the bytes a stats server
 * sends, fed as they come (resp_feed), then the end of the connection
 * (resp_end).  No I/O here (fetch.c reads the socket), so that the
 * fuzzing harnesses feed it directly: how the bytes are cut into pieces
 * must not change what is read.  The server may be hostile: the headers,
 * the body and the whole response are bounded.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1	/* memmem */
#endif

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "stat.h"

/* application/json, or any type/x+json, parameters allowed. */
static bool
resp_json_type(const char *v, size_t n)
{
	size_t	 k;

	for (k = 0; k < n && v[k] != ';' && v[k] != ' '; k++)
		;
	return (k == 16 && strncasecmp(v, "application/json", 16) == 0) ||
	    (k > 5 && strncasecmp(v + k - 5, "+json", 5) == 0);
}

/*
 * A chunked body in p[0..len): 1 when complete (and, with write, decoded
 * in place into p[0..*outlen)), 0 when more is needed, -1 when malformed.
 * Decoding only moves data towards the start, so it is safe in place;
 * check without write first, since a partial decode cannot be resumed.
 */
int
resp_dechunk(char *p, size_t len, bool write, size_t *outlen)
{
	size_t	 i = 0, o = 0, size, digits;
	char	*lf;

	for (;;) {
		size = 0;
		for (digits = 0; i < len && json_hexval(p[i]) != -1; i++) {
			if (++digits > 8)
				return -1;
			size = size * 16 + (size_t)json_hexval(p[i]);
		}
		if (i == len)
			return 0;
		if (digits == 0)
			return -1;
		/* chunk extensions are ignored up to the end of the line */
		if ((lf = memchr(p + i, '\n', len - i)) == NULL)
			return 0;
		i = (size_t)(lf - p) + 1;
		if (size == 0)
			break;
		if (size > BODY_MAX - o)
			return -1;
		if (len - i < size + 2)
			return 0;
		if (write)
			memmove(p + o, p + i, size);
		o += size;
		i += size;
		if (p[i] != '\r' || p[i + 1] != '\n')
			return -1;
		i += 2;
	}
	/* trailer fields, then an empty line */
	for (;;) {
		if ((lf = memchr(p + i, '\n', len - i)) == NULL)
			return 0;
		if (lf == p + i || (lf == p + i + 1 && p[i] == '\r'))
			break;
		i = (size_t)(lf - p) + 1;
	}
	*outlen = o;
	return 1;
}

/* Header name (case-insensitive) in a line; its trimmed value or NULL. */
static const char *
resp_header(const char *line, size_t n, const char *name, size_t *vlen)
{
	size_t	 nlen = strlen(name);

	if (n <= nlen || line[nlen] != ':' ||
	    strncasecmp(line, name, nlen) != 0)
		return NULL;
	line += nlen + 1;
	n -= nlen + 1;
	while (n > 0 && (*line == ' ' || *line == '\t')) {
		line++;
		n--;
	}
	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t' ||
	    line[n - 1] == '\r'))
		n--;
	*vlen = n;
	return line;
}

/*
 * The status line and the headers in buf[0..hlen): -1 with a reason
 * unless the status is 200; the body's Content-Length (or -1), whether
 * it is chunked and whether its Content-Type says JSON.  A 404 is what
 * poolserve's --http port answers to GET /stats: the reason says so.
 */
int
resp_head(const char *buf, size_t hlen, long long *clen, bool *chunked,
    bool *json, char *err, size_t errlen)
{
	const char	*line, *eol, *v, *end = buf + hlen;
	char		 reason[48];
	size_t		 vlen, i, n;
	long long	 len;
	int		 status;

	*clen = -1;
	*chunked = false;
	*json = false;
	if (hlen < 13 || strncmp(buf, "HTTP/1.", 7) != 0 ||
	    !isdigit((unsigned char)buf[7]) || buf[8] != ' ' ||
	    !isdigit((unsigned char)buf[9]) ||
	    !isdigit((unsigned char)buf[10]) ||
	    !isdigit((unsigned char)buf[11]) ||
	    (buf[12] != ' ' && buf[12] != '\r'))
		return stat_err(err, errlen, "not an HTTP/1.x response");
	status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + buf[11] - '0';
	eol = memchr(buf, '\n', hlen);
	if (status != 200) {
		n = 0;
		for (i = 13; buf + i < eol && buf[i] != '\r' &&
		    n < sizeof(reason) - 1; i++)
			reason[n++] = isprint((unsigned char)buf[i]) ?
			    buf[i] : '?';
		reason[n] = '\0';
		return stat_err(err, errlen, "HTTP status %d%s%s (expected "
		    "200)%s", status, n > 0 ? " " : "", reason,
		    status == 404 ? "; " STAT_HINT : "");
	}
	for (line = eol + 1; line < end; line = eol + 1) {
		if ((eol = memchr(line, '\n', (size_t)(end - line))) == NULL)
			break;
		n = (size_t)(eol - line);
		if ((v = resp_header(line, n, "Content-Length",
		    &vlen)) != NULL) {
			if (vlen == 0 || vlen > 12)
				return stat_err(err, errlen,
				    "bad Content-Length");
			for (len = 0, i = 0; i < vlen; i++) {
				if (!isdigit((unsigned char)v[i]))
					return stat_err(err, errlen,
					    "bad Content-Length");
				len = len * 10 + (v[i] - '0');
			}
			if (*clen != -1 && *clen != len)
				return stat_err(err, errlen,
				    "conflicting Content-Length headers");
			*clen = len;
		} else if ((v = resp_header(line, n, "Transfer-Encoding",
		    &vlen)) != NULL) {
			if (vlen < 7 || strncasecmp(v + vlen - 7, "chunked", 7))
				return stat_err(err, errlen, "unsupported "
				    "Transfer-Encoding");
			*chunked = true;
		} else if ((v = resp_header(line, n, "Content-Type",
		    &vlen)) != NULL)
			*json = resp_json_type(v, vlen);
	}
	if (*chunked)
		*clen = -1;
	if (*clen > BODY_MAX)
		return stat_err(err, errlen, "response body of %lld bytes is "
		    "over the limit of %d (4 MiB)", *clen, BODY_MAX);
	return 0;
}


/* Room for more bytes: the buffer grows by doubling up to RESPONSE_MAX. */
static int
resp_grow(struct resp *r, char *err, size_t errlen)
{
	char	*nbuf;
	size_t	 cap;

	if (r->cap >= RESPONSE_MAX)
		return stat_err(err, errlen, "response over %d bytes",
		    RESPONSE_MAX);
	cap = r->cap == 0 ? 65536 : r->cap * 2;
	if (cap > RESPONSE_MAX)
		cap = RESPONSE_MAX;
	if ((nbuf = realloc(r->buf, cap + 1)) == NULL)
		return stat_err(err, errlen, "out of memory");
	r->buf = nbuf;
	r->cap = cap;
	return 0;
}

/*
 * Look at the response after bytes were added (the end of the headers
 * searched from "from"), or at EOF: 1 when it is complete (r->blen),
 * 0 when more is needed, -1 with a reason.
 */
static int
resp_step(struct resp *r, size_t from, bool eof, char *err, size_t errlen)
{
	const char	*crlf;
	size_t		 blen;

	if (r->hlen == 0) {
		crlf = r->len == 0 ? NULL : memmem(r->buf + from,
		    r->len - from, "\r\n\r\n", 4);
		if (crlf == NULL) {
			if (r->len > HEAD_MAX)
				return stat_err(err, errlen, "response "
				    "headers over %d bytes", HEAD_MAX);
			if (eof)
				return stat_err(err, errlen, r->len == 0 ?
				    "connection closed without a response" :
				    "connection closed inside the response "
				    "headers");
			return 0;
		}
		r->hlen = (size_t)(crlf - r->buf) + 4;
		if (r->hlen > HEAD_MAX)
			return stat_err(err, errlen, "response headers over "
			    "%d bytes", HEAD_MAX);
		if (resp_head(r->buf, r->hlen, &r->clen, &r->chunked,
		    &r->json, err, errlen) == -1)
			return -1;
	}

	blen = r->len - r->hlen;
	if (r->clen >= 0 && blen >= (size_t)r->clen) {
		r->blen = (size_t)r->clen;
		return 1;
	}
	if (r->clen < 0 && !r->chunked && blen > BODY_MAX)
		return stat_err(err, errlen, "response body over the limit of "
		    "%d bytes (4 MiB)", BODY_MAX);
	if (r->chunked && (eof || (blen >= 5 &&
	    memcmp(r->buf + r->len - 5, "0\r\n\r\n", 5) == 0))) {
		switch (resp_dechunk(r->buf + r->hlen, blen, false, &r->blen)) {
		case 1:
			resp_dechunk(r->buf + r->hlen, blen, true, &r->blen);
			return 1;
		case -1:
			return stat_err(err, errlen, "malformed chunked body");
		}
	}
	if (eof) {
		if (r->clen >= 0 || r->chunked)
			return stat_err(err, errlen, "connection closed after "
			    "%zu body bytes", blen);
		r->blen = blen;
		return 1;
	}
	return 0;
}

/*
 * Bytes data[0..n) as the server sent them: 1 when the response is
 * complete (what follows is not read), 0 when more is needed, -1 with a
 * one-line reason.  The bytes are looked at in steps no larger than the
 * room left, as a read into the buffer would be.
 */
int
resp_feed(struct resp *r, const char *data, size_t n, char *err,
    size_t errlen)
{
	size_t	 k, from;
	int	 rc;

	while (n > 0) {
		if (r->len == r->cap && resp_grow(r, err, errlen) == -1)
			return -1;
		k = r->cap - r->len < n ? r->cap - r->len : n;
		from = r->len > 3 ? r->len - 3 : 0;
		memcpy(r->buf + r->len, data, k);
		r->len += k;
		data += k;
		n -= k;
		if ((rc = resp_step(r, from, false, err, errlen)) != 0)
			return rc;
		if (r->len == r->cap && r->cap >= RESPONSE_MAX)
			return stat_err(err, errlen, "response over %d bytes",
			    RESPONSE_MAX);
	}
	return 0;
}

/*
 * The connection ended: EOF (error 0) or a receive error (errno).  A
 * reset after a complete chunked body loses nothing.  1 when the
 * response is complete, -1 with a reason.
 */
int
resp_end(struct resp *r, int error, char *err, size_t errlen)
{
	if (error == 0)
		return resp_step(r, r->len > 3 ? r->len - 3 : 0, true, err,
		    errlen) == 1 ? 1 : -1;
	if (!r->chunked || resp_dechunk(r->buf + r->hlen, r->len - r->hlen,
	    false, &r->blen) != 1)
		return stat_err(err, errlen, "receive: %s", strerror(error));
	resp_dechunk(r->buf + r->hlen, r->len - r->hlen, true, &r->blen);
	return 1;
}

/* The body of a complete response, NUL-terminated, handed over. */
char *
resp_body(struct resp *r, size_t *len)
{
	char	*body;

	if (r->buf == NULL)
		return NULL;
	memmove(r->buf, r->buf + r->hlen, r->blen);
	r->buf[r->blen] = '\0';
	body = r->buf;
	*len = r->blen;
	r->buf = NULL;
	resp_free(r);
	return body;
}

void
resp_free(struct resp *r)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
}
