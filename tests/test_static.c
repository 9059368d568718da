/*
 * Unit tests for the pure parts of the static files application: path
 * checks and UTF-8 (static_path.c), Range, If-None-Match, HTTP dates and
 * the redirect Location (app_static.c), the media types (mime.c).  The
 * files are included, so that their static functions can be called; the
 * public request functions app_static.c refers to are stubs that are
 * never called.
 */
#include "../src/static_path.c"
#include "../src/mime.c"
#include "../src/app_static.c"

#include "unit.h"

/* --- Stubs: static_handle and static_send are not run here. ---------- */
const char *
poolserve_method(const struct poolserve_request *r)
{
	(void)r;
	return "GET";
}

const char *
poolserve_path(const struct poolserve_request *r)
{
	(void)r;
	return "/";
}

const char *
poolserve_target(const struct poolserve_request *r)
{
	(void)r;
	return "/";
}

const char *
poolserve_query(const struct poolserve_request *r)
{
	(void)r;
	return "";
}

const char *
poolserve_header(const struct poolserve_request *r, const char *name)
{
	(void)r;
	(void)name;
	return NULL;
}

const char *
poolserve_client_addr(const struct poolserve_request *r)
{
	(void)r;
	return "127.0.0.1";
}

int
poolserve_set_status(struct poolserve_request *r, unsigned status)
{
	(void)r;
	(void)status;
	return 0;
}

int
poolserve_add_header(struct poolserve_request *r, const char *name,
    const char *value)
{
	(void)r;
	(void)name;
	(void)value;
	return 0;
}

int
poolserve_body_copy(struct poolserve_request *r, const void *body,
    size_t len)
{
	(void)r;
	(void)body;
	(void)len;
	return 0;
}

int
poolserve_body_static(struct poolserve_request *r, const void *body,
    size_t len)
{
	(void)r;
	(void)body;
	(void)len;
	return 0;
}

int
poolserve_body_fd(struct poolserve_request *r, int fd, uint64_t offset,
    uint64_t len)
{
	(void)r;
	(void)offset;
	(void)len;
	close(fd);
	return 0;
}

int
poolserve_respondf(struct poolserve_request *r, unsigned status,
    const char *fmt, ...)
{
	(void)r;
	(void)status;
	(void)fmt;
	return 0;
}

/* static_path_check: status, and the relative path when 0. */
static unsigned
path(const char *p, bool hidden, const char *want_rel, bool want_dir)
{
	char		 rel[256];
	const char	*why = NULL;
	bool		 dir = !want_dir;
	unsigned	 st;

	st = static_path_check(p, hidden, rel, sizeof(rel), &dir, &why);
	if (st == 0) {
		CHECK_EQ_STR(rel, want_rel);
		CHECK_EQ_INT(dir, want_dir);
	} else
		CHECK(why != NULL);
	return st;
}

