/*
 * poolserve-stat: watch the stats endpoint of a poolserve master, as
 * uwsgitop does for uWSGI.  One file and libc only: a plain HTTP/1.1 GET
 * over a socket, a small bounded JSON parser (the server may be hostile:
 * every length is checked and nesting is bounded), and a full-screen view
 * drawn with ANSI sequences and termios.
 *
 * Signal handlers only set flags; the loops poll(2) without SA_RESTART so
 * a signal wakes them at once.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <sys/ioctl.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "poolserve.h"	/* config_number(), config_parse_addr() */

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION		"0.1.0"
#endif

#define EX_BADOPT		64	/* EX_USAGE: a bad option or value */
#define FETCH_TIMEOUT_MS	2000	/* connect + request + response */
#define HEAD_MAX		16384	/* response status line and headers */
#define BODY_MAX		(4 * 1024 * 1024)
#define RESPONSE_MAX		(HEAD_MAX + BODY_MAX + 65536)	/* + chunking */
#define JSON_DEPTH_MAX		32
#define JSON_NODES_MAX		(1 << 19)
#define JSON_NUMBER_MAX		(1LL << 53)	/* stats counters: 0..2^53 */
#define INTERVAL_MIN		0.1
#define INTERVAL_MAX		3600.0
#define VIEW_LINE_MAX		1024
#define VIEW_MIN_COLS		40

enum mode {
	MODE_LIVE,
	MODE_ONCE,
	MODE_JSON,
	MODE_CSV,
};

struct target {
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	char			 name[INET6_ADDRSTRLEN + 16];	/* [::1]:9191 */
};

struct opts {
	enum mode		 mode;
	double			 interval;
	bool			 interval_set;
	struct target		 target;
};

enum jtype {
	J_NULL,
	J_BOOL,
	J_NUMBER,
	J_STRING,
	J_ARRAY,
	J_OBJECT,
};

/* A parsed value; nodes refer to each other by index (the array grows). */
struct jnode {
	enum jtype		 type;
	int			 child;		/* first element/member or -1 */
	int			 next;		/* next sibling, -1 */
	const char		*key;		/* member name, NULL in array */
	union {
		long long	 num;		/* J_NUMBER, J_BOOL */
		const char	*str;		/* J_STRING, decoded */
	} v;
};

struct json {
	const char		*start, *p, *end;
	char			*sbuf;		/* decoded strings */
	size_t			 slen, scap;
	struct jnode		*nodes;
	size_t			 n, cap;
	unsigned		 depth;
	char			 err[200];
};

/* One sample of the stats document, strings made printable. */
struct core {
	long long		 id, running_ms, requests, last_status;
	bool			 in_request;
	char			 name[32];
	char			 method[16];
	char			 uri[512];
};

struct snap_worker {
	long long		 id, pid, requests, skipped, rejected;
	long long		 respawn_count, rss, avg_rt, running, waiting;
	long long		 connections;
	char			 status[16];
	struct core		*cores;
	size_t			 ncores;
};

struct sock {
	char			 name[64];
	long long		 listen_queue, listen_queue_max, full_count;
};

struct snap {
	char			 version[32];
	long long		 start_time, uptime, master_pid, processes;
	long long		 threads, queue, requests, in_progress, waiting;
	struct sock		*socks;
	size_t			 nsocks;
	struct snap_worker		*workers;
	size_t			 nworkers;
	struct core		*cores;		/* all workers' cores */
	size_t			 ncores;
	double			 mono, wall;	/* when it was received */
};

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

/* The lines of one screen or table, already cut to the width. */
struct frame {
	char			**text;
	bool			*bold;
	size_t			 n, cap;
	int			 cols;		/* 0: no limit */
};

struct term {
	int			 rows, cols;
	bool			 active;	/* alternate screen is on */
	bool			 saved;		/* orig holds stdin's mode */
	bool			 bold;
	struct termios		 orig;
};

static volatile sig_atomic_t	got_quit, got_winch, got_tstp;
static int	 stat_poll(struct pollfd *, nfds_t, int);

enum {
	OPT_ONCE = 256,
	OPT_JSON,
	OPT_WATCH_CSV,
	OPT_INTERVAL,
};

static const struct option longopts[] = {
	{ "once",		no_argument,	   NULL, OPT_ONCE },
	{ "json",		no_argument,	   NULL, OPT_JSON },
	{ "watch-csv",		required_argument, NULL, OPT_WATCH_CSV },
	{ "interval",		required_argument, NULL, OPT_INTERVAL },
	{ "version",		no_argument,	   NULL, 'V' },
	{ "help",		no_argument,	   NULL, 'h' },
	{ NULL,			0,		   NULL, 0 }
};

