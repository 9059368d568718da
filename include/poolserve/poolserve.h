/*
 * poolserve: the interface of handler modules.
 *
 * A module is a shared object that exports one symbol, POOLSERVE_MODULE
 * ("poolserve_module"), a struct poolserve_module.  poolserve loads it in
 * every worker process after fork (and again in the new workers of a
 * SIGHUP reload), calls init once there, thread_init once on each pool
 * thread, handle for each request routed to it, and fini when the worker
 * exits.  handle runs on a pool thread: at most --threads of them run at
 * once in a worker, each on its own thread, for as long as they take.
 *
 * Everything a handler learns of its request and everything it answers
 * goes through the functions below; struct poolserve_request is opaque
 * and valid only until handle returns.  Functions that can fail return 0
 * on success and -1 with errno set on error.  See poolserve_module(3).
 *
 * C99; the API is versioned: a module built against another
 * POOLSERVE_API_VERSION is refused when loaded.
 */
#ifndef POOLSERVE_POOLSERVE_H
#define POOLSERVE_POOLSERVE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define POOLSERVE_API_VERSION	1
#define POOLSERVE_MODULE	"poolserve_module"	/* the symbol */

struct poolserve_request;

struct poolserve_module {
	unsigned	 api_version;	/* POOLSERVE_API_VERSION */
	const char	*name;		/* for the logs */
	/*
	 * Once per worker process, after fork, before any request.  worker
	 * is the worker's number (1-based), arg the text after the module's
	 * path in --mount (after a comma), or "".  Non-zero: the worker
	 * exits.  May be NULL.
	 */
	int		(*init)(unsigned worker, const char *arg);
	/*
	 * Once on each pool thread, on that thread, before its first
	 * request: *thread_data is what poolserve_thread_data() returns to
	 * this thread's requests (a database connection, a buffer).
	 * Non-zero: the worker exits.  May be NULL.
	 */
	int		(*thread_init)(unsigned worker, unsigned thread,
			    void **thread_data);
	/*
	 * One request.  0 when the response is made (or the stream ended);
	 * -1 when it failed: a 500 is sent if nothing was sent yet, else the
	 * connection is closed.  Required.
	 */
	int		(*handle)(struct poolserve_request *);
	/* When the worker exits normally.  May be NULL. */
	void		(*fini)(void);
};

/* --- The request ---------------------------------------------------- */

const char	*poolserve_method(const struct poolserve_request *);
/* The decoded path below the mount prefix: "/" at least. */
const char	*poolserve_path(const struct poolserve_request *);
/* The mount prefix ("" when mounted at /), as WSGI's SCRIPT_NAME. */
const char	*poolserve_script_name(const struct poolserve_request *);
/* The request target as sent, with its query: "/a%20b?x=1". */
const char	*poolserve_target(const struct poolserve_request *);
/* The query, raw, without the "?"; "" when there is none. */
const char	*poolserve_query(const struct poolserve_request *);
const char	*poolserve_version(const struct poolserve_request *);
/* A decoded query argument by name, the first of its name; NULL if none. */
const char	*poolserve_arg(const struct poolserve_request *, const char *);
/* A request header, the name case-insensitive; NULL if none. */
const char	*poolserve_header(const struct poolserve_request *,
		    const char *);
/*
 * Call fn for each query argument (value NULL for "?flag") or header, in
 * the order sent, until fn returns non-zero; returns how many were seen.
 */
typedef int	 poolserve_each_fn(void *, const char *, const char *);
unsigned	 poolserve_each_arg(const struct poolserve_request *,
		    poolserve_each_fn *, void *);
unsigned	 poolserve_each_header(const struct poolserve_request *,
		    poolserve_each_fn *, void *);
/* The body, buffered up to --max-body-size; "" and 0 when none. */
const void	*poolserve_body(const struct poolserve_request *, size_t *);
/* "127.0.0.1", "::1", "unix:"; the port is 0 for a unix: socket. */
const char	*poolserve_client_addr(const struct poolserve_request *);
unsigned	 poolserve_client_port(const struct poolserve_request *);
/* The address and port the request came in on ("unix:" and 0 likewise). */
const char	*poolserve_server_addr(const struct poolserve_request *);
unsigned	 poolserve_server_port(const struct poolserve_request *);
/* "https" for a request on an --https socket, else "http". */
const char	*poolserve_scheme(const struct poolserve_request *);
/* The TLS version, "TLS1.2" or "TLS1.3"; NULL over plain HTTP. */
const char	*poolserve_tls_version(const struct poolserve_request *);
/*
 * With --tls-client-ca: "SUCCESS" when the client's certificate
 * verified, "NONE" when it sent none, "FAILED:reason" (nginx's
 * $ssl_client_verify); NULL over plain HTTP or without --tls-client-ca.
 * The verified certificate's subject (RFC 4514: "CN=a,O=b"), else NULL.
 */
const char	*poolserve_tls_client_verify(const struct poolserve_request *);
const char	*poolserve_tls_client_dn(const struct poolserve_request *);
unsigned	 poolserve_worker(const struct poolserve_request *);
const char	*poolserve_thread_name(const struct poolserve_request *);
/* Monotonic microseconds (CLOCK_MONOTONIC) when the request was read. */
uint64_t	 poolserve_start_us(const struct poolserve_request *);
void		*poolserve_thread_data(const struct poolserve_request *);

/* --- The response --------------------------------------------------- */
/*
 * Status 200 unless set; Content-Type "text/plain; charset=utf-8" unless
 * set.  Content-Length, Date and Connection are poolserve's.  A body is
 * one of: memory (copied, or static: it must outlive the response), a
 * file descriptor (sent with sendfile; poolserve closes it), or a stream
 * (poolserve_write).  Setting a body replaces the one set before; after
 * the first poolserve_write the status and headers are sent and fixed.
 */
int		 poolserve_set_status(struct poolserve_request *, unsigned);
/*
 * -1 EINVAL for a name that is not an HTTP token, a value with CR, LF or
 * NUL, or a header poolserve sets itself; nothing is sent.  A
 * "Content-Length" makes a stream that length instead of chunked.
 */
int		 poolserve_add_header(struct poolserve_request *,
		    const char *, const char *);
int		 poolserve_body_copy(struct poolserve_request *, const void *,
		    size_t);
int		 poolserve_body_static(struct poolserve_request *,
		    const void *, size_t);
/* length bytes from offset; the fd is poolserve's, even on error. */
int		 poolserve_body_fd(struct poolserve_request *, int, uint64_t,
		    uint64_t);
/*
 * Stream: send data as it is written, blocking while poolserve's buffer
 * for the response is full.  -1 EPIPE once the client has gone: stop.
 */
int		 poolserve_write(struct poolserve_request *, const void *,
		    size_t);
/* Status, Content-Type and a copied body in one call. */
int		 poolserve_respond(struct poolserve_request *, unsigned,
		    const char *, const void *, size_t);
/* A text/plain body from a format. */
int		 poolserve_respondf(struct poolserve_request *, unsigned,
		    const char *, ...)
#ifdef __GNUC__
		    __attribute__((format(printf, 3, 4)))
#endif
		    ;
/* Write to poolserve's error log, prefixed with the worker and thread. */
void		 poolserve_log(const struct poolserve_request *, const char *,
		    ...)
#ifdef __GNUC__
		    __attribute__((format(printf, 2, 3)))
#endif
		    ;

#ifdef __cplusplus
}
#endif

#endif /* POOLSERVE_POOLSERVE_H */