static void
test_path(void)
{
	CHECK_EQ_INT(path("/", false, "", true), 0);
	CHECK_EQ_INT(path("", false, "", true), 0);
	CHECK_EQ_INT(path("/a/b.txt", false, "a/b.txt", false), 0);
	CHECK_EQ_INT(path("//a///b/./c/", false, "a/b/c", true), 0);
	CHECK_EQ_INT(path("/a/.", false, "a", false), 0);
	CHECK_EQ_INT(path("/%2e%2e", false, "%2e%2e", false), 0);
	CHECK_EQ_INT(path("/a b%c.txt", false, "a b%c.txt", false), 0);
	CHECK_EQ_INT(path("/caf\xc3\xa9/\xe2\x82\xac", false,
	    "caf\xc3\xa9/\xe2\x82\xac", false), 0);
	CHECK_EQ_INT(path("/a..b/c..", false, "a..b/c..", false), 0);

	CHECK_EQ_INT(path("/..", false, NULL, false), 403);
	CHECK_EQ_INT(path("/a/../b", false, NULL, false), 403);
	CHECK_EQ_INT(path("/../../etc/passwd", true, NULL, false), 403);
	CHECK_EQ_INT(path("/a\\..\\b", false, NULL, false), 403);
	CHECK_EQ_INT(path("/a\\b", true, NULL, false), 403);
	CHECK_EQ_INT(path("/.hidden", false, NULL, false), 404);
	CHECK_EQ_INT(path("/a/.git/config", false, NULL, false), 404);
	CHECK_EQ_INT(path("/.hidden", true, ".hidden", false), 0);
	CHECK_EQ_INT(path("/a/.git/", true, "a/.git", true), 0);
	CHECK_EQ_INT(path("/a\nb", false, NULL, false), 404);
	CHECK_EQ_INT(path("/a\x7f", false, NULL, false), 404);
	CHECK_EQ_INT(path("/\xc0\xae\xc0\xae/x", false, NULL, false), 404);
	CHECK_EQ_INT(path("/\xe0\x80\xae", false, NULL, false), 404);
	CHECK_EQ_INT(path("/\xed\xa0\x80", false, NULL, false), 404);
	CHECK_EQ_INT(path("/\xf4\x90\x80\x80", false, NULL, false), 404);
	CHECK_EQ_INT(path("/\xc3", false, NULL, false), 404);
	CHECK_EQ_INT(path("/\xff", false, NULL, false), 404);
	/* too long for the buffer */
	{
		char	 p[600];

		memset(p, 'a', sizeof(p) - 1);
		p[0] = '/';
		p[sizeof(p) - 1] = '\0';
		CHECK_EQ_INT(path(p, false, NULL, false), 404);
	}
}

static enum static_range
range(const char *h, uint64_t size, uint64_t want_off, uint64_t want_len)
{
	uint64_t		 off = 0, len = 0;
	enum static_range	 r;

	r = static_range_parse(h, size, &off, &len);
	if (r == STATIC_RANGE_PART) {
		CHECK_EQ_INT(off, want_off);
		CHECK_EQ_INT(len, want_len);
	}
	return r;
}

static void
test_range(void)
{
	CHECK_EQ_INT(range("bytes=0-99", 1000, 0, 100), STATIC_RANGE_PART);
	CHECK_EQ_INT(range("bytes=0-0", 1000, 0, 1), STATIC_RANGE_PART);
	CHECK_EQ_INT(range("bytes=10-", 1000, 10, 990), STATIC_RANGE_PART);
	CHECK_EQ_INT(range("bytes=-10", 1000, 990, 10), STATIC_RANGE_PART);
	CHECK_EQ_INT(range("bytes=-5000", 1000, 0, 1000), STATIC_RANGE_PART);
	CHECK_EQ_INT(range("bytes=900-5000", 1000, 900, 100),
	    STATIC_RANGE_PART);
	CHECK_EQ_INT(range("Bytes = 1-2 ", 1000, 1, 2), STATIC_RANGE_PART);
	CHECK_EQ_INT(range("bytes=999-99999999999999999999999", 1000, 999,
	    1), STATIC_RANGE_PART);
	CHECK_EQ_INT(range("bytes=1000-", 1000, 0, 0), STATIC_RANGE_UNSAT);
	CHECK_EQ_INT(range("bytes=1000-2000", 1000, 0, 0),
	    STATIC_RANGE_UNSAT);
	CHECK_EQ_INT(range("bytes=99999999999999999999-", 1000, 0, 0),
	    STATIC_RANGE_UNSAT);
	CHECK_EQ_INT(range("bytes=-0", 1000, 0, 0), STATIC_RANGE_UNSAT);
	CHECK_EQ_INT(range("bytes=0-", 0, 0, 0), STATIC_RANGE_UNSAT);
	CHECK_EQ_INT(range("bytes=-1", 0, 0, 0), STATIC_RANGE_UNSAT);
	CHECK_EQ_INT(range("bytes=0-1,3-4", 1000, 0, 0), STATIC_RANGE_NONE);
	CHECK_EQ_INT(range("bytes=5-2", 1000, 0, 0), STATIC_RANGE_NONE);
	CHECK_EQ_INT(range("bytes=-", 1000, 0, 0), STATIC_RANGE_NONE);
	CHECK_EQ_INT(range("bytes=", 1000, 0, 0), STATIC_RANGE_NONE);
	CHECK_EQ_INT(range("bytes=a-b", 1000, 0, 0), STATIC_RANGE_NONE);
	CHECK_EQ_INT(range("bytes=1-2x", 1000, 0, 0), STATIC_RANGE_NONE);
	CHECK_EQ_INT(range("bytes=--1", 1000, 0, 0), STATIC_RANGE_NONE);
	CHECK_EQ_INT(range("bytes=+1-2", 1000, 0, 0), STATIC_RANGE_NONE);
	CHECK_EQ_INT(range("lines=1-2", 1000, 0, 0), STATIC_RANGE_NONE);
	CHECK_EQ_INT(range("bytes 1-2", 1000, 0, 0), STATIC_RANGE_NONE);
}

