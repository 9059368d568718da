/*
 * The stats document, from the JSON tree (src/json.c) into a struct
 * snap.  Every key the view uses must be there with the right type;
 * others are ignored.  Strings are copied as printable ASCII, so that
 * nothing the server sends can reach the terminal raw.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stat.h"

struct field {
	const char		*key;
	size_t			 off;
};

static const struct field snap_fields[] = {
	{ "start_time",		offsetof(struct snap, start_time) },
	{ "uptime",		offsetof(struct snap, uptime) },
	{ "master_pid",		offsetof(struct snap, master_pid) },
	{ "processes",		offsetof(struct snap, processes) },
	{ "threads",		offsetof(struct snap, threads) },
	{ "queue",		offsetof(struct snap, queue) },
	{ "requests",		offsetof(struct snap, requests) },
	{ "in_progress",	offsetof(struct snap, in_progress) },
	{ "waiting",		offsetof(struct snap, waiting) },
};

static const struct field sock_fields[] = {
	{ "listen_queue",	offsetof(struct sock, listen_queue) },
	{ "listen_queue_max",	offsetof(struct sock, listen_queue_max) },
	{ "full_count",		offsetof(struct sock, full_count) },
};

static const struct field worker_fields[] = {
	{ "id",			offsetof(struct snap_worker, id) },
	{ "pid",		offsetof(struct snap_worker, pid) },
	{ "requests",		offsetof(struct snap_worker, requests) },
	{ "skipped",		offsetof(struct snap_worker, skipped) },
	{ "rejected",		offsetof(struct snap_worker, rejected) },
	{ "respawn_count",	offsetof(struct snap_worker, respawn_count) },
	{ "rss",		offsetof(struct snap_worker, rss) },
	{ "avg_rt",		offsetof(struct snap_worker, avg_rt) },
	{ "running",		offsetof(struct snap_worker, running) },
	{ "waiting",		offsetof(struct snap_worker, waiting) },
	{ "connections",	offsetof(struct snap_worker, connections) },
};

static const struct field core_fields[] = {
	{ "id",			offsetof(struct core, id) },
	{ "running_ms",		offsetof(struct core, running_ms) },
	{ "requests",		offsetof(struct core, requests) },
	{ "last_status",	offsetof(struct core, last_status) },
};

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

static int
snap_fail(struct json *j, const char *fmt, ...)
{
	char	 msg[160];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(j->err, sizeof(j->err), "unexpected stats document: %s", msg);
	return -1;
}

static const char *
snap_typename(enum jtype type)
{
	switch (type) {
	case J_BOOL:
		return "a boolean";
	case J_NUMBER:
		return "a number";
	case J_STRING:
		return "a string";
	case J_ARRAY:
		return "an array";
	case J_OBJECT:
		return "an object";
	default:
		return "null";
	}
}

/* The member key of object obj, which must have the given type. */
static int
snap_member(struct json *j, int obj, const char *where, const char *key,
    enum jtype type)
{
	int	 n;

	if ((n = json_member(j, obj, key)) == -1)
		return snap_fail(j, "\"%s%s\" is missing", where, key);
	if (j->nodes[n].type != type)
		return snap_fail(j, "\"%s%s\" is not %s", where, key,
		    snap_typename(type));
	return n;
}

static int
snap_numbers(struct json *j, int obj, const char *where,
    const struct field *f, size_t nf, void *base)
{
	size_t	 i;
	int	 n;

	for (i = 0; i < nf; i++) {
		if ((n = snap_member(j, obj, where, f[i].key, J_NUMBER)) == -1)
			return -1;
		if (j->nodes[n].v.num < 0 ||
		    j->nodes[n].v.num > JSON_NUMBER_MAX)
			return snap_fail(j, "\"%s%s\" is out of range", where,
			    f[i].key);
		*(long long *)((char *)base + f[i].off) = j->nodes[n].v.num;
	}
	return 0;
}

