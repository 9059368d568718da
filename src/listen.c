/*
 * The listen sockets, owned by the master: bound once (or passed by
 * systemd) before the workers are forked, and inherited by them.  With
 * --reuse-port each worker slot gets a SO_REUSEPORT socket of its own,
 * kept across the slot's respawns.  All of it runs in the master, on its
 * main thread; the stats thread only reads the descriptor table.
 *
 * The table ls->fds has (slots + 1) rows of nsocks descriptors: row 0 the
 * shared sockets, row i + 1 slot i's own; -1 where there is none.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "poolserve.h"

void
listen_addr_string(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char	 host[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_UNIX) {
		snprintf(buf, len, "unix:%s",
		    ((const struct sockaddr_un *)ss)->sun_path);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const void *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(s4->sin_port));
	}
}

/*
 * The local address that the connections of listen socket fd have, as
 * far as it tells: a wildcard address leaves addr "" (each connection's
 * own is then asked of the kernel), the port is known all the same.
 */
void
listen_local(int fd, struct listen_local *l)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);

	memset(l, 0, sizeof(*l));
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return;
	if (ss.ss_family == AF_UNIX)
		strcpy(l->addr, "unix:");
	else if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)&ss;

		if (s4->sin_addr.s_addr != htonl(INADDR_ANY))
			inet_ntop(AF_INET, &s4->sin_addr, l->addr,
			    sizeof(l->addr));
		l->port = ntohs(s4->sin_port);
	} else if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)&ss;

		if (!IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr))
			inet_ntop(AF_INET6, &s6->sin6_addr, l->addr,
			    sizeof(l->addr));
		l->port = ntohs(s6->sin6_port);
	}
}

/*
 * A unix: path that exists: a socket nobody listens on any more (a
 * previous run killed) is removed; anything else is an error.
 */
