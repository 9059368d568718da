/*
 * Unit tests for stats_format.c: the JSON document of GET /stats and the
 * Prometheus text of GET /metrics, from a shared region filled here (two
 * workers of two threads, one of them dead, one thread in a request with
 * a URI that needs escaping).  The JSON is read back with json.c's tree,
 * as poolserve-stat reads it; /metrics is matched line by line.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "poolserve.h"
#include "unit.h"

static struct stats		*st;
static struct stats_listen	 lq = { "127.0.0.1:8080", 5, 128 };

static void
fill(void)
{
	struct stats_worker	*w;

	if ((st = stats_create(2, 2, 2)) == NULL) {
		perror("stats_create");
		exit(1);
	}
	st->requests = 1000;
	st->listen_full = 3;
	st->queue = 64;
	w = &st->workers[0];
	w->pid = getpid();
	w->alive = true;
	w->requests = 600;
	w->skipped = 2;
	w->rejected = 1;
	w->status_class[2] = 590;
	w->status_class[4] = 10;
	w->sent_bytes = 123456;
	w->pool.running = 1;
	w->pool.waiting = 4;
	w->pool.conns = 7;
	stats_observe(&w->duration, 3000);	/* 0.003 s: le 0.005 */
	stats_observe(&w->duration, 200000);	/* 0.2 s: le 0.25 */
	stats_observe(&w->duration, 60000000);	/* 60 s: +Inf */
	stats_observe(&w->wait, 1);
	stats_begin(stats_thread(st, 1, 1), "POST", "/echo?q=\"x\"\\\n\x1b");
	stats_thread(st, 1, 0)->requests = 300;
	stats_thread(st, 1, 0)->last_status = 200;
	w = &st->workers[1];
	w->pid = 1;
	w->alive = false;
	w->respawns = 4;
}

static long long
num(const struct json *j, int obj, const char *key)
{
	int	 n = json_member(j, obj, key);

	return n == -1 || j->nodes[n].type != J_NUMBER ? -1 :
	    j->nodes[n].v.num;
}

static const char *
str(const struct json *j, int obj, const char *key)
{
	int	 n = json_member(j, obj, key);

	return n == -1 || j->nodes[n].type != J_STRING ? NULL :
	    j->nodes[n].v.str;
}

/* Element i of array node a, or -1. */
static int
nth(const struct json *j, int a, int i)
{
	int	 n;

	for (n = a == -1 ? -1 : j->nodes[a].child; n != -1 && i > 0; i--)
		n = j->nodes[n].next;
	return n;
}

static void
test_json(void)
{
	struct buf	 b = { NULL, 0, 0, false };
	struct json	 j;
	int		 ws, w1, w2, cores, c0, c1, sock;

	stats_json(&b, st, &lq);
	if (!CHECK(!b.failed && b.len > 0 && b.data[b.len - 1] == '\n'))
		return;
	CHECK_EQ_INT(json_valid(b.data, b.len), 0);
	if (!CHECK_EQ_INT(json_parse(&j, b.data, b.len), 0)) {
		printf("\t%s\n", j.err);
		return;
	}
	CHECK_EQ_STR(str(&j, 0, "version"), PACKAGE_VERSION);
	CHECK_EQ_INT(num(&j, 0, "master_pid"), getpid());
	CHECK_EQ_INT(num(&j, 0, "processes"), 2);
	CHECK_EQ_INT(num(&j, 0, "threads"), 2);
	CHECK_EQ_INT(num(&j, 0, "queue"), 64);
	CHECK_EQ_INT(num(&j, 0, "requests"), 1000);
	CHECK_EQ_INT(num(&j, 0, "in_progress"), 1);	/* summed */
	CHECK_EQ_INT(num(&j, 0, "waiting"), 4);
	CHECK(num(&j, 0, "uptime") >= 0 && num(&j, 0, "uptime") < 60);
	sock = nth(&j, json_member(&j, 0, "sockets"), 0);
	CHECK_EQ_STR(str(&j, sock, "name"), "127.0.0.1:8080");
	CHECK_EQ_INT(num(&j, sock, "listen_queue"), 5);
	CHECK_EQ_INT(num(&j, sock, "listen_queue_max"), 128);
	CHECK_EQ_INT(num(&j, sock, "full_count"), 3);

	ws = json_member(&j, 0, "workers");
	w1 = nth(&j, ws, 0);
	w2 = nth(&j, ws, 1);
	CHECK_EQ_INT(nth(&j, ws, 2), -1);
	CHECK_EQ_INT(num(&j, w1, "id"), 1);
	CHECK_EQ_STR(str(&j, w1, "status"), "busy");
	CHECK_EQ_INT(num(&j, w1, "requests"), 600);
	CHECK_EQ_INT(num(&j, w1, "skipped"), 2);
	CHECK_EQ_INT(num(&j, w1, "rejected"), 1);
	CHECK_EQ_INT(num(&j, w1, "avg_rt"), (3000 + 200000 + 60000000) / 3);
	CHECK(num(&j, w1, "rss") > 0);		/* this process's */
	CHECK_EQ_INT(num(&j, w1, "connections"), 7);
	CHECK_EQ_STR(str(&j, w2, "status"), "dead");
	CHECK_EQ_INT(num(&j, w2, "rss"), 0);
	CHECK_EQ_INT(num(&j, w2, "respawn_count"), 4);

	cores = json_member(&j, w1, "cores");
	c0 = nth(&j, cores, 0);
	c1 = nth(&j, cores, 1);
	CHECK_EQ_STR(str(&j, c0, "name"), "w1c0");
	CHECK_EQ_INT(num(&j, c0, "requests"), 300);
	CHECK_EQ_INT(num(&j, c0, "last_status"), 200);
	CHECK_EQ_STR(str(&j, c0, "uri"), "");
	CHECK_EQ_STR(str(&j, c1, "name"), "w1c1");
	CHECK_EQ_STR(str(&j, c1, "method"), "POST");
	CHECK_EQ_STR(str(&j, c1, "uri"), "/echo?q=\"x\"\\\n\x1b");
	CHECK(j.nodes[json_member(&j, c1, "in_request")].v.num == 1);
	/* the text itself is printable ASCII: ESC went out as \u001b */
	CHECK(strstr(b.data, "\\u001b") != NULL);
	CHECK(strchr(b.data, 0x1b) == NULL);
	json_free(&j);
	free(b.data);
}

