/*
 * The stats server's formatters (src/stats_format.c, src/buf.c), whose
 * output poolserve-stat and Prometheus parse: buf_json_string(), stats_json() and
 * stats_metrics() over a table whose request methods and URIs (client
 * bytes) and counters come from the input.  The JSON must satisfy the
 * server's own validator and poolserve-stat's parser, strings must
 * decode back to the bytes published, /metrics must be clean lines.
 */
#include "config.h"

#include <arpa/inet.h>

#include "poolserve.h"
#include "stat_fuzz.h"

/* What poolserve-stat makes of a published string: bytes as U+0000-00FF. */
static void
expect_text(char *dst, size_t len, const char *src)
{
	char	 utf8[4 * 256 + 1];
	size_t	 n = 0;

	for (; *src != '\0' && n + 3 < sizeof(utf8); src++)
		n += json_utf8_put(utf8 + n, (unsigned char)*src);
	utf8[n] = '\0';
	snap_text(dst, len, utf8);
}

/* A struct buf as the stats server starts one: empty (no NULL + 0). */
static void
buf_start(struct buf *b)
{
	memset(b, 0, sizeof(*b));
}

static void
check_string(const char *s)
{
	struct buf	 b;
	struct json	 j;
	char		*want;
	size_t		 i, n = 0;

	buf_start(&b);
	buf_json_string(&b, s);
	FUZZ_ASSERT(!b.failed && b.data != NULL);
	FUZZ_ASSERT(fuzz_printable(b.data, b.len));
	FUZZ_ASSERT(json_valid(b.data, b.len) == 0);
	FUZZ_ASSERT(json_parse(&j, b.data, b.len) == 0);
	FUZZ_ASSERT(j.nodes[0].type == J_STRING);
	if ((want = malloc(4 * strlen(s) + 1)) == NULL)
		abort();
	for (i = 0; s[i] != '\0'; i++)
		n += json_utf8_put(want + n, (unsigned char)s[i]);
	want[n] = '\0';
	FUZZ_ASSERT(strcmp(j.nodes[0].v.str, want) == 0);
	free(want);
	json_free(&j);
	free(b.data);
}

/* label="value": the value escaped as the text format says. */
static const char *
check_label(const char *p)
{
	while (*p >= 'a' && *p <= 'z')
		p++;
	FUZZ_ASSERT(*p++ == '=');
	FUZZ_ASSERT(*p++ == '"');
	for (; *p != '"'; p++) {
		FUZZ_ASSERT(*p != '\0' && *p != '\n');
		if (*p == '\\') {
			p++;
			FUZZ_ASSERT(*p == '\\' || *p == '"' || *p == 'n');
		}
	}
	return p + 1;
}

