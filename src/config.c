/*
 * Command line: one struct config filled by getopt_long, every number read
 * by a bounded parser.  Nothing here exits or prints: errors come back as
 * one line in err, so the parser can be unit tested.
 */
#include "config.h"

#include <arpa/inet.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "poolserve.h"

enum {
	OPT_HTTP = 256,
	OPT_PROCESSES,
	OPT_THREADS,
	OPT_LISTEN,
	OPT_QUEUE,
	OPT_KEEPALIVE,
	OPT_READ_TIMEOUT,
	OPT_GRACE,
	OPT_MAX_CONN,
	OPT_MAX_BODY,
	OPT_MAX_HEADER,
	OPT_QUEUE_WARN,
	OPT_MAX_WAIT,
	OPT_SHUTDOWN_TIMEOUT,
	OPT_MAX_REQUESTS,
	OPT_MAX_REQUESTS_JITTER,
	OPT_HARAKIRI,
	OPT_HARAKIRI_GRACE,
	OPT_PIDFILE,
	OPT_CHDIR,
	OPT_CONFIG,
	OPT_ACCESS_LOG,
	OPT_DISABLE_LOGGING,
	OPT_STATS,
	OPT_STATS_REMOTE,
	OPT_AGENT,
	OPT_CHMOD_SOCKET,
	OPT_REUSE_PORT,
	OPT_USER,
	OPT_GROUP,
	OPT_ALLOW_ROOT,
	OPT_MOUNT,
	OPT_MODULE,
	OPT_STATIC_MAP,
	OPT_STATIC_HIDDEN,
	OPT_WSGI,
	OPT_WSGI_FILE,
	OPT_PYTHONPATH,
	OPT_VIRTUALENV,
	OPT_PRELOAD,
	OPT_HTTPS,
	OPT_TLS_PRIORITY,
	OPT_TLS_CLIENT_CA,
};

static const struct option longopts[] = {
	{ "http",		required_argument, NULL, OPT_HTTP },
	{ "processes",		required_argument, NULL, OPT_PROCESSES },
	{ "threads",		required_argument, NULL, OPT_THREADS },
	{ "listen",		required_argument, NULL, OPT_LISTEN },
	{ "queue",		required_argument, NULL, OPT_QUEUE },
	{ "keepalive-timeout",	required_argument, NULL, OPT_KEEPALIVE },
	{ "read-timeout",	required_argument, NULL, OPT_READ_TIMEOUT },
	{ "request-grace",	required_argument, NULL, OPT_GRACE },
	{ "max-connections",	required_argument, NULL, OPT_MAX_CONN },
	{ "max-body-size",	required_argument, NULL, OPT_MAX_BODY },
	{ "max-header-size",	required_argument, NULL, OPT_MAX_HEADER },
	{ "queue-warn",		required_argument, NULL, OPT_QUEUE_WARN },
	{ "max-wait",		required_argument, NULL, OPT_MAX_WAIT },
	{ "shutdown-timeout",	required_argument, NULL, OPT_SHUTDOWN_TIMEOUT },
	{ "max-requests",	required_argument, NULL, OPT_MAX_REQUESTS },
	{ "max-requests-jitter", required_argument, NULL,
	    OPT_MAX_REQUESTS_JITTER },
	{ "harakiri",		required_argument, NULL, OPT_HARAKIRI },
	{ "harakiri-grace",	required_argument, NULL, OPT_HARAKIRI_GRACE },
	{ "pidfile",		required_argument, NULL, OPT_PIDFILE },
	{ "chdir",		required_argument, NULL, OPT_CHDIR },
	{ "config",		required_argument, NULL, OPT_CONFIG },
	{ "access-log",		required_argument, NULL, OPT_ACCESS_LOG },
	{ "disable-logging",	no_argument,	   NULL, OPT_DISABLE_LOGGING },
	{ "stats",		required_argument, NULL, OPT_STATS },
	{ "stats-allow-remote",	no_argument,	   NULL, OPT_STATS_REMOTE },
	{ "agent",		required_argument, NULL, OPT_AGENT },
	{ "chmod-socket",	required_argument, NULL, OPT_CHMOD_SOCKET },
	{ "reuse-port",		no_argument,	   NULL, OPT_REUSE_PORT },
	{ "user",		required_argument, NULL, OPT_USER },
	{ "group",		required_argument, NULL, OPT_GROUP },
	{ "allow-root",		no_argument,	   NULL, OPT_ALLOW_ROOT },
	{ "mount",		required_argument, NULL, OPT_MOUNT },
	{ "module",		required_argument, NULL, OPT_MODULE },
	{ "static-map",		required_argument, NULL, OPT_STATIC_MAP },
	{ "static-hidden",	no_argument,	   NULL, OPT_STATIC_HIDDEN },
	{ "wsgi",		required_argument, NULL, OPT_WSGI },
	{ "wsgi-file",		required_argument, NULL, OPT_WSGI_FILE },
	{ "pythonpath",		required_argument, NULL, OPT_PYTHONPATH },
	{ "virtualenv",		required_argument, NULL, OPT_VIRTUALENV },
	{ "preload",		no_argument,	   NULL, OPT_PRELOAD },
	{ "https",		required_argument, NULL, OPT_HTTPS },
	{ "tls-priority",	required_argument, NULL, OPT_TLS_PRIORITY },
	{ "tls-client-ca",	required_argument, NULL, OPT_TLS_CLIENT_CA },
	{ "check",		no_argument,	   NULL, 't' },
	{ "version",		no_argument,	   NULL, 'V' },
	{ "help",		no_argument,	   NULL, 'h' },
	{ NULL,			0,		   NULL, 0 }
};

