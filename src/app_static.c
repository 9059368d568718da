/*
 * The static files application: GET and HEAD of the regular files under
 * one directory, mounted with --static-map /url=DIR (--mount
 * /url=static:DIR).
 *
 * A request takes no pool thread (app_kind.on_loop): as in nginx, the
 * worker's event loop checks the path, opens the file beneath the root
 * (static_path.c), fstat()s it, decides the status and headers (here:
 * validators, ranges, the media type of mime.c), and hands the descriptor
 * to libmicrohttpd, which sends it with sendfile(2) (a body of 16 KiB or
 * less is read and sent in memory).  Opening a file of a local file
 * system takes microseconds; files never wait for a thread behind the
 * application's requests, and every file counts in the statistics and
 * the access log (thread "-").  Only regular files are served.
 *
 * Everything a worker keeps (the root's descriptor, the media types) is
 * made in static_init and only read afterwards.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <poolserve/poolserve.h>

#include "poolserve.h"

#define STATIC_MIME_FILE	"/etc/mime.types"
#define STATIC_INDEX		"index.html"
#define STATIC_ALLOW		"GET, HEAD, OPTIONS"
#define STATIC_COPY_MAX		16384	/* bodies up to this sent from memory */
#define STATIC_LOCATION_MAX	(PATH_MAX * 3 + 2048)	/* a 301's Location */

/* One mount's per-worker state: read-only once static_init returns. */
struct static_root {
	int			 fd;		/* O_PATH of the directory */
	bool			 hidden;	/* --static-hidden */
	bool			 walk;		/* no openat2: the fallback */
	struct mime_table	 mime;
};

/* What a request resolved to. */
struct static_file {
	int		 fd;
	struct stat	 st;
	char		 etag[48];
	char		 modified[40];
};

static const char *const static_days[] = { "Sun", "Mon", "Tue", "Wed",
    "Thu", "Fri", "Sat" };
