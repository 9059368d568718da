/*
 * The statistics as documents: JSON (GET / and /stats) and Prometheus'
 * text format (GET /metrics), read from the shared region without a lock.
 * Pure functions of the region and the listen queues: no libmicrohttpd.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "poolserve.h"

/* The histogram buckets' upper bounds as Prometheus writes them. */
static const char	*stats_bounds_s[STATS_BUCKETS] = {
	"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5",
	"1", "2.5", "5", "10", "+Inf"
};

/* TLS handshakes by version, and the failed ones by reason (tls.c). */
static const char	*stats_tls_versions[TLS_VERSIONS] = {
	"TLS1.2", "TLS1.3", "other"
};
static const char	*stats_tls_fails[TLS_FAILS] = {
	"plain_http", "not_tls", "refused", "client_alert", "incomplete",
	"silent"
};

/*
 * A Prometheus label value: backslash, quote and newline escaped as the
 * text format says; other bytes outside 0x20-0x7e (a unix: path may hold
 * any) become '?', so that the exposition stays valid UTF-8.
 */
static void
buf_label_string(struct buf *b, const char *s)
{
	unsigned char	 c;

	for (; (c = (unsigned char)*s) != '\0'; s++) {
		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c == '\n')
			buf_printf(b, "\\n");
		else
			buf_printf(b, "%c", c < 0x20 || c > 0x7e ? '?' : c);
	}
}

/* Resident set size of a process in bytes, 0 when it cannot be read. */
static unsigned long long
stats_rss(pid_t pid)
{
	char			 path[64];
	unsigned long long	 size, rss = 0;
	FILE			*fp;

	snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	if (fscanf(fp, "%llu %llu", &size, &rss) != 2)
		rss = 0;
	fclose(fp);
	return rss * (unsigned long long)sysconf(_SC_PAGESIZE);
}

static bool
stats_worker_busy(struct stats *st, unsigned w)
{
	unsigned	 c;

	for (c = 0; c < st->threads; c++)
		if (atomic_load(&stats_thread(st, w, c)->in_request))
			return true;
	return false;
}

void
stats_json(struct buf *b, struct stats *st,
    const struct stats_listen *l)
{
	struct stats_worker	*sw;
	struct stats_thread	*t;
	char			 method[16], uri[STATS_URI_MAX];
	char			 name[NAME_MAX_THREAD];
	uint64_t		 now = pool_now_ms(), started, count;
	unsigned		 w, c, running = 0, waiting = 0;
	unsigned		 np = atomic_load(&st->processes);
	bool			 in;

	for (w = 0; w < np; w++) {
		running += atomic_load(&st->workers[w].pool.running);
		waiting += atomic_load(&st->workers[w].pool.waiting);
	}
	buf_printf(b, "{\"version\":\"%s\",\"start_time\":%lld,\"uptime\":%lld,"
	    "\"master_pid\":%d,\"processes\":%u,\"threads\":%u,\"queue\":%u,"
	    "\"requests\":%llu,\"in_progress\":%u,\"waiting\":%u,\"sockets\":[",
	    PACKAGE_VERSION, (long long)st->start_time,
	    (long long)(time(NULL) - st->start_time), (int)st->master_pid,
	    np, st->threads, atomic_load(&st->queue),
	    (unsigned long long)atomic_load(&st->requests), running, waiting);
	buf_printf(b, "{\"name\":");
	buf_json_string(b, l->name);
	buf_printf(b, ",\"listen_queue\":%u,\"listen_queue_max\":%u,"
	    "\"full_count\":%llu}],\"workers\":[", l->queue, l->queue_max,
	    (unsigned long long)atomic_load(&st->listen_full));
	for (w = 0; w < np; w++) {
		sw = &st->workers[w];
		count = atomic_load(&sw->duration.count);
		buf_printf(b, "%s{\"id\":%u,\"pid\":%d,\"status\":\"%s\","
		    "\"requests\":%llu,\"skipped\":%llu,\"rejected\":%llu,"
		    "\"shed\":%llu,"
		    "\"harakiri\":%llu,"
		    "\"respawn_count\":%llu,\"rss\":%llu,\"avg_rt\":%llu,"
		    "\"running\":%u,\"waiting\":%u,\"connections\":%u,"
		    "\"parked\":%u,\"cores\":[", w == 0 ? "" : ",", w + 1,
		    (int)atomic_load(&sw->pid), !atomic_load(&sw->alive) ?
		    "dead" : stats_worker_busy(st, w + 1) ? "busy" : "idle",
		    (unsigned long long)atomic_load(&sw->requests),
		    (unsigned long long)atomic_load(&sw->skipped),
		    (unsigned long long)atomic_load(&sw->rejected),
		    (unsigned long long)atomic_load(&sw->shed),
		    (unsigned long long)atomic_load(&sw->harakiri),
		    (unsigned long long)atomic_load(&sw->respawns),
		    atomic_load(&sw->alive) ? stats_rss(atomic_load(&sw->pid)) :
		    0ULL, (unsigned long long)(count == 0 ? 0 :
		    atomic_load(&sw->duration.sum_us) / count),
		    atomic_load(&sw->pool.running),
		    atomic_load(&sw->pool.waiting),
		    atomic_load(&sw->pool.conns), atomic_load(&sw->parked));
		for (c = 0; c < st->threads; c++) {
			t = stats_thread(st, w + 1, c);
			in = stats_current(t, method, sizeof(method), uri,
			    sizeof(uri), &started);
			pool_thread_name(name, sizeof(name), w + 1, c);
			buf_printf(b, "%s{\"id\":%u,\"name\":\"%s\","
			    "\"in_request\":%s,\"method\":", c == 0 ? "" : ",",
			    c, name, in ? "true" : "false");
			buf_json_string(b, in ? method : "");
			buf_printf(b, ",\"uri\":");
			buf_json_string(b, in ? uri : "");
			buf_printf(b, ",\"running_ms\":%llu,\"requests\":%llu,"
			    "\"last_status\":%u}", (unsigned long long)(in &&
			    now > started ? now - started : 0),
			    (unsigned long long)atomic_load(&t->requests),
			    atomic_load(&t->last_status));
		}
		buf_printf(b, "],\"tls\":{\"handshakes\":%llu,\"versions\":{",
		    (unsigned long long)atomic_load(&sw->tls_handshakes));
		for (c = 0; c < TLS_VERSIONS; c++)
			buf_printf(b, "%s\"%s\":%llu", c == 0 ? "" : ",",
			    stats_tls_versions[c], (unsigned long long)
			    atomic_load(&sw->tls_version[c]));
		buf_printf(b, "},\"failed\":{");
		for (c = 0; c < TLS_FAILS; c++)
			buf_printf(b, "%s\"%s\":%llu", c == 0 ? "" : ",",
			    stats_tls_fails[c], (unsigned long long)
			    atomic_load(&sw->tls_failed[c]));
		buf_printf(b, "}}}");
	}
	buf_printf(b, "]}\n");
}

