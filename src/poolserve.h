/*
 * poolserve internal header, grouped by the file that defines each part.
 */
#ifndef POOLSERVE_H
#define POOLSERVE_H

#include <sys/queue.h>
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <poolserve/poolserve.h>

#define EX_BADOPT	64	/* EX_USAGE: a bad option or value */
#define EX_BADCONFIG	78	/* EX_CONFIG: a bad --config file, or an
				   application that cannot be served */
#define NAME_MAX_THREAD	16	/* pthread names: 15 chars + NUL */
#define PLURAL(n, one, many)	((n) == 1 ? (one) : (many))	/* "%u %s" */

/* config.c */
#define CONFIG_MAX_HTTP	16		/* --http sockets */
#define CONFIG_MAX_MOUNTS 32		/* --mount, --module, --static-map */
#define CONFIG_MAX_PYTHONPATH 16	/* --pythonpath */
#define CONFIG_MAX_HTTPS 16		/* --https sockets */
/* TLS 1.2 and 1.3, AEAD ciphers only, ECDHE key exchange (poolserve.1) */
#define CONFIG_TLS_PRIORITY "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:" \
	"-CIPHER-ALL:+CHACHA20-POLY1305:+AES-256-GCM:+AES-128-GCM:" \
	"-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:%SERVER_PRECEDENCE"

struct config_mount {
	char			 opt[16];	/* the option that named it */
	char			 prefix[256];	/* "" for /, else "/x" */
	char			 kind[16];	/* "lab", "static", "module", "wsgi" */
	char			 arg[1024];	/* after "kind:" */
};

enum config_origin {		/* where an option's value came from */
	CONFIG_DEFAULT,
	CONFIG_FILE,
	CONFIG_ARGV,
};

struct config_http {
	char			 spec[256];	/* --http as given */
	struct sockaddr_storage	 addr;
	socklen_t		 addrlen;
};

struct config_https {		/* --https ADDR:PORT,CERT,KEY */
	struct config_http	 http;		/* spec: ADDR:PORT */
	char			 cert[1024];	/* PEM chain, leaf first */
	char			 key[1024];	/* PEM, RSA or ECDSA */
};

struct config {
	struct config_http	 http[CONFIG_MAX_HTTP];
	unsigned		 nhttp;
	enum config_origin	 http_origin;	/* of the --http sockets */
	unsigned		 chmod_socket;	/* mode of unix: sockets */
	bool			 chmod_set;
	bool			 reuse_port;
	char			 user[64];	/* "" = stay who we are */
	char			 group[64];
	bool			 allow_root;
	unsigned		 processes;
	unsigned		 threads;
	unsigned		 listen_backlog;
	unsigned		 queue;
	unsigned		 keepalive_timeout;	/* s, 0 = close */
	unsigned		 read_timeout;		/* s */
	unsigned		 request_grace;		/* ms */
	unsigned		 max_connections;	/* per worker */
	unsigned long		 max_body_size;		/* bytes */
	unsigned		 max_header_size;	/* bytes */
	unsigned		 queue_warn;		/* ms, 0 = off */
	unsigned		 max_wait;		/* ms, 0 = off */
	unsigned		 shutdown_timeout;	/* s */
	unsigned		 max_requests;		/* 0 = no limit */
	unsigned		 max_requests_jitter;
	unsigned		 harakiri;		/* s, 0 = off */
	unsigned		 harakiri_grace;	/* s */
	char			 pidfile[1024];
	char			 chdir[1024];
	char			 access_log[1024];	/* "" = stderr */
	char			 stats[256];		/* "" = no stats server */
	struct sockaddr_storage	 stats_addr;
	socklen_t		 stats_addrlen;
	bool			 stats_allow_remote;
	char			 agent[256];		/* "" = no agent */
	struct sockaddr_storage	 agent_addr;
	socklen_t		 agent_addrlen;
	bool			 disable_logging;
	bool			 check;
	struct config_mount	 mounts[CONFIG_MAX_MOUNTS];
	unsigned		 nmounts;	/* 0: the lab at / */
	bool			 static_hidden;	/* serve dot files */
	char			 pythonpath[CONFIG_MAX_PYTHONPATH][1024];
	unsigned		 npythonpath;
	char			 virtualenv[1024];
	bool			 preload;	/* import in the master */
	/* TLS: --https, --tls-priority, --tls-client-ca */
	struct config_https	 https[CONFIG_MAX_HTTPS];
	unsigned		 nhttps;
	enum config_origin	 https_origin;
	char			 tls_priority[512];	/* GnuTLS priorities */
	char			 tls_client_ca[1024];	/* "" = no client certs */
};

