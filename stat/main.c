/*
 * poolserve-stat: watch the stats endpoint of a poolserve master, as
 * uwsgitop does for uWSGI.  libc only: a plain HTTP/1.1 GET over a socket
 * (fetch.c, response.c), poolserve's own JSON parser (src/json.c) into a
 * sample (snap.c), and a table, a CSV line or a full-screen view drawn
 * with ANSI sequences and termios (view.c, term.c, run.c).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stat.h"

int
main(int argc, char **argv)
{
	struct opts	 o;
	char		 err[512];
	const char	*term;

	switch (opt_parse(&o, argc, argv, err, sizeof(err))) {
	case -1:
		fprintf(stderr, "poolserve-stat: %s\n", err);
		return EX_BADOPT;
	case 1:
		return 0;
	}
	switch (o.mode) {
	case MODE_ONCE:
		return run_once(&o.target);
	case MODE_JSON:
		return run_json(&o.target);
	case MODE_CSV:
		sig_install(SIGINT);
		sig_install(SIGTERM);
		return run_csv(&o.target, o.interval);
	case MODE_LIVE:
		break;
	}
	term = getenv("TERM");
	if (!isatty(STDOUT_FILENO) || term == NULL || term[0] == '\0' ||
	    strcmp(term, "dumb") == 0)
		return run_once(&o.target);
	sig_install(SIGINT);
	sig_install(SIGTERM);
	sig_install(SIGHUP);
	return run_live(&o.target, o.interval);
}
