/*
 * The built-in lab application: routes that reproduce the concurrency
 * experiments poolserve is measured by.  It answers through the same
 * interface as a module (<poolserve/poolserve.h>), on a pool thread.
 *
 *   GET /                 "Hello, world!"
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

static const char	 hello[] = "Hello, world!\n";
static const char	 get_allow[] = "GET, HEAD, OPTIONS";
static const char	 post_allow[] = "POST, OPTIONS";
static const char	 all_allow[] = "GET, HEAD, POST, OPTIONS";

struct lab {			/* per worker process */
	_Atomic uint64_t	 seeds;		/* the seed route's count */
};

/* thread_data: the pool thread's number, for /info. */
static int
lab_thread_init(struct app *a, unsigned core, void **thread_data)
{
	(void)a;
	*thread_data = (void *)(uintptr_t)core;
	return 0;
}

static int
lab_init(struct app *a)
{
	if ((a->data = calloc(1, sizeof(struct lab))) == NULL)
		return -1;
	return 0;
}

static void
lab_fini(struct app *a)
{
	free(a->data);
	a->data = NULL;
}

/* OPTIONS: an empty 200 naming the methods in Allow (RFC 9110 9.3.7). */
static int
lab_options(struct poolserve_request *r, const char *allow)
{
	if (poolserve_add_header(r, "Allow", allow) == -1)
		return -1;
	return poolserve_body_static(r, "", 0);
}