enum config_result {
	CONFIG_OK,
	CONFIG_ERROR,		/* message in err, exit EX_BADOPT */
	CONFIG_BAD_FILE,	/* the same for the --config file: EX_BADCONFIG */
	CONFIG_HELP,
	CONFIG_VERSION,
};

void		 config_defaults(struct config *);
enum config_result config_parse(struct config *, int, char **, char *, size_t);
int		 config_parse_addr(const char *, struct sockaddr_storage *,
		    socklen_t *);
int		 config_number(const char *, unsigned long long,
		    unsigned long long, unsigned long long *);
int		 config_seconds(const char *, double, double, double *);
void		 config_usage(FILE *);
void		 config_describe(const struct config *, char *, size_t);

/* http.c */
struct http_head {		/* a request head, as libmicrohttpd parsed it */
	struct MHD_Connection	*mhd;
	const char		*method;
	const char		*target;	/* raw, with the query */
	const char		*version;
	const char		*path;		/* in: decoded url; out: to route */
	unsigned		 max_header_size;
};

unsigned	 http_check(struct http_head *, char *, size_t);
bool		 http_known_method(const char *);
bool		 http_token(const char *);
int		 http_probe_layout(char *, size_t);

/* listen.c */
/*
 * A listen socket.  Shared: bound and listening once, every worker
 * accepts on it.  Per worker (--reuse-port, TCP): this one is only bound,
 * to hold the address; each worker slot listens on a SO_REUSEPORT socket
 * of its own.
 */
#define LISTEN_MAX	(CONFIG_MAX_HTTP + CONFIG_MAX_HTTPS)

struct listen_sock {
	int			 fd;
	int			 tls;		/* --https index, -1: --http */
	char			 name[300];	/* as bound */
	bool			 per_worker;
	bool			 unlink;	/* a unix: path we created */
	struct sockaddr_storage	 addr;		/* as bound */
	socklen_t		 addrlen;
};

struct listen_set {
	struct listen_sock	 socks[LISTEN_MAX];
	unsigned		 nsocks;
	unsigned		 slots;		/* worker slots */
	unsigned		 backlog;
	_Atomic int		*fds;		/* see listen.c */
	bool			 activated;	/* passed by systemd */
	char			 name[1024];	/* the sockets, joined */
};

/*
 * What a listen socket's connections have as their local address, known
 * without asking: addr is "" for a wildcard address (then asked of the
 * kernel, once per connection), port 0 for a unix socket.
 */
struct listen_local {
	char			 addr[INET6_ADDRSTRLEN];
	unsigned		 port;
};

int		 listen_open(struct listen_set *, const struct config *,
		    unsigned);
unsigned	 listen_count(const struct listen_set *);
int		 listen_socket(const struct sockaddr_storage *, socklen_t,
		    const char *, const char *, unsigned, bool);
void		 listen_addr_string(const struct sockaddr_storage *, char *,
		    size_t);
void		 listen_local(int, struct listen_local *);
int		 listen_worker_fds(struct listen_set *, unsigned, int *);
void		 listen_close_slot(struct listen_set *, unsigned);
void		 listen_child_close(const struct listen_set *, const int *);
unsigned	 listen_check_full(const struct listen_set *);
void		 listen_close(struct listen_set *);
void		 listen_free(struct listen_set *);
void		 listen_started(void);

/* log.c */
struct access_entry {
	const char	*peer;		/* textual client address */
	const char	*method;
	const char	*uri;		/* raw request target */
	const char	*version;
	const char	*thread;
	unsigned	 vars;		/* request header fields */
	size_t		 vars_bytes;
	time_t		 started;	/* wall clock, request parsed */
	unsigned long	 msecs;		/* parsed -> response ready */
	size_t		 body_bytes;
	unsigned	 status;
	unsigned	 resp_headers;
	size_t		 resp_header_bytes;
	unsigned long	 queued_ms;	/* > 0: flag the wait in the FIFO */
	uint64_t	 worker_req;	/* this worker's request number */
	uint64_t	 total_req;	/* across all workers */
	pid_t		 pid;
	const char	*tls;		/* "TLS1.3"; NULL: plain HTTP */
};

