/*
 * Unit tests for http.c: http_check() refuses what RFC 9110/9112 refuse
 * and libmicrohttpd 0.9.75 lets through, with the status and the reason
 * logged, and lets the rest through (an absolute-form target routed on
 * its path).  The two libmicrohttpd calls it makes are answered from a
 * table (mhd_head.h), and the request line is laid out as libmicrohttpd keeps
 * it: method, target and version in one buffer, NUL-separated.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <microhttpd.h>

#include "poolserve.h"
#include "unit.h"
#include "mhd_head.h"

static char	 why[256];
static char	 routed[512];

/*
 * http_check() of "METHOD TARGET VERSION" (single spaces unless gap) and
 * the fields given as "Name", "value" pairs ending with NULL; the path
 * to route is left in routed.  The status, 0 when let through.
 */
static unsigned
check(const char *method, const char *target, const char *version,
    unsigned gap, unsigned max, ...)
{
	struct http_head	 h;
	static char		 line[512];
	const char		*k;
	size_t			 m = strlen(method), t = strlen(target);
	va_list			 ap;
	unsigned		 status;

	mhd_head_nfields = 0;
	mhd_head_size = m + t + strlen(version) + 6;	/* the empty line too */
	va_start(ap, max);
	while ((k = va_arg(ap, const char *)) != NULL &&
	    mhd_head_nfields < MHD_HEAD_FIELDS) {
		mhd_head_fields[mhd_head_nfields].key = k;
		mhd_head_fields[mhd_head_nfields].value = va_arg(ap,
		    const char *);
		mhd_head_size += strlen(k) + 2 +
		    strlen(mhd_head_fields[mhd_head_nfields].value) + 2;
		mhd_head_nfields++;
	}
	va_end(ap);
	memset(line, 0, sizeof(line));
	memcpy(line, method, m);
	memcpy(line + m + 1, target, t);
	memcpy(line + m + 1 + t + gap, version, strlen(version));
	memset(&h, 0, sizeof(h));
	h.method = line;
	h.target = line + m + 1;
	h.version = line + m + 1 + t + gap;
	h.path = target;
	h.max_header_size = max;
	why[0] = '\0';
	status = http_check(&h, why, sizeof(why));
	snprintf(routed, sizeof(routed), "%s", h.path);
	return status;
}

#define GET(target, ...)						\
	check("GET", target, "HTTP/1.1", 1, 16384, __VA_ARGS__)
#define HOST	"Host", "a"

static void
test_let_through(void)
{
	CHECK_EQ_INT(GET("/", HOST, NULL), 0);
	CHECK_EQ_STR(why, "");
	CHECK_EQ_STR(routed, "/");
	CHECK_EQ_INT(GET("/a/b%20c?x=1&y=%2F", HOST, NULL), 0);
	CHECK_EQ_INT(check("GET", "/", "HTTP/1.0", 1, 16384, NULL), 0);
	CHECK_EQ_INT(check("OPTIONS", "*", "HTTP/1.1", 1, 16384, HOST, NULL),
	    0);
	CHECK_EQ_INT(check("PATCH", "/", "HTTP/1.1", 1, 16384, HOST, NULL), 0);
	CHECK_EQ_INT(GET("/", "Host", "[::1]:8080", NULL), 0);
	CHECK_EQ_INT(GET("/", "Host", "127.0.0.1:80", NULL), 0);
	CHECK_EQ_INT(GET("/", "Host", "", NULL), 0);	/* RFC 9112 3.2 */
	CHECK_EQ_INT(GET("/", HOST, "Content-Length", "3",
	    "content-length", "3", NULL), 0);
	CHECK_EQ_INT(check("POST", "/echo", "HTTP/1.1", 1, 16384, HOST,
	    "Transfer-Encoding", "Chunked", NULL), 0);
	CHECK_EQ_INT(GET("/", HOST, "Expect", "100-Continue", NULL), 0);
	CHECK_EQ_INT(GET("/", HOST, "X-Tab", "a\tb", NULL), 0);

	/* absolute-form: its authority is checked, its path is routed */
	CHECK_EQ_INT(GET("http://example.com:8080/x/y?q", HOST, NULL), 0);
	CHECK_EQ_STR(routed, "/x/y?q");
	CHECK_EQ_INT(GET("HTTPS://example.com", HOST, NULL), 0);
	CHECK_EQ_STR(routed, "/");
}