/* Prometheus text format: comments, then name{labels} value lines. */
static void
check_metrics(const char *m, size_t len)
{
	const char	*line = m, *eol, *p;

	FUZZ_ASSERT(len > 0 && m[len - 1] == '\n');
	FUZZ_ASSERT(strlen(m) == len);
	while (line < m + len) {
		eol = memchr(line, '\n', (size_t)(m + len - line));
		FUZZ_ASSERT(eol != NULL);
		FUZZ_ASSERT(fuzz_printable(line, (size_t)(eol - line)));
		if (line[0] == '#') {
			FUZZ_ASSERT(strncmp(line, "# HELP poolserve_", 17) == 0 ||
			    strncmp(line, "# TYPE poolserve_", 17) == 0);
			line = eol + 1;
			continue;
		}
		FUZZ_ASSERT(strncmp(line, "poolserve_", 10) == 0);
		for (p = line; (*p >= 'a' && *p <= 'z') || *p == '_'; p++)
			;
		if (*p == '{') {
			do
				p = check_label(p + 1);
			while (*p == ',');
			FUZZ_ASSERT(*p++ == '}');
		}
		FUZZ_ASSERT(*p++ == ' ');
		FUZZ_ASSERT(p < eol && strspn(p, "0123456789.+Inf") ==
		    (size_t)(eol - p));
		line = eol + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct take		 t = { data, size };
	struct stats		 st;
	struct stats_worker	*workers;
	struct stats_thread	*threads, *th;
	struct stats_listen	 l;
	struct config		 cfg;
	struct buf		 b;
	struct json		 j;
	struct snap		 s;
	struct sockaddr_in6	 sin6;
	char			 name[160], host[INET6_ADDRSTRLEN];
	char			 want[512], *method, *uri;
	unsigned		 np, nt, w, c, k;
	uint64_t		 lim = (uint64_t)1 << 53;

	np = (unsigned)take_u64(&t, 1) % 3 + 1;
	nt = (unsigned)take_u64(&t, 1) % 3 + 1;
	memset(&st, 0, sizeof(st));
	if ((workers = calloc(np, sizeof(*workers))) == NULL ||
	    (threads = calloc((size_t)np * nt, sizeof(*threads))) == NULL)
		abort();
	st.workers = workers;
	st.thread_tables = threads;
	st.processes = np;
	st.slots = np;
	st.threads = nt;
	st.start_time = time(NULL) - (time_t)(take_u64(&t, 4) % 100000000);
	st.master_pid = getpid();
	st.requests = take_u64(&t, 8) % lim;
	st.listen_full = take_u64(&t, 8) % lim;
	config_defaults(&cfg);
	cfg.queue = (unsigned)take_u64(&t, 2);

	/* the listen socket's name, as the master formats an address */
	memset(&sin6, 0, sizeof(sin6));
	for (k = 0; k < 16; k++)
		sin6.sin6_addr.s6_addr[k] = (uint8_t)take_u64(&t, 1);
	method = take_str(&t);
	if (sin6.sin6_addr.s6_addr[0] & 2)	/* unix:PATH: any bytes */
		snprintf(name, sizeof(name), "unix:%s", method);
	else if (sin6.sin6_addr.s6_addr[0] & 1) {
		inet_ntop(AF_INET, sin6.sin6_addr.s6_addr, host, sizeof(host));
		snprintf(name, sizeof(name), "%s:%u", host,
		    (unsigned)take_u64(&t, 2));
	} else {
		inet_ntop(AF_INET6, &sin6.sin6_addr, host, sizeof(host));
		snprintf(name, sizeof(name), "[%s]:%u", host,
		    (unsigned)take_u64(&t, 2));
	}
	free(method);
	l.name = name;
	l.queue = (unsigned)take_u64(&t, 4);
	l.queue_max = (unsigned)take_u64(&t, 4);

	for (w = 0; w < np; w++) {
		workers[w].pid = getpid();
		workers[w].alive = take_u64(&t, 1) & 1;
		workers[w].requests = take_u64(&t, 8) % lim;
		workers[w].skipped = take_u64(&t, 4);
		workers[w].rejected = take_u64(&t, 4);
		workers[w].respawns = take_u64(&t, 4);
		workers[w].status_class[2] = take_u64(&t, 8);
		workers[w].sent_bytes = take_u64(&t, 8);
		workers[w].pool.running = (unsigned)take_u64(&t, 2);
		workers[w].pool.waiting = (unsigned)take_u64(&t, 2);
		workers[w].pool.conns = (unsigned)take_u64(&t, 2);
		stats_observe(&workers[w].duration, take_u64(&t, 5));
		stats_observe(&workers[w].wait, take_u64(&t, 5));
		for (c = 0; c < nt; c++) {
			th = stats_thread(&st, w + 1, c);
			method = take_str(&t);
			uri = take_str(&t);
			if (method[0] != '\0' || uri[0] != '\0') {
				stats_begin(th, method, uri);
				if (uri[0] == '\0')
					stats_end(th, (unsigned)(size % 600));
			}
			th->requests = take_u64(&t, 4);
			free(method);
			free(uri);
		}
	}

	/* a string as the JSON writer escapes it */
	method = take_str(&t);
	check_string(method);
	free(method);

	buf_start(&b);
	st.queue = cfg.queue;
	stats_json(&b, &st, &l);
	FUZZ_ASSERT(!b.failed && b.len > 0 && b.data[b.len - 1] == '\n');
	FUZZ_ASSERT(fuzz_printable(b.data, b.len - 1));
	FUZZ_ASSERT(json_valid(b.data, b.len) == 0);
	FUZZ_ASSERT(json_parse(&j, b.data, b.len) == 0);
	FUZZ_ASSERT(snap_build(&j, &s) == 0);
	FUZZ_ASSERT(s.nworkers == np && s.ncores == (size_t)np * nt);
	FUZZ_ASSERT(s.nsocks == 1);
	expect_text(want, sizeof(s.socks[0].name), name);
	FUZZ_ASSERT(strcmp(s.socks[0].name, want) == 0);
	for (w = 0; w < np; w++)
		for (c = 0; c < nt; c++) {
			th = stats_thread(&st, w + 1, c);
			FUZZ_ASSERT(s.workers[w].cores[c].in_request ==
			    th->in_request);
			if (!th->in_request)
				continue;
			expect_text(want, sizeof(s.workers[w].cores[c].uri),
			    th->uri);
			FUZZ_ASSERT(strcmp(s.workers[w].cores[c].uri,
			    want) == 0);
			expect_text(want, sizeof(s.workers[w].cores[c].method),
			    th->method);
			FUZZ_ASSERT(strcmp(s.workers[w].cores[c].method,
			    want) == 0);
		}
	snap_free(&s);
	json_free(&j);
	free(b.data);

	buf_start(&b);
	stats_metrics(&b, &st, &l);
	FUZZ_ASSERT(!b.failed);
	check_metrics(b.data, b.len);
	free(b.data);

	free(workers);
	free(threads);
	return 0;
}