static int
listen_unix_stale(const struct sockaddr_storage *addr, socklen_t addrlen,
    const char *spec)
{
	const char	*path = ((const struct sockaddr_un *)addr)->sun_path;
	struct stat	 st;
	int		 fd, r;

	if (lstat(path, &st) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		errno = EEXIST;
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	r = connect(fd, (const struct sockaddr *)addr, addrlen);
	close(fd);
	if (r == 0) {
		errno = EADDRINUSE;
		return -1;
	}
	if (errno != ECONNREFUSED)
		return -1;
	if (unlink(path) == -1)
		return -1;
	log_msg("removed the stale socket %s", spec);
	return 0;
}

/*
 * At start-up errors go to standard error ("poolserve: ..."); once the
 * workers run (a --reuse-port socket made again for a respawn), to the
 * error log.
 */
static bool	 listen_running;

void
listen_started(void)
{
	listen_running = true;
}

static void
listen_error(const char *fmt, ...)
{
	char	 msg[512];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (listen_running)
		log_msg("%s", msg);
	else
		fprintf(stderr, "poolserve: %s\n", msg);
}

/*
 * A socket bound to addr; listening with backlog unless backlog is 0
 * (--reuse-port's address holder).  -1 after printing why.
 */
int
listen_socket(const struct sockaddr_storage *addr, socklen_t addrlen,
    const char *spec, const char *opt, unsigned backlog, bool reuse_port)
{
	int	 fd, one = 1;

	if (addr->ss_family == AF_UNIX &&
	    listen_unix_stale(addr, addrlen, spec) == -1) {
		listen_error("cannot listen on %s (%s): %s", spec, opt,
		    strerror(errno));
		return -1;
	}
	fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1) {
		listen_error("socket: %s", strerror(errno));
		return -1;
	}
	if ((addr->ss_family != AF_UNIX && setsockopt(fd, SOL_SOCKET,
	    SO_REUSEADDR, &one, sizeof(one)) == -1) ||
	    (reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one,
	    sizeof(one)) == -1) ||
	    (addr->ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &one, sizeof(one)) == -1)) {
		listen_error("setsockopt: %s", strerror(errno));
		close(fd);
		return -1;
	}
	if (bind(fd, (const struct sockaddr *)addr, addrlen) == -1) {
		listen_error("cannot listen on %s (%s): %s", spec, opt,
		    strerror(errno));
		close(fd);
		return -1;
	}
	if (backlog != 0 && listen(fd, (int)backlog) == -1) {
		listen_error("listen on %s (%s): %s", spec, opt,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Bind one --http or --https socket (and chmod a unix: one).  0 or -1. */
static int
listen_bind(struct listen_sock *sock, const struct config_http *h,
    const struct config *cfg, int tls)
{
	sock->tls = tls;
	sock->per_worker = cfg->reuse_port && h->addr.ss_family != AF_UNIX;
	sock->fd = listen_socket(&h->addr, h->addrlen, h->spec,
	    tls == -1 ? "--http" : "--https",
	    sock->per_worker ? 0 : cfg->listen_backlog, sock->per_worker);
	if (sock->fd == -1)
		return -1;
	sock->unlink = h->addr.ss_family == AF_UNIX;
	if (sock->unlink && cfg->chmod_set &&
	    chmod(((const struct sockaddr_un *)&h->addr)->sun_path,
	    cfg->chmod_socket) == -1) {
		fprintf(stderr, "poolserve: --chmod-socket %03o %s: %s\n",
		    cfg->chmod_socket, h->spec, strerror(errno));
		/* not counted in nsocks yet: listen_close would miss it */
		(void)unlink(((const struct sockaddr_un *)&h->addr)->sun_path);
		close(sock->fd);
		sock->fd = -1;
		sock->unlink = false;
		return -1;
	}
	sock->addrlen = sizeof(sock->addr);
	if (getsockname(sock->fd, (struct sockaddr *)&sock->addr,
	    &sock->addrlen) == -1) {
		sock->addr = h->addr;
		sock->addrlen = h->addrlen;
	}
	if (sock->unlink)		/* getsockname may not give the path back */
		snprintf(sock->name, sizeof(sock->name), "%s", h->spec);
	else
		listen_addr_string(&sock->addr, sock->name, sizeof(sock->name));
	return 0;
}

/*
 * Socket activation: when systemd (or systemd-socket-activate) passed
 * listening sockets (LISTEN_PID is ours, LISTEN_FDS >= 1, descriptors 3
 * on), use them instead of binding --http.  The number of sockets, 0 when
 * none was passed, -1 on error.
 */
static int
listen_activated(struct listen_set *ls)
{
	struct listen_sock	*sock;
	unsigned long long	 pid, n, k;
	int			 fd, on, flags;
	socklen_t		 olen;

	if (config_number(getenv("LISTEN_PID"), 1, 4194304, &pid) == -1 ||
	    (pid_t)pid != getpid() ||
	    config_number(getenv("LISTEN_FDS"), 1, 1024, &n) == -1)
		return 0;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (n > CONFIG_MAX_HTTP) {
		fprintf(stderr, "poolserve: socket activation passed %llu "
		    "sockets; at most %d\n", n, CONFIG_MAX_HTTP);
		return -1;
	}
	for (k = 0; k < n; k++) {
		fd = 3 + (int)k;
		sock = &ls->socks[k];
		on = 0;
		olen = sizeof(on);
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &olen) ==
		    -1 || !on) {
			fprintf(stderr, "poolserve: socket activation: "
			    "descriptor %d is not a listening socket\n", fd);
			return -1;
		}
		if ((flags = fcntl(fd, F_GETFL)) == -1 ||
		    fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1 ||
		    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) {
			fprintf(stderr, "poolserve: socket activation: %s\n",
			    strerror(errno));
			return -1;
		}
		sock->fd = fd;
		sock->tls = -1;
		sock->addrlen = sizeof(sock->addr);
		if (getsockname(fd, (struct sockaddr *)&sock->addr,
		    &sock->addrlen) == 0)
			listen_addr_string(&sock->addr, sock->name,
			    sizeof(sock->name));
		else
			snprintf(sock->name, sizeof(sock->name), "fd %d", fd);
	}
	return (int)n;
}


