/*
 * Shared by the libFuzzer harnesses and their replay driver: the entry
 * points libFuzzer calls, and an assertion that aborts with a message so
 * that both libFuzzer and the make check replay report the input.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* optional: a harness that needs no set-up does not define it */
int	LLVMFuzzerInitialize(int *, char ***) __attribute__((weak));
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_ASSERT(e)	((e) ? (void)0 : fuzz_fail(__FILE__, __LINE__, #e))

static inline void __attribute__((noreturn))
fuzz_fail(const char *file, int line, const char *expr)
{
	fprintf(stderr, "%s:%d: assertion failed: %s\n", file, line, expr);
	abort();
}

/* A NUL-terminated heap copy of data[0..size): C strings from the input. */
static inline char *
fuzz_strndup(const uint8_t *data, size_t size)
{
	char	*s;

	if ((s = malloc(size + 1)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* True when every byte of s[0..n) is printable ASCII (0x20-0x7e). */
static inline int
fuzz_printable(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

/*
 * The harnesses' own model of UTF-8 (RFC 3629), written apart from the
 * code under test: the length of the well-formed sequence of two bytes or
 * more at p[0..n), 0 when there is none (ASCII, a stray or overlong
 * byte, a surrogate, past U+10FFFF, cut short).
 */
static inline size_t
fuzz_utf8_len(const uint8_t *p, size_t n)
{
	size_t		 need, i;
	uint32_t	 cp;

	if (n == 0)
		return 0;
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

/*
 * An argv from NUL-separated arguments: argv[0] is name, at most max
 * arguments follow; each is a heap copy (getopt may permute argv).
 * fuzz_argv_free() releases it.
 */
static inline char **
fuzz_argv(const uint8_t *data, size_t size, const char *name, int max,
    int *argc)
{
	char	**av;
	size_t	 i, start;
	int	 n = 1;

	if ((av = calloc((size_t)max + 2, sizeof(*av))) == NULL)
		abort();
	av[0] = fuzz_strndup((const uint8_t *)name, strlen(name));
	for (i = start = 0; i <= size && n <= max; i++) {
		if (i < size && data[i] != '\0')
			continue;
		if (i == size && i == start)
			break;		/* no empty last argument */
		av[n++] = fuzz_strndup(data + start, i - start);
		start = i + 1;
	}
	av[n] = NULL;
	*argc = n;
	return av;
}

static inline void
fuzz_argv_free(char **av, int argc)
{
	int	 i;

	for (i = 0; i < argc; i++)
		free(av[i]);
	free(av);
}

/* An input read field by field: big-endian numbers, NUL-ended strings. */
struct take {
	const uint8_t	*p;
	size_t		 n;
};

static inline uint64_t
take_u64(struct take *t, unsigned bytes)
{
	uint64_t	 v = 0;

	while (bytes-- > 0 && t->n > 0) {
		v = v << 8 | *t->p++;
		t->n--;
	}
	return v;
}

/* The next NUL-terminated field, or the rest. */
static inline char *
take_str(struct take *t)
{
	const uint8_t	*z = memchr(t->p, '\0', t->n);
	size_t		 len = z != NULL ? (size_t)(z - t->p) : t->n;
	char		*s = fuzz_strndup(t->p, len);

	t->p += len + (z != NULL);
	t->n -= len + (z != NULL);
	return s;
}

#endif /* FUZZ_H */