static int
lab_not_allowed(struct poolserve_request *r, const char *allow)
{
	if (poolserve_add_header(r, "Allow", allow) == -1)
		return -1;
	return poolserve_respondf(r, 405, "method %s not allowed on %s\n",
	    poolserve_method(r), poolserve_path(r));
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
static int
lab_seed(struct app *a, struct poolserve_request *r)
{
	struct lab		*lab = a->data;
	const char		*ids = poolserve_arg(r, "id");
	const char		*ss = poolserve_arg(r, "sleep");
	const char		*thread = poolserve_thread_name(r);
	unsigned long long	 id;
	double			 secs = 0;
	uint64_t		 count;
	char			 ts[64];

	if (ids != NULL && config_number(ids, 0, 999999999999999999ULL,
	    &id) == -1)
		return poolserve_respondf(r, 400, "bad id: a whole number "
		    "from 0 to 999999999999999999 is needed\n");
	if (ss != NULL && config_seconds(ss, 0, SLEEP_MAX, &secs) == -1)
		return poolserve_respondf(r, 400, "bad sleep: a number of "
		    "seconds from 0 to %.0f is needed\n", SLEEP_MAX);
	count = atomic_fetch_add(&lab->seeds, 1) + 1;
	if (ids == NULL)
		id = count;
	log_timestamp(ts, sizeof(ts));
	log_app("%s - %d-%s: #%llu processing request id[%llu], sleeping...",
	    ts, (int)getpid(), thread, (unsigned long long)count, id);
	lab_sleep(secs);
	log_timestamp(ts, sizeof(ts));
	log_app("%s - %d-%s: done request id[%llu]", ts, (int)getpid(),
	    thread, id);
	return poolserve_respondf(r, 200, "hello #%llu\n", id);
}

static int
lab_sleep_route(struct poolserve_request *r, const char *arg)
{
	double	 secs;

	if (config_seconds(arg, 0, SLEEP_MAX, &secs) == -1)
		return poolserve_respondf(r, 400, "bad /sleep/S: S must be a "
		    "number of seconds from 0 to %.0f\n", SLEEP_MAX);
	lab_sleep(secs);
	return poolserve_respondf(r, 200, "slept %s s\n", arg);
}

/* Burn this thread's CPU time, not wall time, for ms milliseconds. */
static int
lab_cpu_route(struct poolserve_request *r, const char *arg)
{
	unsigned long long	 ms;
	struct timespec		 ts;
	uint64_t		 start, now;
	volatile uint64_t	 x = 0;
	unsigned		 i;

	if (config_number(arg, 0, CPU_MAX, &ms) == -1)
		return poolserve_respondf(r, 400, "bad /cpu/MS: MS must be a "
		    "whole number of milliseconds from 0 to %llu\n", CPU_MAX);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	start = (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
	do {
		for (i = 0; i < 10000; i++)
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
		now = (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
	} while (now - start < ms * 1000000);
	return poolserve_respondf(r, 200, "burnt %llu ms of CPU\n", ms);
}

static int
lab_echo(struct poolserve_request *r)
{
	const char	*body;
	char		*copy;
	size_t		 len;

	body = poolserve_body(r, &len);
	if (json_valid(body, len) == -1)
		return poolserve_respondf(r, 400, "bad JSON body\n");
	if ((copy = malloc(len + 1)) == NULL)
		return -1;
	memcpy(copy, body, len);
	copy[len] = '\n';
	if (poolserve_respond(r, 200, "application/json", copy, len + 1) ==
	    -1) {
		free(copy);
		return -1;
	}
	free(copy);
	return 0;
}

static int
lab_info(struct app *a, struct poolserve_request *r)
{
	struct stats_worker	*sw = &a->stats->workers[a->worker - 1];
	unsigned		 core;

	core = (unsigned)(uintptr_t)poolserve_thread_data(r);
	if (poolserve_add_header(r, "Content-Type", "application/json") == -1)
		return -1;
	return poolserve_respondf(r, 200, "{\"pid\":%d,\"worker\":%u,"
	    "\"thread\":\"%s\",\"processes\":%u,\"threads\":%u,"
	    "\"requests\":%llu,\"worker_requests\":%llu,\"skipped\":%llu,"
	    "\"rejected\":%llu}\n", (int)getpid(), a->worker,
	    poolserve_thread_name(r), a->cfg->processes, a->cfg->threads,
	    (unsigned long long)atomic_load(
	    &stats_thread(a->stats, a->worker, core)->requests),
	    (unsigned long long)atomic_load(&sw->requests),
	    (unsigned long long)atomic_load(&sw->skipped),
	    (unsigned long long)atomic_load(&sw->rejected));
}

static int
lab_handle(struct app *a, struct poolserve_request *r)
{
	const char	*path = poolserve_path(r);
	const char	*method = poolserve_method(r);
	bool		 get = strcmp(method, "GET") == 0 ||
			    strcmp(method, "HEAD") == 0;

	if (strcmp(path, "*") == 0)		/* only with OPTIONS */
		return lab_options(r, all_allow);
	if (strcmp(path, "/echo") == 0) {
		if (strcmp(method, "OPTIONS") == 0)
			return lab_options(r, post_allow);
		if (strcmp(method, "POST") != 0)
			return lab_not_allowed(r, post_allow);
		return lab_echo(r);
	}
	if (strcmp(path, "/") != 0 && strncmp(path, "/sleep/", 7) != 0 &&
	    strncmp(path, "/cpu/", 5) != 0 && strcmp(path, "/hit") != 0 &&
	    strcmp(path, "/info") != 0)
		return poolserve_respondf(r, 404, "not found\n");
	if (strcmp(method, "OPTIONS") == 0)
		return lab_options(r, get_allow);
	if (!get)
		return lab_not_allowed(r, get_allow);
	if (strcmp(path, "/") == 0) {
		if (poolserve_arg(r, "id") != NULL ||
		    poolserve_arg(r, "sleep") != NULL)
			return lab_seed(a, r);
		return poolserve_body_static(r, hello, sizeof(hello) - 1);
	}
	if (strncmp(path, "/sleep/", 7) == 0)
		return lab_sleep_route(r, path + 7);
	if (strncmp(path, "/cpu/", 5) == 0)
		return lab_cpu_route(r, path + 5);
	if (strcmp(path, "/hit") == 0)
		return poolserve_respondf(r, 200, "%llu\n", (unsigned long long)
		    atomic_fetch_add(&a->stats->hits, 1) + 1);
	return lab_info(a, r);
}

const struct app_kind app_lab = {
	"lab", NULL, lab_init, lab_thread_init, lab_handle, lab_fini,
	false
};
