/*
 * Unit tests for log.c: log_escape, the access line of log_format_access
 * and log_timestamp.  TZ is UTC so the times in the lines are fixed.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "poolserve.h"
#include "unit.h"

#define STARTED		1676731980	/* Sat Feb 18 14:53:00 2023 UTC */
#define STARTED_DAY2	1675348380	/* Thu Feb  2 14:33:00 2023 UTC */

/* What log_escape must make of one byte. */
static void
escape_ref(char *out, unsigned char c)
{
	if (c == '\\')
		strcpy(out, "\\\\");
	else if (c < 0x20 || c > 0x7e)
		snprintf(out, 5, "\\x%02x", c);
	else {
		out[0] = (char)c;
		out[1] = '\0';
	}
}

static size_t
count_char(const char *s, char c)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++)
		if (*s == c)
			n++;
	return n;
}

static void
test_escape_plain(void)
{
	char		 buf[128];
	const char	*plain = "GET /index.html?a=b&c=d%20e ~!\"'<>{}|^`";

	CHECK_EQ_INT(log_escape(buf, sizeof(buf), plain), strlen(plain));
	CHECK_EQ_STR(buf, plain);
	CHECK_EQ_INT(log_escape(buf, sizeof(buf), ""), 0);
	CHECK_EQ_STR(buf, "");
}

static void
test_escape_bytes(void)
{
	static const struct {
		const char	*in, *out;
	} t[] = {
		{ "\n",		"\\x0a" },
		{ "\r",		"\\x0d" },
		{ "\t",		"\\x09" },
		{ "\x01",	"\\x01" },
		{ "\x1f",	"\\x1f" },
		{ "\x7f",	"\\x7f" },
		{ "\x80",	"\\x80" },
		{ "\xff",	"\\xff" },
		{ "\\",		"\\\\" },
		{ " ",		" " },
		{ "~",		"~" },
		{ "a\\x0ab",	"a\\\\x0ab" },	/* a literal \x0a stays apart */
		{ "\x1b[31mred", "\\x1b[31mred" },
		{ "caf\xc3\xa9", "caf\\xc3\\xa9" },
		{ "/a\r\n\r\nb", "/a\\x0d\\x0a\\x0d\\x0ab" },
	};
	char	 buf[64];
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CHECK_EQ_INT(log_escape(buf, sizeof(buf), t[i].in),
		    strlen(t[i].out));
		CHECK_EQ_STR(buf, t[i].out);
	}
}

/*
 * For every buffer length the result is the escape of the longest prefix
 * of the input whose escape fits with its NUL: never half an escape.
 */
static void
test_escape_truncation(void)
{
	static const char *const	 inputs[] = {
		"ab\ncd", "\\\\\\", "\x01\x02\x03", "a\\\xffz\t", "plain",
	};
	char				 buf[64], want[64], one[8];
	size_t				 i, len, n, bad;
	const char			*s;

	for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		bad = 0;
		for (len = 1; len < sizeof(buf); len++) {
			want[0] = '\0';
			for (s = inputs[i]; *s != '\0'; s++) {
				escape_ref(one, (unsigned char)*s);
				if (strlen(want) + strlen(one) >= len)
					break;
				strcat(want, one);
			}
			memset(buf, 'Z', sizeof(buf));
			n = log_escape(buf, len, inputs[i]);
			if (n != strlen(want) || strcmp(buf, want) != 0 ||
			    buf[len] != 'Z') {
				printf("\tinput %zu, len %zu: got \"%s\" (%zu), "
				    "want \"%s\"\n", i, len, buf, n, want);
				bad++;
			}
		}
		CHECK_EQ_INT(bad, 0);
	}

	/* len 0 writes nothing; len 1 only the NUL. */
	memset(buf, 'Z', sizeof(buf));
	CHECK_EQ_INT(log_escape(buf, 0, "abc"), 0);
	CHECK_EQ_INT(buf[0], 'Z');
	CHECK_EQ_INT(log_escape(buf, 1, "abc"), 0);
	CHECK_EQ_INT(buf[0], '\0');
	CHECK_EQ_INT(buf[1], 'Z');

	/* Exact fits at the boundary of a \xHH and of a \\. */
	CHECK_EQ_INT(log_escape(buf, 5, "\n"), 4);
	CHECK_EQ_STR(buf, "\\x0a");
	CHECK_EQ_INT(log_escape(buf, 4, "\n"), 0);
	CHECK_EQ_STR(buf, "");
	CHECK_EQ_INT(log_escape(buf, 3, "\\"), 2);
	CHECK_EQ_STR(buf, "\\\\");
	CHECK_EQ_INT(log_escape(buf, 2, "\\"), 0);
	CHECK_EQ_STR(buf, "");
}

