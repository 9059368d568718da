/*
 * The checks of a request head that libmicrohttpd 0.9.75 does not make and
 * RFC 9110/9112 ask for: request line, method, target, header fields,
 * Host, message framing, Expect, and --max-header-size to the byte.  Pure
 * functions of the head, on the worker's event loop thread; the request
 * is refused before a thread is taken for it and before its body is read.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "poolserve.h"

static bool
http_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

static bool
http_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/* A token (RFC 9110 5.6.2): a method, a header field name. */
bool
http_token(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!http_alnum(*s) && strchr("!#$%&'*+-.^_`|~", *s) == NULL)
			return false;
	return true;
}

/* A character of a host name or an IP literal (and '%' escapes). */
static bool
http_hostchar(char c)
{
	return c != '\0' && (http_alnum(c) ||
	    strchr("-._~!$&'()*+,;=%:", c) != NULL);
}

/*
 * uri-host [":" port] of a Host field or an absolute-form target (RFC
 * 3986 3.2.2): a reg-name, IPv4 or [IP-literal]; no userinfo, no space or
 * control byte, the port digits only.  Empty is allowed (RFC 9112 3.2).
 */
static bool
http_authority(const char *s, size_t n)
{
	size_t	 i = 0, colon = n;

	if (n > 0 && s[0] == '[') {		/* IP-literal, then :port */
		for (i = 1; i < n && s[i] != ']'; i++)
			if (!http_hostchar(s[i]))
				return false;
		if (i++ == n || (i < n && s[i] != ':'))
			return false;
		colon = i;
	} else
		for (; i < n; i++) {
			if (s[i] == ':' && colon == n)
				colon = i;	/* a reg-name has no ':' */
			else if (s[i] == ':' || !http_hostchar(s[i]))
				return false;
		}
	for (i = colon + 1; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/*
 * The raw request target: visible ASCII only, no fragment, every '%'
 * followed by two hex digits and none of them %00 (a NUL would cut the
 * decoded path short).
 */
static bool
http_target_chars(const char *t)
{
	for (; *t != '\0'; t++) {
		if ((unsigned char)*t <= 0x20 || (unsigned char)*t >= 0x7f ||
		    *t == '#')
			return false;
		if (*t == '%') {
			if (!http_hex(t[1]) || !http_hex(t[2]) ||
			    (t[1] == '0' && t[2] == '0'))
				return false;
			t += 2;
		}
	}
	return true;
}

/* One field that may appear once: how often, its first value. */
struct field_count {
	unsigned	 n;
	const char	*first;
	bool		 differ;	/* a later value is not the first */
};

/* The header fields http_check looks at, gathered in one pass. */
struct field_scan {
	struct field_count	 host, cl, te, expect;
	bool			 bad;
};

static void
http_field_count(struct field_count *fc, const char *value)
{
	if (fc->n++ == 0)
		fc->first = value;
	else if (strcmp(value, fc->first) != 0)
		fc->differ = true;
}

/*
 * MHD_get_connection_values() iterator.  Every field name is a token and
 * no value holds a control byte but HTAB (RFC 9110 5.1, 5.5): this
 * catches "Name : value" (RFC 9112 5.1), a field line starting with
 * whitespace right after the request line, and a bare CR.
 */
static enum MHD_Result
http_field_scan(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct field_scan	*fs = cls;
	const char		*v;

	(void)kind;
	if (value == NULL)
		value = "";
	if (!http_token(key))
		fs->bad = true;
	for (v = value; *v != '\0'; v++)
		if (((unsigned char)*v < 0x20 && *v != '\t') || *v == 0x7f)
			fs->bad = true;
	if (fs->bad)
		return MHD_NO;
	if (strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0)
		http_field_count(&fs->host, value);
	else if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
		http_field_count(&fs->cl, value);
	else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0)
		http_field_count(&fs->te, value);
	else if (strcasecmp(key, MHD_HTTP_HEADER_EXPECT) == 0)
		http_field_count(&fs->expect, value);
	return MHD_YES;
}

/* Methods of RFC 9110 and PATCH (RFC 5789): the app answers them (405). */
bool
http_known_method(const char *m)
{
	static const char *const known[] = { "GET", "HEAD", "POST", "PUT",
	    "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH" };
	size_t	 i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(m, known[i]) == 0)
			return true;
	return false;
}

