/*
 * The request checks poolserve makes before a thread is taken
 * (http_check() in src/http.c): request line, method,
 * target forms, header field syntax, Host, Content-Length and
 * Transfer-Encoding framing, Expect.  The input is
 *
 *	byte 0	--max-header-size: 0 the default (16384), N: N * 16 bytes
 *	rest	a request head, METHOD SP TARGET SP VERSION CRLF
 *		(NAME ":" VALUE CRLF)*
 *
 * The request line is split as libmicrohttpd 0.9.75 splits it, in place
 * (the method ends at the first space, further spaces are skipped, the
 * version begins after the last space; a NUL byte ends a part early), so
 * extra spaces and NUL bytes reach http_check() as they would.  The two
 * libmicrohttpd calls http_check() makes are answered here.
 *
 * The verdict is compared with a model of RFC 9110/9112 written here
 * (rc_model()): a request is let through exactly when the model accepts
 * it, and a refusal has the status the model expects for its first
 * failing check, with a printable reason.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "poolserve.h"
#include "fuzz.h"
#include "../tests/mhd_head.h"

static bool
rc_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-.^_`|~",
	    c) != NULL);
}

static bool
rc_is_token(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!rc_tchar((unsigned char)*s))
			return false;
	return true;
}

static bool
rc_xdigit(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/* unreserved / sub-delims (RFC 3986 2.2, 2.3) */
static bool
rc_hostchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' &&
	    strchr("-._~!$&'()*+,;=", c) != NULL);
}

/*
 * uri-host [":" port] (RFC 3986 3.2.2, 3.2.3), s[0..n): an IP-literal in
 * brackets, or a reg-name / IPv4 of unreserved, sub-delims and '%'; then
 * ':' and digits.  Empty is allowed.  A reg-name holds no ':'
 * ("a:b:80" is refused) and only ":port" may follow the ']' ("[::1]x:80"
 * is refused): regressions/request_check holds both.
 */
static bool
rc_authority(const char *s, size_t n)
{
	size_t	 i = 0, port;

	if (n > 0 && s[0] == '[') {		/* IP-literal */
		for (i = 1; i < n && s[i] != ']'; i++)
			if (!rc_hostchar((unsigned char)s[i]) && s[i] != ':' &&
			    s[i] != '%')
				return false;
		if (i++ == n)
			return false;
	} else					/* reg-name, IPv4 */
		for (; i < n && s[i] != ':'; i++)
			if (!rc_hostchar((unsigned char)s[i]) && s[i] != '%')
				return false;
	if (i == n)
		return true;
	if (s[i] != ':')		/* only ":port" after the host */
		return false;
	for (port = i + 1; port < n; port++)
		if (s[port] < '0' || s[port] > '9')
			return false;
	return true;
}

/* Visible ASCII, no '#', each '%' two hex digits, not %00. */
static bool
rc_target_ok(const char *t)
{
	for (; *t != '\0'; t++) {
		if ((unsigned char)*t <= 0x20 || (unsigned char)*t >= 0x7f ||
		    *t == '#')
			return false;
		if (*t == '%') {
			if (!rc_xdigit((unsigned char)t[1]) ||
			    !rc_xdigit((unsigned char)t[2]) ||
			    (t[1] == '0' && t[2] == '0'))
				return false;
			t += 2;
		}
	}
	return true;
}

/* The fields named name: how many, the first, whether all are the same. */
static unsigned
rc_fields_named(const char *name, const char **first, bool *differ)
{
	unsigned	 i, n = 0;

	*first = NULL;
	*differ = false;
	for (i = 0; i < mhd_head_nfields; i++) {
		if (strcasecmp(mhd_head_fields[i].key, name) != 0)
			continue;
		if (n++ == 0)
			*first = mhd_head_fields[i].value;
		else if (strcmp(mhd_head_fields[i].value, *first) != 0)
			*differ = true;
	}
	return n;
}

/* The last element of a list (after the last ','), without OWS. */
static bool
rc_last_is_chunked(const char *v)
{
	const char	*last = strrchr(v, ',');
	size_t		 n;

	last = last != NULL ? last + 1 : v;
	last += strspn(last, " \t");
	n = strlen(last);
	while (n > 0 && (last[n - 1] == ' ' || last[n - 1] == '\t'))
		n--;
	return n == 7 && strncasecmp(last, "chunked", 7) == 0;
}

/*
 * The model: the status RFC 9110/9112 and poolserve's limits give the
 * request, checks in http_check()'s order, 0 to let it through.
 * contiguous: the request line's parts are where libmicrohttpd leaves
 * them for single spaces and no NUL.
 */