static const char *const static_months[] = { "Jan", "Feb", "Mar", "Apr",
    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* --- HTTP fields -------------------------------------------------------- */

/* IMF-fixdate (RFC 9110 5.6.7), whatever the locale. */
static void
static_http_date(time_t t, char *buf, size_t len)
{
	struct tm	 tm;

	if (gmtime_r(&t, &tm) == NULL) {
		snprintf(buf, len, "Thu, 01 Jan 1970 00:00:00 GMT");
		return;
	}
	snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d GMT",
	    static_days[tm.tm_wday], tm.tm_mday, static_months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/*
 * An HTTP-date in any of its three forms (RFC 9110 5.6.7): IMF-fixdate,
 * RFC 850, asctime.  0 and *t, or -1 when s is none of them.
 */
static int
static_parse_date(const char *s, time_t *t)
{
	static const char *const formats[] = {
		"%a, %d %b %Y %H:%M:%S GMT",
		"%A, %d-%b-%y %H:%M:%S GMT",
		"%a %b %e %H:%M:%S %Y",
	};
	struct tm	 tm;
	const char	*end;
	size_t		 i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		memset(&tm, 0, sizeof(tm));
		if ((end = strptime(s, formats[i], &tm)) != NULL &&
		    *end == '\0') {
			*t = timegm(&tm);
			return *t == (time_t)-1 ? -1 : 0;
		}
	}
	return -1;
}

/*
 * Does the If-None-Match list (RFC 9110 13.1.2) name etag ("\"...\"")?
 * The weak comparison: a W/ prefix on either side is ignored; "*"
 * matches.  An element that is not an entity-tag matches nothing.
 */
static bool
static_etag_match(const char *list, const char *etag)
{
	const char	*q;
	size_t		 n;

	if (strncmp(etag, "W/", 2) == 0)
		etag += 2;
	n = strlen(etag);
	for (;;) {
		list += strspn(list, " \t,");
		if (*list == '\0')
			return false;
		if (*list == '*')
			return true;
		if (strncmp(list, "W/", 2) == 0)
			list += 2;
		if (*list == '"' && (q = strchr(list + 1, '"')) != NULL) {
			if ((size_t)(q + 1 - list) == n &&
			    memcmp(list, etag, n) == 0)
				return true;
			list = q + 1;
		}
		list += strcspn(list, ",");
	}
}

/* A run of digits, saturating at UINT64_MAX.  -1 when there is none. */
static int
static_digits(const char **sp, uint64_t *v)
{
	const char	*s = *sp;

	if (*s < '0' || *s > '9')
		return -1;
	for (*v = 0; *s >= '0' && *s <= '9'; s++)
		if (*v > (UINT64_MAX - 9) / 10)
			*v = UINT64_MAX;
		else
			*v = *v * 10 + (uint64_t)(*s - '0');
	*sp = s;
	return 0;
}

enum static_range {
	STATIC_RANGE_NONE,	/* the whole file, 200 */
	STATIC_RANGE_PART,	/* 206 */
	STATIC_RANGE_UNSAT,	/* 416 */
};

/*
 * A Range field (RFC 9110 14.1.2) against a file of size bytes: one range
 * of bytes, "a-b", "a-" or "-n", sets *off and *len.  Several ranges, any
 * other unit and anything malformed (a last byte before the first among
 * them) are ignored: the whole file is sent, as the RFC allows.
 */
static enum static_range
static_range_parse(const char *h, uint64_t size, uint64_t *off,
    uint64_t *len)
{
	uint64_t	 first, last;
	bool		 suffix;

	h += strspn(h, " \t");
	if (strncasecmp(h, "bytes", 5) != 0)
		return STATIC_RANGE_NONE;
	h += 5;
	h += strspn(h, " \t");
	if (*h++ != '=')
		return STATIC_RANGE_NONE;
	h += strspn(h, " \t");
	if ((suffix = *h == '-'))
		h++;
	if (static_digits(&h, &first) == -1)
		return STATIC_RANGE_NONE;
	if (suffix) {
		h += strspn(h, " \t");
		if (*h != '\0')
			return STATIC_RANGE_NONE;
		if (first == 0 || size == 0)
			return STATIC_RANGE_UNSAT;
		*len = first < size ? first : size;
		*off = size - *len;
		return STATIC_RANGE_PART;
	}
	if (*h++ != '-')
		return STATIC_RANGE_NONE;
	last = UINT64_MAX;
	if (*h >= '0' && *h <= '9' && static_digits(&h, &last) == -1)
		return STATIC_RANGE_NONE;
	h += strspn(h, " \t");
	if (*h != '\0' || last < first)
		return STATIC_RANGE_NONE;
	if (first >= size)
		return STATIC_RANGE_UNSAT;
	if (last >= size)
		last = size - 1;
	*off = first;
	*len = last - first + 1;
	return STATIC_RANGE_PART;
}

/*
 * If-Range (RFC 9110 13.1.5): the range applies only while the file is
 * the one the client has: its entity-tag, compared strongly, or its
 * Last-Modified date exactly.
 */
static bool
static_if_range(const char *h, const struct static_file *f)
{
	time_t	 t;

	if (h[0] == '"' || strncmp(h, "W/", 2) == 0)
		return strcmp(h, f->etag) == 0;
	return static_parse_date(h, &t) == 0 && t == f->st.st_mtime;
}

/* Open rel beneath the root: static_path_open. */
static unsigned
static_open(const struct static_root *sr, const char *rel,
    struct static_file *f, const char **why)
{
	return static_path_open(sr->fd, sr->walk, rel, &f->fd, &f->st, why);
}

/*
 * Location for a directory asked without its slash: the mount prefix,
 * the normalised path percent-encoded, "/", and the query as sent.  -1
 * when it does not fit.
 */
static int
static_location(const char *prefix, const char *rel, const char *query,
    char *buf, size_t len)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*s;
	size_t			 n;
	int			 m;

	if ((m = snprintf(buf, len, "%s/", prefix)) < 0 || (size_t)m >= len)
		return -1;
	n = (size_t)m;
	for (s = (const unsigned char *)rel; *s != '\0'; s++) {
		if (n + 4 > len)
			return -1;
		if (isalnum(*s) || strchr("/-._~!$&'()*+,;=:@", *s) != NULL)
			buf[n++] = (char)*s;
		else {
			buf[n++] = '%';
			buf[n++] = hex[*s >> 4];
			buf[n++] = hex[*s & 15];
		}
	}
	if (rel[0] != '\0') {
		if (n + 2 > len)
			return -1;
		buf[n++] = '/';
	}
	buf[n] = '\0';
	if (query[0] != '\0' && ((m = snprintf(buf + n, len - n, "?%s",
	    query)) < 0 || (size_t)m >= len - n))
		return -1;
	return 0;
}