/*
 * Open the --http sockets (or take systemd's) and the --https ones for a
 * master with room for slots workers.  0, or -1 after printing why (what
 * was opened is closed).
 */
int
listen_open(struct listen_set *ls, const struct config *cfg, unsigned slots)
{
	unsigned	 i;
	size_t		 len;
	int		 n;

	memset(ls, 0, sizeof(*ls));
	ls->slots = slots;
	ls->backlog = cfg->listen_backlog;
	if ((n = listen_activated(ls)) == -1)
		return -1;
	if (n > 0) {
		ls->nsocks = (unsigned)n;
		ls->activated = true;
		if (cfg->reuse_port)
			fprintf(stderr, "poolserve: socket activation: "
			    "--reuse-port ignored\n");
	} else
		for (; ls->nsocks < cfg->nhttp; ls->nsocks++)
			if (listen_bind(&ls->socks[ls->nsocks],
			    &cfg->http[ls->nsocks], cfg, -1) == -1) {
				listen_close(ls);
				return -1;
			}
	for (i = 0; i < cfg->nhttps; i++, ls->nsocks++)
		if (listen_bind(&ls->socks[ls->nsocks], &cfg->https[i].http,
		    cfg, (int)i) == -1) {
			listen_close(ls);
			return -1;
		}
	for (i = 0, len = 0; i < ls->nsocks && len < sizeof(ls->name); i++)
		len += (size_t)snprintf(ls->name + len, sizeof(ls->name) - len,
		    "%s%s%s", i == 0 ? "" : ", ", ls->socks[i].tls == -1 ? "" :
		    "https://", ls->socks[i].name);
	if ((ls->fds = malloc(listen_count(ls) * sizeof(*ls->fds))) == NULL) {
		fprintf(stderr, "poolserve: out of memory\n");
		listen_close(ls);
		return -1;
	}
	for (i = 0; i < listen_count(ls); i++)
		atomic_init(&ls->fds[i], i < ls->nsocks &&
		    !ls->socks[i].per_worker ? ls->socks[i].fd : -1);
	return 0;
}

/* The size of the descriptor table. */
unsigned
listen_count(const struct listen_set *ls)
{
	return (ls->slots + 1) * ls->nsocks;
}

/* net.core.somaxconn, or -1 when it cannot be read. */
static long
listen_somaxconn(void)
{
	FILE	*fp;
	long	 v = -1;

	if ((fp = fopen("/proc/sys/net/core/somaxconn", "r")) == NULL)
		return -1;
	if (fscanf(fp, "%ld", &v) != 1)
		v = -1;
	fclose(fp);
	return v;
}

/*
 * What to raise when a queue holding max clients is full: --listen, and
 * net.core.somaxconn too when the kernel capped the backlog at it.
 */
static void
listen_advice(const struct listen_set *ls, unsigned max, long somaxconn,
    char *buf, size_t len)
{
	if (somaxconn > 0 && max >= (unsigned long)somaxconn)
		snprintf(buf, len, "raise --listen (%u) and net.core.somaxconn "
		    "(%ld), which caps it, to the clients expected at once",
		    ls->backlog, somaxconn);
	else
		snprintf(buf, len, "raise --listen (%u) to the clients "
		    "expected at once", ls->backlog);
}

/*
 * Once a second: which listen queues are full?  Then clients are being
 * dropped (SYN retry, back in 1, 3, 7 ... s): say so, in the words uWSGI
 * users know, and what to raise.  Returns how many were.
 */
