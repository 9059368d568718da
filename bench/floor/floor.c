/*
 * The floor under poolserve's hello: libmicrohttpd 0.9.75 driven the way
 * poolserve drives it (MHD_USE_EPOLL, MHD_USE_TURBO over plain HTTP, no
 * thread of its own, MHD_run from an epoll loop), answering "Hello, world!" in one of two ways:
 *
 *   floor direct PORT     on the event loop, on the handler's second call
 *   floor handoff PORT    the request is suspended, handed to one other
 *                         thread, handed back, resumed and answered: the
 *                         smallest hand-off, without poolserve's gate,
 *                         routing, statistics or logging
 *
 * With CERT KEY PRIORITY after the port, either mode speaks HTTPS
 * (MHD_USE_TLS, the certificate and key in memory, the GnuTLS priority
 * string), as a poolserve --https daemon does, without its transport
 * functions or handshake hook.
 *
 * FLOOR_LIMIT=N in the environment sets libmicrohttpd's connection limit
 * (default 4096): at N open connections it stops accepting, and the next
 * clients wait in the listen backlog, as behind poolserve's gate of
 * --threads + --queue slots (bench/run tls compares the two).
 *
 * bench/run floor compares both with nginx and poolserve in one run: what
 * libmicrohttpd costs, and what the hand-off adds; bench/run tls compares
 * the HTTPS direct mode with nginx and poolserve over TLS.
 */
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

struct req {
	struct MHD_Connection	*mhd;
	struct req		*next;
	int			 state;		/* 0 new, 1 queued, 2 answer */
};

static pthread_mutex_t	 lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 work = PTHREAD_COND_INITIALIZER;
static struct req	*todo, **todo_tail = &todo, *done, **done_tail = &done;
static bool		 handoff, loop_asleep;
static int		 wake_fd;
static struct MHD_Response *hello;

static void
push(struct req ***tail, struct req *r)
{
	r->next = NULL;
	**tail = r;
	*tail = &r->next;
}

static struct req *
take_all(struct req **head, struct req ***tail)
{
	struct req	*r = *head;

	*head = NULL;
	*tail = head;
	return r;
}

/* The one request thread: run (nothing to do), hand back. */
static void *
runner(void *arg)
{
	struct req	*r;
	uint64_t	 one = 1;
	bool		 wake;

	(void)arg;
	pthread_mutex_lock(&lock);
	for (;;) {
		while (todo == NULL)
			pthread_cond_wait(&work, &lock);
		r = todo;
		if ((todo = r->next) == NULL)
			todo_tail = &todo;
		r->state = 2;
		push(&done_tail, r);
		wake = loop_asleep;
		loop_asleep = false;
		if (wake) {
			pthread_mutex_unlock(&lock);
			if (write(wake_fd, &one, sizeof(one)) == -1)
				abort();
			pthread_mutex_lock(&lock);
		}
	}
	return NULL;
}

static enum MHD_Result
access_cb(void *cls, struct MHD_Connection *mhd, const char *url,
    const char *method, const char *version, const char *data,
    size_t *data_size, void **req_cls)
{
	struct req	*r = *req_cls;

	(void)cls; (void)url; (void)method; (void)version; (void)data;
	(void)data_size;
	if (r == NULL) {
		if ((r = calloc(1, sizeof(*r))) == NULL)
			return MHD_NO;
		r->mhd = mhd;
		*req_cls = r;
		return MHD_YES;
	}
	if (!handoff || r->state == 2)
		return MHD_queue_response(mhd, 200, hello);
	if (r->state == 0) {
		r->state = 1;
		MHD_suspend_connection(mhd);
		pthread_mutex_lock(&lock);
		push(&todo_tail, r);
		pthread_cond_signal(&work);
		pthread_mutex_unlock(&lock);
	}
	return MHD_YES;
}