/* The numeric options: where each value goes and what it may be. */
struct numopt {
	int			 id;
	const char		*name;
	unsigned long long	 min, max;
	size_t			 offset;
	bool			 is_ulong;
};

static const struct numopt numopts[] = {
	{ OPT_PROCESSES, "--processes", 1, 256,
	    offsetof(struct config, processes), false },
	{ OPT_THREADS, "--threads", 1, 4096,
	    offsetof(struct config, threads), false },
	{ OPT_LISTEN, "--listen", 1, 65535,
	    offsetof(struct config, listen_backlog), false },
	{ OPT_QUEUE, "--queue", 0, 65535,
	    offsetof(struct config, queue), false },
	{ OPT_KEEPALIVE, "--keepalive-timeout", 0, 3600,
	    offsetof(struct config, keepalive_timeout), false },
	{ OPT_READ_TIMEOUT, "--read-timeout", 1, 3600,
	    offsetof(struct config, read_timeout), false },
	{ OPT_GRACE, "--request-grace", 10, 60000,
	    offsetof(struct config, request_grace), false },
	{ OPT_MAX_CONN, "--max-connections", 1, 1048576,
	    offsetof(struct config, max_connections), false },
	{ OPT_MAX_BODY, "--max-body-size", 0, 1073741824,
	    offsetof(struct config, max_body_size), true },
	{ OPT_MAX_HEADER, "--max-header-size", 1024, 1048576,
	    offsetof(struct config, max_header_size), false },
	{ OPT_QUEUE_WARN, "--queue-warn", 0, 3600000,
	    offsetof(struct config, queue_warn), false },
	{ OPT_MAX_WAIT, "--max-wait", 0, 3600000,
	    offsetof(struct config, max_wait), false },
	{ OPT_SHUTDOWN_TIMEOUT, "--shutdown-timeout", 1, 3600,
	    offsetof(struct config, shutdown_timeout), false },
	{ OPT_MAX_REQUESTS, "--max-requests", 0, 1000000000,
	    offsetof(struct config, max_requests), false },
	{ OPT_MAX_REQUESTS_JITTER, "--max-requests-jitter", 0, 1000000000,
	    offsetof(struct config, max_requests_jitter), false },
	{ OPT_HARAKIRI, "--harakiri", 0, 86400,
	    offsetof(struct config, harakiri), false },
	{ OPT_HARAKIRI_GRACE, "--harakiri-grace", 1, 3600,
	    offsetof(struct config, harakiri_grace), false },
};

void
config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->http[0].spec, "127.0.0.1:8080");
	(void)config_parse_addr(cfg->http[0].spec, &cfg->http[0].addr,
	    &cfg->http[0].addrlen);
	cfg->nhttp = 1;
	cfg->processes = 1;
	cfg->threads = 10;
	cfg->listen_backlog = 128;
	cfg->queue = 0;
	cfg->keepalive_timeout = 5;
	cfg->read_timeout = 30;
	cfg->request_grace = 50;
	cfg->max_connections = 1024;
	cfg->max_body_size = 1048576;
	cfg->max_header_size = 16384;
	cfg->queue_warn = 1000;
	cfg->shutdown_timeout = 30;
	cfg->harakiri_grace = 3;
	strcpy(cfg->tls_priority, CONFIG_TLS_PRIORITY);
}

/*
 * strtonum(3) for the unsigned range: 0 and *out on success, -1 when s is
 * not a plain decimal number or lies outside min..max.
 */
int
config_number(const char *s, unsigned long long min, unsigned long long max,
    unsigned long long *out)
{
	unsigned long long	 v;
	char			*end;

	if (s == NULL || !isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* A decimal number of seconds such as "0.25" or "3", within min..max. */
int
config_seconds(const char *s, double min, double max, double *out)
{
	double	 v;
	char	*end;
	size_t	 i;

	if (s == NULL || s[0] == '\0')
		return -1;
	/* digits, then optionally '.' and digits: no signs, exponents, inf */
	for (i = 0; isdigit((unsigned char)s[i]); i++)
		;
	if (i == 0)
		return -1;
	if (s[i] == '.') {
		if (!isdigit((unsigned char)s[++i]))
			return -1;
		while (isdigit((unsigned char)s[i]))
			i++;
	}
	if (s[i] != '\0')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v) || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* An octal file mode, 0 to 0777 (uWSGI's --chmod-socket=660). */
static int
config_mode(const char *s, unsigned *out)
{
	unsigned	 v = 0;
	size_t		 i;

	if (s[0] == '\0' || strlen(s) > 4)
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '7')
			return -1;
		v = v * 8 + (unsigned)(s[i] - '0');
	}
	if (v > 0777)
		return -1;
	*out = v;
	return 0;
}

/*
 * ADDR:PORT, :PORT (all IPv4 addresses), [V6ADDR]:PORT, localhost:PORT or
 * unix:PATH.  Port 0 lets the kernel choose; poolserve logs the port it got.
 */
int
config_parse_addr(const char *spec, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;
	unsigned long long	 port;
	const char		*colon;
	char			 host[INET6_ADDRSTRLEN + 2];
	size_t			 hlen;

	if (strncmp(spec, "unix:", 5) == 0) {
		struct sockaddr_un	*sun = (struct sockaddr_un *)ss;
		size_t			 plen = strlen(spec + 5);

		if (plen == 0 || plen >= sizeof(sun->sun_path))
			return -1;
		memset(ss, 0, sizeof(*ss));
		sun->sun_family = AF_UNIX;
		memcpy(sun->sun_path, spec + 5, plen + 1);
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
		    plen + 1);
		return 0;
	}
	colon = strrchr(spec, ':');
	if (colon == NULL || config_number(colon + 1, 0, 65535, &port) == -1)
		return -1;
	hlen = (size_t)(colon - spec);
	if (hlen >= sizeof(host))
		return -1;
	memcpy(host, spec, hlen);
	host[hlen] = '\0';

	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[') {
		if (hlen < 3 || host[hlen - 1] != ']')
			return -1;
		host[hlen - 1] = '\0';
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host + 1, &sin6->sin6_addr) != 1)
			return -1;
		*len = sizeof(*sin6);
		return 0;
	}
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	if (host[0] == '\0')
		sin->sin_addr.s_addr = htonl(INADDR_ANY);
	else if (strcmp(host, "localhost") == 0)
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		return -1;
	*len = sizeof(*sin);
	return 0;
}