/* --- Answers ------------------------------------------------------------ */

/* A refused request: the status, a short body, and one error-log line. */
static int
static_refuse(struct app *a, struct poolserve_request *r, unsigned status,
    const char *why)
{
	const char	*text;

	log_msg("static %s: %s: %s %s: %u, %s", a->prefix[0] == '\0' ? "/" :
	    a->prefix, poolserve_client_addr(r), poolserve_method(r),
	    poolserve_target(r), status, why);
	switch (status) {
	case 403:
		text = "forbidden\n";
		break;
	case 404:
		text = "not found\n";
		break;
	case 503:
		if (poolserve_add_header(r, "Retry-After", "1") == -1)
			return -1;
		text = "service unavailable\n";
		break;
	default:
		return -1;		/* poolserve answers 500 */
	}
	return poolserve_respondf(r, status, "%s", text);
}

static int
static_headers(struct poolserve_request *r, const struct static_file *f)
{
	if (poolserve_add_header(r, "ETag", f->etag) == -1 ||
	    poolserve_add_header(r, "Last-Modified", f->modified) == -1)
		return -1;
	return 0;
}

/*
 * 304 when a validator says the client has the file: If-None-Match, or
 * when there is none If-Modified-Since (RFC 9110 13.2.2).
 */
static bool
static_not_modified(struct poolserve_request *r, const struct static_file *f)
{
	const char	*h;
	time_t		 t;

	if ((h = poolserve_header(r, "If-None-Match")) != NULL)
		return static_etag_match(h, f->etag);
	if ((h = poolserve_header(r, "If-Modified-Since")) != NULL)
		return static_parse_date(h, &t) == 0 && f->st.st_mtime <= t;
	return false;
}

/*
 * A small body is read here and sent from memory: libmicrohttpd then
 * writes the head and the body in one send, where a file costs a send of
 * the head and a sendfile of the body.  fd is closed.  A file that shrank
 * since its fstat is an error (500): its length was promised.
 */
static int
static_copy(struct poolserve_request *r, int fd, uint64_t off, uint64_t len)
{
	char	 buf[STATIC_COPY_MAX];
	size_t	 got = 0;
	ssize_t	 n;

	while (got < len) {
		n = pread(fd, buf + got, (size_t)len - got, (off_t)(off + got));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			log_msg("static: %s %s: %s", poolserve_method(r),
			    poolserve_target(r), n == 0 ?
			    "the file shrank while read" : strerror(errno));
			close(fd);
			return -1;
		}
		got += (size_t)n;
	}
	close(fd);
	return poolserve_body_copy(r, buf, got);
}

/*
 * Send the open regular file f (whose name is name, for its type): 304,
 * 206, 416 or 200.  The descriptor goes to poolserve_body_fd, which owns
 * it from then on, or is closed here.
 */
static int
static_send(const struct static_root *sr, struct poolserve_request *r,
    struct static_file *f, const char *name)
{
	const char		*h;
	char			 cr[80];
	uint64_t		 size = (uint64_t)f->st.st_size, off = 0,
				 len = size;
	enum static_range	 range = STATIC_RANGE_NONE;
	unsigned		 status = 200;
	int			 fd = f->fd;

	f->fd = -1;
	snprintf(f->etag, sizeof(f->etag), "\"%" PRIx64 "-%" PRIx64 "\"",
	    (uint64_t)f->st.st_mtime, size);
	static_http_date(f->st.st_mtime, f->modified, sizeof(f->modified));