int		 log_open_access(const char *, bool);
int		 log_reopen_access(void);
void		 log_msg(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
void		 log_app(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
bool		 log_access_enabled(void);
void		 log_access(const struct access_entry *);
size_t		 log_format_access(char *, size_t,
		    const struct access_entry *);
size_t		 log_escape(char *, size_t, const char *);
size_t		 log_timestamp(char *, size_t);

/* json.c: one JSON parser, a verdict (json_valid) or a tree (json_parse) */
#define JSON_NODES_MAX	(1 << 19)	/* values in a tree */

enum jtype {
	J_NULL,
	J_BOOL,
	J_NUMBER,
	J_STRING,
	J_ARRAY,
	J_OBJECT,
};

/* A parsed value; nodes refer to each other by index (the array grows). */
struct jnode {
	enum jtype		 type;
	int			 child;		/* first element/member or -1 */
	int			 next;		/* next sibling, -1 */
	const char		*key;		/* member name, NULL in array */
	union {
		long long	 num;		/* J_NUMBER, J_BOOL */
		const char	*str;		/* J_STRING, decoded */
	} v;
};

struct json {
	const char		*start, *p, *end;
	unsigned		 depth, depth_max;
	bool			 utf8;		/* strings must be UTF-8 */
	bool			 tree;		/* build nodes, decode */
	char			*sbuf;		/* decoded strings */
	size_t			 slen, scap;
	struct jnode		*nodes;
	size_t			 n, cap;
	char			 err[200];
};

int		 json_valid(const char *, size_t);
int		 json_parse(struct json *, const char *, size_t);
void		 json_free(struct json *);
int		 json_member(const struct json *, int, const char *);
int		 json_hexval(int);
size_t		 json_utf8_put(char *, unsigned);
size_t		 json_utf8_get(const unsigned char *, size_t, unsigned *);

/* stats.c: counters shared by all processes, one MAP_SHARED region */
#define STATS_BUCKETS	12	/* Prometheus' default bounds and +Inf */
#define STATS_URI_MAX	128
#define STATS_TABLES(slots)	(2 * (slots))	/* thread tables */

struct stats_thread {
	_Atomic uint64_t	 requests;
	_Atomic unsigned	 seq;		/* odd while method/uri change */
	_Atomic bool		 in_request;
	_Atomic uint64_t	 started_ms;	/* monotonic, current request */
	_Atomic unsigned	 last_status;
	char			 method[16];
	char			 uri[STATS_URI_MAX];
};

struct stats_hist {
	_Atomic uint64_t	 bucket[STATS_BUCKETS];	/* not cumulative */
	_Atomic uint64_t	 sum_us;
	_Atomic uint64_t	 count;
};

struct pool_gauges {		/* the pool's counts, published by pool.c */
	_Atomic unsigned	 running;
	_Atomic unsigned	 waiting;
	_Atomic unsigned	 conns;
};

enum tls_fail {		/* why a TLS handshake did not finish */
	TLS_FAIL_HTTP,		/* plain HTTP sent to an HTTPS port */
	TLS_FAIL_NOT_TLS,	/* something else that is not TLS */
	TLS_FAIL_REFUSED,	/* no common version, cipher or group */
	TLS_FAIL_CLIENT_ALERT,	/* the client sent one: our certificate... */
	TLS_FAIL_INCOMPLETE,	/* the client left or timed out midway */
	TLS_FAIL_SILENT,	/* nothing received */
	TLS_FAILS
};
#define TLS_VERSIONS	3	/* TLS 1.2, TLS 1.3, another */

struct stats_worker {
	_Atomic pid_t		 pid;
	_Atomic bool		 alive;
	_Atomic uint64_t	 requests;
	_Atomic uint64_t	 skipped;
	_Atomic uint64_t	 rejected;
	_Atomic uint64_t	 shed;		/* 503: over --max-wait */
	_Atomic uint64_t	 respawns;
	_Atomic uint64_t	 harakiri;	/* requests cut by --harakiri */
	_Atomic uint64_t	 kill_at_ms;	/* monotonic; 0: none due */
	_Atomic unsigned	 table;		/* its newest process's threads */
	_Atomic uint64_t	 status_class[6];	/* [1] = 1xx .. [5] = 5xx */
	_Atomic uint64_t	 sent_bytes;		/* response bodies */
	_Atomic unsigned	 parked;	/* idle connections, park.c */
	struct pool_gauges		 pool;
	struct stats_hist	 duration;		/* parsed -> response */
	struct stats_hist	 wait;			/* parsed -> thread */
	_Atomic uint64_t	 tls_handshakes;	/* finished */
	_Atomic uint64_t	 tls_version[TLS_VERSIONS];
	_Atomic uint64_t	 tls_failed[TLS_FAILS];
};

struct stats {
	_Atomic uint64_t	 hits;		/* the /hit counter */
	_Atomic uint64_t	 requests;	/* all workers */
	_Atomic uint64_t	 listen_full;	/* seconds seen full */
	time_t			 start_time;
	pid_t			 master_pid;
	_Atomic unsigned	 processes;	/* workers now (SIGTTIN/TTOU) */
	_Atomic unsigned	 queue;		/* --queue (SIGHUP may change it) */
	unsigned		 slots;		/* workers there is room for */
	unsigned		 threads;
	struct stats_worker	*workers;	/* [processes] */
	struct stats_thread	*thread_tables;	/* [STATS_TABLES * threads] */
};

struct stats_listen {		/* one listen socket, as the kernel sees it */
	const char	*name;
	unsigned	 queue;		/* waiting in the accept queue */
	unsigned	 queue_max;	/* its backlog */
};

struct stats	*stats_create(unsigned, unsigned, unsigned);
struct stats_thread *stats_thread(struct stats *, unsigned, unsigned);
struct stats_thread *stats_table(struct stats *, unsigned);
void		 stats_observe(struct stats_hist *, uint64_t);
void		 stats_begin(struct stats_thread *, const char *, const char *);
void		 stats_end(struct stats_thread *, unsigned);
bool		 stats_current(struct stats_thread *, char *, size_t, char *,
		    size_t, uint64_t *);
int		 stats_listen_info(int, struct stats_listen *);

/* buf.c: a growing string */
struct buf {
	char	*data;
	size_t	 len, cap;
	bool	 failed;
};

void		 buf_printf(struct buf *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
void		 buf_json_string(struct buf *, const char *);

/* stats_format.c: the statistics as JSON and Prometheus text */
void		 stats_json(struct buf *, struct stats *,
		    const struct stats_listen *);
void		 stats_metrics(struct buf *, struct stats *,
		    const struct stats_listen *);

/* stats_http.c: the --stats server, a thread of the master */
int		 stats_serve(struct stats *, int, _Atomic int *, unsigned,
		    const char *);
void		 stats_stop(void);

/* agent.c: the --agent line for HAProxy's agent-check, a thread of the master */
size_t		 agent_line(struct stats *, char *, size_t);
int		 agent_serve(struct stats *, int);
void		 agent_stop(void);

/* pool.c: the bounded hand-off between connections and worker threads */
struct pool_item {
	TAILQ_ENTRY(pool_item)	 entry;		/* the FIFO, or handed back */
	uint64_t		 queued_us;	/* monotonic, pool_submit() */
	uint64_t		 deadline_us;	/* pool_expire(); 0: none */
	bool			 first;		/* a new connection's request */
};

TAILQ_HEAD(pool_items, pool_item);

struct pool_fresh {		/* a connection not yet counted as a request */
	TAILQ_ENTRY(pool_fresh)	 entry;
	uint64_t		 deadline;	/* ms, monotonic */
	bool			 linked;
};

enum pool_verdict {
	POOL_QUEUED,
	POOL_REJECTED,
};

struct pool_counts {
	unsigned	 running;
	unsigned	 waiting;
	unsigned	 fresh;
	unsigned	 conns;
};

/* Returns true to hand the item back to the event loop (pool_collect). */
typedef bool	 pool_run_fn(struct pool_item *, unsigned, void *);
typedef void	 pool_start_fn(unsigned, void *);

struct pool {
	pthread_mutex_t		 lock;
	pthread_cond_t		 work;
	struct pool_items	 fifo;		/* waiting requests */
	struct pool_items	 back;		/* run, for the event loop */
	TAILQ_HEAD(, pool_fresh) fresh_list;	/* by deadline */
	unsigned		 threads;	/* T */
	unsigned		 queue_max;	/* Q */
	unsigned		 max_conns;
	unsigned		 grace_ms;
	unsigned		 running;
	unsigned		 waiting;
	unsigned		 waiting_first;	/* of those, new connections' */
	unsigned		 fresh;		/* accepted, no request yet */
	unsigned		 conns;
	unsigned		 idle;		/* threads asleep on work */
	unsigned		 wakes;		/* owed to them: pool_unlock() */
	unsigned		 started;	/* threads created */
	bool			 gate_waiting;	/* acceptor sleeps on gate_fd */
	bool			 loop_asleep;	/* the loop sleeps on gate_fd */
	bool			 stopping;
	bool			 defer_wakes;	/* pool_flush() wakes threads */
	int			 gate_fd;	/* eventfd: wakes the loop */
	pool_run_fn		*run;
	pool_start_fn		*thread_start;	/* NULL, or first on a thread */
	void			*arg;
	struct pool_gauges		*pub;		/* NULL, or counts to publish */
	pthread_t		*tids;
	void			*targs;
	uint64_t		*since;		/* per thread: its request's
						   start, us; 0 between */
	uint64_t		 run_us;	/* a request's run time lately:
						   moving average, 1/8 */
};

/* The one clock: monotonic microseconds and milliseconds. */
static inline uint64_t
pool_now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static inline uint64_t
pool_now_ms(void)
{
	return pool_now_us() / 1000;
}

void		 pool_thread_name(char *, size_t, unsigned, unsigned);
int		 pool_init(struct pool *, unsigned, unsigned, unsigned,
		    unsigned, pool_run_fn *, void *);
int		 pool_start(struct pool *, unsigned);
void		 pool_stop(struct pool *);
int		 pool_gate(struct pool *, int *);
void		 pool_accepted(struct pool *);
void		 pool_unaccepted(struct pool *);
void		 pool_conn_start(struct pool *, struct pool_fresh *);
void		 pool_conn_close(struct pool *, struct pool_fresh *);
void		 pool_unfresh(struct pool *, struct pool_fresh *);
void		 pool_parked(struct pool *, int);
enum pool_verdict pool_submit(struct pool *, struct pool_item *,
		    struct pool_fresh *);
struct pool_item *pool_take(struct pool *);
void		 pool_done(struct pool *);
int		 pool_flush(struct pool *);
bool		 pool_sleep(struct pool *);
void		 pool_collect(struct pool *, struct pool_items *);
void		 pool_expire(struct pool *, struct pool_items *, int *);
bool		 pool_probe(struct pool *);
void		 pool_counts(struct pool *, struct pool_counts *);

/*
 * app.c: the kinds of application and the --mount table.  An application
 * sees its requests only through the public interface of
 * <poolserve/poolserve.h>; a kind is one app_*.c file and one line in
 * app.c's table.
 */
struct app;

struct app_kind {
	const char	*name;		/* "lab", "static", "module", "wsgi" */
	/*
	 * In the master, before fork (and again on SIGHUP): can arg be
	 * served?  -1 with one line in err: poolserve exits 78 (EX_CONFIG),
	 * or a reload keeps the running configuration.  May be NULL.
	 */
	int		(*check)(const struct config *cfg, const char *arg,
			    char *err, size_t errlen);
	/* In each worker after fork: a->data is the kind's.  -1: exit. */
	int		(*init)(struct app *a);
	/* On each pool thread, on that thread, before its first request. */
	int		(*thread_init)(struct app *a, unsigned core,
			    void **thread_data);
	/* On a pool thread: 0 answered (or streamed), -1 failed (500). */
	int		(*handle)(struct app *a, struct poolserve_request *);
	void		(*fini)(struct app *a);	/* worker exit; may be NULL */
	/*
	 * handle runs on the event loop instead, without a thread, as soon
	 * as the request is in: it must neither block nor stream.
	 */
	bool		 on_loop;
};

struct app {
	const struct app_kind	*kind;
	const char		*prefix;	/* "" for /, else "/x" */
	const char		*arg;		/* after "kind:" */
	const struct config	*cfg;
	struct stats		*stats;
	unsigned		 worker;	/* 1-based */
	unsigned		 index;		/* in the table */
	void			*data;		/* the kind's, per worker */
};

extern const struct app_kind	 app_lab, app_static, app_module, app_wsgi;

/* mime.c: media types by file name, for static files */
#define MIME_DEFAULT_TYPE	"application/octet-stream"

struct mime;

struct mime_table {
	struct mime	*m;		/* sorted by extension */
	size_t		 n;
	char		*types;		/* the file, cut in place */
	char		**strings;	/* the types with a charset */
	size_t		 nstrings;
};

int		 mime_load(struct mime_table *, const char *);
const char	*mime_lookup(const struct mime_table *, const char *);
void		 mime_free(struct mime_table *);

/* static_path.c: request paths checked and opened beneath a directory */
struct stat;

unsigned	 static_path_check(const char *, bool, char *, size_t, bool *,
		    const char **);
int		 static_path_openat2(int, const char *, int);
unsigned	 static_path_open(int, bool, const char *, int *, struct stat *,
		    const char **);

/*
 * Python WSGI, for the files that include <Python.h>: app_wsgi.c (the
 * kind: the import, the thread states), wsgi_interp.c (the interpreter),
 * wsgi_environ.c (a request's environ), wsgi_response.c (a request run,
 * its response).
 */
#ifdef Py_PYTHON_H
struct wsgi_app {
	PyObject	*callable;
	PyObject	*environ;	/* what every request's starts as */
	char		 what[1100];	/* for the logs */
};

/* The str of the C string seen last, made again only when it changes. */
struct wsgi_memo {
	char		 s[64];
	PyObject	*o;
};

/*
 * The environ keys of the request headers seen so far ("Accept" gives
 * "HTTP_ACCEPT"), made once: open addressing on the name, lower-cased;
 * at most half the slots are filled, so that names a client makes up
 * cost a key per request rather than memory for ever.
 */
#define WSGI_KEYS	128
struct wsgi_key {
	char		 name[48];
	PyObject	*key;		/* interned */
};

/* What the interpreter holds for every application of this process. */
struct wsgi_py {
	bool		 started;
	bool		 preloaded;	/* started in the master */
	bool		 in_worker;	/* this process took it over */
	PyThreadState	*main;		/* the starting thread's */
	PyObject	*helpers;	/* the module of wsgi_helpers */
	PyObject	*errors;
	PyObject	*file_wrapper;
	PyObject	*bytesio;
	PyObject	*version;	/* (1, 0) */
	PyObject	*k_method, *k_script, *k_path, *k_query, *k_proto,
			*k_sname, *k_sport, *k_raddr, *k_rport, *k_version,
			*k_scheme, *k_input, *k_errors, *k_multithread,
			*k_multiprocess, *k_run_once, *k_file_wrapper,
			*k_terminated, *v_http, *v_https, *v_empty;
	PyObject	*s_close, *s_fileno, *s_tell;
	struct wsgi_memo m_method, m_proto, m_sname, m_sport, m_raddr;
	struct wsgi_key	 keys[WSGI_KEYS];
	unsigned	 nkeys;
	bool		 reason_logged;
	unsigned	 worker;
};

extern struct wsgi_py			 wsgi_py;
extern __thread PyThreadState		*wsgi_ts;	/* a pool thread's */

int		 wsgi_start(const struct config *, char *, size_t);
void		 wsgi_print_error(const char *);
PyObject	*wsgi_template(struct app *);
PyObject	*wsgi_environ(struct app *, struct poolserve_request *);
int		 wsgi_response_ready(void);
int		 wsgi_handle(struct app *, struct poolserve_request *);
#endif

/*
 * request.c: libmicrohttpd's callbacks, the states of a request, its
 * body, the run on a pool thread and the access-log line.  Of
 * <poolserve/poolserve.h>: view.c the request view, reply.c the answer
 * and the libmicrohttpd response made of it, stream.c a streamed answer.
 * struct poolserve_request is opaque to applications.
 */
struct conn;
struct worker;
struct stream;
struct MHD_Connection;
struct MHD_Response;

enum request_state {
	REQ_NEW,		/* headers parsed, handler not yet called */
	REQ_BODY,		/* receiving the body */
	REQ_QUEUED,		/* suspended, in the pool's FIFO or running */
	REQ_REPLY,		/* resumed with a response (or to be dropped) */
};

struct reply_header {
	char		*name;
	char		*value;
};

enum reply_body {
	BODY_MEM,		/* body, len; static or malloc'd */
	BODY_FD,		/* fd, offset, len */
	BODY_STREAM,		/* written by poolserve_write() */
	BODY_HEAD,		/* a stream's head only: HEAD */
};

struct header_sum {		/* headers as counted for the access log */
	unsigned	 n;
	size_t		 bytes;
};

struct view;			/* view.c: a request copied for a stream */

struct reply {			/* what the application answers */
	unsigned		 status;
	struct reply_header	*headers;
	unsigned		 nheaders, cap;
	bool			 has_type;	/* Content-Type set */
	enum reply_body		 kind;
	char			*body;
	bool			 body_static;
	size_t			 len;
	int			 fd;
	uint64_t		 offset;
	uint64_t		 fd_len;
	bool			 length_set;	/* a stream's Content-Length */
	uint64_t		 length;
	bool			 close;		/* Connection: close */
	bool			 requeue;	/* see request_requeue() */
	struct stream		*stream;	/* once streaming */
	uint64_t		 streamed;	/* bytes written */
	bool			 failed;	/* the stream's handler failed */
	struct header_sum	 sum;		/* a stream's, as sent */
	struct view		*view;		/* the request, copied */
};

struct poolserve_request {
	struct pool_item	 item;
	struct conn		*conn;
	struct MHD_Connection	*mhd;
	enum request_state	 state;
	char			*uri;		/* raw request target, copied */
	size_t			 uri_cap;
	const char		*method;
	const char		*path;		/* decoded, without the query */
	const char		*version;
	const struct app	*app;		/* routed to */
	const char		*app_path;	/* path below app->prefix */
	char			*body;
	size_t			 body_len;
	size_t			 body_cap;
	bool			 too_large;
	uint64_t		 parsed_ms;	/* monotonic */
	uint64_t		 parsed_us;
	uint64_t		 nth;		/* on this connection, from 1 */
	time_t			 started;	/* wall clock */
	struct MHD_Response	*response;
	unsigned		 status;
	bool			 drop;		/* close without answering */
	bool			 counted;	/* in worker.unfinished */
	unsigned		 core;		/* threads: the event loop */
	void			*thread_data;
	struct reply		 reply;
};

#ifdef MHD_VERSION		/* the files that include <microhttpd.h> */
void		*request_begin(void *, const char *, struct MHD_Connection *);
enum MHD_Result	 request_access(void *, struct MHD_Connection *,
		    const char *, const char *, const char *, const char *,
		    size_t *, void **);
void		 request_completed(void *, struct MHD_Connection *, void **,
		    enum MHD_RequestTerminationCode);
#endif
bool		 request_run(struct pool_item *, unsigned, void *);
void		 request_resume(struct pool_item *);
void		 request_expire(struct pool_item *);
void		 request_init(struct poolserve_request *, struct conn *);
void		 request_free(struct poolserve_request *);
bool		 request_release(struct poolserve_request *);
bool		 request_reading(const struct poolserve_request *);
bool		 request_client_gone(const struct conn *);
void		 request_mhd_log(void *, const char *, va_list);

/* view.c */
bool		 view_vars(const struct poolserve_request *,
		    struct header_sum *);
int		 view_take(struct poolserve_request *);

/* reply.c */
void		 reply_reset(struct reply *);
void		 reply_body_clear(struct reply *);
int		 reply_headers(struct worker *, struct reply *,
		    struct MHD_Response *, struct header_sum *, uint64_t);
struct MHD_Response *reply_response(struct worker *, struct reply *,
		    struct header_sum *);

/* stream.c */
#define STREAM_BLOCK	(16 * 1024)	/* what libmicrohttpd asks at most */

void		 stream_unref(struct stream *);
struct conn	*stream_end(struct poolserve_request *, bool);
bool		 stream_orphan(struct conn *);

/* app.c */
typedef int	 app_check_fn(const struct config *, const char *, char *,
		    size_t);
const struct app_kind *app_kind(const char *);
int		 app_check_child(app_check_fn *, const struct config *,
		    const char *, char *, size_t);
int		 app_check_all(const struct config *, char *, size_t);
int		 app_init_all(const struct config *, struct stats *, unsigned);
int		 app_thread_init(unsigned, void **);
const struct app *app_route(const char *, const char **);
unsigned	 app_count(void);
void		 app_fini_all(void);

/* tls.c: certificates (in the master), handshakes (in a worker) */
struct tls_cred {		/* one --https socket's, as read and checked */
	char			*cert;		/* PEM, NUL-terminated */
	size_t			 certlen;
	char			*key;
	size_t			 keylen;
	char			 subject[300];	/* and expiry, for the log */
};

struct tls_set {
	struct tls_cred		 creds[CONFIG_MAX_HTTPS];
	unsigned		 n;
	char			*ca;		/* --tls-client-ca, or NULL */
};

struct conn_tls {		/* an HTTPS connection's; session NULL: HTTP */
	void			*session;	/* gnutls_session_t, freed first */
	uint64_t		 started_ms;
	bool			 received;	/* first holds the first byte */
	unsigned char		 first;
	bool			 hello;		/* a ClientHello came */
	char			 bad_name[64];	/* its SNI, not a host name */
	bool			 agreed;	/* our ServerHello went */
	bool			 done;		/* the handshake finished */
	int			 alert;		/* the last received, or -1 */
	const char		*version;	/* "TLS1.3" once done */
	const char		*verify;	/* --tls-client-ca: "SUCCESS" */
	char			 verify_buf[128];
	char			 client_dn[256];	/* verified subject, or "" */
	unsigned char		*ahead;		/* read, not yet GnuTLS's */
	size_t			 ahead_len;	/* bytes in ahead */
	size_t			 ahead_off;	/* of them given to GnuTLS */
};

int		 tls_load(struct tls_set *, const struct config *, char *,
		    size_t);
void		 tls_free(struct tls_set *);
void		 tls_log(const struct tls_set *, const struct config *,
		    const char *);
void		 tls_conn_start(struct conn *, void *);
void		 tls_conn_close(struct conn *);
void		 tls_round(struct worker *);

/*
 * worker.c: one process, its event loop, the gate, accept, the
 * connections' lifetimes, retire and drain.
 */
struct conn {
	struct pool_fresh	 fresh;
	LIST_ENTRY(conn)	 entry;		/* the worker's connections */
	struct MHD_Connection	*mhd;
	struct poolserve_request req;		/* one request at a time */
	struct worker		*w;
	int			 fd;
	char			 peer[INET6_ADDRSTRLEN];
	unsigned		 port;
	char			 local[INET6_ADDRSTRLEN];	/* "" until asked */
	unsigned		 local_port;
	uint64_t		 served;	/* responses completed */
	uint64_t		 arrived_us;	/* its client's first bytes came,
						   monotonic; 0: unknown */
	uint64_t		 consumed;	/* bytes of its requests: heads
						   and Content-Length bodies */
	uint64_t		 idle_since;	/* ms, its last answer sent;
						   0 while in a request */
	bool			 parking;	/* park.c: to be parked, */
	int			 park_fd;	/* with this descriptor */
	struct conn_tls		 tls;
};

struct MHD_Daemon;

struct worker {
	const struct config	*cfg;
	struct stats		*stats;
	struct stats_worker	*sw;
	unsigned		 no;		/* 1-based */
	pid_t			 pid;
	uint64_t		 accept_pause_until;	/* ms, after EMFILE */
	uint64_t		 arrival_us;	/* of the socket being added */
	uint64_t		 add_consumed;	/* and its conn's consumed */
	uint64_t		 next_probe;	/* ms, accept_probe() */
	uint64_t		 last_sweep;		/* ms, worker_sweep() */
	uint64_t		 last_full_sweep;
	uint64_t		 max_requests;		/* 0: no limit */
	_Atomic uint64_t	 served;		/* by this process */
	_Atomic uint64_t	*busy_since;	/* [core], ms, 0 = idle */
	_Atomic int		*running_fd;	/* [core], its client, or -1 */
	struct stats_thread	*threads;	/* [core], its own table */
	_Atomic bool		 retire_asked;		/* by a pool thread */
	_Atomic bool		 retiring;		/* draining to exit */
	uint64_t		 retire_deadline;	/* ms */
	unsigned		 unfinished;	/* requests begun, not yet sent */
	struct MHD_Daemon	*mhd;
	struct MHD_Daemon	*tls_mhd[CONFIG_MAX_HTTPS];	/* --https */
	const struct tls_set	*tls;
	bool			 tls_client_ca;
	unsigned		 tls_again;	/* this round: would block */
	unsigned		 tls_moved;	/* this round: bytes, EOF, error */
	bool			 tls_stalled;	/* the last round: only again */
	struct pool		 pool;
	int			 listen_fds[LISTEN_MAX];
	int			 listen_tls[LISTEN_MAX];	/* -1: HTTP */
	struct listen_local	 listen_local[LISTEN_MAX];
	const struct listen_local *add_local;	/* of the socket being added */
	unsigned		 nlisten;	/* 0 once retiring */
	int			 sig_fd;
	int			 wake_fd;	/* eventfd: run libmicrohttpd */
	LIST_HEAD(, conn)	 conns;		/* main thread only */
	int			 ep;		/* the event loop's epoll */
	TAILQ_HEAD(, parked)	 parked;	/* idle, outside libmicrohttpd */
	TAILQ_HEAD(, parked)	 unparked;	/* their requests came */
	unsigned		 nparked;	/* in both */
	bool			 trim;		/* parked since malloc_trim() */
	char			(*names)[NAME_MAX_THREAD];	/* + "-" */
	void			**thread_data;	/* [core * apps + app] */
};

void		 worker_wake(struct worker *);

/* accept.c: the admission of new connections, on the event loop */
#ifdef MHD_VERSION
struct MHD_Daemon *accept_daemon(const struct worker *, int);
void		 accept_burst(struct worker *, int, struct MHD_Daemon *);
#endif
int		 accept_gate(struct worker *, uint64_t, bool *);
void		 accept_unparked(struct worker *);

/* park.c: idle keep-alive connections held outside libmicrohttpd */
#define PARK_TAG	(1ULL << 63)	/* epoll data: a parked socket */

void		 park_consider(struct worker *, struct conn *, uint64_t);
bool		 park_take(struct worker *, struct conn *);
void		 park_event(struct worker *, uint64_t);
int		 park_next(struct worker *, struct sockaddr_storage *,
		    socklen_t *);
void		 park_sweep(struct worker *, uint64_t, bool);
void		 worker_main(const struct config *, struct stats *,
		    const struct tls_set *, const int *, const int *, unsigned,
		    unsigned)
		    __attribute__((noreturn));

/* startup.c */
struct identity {		/* --user/--group, for the workers */
	bool			 drop;
	uid_t			 uid;
	gid_t			 gid;
	gid_t			 groups[64];
	int			 ngroups;
};

int		 startup_limits(const struct config *);
int		 startup_identity(const struct config *, struct identity *);
int		 startup_drop_privileges(const struct identity *);
void		 startup_chown_log(const struct config *,
		    const struct identity *);
int		 startup_pidfile(const char *);

/* master.c */
int		 master_run(struct config *, int, char **);

#endif /* POOLSERVE_H */
