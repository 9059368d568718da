/*
 * The statistics server: the master serves the shared counters (--stats)
 * from a libmicrohttpd thread of its own, never from a worker, so they
 * answer while every worker thread is busy: GET / or /stats as JSON,
 * GET /metrics in Prometheus' text format (stats_format.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "poolserve.h"

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