static void
entry_fill(struct access_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->peer = "127.0.0.1";
	e->method = "GET";
	e->uri = "/?id=1";
	e->version = "HTTP/1.1";
	e->thread = "w1c0";
	e->vars = 3;
	e->vars_bytes = 72;
	e->started = STARTED;
	e->msecs = 10007;
	e->body_bytes = 8;
	e->status = 200;
	e->resp_headers = 2;
	e->resp_header_bytes = 64;
	e->worker_req = 2;
	e->total_req = 7;
	e->pid = 1;
}

static void
test_access_line(void)
{
	struct access_entry	 e;
	char			 buf[8192];
	const char		*want;

	entry_fill(&e);
	want = "[pid: 1|app: 0|req: 2/7] 127.0.0.1 () {3 vars in 72 bytes} "
	    "[Sat Feb 18 14:53:00 2023] GET /?id=1 => generated 8 bytes in "
	    "10007 msecs (HTTP/1.1 200) 2 headers in 64 bytes (thread w1c0)\n";
	CHECK_EQ_INT(log_format_access(buf, sizeof(buf), &e), strlen(want));
	CHECK_EQ_STR(buf, want);

	/* Other numbers, a one-digit day (padded as asctime does). */
	e.pid = 4242;
	e.worker_req = 18446744073709551615ULL;
	e.total_req = 1;
	e.peer = "::1";
	e.method = "POST";
	e.uri = "/json";
	e.version = "HTTP/1.0";
	e.thread = "w12c4095";
	e.vars = 0;
	e.vars_bytes = 0;
	e.started = STARTED_DAY2;
	e.msecs = 0;
	e.body_bytes = 0;
	e.status = 503;
	e.resp_headers = 0;
	e.resp_header_bytes = 0;
	want = "[pid: 4242|app: 0|req: 18446744073709551615/1] ::1 () "
	    "{0 vars in 0 bytes} [Thu Feb  2 14:33:00 2023] POST /json => "
	    "generated 0 bytes in 0 msecs (HTTP/1.0 503) 0 headers in 0 bytes "
	    "(thread w12c4095)\n";
	CHECK_EQ_INT(log_format_access(buf, sizeof(buf), &e), strlen(want));
	CHECK_EQ_STR(buf, want);

	/* A request that waited long in the queue is flagged. */
	entry_fill(&e);
	e.queued_ms = 1234;
	want = "[pid: 1|app: 0|req: 2/7] 127.0.0.1 () {3 vars in 72 bytes} "
	    "[Sat Feb 18 14:53:00 2023] GET /?id=1 => generated 8 bytes in "
	    "10007 msecs (HTTP/1.1 200) 2 headers in 64 bytes "
	    "[queued 1234 msecs] (thread w1c0)\n";
	CHECK_EQ_INT(log_format_access(buf, sizeof(buf), &e), strlen(want));
	CHECK_EQ_STR(buf, want);

	/* Local time, as the rest of the log: UTC+2 without DST rules. */
	entry_fill(&e);
	setenv("TZ", "EET-2", 1);
	tzset();
	log_format_access(buf, sizeof(buf), &e);
	CHECK(strstr(buf, "[Sat Feb 18 16:53:00 2023]") != NULL);
	setenv("TZ", "UTC", 1);
	tzset();
}

