/*
 * Idle keep-alive connections, parked: held as a bare socket in the
 * worker's own epoll set, outside libmicrohttpd, which would keep each
 * one's whole memory pool (--max-header-size + 8 KiB, zeroed after every
 * request, so resident) for as long as it idles.  nginx keeps its idle
 * connections bufferless the same way.
 *
 * A plain HTTP connection that has answered a request and then stayed
 * silent for PARK_IDLE_MS, with nothing of a next request received, is
 * parked: libmicrohttpd is told to time it out at once, and when it lets
 * the connection go (worker_connection, MHD_CONNECTION_NOTIFY_CLOSED) the
 * socket is kept through a second descriptor.  libmicrohttpd runs with
 * MHD_USE_TURBO there, so it closes without a shutdown(): the client sees
 * nothing.  When the client sends its next request the socket goes back
 * to libmicrohttpd like a newly accepted one, through the gate; when it
 * closes, or stays silent past --keepalive-timeout, the socket is closed.
 *
 * "Nothing received" is exact: the kernel counts the bytes a socket has
 * received (TCP_INFO), and a connection is parked only when that equals
 * the bytes of the requests it answered (header blocks as libmicrohttpd
 * measured them, plus Content-Length bodies).  A pipelined request or a
 * part of one, in the kernel or in libmicrohttpd's buffer, keeps it where
 * it is; so does a chunked body, which this count does not cover.
 *
 * Parked connections stay counted in the pool's connections
 * (--max-connections), keep the keep-alive timeout they had, and are
 * closed when the worker retires.  TLS connections are not parked: their
 * session lives in libmicrohttpd.
 */
#include "config.h"

#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <linux/tcp.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "poolserve.h"

#define PARK_IDLE_MS	1000	/* silent this long after an answer */

struct parked {
	TAILQ_ENTRY(parked)	 entry;
	int			 fd;
	uint64_t		 consumed;	/* struct conn's */
	uint64_t		 deadline;	/* ms: --keepalive-timeout */
	socklen_t		 len;
	struct sockaddr_storage	 addr;
};

/* The bytes the socket has received, from the kernel; -1: not TCP. */
static int
park_received(int fd, uint64_t *bytes)
{
	struct tcp_info	 ti;
	socklen_t	 len = sizeof(ti);

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1 ||
	    len < offsetof(struct tcp_info, tcpi_bytes_received) +
	    sizeof(ti.tcpi_bytes_received))
		return -1;
	*bytes = ti.tcpi_bytes_received;
	return 0;
}

/* Nothing received beyond the requests answered, and the client there. */
static bool
park_quiet(const struct conn *c)
{
	uint64_t	 bytes;

	return park_received(c->fd, &bytes) == 0 && bytes == c->consumed &&
	    !request_client_gone(c);
}

/*
 * From the sweep, once a second for each connection: park it when it is
 * a plain HTTP one that answered a request and has been silent since
 * PARK_IDLE_MS.  libmicrohttpd closes it on its next round (timeout 1 s,
 * over already), and park_take() keeps the socket.  The descriptor that
 * will hold it is taken now: out of descriptors, the connection stays
 * in libmicrohttpd (and the sweep tries again).
 */
void
park_consider(struct worker *w, struct conn *c, uint64_t now)
{
	if (c->parking || c->idle_since == 0 ||
	    now - c->idle_since < PARK_IDLE_MS || c->fd == -1 ||
	    c->tls.session != NULL || atomic_load(&w->retiring) ||
	    w->cfg->keepalive_timeout * 1000ULL <= PARK_IDLE_MS + 1000)
		return;
	if (!park_quiet(c) ||
	    (c->park_fd = fcntl(c->fd, F_DUPFD_CLOEXEC, 0)) == -1)
		return;
	c->parking = true;
	MHD_set_connection_option(c->mhd, MHD_CONNECTION_OPTION_TIMEOUT, 1U);
}

/* p leaves the worker (its socket closed, or handed back: close_fd). */
static void
park_free(struct worker *w, struct parked *p, bool close_fd)
{
	if (close_fd)
		close(p->fd);
	free(p);
	pool_parked(&w->pool, -1);
	w->nparked--;
	atomic_store_explicit(&w->sw->parked, w->nparked,
	    memory_order_relaxed);
}

