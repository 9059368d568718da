/*
 * Counters shared by the master and every worker: one anonymous MAP_SHARED
 * region made before fork, a slot per worker and per thread, updated with
 * C11 atomics on the request path.  Readers never lock writers: a thread's
 * current method and URI are read under a sequence count.
 *
 * The master serves them (--stats) from a libmicrohttpd thread of its own,
 * never from a worker, so they answer while every worker thread is busy:
 * GET / or /stats as JSON, GET /metrics in Prometheus' text format.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "poolserve.h"

/* Upper bounds of the histogram buckets, in microseconds; +Inf last. */
static const uint64_t	 stats_bounds_us[STATS_BUCKETS - 1] = {
	5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 5000000, 10000000
};
static const char	*stats_bounds_s[STATS_BUCKETS] = {
	"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5",
	"1", "2.5", "5", "10", "+Inf"
};

/*
 * Room for slots workers (more than --processes, for SIGTTIN).  Anonymous
 * memory comes zeroed, and pages of slots never used are never touched.
 */
struct stats *
stats_create(unsigned slots, unsigned processes, unsigned threads)
{
	struct stats	*st;
	size_t		 len;
	char		*mem;

	/* thread tables: one per live process, two per worker number */
	len = sizeof(*st) + slots * sizeof(struct stats_worker) +
	    (size_t)STATS_TABLES(slots) * threads * sizeof(struct stats_thread);
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return NULL;
	st = (struct stats *)mem;
	st->processes = processes;
	st->slots = slots;
	st->threads = threads;
	st->start_time = time(NULL);
	st->master_pid = getpid();
	st->workers = (struct stats_worker *)(mem + sizeof(*st));
	st->thread_tables = (struct stats_thread *)(st->workers + slots);
	return st;
}

/* worker is 1-based, core 0-based. */
struct stats_thread *
stats_thread(struct stats *st, unsigned worker, unsigned core)
{
	return &stats_table(st, atomic_load(&st->workers[worker - 1].table))
	    [core];
}

/*
 * Thread table t: a process writes only its own, which the master gave
 * it at fork; a worker number's newest process is the one readers see.
 * So a retiring worker and its replacement never write the same
 * sequence count.
 */
struct stats_thread *
stats_table(struct stats *st, unsigned t)
{
	return &st->thread_tables[(size_t)t * st->threads];
}

void
stats_observe(struct stats_hist *h, uint64_t us)
{
	unsigned	 i;

	for (i = 0; i < STATS_BUCKETS - 1 && us > stats_bounds_us[i]; i++)
		;
	atomic_fetch_add_explicit(&h->bucket[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->sum_us, us, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
}

/* A pool thread starts a request: publish what it runs. */
void
stats_begin(struct stats_thread *t, const char *method, const char *uri)
{
	atomic_fetch_add(&t->seq, 1);		/* odd: being written */
	snprintf(t->method, sizeof(t->method), "%s", method);
	snprintf(t->uri, sizeof(t->uri), "%s", uri);
	atomic_store(&t->started_ms, pool_now_ms());
	atomic_store(&t->in_request, true);
	atomic_fetch_add(&t->seq, 1);		/* even: consistent */
}

void
stats_end(struct stats_thread *t, unsigned status)
{
	atomic_store(&t->in_request, false);
	atomic_store(&t->last_status, status);
}

/* Copy a thread's method and URI consistently (seqlock read side). */
bool
stats_current(struct stats_thread *t, char *method, size_t mlen,
    char *uri, size_t ulen, uint64_t *started)
{
	unsigned	 s1, s2, tries;

	for (tries = 0; tries < 100; tries++) {
		s1 = atomic_load(&t->seq);
		if (s1 & 1)
			continue;
		snprintf(method, mlen, "%s", t->method);
		snprintf(uri, ulen, "%s", t->uri);
		*started = atomic_load(&t->started_ms);
		atomic_thread_fence(memory_order_acquire);
		s2 = atomic_load(&t->seq);
		if (s1 == s2)
			return atomic_load(&t->in_request);
	}
	method[0] = uri[0] = '\0';
	return false;
}

/*
 * The listen socket's accept queue, from TCP_INFO: for a listening socket
 * tcpi_unacked is the number of connections waiting to be accepted (ss's
 * Recv-Q) and tcpi_sacked the backlog (ss's Send-Q).
 */
int
stats_listen_info(int fd, struct stats_listen *l)
{
	struct tcp_info	 ti;
	socklen_t	 len = sizeof(ti);

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1)
		return -1;
	l->queue = ti.tcpi_unacked;
	l->queue_max = ti.tcpi_sacked;
	return 0;
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;
	size_t	 cap;
	char	*nd;

	if (b->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		/* no NULL + 0 (undefined) before the first realloc */
		n = vsnprintf(b->data != NULL ? b->data + b->len : NULL,
		    b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->failed = true;
			return;
		}
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		cap = b->cap != 0 ? b->cap * 2 : 4096;
		while (cap - b->len <= (size_t)n)
			cap *= 2;
		if ((nd = realloc(b->data, cap)) == NULL) {
			b->failed = true;
			return;
		}
		b->data = nd;
		b->cap = cap;
	}
}

/* A JSON string: quotes, backslashes and every byte outside 0x20-0x7e escaped. */
void
buf_json_string(struct buf *b, const char *s)
{
	unsigned char	 c;

	buf_printf(b, "\"");
	for (; (c = (unsigned char)*s) != '\0'; s++) {
		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			buf_printf(b, "\\u%04x", c);
		else
			buf_printf(b, "%c", c);
	}
	buf_printf(b, "\"");
}

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
		    "\"harakiri\":%llu,"
		    "\"respawn_count\":%llu,\"rss\":%llu,\"avg_rt\":%llu,"
		    "\"running\":%u,\"waiting\":%u,\"connections\":%u,"
		    "\"cores\":[", w == 0 ? "" : ",", w + 1,
		    (int)atomic_load(&sw->pid), !atomic_load(&sw->alive) ?
		    "dead" : stats_worker_busy(st, w + 1) ? "busy" : "idle",
		    (unsigned long long)atomic_load(&sw->requests),
		    (unsigned long long)atomic_load(&sw->skipped),
		    (unsigned long long)atomic_load(&sw->rejected),
		    (unsigned long long)atomic_load(&sw->harakiri),
		    (unsigned long long)atomic_load(&sw->respawns),
		    atomic_load(&sw->alive) ? stats_rss(atomic_load(&sw->pid)) :
		    0ULL, (unsigned long long)(count == 0 ? 0 :
		    atomic_load(&sw->duration.sum_us) / count),
		    atomic_load(&sw->pool.running),
		    atomic_load(&sw->pool.waiting),
		    atomic_load(&sw->pool.conns));
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
		buf_printf(b, "]}");
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
	{ "skipped_requests_total", "counter",
	    "Requests not run because their client had gone.",
	    offsetof(struct stats_worker, skipped), true },
	{ "rejected_requests_total", "counter",
	    "Requests answered 503 because the worker's queue was full.",
	    offsetof(struct stats_worker, rejected), true },
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