static void
stats_metric_head(struct buf *b, const char *name, const char *type,
    const char *help)
{
	buf_printf(b, "# HELP poolserve_%s %s\n# TYPE poolserve_%s %s\n",
	    name, help, name, type);
}

static void
stats_metric_hist(struct buf *b, const char *name, unsigned w,
    struct stats_hist *h)
{
	uint64_t	 cum = 0;
	unsigned	 i;

	for (i = 0; i < STATS_BUCKETS; i++) {
		cum += atomic_load(&h->bucket[i]);
		buf_printf(b, "poolserve_%s_bucket{worker=\"%u\",le=\"%s\"} "
		    "%llu\n", name, w, stats_bounds_s[i],
		    (unsigned long long)cum);
	}
	buf_printf(b, "poolserve_%s_sum{worker=\"%u\"} %.6f\n", name, w,
	    (double)atomic_load(&h->sum_us) / 1e6);
	buf_printf(b, "poolserve_%s_count{worker=\"%u\"} %llu\n", name, w,
	    (unsigned long long)cum);
}

/* The per-worker counters and gauges of /metrics, in their order. */
static const struct stats_metric {
	const char	*name;
	const char	*type;
	const char	*help;
	size_t		 offset;	/* in struct stats_worker */
	bool		 wide;		/* uint64_t, else unsigned */
} stats_per_worker[] = {
	{ "requests_in_progress", "gauge",
	    "Requests running on a worker thread.",
	    offsetof(struct stats_worker, pool.running), false },
	{ "queue_length", "gauge",
	    "Parsed requests waiting in the worker for a thread.",
	    offsetof(struct stats_worker, pool.waiting), false },
	{ "connections", "gauge",
	    "Open client connections of the worker.",
	    offsetof(struct stats_worker, pool.conns), false },
	{ "parked_connections", "gauge",
	    "Idle keep-alive connections held without a buffer.",
	    offsetof(struct stats_worker, parked), false },
	{ "skipped_requests_total", "counter",
	    "Requests not run because their client had gone.",
	    offsetof(struct stats_worker, skipped), true },
	{ "rejected_requests_total", "counter",
	    "Requests answered 503 because the worker's queue was full.",
	    offsetof(struct stats_worker, rejected), true },
	{ "shed_requests_total", "counter",
	    "Requests answered 503 because they waited over --max-wait.",
	    offsetof(struct stats_worker, shed), true },
	{ "harakiri_total", "counter",
	    "Requests cut by --harakiri (their worker was recycled).",
	    offsetof(struct stats_worker, harakiri), true },
	{ "worker_respawns_total", "counter",
	    "Times the worker was started again after it died.",
	    offsetof(struct stats_worker, respawns), true },
	{ "sent_bytes_total", "counter",
	    "Bytes of response bodies generated.",
	    offsetof(struct stats_worker, sent_bytes), true },
};

