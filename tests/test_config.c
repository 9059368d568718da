/*
 * Unit tests for config.c: config_parse on argv arrays, the bounded number
 * parsers and the --http address forms.  config_parse resets getopt, so
 * one process parses many command lines in turn.
 */
#include "config.h"

#include <arpa/inet.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "poolserve.h"
#include "unit.h"

#define ARGV_MAX	40

static struct config	cfg;
static char		errbuf[512];

/* The numeric options and their documented ranges (poolserve --help). */
static const struct {
	const char		*name;
	unsigned long long	 min, max;
} numopts[] = {
	{ "--processes",		1, 256 },
	{ "--threads",			1, 4096 },
	{ "--listen",			1, 65535 },
	{ "--queue",			0, 65535 },
	{ "--keepalive-timeout",	0, 3600 },
	{ "--read-timeout",		1, 3600 },
	{ "--request-grace",		10, 60000 },
	{ "--max-connections",		1, 1048576 },
	{ "--max-body-size",		0, 1073741824 },
};

/* Values that are not plain decimal numbers: always an error. */
static const char *const notnumbers[] = {
	"abc", "-1", "1x", "", " 5", "+5", "1e3", "99999999999999999999999",
	"0x10", "5 ", "1.0", "18446744073709551616",
};

#define CHECK_ERR_HAS(s) do {						\
	if (!CHECK(strstr(errbuf, (s)) != NULL))			\
		printf("\terr: \"%s\"\n", errbuf);			\
} while (0)

/* One line of printable text: the caller adds the newline. */
#define CHECK_ERR_ONE_LINE() do {					\
	CHECK(errbuf[0] != '\0');					\
	if (!CHECK(err_printable()))					\
		printf("\terr: \"%s\"\n", errbuf);			\
} while (0)

/*
 * Parse "poolserve" followed by the arguments up to NULL into the global
 * cfg, starting from the defaults as main() does.
 */
static enum config_result __attribute__((sentinel))
parse(const char *first, ...)
{
	char		*argv[ARGV_MAX + 2];
	const char	*a;
	va_list		 ap;
	int		 argc = 0;

	argv[argc++] = (char *)"poolserve";
	va_start(ap, first);
	for (a = first; a != NULL; a = va_arg(ap, const char *)) {
		if (argc > ARGV_MAX) {
			fprintf(stderr, "parse: too many arguments\n");
			abort();
		}
		argv[argc++] = (char *)a;
	}
	va_end(ap);
	argv[argc] = NULL;
	config_defaults(&cfg);
	memset(errbuf, 0, sizeof(errbuf));
	return config_parse(&cfg, argc, argv, errbuf, sizeof(errbuf));
}

static enum config_result
parse_none(void)
{
	char	*argv[] = { (char *)"poolserve", NULL };

	config_defaults(&cfg);
	memset(errbuf, 0, sizeof(errbuf));
	return config_parse(&cfg, 1, argv, errbuf, sizeof(errbuf));
}

static int
err_printable(void)
{
	const char	*s;

	for (s = errbuf; *s != '\0'; s++)
		if (!isprint((unsigned char)*s))
			return 0;
	return 1;
}

static unsigned long long
cfg_field(const char *name)
{
	if (strcmp(name, "--processes") == 0)
		return cfg.processes;
	if (strcmp(name, "--threads") == 0)
		return cfg.threads;
	if (strcmp(name, "--listen") == 0)
		return cfg.listen_backlog;
	if (strcmp(name, "--queue") == 0)
		return cfg.queue;
	if (strcmp(name, "--keepalive-timeout") == 0)
		return cfg.keepalive_timeout;
	if (strcmp(name, "--read-timeout") == 0)
		return cfg.read_timeout;
	if (strcmp(name, "--request-grace") == 0)
		return cfg.request_grace;
	if (strcmp(name, "--max-connections") == 0)
		return cfg.max_connections;
	if (strcmp(name, "--max-body-size") == 0)
		return cfg.max_body_size;
	fprintf(stderr, "cfg_field: %s?\n", name);
	abort();
}

