/*
 * The access log line and its escaping (src/log.c): request data (method,
 * target, version) is client input.  The input gives the numbers, the
 * output buffer size and the strings; the line must fit its buffer, end
 * with its one newline, hold no control byte, and its escaped fields
 * must decode back to the client's bytes.
 */
#include "config.h"

#include <sys/mman.h>

#include <unistd.h>

#include "poolserve.h"
#include "fuzz.h"

static int	 err_fd = -1;		/* log_msg()'s standard error, captured */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if ((err_fd = memfd_create("poolserve-fuzz-stderr", MFD_CLOEXEC)) == -1)
		abort();
	return 0;
}

/*
 * The error log quotes request data (a skipped request's method and path,
 * libmicrohttpd's complaints): what log_msg() and log_app() write is one
 * line however hostile the client.  Standard error goes to a memfd for
 * the length of the call only.
 */
static void
check_error_log(const char *method, const char *uri)
{
	char	 out[16384];
	ssize_t	 n;
	int	 saved;

	if ((saved = dup(STDERR_FILENO)) == -1 ||
	    ftruncate(err_fd, 0) == -1 ||
	    lseek(err_fd, 0, SEEK_SET) == -1 ||
	    dup2(err_fd, STDERR_FILENO) == -1)
		abort();
	log_msg("worker %u: skipped %s %s from %s: the client left", 1u,
	    method, uri, "127.0.0.1");
	log_app("%s", uri);
	if (dup2(saved, STDERR_FILENO) == -1)
		abort();
	close(saved);
	if ((n = pread(err_fd, out, sizeof(out) - 1, 0)) <= 0)
		abort();
	out[n] = '\0';
	/* two lines, each ended by its newline and printable before it */
	FUZZ_ASSERT(out[n - 1] == '\n');
	FUZZ_ASSERT(memchr(out, '\n', (size_t)n - 1) != NULL);
	FUZZ_ASSERT(strchr(out, '\n') == strrchr(out, '\n') ||
	    strchr(strchr(out, '\n') + 1, '\n') == out + n - 1);
	FUZZ_ASSERT(fuzz_printable(out, (size_t)(strchr(out, '\n') - out)));
	FUZZ_ASSERT(fuzz_printable(strchr(out, '\n') + 1,
	    (size_t)(out + n - 1 - (strchr(out, '\n') + 1))));
	FUZZ_ASSERT(strstr(out, " poolserve[") != NULL);
}

/* Undo log_escape(): -1 when out is not something it writes. */
static int
unescape(const char *out, char *dst, size_t *dlen)
{
	size_t	 n = 0;
	unsigned v;

	while (*out != '\0') {
		if (*out != '\\') {
			dst[n++] = *out++;
			continue;
		}
		if (out[1] == '\\') {
			dst[n++] = '\\';
			out += 2;
		} else if (out[1] == 'x' && out[2] != '\0' && out[3] != '\0' &&
		    sscanf(out + 2, "%2x", &v) == 1) {
			if (v >= 0x20 && v <= 0x7e && v != '\\')
				return -1;	/* printable: never escaped */
			dst[n++] = (char)v;
			out += 4;
		} else
			return -1;
	}
	dst[n] = '\0';
	*dlen = n;
	return 0;
}

static void
check_escape(const char *s, size_t len)
{
	char	*buf, *dec;
	size_t	 n, dlen, slen = strlen(s);

	if ((buf = malloc(len != 0 ? len : 1)) == NULL ||
	    (dec = malloc(slen + 1)) == NULL)
		abort();
	n = log_escape(buf, len, s);
	if (len == 0) {
		FUZZ_ASSERT(n == 0);
		free(buf);
		free(dec);
		return;
	}
	FUZZ_ASSERT(n < len && buf[n] == '\0' && strlen(buf) == n);
	FUZZ_ASSERT(fuzz_printable(buf, n));
	FUZZ_ASSERT(unescape(buf, dec, &dlen) == 0);
	FUZZ_ASSERT(dlen <= slen && memcmp(dec, s, dlen) == 0);
	if (len > 4 * slen)
		FUZZ_ASSERT(dlen == slen);	/* room for all: nothing cut */
	free(buf);
	free(dec);
}

/* The characters inet_ntop() and thread names use. */
static void
tame(char *s, const char *alphabet)
{
	size_t	 n = strlen(alphabet);

	for (; *s != '\0'; s++)
		*s = alphabet[(unsigned char)*s % n];
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct take		 t = { data, size };
	struct access_entry	 e;
	char			*peer, *method, *uri, *version, *thread, *buf;
	char			 stamp[40];
	size_t			 len, n, i, tlen;

	memset(&e, 0, sizeof(e));
	len = (size_t)take_u64(&t, 2) % 9000;
	tlen = (size_t)take_u64(&t, 1) % sizeof(stamp);
	e.vars = (unsigned)take_u64(&t, 4);
	e.vars_bytes = (size_t)take_u64(&t, 8);
	e.started = (time_t)(take_u64(&t, 8) % 40000000000ULL);
	e.msecs = (unsigned long)take_u64(&t, 8);
	e.body_bytes = (size_t)take_u64(&t, 8);
	e.status = (unsigned)take_u64(&t, 2);
	e.resp_headers = (unsigned)take_u64(&t, 1);
	e.resp_header_bytes = (size_t)take_u64(&t, 4);
	e.queued_ms = (unsigned long)take_u64(&t, 8);
	e.worker_req = take_u64(&t, 8);
	e.total_req = take_u64(&t, 8);
	e.pid = (pid_t)take_u64(&t, 4);
	peer = take_str(&t);
	thread = take_str(&t);
	method = take_str(&t);
	version = take_str(&t);
	uri = take_str(&t);
	tame(peer, "0123456789abcdef:.-");
	tame(thread, "wc0123456789-");
	e.peer = peer;
	e.thread = thread;
	e.method = method;
	e.uri = uri;
	e.version = version;

	if ((buf = malloc(len != 0 ? len : 1)) == NULL)
		abort();
	n = log_format_access(buf, len, &e);
	if (len == 0)
		FUZZ_ASSERT(n == 0);
	else {
		FUZZ_ASSERT(n < len && buf[n] == '\0' && strlen(buf) == n);
		if (len >= 2 && n > 0) {
			FUZZ_ASSERT(buf[n - 1] == '\n');
			FUZZ_ASSERT(fuzz_printable(buf, n - 1));
			FUZZ_ASSERT(strncmp(buf, "[pid: ",
			    n - 1 < 6 ? n - 1 : 6) == 0);
		}
	}
	free(buf);

	check_escape(uri, len);
	check_escape(method, (size_t)e.status % 80);
	for (i = 0; i < 6; i++)
		check_escape(version, i);

	check_error_log(method, uri);

	/* the timestamp fits any buffer */
	memset(stamp, 'x', sizeof(stamp));
	n = log_timestamp(stamp, tlen);
	FUZZ_ASSERT(tlen == 0 || (n < tlen && stamp[n] == '\0'));

	free(peer);
	free(thread);
	free(method);
	free(version);
	free(uri);
	return 0;
}
