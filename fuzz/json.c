/*
 * The JSON validator behind POST /echo: json_valid() on the input as a
 * body.  A valid text must stay valid inside an array, next to a copy of
 * itself and between white space, and must stop being valid when bytes
 * are cut from its end (containers and strings) or one is added.
 */
#include "config.h"

#include "poolserve.h"
#include "fuzz.h"

#define JSON_DEPTH_MAX	128	/* as src/json.c */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

/* Deepest nesting of a valid text (brackets outside strings). */
static unsigned
json_depth(const uint8_t *p, size_t n)
{
	unsigned	 d = 0, max = 0;
	size_t		 i;
	int		 in = 0;

	for (i = 0; i < n; i++) {
		if (in) {
			if (p[i] == '\\')
				i++;
			else if (p[i] == '"')
				in = 0;
		} else if (p[i] == '"')
			in = 1;
		else if (p[i] == '[' || p[i] == '{') {
			if (++d > max)
				max = d;
		} else if (p[i] == ']' || p[i] == '}')
			d--;
	}
	return max;
}

/* Length of the well-formed UTF-8 sequence at p[0..n), 0 if none. */
static size_t
json_utf8_len(const uint8_t *p, size_t n)
{
	size_t		 need, i;
	uint32_t	 cp;

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
 * In a valid text, outside strings only ASCII; inside them no control
 * byte and only well-formed UTF-8.
 */
static void
json_bytes(const uint8_t *p, size_t n)
{
	size_t	 i, k;
	int	 in = 0;

	for (i = 0; i < n; i++) {
		if (!in) {
			FUZZ_ASSERT(p[i] >= 0x20 || p[i] == '\t' ||
			    p[i] == '\n' || p[i] == '\r');
			FUZZ_ASSERT(p[i] < 0x80);
			if (p[i] == '"')
				in = 1;
			continue;
		}
		FUZZ_ASSERT(p[i] >= 0x20);
		if (p[i] == '\\')
			i++;
		else if (p[i] == '"')
			in = 0;
		else if (p[i] >= 0x80) {
			FUZZ_ASSERT((k = json_utf8_len(p + i, n - i)) != 0);
			i += k - 1;
		}
	}
	FUZZ_ASSERT(!in);
}

/* json_valid() on pre + data + mid + data + post, in an exact-size copy. */
static int
json_try(const char *pre, const uint8_t *data, size_t size, const char *mid,
    int twice, const char *post)
{
	size_t	 a = strlen(pre), b = strlen(mid), c = strlen(post);
	size_t	 n = a + size + (twice ? b + size : 0) + c, o = 0;
	char	*buf;
	int	 r;

	if ((buf = malloc(n != 0 ? n : 1)) == NULL)
		abort();
	memcpy(buf + o, pre, a), o += a;
	memcpy(buf + o, data, size), o += size;
	if (twice) {
		memcpy(buf + o, mid, b), o += b;
		memcpy(buf + o, data, size), o += size;
	}
	memcpy(buf + o, post, c), o += c;
	r = json_valid(buf, n);
	free(buf);
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t	 i, end;
	int	 r;

	r = json_valid((const char *)data, size);
	FUZZ_ASSERT(r == 0 || r == -1);
	if (r != 0)
		return 0;
	json_bytes(data, size);
	FUZZ_ASSERT(json_try(" \t\r\n", data, size, "", 0, "\n ") == 0);
	FUZZ_ASSERT(json_try("", data, size, "", 0, "x") == -1);
	FUZZ_ASSERT(json_try("", data, size, " ", 1, "") == -1);
	if (json_depth(data, size) < JSON_DEPTH_MAX) {
		FUZZ_ASSERT(json_try("[", data, size, "", 0, "]") == 0);
		FUZZ_ASSERT(json_try("[", data, size, ",", 1, "]") == 0);
		FUZZ_ASSERT(json_try("{\"k\":", data, size, "", 0, "}") == 0);
	} else
		FUZZ_ASSERT(json_try("[", data, size, "", 0, "]") == -1);
	/* a container or a string cut short is no longer valid */
	for (i = 0; i < size && (data[i] == ' ' || data[i] == '\t' ||
	    data[i] == '\r' || data[i] == '\n'); i++)
		;
	for (end = size; end > i && (data[end - 1] == ' ' ||
	    data[end - 1] == '\t' || data[end - 1] == '\r' ||
	    data[end - 1] == '\n'); end--)
		;
	if (i < end && (data[i] == '[' || data[i] == '{' || data[i] == '"'))
		FUZZ_ASSERT(json_valid((const char *)data, end - 1) == -1);
	return 0;
}
