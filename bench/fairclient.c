/*
 * fairclient: how evenly does a server share itself among keep-alive
 * connections?
 *
 *	fairclient [-v] [-c connections] [-d seconds] [addr:]port
 *
 * Opens N keep-alive connections to addr:port (default 127.0.0.1) and on
 * each, for D seconds, sends "GET / HTTP/1.1" and reads the full response
 * (framed by Content-Length) before sending the next: one request
 * outstanding per connection, all connections driven by one poll() loop.
 * It counts the responses each connection got and prints one line:
 *
 *	conns=50 secs=3 total=41000 min=790 max=850 ratio=0.929 zero=0
 *	    errors=0 reconnects=0
 *
 * ratio is min/max; zero counts connections that got no response at all
 * (a server that leaves some clients in its listen backlog shows them
 * here).  A connection the server closes is counted in errors, reopened
 * and keeps its count.  -v adds the per-connection counts, one a line.
 *
 * Exit 0 when it ran (whatever the figures), 1 on a local error, 64 on
 * bad usage.  Part of poolserve's bench/, built by bench/hello.sh with
 * "cc -O2"; nothing here depends on poolserve.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define FAIR_BUF	16384
#define FAIR_RETRY_MS	10

static const char fair_request[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

enum conn_state {
	CONN_IDLE,		/* closed; reopen at retry_at */
	CONN_CONNECTING,	/* non-blocking connect in progress */
	CONN_WRITING,		/* sending the request */
	CONN_READING,		/* reading the response */
};

struct conn {
	int		 fd;
	enum conn_state	 state;
	size_t		 woff;		/* request bytes sent */
	char		 buf[FAIR_BUF];
	size_t		 len;		/* bytes in buf */
	size_t		 need;		/* full response length, 0: unknown */
	unsigned long	 count;		/* complete responses */
	uint64_t	 retry_at;	/* ms, CONN_IDLE only */
};

static struct sockaddr_in	 fair_addr;
static unsigned long		 fair_errors, fair_reconnects;

static void
usage(void)
{
	fprintf(stderr, "usage: fairclient [-v] [-c connections] "
	    "[-d seconds] [addr:]port\n");
	exit(64);
}

static uint64_t
fair_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* strtonum-style: a whole number in [min, max] or exit 64 naming what. */
static long
fair_number(const char *s, long min, long max, const char *what)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < min || v > max) {
		fprintf(stderr, "fairclient: %s: %s: must be %ld to %ld\n",
		    what, s, min, max);
		exit(64);
	}
	return v;
}

static void
fair_parse_addr(const char *arg)
{
	const char	*colon;
	char		 host[INET_ADDRSTRLEN];

	memset(&fair_addr, 0, sizeof(fair_addr));
	fair_addr.sin_family = AF_INET;
	if ((colon = strrchr(arg, ':')) == NULL) {
		fair_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		fair_addr.sin_port = htons((uint16_t)fair_number(arg, 1,
		    65535, "port"));
		return;
	}
	if ((size_t)(colon - arg) >= sizeof(host))
		usage();
	memcpy(host, arg, (size_t)(colon - arg));
	host[colon - arg] = '\0';
	if (inet_pton(AF_INET, host, &fair_addr.sin_addr) != 1) {
		fprintf(stderr, "fairclient: %s: not an IPv4 address\n", host);
		exit(64);
	}
	fair_addr.sin_port = htons((uint16_t)fair_number(colon + 1, 1, 65535,
	    "port"));
}

/* Start a non-blocking connect.  Returns 0, or -1 with c left idle. */
static int
fair_open(struct conn *c)
{
	int	 one = 1;

	c->len = c->need = c->woff = 0;
	if ((c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		perror("fairclient: socket");
		exit(1);
	}
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (struct sockaddr *)&fair_addr,
	    sizeof(fair_addr)) == 0) {
		c->state = CONN_WRITING;
		return 0;
	}
	if (errno == EINPROGRESS) {
		c->state = CONN_CONNECTING;
		return 0;
	}
	close(c->fd);
	c->fd = -1;
	c->state = CONN_IDLE;
	c->retry_at = fair_now_ms() + FAIR_RETRY_MS;
	fair_errors++;
	return -1;
}

/* The connection failed or the server closed it: reopen it shortly. */
static void
fair_fail(struct conn *c)
{
	close(c->fd);
	c->fd = -1;
	c->state = CONN_IDLE;
	c->retry_at = fair_now_ms() + FAIR_RETRY_MS;
	fair_errors++;
}

/*
 * Look for the end of the headers in c->buf; when found, set c->need to
 * the length of the whole response.  Returns 0 (need set or more bytes
 * needed) or -1 when the response cannot be framed.
 */