static void
check_ipv4(const char *addr, unsigned port)
{
	const struct sockaddr_in	*sin = (const struct sockaddr_in *)
					    &cfg.http[0].addr;
	char				 text[INET_ADDRSTRLEN];

	if (!CHECK_EQ_INT(cfg.http[0].addr.ss_family, AF_INET))
		return;
	CHECK_EQ_INT(cfg.http[0].addrlen, sizeof(struct sockaddr_in));
	CHECK_EQ_INT(ntohs(sin->sin_port), port);
	CHECK(inet_ntop(AF_INET, &sin->sin_addr, text, sizeof(text)) != NULL);
	CHECK_EQ_STR(text, addr);
}

static void
test_defaults(void)
{
	CHECK_EQ_INT(parse_none(), CONFIG_OK);
	CHECK_EQ_INT(cfg.processes, 1);
	CHECK_EQ_INT(cfg.threads, 10);
	CHECK_EQ_INT(cfg.listen_backlog, 128);
	CHECK_EQ_INT(cfg.queue, 0);
	CHECK_EQ_INT(cfg.keepalive_timeout, 5);
	CHECK_EQ_INT(cfg.read_timeout, 30);
	CHECK_EQ_INT(cfg.request_grace, 50);
	CHECK_EQ_INT(cfg.max_connections, 1024);
	CHECK_EQ_INT(cfg.max_body_size, 1048576);
	CHECK_EQ_STR(cfg.http[0].spec, "127.0.0.1:8080");
	check_ipv4("127.0.0.1", 8080);
	CHECK_EQ_STR(cfg.access_log, "");
	CHECK(!cfg.disable_logging);
	CHECK(!cfg.check);
}

static void
test_numeric(void)
{
	char		 val[64], eq[128], range[64];
	size_t		 i, j;
	const char	*name;

	for (i = 0; i < sizeof(numopts) / sizeof(numopts[0]); i++) {
		name = numopts[i].name;
		snprintf(range, sizeof(range), "%llu to %llu",
		    numopts[i].min, numopts[i].max);

		/* The bounds themselves, as two words and as --name=value. */
		snprintf(val, sizeof(val), "%llu", numopts[i].min);
		CHECK_EQ_INT(parse(name, val, NULL), CONFIG_OK);
		CHECK_EQ_INT(cfg_field(name), numopts[i].min);
		snprintf(val, sizeof(val), "%llu", numopts[i].max);
		CHECK_EQ_INT(parse(name, val, NULL), CONFIG_OK);
		CHECK_EQ_INT(cfg_field(name), numopts[i].max);
		snprintf(eq, sizeof(eq), "%s=%llu", name, numopts[i].max);
		CHECK_EQ_INT(parse(eq, NULL), CONFIG_OK);
		CHECK_EQ_INT(cfg_field(name), numopts[i].max);

		/* One past each bound. */
		if (numopts[i].min > 0) {
			snprintf(val, sizeof(val), "%llu", numopts[i].min - 1);
			CHECK_EQ_INT(parse(name, val, NULL), CONFIG_ERROR);
			CHECK_ERR_HAS(name);
			CHECK_ERR_HAS(range);
			CHECK_ERR_HAS(val);
			CHECK_ERR_ONE_LINE();
		}
		snprintf(val, sizeof(val), "%llu", numopts[i].max + 1);
		CHECK_EQ_INT(parse(name, val, NULL), CONFIG_ERROR);
		CHECK_ERR_HAS(name);
		CHECK_ERR_HAS(range);
		CHECK_ERR_HAS(val);
		CHECK_ERR_ONE_LINE();
		snprintf(eq, sizeof(eq), "%s=%llu", name, numopts[i].max + 1);
		CHECK_EQ_INT(parse(eq, NULL), CONFIG_ERROR);
		CHECK_ERR_HAS(name);
		CHECK_ERR_HAS(range);

		for (j = 0; j < sizeof(notnumbers) / sizeof(notnumbers[0]);
		    j++) {
			if (!CHECK_EQ_INT(parse(name, notnumbers[j], NULL),
			    CONFIG_ERROR))
				printf("\t%s \"%s\"\n", name, notnumbers[j]);
			CHECK_ERR_HAS(name);
			CHECK_ERR_HAS(range);
			CHECK_ERR_ONE_LINE();
		}

		/* The option is last and has no value. */
		CHECK_EQ_INT(parse(name, NULL), CONFIG_ERROR);
		CHECK_ERR_HAS(name);
		CHECK_ERR_HAS(range);
		CHECK_ERR_ONE_LINE();
	}

	/* Several at once; a later one overrides an earlier one. */
	CHECK_EQ_INT(parse("--processes", "4", "--threads", "2", "--queue",
	    "8", "--threads", "3", NULL), CONFIG_OK);
	CHECK_EQ_INT(cfg.processes, 4);
	CHECK_EQ_INT(cfg.threads, 3);
	CHECK_EQ_INT(cfg.queue, 8);
	CHECK_EQ_INT(cfg.listen_backlog, 128);

	/* The first bad value is the one reported. */
	CHECK_EQ_INT(parse("--threads", "0", "--processes", "0", NULL),
	    CONFIG_ERROR);
	CHECK_ERR_HAS("--threads");
	CHECK(strstr(errbuf, "--processes") == NULL);
}

