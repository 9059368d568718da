/*
 * poolserve-stat's modes end to end against a hostile stats server:
 * run_once(), run_json() and run_csv() with snap_fetch() and http_get()
 * over the fake sockets of stat_net.h, standard output and standard
 * error captured (printf, fprintf and fwrite replaced).  The input is
 *
 *	byte 0	mode: 0 --once, 1 --json, 2 or 3 --watch-csv (three samples);
 *		bit 2 off: the response is delivered whole
 *	byte 1	piece size (0: up to 64 KiB at a time), as stat_http
 *	byte 2	socket flags, as stat_http
 *	rest	what the server sends to every request
 *
 * Checked: nothing the server sends reaches the terminal as anything but
 * printable ASCII (and the newlines, tabs of the output's own layout),
 * C1 controls (0x80-0x9f) and ESC included; --json prints a document
 * that is JSON (json_valid(), src/json.c) and that json_parse() reads as
 * the same tree as the body, strings that were UTF-8 decoding to the same
 * bytes; a failure is one printable line on standard error, exit 1, and
 * no output.
 */
#include "config.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>

#include "poolserve.h"
#include "fuzz.h"

static char	*run_out, *run_err;
static size_t	 run_out_len, run_err_len;

static void
run_append(char **buf, size_t *len, const void *data, size_t n)
{
	char	*nb;

	if ((nb = realloc(*buf, *len + n + 1)) == NULL)
		abort();
	memcpy(nb + *len, data, n);
	*len += n;
	nb[*len] = '\0';
	*buf = nb;
}

static int
run_vfprintf(FILE *fp, const char *fmt, va_list ap)
{
	char	*s;
	int	 n;

	if ((n = vasprintf(&s, fmt, ap)) < 0)
		abort();
	FUZZ_ASSERT(fp == stdout || fp == stderr);
	if (fp == stdout)
		run_append(&run_out, &run_out_len, s, (size_t)n);
	else
		run_append(&run_err, &run_err_len, s, (size_t)n);
	free(s);
	return n;
}

static int
run_fprintf(FILE *fp, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = run_vfprintf(fp, fmt, ap);
	va_end(ap);
	return n;
}

static size_t
run_fwrite(const void *p, size_t size, size_t n, FILE *fp)
{
	FUZZ_ASSERT(fp == stdout);
	run_append(&run_out, &run_out_len, p, size * n);
	return n;
}

/* poolserve-stat's signal flags: run_csv ends when got_quit is set. */
static volatile sig_atomic_t	got_quit, got_winch, got_tstp;
static int			run_quit_after;	/* sockets */

#include "stat_net.h"

/* the third connection of --watch-csv is interrupted by SIGINT */
static int
run_socket(int domain, int type, int protocol)
{
	if (run_quit_after >= 0 && run_quit_after-- == 0) {
		got_quit = 1;
		errno = EINTR;
		return -1;
	}
	return net_socket(domain, type, protocol);
}

#undef socket
#define socket		run_socket
#define printf(...)	run_fprintf(stdout, __VA_ARGS__)
#define fprintf		run_fprintf
#define fwrite		run_fwrite
#define fflush(fp)	((void)(fp), 0)
#define ferror(fp)	((void)(fp), 0)
#include "stat_include.h"
#undef socket
#undef connect
#undef getsockopt
#undef send
#undef recv
#undef poll
#undef clock_gettime
#undef printf
#undef fprintf
#undef fwrite
#undef fflush
#undef ferror

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

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

/* Length of the well-formed UTF-8 sequence at p[0..n), 0 if none. */
static size_t
run_utf8_len(const unsigned char *p, size_t n)
{
	size_t		 need, i;
	uint32_t	 cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		need = 1, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		need = 2, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		need = 3, cp = p[0] & 0x07;
	else
		return 0;
	if (n < need + 1)
		return 0;
	for (i = 1; i <= need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need + 1;
}

/* True when s is well-formed UTF-8. */
static bool
run_utf8(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n = strlen(s), k;

	for (; n > 0; p += k, n -= k)
		if ((k = run_utf8_len(p, n)) == 0)
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

/* --json: the body of a response that net_get reads, compared. */
static void
run_json_check(void)
{
	struct target	 t;
	struct json	 a, b;
	char		*body, err[256];
	size_t		 len;

	memset(&t, 0, sizeof(t));
	FUZZ_ASSERT(opt_target("127.0.0.1:9191", &t) == 0);
	run_quit_after = -1;
	FUZZ_ASSERT(http_get(&t, &body, &len, err, sizeof(err)) == 0);
	FUZZ_ASSERT(json_parse(&a, body, len) == 0);
	FUZZ_ASSERT(json_valid(run_out, run_out_len) == 0);
	FUZZ_ASSERT(json_parse(&b, run_out, run_out_len) == 0);
	run_same(&a, 0, &b, 0);
	json_free(&a);
	json_free(&b);
	free(body);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct target	 t;
	int		 mode, rc;

	if (size < 3)
		return 0;
	mode = data[0] & 3;
	net_piece = (data[0] & 4) == 0 ? (size_t)1 << 30 :
	    data[1] != 0 ? data[1] : 65536;
	net_flags = data[2];
	net_data = data + 3;
	net_len = size - 3;
	net_off = 0;
	net_sockets_left = -1;
	got_quit = 0;
	run_quit_after = mode >= 2 ? 3 : -1;	/* --watch-csv */
	run_out_len = run_err_len = 0;
	free(run_out);
	free(run_err);
	run_out = run_err = NULL;
	memset(&t, 0, sizeof(t));
	FUZZ_ASSERT(opt_target("127.0.0.1:9191", &t) == 0);

	switch (mode) {
	case 0:
		rc = run_once(&t);
		break;
	case 1:
		rc = run_json(&t);
		break;
	default:
		rc = run_csv(&t, 0.5);
		break;
	}
	FUZZ_ASSERT(rc == 0 || rc == 1);
	run_terminal_safe(run_out, run_out_len, mode == 1);
	run_terminal_safe(run_err, run_err_len, false);
	stat_screen_check();
	if (rc == 1) {
		/* one line naming the server */
		FUZZ_ASSERT(run_err_len > 0 && run_err[run_err_len - 1] == '\n');
		FUZZ_ASSERT(memchr(run_err, '\n', run_err_len) ==
		    run_err + run_err_len - 1);
		FUZZ_ASSERT(strncmp(run_err, "poolserve-stat: 127.0.0.1:9191: ",
		    32) == 0);
		if (mode < 2)
			FUZZ_ASSERT(run_out_len == 0);
	} else
		FUZZ_ASSERT(run_err_len == 0);
	if (rc == 0 && mode == 1)
		run_json_check();
	if (rc == 0 && mode == 0)
		FUZZ_ASSERT(run_out_len > 0 &&
		    run_out[run_out_len - 1] == '\n');
	return 0;
}
