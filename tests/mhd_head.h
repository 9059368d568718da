/*
 * The two libmicrohttpd calls http_check() (src/http.c) makes, answered
 * from a table the program fills: the head's size and its header fields
 * in order.  Shared by the unit program tests/test_http.c and the fuzzing
 * harness fuzz/request_check.c, which link src/http.c and define these
 * in place of libmicrohttpd's.
 */
#ifndef MHD_HEAD_H
#define MHD_HEAD_H

#include <stddef.h>

#include <microhttpd.h>

#define MHD_HEAD_FIELDS	32

static struct {
	const char	*key, *value;
} mhd_head_fields[MHD_HEAD_FIELDS];
static unsigned	 mhd_head_nfields;
static size_t	 mhd_head_size;	/* MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE */

const union MHD_ConnectionInfo *
MHD_get_connection_info(struct MHD_Connection *c,
    enum MHD_ConnectionInfoType type, ...)
{
	static union MHD_ConnectionInfo	 ci;

	(void)c;
	if (type != MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE)
		return NULL;
	ci.header_size = mhd_head_size;
	return &ci;
}

/* The fields in order, until the iterator says MHD_NO. */
int
MHD_get_connection_values(struct MHD_Connection *c, enum MHD_ValueKind kind,
    MHD_KeyValueIterator it, void *cls)
{
	unsigned	 i;

	(void)c;
	if (kind != MHD_HEADER_KIND)
		return 0;
	for (i = 0; i < mhd_head_nfields; i++)
		if (it != NULL && it(cls, MHD_HEADER_KIND, mhd_head_fields[i].key,
		    mhd_head_fields[i].value) != MHD_YES)
			return (int)i + 1;
	return (int)mhd_head_nfields;
}

#endif /* MHD_HEAD_H */