static void
test_flags(void)
{
	CHECK_EQ_INT(parse("--help", NULL), CONFIG_HELP);
	CHECK_EQ_INT(parse("-h", NULL), CONFIG_HELP);
	CHECK_EQ_INT(parse("--threads", "4", "--help", NULL), CONFIG_HELP);
	CHECK_EQ_INT(parse("--version", NULL), CONFIG_VERSION);
	CHECK_EQ_INT(parse("-V", NULL), CONFIG_VERSION);

	CHECK_EQ_INT(parse("-t", NULL), CONFIG_OK);
	CHECK(cfg.check);
	CHECK_EQ_INT(parse("--check", NULL), CONFIG_OK);
	CHECK(cfg.check);
	CHECK_EQ_INT(parse("--threads", "2", "-t", NULL), CONFIG_OK);
	CHECK(cfg.check);
	CHECK_EQ_INT(cfg.threads, 2);

	CHECK_EQ_INT(parse("--disable-logging", NULL), CONFIG_OK);
	CHECK(cfg.disable_logging);
}

static void
test_bad_usage(void)
{
	/* Unknown options, long and short, named in the message. */
	CHECK_EQ_INT(parse("--nope", NULL), CONFIG_ERROR);
	CHECK_ERR_HAS("--nope");
	CHECK_ERR_ONE_LINE();
	CHECK_EQ_INT(parse("--nope=3", NULL), CONFIG_ERROR);
	CHECK_ERR_HAS("--nope");
	CHECK_EQ_INT(parse("-x", NULL), CONFIG_ERROR);
	CHECK_ERR_HAS("-x");
	CHECK_ERR_ONE_LINE();
	CHECK_EQ_INT(parse("--threads", "4", "-q", NULL), CONFIG_ERROR);
	CHECK_ERR_HAS("-q");

	/* Positional arguments, before or after the options. */
	CHECK_EQ_INT(parse("extra", NULL), CONFIG_ERROR);
	CHECK_ERR_HAS("extra");
	CHECK_ERR_ONE_LINE();
	CHECK_EQ_INT(parse("--threads", "4", "extra", NULL), CONFIG_ERROR);
	CHECK_ERR_HAS("extra");
	CHECK_EQ_INT(parse("stray", "--threads", "4", NULL), CONFIG_ERROR);
	CHECK_ERR_HAS("stray");
	CHECK_EQ_INT(parse("--", "late", NULL), CONFIG_ERROR);
	CHECK_ERR_HAS("late");

	/* Options without a value, other than the numeric ones. */
	CHECK_EQ_INT(parse("--http", NULL), CONFIG_ERROR);
	CHECK_ERR_HAS("--http");
	CHECK_ERR_ONE_LINE();
	CHECK_EQ_INT(parse("--access-log", NULL), CONFIG_ERROR);
	CHECK_ERR_HAS("--access-log");

	/*
	 * A flag given a value: the message must name the long option, not
	 * a short letter the user never typed or a raw byte.
	 */
	CHECK_EQ_INT(parse("--check=1", NULL), CONFIG_ERROR);
	CHECK_ERR_HAS("--check");
	CHECK_ERR_ONE_LINE();
	CHECK_EQ_INT(parse("--disable-logging=yes", NULL), CONFIG_ERROR);
	CHECK_ERR_HAS("--disable-logging");
	CHECK_ERR_ONE_LINE();
}

