/*
 * hello.so: an example poolserve module, and the one the tests load.
 *
 *   cc -shared -fPIC $(pkg-config --cflags poolserve) -o hello.so hello.c
 *   poolserve --module ./hello.so
 *   curl http://127.0.0.1:8080/
 *
 * GET /             a greeting (HELLO_TEXT: cc -DHELLO_TEXT='"Hi"' ...)
 * POST /echo        the body back, as JSON; 400 when empty
 * GET /count?n=N    "1\n".."N\n", streamed (chunked)
 * GET /stream?bytes=B   B bytes streamed in 64 KiB writes, fixed length
 * GET /download     the file named by the module's argument, sent by fd
 * GET /info         what the request knows of itself, as JSON
 * GET /headers      the request headers, "name: value" a line
 * GET /badheader    what poolserve_add_header says to bad input
 * GET /fail         handle returns -1: poolserve answers 500
 * GET /crash        the worker dies of SIGSEGV; the master respawns it
 *
 * The argument: --mount /=module:./hello.so,/srv/file names the file
 * /download sends (default /etc/os-release).  Plain C99 and POSIX.
 */
#define _POSIX_C_SOURCE 200809L

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <poolserve/poolserve.h>

#ifndef HELLO_TEXT
#define HELLO_TEXT	"Hello from a module"
#endif

/*
 * State kept per pool thread: thread_init gives each thread its own, so
 * handlers use it without locks.  There is no thread_fini: it lives as
 * long as the worker process, as a per-thread connection or buffer would.
 */
struct hello_thread {
	unsigned	 thread;
	unsigned long	 requests;
};

/* Set once in init, before any request; read-only afterwards. */
static char	*download_path;
static char	 block[64 * 1024];

static int
hello_init(unsigned worker, const char *arg)
{
	(void)worker;
	/*
	 * arg is poolserve's: keep a copy of what outlives this call.  (A
	 * file mounted twice is loaded once: init runs for each mount.)
	 */
	free(download_path);
	download_path = strdup(arg[0] != '\0' ? arg : "/etc/os-release");
	if (download_path == NULL)
		return -1;		/* the worker exits, logged */
	memset(block, 'x', sizeof(block));
	return 0;
}

static void
hello_fini(void)
{
	free(download_path);
	download_path = NULL;
}

static int
hello_thread_init(unsigned worker, unsigned thread, void **data)
{
	struct hello_thread	*t;

	(void)worker;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -1;		/* the worker exits, logged */
	t->thread = thread;
	*data = t;
	return 0;
}

/* A whole number in [min, max] from the query; -1 when absent or bad. */
static int
hello_number(const struct poolserve_request *r, const char *name,
    unsigned long long min, unsigned long long max, unsigned long long *n)
{
	const char	*s = poolserve_arg(r, name);
	char		*end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*n = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || *n < min || *n > max)
		return -1;
	return 0;
}

static int
hello_root(struct poolserve_request *r)
{
	/* A string literal outlives any response: no copy needed. */
	static const char	 text[] = HELLO_TEXT "\n";

	return poolserve_body_static(r, text, sizeof(text) - 1);
}

static int
hello_echo(struct poolserve_request *r)
{
	size_t		 len;
	const void	*body = poolserve_body(r, &len);

	if (len == 0)
		return poolserve_respondf(r, 400, "empty body\n");
	/* The body belongs to the request: copy it into the response. */
	return poolserve_respond(r, 200, "application/json", body, len);
}

/*
 * Streaming: every poolserve_write goes out as a chunk as soon as the
 * client takes it.  -1 means the client has gone: stop, nothing to send.
 */
static int
hello_count(struct poolserve_request *r)
{
	unsigned long long	 n, i;
	char			 line[32];
	int			 len;

	if (hello_number(r, "n", 1, 1000000, &n) == -1)
		return poolserve_respondf(r, 400, "n: 1 to 1000000\n");
	for (i = 1; i <= n; i++) {
		len = snprintf(line, sizeof(line), "%llu\n", i);
		if (poolserve_write(r, line, (size_t)len) == -1)
			break;
	}
	return 0;
}

/*
 * A fixed-length stream: Content-Length before the first write.  The
 * write blocks while the client is slower than us, so memory stays at
 * one buffer whatever the size.
 */
static int
hello_stream(struct poolserve_request *r)
{
	unsigned long long	 bytes, sent = 0;
	size_t			 n;
	char			 len[32];

	if (hello_number(r, "bytes", 0, 1ULL << 40, &bytes) == -1)
		return poolserve_respondf(r, 400, "bytes: 0 to 2^40\n");
	snprintf(len, sizeof(len), "%llu", bytes);
	if (poolserve_add_header(r, "Content-Type",
	    "application/octet-stream") == -1 ||
	    poolserve_add_header(r, "Content-Length", len) == -1)
		return -1;
	if (bytes == 0)
		return poolserve_body_static(r, "", 0);
	while (sent < bytes) {
		n = bytes - sent < sizeof(block) ? (size_t)(bytes - sent) :
		    sizeof(block);
		if (poolserve_write(r, block, n) == -1) {
			poolserve_log(r, "stream stopped after %llu bytes",
			    sent);
			return 0;
		}
		sent += n;
	}
	return 0;
}