static void
test_access_forged(void)
{
	struct access_entry	 e;
	char			 buf[8192], *uri;
	const char		*want, *p, *q;
	size_t			 n;

	entry_fill(&e);
	e.uri = "/a\n[pid: 1|app: 0|req: 1/1] forged";
	want = "[pid: 1|app: 0|req: 2/7] 127.0.0.1 () {3 vars in 72 bytes} "
	    "[Sat Feb 18 14:53:00 2023] GET /a\\x0a[pid: 1|app: 0|req: 1/1] "
	    "forged => generated 8 bytes in 10007 msecs (HTTP/1.1 200) "
	    "2 headers in 64 bytes (thread w1c0)\n";
	n = log_format_access(buf, sizeof(buf), &e);
	CHECK_EQ_INT(n, strlen(want));
	CHECK_EQ_STR(buf, want);
	CHECK_EQ_INT(count_char(buf, '\n'), 1);
	CHECK(n > 0 && buf[n - 1] == '\n');

	/* Method and version come from the client too. */
	entry_fill(&e);
	e.method = "GET\r\nX";
	e.uri = "/\\x0a";
	e.version = "HTTP/1.1\n";
	want = "[pid: 1|app: 0|req: 2/7] 127.0.0.1 () {3 vars in 72 bytes} "
	    "[Sat Feb 18 14:53:00 2023] GET\\x0d\\x0aX /\\\\x0a => generated "
	    "8 bytes in 10007 msecs (HTTP/1.1\\x0a 200) 2 headers in 64 bytes "
	    "(thread w1c0)\n";
	CHECK_EQ_INT(log_format_access(buf, sizeof(buf), &e), strlen(want));
	CHECK_EQ_STR(buf, want);
	CHECK_EQ_INT(count_char(buf, '\n'), 1);

	/* A huge target of newlines: cut, whole escapes only, one line. */
	if ((uri = malloc(20001)) == NULL)
		abort();
	memset(uri, '\n', 20000);
	uri[20000] = '\0';
	entry_fill(&e);
	e.uri = uri;
	n = log_format_access(buf, sizeof(buf), &e);
	CHECK_EQ_INT(n, strlen(buf));
	CHECK_EQ_INT(count_char(buf, '\n'), 1);
	CHECK(n > 0 && buf[n - 1] == '\n');
	p = strstr(buf, "] GET ");
	q = strstr(buf, " => generated");
	if (CHECK(p != NULL && q != NULL)) {
		p += strlen("] GET ");
		CHECK((size_t)(q - p) > 1000);
		CHECK_EQ_INT((size_t)(q - p) % 4, 0);
		CHECK(strncmp(q - 4, "\\x0a", 4) == 0);
	}
	CHECK(strstr(buf, "(thread w1c0)\n") != NULL);
	free(uri);
}