static void
test_access_log(void)
{
	char	 name[sizeof(cfg.access_log) + 1];

	CHECK_EQ_INT(parse("--access-log", "-", NULL), CONFIG_OK);
	CHECK_EQ_STR(cfg.access_log, "-");
	CHECK_EQ_INT(parse("--access-log", "/tmp/a.log", NULL), CONFIG_OK);
	CHECK_EQ_STR(cfg.access_log, "/tmp/a.log");

	CHECK_EQ_INT(parse("--access-log", "", NULL), CONFIG_ERROR);
	CHECK_ERR_HAS("--access-log");
	CHECK_ERR_ONE_LINE();
	CHECK_EQ_INT(parse("--access-log=", NULL), CONFIG_ERROR);
	CHECK_ERR_HAS("--access-log");

	/* The longest name that fits, and one byte more. */
	memset(name, 'a', sizeof(cfg.access_log) - 1);
	name[sizeof(cfg.access_log) - 1] = '\0';
	CHECK_EQ_INT(parse("--access-log", name, NULL), CONFIG_OK);
	CHECK_EQ_INT(strlen(cfg.access_log), sizeof(cfg.access_log) - 1);
	memset(name, 'a', sizeof(cfg.access_log));
	name[sizeof(cfg.access_log)] = '\0';
	CHECK_EQ_INT(parse("--access-log", name, NULL), CONFIG_ERROR);
	CHECK_ERR_HAS("--access-log");
}

static void
test_http(void)
{
	const struct sockaddr_in6	*sin6;
	char				 text[INET6_ADDRSTRLEN];
	char				 longspec[300];
	static const char *const	 bad[] = {
		"1.2.3:4", "127.0.0.1", "127.0.0.1:65536", "[::1:80", "[]:80",
		"host:80", "", ":", "127.0.0.1:", "127.0.0.1:-1",
		"127.0.0.1:+80", "127.0.0.1: 80", "127.0.0.1:80x", "::1:80",
		"[::1]80", "[::1]x:80", "[127.0.0.1]:80", "256.0.0.1:80",
		"LOCALHOST:80",
	};
	size_t				 i;

	CHECK_EQ_INT(parse("--http", "127.0.0.1:8080", NULL), CONFIG_OK);
	CHECK_EQ_STR(cfg.http[0].spec, "127.0.0.1:8080");
	check_ipv4("127.0.0.1", 8080);

	CHECK_EQ_INT(parse("--http", "10.1.2.3:81", NULL), CONFIG_OK);
	CHECK_EQ_STR(cfg.http[0].spec, "10.1.2.3:81");
	check_ipv4("10.1.2.3", 81);

	CHECK_EQ_INT(parse("--http", ":8080", NULL), CONFIG_OK);
	CHECK_EQ_STR(cfg.http[0].spec, ":8080");
	check_ipv4("0.0.0.0", 8080);
	CHECK_EQ_INT(((struct sockaddr_in *)&cfg.http[0].addr)->sin_addr.s_addr,
	    htonl(INADDR_ANY));

	CHECK_EQ_INT(parse("--http", "localhost:9", NULL), CONFIG_OK);
	check_ipv4("127.0.0.1", 9);

	CHECK_EQ_INT(parse("--http", "127.0.0.1:0", NULL), CONFIG_OK);
	check_ipv4("127.0.0.1", 0);
	CHECK_EQ_INT(parse("--http=127.0.0.1:65535", NULL), CONFIG_OK);
	check_ipv4("127.0.0.1", 65535);

	CHECK_EQ_INT(parse("--http", "[::1]:8080", NULL), CONFIG_OK);
	CHECK_EQ_STR(cfg.http[0].spec, "[::1]:8080");
	sin6 = (const struct sockaddr_in6 *)&cfg.http[0].addr;
	if (CHECK_EQ_INT(cfg.http[0].addr.ss_family, AF_INET6)) {
		CHECK_EQ_INT(cfg.http[0].addrlen, sizeof(struct sockaddr_in6));
		CHECK_EQ_INT(ntohs(sin6->sin6_port), 8080);
		CHECK(memcmp(&sin6->sin6_addr, &in6addr_loopback,
		    sizeof(in6addr_loopback)) == 0);
	}

	CHECK_EQ_INT(parse("--http", "[::ffff:10.0.0.1]:1", NULL), CONFIG_OK);
	if (CHECK_EQ_INT(cfg.http[0].addr.ss_family, AF_INET6)) {
		CHECK(inet_ntop(AF_INET6, &sin6->sin6_addr, text,
		    sizeof(text)) != NULL);
		CHECK_EQ_STR(text, "::ffff:10.0.0.1");
		CHECK_EQ_INT(ntohs(sin6->sin6_port), 1);
	}

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (!CHECK_EQ_INT(parse("--http", bad[i], NULL),
		    CONFIG_ERROR))
			printf("\t--http \"%s\"\n", bad[i]);
		CHECK_ERR_HAS("--http");
		CHECK_ERR_HAS(bad[i]);
		CHECK_ERR_ONE_LINE();
	}

	/* Longer than cfg.http can hold, however valid the rest. */
	memset(longspec, '0', sizeof(longspec));
	memcpy(longspec, "127.0.0.1:", 10);
	longspec[sizeof(longspec) - 1] = '\0';
	CHECK_EQ_INT(parse("--http", longspec, NULL), CONFIG_ERROR);
	CHECK_ERR_HAS("--http");
}