/* Copy a server string for display: printable ASCII only, cut to fit. */
void
snap_text(char *dst, size_t len, const char *src)
{
	size_t	 i;

	for (i = 0; i + 1 < len && src[i] != '\0'; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	dst[i] = '\0';
}

static int
snap_string(struct json *j, int obj, const char *where, const char *key,
    char *dst, size_t len)
{
	int	 n;

	if ((n = snap_member(j, obj, where, key, J_STRING)) == -1)
		return -1;
	snap_text(dst, len, j->nodes[n].v.str);
	return 0;
}

/* An array member whose elements must all be objects; its length. */
static int
snap_array(struct json *j, int obj, const char *where, const char *key,
    size_t *count)
{
	int	 a, n;

	if ((a = snap_member(j, obj, where, key, J_ARRAY)) == -1)
		return -1;
	*count = 0;
	for (n = j->nodes[a].child; n != -1; n = j->nodes[n].next) {
		if (j->nodes[n].type != J_OBJECT)
			return snap_fail(j, "\"%s%s[%zu]\" is not an object",
			    where, key, *count);
		(*count)++;
	}
	return j->nodes[a].child;
}

void
snap_free(struct snap *s)
{
	free(s->socks);
	free(s->workers);
	free(s->cores);
	memset(s, 0, sizeof(*s));
}

int
snap_build(struct json *j, struct snap *s)
{
	struct snap_worker	*w;
	struct core	*c;
	char		 where[64];
	size_t		 i, k, ncores;
	int		 n, wn, cn, b;

	memset(s, 0, sizeof(*s));
	if (j->nodes[0].type != J_OBJECT)
		return snap_fail(j, "not a JSON object");
	if (snap_string(j, 0, "", "version", s->version,
	    sizeof(s->version)) == -1 ||
	    snap_numbers(j, 0, "", snap_fields, NITEMS(snap_fields), s) == -1)
		return -1;

	if ((n = snap_array(j, 0, "", "sockets", &s->nsocks)) == -1 &&
	    j->err[0] != '\0')
		return -1;
	if ((s->socks = calloc(s->nsocks + 1, sizeof(*s->socks))) == NULL)
		return snap_fail(j, "out of memory");
	for (i = 0; n != -1; n = j->nodes[n].next, i++) {
		snprintf(where, sizeof(where), "sockets[%zu].", i);
		if (snap_string(j, n, where, "name", s->socks[i].name,
		    sizeof(s->socks[i].name)) == -1 ||
		    snap_numbers(j, n, where, sock_fields, NITEMS(sock_fields),
		    &s->socks[i]) == -1)
			return -1;
	}

	/* count the cores first: one array for all of them */
	if ((wn = snap_array(j, 0, "", "workers", &s->nworkers)) == -1 &&
	    j->err[0] != '\0')
		return -1;
	for (i = 0, n = wn; n != -1; n = j->nodes[n].next, i++) {
		snprintf(where, sizeof(where), "workers[%zu].", i);
		if (snap_array(j, n, where, "cores", &k) == -1 &&
		    j->err[0] != '\0')
			return -1;
		s->ncores += k;
	}
	if ((s->workers = calloc(s->nworkers + 1, sizeof(*s->workers))) ==
	    NULL || (s->cores = calloc(s->ncores + 1, sizeof(*s->cores))) ==
	    NULL)
		return snap_fail(j, "out of memory");

	ncores = 0;
	for (i = 0, n = wn; n != -1; n = j->nodes[n].next, i++) {
		w = &s->workers[i];
		snprintf(where, sizeof(where), "workers[%zu].", i);
		if (snap_numbers(j, n, where, worker_fields,
		    NITEMS(worker_fields), w) == -1 ||
		    snap_string(j, n, where, "status", w->status,
		    sizeof(w->status)) == -1)
			return -1;
		cn = snap_array(j, n, where, "cores", &k);
		w->cores = &s->cores[ncores];
		for (k = 0; cn != -1; cn = j->nodes[cn].next, k++) {
			c = &w->cores[k];
			snprintf(where, sizeof(where),
			    "workers[%zu].cores[%zu].", i, k);
			if (snap_numbers(j, cn, where, core_fields,
			    NITEMS(core_fields), c) == -1 ||
			    snap_string(j, cn, where, "name", c->name,
			    sizeof(c->name)) == -1 ||
			    snap_string(j, cn, where, "method", c->method,
			    sizeof(c->method)) == -1 ||
			    snap_string(j, cn, where, "uri", c->uri,
			    sizeof(c->uri)) == -1)
				return -1;
			if ((b = snap_member(j, cn, where, "in_request",
			    J_BOOL)) == -1)
				return -1;
			c->in_request = j->nodes[b].v.num != 0;
		}
		w->ncores = k;
		ncores += k;
	}
	return 0;
}


/*
 * A sample from a body: parse, extract.  0, or -1 with the reason in err
 * (s is then empty).
 */
int
snap_read(const char *body, size_t len, struct snap *s, char *err,
    size_t errlen)
{
	struct json	 j;
	int		 rc = 0;

	memset(s, 0, sizeof(*s));
	if (json_parse(&j, body, len) == -1 || snap_build(&j, s) == -1) {
		snprintf(err, errlen, "%s", j.err);
		snap_free(s);
		rc = -1;
	}
	json_free(&j);
	return rc;
}

/* Requests per second between two samples, or -1 when unknown. */
double
snap_rate(long long now, long long before, double dt)
{
	if (dt <= 0 || now < before)
		return -1;
	return (double)(now - before) / dt;
}