/* An IP address with port 0: the kernel picks a port. */
static bool
config_port0(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)(const void *)ss)->
		    sin_port == 0;
	return ss->ss_family == AF_INET6 &&
	    ((const struct sockaddr_in6 *)(const void *)ss)->sin6_port == 0;
}

/* 127.0.0.0/8, ::1 or a unix socket */
static bool
config_is_loopback(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in	*sin = (const void *)ss;
	const struct sockaddr_in6	*sin6 = (const void *)ss;

	if (ss->ss_family == AF_UNIX)
		return true;
	if (ss->ss_family == AF_INET)
		return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	return ss->ss_family == AF_INET6 &&
	    IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr);
}

static int
config_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return CONFIG_ERROR;
}

/* The kinds of application app.c knows (config.c links without it). */
static const char *const config_kinds[] = { "lab", "static", "module",
    "wsgi" };

/*
 * One application at a prefix: "/prefix=KIND[:ARG]" for --mount,
 * "/url=DIR" for --static-map (kind "static"), "PATH" for --module
 * (kind "module" at /), "MODULE[:CALLABLE]" or "FILE.py" for --wsgi and
 * --wsgi-file (kind "wsgi" at /).  A prefix is "/" or "/a/b" ("/a/" is read as
 * "/a"), without "?", "%", "\\" or "//", "." or ".." segments.
 */
static int
config_mount(struct config *cfg, int opt, const char *value, char *err,
    size_t errlen)
{
	struct config_mount	*m;
	const char		*name = opt == OPT_MOUNT ? "--mount" :
				    opt == OPT_MODULE ? "--module" :
				    opt == OPT_WSGI ? "--wsgi" :
				    opt == OPT_WSGI_FILE ? "--wsgi-file" :
				    "--static-map";
	const char		*eq, *arg, *colon, *p;
	size_t			 plen, klen, i;
	bool			 known = false;

	if (cfg->nmounts == CONFIG_MAX_MOUNTS)
		return config_error(err, errlen, "%s: at most %d applications "
		    "(--mount, --module, --static-map)", name,
		    CONFIG_MAX_MOUNTS);
	m = &cfg->mounts[cfg->nmounts];
	memset(m, 0, sizeof(*m));
	snprintf(m->opt, sizeof(m->opt), "%s", name);
	if (opt == OPT_MODULE || opt == OPT_WSGI || opt == OPT_WSGI_FILE) {
		plen = 0;		/* at "/" */
		strcpy(m->kind, opt == OPT_MODULE ? "module" : "wsgi");
		arg = value;
	} else {
		if (value[0] != '/' || (eq = strchr(value, '=')) == NULL)
			return config_error(err, errlen, "%s: \"%s\" is not "
			    "%s", name, value, opt == OPT_MOUNT ?
			    "/PREFIX=KIND[:ARG] (e.g. /=lab, /files=static:"
			    "/srv/www, /api=module:/usr/lib/hello.so)" :
			    "/URL=DIR (e.g. /static=/srv/www)");
		plen = (size_t)(eq - value);
		while (plen > 1 && value[plen - 1] == '/')
			plen--;
		if (plen == 1)
			plen = 0;	/* "/" */
		if (plen >= sizeof(m->prefix))
			return config_error(err, errlen, "%s: a prefix of at "
			    "most %zu bytes", name, sizeof(m->prefix) - 1);
		memcpy(m->prefix, value, plen);
		for (p = m->prefix; *p != '\0'; p++)
			if (*p == '?' || *p == '%' || *p == '\\' ||
			    (unsigned char)*p <= ' ' ||
			    (p[0] == '/' && (p[1] == '/' ||
			    (p[1] == '.' && (p[2] == '/' || p[2] == '\0' ||
			    (p[2] == '.' && (p[3] == '/' || p[3] == '\0')))))))
				return config_error(err, errlen, "%s: \"%s\": "
				    "the prefix must be a plain path such as "
				    "/static or /api/v1", name, value);
		arg = eq + 1;
		if (opt == OPT_STATIC_MAP)
			strcpy(m->kind, "static");
		else {
			colon = strchr(arg, ':');
			klen = colon != NULL ? (size_t)(colon - arg) :
			    strlen(arg);
			if (klen >= sizeof(m->kind))
				klen = sizeof(m->kind) - 1;
			memcpy(m->kind, arg, klen);
			arg = colon != NULL ? colon + 1 : "";
		}
	}
	for (i = 0; i < sizeof(config_kinds) / sizeof(config_kinds[0]); i++)
		known |= strcmp(m->kind, config_kinds[i]) == 0;
	if (!known)
		return config_error(err, errlen, "%s: \"%s\": the kind of "
		    "application must be lab, static, module or wsgi", name,
		    value);
	if (strcmp(m->kind, "lab") == 0 && arg[0] != '\0')
		return config_error(err, errlen, "%s: \"%s\": lab takes no "
		    "argument", name, value);
	if (strcmp(m->kind, "lab") != 0 && arg[0] == '\0')
		return config_error(err, errlen, "%s: \"%s\": %s needs %s",
		    name, value, m->kind, strcmp(m->kind, "static") == 0 ?
		    "a directory" : strcmp(m->kind, "wsgi") == 0 ?
		    "MODULE[:CALLABLE] or FILE.py" :
		    "the path of a shared object");
	if (strlen(arg) >= sizeof(m->arg))
		return config_error(err, errlen, "%s: at most %zu bytes after "
		    "the kind", name, sizeof(m->arg) - 1);
	strcpy(m->arg, arg);
	for (i = 0; i < cfg->nmounts; i++)
		if (strcmp(cfg->mounts[i].prefix, m->prefix) == 0)
			return config_error(err, errlen, "%s: \"%s\": %s is "
			    "mounted already", name, value, m->prefix[0] != '\0'
			    ? m->prefix : "/");
	cfg->nmounts++;
	return 0;
}