static void
test_etag(void)
{
	const char	*e = "\"65a3f9e5-400\"";

	CHECK(static_etag_match("\"65a3f9e5-400\"", e));
	CHECK(static_etag_match("W/\"65a3f9e5-400\"", e));
	CHECK(static_etag_match("\"x\", \"65a3f9e5-400\"", e));
	CHECK(static_etag_match("\"x\",W/\"y\" ,\t\"65a3f9e5-400\" ", e));
	CHECK(static_etag_match("*", e));
	CHECK(static_etag_match(" , *", e));
	CHECK(!static_etag_match("\"65a3f9e5-401\"", e));
	CHECK(!static_etag_match("\"65a3f9e5-40\"", e));
	CHECK(!static_etag_match("65a3f9e5-400", e));
	CHECK(!static_etag_match("\"65a3f9e5-400", e));
	CHECK(!static_etag_match("", e));
	CHECK(!static_etag_match("w/\"65a3f9e5-400\"", e));
	CHECK(!static_etag_match("\"a,b\", x", e));
}

static void
test_dates(void)
{
	char	 buf[40];
	time_t	 t;

	static_http_date(1704164645, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "Tue, 02 Jan 2024 03:04:05 GMT");
	static_http_date(0, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "Thu, 01 Jan 1970 00:00:00 GMT");
	CHECK_EQ_INT(static_parse_date("Tue, 02 Jan 2024 03:04:05 GMT", &t),
	    0);
	CHECK_EQ_INT(t, 1704164645);
	CHECK_EQ_INT(static_parse_date("Tuesday, 02-Jan-24 03:04:05 GMT",
	    &t), 0);
	CHECK_EQ_INT(t, 1704164645);
	CHECK_EQ_INT(static_parse_date("Tue Jan  2 03:04:05 2024", &t), 0);
	CHECK_EQ_INT(t, 1704164645);
	CHECK_EQ_INT(static_parse_date("Tue, 02 Jan 2024 03:04:05 GMT x",
	    &t), -1);
	CHECK_EQ_INT(static_parse_date("2024-01-02T03:04:05Z", &t), -1);
	CHECK_EQ_INT(static_parse_date("", &t), -1);
	CHECK_EQ_INT(static_parse_date("yesterday", &t), -1);
}

