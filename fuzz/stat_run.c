/*
 * poolserve-stat's modes against a hostile stats server: what --once,
 * --json and --watch-csv print for what the server sends.  The response
 * is read by stat/response.c (in pieces, as stat_http), the sample by
 * snap_read(), and the output made by view_build(), view_json() and
 * view_csv() into memory, as run.c writes it to standard output.  The
 * loops of run.c around them (fetch, print, sleep) are not run here.
 *
 *	byte 0	mode: 0 --once, 1 --json, 2 or 3 --watch-csv (three samples);
 *		bit 2 off: the response is delivered whole
 *	byte 1	piece size (0: up to 64 KiB at a time), as stat_http
 *	byte 2	bit 4: reset after the last byte, as stat_http
 *	rest	what the server sends to every request
 *
 * Checked: nothing the server sends reaches the terminal as anything but
 * printable ASCII (and the newlines, tabs of the output's own layout),
 * C1 controls (0x80-0x9f) and ESC included; --json prints a document
 * that is JSON (json_valid()) and that json_parse() reads as the same
 * tree as the body, strings that were UTF-8 decoding to the same bytes;
 * a failure is one printable line and no output.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>

#include "stat_fuzz.h"

/* Every byte printable ASCII, or one of the layout's own tab and LF. */
static void
run_terminal_safe(const char *s, size_t n, bool tabs)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		FUZZ_ASSERT(((unsigned char)s[i] >= 0x20 &&
		    (unsigned char)s[i] < 0x7f) || s[i] == '\n' ||
		    (tabs && s[i] == '\t'));
}

/* True when s is well-formed UTF-8. */
static bool
run_utf8(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n = strlen(s), k;

	for (; n > 0; p += k, n -= k)
		if ((k = p[0] < 0x80 ? 1 : fuzz_utf8_len(p, n)) == 0)
			return false;
	return true;
}

/* The trees of a and b (node indexes) hold the same values. */
static void
run_same(const struct json *a, int na, const struct json *b, int nb)
{
	const struct jnode	*x, *y;

	for (; na != -1 && nb != -1; na = x->next, nb = y->next) {
		x = &a->nodes[na];
		y = &b->nodes[nb];
		FUZZ_ASSERT(x->type == y->type);
		FUZZ_ASSERT((x->key == NULL) == (y->key == NULL));
		if (x->key != NULL && run_utf8(x->key))
			FUZZ_ASSERT(strcmp(x->key, y->key) == 0);
		if (x->type == J_STRING && run_utf8(x->v.str))
			FUZZ_ASSERT(strcmp(x->v.str, y->v.str) == 0);
		else if (x->type == J_NUMBER || x->type == J_BOOL)
			FUZZ_ASSERT(x->v.num == y->v.num);
		run_same(a, x->child, b, y->child);
	}
	FUZZ_ASSERT(na == -1 && nb == -1);
}

/* --json: the document printed is the body, in printable ASCII. */
static void
out_json(const char *body, size_t len)
{
	struct json	 a, b;
	char		*out;
	size_t		 olen;

	if (json_parse(&a, body, len) == -1) {
		FUZZ_ASSERT(fuzz_printable(a.err, strlen(a.err)));
		json_free(&a);
		return;
	}
	FUZZ_ASSERT((out = view_json(body, len, &olen)) != NULL);
	FUZZ_ASSERT(strlen(out) == olen);
	run_terminal_safe(out, olen, true);
	FUZZ_ASSERT(json_valid(out, olen) == 0);
	FUZZ_ASSERT(json_parse(&b, out, olen) == 0);
	run_same(&a, 0, &b, 0);
	json_free(&a);
	json_free(&b);
	free(out);
}

/* --once: the table, lines of printable ASCII. */
static void
out_once(const char *body, size_t len)
{
	struct snap	 s;
	struct frame	 f;
	char		 err[256];
	size_t		 i;

	if (snap_read(body, len, &s, err, sizeof(err)) == -1) {
		FUZZ_ASSERT(err[0] != '\0' && fuzz_printable(err, strlen(err)));
		return;
	}
	memset(&f, 0, sizeof(f));
	view_build(&f, &s, NULL, NULL);
	FUZZ_ASSERT(f.n > 0);
	for (i = 0; i < f.n; i++)
		run_terminal_safe(f.text[i], strlen(f.text[i]), false);
	frame_free(&f);
	snap_free(&s);
}

/* --watch-csv: a header and three lines, the same sample each time. */
static void
out_csv(const char *body, size_t len)
{
	struct snap	 s, prev;
	char		 err[256], *out = NULL;
	size_t		 olen = 0, lines = 0, i;
	FILE		*fp;
	int		 k;

	memset(&prev, 0, sizeof(prev));
	FUZZ_ASSERT((fp = open_memstream(&out, &olen)) != NULL);
	for (k = 0; k < 3; k++) {
		if (snap_read(body, len, &s, err, sizeof(err)) == -1) {
			FUZZ_ASSERT(k == 0 && fuzz_printable(err,
			    strlen(err)));
			break;
		}
		s.mono = s.wall = 1.0 + k;
		view_csv(fp, &s, k == 0 ? NULL : &prev);
		snap_free(&prev);
		prev = s;
	}
	snap_free(&prev);
	FUZZ_ASSERT(fclose(fp) == 0);
	run_terminal_safe(out, olen, false);
	for (i = 0; i < olen; i++)
		lines += out[i] == '\n';
	FUZZ_ASSERT(lines == 0 || (lines == 4 && out[olen - 1] == '\n' &&
	    strncmp(out, "time,in_progress,", 17) == 0));
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*body, err[256];
	size_t	 len, piece;
	bool	 json;
	int	 mode;

	if (size < 3)
		return 0;
	mode = data[0] & 3;
	piece = (data[0] & 4) == 0 ? (size_t)1 << 30 :
	    data[1] != 0 ? data[1] : 65536;
	if (stat_read_pieces(data + 3, size - 3, piece, (data[2] & 16) != 0,
	    &body, &len, &json, err, sizeof(err)) == -1)
		return 0;
	switch (mode) {
	case 0:
		out_once(body, len);
		break;
	case 1:
		out_json(body, len);
		break;
	default:
		out_csv(body, len);
		break;
	}
	free(body);
	return 0;
}
