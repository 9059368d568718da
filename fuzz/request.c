/*
 * The request path on libmicrohttpd's thread and a pool thread
 * (src/request.c, included for its static functions): request_begin(),
 * request_access() through request_head() (http_check(), the
 * Content-Length -> 413 refusal), request_body_append() (its size
 * arithmetic and buffer growth, a chunked body over --max-body-size),
 * request_submit() (503 when --queue is full), request_run() with an
 * application that checks the body it is handed, request_log_access()
 * with request_sum_header(), request_completed(), request_release(); and
 * request_mhd_log() on a message of libmicrohttpd's.  src/view.c,
 * src/reply.c, src/stream.c and src/http.c are linked as they are; the
 * libmicrohttpd calls that need a connection, the pool, the stats and the
 * logs are answered here.
 *
 *	byte 0	flags: bit 0 --queue full, bit 1 the client left (recv()
 *		sees EOF), bit 2 the access log on, bit 3 the request is
 *		the second on its connection, bits 4-5 the body is sent
 *		1, 4, 16 or 64 times (past --max-body-size + 64 KiB)
 *	byte 1	body piece size (0: one piece)
 *	byte 2-3 --max-body-size, big-endian (0..65535)
 *	rest	a request head, METHOD SP TARGET SP VERSION CRLF
 *		(NAME ":" VALUE CRLF)* CRLF, then the body; without the
 *		empty line the rest is the message of a request
 *		libmicrohttpd refused, for request_mhd_log()
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "poolserve.h"
#include "fuzz.h"

#define RQ_FIELDS	32

static struct {
	char	*key, *value;
} rq_fields[RQ_FIELDS];
static unsigned	 rq_nfields;
static size_t	 rq_header_size;
static int	 rq_flags;
static struct conn	 rq_conn;

/* What the harness saw libmicrohttpd, the pool and the logs asked. */
static struct {
	unsigned	 queued;	/* MHD_queue_response()'s status */
	int		 nqueued;
	int		 suspended;	/* suspend - resume */
	int		 submitted;
	int		 logged;	/* access lines */
	unsigned	 log_status;
	unsigned	 log_vars;
	size_t		 log_vars_bytes;
	char		 msg[2048];	/* the last log_msg() line */
	const char	*body;		/* what the application must see */
	size_t		 body_len;
	int		 handled;
} rq;

/* libmicrohttpd's, answered for the one connection of this input. */
const union MHD_ConnectionInfo *
MHD_get_connection_info(struct MHD_Connection *c,
    enum MHD_ConnectionInfoType type, ...)
{
	static union MHD_ConnectionInfo	 ci;

	(void)c;
	switch (type) {
	case MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE:
		ci.header_size = rq_header_size;
		return &ci;
	case MHD_CONNECTION_INFO_SOCKET_CONTEXT:
		ci.socket_context = &rq_conn;
		return &ci;
	default:
		return NULL;
	}
}

int
MHD_get_connection_values(struct MHD_Connection *c, enum MHD_ValueKind kind,
    MHD_KeyValueIterator it, void *cls)
{
	unsigned	 i;

	(void)c;
	if ((kind & MHD_HEADER_KIND) == 0)
		return 0;
	for (i = 0; i < rq_nfields; i++)
		if (it != NULL && it(cls, MHD_HEADER_KIND, rq_fields[i].key,
		    rq_fields[i].value) != MHD_YES)
			return (int)i + 1;
	return (int)rq_nfields;
}

const char *
MHD_lookup_connection_value(struct MHD_Connection *c,
    enum MHD_ValueKind kind, const char *key)
{
	unsigned	 i;

	(void)c;
	if ((kind & MHD_HEADER_KIND) == 0 || key == NULL)
		return NULL;
	for (i = 0; i < rq_nfields; i++)
		if (strcasecmp(rq_fields[i].key, key) == 0)
			return rq_fields[i].value;
	return NULL;
}

enum MHD_Result
MHD_queue_response(struct MHD_Connection *c, unsigned int status,
    struct MHD_Response *resp)
{
	(void)c;
	FUZZ_ASSERT(resp != NULL);
	rq.queued = status;
	rq.nqueued++;
	return MHD_YES;
}

void
MHD_suspend_connection(struct MHD_Connection *c)
{
	(void)c;
	rq.suspended++;
}

void
MHD_resume_connection(struct MHD_Connection *c)
{
	(void)c;
	rq.suspended--;
}

enum MHD_Result
MHD_set_connection_option(struct MHD_Connection *c,
    enum MHD_CONNECTION_OPTION option, ...)
{
	(void)c;
	(void)option;
	return MHD_YES;
}