struct stats_server {
	struct stats		*st;
	_Atomic int		*listen_fds;	/* -1: none */
	unsigned		 nlisten;
	const char		*listen_name;
	/* kept so that workers forked later do not lose it (leak checkers) */
	struct MHD_Daemon	*daemon;
};

/* The TCP listen sockets' queues, summed (unix: sockets do not tell). */
static void
stats_listen_sum(const struct stats_server *s, struct stats_listen *l)
{
	struct stats_listen	 one;
	unsigned		 i;
	int			 fd;

	l->name = s->listen_name;
	l->queue = l->queue_max = 0;
	for (i = 0; i < s->nlisten; i++)
		if ((fd = atomic_load(&s->listen_fds[i])) != -1 &&
		    stats_listen_info(fd, &one) == 0) {
			l->queue += one.queue;
			l->queue_max += one.queue_max;
		}
}

static enum MHD_Result
stats_answer(struct MHD_Connection *c, unsigned status, const char *type,
    struct buf *b)
{
	struct MHD_Response	*r;
	enum MHD_Result		 ret;

	r = MHD_create_response_from_buffer(b->len, b->data,
	    MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(b->data);
		return MHD_NO;
	}
	if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type) !=
	    MHD_YES) {
		MHD_destroy_response(r);
		return MHD_NO;
	}
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
stats_access(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **req_cls)
{
	struct stats_server	*s = cls;
	struct stats_listen	 l;
	struct buf		 b = { NULL, 0, 0, false };
	static int		 first;

	(void)version;
	(void)upload_data;
	if (*req_cls == NULL) {		/* answer on the second call */
		*req_cls = &first;
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	stats_listen_sum(s, &l);
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		buf_printf(&b, "method not allowed\n");
		return b.failed ? MHD_NO : stats_answer(c, 405,
		    "text/plain; charset=utf-8", &b);
	}
	if (strcmp(url, "/") == 0 || strcmp(url, "/stats") == 0) {
		stats_json(&b, s->st, &l);
		return b.failed ? MHD_NO : stats_answer(c, 200,
		    "application/json", &b);
	}
	if (strcmp(url, "/metrics") == 0) {
		stats_metrics(&b, s->st, &l);
		return b.failed ? MHD_NO : stats_answer(c, 200,
		    "text/plain; version=0.0.4; charset=utf-8", &b);
	}
	buf_printf(&b, "not found: try /stats or /metrics\n");
	return b.failed ? MHD_NO : stats_answer(c, 404,
	    "text/plain; charset=utf-8", &b);
}

/*
 * Start the stats server on the bound socket stats_fd, in a thread of the
 * master's own; fds (n of them, -1 for none, kept up to date by the
 * master) and name are the HTTP listen sockets it reports on.
 * 0, or -1 with errno.
 */
static struct stats_server	 stats_server;

int
stats_serve(struct stats *st, int stats_fd, _Atomic int *fds, unsigned n,
    const char *name)
{
	struct stats_server	*s = &stats_server;

	s->st = st;
	s->listen_fds = fds;
	s->nlisten = n;
	s->listen_name = name;
	if ((s->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_POLL, 0, NULL, NULL, stats_access, s,
	    MHD_OPTION_LISTEN_SOCKET, stats_fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
	    MHD_OPTION_END)) == NULL)
		return -1;
	return 0;
}

/* Stop the stats server (it closes its socket); before the master exits. */
void
stats_stop(void)
{
	if (stats_server.daemon != NULL) {
		MHD_stop_daemon(stats_server.daemon);
		stats_server.daemon = NULL;
	}
}