static void
test_access_truncation(void)
{
	struct access_entry	 e;
	char			 full[8192], buf[64], guard[16], *exact;
	size_t			 n, len;

	entry_fill(&e);
	log_format_access(full, sizeof(full), &e);

	/* Cut: as much of the line as fits, then the newline and the NUL. */
	n = log_format_access(buf, sizeof(buf), &e);
	CHECK_EQ_INT(n, sizeof(buf) - 1);
	CHECK_EQ_INT(strlen(buf), sizeof(buf) - 1);
	CHECK_EQ_INT(buf[sizeof(buf) - 2], '\n');
	CHECK(strncmp(buf, full, sizeof(buf) - 2) == 0);
	CHECK_EQ_INT(count_char(buf, '\n'), 1);

	/* An exact fit needs no cut. */
	len = strlen(full) + 1;
	if ((exact = malloc(len)) == NULL)
		abort();
	CHECK_EQ_INT(log_format_access(exact, len, &e), len - 1);
	CHECK_EQ_STR(exact, full);
	CHECK_EQ_INT(log_format_access(exact, len - 1, &e), len - 2);
	CHECK_EQ_INT(exact[len - 3], '\n');
	CHECK_EQ_INT(exact[len - 2], '\0');
	free(exact);

	memset(guard, 'Z', sizeof(guard));
	CHECK_EQ_INT(log_format_access(guard + 8, 2, &e), 1);
	CHECK_EQ_STR(guard + 8, "\n");
	CHECK_EQ_INT(guard[7], 'Z');
	CHECK_EQ_INT(guard[10], 'Z');

	/*
	 * No room for a newline: the result must still stay inside buf
	 * (guard + 8 .. guard + 8 + len) and be a NUL-terminated "" for len 1.
	 */
	memset(guard, 'Z', sizeof(guard));
	n = log_format_access(guard + 8, 1, &e);
	CHECK_EQ_INT(n, 0);
	CHECK_EQ_INT(guard[8], '\0');
	CHECK_EQ_INT(guard[7], 'Z');
	CHECK_EQ_INT(guard[6], 'Z');
	CHECK_EQ_INT(guard[9], 'Z');
	memset(guard, 'Z', sizeof(guard));
	n = log_format_access(guard + 8, 0, &e);
	CHECK_EQ_INT(n, 0);
	CHECK_EQ_INT(guard[8], 'Z');
	CHECK_EQ_INT(guard[7], 'Z');
	CHECK_EQ_INT(guard[6], 'Z');
}

/* YYYY-MM-DDTHH:MM:SS.uuuuuu */
static int
timestamp_shape(const char *s)
{
	static const char	 shape[] = "dddd-dd-ddTdd:dd:dd.dddddd";
	size_t			 i;

	if (strlen(s) != sizeof(shape) - 1)
		return 0;
	for (i = 0; shape[i] != '\0'; i++) {
		if (shape[i] == 'd') {
			if (!isdigit((unsigned char)s[i]))
				return 0;
		} else if (s[i] != shape[i])
			return 0;
	}
	return 1;
}

static void
test_timestamp(void)
{
	char		 buf[64], before[32], after[32];
	struct tm	 tm;
	struct timespec	 t0, t1;
	size_t		 n;

	/* Not time(2): it reads a coarser clock than gettimeofday(2). */
	clock_gettime(CLOCK_REALTIME, &t0);
	n = log_timestamp(buf, sizeof(buf));
	clock_gettime(CLOCK_REALTIME, &t1);
	CHECK_EQ_INT(n, 26);
	CHECK_EQ_INT(strlen(buf), n);
	if (!CHECK(timestamp_shape(buf)))
		printf("\tgot \"%s\"\n", buf);

	/* The seconds are now's, in local time (UTC here). */
	gmtime_r(&t0.tv_sec, &tm);
	strftime(before, sizeof(before), "%Y-%m-%dT%H:%M:%S", &tm);
	gmtime_r(&t1.tv_sec, &tm);
	strftime(after, sizeof(after), "%Y-%m-%dT%H:%M:%S", &tm);
	CHECK(strncmp(buf, before, 19) == 0 || strncmp(buf, after, 19) == 0);

	/* Exactly enough room, and room for the seconds only. */
	CHECK_EQ_INT(log_timestamp(buf, 27), 26);
	CHECK(timestamp_shape(buf));
	CHECK_EQ_INT(log_timestamp(buf, 20), 19);
	CHECK_EQ_INT(strlen(buf), 19);
	CHECK_EQ_INT(buf[10], 'T');
}

int
main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	test_escape_plain();
	test_escape_bytes();
	test_escape_truncation();
	test_access_line();
	test_access_forged();
	test_access_truncation();
	test_timestamp();
	return unit_done();
}
