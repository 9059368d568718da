/*
 * The lab application's request handling: its handle function with the
 * route parameters (/sleep/S, /cpu/MS), the seed route's query string
 * (?id=N&sleep=S) and the /echo body.  The input is a request:
 *
 *	METHOD SP TARGET LF BODY
 *
 * TARGET is split at '?' and its arguments decoded as libmicrohttpd
 * does (%XX, first occurrence wins, a key without '=' has no value).
 * app_lab.c is included so that nanosleep() and the CPU clock are
 * replaced: /sleep/86400 returns at once and /cpu/60000 spins one round.
 * The public functions the lab calls (<poolserve/poolserve.h>) are
 * provided over one static request by tests/reply_fake.h.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "poolserve.h"
#include "fuzz.h"
#include "../tests/reply_fake.h"

static unsigned long long	 lab_slept_ns;

static int
lab_fake_nanosleep(const struct timespec *req, struct timespec *rem)
{
	(void)rem;
	FUZZ_ASSERT(req->tv_sec >= 0 && req->tv_sec <= 86400);
	FUZZ_ASSERT(req->tv_nsec >= 0 && req->tv_nsec < 1000000000L);
	lab_slept_ns = (unsigned long long)req->tv_sec * 1000000000ULL +
	    (unsigned long long)req->tv_nsec;
	return 0;
}

/* Each reading of the CPU clock is 61 s later: one round of /cpu/MS. */
static int
lab_fake_clock_gettime(clockid_t id, struct timespec *ts)
{
	static time_t	 fake;

	(void)id;
	fake += 61;
	ts->tv_sec = fake;
	ts->tv_nsec = 0;
	return 0;
}

#define nanosleep	lab_fake_nanosleep
#define clock_gettime	lab_fake_clock_gettime
#include "../src/app_lab.c"
#undef nanosleep
#undef clock_gettime

/* %XX decoding in place, as libmicrohttpd's MHD_http_unescape(). */
static void
lab_unescape(char *s)
{
	char	*o = s;
	int	 hi, lo;

	while (*s != '\0') {
		if (s[0] == '%' && isxdigit((unsigned char)s[1]) &&
		    isxdigit((unsigned char)s[2])) {
			hi = isdigit((unsigned char)s[1]) ? s[1] - '0' :
			    tolower((unsigned char)s[1]) - 'a' + 10;
			lo = isdigit((unsigned char)s[2]) ? s[2] - '0' :
			    tolower((unsigned char)s[2]) - 'a' + 10;
			*o++ = (char)(hi * 16 + lo);
			s += 3;
		} else
			*o++ = *s++;
	}
	*o = '\0';
}

