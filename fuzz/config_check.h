/*
 * What a parsed struct config must satisfy, whatever the input: every
 * number within its option's documented range, every string terminated,
 * the addresses those the strings name.  Used by the options and
 * config_file harnesses.
 */
#ifndef FUZZ_CONFIG_CHECK_H
#define FUZZ_CONFIG_CHECK_H

#include "fuzz.h"

static inline void
fuzz_same_addr(const char *spec, const struct sockaddr_storage *ss,
    socklen_t len)
{
	struct sockaddr_storage	 again;
	socklen_t		 alen = 0;

	FUZZ_ASSERT(config_parse_addr(spec, &again, &alen) == 0);
	FUZZ_ASSERT(alen == len);
	FUZZ_ASSERT(memcmp(&again, ss, sizeof(again)) == 0);
}

static inline void
fuzz_config_check(const struct config *c, enum config_result r,
    const char *err, size_t errlen)
{
	unsigned	 i;
	int		 has_unix = 0;

	FUZZ_ASSERT(r == CONFIG_OK || r == CONFIG_ERROR ||
	    r == CONFIG_BAD_FILE || r == CONFIG_HELP || r == CONFIG_VERSION);
	FUZZ_ASSERT(memchr(err, '\0', errlen) != NULL);
	if (r == CONFIG_ERROR || r == CONFIG_BAD_FILE) {
		FUZZ_ASSERT(err[0] != '\0');
		return;
	}
	if (r != CONFIG_OK)
		return;
	FUZZ_ASSERT(c->processes >= 1 && c->processes <= 256);
	FUZZ_ASSERT(c->threads >= 1 && c->threads <= 4096);
	FUZZ_ASSERT(c->listen_backlog >= 1 && c->listen_backlog <= 65535);
	FUZZ_ASSERT(c->queue <= 65535);
	FUZZ_ASSERT(c->keepalive_timeout <= 3600);
	FUZZ_ASSERT(c->read_timeout >= 1 && c->read_timeout <= 3600);
	FUZZ_ASSERT(c->request_grace >= 10 && c->request_grace <= 60000);
	FUZZ_ASSERT(c->max_connections >= 1 &&
	    c->max_connections <= 1048576);
	FUZZ_ASSERT(c->max_body_size <= 1073741824UL);
	FUZZ_ASSERT(c->max_header_size >= 1024 &&
	    c->max_header_size <= 1048576);
	FUZZ_ASSERT(c->queue_warn <= 3600000);
	FUZZ_ASSERT(c->shutdown_timeout >= 1 && c->shutdown_timeout <= 3600);
	FUZZ_ASSERT(c->max_requests <= 1000000000);
	FUZZ_ASSERT(c->max_requests_jitter <= 1000000000);
	FUZZ_ASSERT(c->harakiri <= 86400);
	FUZZ_ASSERT(c->nhttp >= 1 && c->nhttp <= CONFIG_MAX_HTTP);
	FUZZ_ASSERT(c->chmod_socket <= 0777);
	FUZZ_ASSERT(memchr(c->user, '\0', sizeof(c->user)) != NULL);
	FUZZ_ASSERT(memchr(c->group, '\0', sizeof(c->group)) != NULL);
	FUZZ_ASSERT(memchr(c->stats, '\0', sizeof(c->stats)) != NULL);
	FUZZ_ASSERT(memchr(c->pidfile, '\0', sizeof(c->pidfile)) != NULL);
	FUZZ_ASSERT(memchr(c->chdir, '\0', sizeof(c->chdir)) != NULL);
	FUZZ_ASSERT(memchr(c->access_log, '\0', sizeof(c->access_log)) !=
	    NULL);
	for (i = 0; i < c->nhttp; i++) {
		FUZZ_ASSERT(memchr(c->http[i].spec, '\0',
		    sizeof(c->http[i].spec)) != NULL);
		fuzz_same_addr(c->http[i].spec, &c->http[i].addr,
		    c->http[i].addrlen);
		if (c->http[i].addr.ss_family == AF_UNIX)
			has_unix = 1;
	}
	FUZZ_ASSERT(!c->chmod_set || has_unix);
	if (c->stats[0] != '\0') {
		fuzz_same_addr(c->stats, &c->stats_addr, c->stats_addrlen);
		if (!c->stats_allow_remote) {
			const struct sockaddr_in *sin =
			    (const struct sockaddr_in *)&c->stats_addr;
			const struct sockaddr_in6 *sin6 =
			    (const struct sockaddr_in6 *)&c->stats_addr;

			FUZZ_ASSERT(c->stats_addr.ss_family == AF_UNIX ||
			    (c->stats_addr.ss_family == AF_INET ?
			    (ntohl(sin->sin_addr.s_addr) >> 24) == 127 :
			    IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr)));
		}
	}
}

#endif /* FUZZ_CONFIG_CHECK_H */