/* Exactly one line of m is line. */
static int
has_line(const char *m, const char *line)
{
	const char	*p;
	size_t		 n = strlen(line);
	int		 count = 0;

	for (p = m; (p = strstr(p, line)) != NULL; p += n)
		if ((p == m || p[-1] == '\n') && p[n] == '\n')
			count++;
	return count == 1;
}

#define CHECK_LINE(m, line)	CHECK(has_line((m), (line)))

static void
test_metrics(void)
{
	struct buf		 b = { NULL, 0, 0, false };
	struct stats_listen	 odd = { "unix:/run/a\"b\\c\nd\x01", 0, 0 };
	const char		*m;

	stats_metrics(&b, st, &lq);
	if (!CHECK(!b.failed && b.len > 0))
		return;
	m = b.data;
	CHECK_LINE(m, "# TYPE poolserve_requests_total counter");
	CHECK_LINE(m, "poolserve_listen_queue{socket=\"127.0.0.1:8080\"} 5");
	CHECK_LINE(m, "poolserve_listen_queue_max{socket=\"127.0.0.1:8080\"} "
	    "128");
	CHECK_LINE(m, "poolserve_listen_queue_full_total"
	    "{socket=\"127.0.0.1:8080\"} 3");
	CHECK_LINE(m, "poolserve_requests_total{worker=\"1\",status=\"2xx\"} "
	    "590");
	CHECK_LINE(m, "poolserve_requests_total{worker=\"1\",status=\"4xx\"} "
	    "10");
	CHECK_LINE(m, "poolserve_requests_total{worker=\"2\",status=\"5xx\"} "
	    "0");
	CHECK_LINE(m, "poolserve_requests_in_progress{worker=\"1\"} 1");
	CHECK_LINE(m, "poolserve_queue_length{worker=\"1\"} 4");
	CHECK_LINE(m, "poolserve_connections{worker=\"1\"} 7");
	CHECK_LINE(m, "poolserve_skipped_requests_total{worker=\"1\"} 2");
	CHECK_LINE(m, "poolserve_rejected_requests_total{worker=\"1\"} 1");
	CHECK_LINE(m, "poolserve_worker_respawns_total{worker=\"2\"} 4");
	CHECK_LINE(m, "poolserve_sent_bytes_total{worker=\"1\"} 123456");
	CHECK_LINE(m, "poolserve_worker_resident_memory_bytes{worker=\"2\"} "
	    "0");
	/* a histogram's buckets are cumulative, +Inf is the count */
	CHECK_LINE(m, "# TYPE poolserve_request_duration_seconds histogram");
	CHECK_LINE(m, "poolserve_request_duration_seconds_bucket{worker=\"1\","
	    "le=\"0.005\"} 1");
	CHECK_LINE(m, "poolserve_request_duration_seconds_bucket{worker=\"1\","
	    "le=\"0.1\"} 1");
	CHECK_LINE(m, "poolserve_request_duration_seconds_bucket{worker=\"1\","
	    "le=\"0.25\"} 2");
	CHECK_LINE(m, "poolserve_request_duration_seconds_bucket{worker=\"1\","
	    "le=\"10\"} 2");
	CHECK_LINE(m, "poolserve_request_duration_seconds_bucket{worker=\"1\","
	    "le=\"+Inf\"} 3");
	CHECK_LINE(m, "poolserve_request_duration_seconds_sum{worker=\"1\"} "
	    "60.203000");
	CHECK_LINE(m, "poolserve_request_duration_seconds_count{worker=\"1\"} "
	    "3");
	CHECK_LINE(m, "poolserve_queue_wait_seconds_count{worker=\"1\"} 1");
	CHECK_LINE(m, "poolserve_queue_wait_seconds_count{worker=\"2\"} 0");
	free(b.data);

	/* a label value escaped as the text format says, no raw control */
	memset(&b, 0, sizeof(b));
	stats_metrics(&b, st, &odd);
	CHECK_LINE(b.data, "poolserve_listen_queue"
	    "{socket=\"unix:/run/a\\\"b\\\\c\\nd?\"} 0");
	free(b.data);
}

int
main(void)
{
	fill();
	test_json();
	test_metrics();
	return unit_done();
}
