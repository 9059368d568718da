/*
 * What the poolserve-stat harnesses share: the monitor's header (they
 * link the files of stat/ as the program does), a response read from
 * the input in pieces, and the checks that nothing from the server
 * reaches the terminal.
 */
#ifndef FUZZ_STAT_FUZZ_H
#define FUZZ_STAT_FUZZ_H

#include <errno.h>

#include "fuzz.h"
#include "../stat/stat.h"

/*
 * The response data[0..size) fed to resp_feed() piece bytes at a time,
 * then EOF or, with reset, ECONNRESET, as fetch_exchange() would.  The
 * body (or NULL) as resp_body() hands it over; 0 or -1 with err.
 */
static inline int
stat_read_pieces(const uint8_t *data, size_t size, size_t piece, bool reset,
    char **body, size_t *len, bool *json, char *err, size_t errlen)
{
	struct resp	 r;
	size_t		 off, n;
	int		 rc = 0;

	memset(&r, 0, sizeof(r));
	memset(err, 0, errlen);
	*body = NULL;
	*len = 0;
	for (off = 0; rc == 0 && off < size; off += n) {
		n = size - off < piece ? size - off : piece;
		rc = resp_feed(&r, (const char *)data + off, n, err, errlen);
	}
	if (rc == 0)
		rc = resp_end(&r, reset ? ECONNRESET : 0, err, errlen);
	FUZZ_ASSERT(rc == 1 || rc == -1);
	if (rc == -1) {
		FUZZ_ASSERT(err[0] != '\0' && fuzz_printable(err, strlen(err)));
		resp_free(&r);
		return -1;
	}
	*json = r.json;
	FUZZ_ASSERT((*body = resp_body(&r, len)) != NULL);
	FUZZ_ASSERT((*body)[*len] == '\0');
	return 0;
}

/*
 * The bytes term_frame() drew hold only the sequences it writes itself:
 * no byte from the server may move the cursor or change the terminal.
 */
static inline void
stat_screen_check(const char *p, size_t len)
{
	static const char	*seqs[] = { "\033[H", "\033[1m", "\033[0m",
				    "\033[K", "\033[J", "\r\n" };
	const char		*end = p + len;
	size_t			 i, n = 0;

	FUZZ_ASSERT(strlen(p) == len);
	while (p < end) {
		for (i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
			n = strlen(seqs[i]);
			if (strncmp(p, seqs[i], n) == 0)
				break;
		}
		if (i < sizeof(seqs) / sizeof(seqs[0])) {
			p += n;
			continue;
		}
		FUZZ_ASSERT((unsigned char)*p >= 0x20 &&
		    (unsigned char)*p <= 0x7e);
		p++;
	}
}

/* Every line of a frame is printable ASCII. */
static inline void
stat_frame_check(const struct frame *f)
{
	size_t	 i;

	for (i = 0; i < f->n; i++)
		FUZZ_ASSERT(fuzz_printable(f->text[i], strlen(f->text[i])));
}

#endif /* FUZZ_STAT_FUZZ_H */