/*
 * TLS: --https ADDR:PORT,CERT,KEY (uWSGI's form; the first --https of the
 * file or of the command line replaces those named before, as --http
 * does), --tls-priority STRING, --tls-client-ca FILE.  The files and the
 * priority string are read and checked by tls.c when poolserve starts
 * and on SIGHUP.
 */
static int
config_tls(struct config *cfg, int opt, const char *value, bool in_file,
    char *err, size_t errlen)
{
	struct config_https	*s;
	const char		*c1, *c2;
	size_t			 alen;
	unsigned		 i;

	if (opt == OPT_TLS_PRIORITY) {
		if (value[0] == '\0' || strlen(value) >= sizeof(cfg->tls_priority))
			return config_error(err, errlen, "--tls-priority: needs "
			    "a GnuTLS priority string of 1 to %zu bytes",
			    sizeof(cfg->tls_priority) - 1);
		strcpy(cfg->tls_priority, value);
		return 0;
	}
	if (opt == OPT_TLS_CLIENT_CA) {
		if (value[0] == '\0' ||
		    strlen(value) >= sizeof(cfg->tls_client_ca))
			return config_error(err, errlen, "--tls-client-ca: needs "
			    "a file of 1 to %zu bytes",
			    sizeof(cfg->tls_client_ca) - 1);
		strcpy(cfg->tls_client_ca, value);
		return 0;
	}
	if (cfg->https_origin != (in_file ? CONFIG_FILE : CONFIG_ARGV)) {
		cfg->https_origin = in_file ? CONFIG_FILE : CONFIG_ARGV;
		cfg->nhttps = 0;
	}
	if (cfg->nhttps == CONFIG_MAX_HTTPS)
		return config_error(err, errlen, "--https: at most %d sockets",
		    CONFIG_MAX_HTTPS);
	s = &cfg->https[cfg->nhttps];
	memset(s, 0, sizeof(*s));
	if ((c1 = strchr(value, ',')) == NULL ||
	    (c2 = strchr(c1 + 1, ',')) == NULL || c2 == c1 + 1 ||
	    c2[1] == '\0')
		return config_error(err, errlen, "--https: \"%s\" is not "
		    "ADDR:PORT,CERT,KEY (e.g. 127.0.0.1:8443,/etc/poolserve/"
		    "cert.pem,/etc/poolserve/key.pem)", value);
	alen = (size_t)(c1 - value);
	if (alen >= sizeof(s->http.spec))
		return config_error(err, errlen, "--https: \"%.*s\" is too "
		    "long", (int)alen, value);
	memcpy(s->http.spec, value, alen);
	if (config_parse_addr(s->http.spec, &s->http.addr,
	    &s->http.addrlen) == -1 || s->http.addr.ss_family == AF_UNIX)
		return config_error(err, errlen, "--https: \"%s\" is not "
		    "ADDR:PORT with port 0 to 65535 (e.g. 127.0.0.1:8443, "
		    ":8443, [::1]:8443)", s->http.spec);
	if ((size_t)(c2 - c1 - 1) >= sizeof(s->cert) ||
	    strlen(c2 + 1) >= sizeof(s->key))
		return config_error(err, errlen, "--https: a certificate or "
		    "key path of at most %zu bytes", sizeof(s->cert) - 1);
	memcpy(s->cert, c1 + 1, (size_t)(c2 - c1 - 1));
	strcpy(s->key, c2 + 1);
	for (i = 0; i < cfg->nhttps; i++)
		if (cfg->https[i].http.addrlen == s->http.addrlen &&
		    memcmp(&cfg->https[i].http.addr, &s->http.addr,
		    s->http.addrlen) == 0 && !config_port0(&s->http.addr))
			return config_error(err, errlen, "--https: %s is given "
			    "twice", s->http.spec);
	cfg->nhttps++;
	return 0;
}

/*
 * After parsing: --https alone serves HTTPS only (the default --http is
 * dropped); an address is either --http or --https; --tls-priority and
 * --tls-client-ca need an --https socket.
 */
static int
config_tls_check(struct config *cfg, char *err, size_t errlen)
{
	unsigned	 i, j;

	if (cfg->nhttps == 0) {
		if (cfg->tls_client_ca[0] != '\0')
			return config_error(err, errlen, "--tls-client-ca: "
			    "needs an --https socket");
		if (strcmp(cfg->tls_priority, CONFIG_TLS_PRIORITY) != 0)
			return config_error(err, errlen, "--tls-priority: "
			    "needs an --https socket");
		return 0;
	}
	if (cfg->http_origin == CONFIG_DEFAULT)
		cfg->nhttp = 0;
	for (i = 0; i < cfg->nhttps; i++)
		for (j = 0; j < cfg->nhttp; j++)
			if (cfg->http[j].addrlen == cfg->https[i].http.addrlen &&
			    memcmp(&cfg->http[j].addr, &cfg->https[i].http.addr,
			    cfg->http[j].addrlen) == 0 &&
			    !config_port0(&cfg->http[j].addr))
				return config_error(err, errlen, "--https: %s is "
				    "an --http socket already",
				    cfg->https[i].http.spec);
	return 0;
}

