/*
 * The error log and the access log, one place for their formats.  Every
 * line is formatted into a buffer and written with one write(2), so lines
 * from many threads and processes never interleave (O_APPEND for files).
 */
#include "config.h"

#include <sys/time.h>

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "poolserve.h"

#define LOG_LINE_MAX	8192
#define LOG_REPORT_MS	1000	/* an access log error at most once a second */

static int	access_fd = STDERR_FILENO;
static bool	access_on = true;
static char	access_path[1024];	/* "" unless a file */
static const char *access_name = "standard error";

/*
 * Lines the access log could not take (disk full, I/O error, a closed
 * pipe): counted, reported in the error log at most once a second per
 * process and once more when writes succeed again.  Serving goes on.
 */
static _Atomic uint64_t	access_lost;		/* since writes last worked */
static _Atomic uint64_t	access_report_ms;	/* monotonic, 0: never */
static _Atomic bool	access_failing;

/* Called once, before fork; the descriptor is shared by all workers. */
int
log_open_access(const char *path, bool disabled)
{
	access_on = !disabled;
	if (disabled || path[0] == '\0')
		access_fd = STDERR_FILENO;
	else if (strcmp(path, "-") == 0) {
		access_fd = STDOUT_FILENO;
		access_name = "standard output";
	} else {
		if ((access_fd = open(path, O_WRONLY | O_APPEND | O_CREAT |
		    O_CLOEXEC, 0644)) == -1)
			return -1;
		snprintf(access_path, sizeof(access_path), "%s", path);
		access_name = access_path;
	}
	return 0;
}

/*
 * SIGUSR1, after logrotate moved the file: open the path again and put it
 * in place of the old descriptor, so no line is lost in between.
 */