static void
test_config_number(void)
{
	unsigned long long	 v;

	v = 42;
	CHECK_EQ_INT(config_number("0", 0, 10, &v), 0);
	CHECK_EQ_INT(v, 0);
	CHECK_EQ_INT(config_number("10", 0, 10, &v), 0);
	CHECK_EQ_INT(v, 10);
	CHECK_EQ_INT(config_number("5", 5, 5, &v), 0);
	CHECK_EQ_INT(v, 5);
	CHECK_EQ_INT(config_number("007", 0, 10, &v), 0);
	CHECK_EQ_INT(v, 7);
	CHECK_EQ_INT(config_number("18446744073709551615", 0, ULLONG_MAX, &v),
	    0);
	CHECK(v == ULLONG_MAX);

	v = 42;
	CHECK_EQ_INT(config_number("11", 0, 10, &v), -1);
	CHECK_EQ_INT(config_number("4", 5, 10, &v), -1);
	CHECK_EQ_INT(config_number(NULL, 0, 10, &v), -1);
	CHECK_EQ_INT(config_number("", 0, 10, &v), -1);
	CHECK_EQ_INT(config_number("-1", 0, 10, &v), -1);
	CHECK_EQ_INT(config_number("-0", 0, 10, &v), -1);
	CHECK_EQ_INT(config_number("+5", 0, 10, &v), -1);
	CHECK_EQ_INT(config_number(" 5", 0, 10, &v), -1);
	CHECK_EQ_INT(config_number("5 ", 0, 10, &v), -1);
	CHECK_EQ_INT(config_number("1x", 0, 10, &v), -1);
	CHECK_EQ_INT(config_number("1e1", 0, 100, &v), -1);
	CHECK_EQ_INT(config_number("0x10", 0, 100, &v), -1);
	CHECK_EQ_INT(config_number("1.5", 0, 10, &v), -1);
	CHECK_EQ_INT(config_number("18446744073709551616", 0, ULLONG_MAX, &v),
	    -1);
	CHECK_EQ_INT(config_number("99999999999999999999999", 0, ULLONG_MAX,
	    &v), -1);
	CHECK_EQ_INT(v, 42);		/* untouched on error */
}

/*
 * config_seconds: "a decimal number of seconds such as 0.25 or 3", no
 * signs, exponents, inf or nan.  Read strictly: digits, then at most one
 * '.' with digits on both sides, as a JSON number would have it.  "1."
 * and ".5" are therefore errors.
 */