static const struct numopt *
config_numopt(int id)
{
	size_t	 i;

	for (i = 0; i < sizeof(numopts) / sizeof(numopts[0]); i++)
		if (numopts[i].id == id)
			return &numopts[i];
	return NULL;
}

static const char *
config_optname(int id)
{
	const struct option	*o;

	for (o = longopts; o->name != NULL; o++)
		if (o->val == id)
			return o->name;
	return "?";
}

/*
 * Long options are named in full: getopt_long would take "--thread" for
 * --threads, and an abbreviation that is unique today may name another
 * option once one is added (--stat was --stats before --static-map).
 */
static int
config_full_names(int argc, char **argv, char *err, size_t errlen)
{
	const struct option	*o;
	const char		*a, *eq;
	size_t			 len;
	int			 i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		a = argv[i];
		if (strncmp(a, "--", 2) != 0)
			continue;
		len = (eq = strchr(a, '=')) != NULL ? (size_t)(eq - a - 2) :
		    strlen(a + 2);
		for (o = longopts; o->name != NULL; o++)
			if (strlen(o->name) == len &&
			    strncmp(o->name, a + 2, len) == 0)
				break;
		if (o->name == NULL) {
			config_error(err, errlen, "unknown option --%.*s (options "
			    "are named in full: see poolserve --help)",
			    (int)len, a + 2);
			return -1;
		}
		if (o->has_arg == required_argument && eq == NULL)
			i++;		/* its value, whatever it looks like */
	}
	return 0;
}