static void
test_location(void)
{
	char	 buf[64];

	CHECK_EQ_INT(static_location("/s", "dir", "", buf, sizeof(buf)), 0);
	CHECK_EQ_STR(buf, "/s/dir/");
	CHECK_EQ_INT(static_location("", "a b/%c", "x=1&y=%20", buf,
	    sizeof(buf)), 0);
	CHECK_EQ_STR(buf, "/a%20b/%25c/?x=1&y=%20");
	CHECK_EQ_INT(static_location("/s", "", "", buf, sizeof(buf)), 0);
	CHECK_EQ_STR(buf, "/s/");
	CHECK_EQ_INT(static_location("", "caf\xc3\xa9?#", "", buf,
	    sizeof(buf)), 0);
	CHECK_EQ_STR(buf, "/caf%C3%A9%3F%23/");
	CHECK_EQ_INT(static_location("/s", "0123456789012345678901234567890"
	    "123456789012345678901234567890", "", buf, sizeof(buf)), -1);
}

static void
test_mime(void)
{
	struct mime_table	 t;
	char			 file[] = "/tmp/test_static.XXXXXX";
	FILE			*fp;
	int			 fd;
	size_t			 i;

	CHECK((fd = mkstemp(file)) != -1);
	CHECK((fp = fdopen(fd, "w")) != NULL);
	fputs("# comment\n"
	    "text/html\t\thtml htm # trailing comment\n"
	    "application/x-empty\n"
	    "\n"
	    "image/png png\r\n"
	    "application/tm+json\ttm.json\n"
	    "application/json json\n"
	    "text/x-first\tdup\n"
	    "text/x-second\tdup\n"
	    "application/x-Mixed\tTeiCorpus\n", fp);
	fclose(fp);
	memset(&t, 0, sizeof(t));
	CHECK_EQ_INT(mime_load(&t, file), 0);
	unlink(file);
	for (i = 1; i < t.n; i++)
		CHECK(strcasecmp(t.m[i - 1].ext, t.m[i].ext) < 0);
	CHECK_EQ_STR(mime_lookup(&t, "a.html"),
	    "text/html; charset=utf-8");
	CHECK_EQ_STR(mime_lookup(&t, "A.HTM"),
	    "text/html; charset=utf-8");
	CHECK_EQ_STR(mime_lookup(&t, "x.png"), "image/png");
	CHECK_EQ_STR(mime_lookup(&t, "x.tm.json"),
	    "application/tm+json");
	CHECK_EQ_STR(mime_lookup(&t, "x.json"),
	    "application/json; charset=utf-8");
	CHECK_EQ_STR(mime_lookup(&t, "x.dup"),
	    "text/x-first; charset=utf-8");
	CHECK_EQ_STR(mime_lookup(&t, "x.teicorpus"),
	    "application/x-Mixed");
	/* from the built-in table: not in the file */
	CHECK_EQ_STR(mime_lookup(&t, "x.css"),
	    "text/css; charset=utf-8");
	CHECK_EQ_STR(mime_lookup(&t, "x.wasm"), "application/wasm");
	CHECK_EQ_STR(mime_lookup(&t, "x.unknown"),
	    MIME_DEFAULT_TYPE);
	CHECK_EQ_STR(mime_lookup(&t, "png"), MIME_DEFAULT_TYPE);
	CHECK_EQ_STR(mime_lookup(&t, ".png"), MIME_DEFAULT_TYPE);
	CHECK_EQ_STR(mime_lookup(&t, "x."), MIME_DEFAULT_TYPE);
	CHECK_EQ_STR(mime_lookup(&t, ".x.png"), "image/png");
	mime_free(&t);

	/* no file: the built-in table alone */
	CHECK_EQ_INT(mime_load(&t, "/nonexistent/mime.types"), 0);
	CHECK_EQ_INT(t.n, sizeof(mime_builtin) / sizeof(mime_builtin[0]));
	CHECK_EQ_STR(mime_lookup(&t, "x.js"),
	    "text/javascript; charset=utf-8");
	CHECK_EQ_STR(mime_lookup(&t, "x.svg"),
	    "image/svg+xml; charset=utf-8");
	mime_free(&t);
}

int
main(void)
{
	test_path();
	test_range();
	test_etag();
	test_dates();
	test_location();
	test_mime();
	return unit_done();
}
