/*
 * The admission of new connections, on the worker's event loop: the
 * listen sockets are watched only while the gate is open (accept_gate),
 * and each socket accepted (accept_burst), or each parked one whose next
 * request came (accept_unparked), is handed to libmicrohttpd's daemon
 * for its listen socket.  With --max-wait the listen backlog is probed
 * while the gate is closed, so that clients who waited too long get a 503
 * rather than a thread (accept_probe).
 */
#include "config.h"

#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <microhttpd.h>

#include "poolserve.h"

#define PROBE_DIV	4	/* accept_probe(): every --max-wait / 4 */
#define PROBE_MIN_MS	10	/* but not more often */

/* The daemon a listen socket's connections go to; NULL: not one. */
struct MHD_Daemon *
accept_daemon(const struct worker *w, int fd)
{
	unsigned	 i;

	for (i = 0; i < w->nlisten; i++)
		if (w->listen_fds[i] == fd)
			return w->listen_tls[i] == -1 ? w->mhd :
			    w->tls_mhd[w->listen_tls[i]];
	return NULL;
}

/*
 * --max-wait: when did the client of a just accepted socket send its
 * request?  When bytes wait on the socket, the kernel knows how long ago
 * the last of them arrived: the time the request waited in the listen
 * backlog.  0 when nothing was sent yet (a client that connects ahead of
 * its request has not begun to wait: its request counts from when it is
 * read); now for a socket that is not TCP.
 */
static uint64_t
accept_arrival(int fd)
{
	struct tcp_info	 ti;
	socklen_t	 len = sizeof(ti);
	uint64_t	 now = pool_now_us();
	int		 unread;

	if (ioctl(fd, FIONREAD, &unread) == 0 && unread == 0)
		return 0;
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1 ||
	    len < offsetof(struct tcp_info, tcpi_last_data_recv) +
	    sizeof(ti.tcpi_last_data_recv) ||
	    (uint64_t)ti.tcpi_last_data_recv * 1000 > now)
		return now;
	return now - (uint64_t)ti.tcpi_last_data_recv * 1000;
}

/*
 * Hand a socket accepted on listen socket lfd (-1: a parked one) to
 * libmicrohttpd's daemon for it (accept_daemon); false if it could not.
 */
static bool
accept_add(struct worker *w, struct MHD_Daemon *mhd, int lfd, int fd,
    struct sockaddr_storage *ss, socklen_t len)
{
	unsigned	 i;

	w->add_local = NULL;
	for (i = 0; i < w->nlisten; i++)
		if (w->listen_fds[i] == lfd)
			w->add_local = &w->listen_local[i];
	pool_accepted(&w->pool);
	w->arrival_us = w->cfg->max_wait != 0 ? accept_arrival(fd) : 0;
	if (MHD_add_connection(mhd, fd, (struct sockaddr *)ss, len) !=
	    MHD_YES) {
		/* libmicrohttpd closed the socket */
		log_msg("worker %u: cannot take a connection: %s",
		    w->no, strerror(errno));
		pool_unaccepted(&w->pool);
		w->add_local = NULL;
		w->arrival_us = 0;
		w->add_consumed = 0;
		return false;
	}
	return true;
}

/* accept() failed for want of descriptors or memory: say so once a second. */
static void
accept_error(struct worker *w, int error)
{
	static uint64_t	 last;
	uint64_t	 now = pool_now_ms();

	if (now - last >= 1000) {
		log_msg("worker %u: accept: %s; backing off", w->no,
		    strerror(error));
		last = now;
	}
	w->accept_pause_until = now + 100;
}

/*
 * Accept while the gate is open, up to a burst, handing each socket to
 * libmicrohttpd, which (on this same thread) starts its grace period.
 * The gate is checked right before each accept(): only a keep-alive
 * request parsed during that one system call can make it one too many.
 */
void
accept_burst(struct worker *w, int lfd, struct MHD_Daemon *mhd)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	int			 fd, n, timeout;

	for (n = 0; n < 64 && pool_gate(&w->pool, &timeout); n++) {
		len = sizeof(ss);
		fd = accept4(lfd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			switch (errno) {
			case EAGAIN:
				return;
			case EINTR:
			case ECONNABORTED:
			case EPROTO:
				continue;
			case EMFILE:
			case ENFILE:
			case ENOBUFS:
			case ENOMEM:
				accept_error(w, errno);
				return;
			default:
				log_msg("worker %u: accept: %s", w->no,
				    strerror(errno));
				return;
			}
		}
		(void)accept_add(w, mhd, lfd, fd, &ss, len);
	}
}