static enum config_result
config_getopt(struct config *cfg, int argc, char **argv, char *err,
    size_t errlen, bool in_file)
{
	const struct numopt	*n;
	struct config_http	*h;
	unsigned long long	 v;
	unsigned		 i;
	char			*dst;
	int			 ch;

	if (config_full_names(argc, argv, err, errlen) == -1)
		return CONFIG_ERROR;
	optind = 0;		/* full re-initialisation (glibc) */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":thV", longopts, NULL)) != -1) {
		if ((n = config_numopt(ch)) != NULL) {
			if (config_number(optarg, n->min, n->max, &v) == -1)
				return config_error(err, errlen,
				    "%s: \"%s\" is not a whole number in "
				    "the range %llu to %llu", n->name, optarg,
				    n->min, n->max);
			if (n->is_ulong)
				*(unsigned long *)((char *)cfg + n->offset) = v;
			else
				*(unsigned *)((char *)cfg + n->offset) = v;
			continue;
		}
		switch (ch) {
		case OPT_HTTP:
			/* The first --http of the file or of the command line
			 * replaces the sockets named before; the next add. */
			if (cfg->http_origin != (in_file ? CONFIG_FILE :
			    CONFIG_ARGV)) {
				cfg->http_origin = in_file ? CONFIG_FILE :
				    CONFIG_ARGV;
				cfg->nhttp = 0;
			}
			if (cfg->nhttp == CONFIG_MAX_HTTP)
				return config_error(err, errlen, "--http: at "
				    "most %d sockets", CONFIG_MAX_HTTP);
			h = &cfg->http[cfg->nhttp];
			if (strlen(optarg) >= sizeof(h->spec) ||
			    config_parse_addr(optarg, &h->addr,
			    &h->addrlen) == -1)
				return config_error(err, errlen,
				    "--http: \"%s\" is not ADDR:PORT with port "
				    "0 to 65535 or unix:PATH (e.g. "
				    "127.0.0.1:8080, :8080, [::1]:8080, "
				    "unix:/run/poolserve.sock)", optarg);
			/* the same address twice (port 0: a new one each) */
			for (i = 0; i < cfg->nhttp; i++)
				if (cfg->http[i].addrlen == h->addrlen &&
				    memcmp(&cfg->http[i].addr, &h->addr,
				    h->addrlen) == 0 && !config_port0(&h->addr))
					return config_error(err, errlen,
					    "--http: %s is given twice", optarg);
			strcpy(h->spec, optarg);
			cfg->nhttp++;
			break;
		case OPT_HTTPS:
		case OPT_TLS_PRIORITY:
		case OPT_TLS_CLIENT_CA:
			if (config_tls(cfg, ch, optarg, in_file, err,
			    errlen) != 0)
				return CONFIG_ERROR;
			break;
		case OPT_CHMOD_SOCKET:
			if (config_mode(optarg, &cfg->chmod_socket) == -1)
				return config_error(err, errlen,
				    "--chmod-socket: \"%s\" is not an octal "
				    "mode in the range 000 to 777", optarg);
			cfg->chmod_set = true;
			break;
		case OPT_REUSE_PORT:
			cfg->reuse_port = true;
			break;
		case OPT_ALLOW_ROOT:
			cfg->allow_root = true;
			break;
		case OPT_MOUNT:
		case OPT_MODULE:
		case OPT_STATIC_MAP:
		case OPT_WSGI:
		case OPT_WSGI_FILE:
			if (config_mount(cfg, ch, optarg, err, errlen) != 0)
				return CONFIG_ERROR;
			break;
		case OPT_STATIC_HIDDEN:
			cfg->static_hidden = true;
			break;
		case OPT_PYTHONPATH:
			if (cfg->npythonpath == CONFIG_MAX_PYTHONPATH)
				return config_error(err, errlen, "--pythonpath: "
				    "at most %d directories",
				    CONFIG_MAX_PYTHONPATH);
			dst = cfg->pythonpath[cfg->npythonpath];
			if (optarg[0] == '\0' || strlen(optarg) >= 1024)
				return config_error(err, errlen, "--pythonpath: "
				    "needs a directory of 1 to 1023 bytes");
			strcpy(dst, optarg);
			cfg->npythonpath++;
			break;
		case OPT_VIRTUALENV:
			if (optarg[0] == '\0' ||
			    strlen(optarg) >= sizeof(cfg->virtualenv))
				return config_error(err, errlen, "--virtualenv: "
				    "needs a directory of 1 to 1023 bytes");
			strcpy(cfg->virtualenv, optarg);
			break;
		case OPT_PRELOAD:
			cfg->preload = true;
			break;
		case OPT_USER:
		case OPT_GROUP:
			dst = ch == OPT_USER ? cfg->user : cfg->group;
			if (optarg[0] == '\0' || strlen(optarg) >= 64)
				return config_error(err, errlen, "--%s: needs a "
				    "name or number of 1 to 63 bytes",
				    config_optname(ch));
			strcpy(dst, optarg);
			break;
		case OPT_ACCESS_LOG:
			if (optarg[0] == '\0' ||
			    strlen(optarg) >= sizeof(cfg->access_log))
				return config_error(err, errlen,
				    "--access-log: needs a file name or - "
				    "(at most %zu bytes)",
				    sizeof(cfg->access_log) - 1);
			strcpy(cfg->access_log, optarg);
			break;
		case OPT_DISABLE_LOGGING:
			cfg->disable_logging = true;
			break;
		case OPT_PIDFILE:
		case OPT_CHDIR:
			dst = ch == OPT_PIDFILE ? cfg->pidfile : cfg->chdir;
			if (optarg[0] == '\0' || strlen(optarg) >= 1024)
				return config_error(err, errlen, "--%s: needs a "
				    "path of 1 to 1023 bytes",
				    config_optname(ch));
			strcpy(dst, optarg);
			break;
		case OPT_CONFIG:
			if (in_file)
				return config_error(err, errlen, "config cannot "
				    "name another config file");
			break;		/* read first, by config_parse() */
		case OPT_STATS:
			if (strlen(optarg) >= sizeof(cfg->stats) ||
			    config_parse_addr(optarg, &cfg->stats_addr,
			    &cfg->stats_addrlen) == -1)
				return config_error(err, errlen,
				    "--stats: \"%s\" is not ADDR:PORT with port "
				    "0 to 65535 (e.g. 127.0.0.1:9191)", optarg);
			if (cfg->stats_addr.ss_family == AF_UNIX)
				return config_error(err, errlen,
				    "--stats: \"%s\": a unix: socket is not "
				    "supported, only ADDR:PORT (e.g. "
				    "127.0.0.1:9191)", optarg);
			strcpy(cfg->stats, optarg);
			break;
		case OPT_STATS_REMOTE:
			cfg->stats_allow_remote = true;
			break;
		case OPT_AGENT:
			if (strlen(optarg) >= sizeof(cfg->agent) ||
			    config_parse_addr(optarg, &cfg->agent_addr,
			    &cfg->agent_addrlen) == -1 ||
			    cfg->agent_addr.ss_family == AF_UNIX)
				return config_error(err, errlen,
				    "--agent: \"%s\" is not ADDR:PORT with port "
				    "0 to 65535 (e.g. 10.0.0.11:9192)", optarg);
			strcpy(cfg->agent, optarg);
			break;
		case 't':
			/* getopt_long takes "che" for --check: not from a file */
			if (in_file)
				return config_error(err, errlen, "check is not a "
				    "configuration key");
			cfg->check = true;
			break;
		case 'h':
			return CONFIG_HELP;
		case 'V':
			return CONFIG_VERSION;
		case ':':
			if ((n = config_numopt(optopt)) != NULL)
				return config_error(err, errlen,
				    "%s: needs a value in the range %llu to "
				    "%llu", n->name, n->min, n->max);
			return config_error(err, errlen, "--%s: needs a value",
			    config_optname(optopt));
		default:
			if (optopt != 0 && config_optname(optopt)[0] != '?' &&
			    strncmp(argv[optind - 1], "--", 2) == 0)
				return config_error(err, errlen,
				    "--%s: takes no value", config_optname(optopt));
			if (optopt > ' ' && optopt < 0x7f)
				return config_error(err, errlen,
				    "unknown option -%c (see poolserve --help)",
				    optopt);
			return config_error(err, errlen,
			    "unknown option %s (see poolserve --help)",
			    argv[optind - 1]);
		}
	}
	if (optind < argc)
		return config_error(err, errlen, "unexpected argument \"%s\" "
		    "(see poolserve --help)", argv[optind]);
	return CONFIG_OK;
}

/*
 * A configuration key: a long option named in full (getopt_long would take
 * "thread" for --threads), other than the command line's own.
 */
static const struct option *
config_key(const char *key)
{
	const struct option	*o;

	if (strcmp(key, "check") == 0 || strcmp(key, "help") == 0 ||
	    strcmp(key, "version") == 0)
		return NULL;
	for (o = longopts; o->name != NULL; o++)
		if (strcmp(o->name, key) == 0)
			return o;
	return NULL;
}

/*
 * --config FILE: "key = value" lines whose keys are the long options
 * ("disable-logging = yes" for a flag), # comments and blank lines.  Each
 * line is parsed as its option would be; errors read "file:line: ...".
 */