static void
lab_parse_query(char *q)
{
	char	*amp, *eq;

	while (q != NULL && lr.nargs < REPLY_FAKE_ARGS) {
		if ((amp = strchr(q, '&')) != NULL)
			*amp++ = '\0';
		if (*q != '\0') {
			if ((eq = strchr(q, '=')) != NULL)
				*eq++ = '\0';
			lab_unescape(q);
			if (eq != NULL)
				lab_unescape(eq);
			lr.args[lr.nargs].key = q;
			lr.args[lr.nargs].value = eq;
			lr.nargs++;
		}
		q = amp;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct stats_worker	 workers[1];
	static struct stats_thread	 threads[1];
	static struct stats		 st;
	struct config			 cfg;
	struct app			 a;
	const uint8_t			*lf;
	char				*line, *sp, *q, *path, *arg, want[64];
	const char			*ids, *ss;
	unsigned long long		 id, ms;
	double				 secs;
	size_t				 hlen;
	bool				 options;

	lf = memchr(data, '\n', size);
	hlen = lf != NULL ? (size_t)(lf - data) : size;
	line = fuzz_strndup(data, hlen);
	memset(&lr, 0, sizeof(lr));
	lr.body = lf != NULL ? (const char *)lf + 1 : "";
	lr.body_len = lf != NULL ? size - hlen - 1 : 0;
	if ((sp = strchr(line, ' ')) != NULL)
		*sp++ = '\0';
	else
		sp = line + strlen(line);
	lr.method = line;
	/*
	 * The lab sees only what http_check() lets through (fuzz/request_check
	 * checks it): an origin-form target ("/..."; an absolute-form one is
	 * routed on its path) or "*" alone with OPTIONS.
	 */
	if (sp[0] != '/' && (strcmp(sp, "*") != 0 ||
	    strcmp(line, "OPTIONS") != 0)) {
		free(line);
		return 0;
	}
	if ((q = strchr(sp, '?')) != NULL)
		*q++ = '\0';
	lab_unescape(sp);
	lr.path = sp;
	/* the path is compared before the query is taken apart */
	if ((path = strdup(sp)) == NULL)
		abort();
	lab_parse_query(q);

	config_defaults(&cfg);
	st.workers = workers;
	st.thread_tables = threads;
	st.threads = 1;
	st.processes = 1;
	memset(&a, 0, sizeof(a));
	a.kind = &app_lab;
	a.prefix = "";
	a.arg = "";
	a.cfg = &cfg;
	a.stats = &st;
	a.worker = 1;
	FUZZ_ASSERT(app_lab.init(&a) == 0);
	lab_slept_ns = 0;
	lr.status = 200;
	FUZZ_ASSERT(app_lab.handle(&a, NULL) == 0);
	app_lab.fini(&a);
	FUZZ_ASSERT(lr.other_headers == 0);	/* only Allow, Content-Type */

	options = strcmp(lr.method, "OPTIONS") == 0;
	FUZZ_ASSERT(lr.status == 200 || lr.status == 400 ||
	    lr.status == 404 || lr.status == 405);
	FUZZ_ASSERT(lr.out != NULL);
	FUZZ_ASSERT(lr.status != 405 || lr.allow[0] != '\0');
	/* OPTIONS of a route or of "*": an empty 200 naming the methods */
	FUZZ_ASSERT(!(options && lr.status == 200) ||
	    (lr.out_len == 0 && lr.allow[0] != '\0'));
	if (strcmp(path, "/echo") == 0 && strcmp(lr.method, "POST") == 0) {
		FUZZ_ASSERT((lr.status == 200) ==
		    (json_valid(lr.body, lr.body_len) == 0));
		if (lr.status == 200) {
			FUZZ_ASSERT(lr.out_len == lr.body_len + 1);
			FUZZ_ASSERT(memcmp(lr.out, lr.body, lr.body_len) == 0);
			FUZZ_ASSERT(lr.out[lr.body_len] == '\n');
			FUZZ_ASSERT(strcmp(lr.type, "application/json") == 0);
		}
	} else if (lr.status == 200 && !options) {
		FUZZ_ASSERT(strcmp(lr.method, "GET") == 0 ||
		    strcmp(lr.method, "HEAD") == 0);
		FUZZ_ASSERT(lr.out_len == strlen(lr.out));
	}
	if (lr.status == 200 && !options && strncmp(path, "/sleep/", 7) == 0) {
		arg = path + 7;
		FUZZ_ASSERT(config_seconds(arg, 0, SLEEP_MAX, &secs) == 0);
		FUZZ_ASSERT(lab_slept_ns / 1000000000ULL ==
		    (unsigned long long)secs);
	}
	if (lr.status == 200 && !options && strncmp(path, "/cpu/", 5) == 0) {
		FUZZ_ASSERT(config_number(path + 5, 0, CPU_MAX, &ms) == 0);
		snprintf(want, sizeof(want), "burnt %llu ms of CPU\n", ms);
		FUZZ_ASSERT(strcmp(lr.out, want) == 0);
	}
	if (strcmp(path, "/") == 0 && lr.status == 200 && !options) {
		ids = poolserve_arg(NULL, "id");
		ss = poolserve_arg(NULL, "sleep");
		if (ids != NULL) {
			FUZZ_ASSERT(config_number(ids, 0,
			    999999999999999999ULL, &id) == 0);
			snprintf(want, sizeof(want), "hello #%llu\n", id);
			FUZZ_ASSERT(strcmp(lr.out, want) == 0);
		}
		if (ss != NULL)
			FUZZ_ASSERT(config_seconds(ss, 0, SLEEP_MAX,
			    &secs) == 0);
		if (ids == NULL && ss == NULL)
			FUZZ_ASSERT(strcmp(lr.out, "Hello, world!\n") == 0);
	}
	reply_fake_done();
	free(path);
	free(line);
	return 0;
}