static void
test_config_seconds(void)
{
	static const char *const	 bad[] = {
		"", ".", "-1", "+1", "1e2", "1E2", "inf", "nan", "infinity",
		"0x10", " 1", "1 ", "1.2.3", "..5", "1..", "1,5", "-0.5",
	};
	double				 v;
	size_t				 i;

	v = -1;
	CHECK_EQ_INT(config_seconds("0.25", 0, 10, &v), 0);
	CHECK(v == 0.25);
	CHECK_EQ_INT(config_seconds("3", 0, 10, &v), 0);
	CHECK(v == 3);
	CHECK_EQ_INT(config_seconds("0", 0, 10, &v), 0);
	CHECK(v == 0);
	CHECK_EQ_INT(config_seconds("10", 0, 10, &v), 0);
	CHECK(v == 10);
	CHECK_EQ_INT(config_seconds("10.000", 0, 10, &v), 0);
	CHECK(v == 10);
	CHECK_EQ_INT(config_seconds("007.5", 0, 10, &v), 0);
	CHECK(v == 7.5);

	v = 42;
	CHECK_EQ_INT(config_seconds("10.001", 0, 10, &v), -1);
	CHECK_EQ_INT(config_seconds("0.5", 1, 10, &v), -1);
	CHECK_EQ_INT(config_seconds(NULL, 0, 10, &v), -1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!CHECK_EQ_INT(config_seconds(bad[i], 0, 1e9, &v), -1))
			printf("\tconfig_seconds(\"%s\")\n", bad[i]);
	CHECK(v == 42);			/* untouched on error */

	/* The strict reading: a '.' needs digits on both sides. */
	if (!CHECK_EQ_INT(config_seconds("1.", 0, 10, &v), -1))
		printf("\tconfig_seconds(\"1.\") accepted\n");
	if (!CHECK_EQ_INT(config_seconds(".5", 0, 10, &v), -1))
		printf("\tconfig_seconds(\".5\") accepted\n");
}

/* getopt is re-initialised on every call: the same process parses again. */
static void
test_repeat(void)
{
	char	 val[16];
	int	 i, bad = 0;

	for (i = 0; i < 1000; i++) {
		snprintf(val, sizeof(val), "%d", i % 4096 + 1);
		switch (i % 5) {
		case 0:
			if (parse("--threads", val, "-t", NULL) != CONFIG_OK ||
			    cfg.threads != (unsigned)(i % 4096 + 1) ||
			    !cfg.check)
				bad++;
			break;
		case 1:
			if (parse("--threads", "abc", NULL) != CONFIG_ERROR ||
			    strstr(errbuf, "--threads") == NULL)
				bad++;
			break;
		case 2:
			/* Stops inside a cluster: -V must not leak on. */
			if (parse("-hV", NULL) != CONFIG_HELP)
				bad++;
			break;
		case 3:
			if (parse("-t", NULL) != CONFIG_OK || !cfg.check ||
			    cfg.threads != 10)
				bad++;
			break;
		case 4:
			if (parse("stray", "--queue", val, NULL) !=
			    CONFIG_ERROR || strstr(errbuf, "stray") == NULL)
				bad++;
			break;
		}
	}
	CHECK_EQ_INT(bad, 0);

	/* After an error part-way through, a clean parse from the start. */
	CHECK_EQ_INT(parse("--threads", "abc", "--processes", "2", NULL),
	    CONFIG_ERROR);
	CHECK_EQ_INT(parse("--processes", "2", NULL), CONFIG_OK);
	CHECK_EQ_INT(cfg.processes, 2);
	CHECK_EQ_INT(cfg.threads, 10);
	CHECK_EQ_INT(parse("-V", NULL), CONFIG_VERSION);
	CHECK_EQ_INT(parse_none(), CONFIG_OK);
}