int
log_reopen_access(void)
{
	int	 fd;

	if (access_path[0] == '\0')
		return 0;
	if ((fd = open(access_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0644)) == -1)
		return -1;
	if (dup3(fd, access_fd, O_CLOEXEC) == -1) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* Write all of buf: 0, or -1 with errno when the destination refused it. */
static int
log_write(int fd, const char *buf, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* ISO-8601 local time with microseconds: 2026-11-23T12:00:00.123456 */
size_t
log_timestamp(char *buf, size_t len)
{
	struct timeval	 tv;
	struct tm	 tm;
	size_t		 n;

	if (len < sizeof("2026-11-23T12:00:00")) {
		if (len > 0)
			buf[0] = '\0';
		return 0;
	}
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(buf + n, len - n, ".%06ld", (long)tv.tv_usec);
	return n < len ? n : len - 1;
}

/*
 * One line on standard error, prefixed "<time> poolserve[<pid>]: " or, for
 * an application's own lines, as it wrote them.  Some messages quote
 * request data (a skipped request's path, a harakiri request's URI,
 * libmicrohttpd's complaints): the message is escaped as log_escape()
 * does, so that it stays one line whatever the client sent.
 */
static void
log_line(bool prefix, const char *fmt, va_list ap)
{
	char	 msg[LOG_LINE_MAX / 2], buf[LOG_LINE_MAX];
	size_t	 n = 0;

	if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
		msg[0] = '\0';
	if (prefix) {
		n = log_timestamp(buf, sizeof(buf));
		n += (size_t)snprintf(buf + n, sizeof(buf) - n,
		    " poolserve[%d]: ", (int)getpid());
	}
	n += log_escape(buf + n, sizeof(buf) - n - 1, msg);
	buf[n++] = '\n';
	(void)log_write(STDERR_FILENO, buf, n);	/* nowhere to report it */
}

void
log_msg(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_line(true, fmt, ap);
	va_end(ap);
}

/* The lab application's lines, which carry their own time and thread. */
void
log_app(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_line(false, fmt, ap);
	va_end(ap);
}

/*
 * Copy s into buf with control bytes, DEL, bytes above 0x7e and the
 * backslash written as \xHH (\\ for the backslash), so that request data
 * can never forge a log line.  Always NUL-terminates; returns the length.
 */
size_t
log_escape(char *buf, size_t len, const char *s)
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 n = 0;
	unsigned char		 c;

	if (len == 0)
		return 0;
	for (; (c = (unsigned char)*s) != '\0'; s++) {
		if (c == '\\') {
			if (n + 2 >= len)
				break;
			buf[n++] = '\\';
			buf[n++] = '\\';
		} else if (c < 0x20 || c > 0x7e) {
			if (n + 4 >= len)
				break;
			buf[n++] = '\\';
			buf[n++] = 'x';
			buf[n++] = hex[c >> 4];
			buf[n++] = hex[c & 0xf];
		} else {
			if (n + 1 >= len)
				break;
			buf[n++] = (char)c;
		}
	}
	buf[n] = '\0';
	return n;
}

/*
 * The uWSGI-style access line:
 * [pid: 1|app: 0|req: 2/7] 127.0.0.1 () {3 vars in 72 bytes}
 * [Sat Feb 18 14:53:00 2023] GET /?id=1 => generated 8 bytes in 10007 msecs
 * (HTTP/1.1 200) 2 headers in 64 bytes (thread w1c0)
 */
size_t
log_format_access(char *buf, size_t len, const struct access_entry *e)
{
	char		 when[64], method[64], uri[4096], version[32];
	char		 queued[48] = "", tls[32] = "";
	struct tm	 tm;
	int		 n;

	if (len < 2) {
		if (len == 1)
			buf[0] = '\0';
		return 0;
	}
	localtime_r(&e->started, &tm);
	strftime(when, sizeof(when), "%a %b %e %H:%M:%S %Y", &tm);
	log_escape(method, sizeof(method), e->method);
	log_escape(uri, sizeof(uri), e->uri);
	log_escape(version, sizeof(version), e->version);
	if (e->queued_ms > 0)
		snprintf(queued, sizeof(queued), " [queued %lu msecs]",
		    e->queued_ms);
	if (e->tls != NULL)
		snprintf(tls, sizeof(tls), " [%s]", e->tls);
	n = snprintf(buf, len, "[pid: %d|app: 0|req: %llu/%llu] %s () "
	    "{%u vars in %zu bytes} [%s] %s %s => generated %zu bytes in "
	    "%lu msecs (%s %u) %u headers in %zu bytes%s%s (thread %s)\n",
	    (int)e->pid, (unsigned long long)e->worker_req,
	    (unsigned long long)e->total_req, e->peer, e->vars, e->vars_bytes,
	    when, method, uri, e->body_bytes, e->msecs, version, e->status,
	    e->resp_headers, e->resp_header_bytes, queued, tls, e->thread);
	if (n < 0)
		return 0;
	if ((size_t)n >= len) {		/* cut, but keep the newline */
		buf[len - 2] = '\n';
		return len - 1;
	}
	return (size_t)n;
}

bool
log_access_enabled(void)
{
	return access_on;
}

/*
 * An access line was not written: count it, and say so in the error log
 * at most once a second (the first time at once).  Any thread.
 */
static void
log_access_failed(int error)
{
	uint64_t	 lost, last, now;

	lost = atomic_fetch_add(&access_lost, 1) + 1;
	atomic_store(&access_failing, true);
	now = pool_now_ms();
	last = atomic_load(&access_report_ms);
	if (last != 0 && now - last < LOG_REPORT_MS)
		return;
	if (!atomic_compare_exchange_strong(&access_report_ms, &last, now))
		return;			/* another thread reports it */
	log_msg("access log %s: %s: %llu lines lost so far; serving goes on "
	    "(reported at most once a second)", access_name, strerror(error),
	    (unsigned long long)lost);
}

void
log_access(const struct access_entry *e)
{
	char		 buf[LOG_LINE_MAX];
	size_t		 n;
	uint64_t	 lost;

	if (!access_on)
		return;
	n = log_format_access(buf, sizeof(buf), e);
	if (log_write(access_fd, buf, n) == -1) {
		log_access_failed(errno);
		return;
	}
	if (atomic_load_explicit(&access_failing, memory_order_relaxed) &&
	    atomic_exchange(&access_failing, false)) {
		lost = atomic_exchange(&access_lost, 0);
		log_msg("access log %s: writing again; %llu lines were lost",
		    access_name, (unsigned long long)lost);
	}
}
