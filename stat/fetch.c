/*
 * GET /stats: one request per connection, Connection: close, the whole
 * exchange (connect included) within FETCH_TIMEOUT_MS.  The bytes go to
 * the response reader (response.c); a quit signal ends a wait at once.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stat.h"

/* Wait for events on fd until the deadline; -1 with a reason on timeout. */
static int
fetch_wait(int fd, short events, long long deadline, const char *what,
    char *err, size_t errlen)
{
	struct pollfd	 pfd;
	long long	 left;
	int		 r;

	for (;;) {
		if (got_quit)
			return stat_err(err, errlen, "interrupted");
		left = deadline - clock_ms();
		if (left <= 0)
			return stat_err(err, errlen, "no answer within %d s "
			    "(%s)", FETCH_TIMEOUT_MS / 1000, what);
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		r = stat_poll(&pfd, 1, (int)left);
		if (r == -1 && errno != EINTR)
			return stat_err(err, errlen, "poll: %s",
			    strerror(errno));
		if (r > 0)
			return 0;
	}
}

/* A non-blocking socket connected to t: the descriptor, or -1. */
static int
fetch_connect(const struct target *t, long long deadline, char *err,
    size_t errlen)
{
	socklen_t	 sl;
	int		 fd, soerr;

	fd = socket(t->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1)
		return stat_err(err, errlen, "socket: %s", strerror(errno));
	if (connect(fd, (const struct sockaddr *)&t->ss, t->sslen) == 0)
		return fd;
	if (errno != EINPROGRESS && errno != EINTR) {
		stat_err(err, errlen, "cannot connect: %s", strerror(errno));
		goto fail;
	}
	if (fetch_wait(fd, POLLOUT, deadline, "connecting", err,
	    errlen) == -1)
		goto fail;
	sl = sizeof(soerr);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == -1)
		soerr = errno;
	if (soerr == 0)
		return fd;
	stat_err(err, errlen, "cannot connect: %s", strerror(soerr));
fail:
	close(fd);
	return -1;
}

/*
 * On a connected non-blocking fd: send GET /stats for host, read the
 * response until the deadline (clock_ms()).  The body in *body
 * (malloc'd, NUL-terminated) and *bodylen, *json when its Content-Type
 * says JSON.  0, or -1 with a one-line reason.  The fd stays open.
 */
int
fetch_exchange(int fd, const char *host, long long deadline, char **body,
    size_t *bodylen, bool *json, char *err, size_t errlen)
{
	struct resp	 r;
	char		 req[512], in[16384];
	size_t		 off;
	ssize_t		 n;
	int		 len, rc = 0;

	len = snprintf(req, sizeof(req), "GET /stats HTTP/1.1\r\nHost: %s\r\n"
	    "User-Agent: poolserve-stat/%s\r\nAccept: application/json\r\n"
	    "Connection: close\r\n\r\n", host, PACKAGE_VERSION);
	if (len < 0 || (size_t)len >= sizeof(req))
		return stat_err(err, errlen, "host name too long");
	for (off = 0; off < (size_t)len; off += (size_t)n) {
		n = send(fd, req + off, (size_t)len - off, MSG_NOSIGNAL);
		if (n == -1 && (errno == EINTR || errno == EAGAIN)) {
			n = 0;
			if (fetch_wait(fd, POLLOUT, deadline, "sending", err,
			    errlen) == -1)
				return -1;
		} else if (n == -1)
			return stat_err(err, errlen, "send: %s",
			    strerror(errno));
	}

	memset(&r, 0, sizeof(r));
	while (rc == 0) {
		if (fetch_wait(fd, POLLIN, deadline, r.hlen == 0 ?
		    "waiting for the response" : "reading the body", err,
		    errlen) == -1) {
			rc = -1;
			break;
		}
		n = recv(fd, in, sizeof(in), 0);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			rc = resp_end(&r, n == 0 ? 0 : errno, err, errlen);
		else
			rc = resp_feed(&r, in, (size_t)n, err, errlen);
	}
	if (rc == -1) {
		resp_free(&r);
		return -1;
	}
	*json = r.json;
	if ((*body = resp_body(&r, bodylen)) == NULL)
		return stat_err(err, errlen, "out of memory");
	return 0;
}

/* GET /stats from t: fetch_exchange() on a new connection. */
int
fetch_get(const struct target *t, char **body, size_t *bodylen, bool *json,
    char *err, size_t errlen)
{
	long long	 deadline = clock_ms() + FETCH_TIMEOUT_MS;
	int		 fd, rc;

	if ((fd = fetch_connect(t, deadline, err, errlen)) == -1)
		return -1;
	rc = fetch_exchange(fd, t->name, deadline, body, bodylen, json, err,
	    errlen);
	close(fd);
	return rc;
}

/* A reason for a body that is not a stats document, with the hint. */
static void
fetch_hint(bool json, char *err, size_t errlen)
{
	size_t	 n = strlen(err);

	if (!json && n < errlen)
		snprintf(err + n, errlen - n, " (not a JSON response; %s)",
		    STAT_HINT);
}

/* One sample, stamped with the time it came.  0, or -1 and err. */
int
fetch_snap(const struct target *t, struct snap *s, char *err,
    size_t errlen)
{
	char	*body;
	size_t	 len;
	bool	 json;
	int	 rc;

	memset(s, 0, sizeof(*s));
	if (fetch_get(t, &body, &len, &json, err, errlen) == -1)
		return -1;
	rc = snap_read(body, len, s, err, errlen);
	free(body);
	if (rc == -1) {
		fetch_hint(json, err, errlen);
		return -1;
	}
	s->mono = clock_mono();
	s->wall = clock_wall();
	return 0;
}

/* The document as it came (for --json), once it parses.  0, or -1. */
int
fetch_json(const struct target *t, char **body, size_t *len, char *err,
    size_t errlen)
{
	struct json	 j;
	bool		 json;
	int		 rc;

	if (fetch_get(t, body, len, &json, err, errlen) == -1)
		return -1;
	if ((rc = json_parse(&j, *body, *len)) == -1) {
		snprintf(err, errlen, "%s", j.err);
		fetch_hint(json, err, errlen);
		free(*body);
		*body = NULL;
	}
	json_free(&j);
	return rc;
}
