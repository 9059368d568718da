/*
 * The built-in lab application: routes that reproduce the concurrency
 * experiments poolserve is measured by.  Handlers run on a pool thread and
 * fill a struct reply; they never touch libmicrohttpd.
 *
 *   GET /                 Hello, world!
 *   GET /?id=N&sleep=S    the seed route: log, sleep S seconds, "hello #N"
 *   GET /sleep/S          sleep S seconds
 *   GET /cpu/MS           keep the CPU busy for MS milliseconds
 *   GET /hit              one counter shared by all processes
 *   POST /echo            a JSON body, validated and sent back
 *   GET /info             where the request ran, as JSON
 *   OPTIONS <route> or *  the methods allowed (Allow), an empty 200
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "poolserve.h"

#define SLEEP_MAX	86400.0		/* seconds */
#define CPU_MAX		60000ULL	/* milliseconds */

static const char	 hello[] = "Hello, world!";
static const char	 get_allow[] = "GET, HEAD, OPTIONS";
static const char	 post_allow[] = "POST, OPTIONS";
static const char	 all_allow[] = "GET, HEAD, POST, OPTIONS";

/* OPTIONS: an empty 200 naming the methods in Allow (RFC 9110 9.3.7). */
static void
lab_options(const char *allow, struct reply *rep)
{
	rep->status = 200;
	rep->body = (char *)"";
	rep->len = 0;
	rep->body_static = true;
	rep->allow = allow;
}

void
reply_text(struct reply *rep, unsigned status, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	rep->status = status;
	rep->content_type = "text/plain; charset=utf-8";
	va_start(ap, fmt);
	n = vasprintf(&rep->body, fmt, ap);
	va_end(ap);
	if (n < 0) {
		rep->body = NULL;
		n = 0;
	}
	rep->len = (size_t)n;
	rep->body_static = rep->body == NULL;
	if (rep->body == NULL)
		rep->body = (char *)"";
}