/*
 * What libmicrohttpd 0.9.75 lets through and RFC 9110/9112 do not: check
 * a request whose header block has just been parsed, before any body is
 * read.  Returns 0, or the status to refuse it with and the reason in why;
 * h->path becomes the path to route (an absolute-form target's).  Called
 * on the first call of the access handler, on libmicrohttpd's thread.
 */
unsigned
http_check(struct http_head *h, char *why, size_t whylen)
{
	const union MHD_ConnectionInfo	*ci;
	struct field_scan		 fs;
	const char			*method = h->method, *version = h->version;
	const char			*t = h->target, *p, *last;
	size_t				 line, size = 0, n;
	bool				 v11 = strcmp(version, "HTTP/1.0") != 0;

	/*
	 * The request line is method SP target SP version, single spaces
	 * (RFC 9112 3).  libmicrohttpd keeps the three in its read buffer, in
	 * place: any other distance between them means extra spaces or a NUL
	 * byte, which would cut the method or the target short.
	 */
	if (version != method + strlen(method) + 1 + strlen(t) + 1) {
		snprintf(why, whylen, "malformed request line");
		return MHD_HTTP_BAD_REQUEST;
	}
	/* A method is a token; one poolserve does not know is 501. */
	if (!http_token(method)) {
		snprintf(why, whylen, "bad method");
		return MHD_HTTP_BAD_REQUEST;
	}
	if (!http_known_method(method)) {
		snprintf(why, whylen, "unknown method");
		return MHD_HTTP_NOT_IMPLEMENTED;
	}

	/*
	 * --max-header-size, exactly: libmicrohttpd's own limit is its memory
	 * pool, 8 KiB above it.  The header size counts the bytes received
	 * from the method to the empty line that ends the header block.
	 */
	line = strlen(method) + 1 + strlen(t) + 1 + strlen(version) + 2;
	if ((ci = MHD_get_connection_info(h->mhd,
	    MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE)) != NULL)
		size = ci->header_size;
	if (line > h->max_header_size) {
		snprintf(why, whylen, "request line of %zu bytes, over "
		    "--max-header-size %u", line, h->max_header_size);
		return MHD_HTTP_URI_TOO_LONG;
	}
	if (size > h->max_header_size) {
		snprintf(why, whylen, "request header of %zu bytes, over "
		    "--max-header-size %u", size, h->max_header_size);
		return MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE;
	}

	if (!http_target_chars(t)) {
		snprintf(why, whylen, "malformed request target");
		return MHD_HTTP_BAD_REQUEST;
	}

	/* Request-target forms (RFC 9112 3.2). */
	if (strcmp(method, "CONNECT") == 0) {
		snprintf(why, whylen, "CONNECT: not a proxy");
		return MHD_HTTP_NOT_IMPLEMENTED;
	}
	if (strcmp(t, "*") == 0) {
		if (strcmp(method, "OPTIONS") != 0) {
			snprintf(why, whylen, "'*' target with %s", method);
			return MHD_HTTP_BAD_REQUEST;
		}
	} else if (strncasecmp(t, "http://", 7) == 0 ||
	    strncasecmp(t, "https://", 8) == 0) {
		/* absolute-form: route on its path, its authority is the host */
		t = strstr(t, "//") + 2;
		n = strcspn(t, "/?");
		if (!http_authority(t, n) || n == 0) {
			snprintf(why, whylen, "bad authority in the target");
			return MHD_HTTP_BAD_REQUEST;
		}
		if ((p = strstr(h->path, "//")) != NULL &&
		    (p = strchr(p + 2, '/')) != NULL)
			h->path = p;
		else
			h->path = "/";
	} else if (t[0] != '/') {
		snprintf(why, whylen, "malformed request target");
		return MHD_HTTP_BAD_REQUEST;
	}

	memset(&fs, 0, sizeof(fs));
	(void)MHD_get_connection_values(h->mhd, MHD_HEADER_KIND,
	    http_field_scan, &fs);
	if (fs.bad) {
		snprintf(why, whylen, "malformed header field");
		return MHD_HTTP_BAD_REQUEST;
	}

	/* Host: exactly one in HTTP/1.1, at most one in 1.0 (RFC 9112 3.2). */
	if ((v11 && fs.host.n == 0) || fs.host.n > 1) {
		snprintf(why, whylen, "%u Host fields", fs.host.n);
		return MHD_HTTP_BAD_REQUEST;
	}
	if (fs.host.n == 1 &&
	    !http_authority(fs.host.first, strlen(fs.host.first))) {
		snprintf(why, whylen, "bad Host field");
		return MHD_HTTP_BAD_REQUEST;
	}

	/* Message framing (RFC 9112 6). */
	if (fs.cl.differ) {
		snprintf(why, whylen, "conflicting Content-Length fields");
		return MHD_HTTP_BAD_REQUEST;
	}
	if (fs.te.n > 0) {
		if (fs.te.n > 1 || fs.cl.n > 0 || !v11) {
			snprintf(why, whylen, "%s", fs.cl.n > 0 ?
			    "both Transfer-Encoding and Content-Length" :
			    !v11 ? "Transfer-Encoding in HTTP/1.0" :
			    "several Transfer-Encoding fields");
			return MHD_HTTP_BAD_REQUEST;
		}
		if (strcasecmp(fs.te.first, "chunked") != 0) {
			last = strrchr(fs.te.first, ',');
			last = last != NULL ? last + 1 : fs.te.first;
			last += strspn(last, " \t");
			n = strcspn(last, " \t");
			if (n != 7 || strncasecmp(last, "chunked", 7) != 0 ||
			    last[n + strspn(last + n, " \t")] != '\0') {
				snprintf(why, whylen, "Transfer-Encoding "
				    "not ending in chunked");
				return MHD_HTTP_BAD_REQUEST;
			}
			snprintf(why, whylen, "unsupported Transfer-Encoding");
			return MHD_HTTP_NOT_IMPLEMENTED;
		}
	}

	if (fs.expect.n > 1 || (fs.expect.n == 1 &&
	    strcasecmp(fs.expect.first, "100-continue") != 0)) {
		snprintf(why, whylen, "unsupported expectation");
		return MHD_HTTP_EXPECTATION_FAILED;
	}
	return 0;
}