static enum config_result
config_file(struct config *cfg, const char *path, char *err, size_t errlen)
{
	const struct option	*o;
	FILE			*fp;
	char			 line[2048], opt[300], msg[512], *key, *val, *p;
	char			*av[4];
	unsigned		 ln = 0;
	enum config_result	 r;
	int			 ac;

	if ((fp = fopen(path, "r")) == NULL)
		return config_error(err, errlen, "--config: %s: %s", path,
		    strerror(errno));
	while (fgets(line, sizeof(line), fp) != NULL) {
		ln++;
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			fclose(fp);
			return config_error(err, errlen, "%s:%u: line longer "
			    "than %zu bytes", path, ln, sizeof(line) - 2);
		}
		if ((p = strchr(line, '#')) != NULL)
			*p = '\0';
		for (key = line; isspace((unsigned char)*key); key++)
			;
		p = key + strlen(key);
		while (p > key && isspace((unsigned char)p[-1]))
			*--p = '\0';
		if (*key == '\0')
			continue;
		val = NULL;
		if ((p = strchr(key, '=')) != NULL) {
			val = p + 1;
			*p = '\0';
			while (p > key && isspace((unsigned char)p[-1]))
				*--p = '\0';
			while (isspace((unsigned char)*val))
				val++;
		}
		if (val == NULL || *key == '\0' ||
		    strlen(key) > sizeof(opt) - 3) {
			fclose(fp);
			return config_error(err, errlen, "%s:%u: expected "
			    "key = value", path, ln);
		}
		snprintf(opt, sizeof(opt), "--%s", key);
		av[0] = (char *)"poolserve";
		av[1] = opt;
		av[2] = val;
		av[3] = NULL;
		ac = 3;
		if ((o = config_key(key)) == NULL)
			r = config_error(msg, sizeof(msg), "%s is not a "
			    "configuration key%s", key, strncmp(key, "--", 2) ==
			    0 ? " (write it without the --)" : " (the keys are "
			    "the long options of poolserve --help, in full)");
		else if (o->has_arg == no_argument) {
			/* a flag: yes or no, nothing else */
			if (strcmp(val, "no") == 0 || strcmp(val, "false") == 0)
				continue;
			if (strcmp(val, "yes") != 0 && strcmp(val, "true") != 0)
				r = config_error(msg, sizeof(msg), "%s takes yes, "
				    "true, no or false, not \"%s\"", key, val);
			else {
				ac = 2;
				r = config_getopt(cfg, ac, av, msg, sizeof(msg),
				    true);
			}
		} else
			r = config_getopt(cfg, ac, av, msg, sizeof(msg), true);
		if (r != CONFIG_OK) {
			fclose(fp);
			if (r != CONFIG_ERROR)
				snprintf(msg, sizeof(msg), "%s is not a "
				    "configuration key", key);
			return config_error(err, errlen, "%s:%u: %s", path, ln,
			    msg);
		}
	}
	fclose(fp);
	return CONFIG_OK;
}

static bool
config_has_unix(const struct config *cfg)
{
	unsigned	 i;

	for (i = 0; i < cfg->nhttp; i++)
		if (cfg->http[i].addr.ss_family == AF_UNIX)
			return true;
	return false;
}

/*
 * The command line, after the --config file if one is named: the command
 * line overrides the file.
 */
enum config_result
config_parse(struct config *cfg, int argc, char **argv, char *err,
    size_t errlen)
{
	enum config_result	 r;
	int			 i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			r = config_file(cfg, argv[i + 1], err, errlen);
		else if (strncmp(argv[i], "--config=", 9) == 0)
			r = config_file(cfg, argv[i] + 9, err, errlen);
		else
			continue;
		if (r != CONFIG_OK)
			return r == CONFIG_ERROR ? CONFIG_BAD_FILE : r;
		break;
	}
	if ((r = config_getopt(cfg, argc, argv, err, errlen, false)) !=
	    CONFIG_OK)
		return r;
	if (config_tls_check(cfg, err, errlen) != 0)
		return CONFIG_ERROR;
	if (cfg->chmod_set && !config_has_unix(cfg))
		return config_error(err, errlen, "--chmod-socket: needs an "
		    "--http unix:PATH socket to apply to");
	if (cfg->stats[0] != '\0' && !cfg->stats_allow_remote &&
	    !config_is_loopback(&cfg->stats_addr))
		return config_error(err, errlen, "--stats: %s is not a loopback "
		    "address; add --stats-allow-remote to serve statistics to "
		    "other hosts", cfg->stats);
	return CONFIG_OK;
}

void
config_describe(const struct config *cfg, char *buf, size_t len)
{
	snprintf(buf, len, "%u %s x %u %s = %u %s in progress at once, "
	    "listen backlog %u, in-process queue %u per worker",
	    cfg->processes, PLURAL(cfg->processes, "process", "processes"),
	    cfg->threads, PLURAL(cfg->threads, "thread", "threads"),
	    cfg->processes * cfg->threads, PLURAL(cfg->processes *
	    cfg->threads, "request", "requests"), cfg->listen_backlog,
	    cfg->queue);
}