static void
lab_sleep(double secs)
{
	struct timespec	 ts;

	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* The seed route: GET /?id=N&sleep=S, logged as the experiments log it. */
static void
lab_seed(const struct app_ctx *ctx, struct request *r, struct reply *rep)
{
	const char		*ids = request_arg(r, "id");
	const char		*ss = request_arg(r, "sleep");
	unsigned long long	 id;
	double			 secs = 0;
	uint64_t		 count;
	char			 ts[64];

	if (ids != NULL && config_number(ids, 0, 999999999999999999ULL,
	    &id) == -1) {
		reply_text(rep, 400, "bad id: a whole number from 0 to "
		    "999999999999999999 is needed\n");
		return;
	}
	if (ss != NULL && config_seconds(ss, 0, SLEEP_MAX, &secs) == -1) {
		reply_text(rep, 400, "bad sleep: a number of seconds from 0 "
		    "to %.0f is needed\n", SLEEP_MAX);
		return;
	}
	count = worker_lab_next();
	if (ids == NULL)
		id = count;
	log_timestamp(ts, sizeof(ts));
	log_app("%s - %d-%s: #%llu processing request id[%llu], sleeping...",
	    ts, (int)getpid(), ctx->thread, (unsigned long long)count, id);
	lab_sleep(secs);
	log_timestamp(ts, sizeof(ts));
	log_app("%s - %d-%s: done request id[%llu]", ts, (int)getpid(),
	    ctx->thread, id);
	reply_text(rep, 200, "hello #%llu", id);
}

static void
lab_sleep_route(const char *arg, struct reply *rep)
{
	double	 secs;

	if (config_seconds(arg, 0, SLEEP_MAX, &secs) == -1) {
		reply_text(rep, 400, "bad /sleep/S: S must be a number of "
		    "seconds from 0 to %.0f\n", SLEEP_MAX);
		return;
	}
	lab_sleep(secs);
	reply_text(rep, 200, "slept %s s\n", arg);
}

/* Burn this thread's CPU time, not wall time, for ms milliseconds. */
static void
lab_cpu_route(const char *arg, struct reply *rep)
{
	unsigned long long	 ms;
	struct timespec		 ts;
	uint64_t		 start, now;
	volatile uint64_t	 x = 0;
	unsigned		 i;

	if (config_number(arg, 0, CPU_MAX, &ms) == -1) {
		reply_text(rep, 400, "bad /cpu/MS: MS must be a whole number "
		    "of milliseconds from 0 to %llu\n", CPU_MAX);
		return;
	}
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	start = (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
	do {
		for (i = 0; i < 10000; i++)
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
		now = (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
	} while (now - start < ms * 1000000);
	reply_text(rep, 200, "burnt %llu ms of CPU\n", ms);
}

static void
lab_echo(struct request *r, struct reply *rep)
{
	const char	*body;
	size_t		 len;

	body = request_body(r, &len);
	if (json_valid(body, len) == -1) {
		reply_text(rep, 400, "bad JSON body\n");
		return;
	}
	if ((rep->body = malloc(len + 1)) == NULL) {
		reply_text(rep, 500, "out of memory\n");
		return;
	}
	memcpy(rep->body, body, len);
	rep->body[len] = '\n';
	rep->len = len + 1;
	rep->status = 200;
	rep->content_type = "application/json";
}

static void
lab_info(const struct app_ctx *ctx, struct reply *rep)
{
	struct stats_worker	*sw = &ctx->stats->workers[ctx->worker - 1];

	reply_text(rep, 200, "{\"pid\":%d,\"worker\":%u,\"thread\":\"%s\","
	    "\"processes\":%u,\"threads\":%u,\"requests\":%llu,"
	    "\"worker_requests\":%llu,\"skipped\":%llu,\"rejected\":%llu}\n",
	    (int)getpid(), ctx->worker, ctx->thread, ctx->cfg->processes,
	    ctx->cfg->threads, (unsigned long long)atomic_load(
	    &stats_thread(ctx->stats, ctx->worker, ctx->core)->requests),
	    (unsigned long long)atomic_load(&sw->requests),
	    (unsigned long long)atomic_load(&sw->skipped),
	    (unsigned long long)atomic_load(&sw->rejected));
	rep->content_type = "application/json";
}

void
app_lab_handle(const struct app_ctx *ctx, struct request *r,
    struct reply *rep)
{
	const char	*path = request_path(r);
	const char	*method = request_method(r);
	bool		 get = strcmp(method, "GET") == 0 ||
			    strcmp(method, "HEAD") == 0;

	if (strcmp(path, "*") == 0) {		/* only with OPTIONS */
		lab_options(all_allow, rep);
		return;
	}
	if (strcmp(path, "/echo") == 0) {
		if (strcmp(method, "OPTIONS") == 0) {
			lab_options(post_allow, rep);
			return;
		}
		if (strcmp(method, "POST") != 0) {
			reply_text(rep, 405, "method %s not allowed on /echo\n",
			    method);
			rep->allow = post_allow;
			return;
		}
		lab_echo(r, rep);
		return;
	}
	if (strcmp(path, "/") != 0 && strncmp(path, "/sleep/", 7) != 0 &&
	    strncmp(path, "/cpu/", 5) != 0 && strcmp(path, "/hit") != 0 &&
	    strcmp(path, "/info") != 0) {
		reply_text(rep, 404, "not found\n");
		return;
	}
	if (strcmp(method, "OPTIONS") == 0) {
		lab_options(get_allow, rep);
		return;
	}
	if (!get) {
		reply_text(rep, 405, "method %s not allowed on %s\n", method,
		    path);
		rep->allow = get_allow;
		return;
	}
	if (strcmp(path, "/") == 0) {
		if (request_arg(r, "id") != NULL ||
		    request_arg(r, "sleep") != NULL) {
			lab_seed(ctx, r, rep);
			return;
		}
		rep->status = 200;
		rep->body = (char *)hello;
		rep->len = sizeof(hello) - 1;
		rep->body_static = true;
	} else if (strncmp(path, "/sleep/", 7) == 0)
		lab_sleep_route(path + 7, rep);
	else if (strncmp(path, "/cpu/", 5) == 0)
		lab_cpu_route(path + 5, rep);
	else if (strcmp(path, "/hit") == 0)
		reply_text(rep, 200, "%llu\n", (unsigned long long)
		    atomic_fetch_add(&ctx->stats->hits, 1) + 1);
	else
		lab_info(ctx, rep);
}
