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

#include "poolserve.h"
#include "fuzz.h"

#include "stat_net.h"
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