unsigned
listen_check_full(const struct listen_set *ls)
{
	struct stats_listen	 l;
	unsigned		 k, full = 0;
	long			 somaxconn = 0;
	char			 advice[160];
	int			 fd;

	for (k = 0; k < listen_count(ls); k++) {
		if ((fd = atomic_load(&ls->fds[k])) == -1 ||
		    stats_listen_info(fd, &l) == -1 || l.queue <= l.queue_max)
			continue;
		full++;
		if (somaxconn == 0)
			somaxconn = listen_somaxconn();
		listen_advice(ls, l.queue_max, somaxconn, advice,
		    sizeof(advice));
		if (k < ls->nsocks)
			log_msg("*** listen queue of socket \"%s\" full !!! "
			    "(%u/%u) *** new clients wait in SYN retry: %s",
			    ls->socks[k].name, l.queue, l.queue_max, advice);
		else
			log_msg("*** listen queue of socket \"%s\" (worker "
			    "%u) full !!! (%u/%u) *** new clients wait in SYN "
			    "retry: %s", ls->socks[k % ls->nsocks].name,
			    k / ls->nsocks, l.queue, l.queue_max, advice);
	}
	return full;
}

/* After listen_close(), once nothing reads the table any more. */
void
listen_free(struct listen_set *ls)
{
	free(ls->fds);
	ls->fds = NULL;
}

/*
 * The sockets worker slot i listens on, in out[]: the shared ones and,
 * with --reuse-port, its own, made the first time the slot starts and
 * kept while the slot exists, so that a respawn keeps its queue.
 */
int
listen_worker_fds(struct listen_set *ls, unsigned i, int *out)
{
	struct listen_sock	*sock;
	unsigned		 j;
	int			 fd;

	for (j = 0; j < ls->nsocks; j++) {
		sock = &ls->socks[j];
		if (!sock->per_worker) {
			out[j] = sock->fd;
			continue;
		}
		if ((fd = atomic_load(&ls->fds[(i + 1) * ls->nsocks + j])) ==
		    -1) {
			fd = listen_socket(&sock->addr, sock->addrlen, sock->name,
			    "--reuse-port",
			    ls->backlog, true);
			if (fd == -1) {
				log_msg("worker %u: cannot listen on %s", i + 1,
				    sock->name);
				return -1;
			}
			atomic_store(&ls->fds[(i + 1) * ls->nsocks + j], fd);
		}
		out[j] = fd;
	}
	return 0;
}

/* SIGTTOU: a slot that goes away closes its own sockets. */
void
listen_close_slot(struct listen_set *ls, unsigned i)
{
	unsigned	 j;
	int		 fd;

	for (j = 0; j < ls->nsocks; j++)
		if ((fd = atomic_exchange(&ls->fds[(i + 1) * ls->nsocks + j],
		    -1)) != -1)
			close(fd);
}

/*
 * In a new worker: close the sockets that are not its own (the other
 * slots' and the address holders), so that a slot's socket closes when
 * that slot goes away.
 */
void
listen_child_close(const struct listen_set *ls, const int *mine)
{
	unsigned	 k, j, total = (ls->slots + 1) * ls->nsocks;
	int		 fd;

	for (k = 0; k < total; k++) {
		if ((fd = atomic_load(&ls->fds[k])) == -1)
			continue;
		for (j = 0; j < ls->nsocks && mine[j] != fd; j++)
			;
		if (j == ls->nsocks)
			close(fd);
	}
	for (j = 0; j < ls->nsocks; j++)
		if (ls->socks[j].per_worker)
			close(ls->socks[j].fd);
}

/* Close every listen socket; remove the unix: paths we created. */
void
listen_close(struct listen_set *ls)
{
	unsigned	 k, total = (ls->slots + 1) * ls->nsocks;
	int		 fd;

	for (k = 0; ls->fds != NULL && k < total; k++)
		if ((fd = atomic_exchange(&ls->fds[k], -1)) != -1)
			close(fd);
	for (k = 0; k < ls->nsocks; k++) {
		/* a shared socket is in the table once there is one */
		if ((ls->socks[k].per_worker || ls->fds == NULL) &&
		    ls->socks[k].fd != -1)
			close(ls->socks[k].fd);
		ls->socks[k].fd = -1;
		if (ls->socks[k].unlink)
			(void)unlink(ls->socks[k].name + 5);	/* "unix:" */
	}
}