static void
test_request_line(void)
{
	CHECK_EQ_INT(check("GET", "/", "HTTP/1.1", 2, 16384, HOST, NULL),
	    MHD_HTTP_BAD_REQUEST);
	CHECK_EQ_STR(why, "malformed request line");
	CHECK_EQ_INT(check("G(T", "/", "HTTP/1.1", 1, 16384, HOST, NULL),
	    MHD_HTTP_BAD_REQUEST);
	CHECK_EQ_STR(why, "bad method");
	CHECK_EQ_INT(check("BREW", "/", "HTTP/1.1", 1, 16384, HOST, NULL),
	    MHD_HTTP_NOT_IMPLEMENTED);
	CHECK_EQ_STR(why, "unknown method");
	CHECK_EQ_INT(check("get", "/", "HTTP/1.1", 1, 16384, HOST, NULL),
	    MHD_HTTP_NOT_IMPLEMENTED);		/* methods are case-sensitive */
	CHECK_EQ_INT(check("CONNECT", "a:443", "HTTP/1.1", 1, 16384, HOST,
	    NULL), MHD_HTTP_NOT_IMPLEMENTED);
	CHECK_EQ_STR(why, "CONNECT: not a proxy");
	CHECK_EQ_INT(GET("*", HOST, NULL), MHD_HTTP_BAD_REQUEST);
	CHECK_EQ_STR(why, "'*' target with GET");
	CHECK_EQ_INT(GET("x", HOST, NULL), MHD_HTTP_BAD_REQUEST);
	CHECK_EQ_STR(why, "malformed request target");
	CHECK_EQ_INT(GET("/a#frag", HOST, NULL), MHD_HTTP_BAD_REQUEST);
	CHECK_EQ_INT(GET("/%zz", HOST, NULL), MHD_HTTP_BAD_REQUEST);
	CHECK_EQ_INT(GET("/%00", HOST, NULL), MHD_HTTP_BAD_REQUEST);
	CHECK_EQ_INT(GET("/%4", HOST, NULL), MHD_HTTP_BAD_REQUEST);
	CHECK_EQ_INT(GET("/\x7f", HOST, NULL), MHD_HTTP_BAD_REQUEST);
	CHECK_EQ_INT(GET("http://a@b/", HOST, NULL), MHD_HTTP_BAD_REQUEST);
	CHECK_EQ_STR(why, "bad authority in the target");
	CHECK_EQ_INT(GET("http:///x", HOST, NULL), MHD_HTTP_BAD_REQUEST);
}

static void
test_sizes(void)
{
	/*
	 * "GET /aaaa HTTP/1.1\r\n" is 20 bytes: 414 past it, to the byte;
	 * with the empty line the head is 22: 431 past that.
	 */
	CHECK_EQ_INT(check("GET", "/aaaa", "HTTP/1.1", 1, 22, NULL),
	    MHD_HTTP_BAD_REQUEST);		/* no Host, but not too long */
	CHECK_EQ_STR(why, "0 Host fields");
	CHECK_EQ_INT(check("GET", "/aaaa", "HTTP/1.1", 1, 21, NULL),
	    MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE);
	CHECK_EQ_INT(check("GET", "/aaaa", "HTTP/1.1", 1, 20, NULL),
	    MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE);
	CHECK_EQ_INT(check("GET", "/aaaa", "HTTP/1.1", 1, 19, NULL),
	    MHD_HTTP_URI_TOO_LONG);
	CHECK_EQ_STR(why, "request line of 20 bytes, over --max-header-size "
	    "19");
	/* the line, "Host: a\r\n" (9) and the empty line (2): 31 */
	CHECK_EQ_INT(check("GET", "/aaaa", "HTTP/1.1", 1, 31, HOST, NULL), 0);
	CHECK_EQ_INT(check("GET", "/aaaa", "HTTP/1.1", 1, 30, HOST, NULL),
	    MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE);
	CHECK_EQ_STR(why, "request header of 31 bytes, over "
	    "--max-header-size 30");
}

