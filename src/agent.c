/*
 * The load balancer's agent (--agent ADDR:PORT): a thread of the master
 * answers every TCP connection with one line saying what this host can
 * run now, and closes it.  HAProxy's "agent-check" reads that line:
 *
 *	100% maxconn:20
 *
 * maxconn is the threads of the workers alive (alive workers x --threads),
 * the most requests the host can run at once; the percentage the same
 * against --processes x --threads, which HAProxy applies to the server's
 * configured weight.  A worker that died and waits to be forked again
 * takes its threads out until it is back.  With no worker alive the line
 * is "0%" alone (HAProxy drains the server; "maxconn:0" would mean no
 * limit).
 *
 * It says what the host can run, not how many threads are free: HAProxy
 * counts the requests it has sent each server against maxconn, which is
 * the free capacity, exact and without delay.  A weight from free threads
 * would reach 0% on every host at full load, and a server of weight 0 is
 * taken out of the balancing: all of them at once, under load.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "poolserve.h"

static struct {
	struct stats	*st;
	int		 fd;		/* the listening socket */
	int		 stop[2];	/* agent_stop writes, the thread wakes */
	pthread_t	 thread;
	bool		 running;
} agent = { NULL, -1, { -1, -1 }, 0, false };

/*
 * The line for the statistics st now, "\n" included, into buf (len > 32);
 * its length.  Reads the shared counters only, locks nothing; any thread.
 */
size_t
agent_line(struct stats *st, char *buf, size_t len)
{
	unsigned	 i, n, alive = 0, threads = st->threads;
	int		 r;

	n = atomic_load(&st->processes);
	for (i = 0; i < n && i < st->slots; i++)
		if (atomic_load(&st->workers[i].alive))
			alive++;
	if (alive == 0 || n == 0)
		r = snprintf(buf, len, "0%%\n");
	else
		r = snprintf(buf, len, "%u%% maxconn:%u\n", alive * 100 / n,
		    alive * threads);
	return r < 0 ? 0 : (size_t)r >= len ? len - 1 : (size_t)r;
}

/*
 * One connection: the line, then end it.  What the client sent (HAProxy's
 * agent-send, if set) is read and dropped first, so that close() ends the
 * connection with a FIN after the line, not with a reset that could
 * overtake it.  Never blocks: the socket is non-blocking.  The agent's
 * thread only.
 */
static void
agent_answer(int c)
{
	char	 line[64], junk[512];
	size_t	 len;
	int	 i;

	len = agent_line(agent.st, line, sizeof(line));
	(void)send(c, line, len, MSG_NOSIGNAL);
	(void)shutdown(c, SHUT_WR);
	for (i = 0; i < 8 && recv(c, junk, sizeof(junk), 0) > 0; i++)
		;		/* what has come, at most 4 KiB */
	close(c);
}

static void *
agent_loop(void *arg)
{
	struct pollfd	 pfd[2];
	int		 c;

	(void)arg;
	pfd[0].fd = agent.fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = agent.stop[0];
	pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents != 0)
			break;
		c = accept4(agent.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c != -1)
			agent_answer(c);
		else if (errno == EMFILE || errno == ENFILE ||
		    errno == ENOBUFS || errno == ENOMEM)
			usleep(100000);	/* the queue waits: try again */
	}
	return NULL;
}

/*
 * Answer on the bound, listening socket fd from a thread of the master's
 * own (after the workers are forked, as the stats server).  0, or -1 with
 * errno.
 */
int
agent_serve(struct stats *st, int fd)
{
	int	 e;

	agent.st = st;
	agent.fd = fd;
	if (pipe2(agent.stop, O_CLOEXEC) == -1)
		return -1;
	if ((e = pthread_create(&agent.thread, NULL, agent_loop, NULL)) != 0) {
		close(agent.stop[0]);
		close(agent.stop[1]);
		agent.stop[0] = agent.stop[1] = -1;
		errno = e;
		return -1;
	}
	agent.running = true;
	return 0;
}

/* Stop the agent and close its socket; before the master exits. */
void
agent_stop(void)
{
	if (agent.running) {
		while (write(agent.stop[1], "", 1) == -1 && errno == EINTR)
			;
		pthread_join(agent.thread, NULL);
		agent.running = false;
		close(agent.stop[0]);
		close(agent.stop[1]);
		agent.stop[0] = agent.stop[1] = -1;
	}
	if (agent.fd != -1)
		close(agent.fd);
	agent.fd = -1;
}