	/*
	 * A cache updates the stored headers from a 304 (RFC 9111 4.3.4):
	 * the Content-Type is the file's, not poolserve's text/plain.
	 */
	if (static_not_modified(r, f)) {
		close(fd);
		if (poolserve_set_status(r, 304) == -1 ||
		    poolserve_add_header(r, "Content-Type",
		    mime_lookup(&sr->mime, name)) == -1 ||
		    static_headers(r, f) == -1 ||
		    poolserve_body_static(r, "", 0) == -1)
			return -1;
		return 0;
	}
	/* Range is defined for GET only (RFC 9110 14.2). */
	if (strcmp(poolserve_method(r), "GET") == 0 &&
	    (h = poolserve_header(r, "Range")) != NULL &&
	    ((h = poolserve_header(r, "If-Range")) == NULL ||
	    static_if_range(h, f)))
		range = static_range_parse(poolserve_header(r, "Range"), size,
		    &off, &len);
	if (range == STATIC_RANGE_UNSAT) {
		close(fd);
		snprintf(cr, sizeof(cr), "bytes */%" PRIu64, size);
		if (poolserve_add_header(r, "Content-Range", cr) == -1 ||
		    poolserve_add_header(r, "Accept-Ranges", "bytes") == -1)
			return -1;
		return poolserve_respondf(r, 416, "range not satisfiable\n");
	}
	if (range == STATIC_RANGE_PART) {
		status = 206;
		snprintf(cr, sizeof(cr), "bytes %" PRIu64 "-%" PRIu64 "/%"
		    PRIu64, off, off + len - 1, size);
		if (poolserve_add_header(r, "Content-Range", cr) == -1) {
			close(fd);
			return -1;
		}
	}
	if (poolserve_set_status(r, status) == -1 ||
	    poolserve_add_header(r, "Content-Type",
	    mime_lookup(&sr->mime, name)) == -1 ||
	    static_headers(r, f) == -1 ||
	    poolserve_add_header(r, "Accept-Ranges", "bytes") == -1) {
		close(fd);
		return -1;
	}
	if (len <= STATIC_COPY_MAX && strcmp(poolserve_method(r), "GET") == 0)
		return static_copy(r, fd, off, len);
	return poolserve_body_fd(r, fd, off, len);
}

/* --- The kind ----------------------------------------------------------- */

/*
 * In the master, before fork and on each SIGHUP: the directory must exist
 * and be a directory the master can open and read.
 */