static int
errmsg(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static double
clock_mono(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
clock_wall(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static long long
clock_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* write(2) it all; -1 when the descriptor is gone (a hung-up terminal). */
static int
out_write(int fd, const char *buf, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Options.
 */

static void
opt_usage(FILE *fp)
{
	fputs(
"usage: poolserve-stat [-hV] [--once | --json | --watch-csv seconds]\n"
"                      [--interval seconds] addr:port\n"
"\n"
"  addr:port              stats address of a poolserve master, e.g.\n"
"                         127.0.0.1:9191, [::1]:9191 (:9191 = 127.0.0.1)\n"
"                         with no mode: a full-screen live view, q quits\n"
"                         (a plain table when not on a terminal)\n"
"  --once                 print the table once and exit\n"
"  --json                 print the JSON document as received and exit\n"
"  --watch-csv seconds    print a CSV line every seconds, 0.1 to 3600\n"
"  --interval seconds     refresh of the live view, 0.1 to 3600 (default 1)\n"
"  -V, --version          print the version and exit\n"
"  -h, --help             print this help and exit\n", fp);
}

/*
 * ADDR:PORT, [V6ADDR]:PORT, localhost:PORT or :PORT, parsed as poolserve
 * parses --http; here :PORT means 127.0.0.1 and port 0 is refused.
 */
static int
opt_target(const char *spec, struct target *t)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&t->ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&t->ss;
	char			 text[INET6_ADDRSTRLEN];

	memset(t, 0, sizeof(*t));
	if (config_parse_addr(spec, &t->ss, &t->sslen) == -1)
		return -1;
	if (t->ss.ss_family == AF_UNIX)
		return -1;	/* unix:PATH: not read as an IPv4 address */
	if (t->ss.ss_family == AF_INET6) {
		if (sin6->sin6_port == 0)
			return -1;
		inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof(text));
		snprintf(t->name, sizeof(t->name), "[%s]:%u", text,
		    ntohs(sin6->sin6_port));
		return 0;
	}
	if (sin->sin_port == 0)
		return -1;
	if (sin->sin_addr.s_addr == htonl(INADDR_ANY))
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	inet_ntop(AF_INET, &sin->sin_addr, text, sizeof(text));
	snprintf(t->name, sizeof(t->name), "%s:%u", text,
	    ntohs(sin->sin_port));
	return 0;
}

static const char *
opt_name(int id)
{
	const struct option	*o;

	for (o = longopts; o->name != NULL; o++)
		if (o->val == id)
			return o->name;
	return "?";
}

static int
opt_mode(struct opts *o, enum mode m, int id, char *err, size_t errlen)
{
	if (o->mode != MODE_LIVE && o->mode != m)
		return errmsg(err, errlen, "--%s: --once, --json and "
		    "--watch-csv exclude each other", opt_name(id));
	o->mode = m;
	return 0;
}

/* 0 to run, 1 after --help or --version, -1 with a one-line reason. */
static int
opt_parse(struct opts *o, int argc, char **argv, char *err, size_t errlen)
{
	int	 ch;

	memset(o, 0, sizeof(*o));
	o->mode = MODE_LIVE;
	o->interval = 1.0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":hV", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_ONCE:
			if (opt_mode(o, MODE_ONCE, ch, err, errlen) == -1)
				return -1;
			break;
		case OPT_JSON:
			if (opt_mode(o, MODE_JSON, ch, err, errlen) == -1)
				return -1;
			break;
		case OPT_WATCH_CSV:
		case OPT_INTERVAL:
			if (config_seconds(optarg, INTERVAL_MIN, INTERVAL_MAX,
			    &o->interval) == -1)
				return errmsg(err, errlen, "--%s: \"%s\" is "
				    "not a number of seconds in the range 0.1 "
				    "to 3600", opt_name(ch), optarg);
			if (ch == OPT_INTERVAL)
				o->interval_set = true;
			else if (opt_mode(o, MODE_CSV, ch, err, errlen) == -1)
				return -1;
			break;
		case 'h':
			opt_usage(stdout);
			return 1;
		case 'V':
			printf("poolserve-stat %s\n", PACKAGE_VERSION);
			return 1;
		case ':':
			if (optopt == OPT_WATCH_CSV || optopt == OPT_INTERVAL)
				return errmsg(err, errlen, "--%s: needs a "
				    "value in the range 0.1 to 3600",
				    opt_name(optopt));
			return errmsg(err, errlen, "--%s: needs a value",
			    opt_name(optopt));
		default:
			if (optopt != 0 && opt_name(optopt)[0] != '?' &&
			    strncmp(argv[optind - 1], "--", 2) == 0)
				return errmsg(err, errlen, "--%s: takes no "
				    "value", opt_name(optopt));
			if (optopt > ' ' && optopt < 0x7f)
				return errmsg(err, errlen, "unknown option -%c "
				    "(see poolserve-stat --help)", optopt);
			return errmsg(err, errlen, "unknown option %s (see "
			    "poolserve-stat --help)", argv[optind - 1]);
		}
	}
	if (o->interval_set && o->mode != MODE_LIVE)
		return errmsg(err, errlen, "--interval: only for the live view "
		    "(--watch-csv takes its own interval)");
	if (optind == argc)
		return errmsg(err, errlen, "missing addr:port (see "
		    "poolserve-stat --help)");
	if (optind + 1 < argc)
		return errmsg(err, errlen, "unexpected argument \"%s\" (see "
		    "poolserve-stat --help)", argv[optind + 1]);
	if (strlen(argv[optind]) > 128 ||
	    opt_target(argv[optind], &o->target) == -1)
		return errmsg(err, errlen, "addr:port: \"%.128s\" is not "
		    "ADDR:PORT with port 1 to 65535 (e.g. 127.0.0.1:9191, "
		    ":9191, [::1]:9191)", argv[optind]);
	return 0;
}

/*
 * HTTP: one GET /stats per connection, Connection: close.
 */

/* Wait for events on fd until the deadline; -1 with a reason on timeout. */
static int
http_wait(int fd, short events, long long deadline, const char *what,
    char *err, size_t errlen)
{
	struct pollfd	 pfd;
	long long	 left;
	int		 r;

	for (;;) {
		if (got_quit)
			return errmsg(err, errlen, "interrupted");
		left = deadline - clock_ms();
		if (left <= 0)
			return errmsg(err, errlen, "no answer within %d s (%s)",
			    FETCH_TIMEOUT_MS / 1000, what);
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		r = stat_poll(&pfd, 1, (int)left);
		if (r == -1 && errno != EINTR)
			return errmsg(err, errlen, "poll: %s", strerror(errno));
		if (r > 0)
			return 0;
	}
}

static int
http_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * A chunked body in p[0..len): 1 when complete (and, with write, decoded
 * in place into p[0..*outlen)), 0 when more is needed, -1 when malformed.
 * Decoding only moves data towards the start, so it is safe in place;
 * check without write first, since a partial decode cannot be resumed.
 */
static int
http_dechunk(char *p, size_t len, bool write, size_t *outlen)
{
	size_t	 i = 0, o = 0, size, digits;
	char	*lf;

	for (;;) {
		size = 0;
		for (digits = 0; i < len && http_hexval(p[i]) != -1; i++) {
			if (++digits > 8)
				return -1;
			size = size * 16 + (size_t)http_hexval(p[i]);
		}
		if (i == len)
			return 0;
		if (digits == 0)
			return -1;
		/* chunk extensions are ignored up to the end of the line */
		if ((lf = memchr(p + i, '\n', len - i)) == NULL)
			return 0;
		i = (size_t)(lf - p) + 1;
		if (size == 0)
			break;
		if (size > BODY_MAX - o)
			return -1;
		if (len - i < size + 2)
			return 0;
		if (write)
			memmove(p + o, p + i, size);
		o += size;
		i += size;
		if (p[i] != '\r' || p[i + 1] != '\n')
			return -1;
		i += 2;
	}
	/* trailer fields, then an empty line */
	for (;;) {
		if ((lf = memchr(p + i, '\n', len - i)) == NULL)
			return 0;
		if (lf == p + i || (lf == p + i + 1 && p[i] == '\r'))
			break;
		i = (size_t)(lf - p) + 1;
	}
	*outlen = o;
	return 1;
}

/* Header name (case-insensitive) in a line; its trimmed value or NULL. */
static const char *
http_header(const char *line, size_t n, const char *name, size_t *vlen)
{
	size_t	 nlen = strlen(name);

	if (n <= nlen || line[nlen] != ':' ||
	    strncasecmp(line, name, nlen) != 0)
		return NULL;
	line += nlen + 1;
	n -= nlen + 1;
	while (n > 0 && (*line == ' ' || *line == '\t')) {
		line++;
		n--;
	}
	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t' ||
	    line[n - 1] == '\r'))
		n--;
	*vlen = n;
	return line;
}

/*
 * The status line and the headers in buf[0..hlen): -1 with a reason
 * unless the status is 200; the body's Content-Length (or -1) and whether
 * it is chunked.
 */