/* Prometheus text exposition format 0.0.4. */
void
stats_metrics(struct buf *b, struct stats *st, const struct stats_listen *l)
{
	static const char	*classes[6] = { "", "1xx", "2xx", "3xx", "4xx",
				    "5xx" };
	const struct stats_metric *m;
	struct stats_worker	*sw;
	char			*field;
	unsigned		 w, k, np = atomic_load(&st->processes);

	stats_metric_head(b, "start_time_seconds", "gauge",
	    "Start time of the master since the Unix epoch.");
	buf_printf(b, "poolserve_start_time_seconds %lld\n",
	    (long long)st->start_time);

	stats_metric_head(b, "listen_queue", "gauge",
	    "Connections waiting in the kernel's accept queue (ss Recv-Q).");
	buf_printf(b, "poolserve_listen_queue{socket=\"");
	buf_label_string(b, l->name);
	buf_printf(b, "\"} %u\n", l->queue);
	stats_metric_head(b, "listen_queue_max", "gauge",
	    "Backlog of the listen socket (ss Send-Q).");
	buf_printf(b, "poolserve_listen_queue_max{socket=\"");
	buf_label_string(b, l->name);
	buf_printf(b, "\"} %u\n", l->queue_max);
	stats_metric_head(b, "listen_queue_full_total", "counter",
	    "Seconds in which the accept queue was seen full.");
	buf_printf(b, "poolserve_listen_queue_full_total{socket=\"");
	buf_label_string(b, l->name);
	buf_printf(b, "\"} %llu\n",
	    (unsigned long long)atomic_load(&st->listen_full));

	stats_metric_head(b, "requests_total", "counter",
	    "Requests answered, by worker and status class.");
	for (w = 0; w < np; w++)
		for (k = 1; k <= 5; k++)
			buf_printf(b, "poolserve_requests_total{worker=\"%u\","
			    "status=\"%s\"} %llu\n", w + 1, classes[k],
			    (unsigned long long)atomic_load(
			    &st->workers[w].status_class[k]));
	for (m = stats_per_worker; m < stats_per_worker +
	    sizeof(stats_per_worker) / sizeof(stats_per_worker[0]); m++) {
		stats_metric_head(b, m->name, m->type, m->help);
		for (w = 0; w < np; w++) {
			field = (char *)&st->workers[w] + m->offset;
			buf_printf(b, "poolserve_%s{worker=\"%u\"} %llu\n",
			    m->name, w + 1, m->wide ? (unsigned long long)
			    atomic_load((_Atomic uint64_t *)field) :
			    (unsigned long long)atomic_load(
			    (_Atomic unsigned *)field));
		}
	}
	stats_metric_head(b, "worker_resident_memory_bytes", "gauge",
	    "Resident set size of the worker process.");
	for (w = 0; w < np; w++) {
		sw = &st->workers[w];
		buf_printf(b, "poolserve_worker_resident_memory_bytes{worker="
		    "\"%u\"} %llu\n", w + 1, atomic_load(&sw->alive) ?
		    stats_rss(atomic_load(&sw->pid)) : 0ULL);
	}
	stats_metric_head(b, "tls_handshakes_total", "counter",
	    "TLS handshakes finished, by protocol version.");
	for (w = 0; w < np; w++)
		for (k = 0; k < TLS_VERSIONS; k++)
			buf_printf(b, "poolserve_tls_handshakes_total{worker="
			    "\"%u\",version=\"%s\"} %llu\n", w + 1,
			    stats_tls_versions[k], (unsigned long long)
			    atomic_load(&st->workers[w].tls_version[k]));
	stats_metric_head(b, "tls_handshake_failures_total", "counter",
	    "TLS connections closed before their handshake finished, by "
	    "reason.");
	for (w = 0; w < np; w++)
		for (k = 0; k < TLS_FAILS; k++)
			buf_printf(b, "poolserve_tls_handshake_failures_total{"
			    "worker=\"%u\",reason=\"%s\"} %llu\n", w + 1,
			    stats_tls_fails[k], (unsigned long long)
			    atomic_load(&st->workers[w].tls_failed[k]));
	stats_metric_head(b, "request_duration_seconds", "histogram",
	    "Time from a request parsed to its response ready.");
	for (w = 0; w < np; w++)
		stats_metric_hist(b, "request_duration_seconds", w + 1,
		    &st->workers[w].duration);
	stats_metric_head(b, "queue_wait_seconds", "histogram",
	    "Time a parsed request waited for a thread.");
	for (w = 0; w < np; w++)
		stats_metric_hist(b, "queue_wait_seconds", w + 1,
		    &st->workers[w].wait);
}
