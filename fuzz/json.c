/*
 * The JSON validator behind POST /echo: json_valid() on the input as a
 * body.  A valid text must stay valid inside an array, next to a copy of
 * itself and between white space, and must stop being valid when bytes
 * are cut from its end (containers and strings) or one is added.
 *
 * Those checks only see texts the validator already accepts.  So every
 * input is also written here as a JSON string (json_encode(): each code
 * point raw, as a short escape or as \uXXXX, astral ones as surrogate
 * pairs, hex digits in either case, chosen by the input's bytes), which
 * json_valid() must accept; with one escape spoiled (a non-hex digit, a
 * lone or reversed surrogate, a raw control byte) it must refuse it.
 */
#include "config.h"

#include "poolserve.h"
#include "fuzz.h"

#define JSON_DEPTH_MAX	128	/* as src/json.c */

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
			FUZZ_ASSERT((k = fuzz_utf8_len(p + i, n - i)) != 0);
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

/*
 * data[0..size) as the body of a JSON string: code points of well-formed
 * UTF-8 and, for any other byte b, U+00b.  How each is written depends
 * on the byte and its position: raw (printable ASCII but '"' and '\\',
 * UTF-8 as it came), a short escape, or \uXXXX (upper or lower case hex).
 * With spoil set, the escape at the first code point that has one is
 * broken.  Returns the malloc'd text and its length.
 */
static char *
json_encode(const uint8_t *data, size_t size, int spoil, size_t *outlen)
{
	static const char	 hexl[] = "0123456789abcdef";
	static const char	 hexu[] = "0123456789ABCDEF";
	const char		*hex;
	char			*out, *o;
	size_t			 i, k;
	uint32_t		 cp, hi, lo;
	int			 style, spoilt = 0;

	if ((out = malloc(size * 12 + 3)) == NULL)
		abort();
	o = out;
	*o++ = '"';
	for (i = 0; i < size; i += k) {
		if (data[i] < 0x80)
			k = 1, cp = data[i];
		else if ((k = fuzz_utf8_len(data + i, size - i)) != 0) {
			cp = data[i] & (k == 2 ? 0x1f : k == 3 ? 0x0f : 0x07);
			for (size_t m = 1; m < k; m++)
				cp = cp << 6 | (data[i + m] & 0x3f);
		} else
			k = 1, cp = data[i];	/* a stray byte: U+0080-U+00FF */
		style = (int)((i + cp) % 3);
		hex = (cp & 1) ? hexu : hexl;
		if (spoil && !spoilt) {
			/* 1: bad hex digit, 2: lone low surrogate, 3: high
			 * surrogate not followed by a low one, 4: raw control */
			spoilt = 1;
			switch (spoil) {
			case 1:
				o += sprintf(o, "\\u%c%c%cg", hex[cp >> 12 & 15],
				    hex[cp >> 8 & 15], hex[cp >> 4 & 15]);
				break;
			case 2:
				o += sprintf(o, "\\udc%c%c", hex[cp >> 4 & 15],
				    hex[cp & 15]);
				break;
			case 3:
				o += sprintf(o, "\\ud8%c%c\\u%04x",
				    hex[cp >> 4 & 15], hex[cp & 15],
				    (unsigned)(cp & 0xff));
				break;
			default:
				*o++ = (char)(cp & 0x1f);
				break;
			}
			continue;
		}
		if (cp >= 0x20 && cp < 0x7f && cp != '"' && cp != '\\' &&
		    style != 0) {
			*o++ = (char)cp;
			continue;
		}
		if (cp >= 0x80 && k > 1 && style == 1) {
			memcpy(o, data + i, k);
			o += k;
			continue;
		}
		if (style == 2 && (cp == '"' || cp == '\\' || cp == '\n' ||
		    cp == '\t' || cp == '\r' || cp == '\b' || cp == '\f' ||
		    cp == '/')) {
			*o++ = '\\';
			*o++ = cp == '\n' ? 'n' : cp == '\t' ? 't' :
			    cp == '\r' ? 'r' : cp == '\b' ? 'b' :
			    cp == '\f' ? 'f' : (char)cp;
			continue;
		}
		if (cp >= 0x10000) {
			hi = 0xd800 + ((cp - 0x10000) >> 10);
			lo = 0xdc00 + ((cp - 0x10000) & 0x3ff);
			o += sprintf(o, "\\u%c%c%c%c\\u%c%c%c%c",
			    hex[hi >> 12], hex[hi >> 8 & 15], hex[hi >> 4 & 15],
			    hex[hi & 15], hex[lo >> 12], hex[lo >> 8 & 15],
			    hex[lo >> 4 & 15], hex[lo & 15]);
		} else
			o += sprintf(o, "\\u%c%c%c%c", hex[cp >> 12],
			    hex[cp >> 8 & 15], hex[cp >> 4 & 15], hex[cp & 15]);
	}
	*o++ = '"';
	*outlen = (size_t)(o - out);
	return out;
}

/* The input written as a JSON string: valid; spoilt: invalid. */
static void
json_strings(const uint8_t *data, size_t size)
{
	char	*s;
	size_t	 n;
	int	 spoil;

	s = json_encode(data, size, 0, &n);
	FUZZ_ASSERT(json_valid(s, n) == 0);
	FUZZ_ASSERT(json_try("[", (const uint8_t *)s, n, ",", 1, "]") == 0);
	free(s);
	if (size == 0)
		return;
	spoil = 1 + data[0] % 4;
	s = json_encode(data, size, spoil, &n);
	FUZZ_ASSERT(json_valid(s, n) == -1);
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t	 i, end;
	int	 r;

	json_strings(data, size);
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