static unsigned
rc_model(const char *method, const char *target, const char *version,
    bool contiguous, size_t line, size_t size, unsigned max)
{
	static const char *const known[] = { "GET", "HEAD", "POST", "PUT",
	    "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH" };
	const char	*first, *cl, *te, *auth;
	bool		 v11 = strcmp(version, "HTTP/1.0") != 0, differ, cld;
	unsigned	 i, n, ncl, nte;
	const char	*v;

	if (!contiguous || !rc_is_token(method))
		return 400;
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(method, known[i]) == 0)
			break;
	if (i == sizeof(known) / sizeof(known[0]))
		return 501;
	if (line > max)
		return 414;
	if (size > max)
		return 431;
	if (!rc_target_ok(target))
		return 400;
	if (strcmp(method, "CONNECT") == 0)
		return 501;
	if (strcmp(target, "*") == 0) {
		if (strcmp(method, "OPTIONS") != 0)
			return 400;
	} else if (strncasecmp(target, "http://", 7) == 0 ||
	    strncasecmp(target, "https://", 8) == 0) {
		auth = strstr(target, "//") + 2;
		n = (unsigned)strcspn(auth, "/?");
		if (n == 0 || !rc_authority(auth, n))
			return 400;
	} else if (target[0] != '/')
		return 400;
	for (i = 0; i < mhd_head_nfields; i++) {
		if (!rc_is_token(mhd_head_fields[i].key))
			return 400;
		for (v = mhd_head_fields[i].value; *v != '\0'; v++)
			if (((unsigned char)*v < 0x20 && *v != '\t') ||
			    *v == 0x7f)
				return 400;
	}
	n = rc_fields_named("Host", &first, &differ);
	if ((v11 && n == 0) || n > 1 ||
	    (n == 1 && !rc_authority(first, strlen(first))))
		return 400;
	ncl = rc_fields_named("Content-Length", &cl, &cld);
	if (cld)
		return 400;
	nte = rc_fields_named("Transfer-Encoding", &te, &differ);
	if (nte > 1 || (nte == 1 && (ncl > 0 || !v11)))
		return 400;
	if (nte == 1 && strcasecmp(te, "chunked") != 0)
		return rc_last_is_chunked(te) ? 501 : 400;
	n = rc_fields_named("Expect", &first, &differ);
	if (n > 1 || (n == 1 && strcasecmp(first, "100-continue") != 0))
		return 417;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	 cfg;
	struct http_head h;
	char		*head, *line, *next, *end, *sp1, *sp2, *colon, *path;
	char		 why[256];
	const char	*method, *target, *version;
	unsigned	 status, want, max;
	size_t		 linelen, hsize;
	bool		 contiguous;
	const uint8_t	*eoh;

	if (size < 1)
		return 0;
	config_defaults(&cfg);
	max = data[0] != 0 ? data[0] * 16U : cfg.max_header_size;
	data++;
	size--;
	/* the bytes from the method to the empty line, as libmicrohttpd counts */
	eoh = memmem(data, size, "\r\n\r\n", 4);
	hsize = eoh != NULL ? (size_t)(eoh - data) + 4 : size;
	head = malloc(size + 1);
	if (head == NULL)
		abort();
	memcpy(head, data, size);
	head[size] = '\0';
	end = head + size;
	mhd_head_size = hsize;
	mhd_head_nfields = 0;
	if ((next = memmem(head, size, "\r\n", 2)) != NULL) {
		*next = '\0';
		next += 2;
	}
	line = head;
	linelen = (next != NULL ? (size_t)(next - 2 - head) : size) + 2;
	/*
	 * The request line, split in place as libmicrohttpd 0.9.75 does: the
	 * method to the first space, then spaces skipped, the version after
	 * the last space.
	 */
	if ((sp1 = memchr(line, ' ', linelen - 2)) == NULL) {
		free(head);
		return 0;
	}
	*sp1 = '\0';
	for (target = sp1 + 1; *target == ' '; target++)
		;
	sp2 = NULL;
	for (colon = (char *)target; colon < line + linelen - 2; colon++)
		if (*colon == ' ')
			sp2 = colon;
	if (sp2 == NULL) {
		free(head);
		return 0;
	}
	*sp2 = '\0';
	method = line;
	version = sp2 + 1;
	/* a NUL in the version only ends it: http_check() cannot see it */
	contiguous = strlen(method) == (size_t)(sp1 - line) &&
	    target == sp1 + 1 && strlen(target) == (size_t)(sp2 - target);
	while (next != NULL && next < end &&
	    mhd_head_nfields < MHD_HEAD_FIELDS) {
		line = next;
		if ((next = memmem(line, (size_t)(end - line), "\r\n", 2)) !=
		    NULL) {
			*next = '\0';
			next += 2;
		}
		if (*line == '\0')
			break;		/* the empty line: end of the head */
		if ((colon = strchr(line, ':')) == NULL)
			continue;
		*colon++ = '\0';
		colon += strspn(colon, " \t");
		mhd_head_fields[mhd_head_nfields].key = line;
		mhd_head_fields[mhd_head_nfields].value = colon;
		mhd_head_nfields++;
	}

	memset(&h, 0, sizeof(h));
	h.method = method;
	h.target = target;
	h.version = version;
	h.max_header_size = max;
	/* libmicrohttpd's url: the target without its query */
	path = strdup(target);
	if (path == NULL)
		abort();
	path[strcspn(path, "?")] = '\0';
	h.path = path;
	memset(why, 0, sizeof(why));
	status = http_check(&h, why, sizeof(why));
	want = rc_model(method, target, version, contiguous,
	    strlen(method) + 1 + strlen(target) + 1 + strlen(version) + 2,
	    hsize, max);

	if (status != want)
		fprintf(stderr, "http_check: %u (%s), the model: %u\n", status,
		    why, want);
	FUZZ_ASSERT(status == want);
	if (status != 0) {
		FUZZ_ASSERT(why[0] != '\0');
		FUZZ_ASSERT(fuzz_printable(why, strlen(why)));
	} else {
		FUZZ_ASSERT((h.path != NULL && h.path[0] == '/') ||
		    strcmp(target, "*") == 0);
		FUZZ_ASSERT(strcmp(target, "*") != 0 ||
		    strcmp(method, "OPTIONS") == 0);
	}
	free(path);
	free(head);
	return 0;
}