/*
 * libmicrohttpd is closing c (MHD_CONNECTION_NOTIFY_CLOSED): when c was
 * to be parked and is still quiet, keep its socket.  True when parked;
 * the connection then stays counted in the pool.
 */
bool
park_take(struct worker *w, struct conn *c)
{
	const union MHD_ConnectionInfo	*ci;
	struct parked			*p;
	struct epoll_event		 ev;
	const struct sockaddr		*sa;

	if (!c->parking)
		return false;
	c->parking = false;
	if (atomic_load(&w->retiring) || !park_quiet(c) ||
	    (ci = MHD_get_connection_info(c->mhd,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS)) == NULL ||
	    (sa = ci->client_addr) == NULL ||
	    (sa->sa_family != AF_INET && sa->sa_family != AF_INET6) ||
	    (p = calloc(1, sizeof(*p))) == NULL) {
		close(c->park_fd);
		return false;
	}
	p->fd = c->park_fd;
	p->len = sa->sa_family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6);
	memcpy(&p->addr, sa, p->len);
	p->consumed = c->consumed;
	p->deadline = c->idle_since + w->cfg->keepalive_timeout * 1000ULL;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLRDHUP;
	ev.data.u64 = PARK_TAG | (uint64_t)(uintptr_t)p;
	if (epoll_ctl(w->ep, EPOLL_CTL_ADD, p->fd, &ev) == -1) {
		close(p->fd);
		free(p);
		return false;
	}
	TAILQ_INSERT_TAIL(&w->parked, p, entry);
	w->nparked++;
	w->trim = true;
	atomic_store_explicit(&w->sw->parked, w->nparked,
	    memory_order_relaxed);
	return true;
}

/* A parked socket with bytes to read: its client's next request. */
static bool
park_has_request(const struct parked *p)
{
	int	 unread;

	return ioctl(p->fd, FIONREAD, &unread) == 0 && unread > 0;
}

/*
 * p leaves the parked list: when serve and its client's next request
 * came, to w->unparked, where it waits for the gate (park_next());
 * otherwise closed.
 */
static void
park_leave(struct worker *w, struct parked *p, bool serve)
{
	(void)epoll_ctl(w->ep, EPOLL_CTL_DEL, p->fd, NULL);
	TAILQ_REMOVE(&w->parked, p, entry);
	if (serve && park_has_request(p))
		TAILQ_INSERT_TAIL(&w->unparked, p, entry);
	else
		park_free(w, p, true);
}

/*
 * A parked socket's event (ev: its epoll data): bytes came, its next
 * request; or its client closed, and so does the worker.
 */
void
park_event(struct worker *w, uint64_t ev)
{
	park_leave(w, (struct parked *)(uintptr_t)(ev & ~PARK_TAG), true);
}

/*
 * The oldest parked socket whose request came, for the acceptor to hand
 * back to libmicrohttpd (with *len and *addr, and the bytes it received
 * before in w->add_consumed); -1: none.  The caller checked the gate.
 */
int
park_next(struct worker *w, struct sockaddr_storage *addr, socklen_t *len)
{
	struct parked	*p;
	int		 fd;

	if ((p = TAILQ_FIRST(&w->unparked)) == NULL)
		return -1;
	TAILQ_REMOVE(&w->unparked, p, entry);
	fd = p->fd;
	w->add_consumed = p->consumed;
	*len = p->len;
	memcpy(addr, &p->addr, p->len);
	park_free(w, p, false);		/* counted again as accepted */
	return fd;
}

/*
 * From the sweep, once a second: close what stayed silent past its
 * keep-alive timeout; retiring, close every silent one (a request that
 * came is still served, with Connection: close).  Then give the memory
 * pools of the connections parked since back to the system:
 * libmicrohttpd's pools come from malloc (up to 32 KiB), and freed in
 * the middle of the heap they stay resident until trimmed.
 */
void
park_sweep(struct worker *w, uint64_t now, bool retiring)
{
	struct parked	*p, *next;

	for (p = TAILQ_FIRST(&w->parked); p != NULL; p = next) {
		next = TAILQ_NEXT(p, entry);
		if (retiring || now >= p->deadline)
			park_leave(w, p, retiring);
	}
	if (w->trim) {
		w->trim = false;
		(void)malloc_trim(0);
	}
}
