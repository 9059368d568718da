/*
 * poolserve-stat reading an HTTP response from a server it cannot trust:
 * http_get() with the socket calls replaced, so that the input is what
 * the server sends, delivered in pieces of a size the input chooses.
 *
 *	byte 0	piece size (0: up to 64 KiB at a time)
 *	byte 1	bit 0: connect() in progress, bit 1: short send()s,
 *		bit 2: every other recv() fails with EAGAIN, bit 3: the
 *		connection is refused, bit 4: reset after the last byte
 *	rest	the response
 *
 * The same response delivered all at once must give the same result:
 * how the bytes are cut must not change what is read.  A body that is
 * read goes on to json_parse() and snap_build().  http_head() and
 * http_dechunk() are also run directly on the response.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <time.h>

#include "poolserve.h"
#include "fuzz.h"

static const uint8_t	*net_data;
static size_t		 net_len, net_off, net_piece;
static int		 net_flags;

static int
net_socket(int domain, int type, int protocol)
{
	(void)domain;
	(void)type;
	(void)protocol;
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

	(void)timeout;
	for (i = 0; i < n; i++)
		p[i].revents = p[i].events;
	return (int)n;
}

/* A clock that stands still: the 2 s deadline never passes here. */
static int
net_clock_gettime(clockid_t id, struct timespec *ts)
{
	(void)id;
	ts->tv_sec = 1000;
	ts->tv_nsec = 0;
	return 0;
}

#define socket		net_socket
#define connect		net_connect
#define getsockopt	net_getsockopt
#define send		net_send
#define recv		net_recv
#define poll		net_poll
#define clock_gettime	net_clock_gettime
#include "stat_include.h"
#undef socket
#undef connect
#undef getsockopt
#undef send
#undef recv
#undef poll
#undef clock_gettime

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static int
net_get(const uint8_t *data, size_t size, size_t piece, char **body,
    size_t *len, char *err, size_t errlen)
{
	struct target	 t;

	memset(&t, 0, sizeof(t));
	FUZZ_ASSERT(opt_target("127.0.0.1:9191", &t) == 0);
	net_data = data;
	net_len = size;
	net_off = 0;
	net_piece = piece;
	*body = NULL;
	*len = 0;
	memset(err, 0, errlen);
	return http_get(&t, body, len, err, errlen);
}

static void
net_direct(const uint8_t *data, size_t size)
{
	char		*copy, err[256];
	const char	*crlf;
	size_t		 out = 0, out2 = 0, hlen;
	long long	 clen;
	bool		 chunked;
	int		 r1, r2;

	copy = fuzz_strndup(data, size);
	r1 = http_dechunk(copy, size, false, &out);
	FUZZ_ASSERT(r1 == -1 || r1 == 0 || r1 == 1);
	if (r1 == 1) {
		r2 = http_dechunk(copy, size, true, &out2);
		FUZZ_ASSERT(r2 == 1 && out2 == out && out <= size);
	}
	free(copy);

	crlf = memmem(data, size, "\r\n\r\n", 4);
	if (crlf != NULL) {
		hlen = (size_t)(crlf - (const char *)data) + 4;
		memset(err, 0, sizeof(err));
		if (http_head((const char *)data, hlen, &clen, &chunked, err,
		    sizeof(err)) == 0) {
			FUZZ_ASSERT(clen >= -1 && clen <= BODY_MAX);
			FUZZ_ASSERT(!chunked || clen == -1);
		} else
			FUZZ_ASSERT(err[0] != '\0' &&
			    fuzz_printable(err, strlen(err)));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*b1, *b2, e1[256], e2[256];
	size_t		 l1, l2, piece;
	int		 r1, r2;
	struct json	 j;
	struct snap	 s;

	if (size < 2)
		return 0;
	piece = data[0] != 0 ? data[0] : 65536;
	net_flags = data[1];
	data += 2;
	size -= 2;

	r1 = net_get(data, size, piece, &b1, &l1, e1, sizeof(e1));
	r2 = net_get(data, size, (size_t)1 << 30, &b2, &l2, e2, sizeof(e2));
	FUZZ_ASSERT(r1 == 0 || r1 == -1);
	FUZZ_ASSERT(r1 == r2);
	if (r1 == 0) {
		FUZZ_ASSERT(b1 != NULL && b2 != NULL);
		FUZZ_ASSERT(l1 == l2 && memcmp(b1, b2, l1) == 0);
		FUZZ_ASSERT(b1[l1] == '\0');
		FUZZ_ASSERT(l1 <= size && l1 <= BODY_MAX);
		if (json_parse(&j, b1, l1) == 0) {
			(void)snap_build(&j, &s);
			snap_free(&s);
		}
		json_free(&j);
		free(b1);
		free(b2);
	} else {
		FUZZ_ASSERT(e1[0] != '\0' && fuzz_printable(e1, strlen(e1)));
		FUZZ_ASSERT(e2[0] != '\0');
	}
	net_direct(data, size);
	return 0;
}
