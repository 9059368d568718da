/*
 * The stats server's HTTP handler, stats_access() (src/stats_http.c, included
 * for its static functions): what a client of --stats (network-facing
 * with --stats-allow-remote) can ask.  The libmicrohttpd calls it makes
 * are replaced by macros; each request is driven as libmicrohttpd drives
 * it: a first call, the upload in pieces, a last call.  The input is
 *
 *	byte 0	processes (% 3 + 1), byte 1 threads (% 3 + 1), byte 2
 *		listen sockets (% 3, each closed: -1), byte 3 piece size
 *	then	NUL-ended strings: method, url, a thread's method and URI
 *		for each thread, then the upload
 *
 * Checked: no answer on the first call or while the upload is read, then
 * exactly one; GET and HEAD of / and /stats are 200 application/json
 * that json_valid() accepts, printable ASCII ending in a newline; of
 * /metrics 200 in the Prometheus text format, printable lines; another
 * url 404, another method 405, with text that does not echo the request.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "poolserve.h"
#include "fuzz.h"

static struct {
	int		 queued;
	unsigned	 status;
	char		*body;
	size_t		 len;
	char		 type[128];
	int		 live;		/* responses not destroyed */
} sh;

static struct MHD_Response	*sh_resp = (struct MHD_Response *)&sh;

static struct MHD_Response *
sh_create(size_t len, void *data, enum MHD_ResponseMemoryMode mode)
{
	FUZZ_ASSERT(mode == MHD_RESPMEM_MUST_FREE);
	FUZZ_ASSERT(sh.body == NULL);
	sh.body = data;		/* freed by the harness, as MHD would */
	sh.len = len;
	sh.live++;
	return sh_resp;
}

static enum MHD_Result
sh_add_header(struct MHD_Response *r, const char *name, const char *value)
{
	FUZZ_ASSERT(r == sh_resp);
	FUZZ_ASSERT(strcmp(name, MHD_HTTP_HEADER_CONTENT_TYPE) == 0);
	snprintf(sh.type, sizeof(sh.type), "%s", value);
	return MHD_YES;
}

static enum MHD_Result
sh_queue(struct MHD_Connection *c, unsigned int status,
    struct MHD_Response *r)
{
	(void)c;
	FUZZ_ASSERT(r == sh_resp);
	sh.queued++;
	sh.status = status;
	return MHD_YES;
}

static void
sh_destroy(struct MHD_Response *r)
{
	FUZZ_ASSERT(r == sh_resp);
	sh.live--;
}

#define MHD_create_response_from_buffer	sh_create
#define MHD_add_response_header		sh_add_header
#define MHD_queue_response		sh_queue
#define MHD_destroy_response		sh_destroy
#include "../src/stats_http.c"
#undef MHD_create_response_from_buffer
#undef MHD_add_response_header
#undef MHD_queue_response
#undef MHD_destroy_response

/* Every line printable ASCII, the last one ended. */
static void
sh_lines(const char *p, size_t n)
{
	size_t	 i;

	FUZZ_ASSERT(n > 0 && p[n - 1] == '\n');
	for (i = 0; i < n; i++)
		FUZZ_ASSERT(p[i] == '\n' || ((unsigned char)p[i] >= 0x20 &&
		    (unsigned char)p[i] < 0x7f));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct take		 t = { data, size };
	struct stats_server	 s;
	struct stats		 st;
	struct stats_worker	*workers;
	struct stats_thread	*threads;
	struct config		 cfg;
	_Atomic int		 fds[3];
	char			*method, *url, *m, *u;
	const char		*up;
	void			*req_cls = NULL;
	size_t			 n, piece, left, k;
	unsigned		 np, nt, w, c;
	enum MHD_Result		 ret;
	bool			 get, json, metrics;

	np = (unsigned)take_u64(&t, 1) % 3 + 1;
	nt = (unsigned)take_u64(&t, 1) % 3 + 1;
	memset(&s, 0, sizeof(s));
	s.nlisten = (unsigned)take_u64(&t, 1) % 3;
	piece = (size_t)take_u64(&t, 1);
	if (piece == 0)
		piece = (size_t)-1;
	for (k = 0; k < 3; k++)
		atomic_store(&fds[k], -1);
	memset(&st, 0, sizeof(st));
	if ((workers = calloc(np, sizeof(*workers))) == NULL ||
	    (threads = calloc((size_t)STATS_TABLES(np) * nt,
	    sizeof(*threads))) == NULL)
		abort();
	st.workers = workers;
	st.thread_tables = threads;
	st.processes = np;
	st.slots = np;
	st.threads = nt;
	st.start_time = 1763900000;
	st.master_pid = 1234;
	config_defaults(&cfg);
	atomic_store(&st.queue, cfg.queue);
	s.st = &st;
	s.listen_fds = fds;
	s.listen_name = "127.0.0.1:8080";

	method = take_str(&t);
	url = take_str(&t);
	for (w = 0; w < np; w++) {
		workers[w].pid = 1235 + (pid_t)w;
		workers[w].alive = true;
		atomic_store(&workers[w].table, w);
		for (c = 0; c < nt; c++) {
			m = take_str(&t);
			u = take_str(&t);
			if (m[0] != '\0' || u[0] != '\0')
				stats_begin(stats_thread(&st, w + 1, c), m, u);
			free(m);
			free(u);
		}
	}
	memset(&sh, 0, sizeof(sh));

	/* the first call: libmicrohttpd has the head, nothing is answered */
	n = 0;
	ret = stats_access(&s, NULL, url, method, "HTTP/1.1", NULL, &n,
	    &req_cls);
	FUZZ_ASSERT(ret == MHD_YES && sh.queued == 0 && req_cls != NULL);
	/* the upload, in pieces: taken, ignored */
	for (up = (const char *)t.p, left = t.n; left > 0; up += k, left -= k) {
		k = n = left < piece ? left : piece;
		ret = stats_access(&s, NULL, url, method, "HTTP/1.1", up, &n,
		    &req_cls);
		FUZZ_ASSERT(ret == MHD_YES && n == 0 && sh.queued == 0);
	}
	/* the last call answers */
	n = 0;
	ret = stats_access(&s, NULL, url, method, "HTTP/1.1", NULL, &n,
	    &req_cls);
	FUZZ_ASSERT(ret == MHD_YES && sh.queued == 1 && sh.live == 0);

	get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	json = strcmp(url, "/") == 0 || strcmp(url, "/stats") == 0;
	metrics = strcmp(url, "/metrics") == 0;
	sh_lines(sh.body, sh.len);
	if (!get) {
		FUZZ_ASSERT(sh.status == 405);
		FUZZ_ASSERT(strcmp(sh.body, "method not allowed\n") == 0);
	} else if (json) {
		FUZZ_ASSERT(sh.status == 200);
		FUZZ_ASSERT(strcmp(sh.type, "application/json") == 0);
		FUZZ_ASSERT(json_valid(sh.body, sh.len) == 0);
	} else if (metrics) {
		FUZZ_ASSERT(sh.status == 200);
		FUZZ_ASSERT(strncmp(sh.type, "text/plain; version=0.0.4",
		    25) == 0);
		FUZZ_ASSERT(strncmp(sh.body, "# HELP poolserve_", 17) == 0);
	} else {
		FUZZ_ASSERT(sh.status == 404);
		FUZZ_ASSERT(strcmp(sh.body,
		    "not found: try /stats or /metrics\n") == 0);
	}
	FUZZ_ASSERT(get || strncmp(sh.type, "text/plain", 10) == 0);
	free(sh.body);
	free(method);
	free(url);
	free(workers);
	free(threads);
	return 0;
}
