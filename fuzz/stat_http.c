/*
 * poolserve-stat reading an HTTP response from a server it cannot trust:
 * the response reader of stat/response.c fed the input in pieces of a
 * size the input chooses, and fetch_exchange() (stat/fetch.c) reading
 * the same bytes from a socket.
 *
 *	byte 0	piece size (0: up to 64 KiB at a time)
 *	byte 1	bit 4: the connection is reset after the last byte
 *		instead of closed (other bits: unused, kept for the corpus)
 *	rest	the response
 *
 * The same response fed all at once must give the same result: how the
 * bytes are cut must not change what is read.  Read from a socket pair
 * (the bytes, then EOF) by fetch_exchange() it gives the same result
 * again.  A body that is read goes on to snap_read().  resp_head() and
 * resp_dechunk() are also run directly on the response.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <unistd.h>

#include "stat_fuzz.h"

/*
 * fetch_exchange() over a socket pair holding the response and then EOF;
 * 0 or -1 as it returns, 2 when the bytes do not fit in the socket.
 */
static int
http_socket(const uint8_t *data, size_t size, char **body, size_t *len,
    bool *json, char *err, size_t errlen)
{
	ssize_t	 n = 0;
	int	 sv[2], rc = 2;

	FUZZ_ASSERT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0, sv) == 0);
	if (size > 0)
		n = write(sv[1], data, size);
	if (n == (ssize_t)size) {
		FUZZ_ASSERT(shutdown(sv[1], SHUT_WR) == 0);
		memset(err, 0, errlen);
		*body = NULL;
		rc = fetch_exchange(sv[0], "127.0.0.1:9191",
		    clock_ms() + FETCH_TIMEOUT_MS, body, len, json, err,
		    errlen);
	}
	close(sv[0]);
	close(sv[1]);
	return rc;
}

static void
http_direct(const uint8_t *data, size_t size)
{
	char		*copy, err[256];
	const char	*crlf;
	size_t		 out = 0, out2 = 0, hlen;
	long long	 clen;
	bool		 chunked, json;
	int		 r1, r2;

	copy = fuzz_strndup(data, size);
	r1 = resp_dechunk(copy, size, false, &out);
	FUZZ_ASSERT(r1 == -1 || r1 == 0 || r1 == 1);
	if (r1 == 1) {
		r2 = resp_dechunk(copy, size, true, &out2);
		FUZZ_ASSERT(r2 == 1 && out2 == out && out <= size);
	}
	free(copy);

	crlf = memmem(data, size, "\r\n\r\n", 4);
	if (crlf != NULL) {
		hlen = (size_t)(crlf - (const char *)data) + 4;
		memset(err, 0, sizeof(err));
		if (resp_head((const char *)data, hlen, &clen, &chunked,
		    &json, err, sizeof(err)) == 0) {
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
	struct snap	 s;
	char		*b1, *b2, *b3, e1[256], e2[256], e3[256];
	size_t		 l1, l2, l3, piece;
	bool		 j1, j2, j3, reset;
	int		 r1, r2, r3;

	if (size < 2)
		return 0;
	piece = data[0] != 0 ? data[0] : 65536;
	reset = (data[1] & 16) != 0;
	data += 2;
	size -= 2;

	r1 = stat_read_pieces(data, size, piece, reset, &b1, &l1, &j1, e1,
	    sizeof(e1));
	r2 = stat_read_pieces(data, size, (size_t)1 << 30, reset, &b2, &l2,
	    &j2, e2, sizeof(e2));
	FUZZ_ASSERT(r1 == r2);
	if (r1 == 0) {
		FUZZ_ASSERT(l1 == l2 && memcmp(b1, b2, l1) == 0 && j1 == j2);
		FUZZ_ASSERT(l1 <= size && l1 <= BODY_MAX);
		if (snap_read(b1, l1, &s, e1, sizeof(e1)) == 0)
			snap_free(&s);
		else
			FUZZ_ASSERT(fuzz_printable(e1, strlen(e1)));
	}
	free(b1);
	free(b2);

	/* the socket: the bytes, then EOF */
	r2 = stat_read_pieces(data, size, (size_t)1 << 30, false, &b2, &l2,
	    &j2, e2, sizeof(e2));
	r3 = http_socket(data, size, &b3, &l3, &j3, e3, sizeof(e3));
	if (r3 != 2) {
		FUZZ_ASSERT(r3 == r2);
		if (r3 == 0)
			FUZZ_ASSERT(l3 == l2 && memcmp(b3, b2, l2) == 0 &&
			    j3 == j2 && b3[l3] == '\0');
		else
			FUZZ_ASSERT(strcmp(e3, e2) == 0);
		if (r3 == 0)
			free(b3);
	}
	free(b2);
	http_direct(data, size);
	return 0;
}