/* A file by descriptor: poolserve sends it with sendfile and closes it. */
static int
hello_download(struct poolserve_request *r)
{
	struct stat	 st;
	int		 fd;

	if ((fd = open(download_path, O_RDONLY | O_CLOEXEC)) == -1)
		return poolserve_respondf(r, errno == ENOENT ? 404 : 403,
		    "%s: %s\n", download_path, strerror(errno));
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return poolserve_respondf(r, 403, "%s: not a file\n",
		    download_path);
	}
	return poolserve_body_fd(r, fd, 0, (uint64_t)st.st_size);
}

/* s as a JSON string (or null), into f. */
static void
hello_json(FILE *f, const char *s)
{
	if (s == NULL) {
		fputs("null", f);
		return;
	}
	putc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", (unsigned)*s);
		else
			putc(*s, f);
	}
	putc('"', f);
}

static int
hello_info(struct poolserve_request *r)
{
	struct hello_thread	*t = poolserve_thread_data(r);
	char			*buf = NULL;
	size_t			 len = 0;
	FILE			*f;
	int			 rc;

	t->requests++;		/* this thread's own: no lock */
	if ((f = open_memstream(&buf, &len)) == NULL)
		return -1;
	fprintf(f, "{\"pid\":%ld,\"worker\":%u,\"thread\":", (long)getpid(),
	    poolserve_worker(r));
	hello_json(f, poolserve_thread_name(r));
	fprintf(f, ",\"thread_index\":%u,\"thread_requests\":%lu,\"client\":",
	    t->thread, t->requests);
	hello_json(f, poolserve_client_addr(r));
	fprintf(f, ",\"port\":%u,\"method\":", poolserve_client_port(r));
	hello_json(f, poolserve_method(r));
	fputs(",\"path\":", f);
	hello_json(f, poolserve_path(r));
	fputs(",\"script_name\":", f);
	hello_json(f, poolserve_script_name(r));
	fputs(",\"query\":", f);
	hello_json(f, poolserve_query(r));
	fputs(",\"x_test\":", f);
	hello_json(f, poolserve_header(r, "X-Test"));
	fputs("}\n", f);
	if (fclose(f) != 0) {
		free(buf);
		return -1;
	}
	rc = poolserve_respond(r, 200, "application/json", buf, len);
	free(buf);			/* respond copied it */
	return rc;
}

static int
hello_header_line(void *f, const char *name, const char *value)
{
	fprintf(f, "%s: %s\n", name, value);
	return 0;			/* non-zero would stop the walk */
}

static int
hello_headers(struct poolserve_request *r)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*f;
	int	 rc;

	if ((f = open_memstream(&buf, &len)) == NULL)
		return -1;
	poolserve_each_header(r, hello_header_line, f);
	if (fclose(f) != 0) {
		free(buf);
		return -1;
	}
	rc = poolserve_body_copy(r, buf, len);
	free(buf);
	return rc;
}

/* Header injection is refused: -1 EINVAL, and nothing goes out. */
static int
hello_badheader(struct poolserve_request *r)
{
	int	 a, b, ea, eb;

	errno = 0;
	a = poolserve_add_header(r, "X-Bad", "a\r\nInjected: 1");
	ea = errno;
	errno = 0;
	b = poolserve_add_header(r, "Bad Name", "x");
	eb = errno;
	return poolserve_respondf(r, 200, "value: %d %s\nname: %d %s\n",
	    a, ea == EINVAL ? "EINVAL" : strerror(ea),
	    b, eb == EINVAL ? "EINVAL" : strerror(eb));
}

static int
hello_fail(struct poolserve_request *r)
{
	poolserve_log(r, "/fail: returning -1");
	return -1;
}

static int
hello_crash(struct poolserve_request *r)
{
	(void)r;
	/* As a bug would; SIG_DFL first so a sanitizer's handler stays out. */
	signal(SIGSEGV, SIG_DFL);
	raise(SIGSEGV);
	return -1;
}

static const struct hello_route {
	const char	*method;
	const char	*path;
	int		(*fn)(struct poolserve_request *);
} routes[] = {
	{ "GET", "/", hello_root },
	{ "POST", "/echo", hello_echo },
	{ "GET", "/count", hello_count },
	{ "GET", "/stream", hello_stream },
	{ "GET", "/download", hello_download },
	{ "GET", "/info", hello_info },
	{ "GET", "/headers", hello_headers },
	{ "GET", "/badheader", hello_badheader },
	{ "GET", "/fail", hello_fail },
	{ "GET", "/crash", hello_crash },
};

/*
 * Runs on a pool thread, one request at a time per thread.  HEAD runs
 * the GET handler: poolserve sends only the head of its answer.
 */
static int
hello_handle(struct poolserve_request *r)
{
	const char	*path = poolserve_path(r);	/* below the mount */
	const char	*m = poolserve_method(r);
	size_t		 i;

	if (strcmp(m, "HEAD") == 0)
		m = "GET";
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (strcmp(path, routes[i].path) != 0)
			continue;
		if (strcmp(m, routes[i].method) == 0)
			return routes[i].fn(r);
		if (poolserve_add_header(r, "Allow", strcmp(routes[i].method,
		    "GET") == 0 ? "GET, HEAD" : routes[i].method) == -1)
			return -1;
		return poolserve_respondf(r, 405, "use %s\n",
		    routes[i].method);
	}
	return poolserve_respondf(r, 404, "no route %s\n", path);
}

/* The one symbol poolserve looks for. */
struct poolserve_module poolserve_module = {
	POOLSERVE_API_VERSION,
	"hello",
	hello_init,
	hello_thread_init,
	hello_handle,
	hello_fini
};
