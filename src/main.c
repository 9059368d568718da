/*
 * poolserve: a pre-forking, thread-pool HTTP server.  main() parses the
 * options and hands over to the master process.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>

#include <microhttpd.h>

#include "poolserve.h"

int
main(int argc, char **argv)
{
	struct config	 cfg;
	char		 err[512];

	config_defaults(&cfg);
	switch (config_parse(&cfg, argc, argv, err, sizeof(err))) {
	case CONFIG_ERROR:
		fprintf(stderr, "poolserve: %s\n", err);
		return EX_BADOPT;
	case CONFIG_BAD_FILE:
		fprintf(stderr, "poolserve: %s\n", err);
		return EX_BADCONFIG;
	case CONFIG_HELP:
		config_usage(stdout);
		return 0;
	case CONFIG_VERSION:
		printf("poolserve %s (libmicrohttpd %s)\n", PACKAGE_VERSION,
		    MHD_get_version());
		return 0;
	case CONFIG_OK:
		break;
	}
	signal(SIGPIPE, SIG_IGN);
	return master_run(&cfg, argc, argv);
}
