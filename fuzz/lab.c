/*
 * The lab application's request handling: app_lab_handle() with the
 * route parameters (/sleep/S, /cpu/MS), the seed route's query string
 * (?id=N&sleep=S) and the /echo body.  The input is a request:
 *
 *	METHOD SP TARGET LF BODY
 *
 * TARGET is split at '?' and its arguments decoded as libmicrohttpd
 * does (%XX, first occurrence wins, a key without '=' has no value).
 * app_lab.c is included so that nanosleep() and the CPU clock are
 * replaced: /sleep/86400 returns at once and /cpu/60000 spins one round.
 * worker.c's request accessors are provided here.
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

#define LAB_ARGS_MAX	16

struct lab_arg {
	char	*key;
	char	*value;		/* NULL: "key" without '=' */
};

struct request {
	char		*method;
	char		*path;
	struct lab_arg	 args[LAB_ARGS_MAX];
	unsigned	 nargs;
	const char	*body;
	size_t		 body_len;
};

const char *
request_method(const struct request *r)
{
	return r->method;
}

const char *
request_path(const struct request *r)
{
	return r->path;
}

const char *
request_arg(const struct request *r, const char *key)
{
	unsigned	 i;

	for (i = 0; i < r->nargs; i++)
		if (strcmp(r->args[i].key, key) == 0)
			return r->args[i].value;
	return NULL;
}

const char *
request_body(const struct request *r, size_t *len)
{
	*len = r->body_len;
	return r->body;
}

static uint64_t	 lab_count;

uint64_t
worker_lab_next(void)
{
	return ++lab_count;
}

/* log.c's, without the write: the format still runs. */
void
log_app(const char *fmt, ...)
{
	char	 buf[8192];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
}

size_t
log_timestamp(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "2026-11-23T12:00:00.000000");
}

/* stats.c's, over a table made here (the lab harness links no stats.c). */
struct stats_thread *
stats_thread(struct stats *st, unsigned worker, unsigned core)
{
	return &st->threads_of[(worker - 1) * st->threads + core];
}

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
lab_parse_query(struct request *r, char *q)
{
	char	*amp, *eq;

	while (q != NULL && r->nargs < LAB_ARGS_MAX) {
		if ((amp = strchr(q, '&')) != NULL)
			*amp++ = '\0';
		if (*q != '\0') {
			if ((eq = strchr(q, '=')) != NULL)
				*eq++ = '\0';
			lab_unescape(q);
			if (eq != NULL)
				lab_unescape(eq);
			r->args[r->nargs].key = q;
			r->args[r->nargs].value = eq;
			r->nargs++;
		}
		q = amp;
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct stats_worker	 workers[1];
	static struct stats_thread	 threads[1];
	static struct stats		 st;
	struct config			 cfg;
	struct app_ctx			 ctx;
	struct request			 r;
	struct reply			 rep;
	const uint8_t			*lf;
	char				*line, *sp, *q, *path, *arg, want[64];
	const char			*ids, *ss;
	unsigned long long		 id, ms;
	double				 secs;
	size_t				 hlen;

	lf = memchr(data, '\n', size);
	hlen = lf != NULL ? (size_t)(lf - data) : size;
	line = fuzz_strndup(data, hlen);
	memset(&r, 0, sizeof(r));
	r.body = lf != NULL ? (const char *)lf + 1 : "";
	r.body_len = lf != NULL ? size - hlen - 1 : 0;
	if ((sp = strchr(line, ' ')) != NULL)
		*sp++ = '\0';
	else
		sp = line + strlen(line);
	r.method = line;
	if ((q = strchr(sp, '?')) != NULL)
		*q++ = '\0';
	lab_unescape(sp);
	r.path = sp;
	/* the path is compared before the query is taken apart */
	if ((path = strdup(sp)) == NULL)
		abort();
	lab_parse_query(&r, q);

	config_defaults(&cfg);
	st.workers = workers;
	st.threads_of = threads;
	st.threads = 1;
	st.processes = 1;
	ctx.cfg = &cfg;
	ctx.stats = &st;
	ctx.worker = 1;
	ctx.core = 0;
	ctx.thread = "w1c0";
	memset(&rep, 0, sizeof(rep));
	lab_slept_ns = 0;
	app_lab_handle(&ctx, &r, &rep);

	FUZZ_ASSERT(rep.status == 200 || rep.status == 400 ||
	    rep.status == 404 || rep.status == 405);
	FUZZ_ASSERT(rep.body != NULL);
	FUZZ_ASSERT(rep.status != 405 || rep.allow != NULL);
	if (strcmp(path, "/echo") == 0 && strcmp(r.method, "POST") == 0) {
		FUZZ_ASSERT((rep.status == 200) ==
		    (json_valid(r.body, r.body_len) == 0));
		if (rep.status == 200) {
			FUZZ_ASSERT(rep.len == r.body_len + 1);
			FUZZ_ASSERT(memcmp(rep.body, r.body, r.body_len) == 0);
			FUZZ_ASSERT(rep.body[r.body_len] == '\n');
		}
	} else if (rep.status == 200) {
		FUZZ_ASSERT(strcmp(r.method, "GET") == 0 ||
		    strcmp(r.method, "HEAD") == 0);
		FUZZ_ASSERT(rep.len == strlen(rep.body));
	}
	if (rep.status == 200 && strncmp(path, "/sleep/", 7) == 0) {
		arg = path + 7;
		FUZZ_ASSERT(config_seconds(arg, 0, SLEEP_MAX, &secs) == 0);
		FUZZ_ASSERT(lab_slept_ns / 1000000000ULL ==
		    (unsigned long long)secs);
	}
	if (rep.status == 200 && strncmp(path, "/cpu/", 5) == 0) {
		FUZZ_ASSERT(config_number(path + 5, 0, CPU_MAX, &ms) == 0);
		snprintf(want, sizeof(want), "burnt %llu ms of CPU\n", ms);
		FUZZ_ASSERT(strcmp(rep.body, want) == 0);
	}
	if (strcmp(path, "/") == 0 && rep.status == 200) {
		ids = request_arg(&r, "id");
		ss = request_arg(&r, "sleep");
		if (ids != NULL) {
			FUZZ_ASSERT(config_number(ids, 0,
			    999999999999999999ULL, &id) == 0);
			snprintf(want, sizeof(want), "hello #%llu", id);
			FUZZ_ASSERT(strcmp(rep.body, want) == 0);
		}
		if (ss != NULL)
			FUZZ_ASSERT(config_seconds(ss, 0, SLEEP_MAX,
			    &secs) == 0);
		if (ids == NULL && ss == NULL)
			FUZZ_ASSERT(strcmp(rep.body, "Hello, world!") == 0);
	}
	if (!rep.body_static)
		free(rep.body);
	free(path);
	free(line);
	return 0;
}
