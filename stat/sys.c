/*
 * What poolserve-stat asks of the system: clocks, one-line errors,
 * writes that finish, and signals.  Signal handlers only set flags; the
 * handled signals are blocked except while stat_poll() waits (ppoll), so
 * one that arrives after a loop looked at its flag and before it sleeps
 * ends that sleep at once instead of after the timeout.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stat.h"

volatile sig_atomic_t	 got_quit, got_winch, got_tstp;

static sigset_t		 sig_waitmask;	/* the mask while waiting */
static bool		 sig_masked;

/* A one-line reason in err; returns -1 for the caller to return. */
int
stat_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

double
clock_mono(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

double
clock_wall(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

long long
clock_ms(void)
{
	return (long long)(clock_mono() * 1000);
}

/* write(2) it all; -1 when the descriptor is gone (a hung-up terminal). */
int
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

/* Handle sig with a flag; blocked but while stat_poll() waits. */
void
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
void
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
int
stat_poll(struct pollfd *pfd, nfds_t n, int timeout_ms)
{
	struct timespec	 ts;

	if (!sig_masked)
		return poll(pfd, n, timeout_ms);
	ts.tv_sec = timeout_ms / 1000;
	ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
	return ppoll(pfd, n, timeout_ms < 0 ? NULL : &ts, &sig_waitmask);
}