/*
 * http_check() reads the request line's layout in libmicrohttpd's read
 * buffer (method, target and version in place, one byte apart), true of
 * 0.9.75.  At start-up the master asks a throw-away daemon for one
 * request over a socket pair and checks that layout, so that another
 * libmicrohttpd cannot silently turn the check into a wrong answer.
 */
struct http_probe {
	char		 target[64];	/* as the URI log callback saw it */
	int		 seen;		/* -1 not yet, 0 differs, 1 holds */
};

static void *
http_probe_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct http_probe	*p = cls;

	(void)c;
	snprintf(p->target, sizeof(p->target), "%s", uri);
	return p;
}

static enum MHD_Result
http_probe_access(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *data,
    size_t *size, void **req)
{
	struct http_probe	*p = cls;

	(void)c;
	(void)url;
	(void)data;
	(void)size;
	(void)req;
	p->seen = version == method + strlen(method) + 1 +
	    strlen(p->target) + 1;
	return MHD_NO;		/* done: close */
}

int
http_probe_layout(char *err, size_t errlen)
{
	static const char	 req[] = "GET /probe?a=1 HTTP/1.1\r\n"
				    "Host: x\r\n\r\n";
	struct http_probe	 p = { "", -1 };
	struct sockaddr_un	 sa = { .sun_family = AF_UNIX };
	struct MHD_Daemon	*d;
	struct timespec		 ms = { 0, 1000000 };
	int			 sv[2], i;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		return -1;
	}
	d = MHD_start_daemon(MHD_USE_NO_LISTEN_SOCKET, 0, NULL, NULL,
	    http_probe_access, &p, MHD_OPTION_URI_LOG_CALLBACK, http_probe_uri,
	    &p, MHD_OPTION_END);
	if (d == NULL || MHD_add_connection(d, sv[0], (struct sockaddr *)&sa,
	    sizeof(sa)) != MHD_YES) {
		snprintf(err, errlen, "cannot start libmicrohttpd");
		if (d != NULL)
			MHD_stop_daemon(d);
		else
			close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (write(sv[1], req, sizeof(req) - 1) != (ssize_t)sizeof(req) - 1)
		p.seen = 0;
	for (i = 0; i < 1000 && p.seen == -1; i++) {
		(void)MHD_run(d);
		if (p.seen == -1)
			nanosleep(&ms, NULL);
	}
	MHD_stop_daemon(d);
	close(sv[1]);
	if (p.seen == 1)
		return 0;
	snprintf(err, errlen, "libmicrohttpd %s keeps the request line unlike "
	    "0.9.75, which the request checks rely on: build poolserve with "
	    "libmicrohttpd 0.9.75 (or check src/http.c against this one)",
	    MHD_get_version());
	return -1;
}