/* The pool: one thread, run by the harness; --queue full by flag. */
enum pool_verdict
pool_submit(struct pool *p, struct pool_item *it, struct pool_fresh *f)
{
	(void)p;
	(void)it;
	(void)f;
	rq.submitted++;
	return (rq_flags & 1) ? POOL_REJECTED : POOL_QUEUED;
}

void
pool_unfresh(struct pool *p, struct pool_fresh *f)
{
	(void)p;
	(void)f;
}

void
worker_wake(struct worker *w)
{
	(void)w;
}

void
stats_observe(struct stats_hist *h, uint64_t v)
{
	(void)h;
	(void)v;
}

void
stats_begin(struct stats_thread *t, const char *method, const char *uri)
{
	(void)t;
	FUZZ_ASSERT(method != NULL && uri != NULL);
}

void
stats_end(struct stats_thread *t, unsigned status)
{
	(void)t;
	FUZZ_ASSERT(status >= 100 && status <= 599);
}

/* log.c's: the line is kept, the access entry checked. */
void
log_msg(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(rq.msg, sizeof(rq.msg), fmt, ap);
	va_end(ap);
}

bool
log_access_enabled(void)
{
	return (rq_flags & 4) != 0;
}

void
log_access(const struct access_entry *e)
{
	FUZZ_ASSERT(e->method != NULL && e->uri != NULL &&
	    e->version != NULL && e->peer != NULL && e->thread != NULL);
	rq.logged++;
	rq.log_status = e->status;
	rq.log_vars = e->vars;
	rq.log_vars_bytes = e->vars_bytes;
}

/* The one application: the body it is handed must be the one sent. */
static int
rq_app_handle(struct app *a, struct poolserve_request *r)
{
	const void	*body;
	size_t		 len;

	(void)a;
	rq.handled++;
	body = poolserve_body(r, &len);
	FUZZ_ASSERT(len == rq.body_len);
	FUZZ_ASSERT(len == 0 || memcmp(body, rq.body, len) == 0);
	return poolserve_respond(r, 200, "application/octet-stream", body,
	    len);
}

static const struct app_kind	 rq_kind = { "fuzz", NULL, NULL, NULL,
				    rq_app_handle, NULL, false };
static struct app		 rq_app = { &rq_kind, "", "", NULL, NULL, 1,
				    0, NULL };

const struct app *
app_route(const char *path, const char **rest)
{
	*rest = path;
	return &rq_app;
}

unsigned
app_count(void)
{
	return 1;
}

static ssize_t
rq_recv(int fd, void *buf, size_t len, int flags)
{
	(void)fd;
	(void)buf;
	(void)len;
	(void)flags;
	if (rq_flags & 2)
		return 0;
	errno = EAGAIN;
	return -1;
}

#define recv	rq_recv
#include "../src/request.c"
#undef recv

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void
rq_mhd_log(struct worker *w, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	request_mhd_log(w, fmt, ap);
	va_end(ap);
}

/*
 * libmicrohttpd's refusal message: what request_mhd_log() logs has its
 * tags stripped (no '<' before a '>'), &quot; decoded, fits the line.
 */
static void
rq_check_mhd_log(struct worker *w, const uint8_t *data, size_t size)
{
	static const char	 want[] = "worker 1: rejected request: 400 Bad "
				    "Request";
	char			*msg = fuzz_strndup(data, size);
	const char		*s, *lt;

	rq.msg[0] = '\0';
	rq_mhd_log(w, "Error processing request (HTTP response code is %u "
	    "(`%s')). Closing connection.\n", 400u, msg);
	FUZZ_ASSERT(strncmp(rq.msg, want, sizeof(want) - 1) == 0);
	s = rq.msg + sizeof(want) - 1;
	FUZZ_ASSERT(*s == '\0' || strncmp(s, ": ", 2) == 0);
	if ((lt = strchr(s, '<')) != NULL)
		FUZZ_ASSERT(strchr(lt, '>') == NULL);
	FUZZ_ASSERT(strlen(s) <= size + 2);
	/* and any other message: one line, without its newline */
	rq.msg[0] = '\0';
	rq_mhd_log(w, "%s\n", msg);
	FUZZ_ASSERT(rq.msg[0] == '\0' || strncmp(rq.msg, "worker 1: ",
	    10) == 0);
	free(msg);
}