static int
static_check(const struct config *cfg, const char *arg, char *err,
    size_t errlen)
{
	struct stat	 st;
	int		 fd;

	(void)cfg;
	if (arg[0] == '\0') {
		snprintf(err, errlen, "a directory is needed after =");
		return -1;
	}
	if ((fd = open(arg, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static void
static_fini(struct app *a)
{
	struct static_root	*sr = a->data;

	if (sr == NULL)
		return;
	if (sr->fd != -1)
		close(sr->fd);
	mime_free(&sr->mime);
	free(sr);
	a->data = NULL;
}

/*
 * In each worker after fork, as the user it runs as: open the root, learn
 * whether the kernel has openat2, read the media types.
 * POOLSERVE_STATIC_NO_OPENAT2 in the environment forces the fallback (for
 * its tests).
 */
static int
static_init(struct app *a)
{
	struct static_root	*sr;
	const char		*e;
	int			 fd;

	if ((sr = calloc(1, sizeof(*sr))) == NULL) {
		log_msg("static %s: out of memory", a->prefix);
		return -1;
	}
	a->data = sr;
	sr->hidden = a->cfg->static_hidden;
	if ((sr->fd = open(a->arg, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1) {
		log_msg("static %s: %s: %s", a->prefix, a->arg,
		    strerror(errno));
		static_fini(a);
		return -1;
	}
	e = getenv("POOLSERVE_STATIC_NO_OPENAT2");
	if (e != NULL && e[0] != '\0' && strcmp(e, "0") != 0) {
		log_msg("static %s: POOLSERVE_STATIC_NO_OPENAT2: symbolic "
		    "links under %s are refused", a->prefix, a->arg);
		sr->walk = true;
	} else if ((fd = static_path_openat2(sr->fd, "", O_PATH |
	    O_CLOEXEC)) != -1)
		close(fd);
	else if (errno == ENOSYS || errno == EPERM) {
		/* EPERM: a seccomp filter that does not know openat2 */
		log_msg("static %s: no openat2 (%s): symbolic links under %s "
		    "are refused", a->prefix, strerror(errno), a->arg);
		sr->walk = true;
	}
	if (mime_load(&sr->mime, STATIC_MIME_FILE) == -1) {
		log_msg("static %s: out of memory", a->prefix);
		static_fini(a);
		return -1;
	}
	return 0;
}

/* 301 to the same path with a slash, the query kept. */
static int
static_redirect(struct app *a, struct poolserve_request *r, const char *rel)
{
	char	 loc[STATIC_LOCATION_MAX];

	if (static_location(a->prefix, rel, poolserve_query(r), loc,
	    sizeof(loc)) == -1)
		return static_refuse(a, r, 404, "too long to redirect");
	if (poolserve_add_header(r, "Location", loc) == -1)
		return -1;
	return poolserve_respondf(r, 301, "moved to %s\n", loc);
}

/*
 * The mount point itself without its slash ("/s" for --static-map /s=):
 * poolserve_path says "/" for both, the target tells them apart.
 */
static bool
static_bare_mount(const struct app *a, struct poolserve_request *r)
{
	const char	*t = poolserve_target(r);
	size_t		 n = strcspn(t, "?");

	return a->prefix[0] != '\0' && n > 0 && t[n - 1] != '/';
}

/*
 * A path that ended in a slash: its index.html, opened directly (a
 * directory that may be searched but not read still serves it).  When
 * there is none: 403 for a directory (no listings), else 404.
 */
static unsigned
static_index(const struct static_root *sr, char *rel, struct static_file *f,
    const char **why)
{
	struct static_file	 d;
	size_t			 len = strlen(rel);
	unsigned		 status;

	/* rel has room for it: see the call of static_path_check. */
	if (len > 0)
		rel[len++] = '/';
	memcpy(rel + len, STATIC_INDEX, sizeof(STATIC_INDEX));
	if ((status = static_open(sr, rel, f, why)) != 404)
		return status;
	rel[len > 0 ? len - 1 : 0] = '\0';
	if (static_open(sr, rel, &d, why) != 0) {
		*why = "not found";
		return 404;
	}
	close(d.fd);
	if (!S_ISDIR(d.st.st_mode)) {
		*why = "not found";
		return 404;
	}
	*why = "a directory without " STATIC_INDEX " (no listings)";
	return 403;
}

/*
 * One request, on the event loop.  It reads a->data and writes only its
 * own stack and descriptors.
 */
static int
static_handle(struct app *a, struct poolserve_request *r)
{
	const struct static_root	*sr = a->data;
	const char			*method = poolserve_method(r), *why;
	const char			*name;
	char				 rel[PATH_MAX];
	struct static_file		 f;
	unsigned			 status;
	bool				 dir;

	if (strcmp(method, "OPTIONS") == 0) {
		if (poolserve_add_header(r, "Allow", STATIC_ALLOW) == -1 ||
		    poolserve_set_status(r, 200) == -1)
			return -1;
		return poolserve_body_static(r, "", 0);
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		if (poolserve_add_header(r, "Allow", STATIC_ALLOW) == -1)
			return -1;
		return poolserve_respondf(r, 405, "method %s not allowed\n",
		    method);
	}
	/* libmicrohttpd refuses %00; a NUL would cut the path short. */
	if (strstr(poolserve_target(r), "%00") != NULL)
		return static_refuse(a, r, 404, "a NUL byte");
	if ((status = static_path_check(poolserve_path(r), sr->hidden, rel,
	    sizeof(rel) - sizeof(STATIC_INDEX) - 1, &dir, &why)) != 0)
		return static_refuse(a, r, status, why);
	if (rel[0] == '\0' && static_bare_mount(a, r))
		return static_redirect(a, r, rel);

	if (dir)
		status = static_index(sr, rel, &f, &why);
	else
		status = static_open(sr, rel, &f, &why);
	if (status != 0)
		return static_refuse(a, r, status, why);
	if (S_ISDIR(f.st.st_mode)) {
		close(f.fd);
		if (!dir)
			return static_redirect(a, r, rel);
		return static_refuse(a, r, 403, STATIC_INDEX
		    " is a directory");
	}
	if (!S_ISREG(f.st.st_mode)) {
		close(f.fd);
		return static_refuse(a, r, 403, "not a regular file");
	}
	name = strrchr(rel, '/') != NULL ? strrchr(rel, '/') + 1 : rel;
	return static_send(sr, r, &f, name);
}

const struct app_kind app_static = {
	"static", static_check, static_init, NULL, static_handle,
	static_fini, true
};
