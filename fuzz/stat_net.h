/*
 * The socket calls poolserve-stat's http_get() makes, replaced so that
 * the harness input is what the server sends (fuzz/stat_http.c,
 * fuzz/stat_run.c).  Include it before stat_include.h, which it feeds:
 *
 *	net_data[0..net_len)	the server's bytes; every socket() starts
 *				reading them again from the first
 *	net_piece		the most one recv() returns
 *	net_flags		bit 0: connect() in progress, bit 1: short
 *				send()s, bit 2: every other recv() fails with
 *				EAGAIN, bit 3: the connection is refused,
 *				bit 4: reset after the last byte
 *	net_sockets_left	socket() fails with EMFILE after this many
 */
#ifndef FUZZ_STAT_NET_H
#define FUZZ_STAT_NET_H

#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const uint8_t	*net_data;
static size_t		 net_len, net_off, net_piece;
static int		 net_flags;
static int		 net_sockets_left = -1;	/* -1: no limit */
static long long	 net_now_ms = 1000000;	/* the fake clock */

static int
net_socket(int domain, int type, int protocol)
{
	(void)domain;
	(void)type;
	(void)protocol;
	if (net_sockets_left == 0) {
		errno = EMFILE;
		return -1;
	}
	if (net_sockets_left > 0)
		net_sockets_left--;
	net_off = 0;		/* each connection reads the response again */
	return open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static int
net_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	(void)fd;
	(void)sa;
	(void)len;
	if (net_flags & 9) {
		errno = EINPROGRESS;
		return -1;
	}
	return 0;
}

static int
net_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	(void)fd;
	(void)level;
	(void)name;
	memset(val, 0, *len);
	if ((net_flags & 8) && *len >= sizeof(int))
		*(int *)val = ECONNREFUSED;	/* SO_ERROR */
	return 0;
}

static ssize_t
net_send(int fd, const void *buf, size_t len, int flags)
{
	(void)fd;
	(void)buf;
	(void)flags;
	if ((net_flags & 2) && len > 7) {
		static int	 again;

		if ((again ^= 1) != 0) {
			errno = EAGAIN;
			return -1;
		}
		return 7;
	}
	return (ssize_t)len;
}

static ssize_t
net_recv(int fd, void *buf, size_t len, int flags)
{
	static int	 again;
	size_t		 n = net_len - net_off;

	(void)fd;
	(void)flags;
	if ((net_flags & 4) && (again ^= 1) != 0) {
		errno = EAGAIN;
		return -1;
	}
	if (n == 0 && (net_flags & 16)) {
		errno = ECONNRESET;
		return -1;
	}
	if (n > net_piece)
		n = net_piece;
	if (n > len)
		n = len;
	memcpy(buf, net_data + net_off, n);
	net_off += n;
	return (ssize_t)n;
}

static int
net_poll(struct pollfd *p, nfds_t n, int timeout)
{
	nfds_t	 i;

	if (n == 0 && timeout > 0)
		net_now_ms += timeout;
	for (i = 0; i < n; i++)
		p[i].revents = p[i].events;
	return (int)n;
}

/* ppoll(2) as poll(2): the signal mask plays no part here. */
static int
net_ppoll(struct pollfd *p, nfds_t n, const struct timespec *ts,
    const sigset_t *mask)
{
	(void)mask;
	return net_poll(p, n, ts == NULL ? -1 : (int)(ts->tv_sec * 1000 +
	    ts->tv_nsec / 1000000));
}

/*
 * A clock that stands still while a response is read (the 2 s deadline
 * never passes here) and moves on only when poll() is used to sleep.
 */
static int
net_clock_gettime(clockid_t id, struct timespec *ts)
{
	(void)id;
	ts->tv_sec = (time_t)(net_now_ms / 1000);
	ts->tv_nsec = (long)(net_now_ms % 1000) * 1000000;
	return 0;
}


#define socket		net_socket
#define connect		net_connect
#define getsockopt	net_getsockopt
#define send		net_send
#define recv		net_recv
#define poll		net_poll
#define ppoll		net_ppoll
#define clock_gettime	net_clock_gettime

#endif /* FUZZ_STAT_NET_H */
