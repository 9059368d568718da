/*
 * Unit tests for json.c: json_valid accepts exactly one RFC 8259 value in
 * valid UTF-8, with white space around it and nesting at most 128 deep;
 * json_parse, the same grammar, builds the tree poolserve-stat reads
 * (nesting at most 32, integers, decoded strings) or says where it broke.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "poolserve.h"
#include "unit.h"

#define DEPTH_MAX	128	/* JSON_DEPTH_MAX in json.c */

static int
valid_n(const char *buf, size_t len)
{
	return json_valid(buf, len) == 0;
}

static int
valid(const char *s)
{
	return valid_n(s, strlen(s));
}

#define CHECK_VALID(s)		CHECK(valid(s))
#define CHECK_INVALID(s)	CHECK(!valid(s))
#define CHECK_VALID_N(b, n)	CHECK(valid_n((b), (n)))
#define CHECK_INVALID_N(b, n)	CHECK(!valid_n((b), (n)))

static void
test_accept(void)
{
	CHECK_VALID("{}");
	CHECK_VALID("[]");
	CHECK_VALID("{\"a\":[1,2.5,-3e+2,true,false,null,\"x\\u00e9\\n\"]}");
	CHECK_VALID(" 1 ");
	CHECK_VALID("\"\\ud83d\\ude00\"");
	CHECK_VALID("\"\\uD83D\\uDE00\"");
	CHECK_VALID("\"caf\xc3\xa9\"");			/* é */
	CHECK_VALID("[\"\xf0\x9f\x98\x80\"]");		/* U+1F600 */
	CHECK_VALID("\"\xe2\x82\xac\"");			/* U+20AC */
	CHECK_VALID("\"\xf4\x8f\xbf\xbf\"");		/* U+10FFFF */
	CHECK_VALID("\"\xef\xbf\xbf\"");			/* U+FFFF */
	CHECK_VALID("\"\xc2\x80\"");			/* U+0080 */
	CHECK_VALID("\"\x7f\"");				/* DEL is allowed */
	CHECK_VALID("0");
	CHECK_VALID("-0");
	CHECK_VALID("-0.0e-0");
	CHECK_VALID("1E5");
	CHECK_VALID("123456789012345678901234567890");
	CHECK_VALID("true");
	CHECK_VALID("false");
	CHECK_VALID("null");
	CHECK_VALID("\"\"");
	CHECK_VALID("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"");
	CHECK_VALID(" \t\r\n{ \"a\" : [ 1 , { } , [ ] ] , \"b\" : { } }\n");
	CHECK_VALID("{\"a\":1,\"a\":2}");		/* duplicates: RFC allows */
	CHECK_VALID("[[],[[]],{\"\":{}}]");
}

static void
test_reject(void)
{
	CHECK_INVALID("");
	CHECK_INVALID_N("1", 0);
	CHECK_INVALID(" ");
	CHECK_INVALID("{");
	CHECK_INVALID("}");
	CHECK_INVALID("[");
	CHECK_INVALID("[1");
	CHECK_INVALID("[1 2]");
	CHECK_INVALID("{\"a\"}");
	CHECK_INVALID("{\"a\":}");
	CHECK_INVALID("{\"a\":1,}");
	CHECK_INVALID("{,}");
	CHECK_INVALID("{1:2}");
	CHECK_INVALID("{a:1}");
	CHECK_INVALID("[1,]");
	CHECK_INVALID("[,1]");
	CHECK_INVALID("01");
	CHECK_INVALID("-01");
	CHECK_INVALID("1.");
	CHECK_INVALID(".5");
	CHECK_INVALID("-");
	CHECK_INVALID("+1");
	CHECK_INVALID("1e");
	CHECK_INVALID("1e+");
	CHECK_INVALID("1.e5");
	CHECK_INVALID("0x10");
	CHECK_INVALID("NaN");
	CHECK_INVALID("Infinity");
	CHECK_INVALID("tru");
	CHECK_INVALID("nul");
	CHECK_INVALID("True");
	CHECK_INVALID("truex");
	CHECK_INVALID("\"abc");
	CHECK_INVALID("\"abc\\");
	CHECK_INVALID("\"\\x\"");
	CHECK_INVALID("\"\\'\"");
	CHECK_INVALID("\"\\u12\"");
	CHECK_INVALID("\"\\u12g4\"");
	CHECK_INVALID("'a'");
	CHECK_INVALID("\"a\tb\"");			/* raw control byte */
	CHECK_INVALID("\"a\nb\"");
	CHECK_INVALID("\"\x1f\"");
	CHECK_INVALID("\"\\ud800\"");			/* lone high surrogate */
	CHECK_INVALID("\"\\ud800x\"");
	CHECK_INVALID("\"\\ud800\\u0041\"");		/* high + not a low */
	CHECK_INVALID("\"\\ud800\\ud800\"");
	CHECK_INVALID("\"\\udc00\"");			/* lone low surrogate */
	CHECK_INVALID("\"\\ude00\\ud83d\"");		/* pair reversed */
	CHECK_INVALID("{} {}");
	CHECK_INVALID("[1] x");
	CHECK_INVALID("1 2");
	CHECK_INVALID("\"a\" \"b\"");
}

static void
test_utf8(void)
{
	CHECK_INVALID("\"\xc0\x80\"");		/* overlong NUL */
	CHECK_INVALID("\"\xc1\xbf\"");		/* overlong */
	CHECK_INVALID("\"\xe0\x80\xaf\"");	/* overlong '/' */
	CHECK_INVALID("\"\xf0\x80\x80\xaf\"");	/* overlong '/' */
	CHECK_INVALID("\"\xed\xa0\x80\"");	/* U+D800 encoded */
	CHECK_INVALID("\"\xed\xbf\xbf\"");	/* U+DFFF encoded */
	CHECK_INVALID("\"\xf4\x90\x80\x80\"");	/* U+110000 */
	CHECK_INVALID("\"\xf5\x80\x80\x80\"");
	CHECK_INVALID("\"\xf8\x88\x80\x80\x80\"");
	CHECK_INVALID("\"\xff\"");
	CHECK_INVALID("\"\xfe\"");
	CHECK_INVALID("\"\x80\"");		/* lone continuation */
	CHECK_INVALID("\"\xbf\"");
	CHECK_INVALID("\"\xc3\"");		/* truncated before the quote */
	CHECK_INVALID("\"\xe2\x82\"");
	CHECK_INVALID("\"\xf0\x9f\x98\"");
	CHECK_INVALID("\"\xc3\xc3\xa9\"");	/* lead byte as continuation */
	CHECK_INVALID("\"\xe2\x82\x41\"");
	CHECK_INVALID_N("\"\xc3", 2);		/* truncated at the end */
	CHECK_INVALID_N("\"\xf0\x9f\x98", 4);
	CHECK_INVALID("\xc3\xa9");		/* UTF-8 outside a string */
	CHECK_INVALID("\xef\xbb\xbf{}");	/* a BOM is not white space */
}

static void
test_nul(void)
{
	static const char	 a[] = "[1,\0 2]";
	static const char	 b[] = "\"a\0b\"";
	static const char	 c[] = "{}\0";
	static const char	 d[] = "\0{}";
	static const char	 e[] = "[1, 2]";

	CHECK_INVALID_N(a, sizeof(a) - 1);
	CHECK_INVALID_N(b, sizeof(b) - 1);
	CHECK_INVALID_N(c, sizeof(c) - 1);
	CHECK_INVALID_N(d, sizeof(d) - 1);
	CHECK_VALID_N(c, 2);			/* len, not the NUL, decides */
	CHECK_VALID_N(e, sizeof(e) - 1);
	CHECK_INVALID_N(e, sizeof(e) - 2);	/* "[1, 2" */
	CHECK_VALID_N("12345", 3);		/* "123" */
	CHECK_VALID_N("truex", 4);
	CHECK_INVALID_N("true", 3);
}

/* n arrays nested, or n objects {"a":...}, around a 0. */
static char *
nested(unsigned n, int object)
{
	char		*buf, *p;
	unsigned	 i;

	if ((buf = malloc((size_t)n * 6 + 2)) == NULL)
		abort();
	p = buf;
	for (i = 0; i < n; i++) {
		if (object) {
			memcpy(p, "{\"a\":", 5);
			p += 5;
		} else
			*p++ = '[';
	}
	*p++ = '0';
	for (i = 0; i < n; i++)
		*p++ = object ? '}' : ']';
	*p = '\0';
	return buf;
}

/* One array holding n empty arrays: "[[],[],...]". */
static char *
siblings(unsigned n)
{
	char		*buf, *p;
	unsigned	 i;

	if ((buf = malloc((size_t)n * 3 + 3)) == NULL)
		abort();
	p = buf;
	*p++ = '[';
	for (i = 0; i < n; i++) {
		if (i > 0)
			*p++ = ',';
		*p++ = '[';
		*p++ = ']';
	}
	*p++ = ']';
	*p = '\0';
	return buf;
}

static void
test_depth(void)
{
	char	*s;

	s = nested(DEPTH_MAX, 0);
	CHECK_VALID(s);
	free(s);
	s = nested(DEPTH_MAX + 1, 0);
	CHECK_INVALID(s);
	free(s);
	s = nested(DEPTH_MAX, 1);
	CHECK_VALID(s);
	free(s);
	s = nested(DEPTH_MAX + 1, 1);
	CHECK_INVALID(s);
	free(s);

	/* Depth is nesting, not the count of containers seen. */
	s = siblings(DEPTH_MAX * 2);
	CHECK_VALID(s);
	free(s);

	/* A deep hostile body fails cleanly instead of recursing on. */
	s = nested(100000, 0);
	CHECK_INVALID(s);
	free(s);
}

/* json_parse's error for s, or "" when it parsed. */
static const char *
parse_err(const char *s)
{
	static char	 err[sizeof(((struct json *)0)->err)];
	struct json	 j;

	if (json_parse(&j, s, strlen(s)) == 0)
		err[0] = '\0';
	else
		snprintf(err, sizeof(err), "%s", j.err);
	json_free(&j);
	return err;
}

static void
test_tree(void)
{
	static const char	 doc[] = " {\"a\":[1,-2,2.9,1e3,true,false,"
				    "null],\"s\":\"x\\u00e9\\ud83d\\ude00\\n\\u0000\","
				    "\"o\":{}}";
	struct json		 j;
	int			 a, n, o, str;

	if (!CHECK_EQ_INT(json_parse(&j, doc, strlen(doc)), 0))
		return;
	CHECK_EQ_INT(j.nodes[0].type, J_OBJECT);
	CHECK((a = json_member(&j, 0, "a")) != -1 && j.nodes[a].type == J_ARRAY);
	n = j.nodes[a].child;
	CHECK(n != -1 && j.nodes[n].type == J_NUMBER && j.nodes[n].v.num == 1);
	n = j.nodes[n].next;
	CHECK_EQ_INT(j.nodes[n].v.num, -2);
	n = j.nodes[n].next;
	CHECK_EQ_INT(j.nodes[n].v.num, 2);		/* a fraction is cut */
	n = j.nodes[n].next;
	CHECK_EQ_INT(j.nodes[n].v.num, 1000);
	n = j.nodes[n].next;
	CHECK(j.nodes[n].type == J_BOOL && j.nodes[n].v.num == 1);
	n = j.nodes[n].next;
	CHECK(j.nodes[n].type == J_BOOL && j.nodes[n].v.num == 0);
	n = j.nodes[n].next;
	CHECK_EQ_INT(j.nodes[n].type, J_NULL);
	CHECK_EQ_INT(j.nodes[n].next, -1);
	CHECK(j.nodes[n].key == NULL);
	if (CHECK((str = json_member(&j, 0, "s")) != -1))
		CHECK_EQ_STR(j.nodes[str].v.str,
		    "x\xc3\xa9\xf0\x9f\x98\x80\n?");	/* U+0000 is '?' */
	CHECK((o = json_member(&j, 0, "o")) != -1 && j.nodes[o].child == -1);
	CHECK_EQ_INT(j.n, 11);
	json_free(&j);

	/* Where and why it broke, in poolserve-stat's words. */
	CHECK_EQ_STR(parse_err("{\"a\":1,}"),
	    "bad JSON at byte 7: expected a member name");
	CHECK_EQ_STR(parse_err("[1 2]"),
	    "bad JSON at byte 3: expected ',' or ']'");
	CHECK_EQ_STR(parse_err("\"\\x\""), "bad JSON at byte 3: bad escape \\x");
	CHECK_EQ_STR(parse_err("\"\\udc00\""),
	    "bad JSON at byte 7: lone surrogate");
	CHECK_EQ_STR(parse_err("1 2"), "bad JSON at byte 2: data after the "
	    "document");
	CHECK_EQ_STR(parse_err("99999999999999999999"),
	    "bad JSON at byte 20: number out of range");
	CHECK_EQ_STR(parse_err("1234567890123456789012345678901234567890"
	    "12345678"), "bad JSON at byte 48: number too long");
	CHECK_EQ_STR(parse_err(""), "bad JSON at byte 0: unexpected end of "
	    "the document");
	/* not UTF-8: refused by json_valid, kept by the tree (shown as '?') */
	CHECK_EQ_STR(parse_err("\"\xff\""), "");
	CHECK(!valid("\"\xff\""));
}

static void
test_tree_depth(void)
{
	char	*s;

	s = nested(32, 0);
	CHECK_EQ_STR(parse_err(s), "");
	free(s);
	s = nested(33, 0);
	CHECK_EQ_STR(parse_err(s), "bad JSON at byte 32: nested deeper "
	    "than 32");
	free(s);
}

int
main(void)
{
	test_accept();
	test_reject();
	test_utf8();
	test_nul();
	test_depth();
	test_tree();
	test_tree_depth();
	return unit_done();
}
