/*
 * Unit tests for app_lab.c: the lab's routes through its handle function
 * (app_lab.handle), as a pool thread calls it, without a server.  The
 * functions of <poolserve/poolserve.h> it answers through are provided
 * over one request (reply_fake.h); the answer (status, Allow,
 * Content-Type, body) and the log lines are kept and checked.  Sleeps
 * and CPU bursts are of 0 s and 0 ms, so nothing waits.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "poolserve.h"
#include "unit.h"
#include "reply_fake.h"

static struct app		 lab;
static struct config		 cfg;
static struct stats		 st;
static struct stats_worker	 workers[1];
static struct stats_thread	 threads[2];

/* METHOD PATH [BODY], arguments in pairs ending with NULL: the status. */
static unsigned
run(const char *method, const char *path, const char *body, ...)
{
	const char	*k;
	va_list		 ap;

	reply_fake_done();
	lr.method = method;
	lr.path = path;
	lr.body = body;
	lr.body_len = body != NULL ? strlen(body) : 0;
	lr.thread = "w1c1";
	lr.thread_data = (void *)(uintptr_t)1;	/* as lab_thread_init() */
	lr.status = 200;			/* poolserve's default */
	va_start(ap, body);
	while ((k = va_arg(ap, const char *)) != NULL &&
	    lr.nargs < REPLY_FAKE_ARGS) {
		lr.args[lr.nargs].key = k;
		lr.args[lr.nargs++].value = va_arg(ap, const char *);
	}
	va_end(ap);
	if (app_lab.handle(&lab, NULL) == -1)
		return 500;
	CHECK_EQ_INT(lr.other_headers, 0);
	return lr.status;
}

static void
test_routes(void)
{
	CHECK_EQ_INT(run("GET", "/", NULL, NULL), 200);
	CHECK_EQ_STR(lr.out, "Hello, world!\n");
	CHECK_EQ_INT(run("HEAD", "/", NULL, NULL), 200);
	CHECK_EQ_INT(run("GET", "/sleep/0", NULL, NULL), 200);
	CHECK_EQ_STR(lr.out, "slept 0 s\n");
	CHECK_EQ_INT(run("GET", "/sleep/0.000", NULL, NULL), 200);
	CHECK_EQ_INT(run("GET", "/sleep/-1", NULL, NULL), 400);
	CHECK_EQ_STR(lr.out, "bad /sleep/S: S must be a number of seconds "
	    "from 0 to 86400\n");
	CHECK_EQ_INT(run("GET", "/sleep/86401", NULL, NULL), 400);
	CHECK_EQ_INT(run("GET", "/sleep/1e3", NULL, NULL), 400);
	CHECK_EQ_INT(run("GET", "/cpu/0", NULL, NULL), 200);
	CHECK_EQ_STR(lr.out, "burnt 0 ms of CPU\n");
	CHECK_EQ_INT(run("GET", "/cpu/60001", NULL, NULL), 400);
	CHECK_EQ_STR(lr.out, "bad /cpu/MS: MS must be a whole number of "
	    "milliseconds from 0 to 60000\n");
	CHECK_EQ_INT(run("GET", "/cpu/1.5", NULL, NULL), 400);
	CHECK_EQ_INT(run("GET", "/hit", NULL, NULL), 200);
	CHECK_EQ_STR(lr.out, "1\n");
	CHECK_EQ_INT(run("GET", "/hit", NULL, NULL), 200);
	CHECK_EQ_STR(lr.out, "2\n");
	CHECK_EQ_INT(run("GET", "/nope", NULL, NULL), 404);
	CHECK_EQ_STR(lr.out, "not found\n");
	CHECK_EQ_INT(run("GET", "/sleep", NULL, NULL), 404);

	threads[1].requests = 9;
	workers[0].requests = 12;
	CHECK_EQ_INT(run("GET", "/info", NULL, NULL), 200);
	CHECK_EQ_STR(lr.type, "application/json");
	CHECK(strstr(lr.out, "\"worker\":1,\"thread\":\"w1c1\",\"processes\":1,"
	    "\"threads\":2,\"requests\":9,\"worker_requests\":12,") != NULL);
	CHECK_EQ_INT(json_valid(lr.out, strlen(lr.out)), 0);
}