static int
http_head(const char *buf, size_t hlen, long long *clen, bool *chunked,
    char *err, size_t errlen)
{
	const char	*line, *eol, *v, *end = buf + hlen;
	char		 reason[48];
	size_t		 vlen, i, n;
	long long	 len;
	int		 status;

	*clen = -1;
	*chunked = false;
	if (hlen < 13 || strncmp(buf, "HTTP/1.", 7) != 0 ||
	    !isdigit((unsigned char)buf[7]) || buf[8] != ' ' ||
	    !isdigit((unsigned char)buf[9]) ||
	    !isdigit((unsigned char)buf[10]) ||
	    !isdigit((unsigned char)buf[11]) ||
	    (buf[12] != ' ' && buf[12] != '\r'))
		return errmsg(err, errlen, "not an HTTP/1.x response");
	status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + buf[11] - '0';
	eol = memchr(buf, '\n', hlen);
	if (status != 200) {
		n = 0;
		for (i = 13; buf + i < eol && buf[i] != '\r' &&
		    n < sizeof(reason) - 1; i++)
			reason[n++] = isprint((unsigned char)buf[i]) ?
			    buf[i] : '?';
		reason[n] = '\0';
		return errmsg(err, errlen, "HTTP status %d%s%s (expected 200)",
		    status, n > 0 ? " " : "", reason);
	}
	for (line = eol + 1; line < end; line = eol + 1) {
		if ((eol = memchr(line, '\n', (size_t)(end - line))) == NULL)
			break;
		n = (size_t)(eol - line);
		if ((v = http_header(line, n, "Content-Length",
		    &vlen)) != NULL) {
			if (vlen == 0 || vlen > 12)
				return errmsg(err, errlen,
				    "bad Content-Length");
			for (len = 0, i = 0; i < vlen; i++) {
				if (!isdigit((unsigned char)v[i]))
					return errmsg(err, errlen,
					    "bad Content-Length");
				len = len * 10 + (v[i] - '0');
			}
			if (*clen != -1 && *clen != len)
				return errmsg(err, errlen,
				    "conflicting Content-Length headers");
			*clen = len;
		} else if ((v = http_header(line, n, "Transfer-Encoding",
		    &vlen)) != NULL) {
			if (vlen < 7 || strncasecmp(v + vlen - 7, "chunked", 7))
				return errmsg(err, errlen, "unsupported "
				    "Transfer-Encoding");
			*chunked = true;
		}
	}
	if (*chunked)
		*clen = -1;
	if (*clen > BODY_MAX)
		return errmsg(err, errlen, "response body of %lld bytes is "
		    "over the limit of %d (4 MiB)", *clen, BODY_MAX);
	return 0;
}

/*
 * GET /stats from t: the body in *body (malloc'd, NUL-terminated) and
 * *bodylen.  The whole exchange, connect included, must end within
 * FETCH_TIMEOUT_MS.  0, or -1 with a one-line reason in err.
 */
static int
http_get(const struct target *t, char **body, size_t *bodylen, char *err,
    size_t errlen)
{
	char		 req[512], *buf = NULL, *nbuf, *crlf;
	size_t		 len = 0, cap = 0, hlen = 0, off, from, blen;
	long long	 deadline, clen = -1;
	bool		 chunked = false, eof = false;
	int		 fd, n, soerr;
	socklen_t	 sl;
	ssize_t		 r;

	deadline = clock_ms() + FETCH_TIMEOUT_MS;
	fd = socket(t->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1)
		return errmsg(err, errlen, "socket: %s", strerror(errno));
	if (connect(fd, (const struct sockaddr *)&t->ss, t->sslen) == -1) {
		if (errno != EINPROGRESS && errno != EINTR) {
			errmsg(err, errlen, "cannot connect: %s",
			    strerror(errno));
			goto fail;
		}
		if (http_wait(fd, POLLOUT, deadline, "connecting", err,
		    errlen) == -1)
			goto fail;
		sl = sizeof(soerr);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == -1)
			soerr = errno;
		if (soerr != 0) {
			errmsg(err, errlen, "cannot connect: %s",
			    strerror(soerr));
			goto fail;
		}
	}

	n = snprintf(req, sizeof(req), "GET /stats HTTP/1.1\r\nHost: %s\r\n"
	    "User-Agent: poolserve-stat/%s\r\nAccept: application/json\r\n"
	    "Connection: close\r\n\r\n", t->name, PACKAGE_VERSION);
	for (off = 0; off < (size_t)n; off += (size_t)r) {
		r = send(fd, req + off, (size_t)n - off, MSG_NOSIGNAL);
		if (r == -1 && (errno == EINTR || errno == EAGAIN)) {
			r = 0;
			if (http_wait(fd, POLLOUT, deadline, "sending", err,
			    errlen) == -1)
				goto fail;
		} else if (r == -1) {
			errmsg(err, errlen, "send: %s", strerror(errno));
			goto fail;
		}
	}

	for (;;) {
		if (len == cap) {
			if (cap >= RESPONSE_MAX) {
				errmsg(err, errlen, "response over %d bytes",
				    RESPONSE_MAX);
				goto fail;
			}
			cap = cap == 0 ? 65536 : cap * 2;
			if (cap > RESPONSE_MAX)
				cap = RESPONSE_MAX;
			if ((nbuf = realloc(buf, cap + 1)) == NULL) {
				errmsg(err, errlen, "out of memory");
				goto fail;
			}
			buf = nbuf;
		}
		if (http_wait(fd, POLLIN, deadline, hlen == 0 ?
		    "waiting for the response" : "reading the body", err,
		    errlen) == -1)
			goto fail;
		r = recv(fd, buf + len, cap - len, 0);
		if (r == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			/* a reset after a complete chunked body loses nothing */
			if (!chunked || http_dechunk(buf + hlen, len - hlen,
			    false, &blen) != 1) {
				errmsg(err, errlen, "receive: %s",
				    strerror(errno));
				goto fail;
			}
			http_dechunk(buf + hlen, len - hlen, true, &blen);
			goto done;
		}
		if (r == 0)
			eof = true;
		from = len > 3 ? len - 3 : 0;
		len += (size_t)r;

		if (hlen == 0) {
			crlf = memmem(buf + from, len - from, "\r\n\r\n", 4);
			if (crlf == NULL) {
				if (len > HEAD_MAX) {
					errmsg(err, errlen, "response headers "
					    "over %d bytes", HEAD_MAX);
					goto fail;
				}
				if (eof) {
					errmsg(err, errlen, len == 0 ?
					    "connection closed without a "
					    "response" : "connection closed "
					    "inside the response headers");
					goto fail;
				}
				continue;
			}
			hlen = (size_t)(crlf - buf) + 4;
			if (hlen > HEAD_MAX) {
				errmsg(err, errlen, "response headers over %d "
				    "bytes", HEAD_MAX);
				goto fail;
			}
			if (http_head(buf, hlen, &clen, &chunked, err,
			    errlen) == -1)
				goto fail;
		}

		blen = len - hlen;
		if (clen >= 0 && blen >= (size_t)clen) {
			blen = (size_t)clen;
			break;
		}
		if (clen < 0 && !chunked && blen > BODY_MAX) {
			errmsg(err, errlen, "response body over the limit of "
			    "%d bytes (4 MiB)", BODY_MAX);
			goto fail;
		}
		if (chunked && (eof || (blen >= 5 &&
		    memcmp(buf + len - 5, "0\r\n\r\n", 5) == 0))) {
			switch (http_dechunk(buf + hlen, blen, false, &blen)) {
			case 1:
				http_dechunk(buf + hlen, len - hlen, true,
				    &blen);
				goto done;
			case -1:
				errmsg(err, errlen, "malformed chunked body");
				goto fail;
			}
		}
		if (eof) {
			if (clen >= 0 || chunked) {
				errmsg(err, errlen, "connection closed after "
				    "%zu body bytes", blen);
				goto fail;
			}
			break;
		}
	}