/*
 * --max-wait while the gate is closed: clients over the limit are in the
 * listen backlog, oldest first.  Take them one by one: each that waited
 * longer than --max-wait is answered 503 by its first request (it holds no
 * thread), and the first that did not is kept as a fresh connection, the
 * next to be served; then no more until it is (pool_probe).  Every
 * PROBE_DIV-th of --max-wait, so that a shed client waits at most that
 * much longer.
 */
static void
accept_probe(struct worker *w)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	uint64_t		 limit = w->cfg->max_wait * 1000ULL;
	unsigned		 i, n;
	int			 fd;

	for (i = 0; i < w->nlisten; i++)
		for (n = 0; n < 64 && pool_probe(&w->pool); n++) {
			len = sizeof(ss);
			fd = accept4(w->listen_fds[i], (struct sockaddr *)&ss,
			    &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
			if (fd == -1) {
				if (errno == EMFILE || errno == ENFILE ||
				    errno == ENOBUFS || errno == ENOMEM)
					accept_error(w, errno);
				break;
			}
			if (!accept_add(w, accept_daemon(w,
			    w->listen_fds[i]), w->listen_fds[i], fd, &ss,
			    len))
				break;
			if (LIST_EMPTY(&w->conns) ||
			    LIST_FIRST(&w->conns)->arrived_us == 0 ||
			    pool_now_us() - LIST_FIRST(&w->conns)->arrived_us <
			    limit)
				break;	/* kept: it is fresh */
			/* answered 503 by request_head: no slot */
			pool_unfresh(&w->pool, &LIST_FIRST(&w->conns)->fresh);
		}
}

/*
 * Parked connections whose next request came go back to libmicrohttpd
 * ahead of the listen backlog, while the gate lets them (park.c).
 */
void
accept_unparked(struct worker *w)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	int			 fd, timeout;

	while (!TAILQ_EMPTY(&w->unparked) && pool_gate(&w->pool, &timeout) &&
	    (fd = park_next(w, &ss, &len)) != -1)
		(void)accept_add(w, w->mhd, -1, fd, &ss, len);
}
/*
 * The gate: the listen sockets are in the epoll set while it is open (and
 * no accept pause runs), out of it while it is closed, so that new
 * clients wait in the listen backlog.  With --max-wait, the backlog is
 * probed meanwhile.  Returns how long the loop may sleep for the gate
 * and the probe (-1: no limit), or -2 on a fatal error.
 */
int
accept_gate(struct worker *w, uint64_t now, bool *listening)
{
	struct epoll_event	 ev;
	unsigned		 j;
	int			 timeout;
	bool			 open;

	open = pool_gate(&w->pool, &timeout) && now >= w->accept_pause_until;
	if (!open && now < w->accept_pause_until)
		timeout = (int)(w->accept_pause_until - now);
	else if (!open && w->cfg->max_wait != 0) {
		if (now >= w->next_probe) {
			accept_probe(w);
			w->next_probe = now + (w->cfg->max_wait / PROBE_DIV >
			    PROBE_MIN_MS ? w->cfg->max_wait / PROBE_DIV :
			    PROBE_MIN_MS);
		}
		if (timeout == -1 || w->next_probe - now < (uint64_t)timeout)
			timeout = (int)(w->next_probe - now);
	}
	if (open != *listening) {
		for (j = 0; j < w->nlisten; j++) {
			memset(&ev, 0, sizeof(ev));
			ev.events = EPOLLIN;
			ev.data.fd = w->listen_fds[j];
			if (epoll_ctl(w->ep, open ? EPOLL_CTL_ADD :
			    EPOLL_CTL_DEL, w->listen_fds[j], &ev) == -1) {
				log_msg("worker %u: epoll: %s", w->no,
				    strerror(errno));
				return -2;
			}
		}
		*listening = open;
	}
	return timeout;
}