/* Several --http, unix: sockets, --chmod-socket, identity options. */
static void
test_sockets(void)
{
	const struct sockaddr_un	*sun;
	char				 longpath[200];

	CHECK_EQ_INT(parse("--http", "127.0.0.1:1", "--http", "[::1]:2",
	    "--http", "unix:/tmp/p.sock", NULL), CONFIG_OK);
	CHECK_EQ_INT(cfg.nhttp, 3);
	CHECK_EQ_STR(cfg.http[1].spec, "[::1]:2");
	CHECK_EQ_INT(cfg.http[1].addr.ss_family, AF_INET6);
	sun = (const struct sockaddr_un *)&cfg.http[2].addr;
	CHECK_EQ_INT(sun->sun_family, AF_UNIX);
	CHECK_EQ_STR(sun->sun_path, "/tmp/p.sock");
	CHECK_EQ_INT(cfg.http[2].addrlen,
	    offsetof(struct sockaddr_un, sun_path) + 12);

	/* the default socket is replaced, not added to */
	CHECK_EQ_INT(parse("--http", "unix:rel.sock", NULL), CONFIG_OK);
	CHECK_EQ_INT(cfg.nhttp, 1);
	CHECK_EQ_STR(cfg.http[0].spec, "unix:rel.sock");

	CHECK_EQ_INT(parse("--http", "unix:", NULL), CONFIG_ERROR);
	CHECK(strstr(errbuf, "unix:PATH") != NULL);
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	memcpy(longpath, "unix:/", 6);
	CHECK_EQ_INT(parse("--http", longpath, NULL), CONFIG_ERROR);

	CHECK_EQ_INT(parse("--http", "1.1.1.1:1", "--http", "1.1.1.1:2",
	    "--http", "1.1.1.1:3", "--http", "1.1.1.1:4", "--http", "1.1.1.1:5",
	    "--http", "1.1.1.1:6", "--http", "1.1.1.1:7", "--http", "1.1.1.1:8",
	    "--http", "1.1.1.1:9", "--http", "1.1.1.1:10", "--http",
	    "1.1.1.1:11", "--http", "1.1.1.1:12", "--http", "1.1.1.1:13",
	    "--http", "1.1.1.1:14", "--http", "1.1.1.1:15", "--http",
	    "1.1.1.1:16", NULL), CONFIG_OK);
	CHECK_EQ_INT(cfg.nhttp, 16);
	CHECK_EQ_INT(parse("--http", "1.1.1.1:1", "--http", "1.1.1.1:2",
	    "--http", "1.1.1.1:3", "--http", "1.1.1.1:4", "--http", "1.1.1.1:5",
	    "--http", "1.1.1.1:6", "--http", "1.1.1.1:7", "--http", "1.1.1.1:8",
	    "--http", "1.1.1.1:9", "--http", "1.1.1.1:10", "--http",
	    "1.1.1.1:11", "--http", "1.1.1.1:12", "--http", "1.1.1.1:13",
	    "--http", "1.1.1.1:14", "--http", "1.1.1.1:15", "--http",
	    "1.1.1.1:16", "--http", "1.1.1.1:17", NULL), CONFIG_ERROR);
	CHECK(strstr(errbuf, "at most 16") != NULL);

	CHECK_EQ_INT(parse("--http", "unix:/x", "--chmod-socket", "660", NULL),
	    CONFIG_OK);
	CHECK(cfg.chmod_set);
	CHECK_EQ_INT(cfg.chmod_socket, 0660);
	CHECK_EQ_INT(parse("--http", "unix:/x", "--chmod-socket", "0777",
	    NULL), CONFIG_OK);
	CHECK_EQ_INT(cfg.chmod_socket, 0777);
	CHECK_EQ_INT(parse("--http", "unix:/x", "--chmod-socket", "8", NULL),
	    CONFIG_ERROR);
	CHECK(strstr(errbuf, "--chmod-socket") != NULL);
	CHECK_EQ_INT(parse("--http", "unix:/x", "--chmod-socket", "1777",
	    NULL), CONFIG_ERROR);
	CHECK_EQ_INT(parse("--chmod-socket", "660", NULL), CONFIG_ERROR);
	CHECK(strstr(errbuf, "unix:PATH") != NULL);

	CHECK_EQ_INT(parse("--reuse-port", "--user", "nobody", "--group",
	    "nogroup", "--allow-root", NULL), CONFIG_OK);
	CHECK(cfg.reuse_port && cfg.allow_root);
	CHECK_EQ_STR(cfg.user, "nobody");
	CHECK_EQ_STR(cfg.group, "nogroup");
	CHECK_EQ_INT(parse("--user", "", NULL), CONFIG_ERROR);
	CHECK(strstr(errbuf, "--user") != NULL);

	/* the stats server speaks TCP only (poolserve-stat, Prometheus) */
	CHECK_EQ_INT(parse("--stats", "unix:/tmp/s.sock", NULL), CONFIG_ERROR);
	CHECK(strstr(errbuf, "a unix: socket is not supported") != NULL);

	/* --agent: any TCP address (the line holds nothing private) */
	CHECK_EQ_INT(parse("--agent", "10.0.0.11:9192", NULL), CONFIG_OK);
	CHECK_EQ_STR(cfg.agent, "10.0.0.11:9192");
	CHECK_EQ_INT(cfg.agent_addr.ss_family, AF_INET);
	CHECK_EQ_INT(parse_none(), CONFIG_OK);
	CHECK_EQ_STR(cfg.agent, "");
	CHECK_EQ_INT(parse("--agent", "unix:/tmp/a.sock", NULL), CONFIG_ERROR);
	CHECK(strstr(errbuf, "--agent") != NULL);
	CHECK_EQ_INT(parse("--agent", "10.0.0.11:65536", NULL), CONFIG_ERROR);
	CHECK(strstr(errbuf, "--agent") != NULL);
}