done:
	close(fd);
	memmove(buf, buf + hlen, blen);
	buf[blen] = '\0';
	*body = buf;
	*bodylen = blen;
	return 0;
fail:
	close(fd);
	free(buf);
	return -1;
}

/*
 * JSON: a recursive-descent parser into a flat array of nodes.  Nesting
 * is bounded by JSON_DEPTH_MAX and the node count by JSON_NODES_MAX; every
 * read checks the end of the input.
 */

static int	json_value(struct json *);

static int
json_fail(struct json *j, const char *fmt, ...)
{
	char	 msg[128];
	va_list	 ap;

	if (j->err[0] != '\0')
		return -1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(j->err, sizeof(j->err), "bad JSON at byte %zu: %s",
	    (size_t)(j->p - j->start), msg);
	return -1;
}

static void
json_ws(struct json *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
	    *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int
json_node(struct json *j, enum jtype type)
{
	struct jnode	*nn;
	size_t		 ncap;

	if (j->n == j->cap) {
		if (j->cap >= JSON_NODES_MAX)
			return json_fail(j, "more than %d values",
			    JSON_NODES_MAX);
		ncap = j->cap == 0 ? 256 : j->cap * 2;
		if ((nn = reallocarray(j->nodes, ncap, sizeof(*nn))) == NULL)
			return json_fail(j, "out of memory");
		j->nodes = nn;
		j->cap = ncap;
	}
	memset(&j->nodes[j->n], 0, sizeof(j->nodes[j->n]));
	j->nodes[j->n].type = type;
	j->nodes[j->n].child = -1;
	j->nodes[j->n].next = -1;
	return (int)j->n++;
}

static int
json_hex4(struct json *j, unsigned *out)
{
	unsigned	 v = 0;
	int		 i, h;

	if (j->end - j->p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		if ((h = http_hexval((unsigned char)*j->p++)) == -1)
			return -1;
		v = v << 4 | (unsigned)h;
	}
	*out = v;
	return 0;
}

static size_t
json_utf8(char *dst, unsigned cp)
{
	if (cp == 0) {
		dst[0] = '?';		/* keep strings C strings */
		return 1;
	}
	if (cp < 0x80) {
		dst[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		dst[0] = (char)(0xc0 | cp >> 6);
		dst[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		dst[0] = (char)(0xe0 | cp >> 12);
		dst[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		dst[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	dst[0] = (char)(0xf0 | cp >> 18);
	dst[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	dst[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	dst[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * A string at j->p (the opening quote), decoded into sbuf.  A decoded
 * string and its NUL never take more bytes than its source with quotes,
 * so sbuf (the input's size + 1) cannot overflow; checked all the same.
 */
static int
json_string(struct json *j, const char **out)
{
	char		*s = j->sbuf + j->slen, *dst = s;
	unsigned	 cp, lo;
	unsigned char	 c;

	j->p++;
	for (;;) {
		if ((size_t)(dst - j->sbuf) + 5 > j->scap)
			return json_fail(j, "string space exhausted");
		if (j->p == j->end)
			return json_fail(j, "unterminated string");
		c = (unsigned char)*j->p++;
		if (c == '"')
			break;
		if (c < 0x20)
			return json_fail(j, "control character in a string");
		if (c != '\\') {
			*dst++ = (char)c;
			continue;
		}
		if (j->p == j->end)
			return json_fail(j, "unterminated string");
		switch ((c = (unsigned char)*j->p++)) {
		case '"':
		case '\\':
		case '/':
			*dst++ = (char)c;
			break;
		case 'b':
			*dst++ = '\b';
			break;
		case 'f':
			*dst++ = '\f';
			break;
		case 'n':
			*dst++ = '\n';
			break;
		case 'r':
			*dst++ = '\r';
			break;
		case 't':
			*dst++ = '\t';
			break;
		case 'u':
			if (json_hex4(j, &cp) == -1)
				return json_fail(j, "bad \\u escape");
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return json_fail(j, "lone surrogate");
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (j->end - j->p < 6 || j->p[0] != '\\' ||
				    j->p[1] != 'u')
					return json_fail(j, "lone surrogate");
				j->p += 2;
				if (json_hex4(j, &lo) == -1 || lo < 0xdc00 ||
				    lo > 0xdfff)
					return json_fail(j, "lone surrogate");
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    (lo - 0xdc00);
			}
			dst += json_utf8(dst, cp);
			break;
		default:
			return json_fail(j, "bad escape \\%c",
			    isprint(c) ? c : '?');
		}
	}
	*dst++ = '\0';
	j->slen = (size_t)(dst - j->sbuf);
	*out = s;
	return 0;
}

static int
json_number(struct json *j)
{
	const char	*s = j->p;
	char		 tmp[48], *end;
	bool		 integer = true;
	long long	 v;
	double		 d;
	int		 idx;

	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p == j->end || !isdigit((unsigned char)*j->p))
		return json_fail(j, "bad number");
	if (*j->p == '0')
		j->p++;
	else
		while (j->p < j->end && isdigit((unsigned char)*j->p))
			j->p++;
	if (j->p < j->end && *j->p == '.') {
		integer = false;
		if (++j->p == j->end || !isdigit((unsigned char)*j->p))
			return json_fail(j, "bad number");
		while (j->p < j->end && isdigit((unsigned char)*j->p))
			j->p++;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		integer = false;
		if (++j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (j->p == j->end || !isdigit((unsigned char)*j->p))
			return json_fail(j, "bad number");
		while (j->p < j->end && isdigit((unsigned char)*j->p))
			j->p++;
	}
	if ((size_t)(j->p - s) >= sizeof(tmp))
		return json_fail(j, "number too long");
	memcpy(tmp, s, (size_t)(j->p - s));
	tmp[j->p - s] = '\0';
	errno = 0;
	if (integer) {
		v = strtoll(tmp, &end, 10);
		if (errno != 0)
			return json_fail(j, "number out of range");
	} else {
		d = strtod(tmp, &end);
		if (errno != 0 || d > 9.2e18 || d < -9.2e18)
			return json_fail(j, "number out of range");
		v = (long long)d;
	}
	if ((idx = json_node(j, J_NUMBER)) == -1)
		return -1;
	j->nodes[idx].v.num = v;
	return idx;
}

static int
json_literal(struct json *j, const char *lit, enum jtype type, long long v)
{
	size_t	 n = strlen(lit);
	int	 idx;

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0)
		return json_fail(j, "unexpected character");
	j->p += n;
	if ((idx = json_node(j, type)) == -1)
		return -1;
	j->nodes[idx].v.num = v;
	return idx;
}

/* An array or an object at j->p; members keep their order. */
static int
json_container(struct json *j, bool object)
{
	const char	*key = NULL;
	char		 close = object ? '}' : ']';
	int		 idx, child, last = -1;

	if (++j->depth > JSON_DEPTH_MAX)
		return json_fail(j, "nested deeper than %d", JSON_DEPTH_MAX);
	if ((idx = json_node(j, object ? J_OBJECT : J_ARRAY)) == -1)
		return -1;
	j->p++;
	json_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		j->depth--;
		return idx;
	}
	for (;;) {
		if (object) {
			json_ws(j);
			if (j->p == j->end || *j->p != '"')
				return json_fail(j, "expected a member name");
			if (json_string(j, &key) == -1)
				return -1;
			json_ws(j);
			if (j->p == j->end || *j->p != ':')
				return json_fail(j, "expected ':'");
			j->p++;
		}
		if ((child = json_value(j)) == -1)
			return -1;
		j->nodes[child].key = key;
		if (last == -1)
			j->nodes[idx].child = child;
		else
			j->nodes[last].next = child;
		last = child;
		json_ws(j);
		if (j->p == j->end)
			return json_fail(j, "unexpected end of the document");
		if (*j->p == close) {
			j->p++;
			break;
		}
		if (*j->p != ',')
			return json_fail(j, "expected ',' or '%c'", close);
		j->p++;
	}
	j->depth--;
	return idx;
}

static int
json_value(struct json *j)
{
	const char	*s;
	int		 idx;

	json_ws(j);
	if (j->p == j->end)
		return json_fail(j, "unexpected end of the document");
	switch (*j->p) {
	case '{':
		return json_container(j, true);
	case '[':
		return json_container(j, false);
	case '"':
		if (json_string(j, &s) == -1 ||
		    (idx = json_node(j, J_STRING)) == -1)
			return -1;
		j->nodes[idx].v.str = s;
		return idx;
	case 't':
		return json_literal(j, "true", J_BOOL, 1);
	case 'f':
		return json_literal(j, "false", J_BOOL, 0);
	case 'n':
		return json_literal(j, "null", J_NULL, 0);
	default:
		if (*j->p == '-' || isdigit((unsigned char)*j->p))
			return json_number(j);
		return json_fail(j, "unexpected character");
	}
}

static void
json_free(struct json *j)
{
	free(j->nodes);
	free(j->sbuf);
	memset(j, 0, sizeof(*j));
}

/* Parse buf[0..len): the root node (0), or -1 with the reason in j->err. */
static int
json_parse(struct json *j, const char *buf, size_t len)
{
	memset(j, 0, sizeof(*j));
	j->start = j->p = buf;
	j->end = buf + len;
	j->scap = len + 8;
	if ((j->sbuf = malloc(j->scap)) == NULL)
		return json_fail(j, "out of memory");
	if (json_value(j) == -1)
		return -1;
	json_ws(j);
	if (j->p != j->end)
		return json_fail(j, "data after the document");
	return 0;
}

/*
 * The stats document, from the JSON tree into a struct snap.  Every key
 * the view uses must be there with the right type; others are ignored.
 */

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

	for (n = j->nodes[obj].child; n != -1; n = j->nodes[n].next)
		if (strcmp(j->nodes[n].key, key) == 0)
			break;
	if (n == -1)
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
static void
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

static void
snap_free(struct snap *s)
{
	free(s->socks);
	free(s->workers);
	free(s->cores);
	memset(s, 0, sizeof(*s));
}

static int
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
 * One sample: GET, parse, extract.  With raw set, the body is handed over
 * (for --json, which only checks that it is JSON).  0, or -1 and err.
 */
static int
snap_fetch(const struct target *t, struct snap *s, char **raw,
    size_t *rawlen, char *err, size_t errlen)
{
	struct json	 j;
	char		*body = NULL;
	size_t		 len = 0;
	int		 rc = -1;

	if (s != NULL)
		memset(s, 0, sizeof(*s));
	if (http_get(t, &body, &len, err, errlen) == -1)
		return -1;
	if (json_parse(&j, body, len) == 0 &&
	    (raw != NULL || snap_build(&j, s) == 0))
		rc = 0;
	else
		snprintf(err, errlen, "%s", j.err);
	json_free(&j);
	if (rc == -1 && raw == NULL)
		snap_free(s);
	if (rc == 0 && raw != NULL) {
		*raw = body;
		*rawlen = len;
	} else
		free(body);
	if (rc == 0 && raw == NULL) {
		s->mono = clock_mono();
		s->wall = clock_wall();
	}
	return rc;
}

/* Requests per second between two samples, or -1 when unknown. */
static double
snap_rate(long long now, long long before, double dt)
{
	if (dt <= 0 || now < before)
		return -1;
	return (double)(now - before) / dt;
}

/*
 * The view: the same lines for --once and the live screen.
 */

static void
frame_free(struct frame *f)
{
	size_t	 i;

	for (i = 0; i < f->n; i++)
		free(f->text[i]);
	free(f->text);
	free(f->bold);
	memset(f, 0, sizeof(*f));
}

static void
frame_add(struct frame *f, bool bold, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
frame_add(struct frame *f, bool bold, const char *fmt, ...)
{
	char	 buf[VIEW_LINE_MAX], **nt;
	bool	*nb;
	size_t	 ncap, n;
	va_list	 ap;

	if (f->n == f->cap) {
		ncap = f->cap == 0 ? 64 : f->cap * 2;
		if ((nt = reallocarray(f->text, ncap, sizeof(*nt))) == NULL)
			return;
		f->text = nt;
		if ((nb = reallocarray(f->bold, ncap, sizeof(*nb))) == NULL)
			return;
		f->bold = nb;
		f->cap = ncap;
	}
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (f->cols > 0 && strlen(buf) > (size_t)f->cols)
		buf[f->cols] = '\0';
	for (n = strlen(buf); n > 0 && buf[n - 1] == ' '; n--)
		buf[n - 1] = '\0';
	if ((f->text[f->n] = strdup(buf)) == NULL)
		return;
	f->bold[f->n++] = bold;
}

static void
view_uptime(char *buf, size_t len, long long s)
{
	if (s < 0)
		s = 0;
	if (s >= 86400)
		snprintf(buf, len, "%lldd %02lld:%02lld:%02lld", s / 86400,
		    s / 3600 % 24, s / 60 % 60, s % 60);
	else
		snprintf(buf, len, "%02lld:%02lld:%02lld", s / 3600,
		    s / 60 % 60, s % 60);
}

static void
view_rate(char *buf, size_t len, double rate)
{
	if (rate < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f", rate);
}

/*
 * Lines for sample s, with rates against prev (may be NULL); note is a
 * refresh error shown under the header, or NULL.
 */
static void
view_build(struct frame *f, const struct snap *s, const struct snap *prev,
    const char *note)
{
	const struct snap_worker	*w, *pw;
	const struct core	*c;
	char			 up[32], rate[32], q[256], avg[32], rss[32];
	size_t			 i, k, n;
	double			 dt = prev != NULL ? s->mono - prev->mono : 0;

	view_uptime(up, sizeof(up), s->uptime);
	view_rate(rate, sizeof(rate), prev != NULL ?
	    snap_rate(s->requests, prev->requests, dt) : -1);
	frame_add(f, true, "poolserve %s - master pid %lld - up %s - %lld %s "
	    "x %lld %s", s->version, s->master_pid, up, s->processes,
	    s->processes == 1 ? "process" : "processes", s->threads,
	    s->threads == 1 ? "thread" : "threads");
	frame_add(f, true, "requests %lld - %s req/s - in progress %lld/%.0f - "
	    "waiting in process %lld", s->requests, rate, s->in_progress,
	    (double)s->processes * s->threads, s->waiting);
	q[0] = '\0';
	for (i = 0, n = 0; i < s->nsocks && n < sizeof(q); i++)
		n += (size_t)snprintf(q + n, sizeof(q) - n, "%s%s %lld/%lld",
		    i > 0 ? ", " : "", s->socks[i].name,
		    s->socks[i].listen_queue, s->socks[i].listen_queue_max);
	frame_add(f, true, "listen queue %s", s->nsocks > 0 ? q : "-");
	if (note != NULL)
		frame_add(f, false, "! %s", note);
	frame_add(f, false, "%s", "");

	frame_add(f, true, "%3s %7s %-6s %9s %8s %8s %8s %4s %4s %7s",
	    "WID", "PID", "STATUS", "REQUESTS", "REQ/S", "AVG ms", "RSS MB",
	    "RUN", "WAIT", "RESPAWN");
	for (i = 0; i < s->nworkers; i++) {
		w = &s->workers[i];
		pw = NULL;
		for (k = 0; prev != NULL && k < prev->nworkers; k++)
			if (prev->workers[k].id == w->id &&
			    prev->workers[k].pid == w->pid)
				pw = &prev->workers[k];
		view_rate(rate, sizeof(rate), pw != NULL ?
		    snap_rate(w->requests, pw->requests, dt) : -1);
		snprintf(avg, sizeof(avg), "%.1f", w->avg_rt / 1000.0);
		snprintf(rss, sizeof(rss), "%.1f", w->rss / 1048576.0);
		frame_add(f, false, "%3lld %7lld %-6s %9lld %8s %8s %8s %4lld "
		    "%4lld %7lld", w->id, w->pid, w->status, w->requests, rate,
		    avg, rss, w->running, w->waiting, w->respawn_count);
	}
	frame_add(f, false, "%s", "");

	frame_add(f, true, "%3s %-10s %-5s %4s %9s %10s  %s", "WID", "CORE",
	    "STATE", "LAST", "REQUESTS", "RUNNING ms", "REQUEST");
	for (i = 0; i < s->nworkers; i++) {
		w = &s->workers[i];
		for (k = 0; k < w->ncores; k++) {
			c = &w->cores[k];
			snprintf(q, sizeof(q), "%lld", c->last_status);
			frame_add(f, false, "%3lld %-10s %-5s %4s %9lld "
			    "%10lld  %s%s%s", w->id, c->name,
			    c->in_request ? "busy" : "idle",
			    c->last_status > 0 ? q : "-", c->requests,
			    c->running_ms, c->in_request ? c->method : "",
			    c->in_request ? " " : "",
			    c->in_request ? c->uri : "");
		}
	}
}

/*
 * The terminal: alternate screen, hidden cursor, stdin without echo or
 * line buffering; all of it undone by term_leave on every way out.
 */

static void
term_size(struct term *tm)
{
	struct winsize	 ws;

	tm->rows = 24;
	tm->cols = 80;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0) {
		tm->rows = ws.ws_row;
		tm->cols = ws.ws_col;
	}
}

static void
term_enter(struct term *tm)
{
	static const char	 seq[] = "\033[?1049h\033[?25l\033[H\033[2J";
	struct termios		 raw;

	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &tm->orig) == 0) {
		tm->saved = true;
		raw = tm->orig;
		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		raw.c_cc[VMIN] = 0;
		raw.c_cc[VTIME] = 0;
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	}
	if (out_write(STDOUT_FILENO, seq, sizeof(seq) - 1) == -1)
		got_quit = 1;
	tm->active = true;
}

static void
term_leave(struct term *tm)
{
	static const char	 seq[] = "\033[0m\033[?25h\033[?1049l";

	if (tm->active)
		(void)out_write(STDOUT_FILENO, seq, sizeof(seq) - 1);
	if (tm->saved)
		tcsetattr(STDIN_FILENO, TCSANOW, &tm->orig);
	tm->active = tm->saved = false;
}

static int
term_append(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t	 n = strlen(s);
	char	*nb;

	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		if ((nb = realloc(*buf, *cap)) == NULL)
			return -1;
		*buf = nb;
	}
	memcpy(*buf + *len, s, n + 1);
	*len += n;
	return 0;
}

/*
 * Draw a frame from the top left, one write.  Lines shorter than the
 * width end with erase-to-end-of-line (not full ones: at the last column
 * it would erase their last character); no newline after the last row,
 * so the screen never scrolls.
 */
static void
term_draw(struct term *tm, const struct frame *f)
{
	char		*buf = NULL, more[64];
	size_t		 len = 0, cap = 0, i, shown, total;
	const char	*text;
	bool		 cut, bold;

	term_append(&buf, &len, &cap, "\033[H");
	if (tm->cols < VIEW_MIN_COLS) {
		snprintf(more, sizeof(more), "terminal too narrow, need %d",
		    VIEW_MIN_COLS);
		if (strlen(more) > (size_t)tm->cols)
			more[tm->cols] = '\0';
		term_append(&buf, &len, &cap, more);
		if (strlen(more) < (size_t)tm->cols)
			term_append(&buf, &len, &cap, "\033[K");
		if (tm->rows > 1)
			term_append(&buf, &len, &cap, "\r\n\033[J");
		goto out;
	}
	cut = f->n > (size_t)tm->rows;
	shown = cut ? (size_t)tm->rows - 1 : f->n;
	total = shown + (cut ? 1 : 0);
	for (i = 0; i < total; i++) {
		bold = i < shown && f->bold[i] && tm->bold;
		if (i == shown) {
			snprintf(more, sizeof(more), "... %zu more lines",
			    f->n - shown);
			text = more;
		} else
			text = f->text[i];
		if (bold)
			term_append(&buf, &len, &cap, "\033[1m");
		term_append(&buf, &len, &cap, text);
		if (bold)
			term_append(&buf, &len, &cap, "\033[0m");
		if (strlen(text) < (size_t)tm->cols)
			term_append(&buf, &len, &cap, "\033[K");
		if (i + 1 < total)
			term_append(&buf, &len, &cap, "\r\n");
	}
	if (total < (size_t)tm->rows)
		term_append(&buf, &len, &cap, "\r\n\033[J");
out:
	if (buf != NULL && out_write(STDOUT_FILENO, buf, len) == -1)
		got_quit = 1;
	free(buf);
}

/*
 * Signals: flags only.
 */

static void
sig_handler(int sig)
{
	switch (sig) {
	case SIGWINCH:
		got_winch = 1;
		break;
	case SIGTSTP:
		got_tstp = 1;
		break;
	default:
		got_quit = 1;
		break;
	}
}

/*
 * The signals handled are blocked except while stat_poll() waits
 * (ppoll): one that arrives after a loop looked at its flag and before it
 * sleeps then ends that sleep at once, instead of after the timeout.
 */
static sigset_t		 sig_waitmask;	/* the mask while waiting */
static bool		 sig_masked;

static void
sig_install(int sig)
{
	struct sigaction	 sa;
	sigset_t		 one;

	if (!sig_masked) {
		sigprocmask(SIG_BLOCK, NULL, &sig_waitmask);
		sig_masked = true;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sig_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: poll must wake */
	sigaction(sig, &sa, NULL);
	sigemptyset(&one);
	sigaddset(&one, sig);
	sigprocmask(SIG_BLOCK, &one, NULL);
	sigdelset(&sig_waitmask, sig);
}

/* Stop as the terminal asked (SIGTSTP), then take the signal again. */
static void
sig_stop_self(void)
{
	sigset_t	 one;

	signal(SIGTSTP, SIG_DFL);
	sigemptyset(&one);
	sigaddset(&one, SIGTSTP);
	raise(SIGTSTP);
	sigprocmask(SIG_UNBLOCK, &one, NULL);	/* stopped here */
	sig_install(SIGTSTP);
}

/* poll(2), with the handled signals let in only while it waits. */
static int
stat_poll(struct pollfd *pfd, nfds_t n, int timeout_ms)
{
	struct timespec	 ts;

	if (!sig_masked)
		return poll(pfd, n, timeout_ms);
	ts.tv_sec = timeout_ms / 1000;
	ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
	return ppoll(pfd, n, timeout_ms < 0 ? NULL : &ts, &sig_waitmask);
}

/*
 * The modes.
 */

static int
run_once(const struct target *t)
{
	struct snap	 s;
	struct frame	 f;
	char		 err[256];
	size_t		 i;

	if (snap_fetch(t, &s, NULL, NULL, err, sizeof(err)) == -1) {
		fprintf(stderr, "poolserve-stat: %s: %s\n", t->name, err);
		return 1;
	}
	memset(&f, 0, sizeof(f));
	view_build(&f, &s, NULL, NULL);
	for (i = 0; i < f.n; i++)
		printf("%s\n", f.text[i]);
	frame_free(&f);
	snap_free(&s);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "poolserve-stat: stdout: %s\n",
		    strerror(errno));
		return 1;
	}
	return 0;
}

/*
 * The well-formed UTF-8 sequence at p[0..n): its code point and length,
 * or 0 when there is none (a stray or overlong byte, a surrogate).
 */
static size_t
json_utf8_decode(const unsigned char *p, size_t n, unsigned *cp)
{
	size_t	 need, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		need = 1, *cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		need = 2, *cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		need = 3, *cp = p[0] & 0x07;
	else
		return 0;
	if (n <= need)
		return 0;
	for (i = 1; i <= need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (p[i] & 0x3f);
	}
	if ((need == 2 && *cp < 0x800) || (need == 3 && *cp < 0x10000) ||
	    *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return need + 1;
}

/*
 * A JSON text that json_parse() accepted, made safe for a terminal: the
 * same document in printable ASCII.  In strings every byte outside
 * 0x20-0x7e becomes a \u escape (a character outside the BMP a
 * surrogate pair, bytes that are not UTF-8 U+FFFD), so no C1 control
 * (0x80-0x9f, or U+0080-U+009F in UTF-8) or other escape sequence
 * reaches the terminal raw; outside strings only space, tab and newline
 * are kept.  NULL when out of memory.
 */
static char *
json_ascii(const char *in, size_t len, size_t *outlen)
{
	const unsigned char	*p = (const unsigned char *)in;
	char			*out, *o;
	unsigned		 cp;
	size_t			 i, k;
	bool			 str = false;

	/* 12 bytes (a surrogate pair) for 4 in, 6 for 1 at most */
	if (len > (SIZE_MAX - 1) / 6 || (out = malloc(len * 6 + 1)) == NULL)
		return NULL;
	for (o = out, i = 0; i < len; i++) {
		if (!str) {
			if (p[i] == '"')
				str = true;
			if ((p[i] >= 0x20 && p[i] < 0x7f) || p[i] == '\t' ||
			    p[i] == '\n')
				*o++ = (char)p[i];
			continue;
		}
		if (p[i] == '\\' && i + 1 < len) {
			*o++ = (char)p[i++];
			*o++ = (char)p[i];
			continue;
		}
		if (p[i] == '"')
			str = false;
		if (p[i] >= 0x20 && p[i] < 0x7f) {
			*o++ = (char)p[i];
			continue;
		}
		if (p[i] < 0x80)
			cp = p[i];
		else if ((k = json_utf8_decode(p + i, len - i, &cp)) != 0)
			i += k - 1;
		else
			cp = 0xfffd;
		if (cp >= 0x10000) {
			cp -= 0x10000;
			o += sprintf(o, "\\u%04x\\u%04x", 0xd800 + (cp >> 10),
			    0xdc00 + (cp & 0x3ff));
		} else
			o += sprintf(o, "\\u%04x", cp);
	}
	*o = '\0';
	*outlen = (size_t)(o - out);
	return out;
}

static int
run_json(const struct target *t)
{
	char	 err[256], *body, *safe;
	size_t	 len, slen;

	if (snap_fetch(t, NULL, &body, &len, err, sizeof(err)) == -1) {
		fprintf(stderr, "poolserve-stat: %s: %s\n", t->name, err);
		return 1;
	}
	safe = json_ascii(body, len, &slen);
	free(body);
	if (safe == NULL) {
		fprintf(stderr, "poolserve-stat: %s: out of memory\n",
		    t->name);
		return 1;
	}
	if (fwrite(safe, 1, slen, stdout) != slen || fflush(stdout) == EOF) {
		fprintf(stderr, "poolserve-stat: stdout: %s\n",
		    strerror(errno));
		free(safe);
		return 1;
	}
	free(safe);
	return 0;
}

/* Sleep until the monotonic time until, or a quit signal. */
static void
run_sleep(double until)
{
	double	 left;

	while (!got_quit && (left = until - clock_mono()) > 0)
		(void)stat_poll(NULL, 0, (int)(left * 1000) + 1);
}

static int
run_csv(const struct target *t, double interval)
{
	struct snap	 s, prev;
	char		 err[256];
	double		 next, rate;
	long long	 lq;
	size_t		 i;
	bool		 first = true;

	memset(&prev, 0, sizeof(prev));
	next = clock_mono();
	for (;;) {
		run_sleep(next);
		if (got_quit)
			break;
		if (snap_fetch(t, &s, NULL, NULL, err, sizeof(err)) == -1) {
			if (got_quit)
				break;
			fprintf(stderr, "poolserve-stat: %s: %s\n", t->name,
			    err);
			snap_free(&prev);
			return 1;
		}
		if (first)
			printf("time,in_progress,listen_queue,waiting,"
			    "req_per_s\n");
		for (lq = 0, i = 0; i < s.nsocks; i++)
			lq = lq > LLONG_MAX - s.socks[i].listen_queue ?
			    LLONG_MAX : lq + s.socks[i].listen_queue;
		rate = first ? 0 : snap_rate(s.requests, prev.requests,
		    s.mono - prev.mono);
		printf("%.3f,%lld,%lld,%lld,%.1f\n", s.wall, s.in_progress, lq,
		    s.waiting, rate < 0 ? 0.0 : rate);
		if (fflush(stdout) == EOF) {
			fprintf(stderr, "poolserve-stat: stdout: %s\n",
			    strerror(errno));
			snap_free(&s);
			snap_free(&prev);
			return 1;
		}
		snap_free(&prev);
		prev = s;
		first = false;
		/* a fixed rate; ticks missed by a slow answer are skipped */
		next += interval;
		while (next <= clock_mono())
			next += interval;
	}
	snap_free(&prev);
	return 0;
}

/* Keys typed in the live view; -1 when stdin is closed. */
static int
run_keys(void)
{
	char	 buf[64];
	ssize_t	 n, i;

	n = read(STDIN_FILENO, buf, sizeof(buf));
	if (n == -1)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	if (n == 0)
		return -1;
	for (i = 0; i < n; i++)
		if (buf[i] == 'q' || buf[i] == 'Q')
			got_quit = 1;
	return 0;
}

/*
 * The live view.  The first sample is taken before the screen is
 * switched, so a wrong address is a plain one-line error; later failures
 * are shown on the screen and retried at every tick.
 */
static int
run_live(const struct target *t, double interval)
{
	struct term	 tm;
	struct snap	 s, cur, prev;
	struct frame	 f;
	struct pollfd	 pfd;
	const char	*nc;
	char		 err[256], note[300];
	double		 next, left;
	bool		 have_prev = false, have_note = false, keys;

	if (snap_fetch(t, &cur, NULL, NULL, err, sizeof(err)) == -1) {
		fprintf(stderr, "poolserve-stat: %s: %s\n", t->name, err);
		return 1;
	}
	memset(&prev, 0, sizeof(prev));
	memset(&tm, 0, sizeof(tm));
	nc = getenv("NO_COLOR");
	tm.bold = nc == NULL || nc[0] == '\0';
	keys = true;
	sig_install(SIGWINCH);
	sig_install(SIGTSTP);
	term_size(&tm);
	term_enter(&tm);
	next = clock_mono() + interval;
	for (;;) {
		memset(&f, 0, sizeof(f));
		f.cols = tm.cols;
		view_build(&f, &cur, have_prev ? &prev : NULL,
		    have_note ? note : NULL);
		term_draw(&tm, &f);
		frame_free(&f);

		for (;;) {
			if (got_quit)
				goto out;
			if (got_tstp) {
				got_tstp = 0;
				term_leave(&tm);
				sig_stop_self();
				term_size(&tm);
				term_enter(&tm);
				break;
			}
			if (got_winch) {
				got_winch = 0;
				term_size(&tm);
				break;
			}
			if ((left = next - clock_mono()) <= 0) {
				if (snap_fetch(t, &s, NULL, NULL, err,
				    sizeof(err)) == -1) {
					if (got_quit)
						goto out;
					snprintf(note, sizeof(note), "%s "
					    "(retrying every %g s)", err,
					    interval);
					have_note = true;
				} else {
					snap_free(&prev);
					prev = cur;
					cur = s;
					have_prev = true;
					have_note = false;
				}
				next += interval;
				while (next <= clock_mono())
					next += interval;
				break;
			}
			pfd.fd = STDIN_FILENO;
			pfd.events = POLLIN;
			pfd.revents = 0;
			if (stat_poll(&pfd, keys ? 1 : 0,
			    (int)(left * 1000) + 1) > 0 && run_keys() == -1)
				keys = false;
		}
	}
out:
	term_leave(&tm);
	snap_free(&cur);
	snap_free(&prev);
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts	 o;
	char		 err[512];
	const char	*term;

	switch (opt_parse(&o, argc, argv, err, sizeof(err))) {
	case -1:
		fprintf(stderr, "poolserve-stat: %s\n", err);
		return EX_BADOPT;
	case 1:
		return 0;
	}
	switch (o.mode) {
	case MODE_ONCE:
		return run_once(&o.target);
	case MODE_JSON:
		return run_json(&o.target);
	case MODE_CSV:
		sig_install(SIGINT);
		sig_install(SIGTERM);
		return run_csv(&o.target, o.interval);
	case MODE_LIVE:
		break;
	}
	term = getenv("TERM");
	if (!isatty(STDOUT_FILENO) || term == NULL || term[0] == '\0' ||
	    strcmp(term, "dumb") == 0)
		return run_once(&o.target);
	sig_install(SIGINT);
	sig_install(SIGTERM);
	sig_install(SIGHUP);
	return run_live(&o.target, o.interval);
}
