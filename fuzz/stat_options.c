/*
 * poolserve-stat's command line: opt_parse() on an argv made from the
 * input (NUL-separated arguments).  An accepted command line names a
 * usable target (port 1 to 65535, :PORT meaning loopback) and an
 * interval in 0.1 to 3600 s; a refused one has a one-line reason.
 */
#include "config.h"

#include <arpa/inet.h>
#include <getopt.h>

#include "stat_fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* --help and --version print with stdio */
	if (freopen("/dev/null", "w", stdout) == NULL)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct opts		 o;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&o.target.ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&o.target.ss;
	char			 err[512], **av;
	int			 ac, rc;

	av = fuzz_argv(data, size, "poolserve-stat", 16, &ac);
	memset(err, 0, sizeof(err));
	optind = 0;		/* poolserve-stat parses once per process */
	rc = opt_parse(&o, ac, av, err, sizeof(err));
	fflush(stdout);
	FUZZ_ASSERT(rc == -1 || rc == 0 || rc == 1);
	FUZZ_ASSERT(memchr(err, '\0', sizeof(err)) != NULL);
	if (rc == -1)
		FUZZ_ASSERT(err[0] != '\0');
	if (rc == 0) {
		FUZZ_ASSERT(o.interval >= INTERVAL_MIN &&
		    o.interval <= INTERVAL_MAX);
		FUZZ_ASSERT(o.target.name[0] != '\0');
		FUZZ_ASSERT(fuzz_printable(o.target.name,
		    strlen(o.target.name)));
		if (o.target.ss.ss_family == AF_INET) {
			FUZZ_ASSERT(o.target.sslen == sizeof(*sin));
			FUZZ_ASSERT(sin->sin_port != 0);
			FUZZ_ASSERT(sin->sin_addr.s_addr != htonl(INADDR_ANY));
		} else {
			FUZZ_ASSERT(o.target.ss.ss_family == AF_INET6);
			FUZZ_ASSERT(o.target.sslen == sizeof(*sin6));
			FUZZ_ASSERT(sin6->sin6_port != 0);
		}
	}
	fuzz_argv_free(av, ac);
	return 0;
}