static void
test_fields(void)
{
	CHECK_EQ_INT(GET("/", NULL), MHD_HTTP_BAD_REQUEST);
	CHECK_EQ_STR(why, "0 Host fields");
	CHECK_EQ_INT(GET("/", HOST, "host", "a", NULL), MHD_HTTP_BAD_REQUEST);
	CHECK_EQ_STR(why, "2 Host fields");
	CHECK_EQ_INT(check("GET", "/", "HTTP/1.0", 1, 16384, HOST, HOST, NULL),
	    MHD_HTTP_BAD_REQUEST);
	CHECK_EQ_INT(GET("/", "Host", "a:b:80", NULL), MHD_HTTP_BAD_REQUEST);
	CHECK_EQ_STR(why, "bad Host field");
	CHECK_EQ_INT(GET("/", "Host", "[::1]x:80", NULL),
	    MHD_HTTP_BAD_REQUEST);
	CHECK_EQ_INT(GET("/", "Host", "a:8o", NULL), MHD_HTTP_BAD_REQUEST);
	CHECK_EQ_INT(GET("/", "Host", "a b", NULL), MHD_HTTP_BAD_REQUEST);
	CHECK_EQ_INT(GET("/", HOST, "Bad Name", "x", NULL),
	    MHD_HTTP_BAD_REQUEST);
	CHECK_EQ_STR(why, "malformed header field");
	CHECK_EQ_INT(GET("/", HOST, "X", "a\rb", NULL), MHD_HTTP_BAD_REQUEST);
	CHECK_EQ_INT(GET("/", HOST, "X", "a\x7f", NULL), MHD_HTTP_BAD_REQUEST);
}

static void
test_framing(void)
{
	CHECK_EQ_INT(GET("/", HOST, "Content-Length", "3",
	    "Content-Length", "4", NULL), MHD_HTTP_BAD_REQUEST);
	CHECK_EQ_STR(why, "conflicting Content-Length fields");
	CHECK_EQ_INT(GET("/", HOST, "Transfer-Encoding", "chunked",
	    "Content-Length", "4", NULL), MHD_HTTP_BAD_REQUEST);
	CHECK_EQ_STR(why, "both Transfer-Encoding and Content-Length");
	CHECK_EQ_INT(check("POST", "/", "HTTP/1.0", 1, 16384,
	    "Transfer-Encoding", "chunked", NULL), MHD_HTTP_BAD_REQUEST);
	CHECK_EQ_STR(why, "Transfer-Encoding in HTTP/1.0");
	CHECK_EQ_INT(GET("/", HOST, "Transfer-Encoding", "chunked",
	    "Transfer-Encoding", "chunked", NULL), MHD_HTTP_BAD_REQUEST);
	CHECK_EQ_STR(why, "several Transfer-Encoding fields");
	CHECK_EQ_INT(GET("/", HOST, "Transfer-Encoding", "gzip", NULL),
	    MHD_HTTP_BAD_REQUEST);
	CHECK_EQ_STR(why, "Transfer-Encoding not ending in chunked");
	CHECK_EQ_INT(GET("/", HOST, "Transfer-Encoding", "gzip, chunked",
	    NULL), MHD_HTTP_NOT_IMPLEMENTED);
	CHECK_EQ_STR(why, "unsupported Transfer-Encoding");
	CHECK_EQ_INT(GET("/", HOST, "Expect", "200-ok", NULL),
	    MHD_HTTP_EXPECTATION_FAILED);
	CHECK_EQ_STR(why, "unsupported expectation");
	CHECK_EQ_INT(GET("/", HOST, "Expect", "100-continue", "Expect",
	    "100-continue", NULL), MHD_HTTP_EXPECTATION_FAILED);
}

static void
test_words(void)
{
	CHECK(http_token("X-Forwarded-For"));
	CHECK(http_token("!#$%&'*+-.^_`|~"));
	CHECK(!http_token(""));
	CHECK(!http_token("a b"));
	CHECK(!http_token("a:"));
	CHECK(http_known_method("DELETE"));
	CHECK(http_known_method("TRACE"));
	CHECK(!http_known_method("PROPFIND"));
	CHECK(!http_known_method("Get"));
}

int
main(void)
{
	test_let_through();
	test_request_line();
	test_sizes();
	test_fields();
	test_framing();
	test_words();
	return unit_done();
}