static void
test_seed(void)
{
	CHECK_EQ_INT(run("GET", "/", NULL, "id", "7", "sleep", "0", NULL),
	    200);
	CHECK_EQ_STR(lr.out, "hello #7\n");
	CHECK(strstr(lr.log, "-w1c1: #1 processing request id[7], "
	    "sleeping...\n") != NULL);
	CHECK(strstr(lr.log, "-w1c1: done request id[7]\n") != NULL);
	/* without an id, the count of seed requests is the id */
	CHECK_EQ_INT(run("GET", "/", NULL, "sleep", "0", NULL), 200);
	CHECK_EQ_STR(lr.out, "hello #2\n");
	CHECK_EQ_INT(run("GET", "/", NULL, "id", "x", NULL), 400);
	CHECK_EQ_STR(lr.out, "bad id: a whole number from 0 to "
	    "999999999999999999 is needed\n");
	CHECK_EQ_STR(lr.log, "");
	CHECK_EQ_INT(run("GET", "/", NULL, "id", "1000000000000000000", NULL),
	    400);
	CHECK_EQ_INT(run("GET", "/", NULL, "sleep", "-0.5", NULL), 400);
	CHECK_EQ_STR(lr.out, "bad sleep: a number of seconds from 0 to 86400 "
	    "is needed\n");
	CHECK_EQ_INT(run("GET", "/", NULL, "id", NULL, NULL), 200);
}

static void
test_methods(void)
{
	CHECK_EQ_INT(run("POST", "/", NULL, NULL), 405);
	CHECK_EQ_STR(lr.allow, "GET, HEAD, OPTIONS");
	CHECK_EQ_STR(lr.out, "method POST not allowed on /\n");
	CHECK_EQ_INT(run("DELETE", "/hit", NULL, NULL), 405);
	CHECK_EQ_INT(run("OPTIONS", "/sleep/1", NULL, NULL), 200);
	CHECK_EQ_STR(lr.allow, "GET, HEAD, OPTIONS");
	CHECK_EQ_STR(lr.out, "");
	CHECK_EQ_INT(run("OPTIONS", "*", NULL, NULL), 200);
	CHECK_EQ_STR(lr.allow, "GET, HEAD, POST, OPTIONS");
	CHECK_EQ_INT(run("OPTIONS", "/echo", NULL, NULL), 200);
	CHECK_EQ_STR(lr.allow, "POST, OPTIONS");
	CHECK_EQ_INT(run("GET", "/echo", NULL, NULL), 405);
	CHECK_EQ_STR(lr.allow, "POST, OPTIONS");
	/* an unknown path is 404 whatever the method */
	CHECK_EQ_INT(run("POST", "/nope", NULL, NULL), 404);
}

static void
test_echo(void)
{
	CHECK_EQ_INT(run("POST", "/echo", "{\"a\":[1,2]}", NULL), 200);
	CHECK_EQ_STR(lr.out, "{\"a\":[1,2]}\n");
	CHECK_EQ_STR(lr.type, "application/json");
	CHECK_EQ_INT(run("POST", "/echo", " \"\\u00e9\" ", NULL), 200);
	CHECK_EQ_STR(lr.out, " \"\\u00e9\" \n");
	CHECK_EQ_INT(run("POST", "/echo", "{\"a\":}", NULL), 400);
	CHECK_EQ_STR(lr.out, "bad JSON body\n");
	CHECK_EQ_INT(run("POST", "/echo", "", NULL), 400);
	CHECK_EQ_INT(run("POST", "/echo", "\"\xff\"", NULL), 400);
}

int
main(void)
{
	config_defaults(&cfg);
	cfg.processes = 1;
	cfg.threads = 2;
	st.workers = workers;
	st.thread_tables = threads;
	st.processes = 1;
	st.slots = 1;
	st.threads = 2;
	lab.kind = &app_lab;
	lab.prefix = "";
	lab.cfg = &cfg;
	lab.stats = &st;
	lab.worker = 1;
	if (app_lab.init(&lab) == -1) {
		perror("lab init");
		return 1;
	}
	test_routes();
	test_seed();
	test_methods();
	test_echo();
	app_lab.fini(&lab);
	reply_fake_done();
	return unit_done();
}