void
config_usage(FILE *fp)
{
	fputs(
"usage: poolserve [-htV] [--http addr:port | unix:path ...] [--processes n]\n"
"                 [--threads n] [--chmod-socket mode] [--reuse-port]\n"
"                 [--listen n] [--queue n] [--keepalive-timeout s]\n"
"                 [--read-timeout s] [--request-grace ms]\n"
"                 [--max-connections n] [--max-body-size bytes]\n"
"                 [--max-header-size bytes]\n"
"                 [--queue-warn ms] [--max-wait ms]\n"
"                 [--shutdown-timeout s]\n"
"                 [--max-requests n] [--max-requests-jitter n]\n"
"                 [--harakiri s] [--harakiri-grace s]\n"
"                 [--pidfile file] [--chdir dir]\n"
"                 [--config file]\n"
"                 [--access-log file | -] [--disable-logging]\n"
"                 [--stats addr:port] [--stats-allow-remote]\n"
"                 [--agent addr:port]\n"
"                 [--user user] [--group group] [--allow-root]\n"
"                 [--mount /prefix=kind[:arg] ...] [--module file.so]\n"
"                 [--static-map /url=dir ...] [--static-hidden]\n"
"                 [--wsgi module[:callable] | --wsgi-file file.py]\n"
"                 [--pythonpath dir ...] [--virtualenv dir] [--preload]\n"
"                 [--https addr:port,cert,key ...] [--tls-priority string]\n"
"                 [--tls-client-ca file]\n"
"\n"
"  --http addr:port         listen address (default 127.0.0.1:8080;\n"
"                           :8080 = all IPv4 addresses, [::1]:8080 = IPv6,\n"
"                           unix:/path = unix socket); repeat for more\n"
"                           sockets, at most 16\n"
"  --chmod-socket mode      octal mode of unix: sockets, 000 to 777\n"
"  --reuse-port             one SO_REUSEPORT socket per worker instead of\n"
"                           one shared queue (TCP sockets only)\n"
"  --processes n            worker processes, 1 to 256 (default 1)\n"
"  --threads n              request threads per worker, 1 to 4096 (default 10)\n"
"  --listen n               listen backlog, 1 to 65535 (default 128)\n"
"  --queue n                parsed requests that may wait in each worker,\n"
"                           0 to 65535 (default 0: new clients wait in the\n"
"                           listen backlog)\n"
"  --keepalive-timeout s    idle keep-alive timeout, 0 to 3600 (default 5;\n"
"                           0 = close after each response)\n"
"  --read-timeout s         time to send a request, 1 to 3600 (default 30)\n"
"  --request-grace ms       a new connection counts as a taken slot until it\n"
"                           sends a request or this passes, 10 to 60000\n"
"                           (default 50)\n"
"  --max-connections n      open connections per worker, 1 to 1048576\n"
"                           (default 1024)\n"
"  --max-body-size bytes    largest request body, 0 to 1073741824\n"
"                           (default 1048576)\n"
"  --max-header-size bytes  largest request line and header block,\n"
"                           1024 to 1048576 (default 16384)\n"
"  --queue-warn ms          flag in the access log a request that waited\n"
"                           this long for a thread, 0 to 3600000\n"
"                           (default 1000; 0 = never)\n"
"  --max-wait ms            answer 503 at once, without a thread, a request\n"
"                           that waited this long in the listen backlog and\n"
"                           the worker, 0 to 3600000 (default 0: never)\n"
"  --shutdown-timeout s     on SIGTERM or SIGHUP, time in-flight requests\n"
"                           get to finish, 1 to 3600 (default 30)\n"
"  --max-requests n         a worker retires and is replaced after n\n"
"                           requests, 0 to 1000000000 (default 0: never)\n"
"  --max-requests-jitter n  add 0 to n to each worker's --max-requests,\n"
"                           0 to 1000000000 (default 0)\n"
"  --harakiri s             close the client of a request that has run s\n"
"                           seconds and recycle its worker, 0 to 86400\n"
"                           (default 0: never)\n"
"  --harakiri-grace s       time the worker's other requests get to\n"
"                           finish before it is killed, 1 to 3600\n"
"                           (default 3)\n"
"  --pidfile file           write the master's pid to file\n"
"  --chdir dir              change to dir before starting\n"
"  --config file            read key = value lines of long options first;\n"
"                           the command line overrides them\n"
"  --access-log file | -    access log file, - for standard output\n"
"                           (default: standard error)\n"
"  --disable-logging        no access log\n"
"  --stats addr:port        serve statistics (JSON at /, Prometheus at\n"
"                           /metrics) from the master; loopback only unless\n"
"                           --stats-allow-remote (default: off)\n"
"  --stats-allow-remote     allow a --stats address other than loopback\n"
"  --agent addr:port        answer HAProxy's agent-check: a line with the\n"
"                           threads of the live workers (default: off)\n"
"  --user user              run the workers as this user (name or uid)\n"
"  --group group            and this group (default: the user's group)\n"
"  --allow-root             let the workers run as root\n"
"  --mount /prefix=kind[:arg]  serve an application at a prefix (the\n"
"                           longest wins): lab, static:DIR,\n"
"                           module:FILE.so[,ARG] or wsgi:MODULE[:CALLABLE];\n"
"                           repeat, at most 32 (default: the lab at /)\n"
"  --module file.so         a handler module at / (--mount /=module:FILE)\n"
"  --static-map /url=dir    files of dir at /url (--mount /url=static:DIR)\n"
"  --static-hidden          serve files and directories whose names start\n"
"                           with a dot (default: 404)\n"
"  --wsgi module[:callable] a Python WSGI application at / (the callable\n"
"                           defaults to application, then app)\n"
"  --wsgi-file file.py      the same, from a file\n"
"  --pythonpath dir         add dir to sys.path; repeat, at most 16\n"
"  --virtualenv dir         use the site-packages of a venv\n"
"  --preload                import WSGI applications in the master before\n"
"                           fork (shared memory; a reload keeps the code)\n"
"  --https addr:port,cert,key  an HTTPS socket with a PEM certificate chain\n"
"                           and its key (RSA or ECDSA); repeat, at most 16;\n"
"                           --https alone: no default --http; SIGHUP\n"
"                           re-reads the files\n"
"  --tls-priority string    GnuTLS priority string (default: TLS 1.2 and\n"
"                           1.3, AEAD ciphers, ECDHE; see poolserve(1))\n"
"  --tls-client-ca file     ask clients for a certificate and verify it\n"
"                           against these PEM CAs (shown to applications)\n"
"  -t, --check              check the options and exit\n"
"  -V, --version            print the version and exit\n"
"  -h, --help               print this help and exit\n", fp);
}