static void
test_https(void)
{
	static const char *const	 bad[] = {
		"127.0.0.1:8443", "127.0.0.1:8443,/c.pem", "127.0.0.1:8443,,/k",
		"127.0.0.1:8443,/c.pem,", "unix:/x,/c,/k", "host:1,/c,/k",
		"127.0.0.1:70000,/c,/k",
	};
	size_t				 i;

	/* --https alone: HTTPS only, no default --http */
	CHECK_EQ_INT(parse("--https", "127.0.0.1:8443,/c.pem,/k,ey.pem",
	    NULL), CONFIG_OK);
	CHECK_EQ_INT(cfg.nhttp, 0);
	CHECK_EQ_INT(cfg.nhttps, 1);
	CHECK_EQ_STR(cfg.https[0].http.spec, "127.0.0.1:8443");
	CHECK_EQ_STR(cfg.https[0].cert, "/c.pem");
	CHECK_EQ_STR(cfg.https[0].key, "/k,ey.pem");	/* after 2 commas */
	CHECK_EQ_STR(cfg.tls_priority, CONFIG_TLS_PRIORITY);
	CHECK(strstr(cfg.tls_priority, "-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2")
	    != NULL);

	CHECK_EQ_INT(parse("--http", ":8080", "--https", "[::1]:8443,/c,/k",
	    "--https", ":8444,/c2,/k2", "--tls-priority", "SECURE256",
	    "--tls-client-ca", "/ca.pem", NULL), CONFIG_OK);
	CHECK_EQ_INT(cfg.nhttp, 1);
	CHECK_EQ_INT(cfg.nhttps, 2);
	CHECK_EQ_INT(cfg.https[0].http.addr.ss_family, AF_INET6);
	CHECK_EQ_STR(cfg.https[1].cert, "/c2");
	CHECK_EQ_STR(cfg.tls_priority, "SECURE256");
	CHECK_EQ_STR(cfg.tls_client_ca, "/ca.pem");

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (!CHECK_EQ_INT(parse("--https", bad[i], NULL),
		    CONFIG_ERROR))
			printf("\t--https \"%s\"\n", bad[i]);
		CHECK_ERR_HAS("--https");
		CHECK_ERR_ONE_LINE();
	}
	CHECK_EQ_INT(parse("--https", ":8443,/c,/k", "--https", ":8443,/d,/e",
	    NULL), CONFIG_ERROR);
	CHECK_ERR_HAS("given twice");
	CHECK_EQ_INT(parse("--http", "127.0.0.1:8443", "--https",
	    "127.0.0.1:8443,/c,/k", NULL), CONFIG_ERROR);
	CHECK_ERR_HAS("an --http socket already");
	CHECK_EQ_INT(parse("--tls-client-ca", "/ca.pem", NULL), CONFIG_ERROR);
	CHECK_ERR_HAS("--tls-client-ca: needs an --https socket");
	CHECK_EQ_INT(parse("--tls-priority", "NORMAL", NULL), CONFIG_ERROR);
	CHECK_ERR_HAS("--tls-priority: needs an --https socket");
	CHECK_EQ_INT(parse("--https", ":1,/c,/k", "--tls-priority", "", NULL),
	    CONFIG_ERROR);
	CHECK_ERR_HAS("--tls-priority");
}

int
main(void)
{
	test_defaults();
	test_numeric();
	test_flags();
	test_bad_usage();
	test_access_log();
	test_http();
	test_config_number();
	test_config_seconds();
	test_repeat();
	test_sockets();
	test_https();
	return unit_done();
}