/* A valid Content-Length's value, as RFC 9110 8.6 reads it; -1 if none. */
static long long
rq_content_length(void)
{
	unsigned long long	 v = 0;
	const char		*cl = MHD_lookup_connection_value(NULL,
				    MHD_HEADER_KIND, "Content-Length"), *p;

	if (cl == NULL || *cl == '\0')
		return -1;
	for (p = cl; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || v > (~0ULL - 9) / 10)
			return -1;
		v = v * 10 + (unsigned long long)(*p - '0');
	}
	return v > (unsigned long long)1 << 62 ? (1LL << 62) : (long long)v;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct stats_thread	 threads[1];
	static struct stats_worker	 sw;
	static struct stats		 st;
	static char			 names[1][NAME_MAX_THREAD] = { "w1c0" };
	static _Atomic uint64_t		 busy[1];
	static _Atomic int		 running[1];
	static void			*tdata[1];
	struct config			 cfg;
	struct worker			 w;
	struct poolserve_request	*r;
	const uint8_t			*eoh, *body;
	char				*head, *line, *next, *sp1, *sp2, *colon;
	char				*path, *q;
	void				*req_cls;
	size_t				 piece, n, left, blen, sent, vbytes;
	unsigned			 maxbody, i, first, reps;
	char				*rep;
	long long			 cl;
	enum MHD_Result			 ret;
	bool				 cut = false;

	if (size < 4)
		return 0;
	rq_flags = data[0];
	piece = data[1] != 0 ? data[1] : (size_t)-1;
	maxbody = (unsigned)data[2] << 8 | data[3];
	data += 4;
	size -= 4;

	config_defaults(&cfg);
	cfg.max_body_size = maxbody;
	memset(&w, 0, sizeof(w));
	memset(&rq, 0, sizeof(rq));
	memset(&st, 0, sizeof(st));
	memset(&sw, 0, sizeof(sw));
	st.thread_tables = threads;
	st.threads = 1;
	st.processes = 1;
	w.cfg = &cfg;
	w.stats = &st;
	w.sw = &sw;
	w.no = 1;
	w.pid = 4242;
	w.threads = threads;
	w.names = names;
	w.busy_since = busy;
	w.running_fd = running;
	w.thread_data = tdata;
	rq_app.cfg = &cfg;
	rq_app.stats = &st;

	if ((eoh = memmem(data, size, "\r\n\r\n", 4)) == NULL) {
		rq_check_mhd_log(&w, data, size);
		return 0;
	}
	/* the head, split as request_check does (single spaces) */
	rq_header_size = (size_t)(eoh - data) + 4;
	body = eoh + 4;
	blen = size - rq_header_size;
	head = fuzz_strndup(data, rq_header_size - 2);
	rq_nfields = 0;
	if ((next = strstr(head, "\r\n")) == NULL ||	/* a NUL in it */
	    (sp1 = strchr(head, ' ')) == NULL ||
	    (sp2 = strchr(sp1 + 1, ' ')) == NULL || sp2 > next) {
		free(head);
		return 0;
	}
	*sp1 = *sp2 = '\0';
	*next = '\0';
	next += 2;
	while (*next != '\0' && rq_nfields < RQ_FIELDS) {
		line = next;
		if ((next = strstr(line, "\r\n")) == NULL)
			break;
		*next = '\0';
		next += 2;
		if ((colon = strchr(line, ':')) == NULL)
			continue;
		*colon++ = '\0';
		colon += strspn(colon, " \t");
		rq_fields[rq_nfields].key = line;
		rq_fields[rq_nfields].value = colon;
		rq_nfields++;
	}
	if ((path = strdup(sp1 + 1)) == NULL)
		abort();
	if ((q = strchr(path, '?')) != NULL)
		*q = '\0';
	/* the body, repeated */
	reps = 1U << (2 * ((rq_flags >> 4) & 3));
	if ((rep = malloc(blen * reps + 1)) == NULL)
		abort();
	for (i = 0; i < reps; i++)
		memcpy(rep + blen * i, body, blen);
	body = (const uint8_t *)rep;
	blen *= reps;
	rq.body = rep;
	rq.body_len = blen;

	/* the connection, a new or a second request on it */
	memset(&rq_conn, 0, sizeof(rq_conn));
	rq_conn.w = &w;
	rq_conn.fd = -1;
	snprintf(rq_conn.peer, sizeof(rq_conn.peer), "192.0.2.1");
	request_init(&rq_conn.req, &rq_conn);
	if (rq_flags & 8)
		rq_conn.req.nth = 1;
	r = request_begin(&w, sp1 + 1, (struct MHD_Connection *)&rq_conn);
	FUZZ_ASSERT(r == &rq_conn.req);
	FUZZ_ASSERT(strcmp(r->uri, sp1 + 1) == 0 && r->state == REQ_NEW);
	FUZZ_ASSERT(r->nth == ((rq_flags & 8) ? 2U : 1U));
	req_cls = r;

	/* the head: http_check(), then a Content-Length over the limit */
	n = 0;
	ret = request_access(&w, (struct MHD_Connection *)&rq_conn, path, head,
	    sp2 + 1, NULL, &n, &req_cls);
	FUZZ_ASSERT(ret == MHD_YES);
	FUZZ_ASSERT(w.unfinished == 1 && r->counted);
	first = rq.queued;
	cl = rq_content_length();
	if (first != 0) {
		/* refused at once, with Connection: close */
		FUZZ_ASSERT(rq.nqueued == 1 && r->reply.close);
		FUZZ_ASSERT(first == 400 || first == 413 || first == 414 ||
		    first == 417 || first == 431 || first == 501);
		FUZZ_ASSERT(first != 413 || (cl >= 0 &&
		    (unsigned long long)cl > maxbody));
		FUZZ_ASSERT(strstr(rq.msg, "rejected request from 192.0.2.1"));
		goto done;
	}
	/* let through: an announced body over the limit is refused */
	FUZZ_ASSERT(cl < 0 || (unsigned long long)cl <= maxbody);
	FUZZ_ASSERT(r->state == REQ_BODY && r->app == &rq_app);

	/* the body, in pieces */
	for (sent = 0; sent < blen; sent += n) {
		left = blen - sent;
		n = left < piece ? left : piece;
		i = (unsigned)n;
		ret = request_access(&w, (struct MHD_Connection *)&rq_conn,
		    path, head, sp2 + 1, (const char *)body + sent, &n,
		    &req_cls);
		if (ret == MHD_NO) {
			/* cut off: over the limit by more than 64 KiB */
			FUZZ_ASSERT(sent + i > maxbody + (size_t)BODY_DISCARD_MAX);
			cut = true;
			break;
		}
		FUZZ_ASSERT(n == 0);
		n = i;
		FUZZ_ASSERT(r->body_len == sent + n);
		FUZZ_ASSERT(r->too_large == (sent + n > maxbody));
		if (!r->too_large)
			FUZZ_ASSERT(r->body_cap >= r->body_len &&
			    memcmp(r->body, body, r->body_len) == 0);
	}
	if (cut)
		goto done;
	FUZZ_ASSERT(blen <= maxbody + (size_t)BODY_DISCARD_MAX);

	/* the end of the request */
	n = 0;
	ret = request_access(&w, (struct MHD_Connection *)&rq_conn, path, head,
	    sp2 + 1, NULL, &n, &req_cls);
	FUZZ_ASSERT(ret == MHD_YES);
	if (blen > maxbody) {
		FUZZ_ASSERT(rq.nqueued == 1 && rq.queued == 413);
		FUZZ_ASSERT(rq.submitted == 0);
		goto done;
	}
	FUZZ_ASSERT(rq.nqueued == 0 && rq.submitted == 1);
	if ((rq_flags & 1) == 0) {
		FUZZ_ASSERT(r->state == REQ_QUEUED && rq.suspended == 1);
		/*
		 * the FIFO took time: a keep-alive request taken within
		 * GONE_CHECK_US is run without looking at its client
		 */
		if (rq_flags & 2) {
			r->parsed_us -= 2000;
			r->parsed_ms = r->parsed_us / 1000;
		}
		/* the thread hands it back; the event loop resumes it */
		FUZZ_ASSERT(request_run(&r->item, 0, &w));
		FUZZ_ASSERT(rq.suspended == 1 && r->state == REQ_REPLY);
		request_resume(&r->item);
		FUZZ_ASSERT(rq.suspended == 0);
		/* a client that left is not served (the FIFO took time) */
		FUZZ_ASSERT(rq.handled == ((rq_flags & 2) ? 0 : 1));
	} else
		FUZZ_ASSERT(r->state == REQ_REPLY && rq.suspended == 0);
	ret = request_access(&w, (struct MHD_Connection *)&rq_conn, path, head,
	    sp2 + 1, NULL, &n, &req_cls);
	if (r->drop)
		FUZZ_ASSERT(ret == MHD_NO && rq.nqueued == 0);
	else {
		FUZZ_ASSERT(ret == MHD_YES && rq.nqueued == 1);
		FUZZ_ASSERT(rq.queued == ((rq_flags & 1) ? 503U : 200U));
	}

done:
	if (log_access_enabled() && rq.nqueued == 1) {
		FUZZ_ASSERT(rq.logged == 1 && rq.log_status == rq.queued);
		/* request_sum_header(): every field, its name and value */
		for (i = 0, vbytes = 0; i < rq_nfields; i++)
			vbytes += strlen(rq_fields[i].key) +
			    strlen(rq_fields[i].value);
		FUZZ_ASSERT(rq.log_vars == rq_nfields);
		FUZZ_ASSERT(rq.log_vars_bytes == vbytes);
	}
	request_completed(&w, (struct MHD_Connection *)&rq_conn, &req_cls,
	    MHD_REQUEST_TERMINATED_COMPLETED_OK);
	FUZZ_ASSERT(request_release(&rq_conn.req));
	free(rep);
	free(path);
	free(head);
	return 0;
}
