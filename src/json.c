/*
 * A strict JSON (RFC 8259) validator for request bodies: one value, any
 * white space around it, UTF-8 checked, nesting bounded so a hostile body
 * cannot exhaust the stack.  It only says yes or no.
 */
#include "config.h"

#include <string.h>

#include "poolserve.h"

#define JSON_DEPTH_MAX	128

struct json {
	const unsigned char	*p, *end;
	unsigned		 depth;
};

static int	json_value(struct json *);

static void
json_ws(struct json *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
	    *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int
json_lit(struct json *j, const char *lit)
{
	size_t	 n = strlen(lit);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0)
		return -1;
	j->p += n;
	return 0;
}

static int
json_hex4(struct json *j, unsigned *out)
{
	unsigned	 v = 0;
	int		 i;
	unsigned char	 c;

	if (j->end - j->p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		c = *j->p++;
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* One UTF-8 sequence starting at j->p (which is >= 0x80). */
static int
json_utf8(struct json *j)
{
	const unsigned char	*p = j->p;
	unsigned		 cp, need, min, i;

	if (*p >= 0xc2 && *p <= 0xdf) {
		need = 1; cp = *p & 0x1f; min = 0x80;
	} else if (*p >= 0xe0 && *p <= 0xef) {
		need = 2; cp = *p & 0x0f; min = 0x800;
	} else if (*p >= 0xf0 && *p <= 0xf4) {
		need = 3; cp = *p & 0x07; min = 0x10000;
	} else
		return -1;
	if ((size_t)(j->end - p) <= need)
		return -1;
	for (i = 1; i <= need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	j->p += need + 1;
	return 0;
}

static int
json_string(struct json *j)
{
	unsigned	 u, lo;

	j->p++;				/* the opening quote */
	while (j->p < j->end) {
		if (*j->p == '"') {
			j->p++;
			return 0;
		}
		if (*j->p < 0x20)
			return -1;
		if (*j->p >= 0x80) {
			if (json_utf8(j) == -1)
				return -1;
			continue;
		}
		if (*j->p++ != '\\')
			continue;
		if (j->p >= j->end)
			return -1;
		switch (*j->p++) {
		case '"': case '\\': case '/': case 'b':
		case 'f': case 'n': case 'r': case 't':
			break;
		case 'u':
			if (json_hex4(j, &u) == -1)
				return -1;
			if (u >= 0xdc00 && u <= 0xdfff)
				return -1;	/* lone low surrogate */
			if (u >= 0xd800 && u <= 0xdbff) {
				if (json_lit(j, "\\u") == -1 ||
				    json_hex4(j, &lo) == -1 ||
				    lo < 0xdc00 || lo > 0xdfff)
					return -1;
			}
			break;
		default:
			return -1;
		}
	}
	return -1;
}

static int
json_digits(struct json *j)
{
	const unsigned char	*start = j->p;

	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > start ? 0 : -1;
}

static int
json_number(struct json *j)
{
	if (*j->p == '-')
		j->p++;
	if (j->p >= j->end)
		return -1;
	if (*j->p == '0')
		j->p++;
	else if (json_digits(j) == -1)
		return -1;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (json_digits(j) == -1)
			return -1;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (json_digits(j) == -1)
			return -1;
	}
	return 0;
}

/* An object or an array: open is '{' or '['. */
static int
json_container(struct json *j, unsigned char close)
{
	if (++j->depth > JSON_DEPTH_MAX)
		return -1;
	j->p++;
	json_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		j->depth--;
		return 0;
	}
	for (;;) {
		if (close == '}') {
			json_ws(j);
			if (j->p >= j->end || *j->p != '"' ||
			    json_string(j) == -1)
				return -1;
			json_ws(j);
			if (j->p >= j->end || *j->p++ != ':')
				return -1;
		}
		if (json_value(j) == -1)
			return -1;
		json_ws(j);
		if (j->p >= j->end)
			return -1;
		if (*j->p == close) {
			j->p++;
			j->depth--;
			return 0;
		}
		if (*j->p++ != ',')
			return -1;
	}
}

static int
json_value(struct json *j)
{
	json_ws(j);
	if (j->p >= j->end)
		return -1;
	switch (*j->p) {
	case '{':
		return json_container(j, '}');
	case '[':
		return json_container(j, ']');
	case '"':
		return json_string(j);
	case 't':
		return json_lit(j, "true");
	case 'f':
		return json_lit(j, "false");
	case 'n':
		return json_lit(j, "null");
	default:
		if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9'))
			return json_number(j);
		return -1;
	}
}

/* 0 when buf[0..len) is exactly one valid JSON text, -1 otherwise. */
int
json_valid(const char *buf, size_t len)
{
	struct json	 j;

	j.p = (const unsigned char *)buf;
	j.end = j.p + len;
	j.depth = 0;
	if (json_value(&j) == -1)
		return -1;
	json_ws(&j);
	return j.p == j.end ? 0 : -1;
}