/* A whole PEM file, NUL-terminated; exits on error. */
static char *
slurp(const char *path)
{
	struct stat	 st;
	FILE		*f;
	char		*s;

	if ((f = fopen(path, "r")) == NULL || fstat(fileno(f), &st) == -1 ||
	    (s = calloc(1, (size_t)st.st_size + 1)) == NULL ||
	    fread(s, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		fprintf(stderr, "floor: cannot read %s\n", path);
		exit(1);
	}
	fclose(f);
	return s;
}

static void
completed_cb(void *cls, struct MHD_Connection *mhd, void **req_cls,
    enum MHD_RequestTerminationCode toe)
{
	(void)cls; (void)mhd; (void)toe;
	free(*req_cls);
	*req_cls = NULL;
}

int
main(int argc, char *argv[])
{
	const union MHD_DaemonInfo	*di;
	struct MHD_Daemon		*d;
	struct epoll_event		 ev, evs[16];
	struct req			*r, *next;
	pthread_t			 t;
	uint64_t			 drain;
	MHD_UNSIGNED_LONG_LONG		 mt;
	unsigned			 flags;
	int				 ep, timeout;
	const char			*cert = NULL, *key = NULL, *prio = NULL;
	const char			*limit = getenv("FLOOR_LIMIT");
	static const char		 body[] = "Hello, world!\n";

	if ((argc != 3 && argc != 6) || (strcmp(argv[1], "direct") != 0 &&
	    strcmp(argv[1], "handoff") != 0)) {
		fprintf(stderr, "usage: floor direct|handoff port "
		    "[cert key priority]\n");
		return 64;
	}
	/* as poolserve: MHD_USE_TURBO for plain HTTP only */
	flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME;
	if (argc != 6)
		flags |= MHD_USE_TURBO;
	else {
		flags |= MHD_USE_TLS;
		cert = slurp(argv[3]);
		key = slurp(argv[4]);
		prio = argv[5];
	}
	handoff = strcmp(argv[1], "handoff") == 0;
	signal(SIGPIPE, SIG_IGN);
	hello = MHD_create_response_from_buffer(sizeof(body) - 1,
	    (void *)body, MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(hello, "Content-Type", "text/plain");
	d = MHD_start_daemon(flags, (uint16_t)atoi(argv[2]), NULL, NULL,
	    access_cb, NULL,
	    MHD_OPTION_NOTIFY_COMPLETED, completed_cb, NULL,
	    MHD_OPTION_CONNECTION_LIMIT,
	    limit != NULL ? (unsigned)atoi(limit) : 4096U,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)24576,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, 128U,
	    /* the TLS options last: MHD_OPTION_END ends a plain daemon's */
	    cert == NULL ? MHD_OPTION_END : MHD_OPTION_HTTPS_MEM_CERT, cert,
	    MHD_OPTION_HTTPS_MEM_KEY, key,
	    MHD_OPTION_HTTPS_PRIORITIES, prio, MHD_OPTION_END);
	if (d == NULL || (di = MHD_get_daemon_info(d,
	    MHD_DAEMON_INFO_EPOLL_FD)) == NULL ||
	    (ep = epoll_create1(0)) == -1 ||
	    (wake_fd = eventfd(0, EFD_NONBLOCK)) == -1) {
		fprintf(stderr, "floor: cannot start\n");
		return 1;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.fd = di->epoll_fd;
	epoll_ctl(ep, EPOLL_CTL_ADD, di->epoll_fd, &ev);
	ev.data.fd = wake_fd;
	epoll_ctl(ep, EPOLL_CTL_ADD, wake_fd, &ev);
	if (handoff && pthread_create(&t, NULL, runner, NULL) != 0)
		return 1;
	for (;;) {
		if (MHD_get_timeout(d, &mt) != MHD_YES || mt > 1000)
			mt = 1000;
		pthread_mutex_lock(&lock);
		loop_asleep = done == NULL;
		timeout = loop_asleep ? (int)mt : 0;
		pthread_mutex_unlock(&lock);
		if (epoll_wait(ep, evs, 16, timeout) == -1 && errno != EINTR)
			return 1;
		if (read(wake_fd, &drain, sizeof(drain)) == -1 &&
		    errno != EAGAIN)
			return 1;
		pthread_mutex_lock(&lock);
		loop_asleep = false;
		r = take_all(&done, &done_tail);
		pthread_mutex_unlock(&lock);
		for (; r != NULL; r = next) {
			next = r->next;
			MHD_resume_connection(r->mhd);
		}
		MHD_run(d);
	}
}
