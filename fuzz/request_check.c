/*
 * The request checks poolserve makes before a thread is taken
 * (http_check() in src/http.c): request line, method,
 * target forms, header field syntax, Host, Content-Length and
 * Transfer-Encoding framing, Expect.  The input is a request head:
 *
 *	METHOD SP TARGET SP VERSION CRLF (NAME ":" VALUE CRLF)*
 *
 * laid out as libmicrohttpd leaves it (the three request-line parts
 * contiguous, NUL-separated).  The two libmicrohttpd calls http_check()
 * makes are answered here.  A request let through must be one the RFC
 * checks accept; a refusal has a known status and a reason.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "poolserve.h"
#include "fuzz.h"


#define RC_FIELDS	32

static struct {
	char	*key, *value;
} rc_fields[RC_FIELDS];
static unsigned	 rc_nfields;
static size_t	 rc_header_size;

/* libmicrohttpd's, for http_check(): the parsed head of this input. */
const union MHD_ConnectionInfo *
MHD_get_connection_info(struct MHD_Connection *c,
    enum MHD_ConnectionInfoType type, ...)
{
	static union MHD_ConnectionInfo	 ci;

	(void)c;
	if (type != MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE)
		return NULL;
	ci.header_size = rc_header_size;
	return &ci;
}

int
MHD_get_connection_values(struct MHD_Connection *c, enum MHD_ValueKind kind,
    MHD_KeyValueIterator it, void *cls)
{
	unsigned	 i;

	(void)c;
	if (kind != MHD_HEADER_KIND)
		return 0;
	for (i = 0; i < rc_nfields; i++)
		if (it != NULL && it(cls, MHD_HEADER_KIND, rc_fields[i].key,
		    rc_fields[i].value) != MHD_YES)
			return (int)i + 1;
	return (int)rc_nfields;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static unsigned
rc_count_host(void)
{
	unsigned	 i, n = 0;

	for (i = 0; i < rc_nfields; i++)
		if (strcasecmp(rc_fields[i].key, "Host") == 0)
			n++;
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	 cfg;
	struct http_head h;
	char		*head, *line, *next, *sp1, *sp2, *colon, *path, why[256];
	const char	*method, *target, *version, *t;
	unsigned	 status;

	head = fuzz_strndup(data, size);
	rc_header_size = size;
	rc_nfields = 0;
	if ((next = strstr(head, "\r\n")) != NULL) {
		*next = '\0';
		next += 2;
	}
	line = head;
	/* the request line, split in place as libmicrohttpd does */
	if ((sp1 = strchr(line, ' ')) == NULL ||
	    (sp2 = strchr(sp1 + 1, ' ')) == NULL) {
		free(head);
		return 0;
	}
	*sp1 = *sp2 = '\0';
	method = line;
	target = sp1 + 1;
	version = sp2 + 1;
	while (next != NULL && *next != '\0' && rc_nfields < RC_FIELDS) {
		line = next;
		if ((next = strstr(line, "\r\n")) != NULL) {
			*next = '\0';
			next += 2;
		}
		if ((colon = strchr(line, ':')) == NULL)
			continue;
		*colon++ = '\0';
		colon += strspn(colon, " \t");
		rc_fields[rc_nfields].key = line;
		rc_fields[rc_nfields].value = colon;
		rc_nfields++;
	}

	config_defaults(&cfg);
	memset(&h, 0, sizeof(h));
	h.method = method;
	h.target = target;
	h.version = version;
	h.max_header_size = cfg.max_header_size;
	/* libmicrohttpd's url: the target without its query */
	path = strdup(target);
	if (path == NULL)
		abort();
	path[strcspn(path, "?")] = '\0';
	h.path = path;
	memset(why, 0, sizeof(why));
	status = http_check(&h, why, sizeof(why));

	FUZZ_ASSERT(status == 0 || status == 400 || status == 414 ||
	    status == 417 || status == 431 || status == 501);
	if (status != 0) {
		FUZZ_ASSERT(why[0] != '\0');
		FUZZ_ASSERT(fuzz_printable(why, strlen(why)));
	} else {
		FUZZ_ASSERT(http_known_method(method));
		FUZZ_ASSERT(strcmp(method, "CONNECT") != 0);
		for (t = target; *t != '\0'; t++)
			FUZZ_ASSERT(*t > 0x20 && *t < 0x7f && *t != '#');
		FUZZ_ASSERT(target[0] == '/' || strcmp(target, "*") == 0 ||
		    strncasecmp(target, "http://", 7) == 0 ||
		    strncasecmp(target, "https://", 8) == 0);
		FUZZ_ASSERT(h.path != NULL);
		FUZZ_ASSERT(strcmp(target, "*") != 0 ||
		    strcmp(method, "OPTIONS") == 0);
		FUZZ_ASSERT(rc_count_host() <= 1);
		if (strcmp(version, "HTTP/1.0") != 0)
			FUZZ_ASSERT(rc_count_host() == 1);
		FUZZ_ASSERT(strlen(method) + strlen(target) +
		    strlen(version) + 4 <= cfg.max_header_size);
	}
	free(path);
	free(head);
	return 0;
}