static int
fair_parse_head(struct conn *c)
{
	char		*end, *line, *next;
	size_t		 head;
	long long	 clen = -1;
	char		*v, *e;

	c->buf[c->len] = '\0';
	if ((end = strstr(c->buf, "\r\n\r\n")) == NULL)
		return c->len < FAIR_BUF - 1 ? 0 : -1;
	head = (size_t)(end - c->buf) + 4;
	if (strncmp(c->buf, "HTTP/1.", 7) != 0)
		return -1;
	for (line = strstr(c->buf, "\r\n") + 2; line < end; line = next + 2) {
		next = strstr(line, "\r\n");
		if (strncasecmp(line, "Content-Length:", 15) != 0)
			continue;
		for (v = line + 15; *v == ' ' || *v == '\t'; v++)
			continue;
		errno = 0;
		clen = strtoll(v, &e, 10);
		if (e == v || errno != 0 || clen < 0)
			return -1;
	}
	if (clen < 0)
		return -1;	/* chunked or close-delimited: not framed */
	c->need = head + (size_t)clen;
	return 0;
}

/* Handle poll() results for one connection. */
static void
fair_event(struct conn *c, short revents)
{
	ssize_t		 n;
	int		 err;
	socklen_t	 len;

	if (c->state == CONN_CONNECTING) {
		if (!(revents & (POLLOUT | POLLERR | POLLHUP)))
			return;
		len = sizeof(err);
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 ||
		    err != 0) {
			fair_fail(c);
			return;
		}
		c->state = CONN_WRITING;
	}
	if (c->state == CONN_WRITING) {
		n = send(c->fd, fair_request + c->woff,
		    sizeof(fair_request) - 1 - c->woff, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno != EAGAIN && errno != EINTR)
				fair_fail(c);
			return;
		}
		c->woff += (size_t)n;
		if (c->woff == sizeof(fair_request) - 1)
			c->state = CONN_READING;
		return;
	}
	if (c->state != CONN_READING ||
	    !(revents & (POLLIN | POLLERR | POLLHUP)))
		return;
	n = recv(c->fd, c->buf + c->len, FAIR_BUF - 1 - c->len, 0);
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
		fair_fail(c);
		return;
	}
	if (n == -1)
		return;
	c->len += (size_t)n;
	if (c->need == 0 && fair_parse_head(c) == -1) {
		fair_fail(c);
		return;
	}
	if (c->need == 0 || c->len < c->need)
		return;
	if (c->len > c->need) {		/* we never pipeline: a bad server */
		fair_fail(c);
		return;
	}
	c->count++;
	c->len = c->need = c->woff = 0;
	c->state = CONN_WRITING;
	fair_event(c, POLLOUT);		/* try to send at once */
}

int
main(int argc, char *argv[])
{
	struct conn	*conns;
	struct pollfd	*pfd;
	unsigned long	 min, max, total, zero;
	uint64_t	 now, deadline;
	long		 n = 50, secs = 3, i;
	int		 ch, verbose = 0, timeout, idle;

	while ((ch = getopt(argc, argv, "c:d:v")) != -1) {
		switch (ch) {
		case 'c':
			n = fair_number(optarg, 1, 60000, "-c");
			break;
		case 'd':
			secs = fair_number(optarg, 1, 3600, "-d");
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1)
		usage();
	fair_parse_addr(argv[optind]);

	if ((conns = calloc((size_t)n, sizeof(*conns))) == NULL ||
	    (pfd = calloc((size_t)n, sizeof(*pfd))) == NULL) {
		perror("fairclient: calloc");
		return 1;
	}
	for (i = 0; i < n; i++)
		(void)fair_open(&conns[i]);
	deadline = fair_now_ms() + (uint64_t)secs * 1000;

	while ((now = fair_now_ms()) < deadline) {
		idle = 0;
		for (i = 0; i < n; i++) {
			struct conn	*c = &conns[i];

			if (c->state == CONN_IDLE && c->retry_at <= now &&
			    fair_open(c) == 0)
				fair_reconnects++;
			if (c->state == CONN_IDLE) {
				idle = 1;
				pfd[i].fd = -1;
				continue;
			}
			pfd[i].fd = c->fd;
			pfd[i].events = c->state == CONN_READING ? POLLIN :
			    POLLOUT;
			pfd[i].revents = 0;
		}
		timeout = (int)(deadline - now);
		if (idle && timeout > FAIR_RETRY_MS)
			timeout = FAIR_RETRY_MS;
		if (poll(pfd, (nfds_t)n, timeout) == -1) {
			if (errno == EINTR)
				continue;
			perror("fairclient: poll");
			return 1;
		}
		for (i = 0; i < n; i++)
			if (pfd[i].fd != -1 && pfd[i].revents != 0)
				fair_event(&conns[i], pfd[i].revents);
	}

	min = ULONG_MAX;
	max = total = zero = 0;
	for (i = 0; i < n; i++) {
		if (conns[i].count < min)
			min = conns[i].count;
		if (conns[i].count > max)
			max = conns[i].count;
		if (conns[i].count == 0)
			zero++;
		total += conns[i].count;
		if (verbose)
			printf("conn %ld: %lu\n", i, conns[i].count);
	}
	printf("conns=%ld secs=%ld total=%lu min=%lu max=%lu ratio=%.3f "
	    "zero=%lu errors=%lu reconnects=%lu\n", n, secs, total, min, max,
	    max > 0 ? (double)min / (double)max : 0.0, zero, fair_errors,
	    fair_reconnects);
	return 0;
}
