/*
 * JSON (RFC 8259), one parser for both programs.  json_valid() says
 * whether a request body is exactly one value (the lab's /echo): UTF-8
 * checked, nesting up to 128, nothing allocated.  json_parse() reads a
 * stats document into a tree of nodes for poolserve-stat: nesting up to
 * 32, at most JSON_NODES_MAX values, numbers as integers, strings
 * decoded.  Both read hostile input: every read checks the end, and the
 * bounded nesting keeps the stack small.
 *
 * The grammar is written once; a tree is built only when j->nodes may
 * grow (j->tree).  poolserve-stat does not require UTF-8 in strings
 * (j->utf8 off): a server's stray byte is shown as '?', not refused.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "poolserve.h"

#define JSON_VALID_DEPTH	128	/* json_valid() */
#define JSON_TREE_DEPTH		32	/* json_parse() */

static int	json_value(struct json *);

static int
json_fail(struct json *j, const char *fmt, ...)
{
	char	 msg[128];
	va_list	 ap;

	if (j->err[0] != '\0')
		return -1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(j->err, sizeof(j->err), "bad JSON at byte %zu: %s",
	    (size_t)(j->p - j->start), msg);
	return -1;
}

static void
json_ws(struct json *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
	    *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

/* A new node of the tree, its index; 0 when no tree is built. */
static int
json_node(struct json *j, enum jtype type)
{
	struct jnode	*nn;
	size_t		 ncap;

	if (!j->tree)
		return 0;
	if (j->n == j->cap) {
		if (j->cap >= JSON_NODES_MAX)
			return json_fail(j, "more than %d values",
			    JSON_NODES_MAX);
		ncap = j->cap == 0 ? 256 : j->cap * 2;
		if ((nn = reallocarray(j->nodes, ncap, sizeof(*nn))) == NULL)
			return json_fail(j, "out of memory");
		j->nodes = nn;
		j->cap = ncap;
	}
	memset(&j->nodes[j->n], 0, sizeof(j->nodes[j->n]));
	j->nodes[j->n].type = type;
	j->nodes[j->n].child = -1;
	j->nodes[j->n].next = -1;
	return (int)j->n++;
}

int
json_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
json_hex4(struct json *j, unsigned *out)
{
	unsigned	 v = 0;
	int		 i, h;

	if (j->end - j->p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		if ((h = json_hexval((unsigned char)*j->p++)) == -1)
			return -1;
		v = v << 4 | (unsigned)h;
	}
	*out = v;
	return 0;
}

/*
 * Code point cp as UTF-8 in dst (room for 4); its length.  U+0000
 * becomes '?', so that decoded strings stay C strings.
 */
size_t
json_utf8_put(char *dst, unsigned cp)
{
	if (cp == 0) {
		dst[0] = '?';
		return 1;
	}
	if (cp < 0x80) {
		dst[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		dst[0] = (char)(0xc0 | cp >> 6);
		dst[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		dst[0] = (char)(0xe0 | cp >> 12);
		dst[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		dst[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	dst[0] = (char)(0xf0 | cp >> 18);
	dst[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	dst[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	dst[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * The well-formed UTF-8 sequence of two bytes or more at p[0..n): its
 * code point and length, or 0 when there is none (an ASCII byte, a stray
 * or overlong byte, a surrogate, past U+10FFFF, cut short).
 */
size_t
json_utf8_get(const unsigned char *p, size_t n, unsigned *cp)
{
	size_t	 need, i;

	if (n == 0)
		return 0;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		need = 1, *cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		need = 2, *cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		need = 3, *cp = p[0] & 0x07;
	else
		return 0;
	if (n <= need)
		return 0;
	for (i = 1; i <= need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (p[i] & 0x3f);
	}
	if ((need == 2 && *cp < 0x800) || (need == 3 && *cp < 0x10000) ||
	    *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return need + 1;
}

/* The escape after a backslash, at j->p; its UTF-8 appended at *dst. */
static int
json_escape(struct json *j, char **dst)
{
	unsigned	 cp, lo;
	char		 one[4], *o = *dst != NULL ? *dst : one;
	unsigned char	 c;

	if (j->p == j->end)
		return json_fail(j, "unterminated string");
	switch ((c = (unsigned char)*j->p++)) {
	case '"':
	case '\\':
	case '/':
		*o++ = (char)c;
		break;
	case 'b':
		*o++ = '\b';
		break;
	case 'f':
		*o++ = '\f';
		break;
	case 'n':
		*o++ = '\n';
		break;
	case 'r':
		*o++ = '\r';
		break;
	case 't':
		*o++ = '\t';
		break;
	case 'u':
		if (json_hex4(j, &cp) == -1)
			return json_fail(j, "bad \\u escape");
		if (cp >= 0xdc00 && cp <= 0xdfff)
			return json_fail(j, "lone surrogate");
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (j->end - j->p < 6 || j->p[0] != '\\' ||
			    j->p[1] != 'u')
				return json_fail(j, "lone surrogate");
			j->p += 2;
			if (json_hex4(j, &lo) == -1 || lo < 0xdc00 ||
			    lo > 0xdfff)
				return json_fail(j, "lone surrogate");
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		}
		o += json_utf8_put(o, cp);
		break;
	default:
		return json_fail(j, "bad escape \\%c",
		    c >= 0x20 && c < 0x7f ? c : '?');
	}
	if (*dst != NULL)
		*dst = o;
	return 0;
}

/*
 * A string at j->p (the opening quote), decoded into sbuf when a tree is
 * built.  A decoded string and its NUL never take more bytes than its
 * source with quotes, so sbuf (the input's size + 8) cannot overflow;
 * checked all the same.
 */
static int
json_string(struct json *j, const char **out)
{
	char		*s = NULL, *dst = NULL;
	unsigned	 cp;
	size_t		 k;
	unsigned char	 c;

	if (j->tree)
		s = dst = j->sbuf + j->slen;
	j->p++;
	for (;;) {
		if (dst != NULL && (size_t)(dst - j->sbuf) + 5 > j->scap)
			return json_fail(j, "string space exhausted");
		if (j->p == j->end)
			return json_fail(j, "unterminated string");
		c = (unsigned char)*j->p;
		if (c >= 0x80 && j->utf8) {
			if ((k = json_utf8_get((const unsigned char *)j->p,
			    (size_t)(j->end - j->p), &cp)) == 0)
				return json_fail(j, "not UTF-8");
			if (dst != NULL) {
				memcpy(dst, j->p, k);
				dst += k;
			}
			j->p += k;
			continue;
		}
		j->p++;
		if (c == '"')
			break;
		if (c < 0x20)
			return json_fail(j, "control character in a string");
		if (c == '\\') {
			if (json_escape(j, &dst) == -1)
				return -1;
		} else if (dst != NULL)
			*dst++ = (char)c;
	}
	if (dst != NULL) {
		*dst++ = '\0';
		j->slen = (size_t)(dst - j->sbuf);
		*out = s;
	}
	return 0;
}

static int
json_digits(struct json *j)
{
	const char	*start = j->p;

	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > start ? 0 : -1;
}

/* A number; in a tree an integer (a fraction is cut), at most 47 bytes. */
static int
json_number(struct json *j)
{
	const char	*s = j->p;
	char		 tmp[48], *end;
	bool		 integer = true;
	long long	 v;
	double		 d;
	int		 idx;

	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p == j->end || *j->p < '0' || *j->p > '9')
		return json_fail(j, "bad number");
	if (*j->p == '0')
		j->p++;
	else
		(void)json_digits(j);
	if (j->p < j->end && *j->p == '.') {
		integer = false;
		j->p++;
		if (json_digits(j) == -1)
			return json_fail(j, "bad number");
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		integer = false;
		if (++j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (json_digits(j) == -1)
			return json_fail(j, "bad number");
	}
	if (!j->tree)
		return 0;
	if ((size_t)(j->p - s) >= sizeof(tmp))
		return json_fail(j, "number too long");
	memcpy(tmp, s, (size_t)(j->p - s));
	tmp[j->p - s] = '\0';
	errno = 0;
	if (integer) {
		v = strtoll(tmp, &end, 10);
		if (errno != 0)
			return json_fail(j, "number out of range");
	} else {
		d = strtod(tmp, &end);
		if (errno != 0 || d > 9.2e18 || d < -9.2e18)
			return json_fail(j, "number out of range");
		v = (long long)d;
	}
	if ((idx = json_node(j, J_NUMBER)) == -1)
		return -1;
	j->nodes[idx].v.num = v;
	return idx;
}

static int
json_literal(struct json *j, const char *lit, enum jtype type, long long v)
{
	size_t	 n = strlen(lit);
	int	 idx;

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0)
		return json_fail(j, "unexpected character");
	j->p += n;
	if ((idx = json_node(j, type)) == -1)
		return -1;
	if (j->tree)
		j->nodes[idx].v.num = v;
	return idx;
}

/* Link child after last (-1: first) under parent idx. */
static void
json_link(struct json *j, int idx, int *last, int child, const char *key)
{
	if (!j->tree)
		return;
	j->nodes[child].key = key;
	if (*last == -1)
		j->nodes[idx].child = child;
	else
		j->nodes[*last].next = child;
	*last = child;
}

/* An array or an object at j->p; members keep their order. */
static int
json_container(struct json *j, bool object)
{
	const char	*key = NULL;
	char		 close = object ? '}' : ']';
	int		 idx, child, last = -1;

	if (++j->depth > j->depth_max)
		return json_fail(j, "nested deeper than %u", j->depth_max);
	if ((idx = json_node(j, object ? J_OBJECT : J_ARRAY)) == -1)
		return -1;
	j->p++;
	json_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		j->depth--;
		return idx;
	}
	for (;;) {
		if (object) {
			json_ws(j);
			if (j->p == j->end || *j->p != '"')
				return json_fail(j, "expected a member name");
			if (json_string(j, &key) == -1)
				return -1;
			json_ws(j);
			if (j->p == j->end || *j->p != ':')
				return json_fail(j, "expected ':'");
			j->p++;
		}
		if ((child = json_value(j)) == -1)
			return -1;
		json_link(j, idx, &last, child, key);
		json_ws(j);
		if (j->p == j->end)
			return json_fail(j, "unexpected end of the document");
		if (*j->p == close) {
			j->p++;
			break;
		}
		if (*j->p != ',')
			return json_fail(j, "expected ',' or '%c'", close);
		j->p++;
	}
	j->depth--;
	return idx;
}

static int
json_value(struct json *j)
{
	const char	*s = NULL;
	int		 idx;

	json_ws(j);
	if (j->p == j->end)
		return json_fail(j, "unexpected end of the document");
	switch (*j->p) {
	case '{':
		return json_container(j, true);
	case '[':
		return json_container(j, false);
	case '"':
		if (json_string(j, &s) == -1 ||
		    (idx = json_node(j, J_STRING)) == -1)
			return -1;
		if (j->tree)
			j->nodes[idx].v.str = s;
		return idx;
	case 't':
		return json_literal(j, "true", J_BOOL, 1);
	case 'f':
		return json_literal(j, "false", J_BOOL, 0);
	case 'n':
		return json_literal(j, "null", J_NULL, 0);
	default:
		if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9'))
			return json_number(j);
		return json_fail(j, "unexpected character");
	}
}

/* The one value in j->start..j->end and nothing after it: 0 or -1. */
static int
json_document(struct json *j)
{
	if (json_value(j) == -1)
		return -1;
	json_ws(j);
	if (j->p != j->end)
		return json_fail(j, "data after the document");
	return 0;
}

/* 0 when buf[0..len) is exactly one valid JSON text, -1 otherwise. */
int
json_valid(const char *buf, size_t len)
{
	struct json	 j;

	memset(&j, 0, sizeof(j));
	j.start = j.p = buf;
	j.end = buf + len;
	j.depth_max = JSON_VALID_DEPTH;
	j.utf8 = true;
	return json_document(&j);
}

/*
 * Parse buf[0..len) into a tree: the root is node 0.  0, or -1 with the
 * reason in j->err; json_free() either way.
 */
int
json_parse(struct json *j, const char *buf, size_t len)
{
	memset(j, 0, sizeof(*j));
	j->start = j->p = buf;
	j->end = buf + len;
	j->depth_max = JSON_TREE_DEPTH;
	j->tree = true;
	j->scap = len + 8;
	if ((j->sbuf = malloc(j->scap)) == NULL)
		return json_fail(j, "out of memory");
	return json_document(j);
}

/* The first member named key of object node obj (a tree's), or -1. */
int
json_member(const struct json *j, int obj, const char *key)
{
	int	 n;

	for (n = j->nodes[obj].child; n != -1; n = j->nodes[n].next)
		if (j->nodes[n].key != NULL && strcmp(j->nodes[n].key, key) == 0)
			return n;
	return -1;
}

void
json_free(struct json *j)
{
	free(j->nodes);
	free(j->sbuf);
	memset(j, 0, sizeof(*j));
}
