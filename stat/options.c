/*
 * poolserve-stat's command line: a mode, an interval and the stats
 * address of a poolserve master, parsed with poolserve's own bounded
 * parsers (src/config.c).  A bad option is one line and exit 64.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <arpa/inet.h>
#include <netinet/in.h>

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "stat.h"

enum {
	OPT_ONCE = 256,
	OPT_JSON,
	OPT_WATCH_CSV,
	OPT_INTERVAL,
};

static const struct option longopts[] = {
	{ "once",		no_argument,	   NULL, OPT_ONCE },
	{ "json",		no_argument,	   NULL, OPT_JSON },
	{ "watch-csv",		required_argument, NULL, OPT_WATCH_CSV },
	{ "interval",		required_argument, NULL, OPT_INTERVAL },
	{ "version",		no_argument,	   NULL, 'V' },
	{ "help",		no_argument,	   NULL, 'h' },
	{ NULL,			0,		   NULL, 0 }
};

static void
opt_usage(FILE *fp)
{
	fputs(
"usage: poolserve-stat [-hV] [--once | --json | --watch-csv seconds]\n"
"                      [--interval seconds] addr:port\n"
"\n"
"  addr:port              stats address of a poolserve master, e.g.\n"
"                         127.0.0.1:9191, [::1]:9191 (:9191 = 127.0.0.1)\n"
"                         with no mode: a full-screen live view, q quits\n"
"                         (a plain table when not on a terminal)\n"
"  --once                 print the table once and exit\n"
"  --json                 print the JSON document as received and exit\n"
"  --watch-csv seconds    print a CSV line every seconds, 0.1 to 3600\n"
"  --interval seconds     refresh of the live view, 0.1 to 3600 (default 1)\n"
"  -V, --version          print the version and exit\n"
"  -h, --help             print this help and exit\n", fp);
}

/*
 * ADDR:PORT, [V6ADDR]:PORT, localhost:PORT or :PORT, parsed as poolserve
 * parses --http; here :PORT means 127.0.0.1 and port 0 is refused.
 */
int
opt_target(const char *spec, struct target *t)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&t->ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&t->ss;
	char			 text[INET6_ADDRSTRLEN];

	memset(t, 0, sizeof(*t));
	if (config_parse_addr(spec, &t->ss, &t->sslen) == -1)
		return -1;
	if (t->ss.ss_family == AF_UNIX)
		return -1;	/* unix:PATH: not read as an IPv4 address */
	if (t->ss.ss_family == AF_INET6) {
		if (sin6->sin6_port == 0)
			return -1;
		inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof(text));
		snprintf(t->name, sizeof(t->name), "[%s]:%u", text,
		    ntohs(sin6->sin6_port));
		return 0;
	}
	if (sin->sin_port == 0)
		return -1;
	if (sin->sin_addr.s_addr == htonl(INADDR_ANY))
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	inet_ntop(AF_INET, &sin->sin_addr, text, sizeof(text));
	snprintf(t->name, sizeof(t->name), "%s:%u", text,
	    ntohs(sin->sin_port));
	return 0;
}

static const char *
opt_name(int id)
{
	const struct option	*o;

	for (o = longopts; o->name != NULL; o++)
		if (o->val == id)
			return o->name;
	return "?";
}

static int
opt_mode(struct opts *o, enum mode m, int id, char *err, size_t errlen)
{
	if (o->mode != MODE_LIVE && o->mode != m)
		return stat_err(err, errlen, "--%s: --once, --json and "
		    "--watch-csv exclude each other", opt_name(id));
	o->mode = m;
	return 0;
}

/* 0 to run, 1 after --help or --version, -1 with a one-line reason. */
int
opt_parse(struct opts *o, int argc, char **argv, char *err, size_t errlen)
{
	int	 ch;

	memset(o, 0, sizeof(*o));
	o->mode = MODE_LIVE;
	o->interval = 1.0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":hV", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_ONCE:
			if (opt_mode(o, MODE_ONCE, ch, err, errlen) == -1)
				return -1;
			break;
		case OPT_JSON:
			if (opt_mode(o, MODE_JSON, ch, err, errlen) == -1)
				return -1;
			break;
		case OPT_WATCH_CSV:
		case OPT_INTERVAL:
			if (config_seconds(optarg, INTERVAL_MIN, INTERVAL_MAX,
			    &o->interval) == -1)
				return stat_err(err, errlen, "--%s: \"%s\" is "
				    "not a number of seconds in the range 0.1 "
				    "to 3600", opt_name(ch), optarg);
			if (ch == OPT_INTERVAL)
				o->interval_set = true;
			else if (opt_mode(o, MODE_CSV, ch, err, errlen) == -1)
				return -1;
			break;
		case 'h':
			opt_usage(stdout);
			return 1;
		case 'V':
			printf("poolserve-stat %s\n", PACKAGE_VERSION);
			return 1;
		case ':':
			if (optopt == OPT_WATCH_CSV || optopt == OPT_INTERVAL)
				return stat_err(err, errlen, "--%s: needs a "
				    "value in the range 0.1 to 3600",
				    opt_name(optopt));
			return stat_err(err, errlen, "--%s: needs a value",
			    opt_name(optopt));
		default:
			if (optopt != 0 && opt_name(optopt)[0] != '?' &&
			    strncmp(argv[optind - 1], "--", 2) == 0)
				return stat_err(err, errlen, "--%s: takes no "
				    "value", opt_name(optopt));
			if (optopt > ' ' && optopt < 0x7f)
				return stat_err(err, errlen, "unknown option -%c "
				    "(see poolserve-stat --help)", optopt);
			return stat_err(err, errlen, "unknown option %s (see "
			    "poolserve-stat --help)", argv[optind - 1]);
		}
	}
	if (o->interval_set && o->mode != MODE_LIVE)
		return stat_err(err, errlen, "--interval: only for the live view "
		    "(--watch-csv takes its own interval)");
	if (optind == argc)
		return stat_err(err, errlen, "missing addr:port (see "
		    "poolserve-stat --help)");
	if (optind + 1 < argc)
		return stat_err(err, errlen, "unexpected argument \"%s\" (see "
		    "poolserve-stat --help)", argv[optind + 1]);
	if (strlen(argv[optind]) > 128 ||
	    opt_target(argv[optind], &o->target) == -1)
		return stat_err(err, errlen, "addr:port: \"%.128s\" is not "
		    "ADDR:PORT with port 1 to 65535 (e.g. 127.0.0.1:9191, "
		    ":9191, [::1]:9191)", argv[optind]);
	return 0;
}
