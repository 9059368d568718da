/*
 * poolserve-stat reading a stats document from a server it cannot trust:
 * json_parse() (src/json.c), snap_build() into the sample, view_build()
 * and term_frame(), the bytes that draw the screen.  No server string
 * may reach the terminal as a control sequence, and every error is one
 * printable line.
 *
 * The tree is also checked against the verdict of the same parser
 * (json_valid(), the server's /echo): a text json_valid() accepts is
 * parsed unless it exceeds poolserve-stat's documented limits (depth 32,
 * integers, 47-byte numbers), and a text it rejects is refused unless
 * the difference is the UTF-8 check poolserve-stat leaves out.
 */
#include "config.h"

#include "stat_fuzz.h"

/* A previous sample, so that the rate columns are computed too. */
static const char	 prev_doc[] =
    "{\"version\":\"0.1.0\",\"start_time\":1,\"uptime\":100000,"
    "\"master_pid\":1,\"processes\":1,\"threads\":1,\"queue\":0,"
    "\"requests\":5,\"in_progress\":0,\"waiting\":0,\"sockets\":[],"
    "\"workers\":[{\"id\":1,\"pid\":2,\"requests\":5,\"skipped\":0,"
    "\"rejected\":0,\"respawn_count\":0,\"rss\":0,\"avg_rt\":0,"
    "\"running\":0,\"waiting\":0,\"connections\":0,\"status\":\"idle\","
    "\"cores\":[]}]}";

static int
stat_has_high(const uint8_t *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (p[i] >= 0x80)
			return 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json	 j, pj;
	struct snap	 s, prev;
	struct frame	 f;
	struct term	 tm;
	char		*screen;
	size_t		 slen;
	int		 rc, valid;

	rc = json_parse(&j, (const char *)data, size);
	valid = json_valid((const char *)data, size) == 0;
	FUZZ_ASSERT(rc == 0 || rc == -1);
	if (rc == -1) {
		FUZZ_ASSERT(j.err[0] != '\0');
		FUZZ_ASSERT(fuzz_printable(j.err, strlen(j.err)));
		if (valid)
			FUZZ_ASSERT(strstr(j.err, "nested deeper") != NULL ||
			    strstr(j.err, "number") != NULL ||
			    strstr(j.err, "more than") != NULL);
		json_free(&j);
		return 0;
	}
	if (!valid)
		FUZZ_ASSERT(stat_has_high(data, size));
	FUZZ_ASSERT(j.n > 0);

	if (snap_build(&j, &s) == -1) {
		FUZZ_ASSERT(j.err[0] != '\0');
		FUZZ_ASSERT(fuzz_printable(j.err, strlen(j.err)));
		snap_free(&s);
		json_free(&j);
		return 0;
	}
	json_free(&j);
	FUZZ_ASSERT(fuzz_printable(s.version, strlen(s.version)));

	FUZZ_ASSERT(json_parse(&pj, prev_doc, sizeof(prev_doc) - 1) == 0);
	FUZZ_ASSERT(snap_build(&pj, &prev) == 0);
	json_free(&pj);
	prev.mono = 1.0;
	s.mono = 1.0 + (double)(size % 7);

	memset(&f, 0, sizeof(f));
	f.cols = (int)(size % 200);
	view_build(&f, &s, size % 2 == 0 ? &prev : NULL,
	    size % 3 == 0 ? "bad JSON at byte 7: unexpected character" :
	    NULL);
	stat_frame_check(&f);

	memset(&tm, 0, sizeof(tm));
	tm.cols = (int)(size % 120) + 1;
	tm.rows = (int)(size % 50) + 1;
	tm.bold = size % 5 != 0;
	FUZZ_ASSERT((screen = term_frame(&tm, &f, &slen)) != NULL);
	stat_screen_check(screen, slen);
	free(screen);
	frame_free(&f);
	snap_free(&s);
	snap_free(&prev);
	return 0;
}
