/*
 * poolserve-stat, the stats monitor: its one internal header, grouped by
 * the file that defines each part.  It shares poolserve's bounded
 * parsers (src/config.c) and JSON parser (src/json.c), and nothing else:
 * libc only.
 *
 * The parts that read what the server sends take buffers and return
 * buffers or lines (response.c, snap.c, view.c, term_frame()); the parts
 * that do I/O (fetch.c, run.c, term.c) are thin around them.  The
 * fuzzing harnesses (fuzz/stat_*.c) link the same files.
 */
#ifndef POOLSERVE_STAT_H
#define POOLSERVE_STAT_H

#include <sys/socket.h>

#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <termios.h>

#include "poolserve.h"	/* config_seconds(), config_parse_addr(), json */

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION		"0.1.0"
#endif

#define EX_BADOPT		64	/* EX_USAGE: a bad option or value */
#define FETCH_TIMEOUT_MS	2000	/* connect + request + response */
#define HEAD_MAX		16384	/* response status line and headers */
#define BODY_MAX		(4 * 1024 * 1024)
#define RESPONSE_MAX		(HEAD_MAX + BODY_MAX + 65536)	/* + chunking */
#define JSON_NUMBER_MAX		(1LL << 53)	/* stats counters: 0..2^53 */
#define INTERVAL_MIN		0.1
#define INTERVAL_MAX		3600.0
#define VIEW_LINE_MAX		1024
#define VIEW_MIN_COLS		40

/* After an answer that is not a stats server's (a 404, not JSON). */
#define STAT_HINT	"is this poolserve's --http port? poolserve-stat " \
			"reads the --stats address"

/* sys.c: clocks, signal flags, poll with the signals let in, errors */
extern volatile sig_atomic_t	got_quit, got_winch, got_tstp;

int		 stat_err(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
double		 clock_mono(void);
double		 clock_wall(void);
long long	 clock_ms(void);
int		 out_write(int, const char *, size_t);
void		 sig_install(int);
void		 sig_stop_self(void);
int		 stat_poll(struct pollfd *, nfds_t, int);

/* options.c: the command line */
enum mode {
	MODE_LIVE,
	MODE_ONCE,
	MODE_JSON,
	MODE_CSV,
};

struct target {
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	char			 name[INET6_ADDRSTRLEN + 16];	/* [::1]:9191 */
};

struct opts {
	enum mode		 mode;
	double			 interval;
	bool			 interval_set;
	struct target		 target;
};

int		 opt_parse(struct opts *, int, char **, char *, size_t);
int		 opt_target(const char *, struct target *);

/* response.c: an HTTP/1.x response read from bytes as they come */
struct resp {
	char			*buf;
	size_t			 len, cap;
	size_t			 hlen;		/* status line, headers */
	size_t			 blen;		/* the body, once complete */
	long long		 clen;		/* Content-Length or -1 */
	bool			 chunked;
	bool			 json;		/* Content-Type: a JSON one */
};

int		 resp_feed(struct resp *, const char *, size_t, char *,
		    size_t);
int		 resp_end(struct resp *, int, char *, size_t);
char		*resp_body(struct resp *, size_t *);
void		 resp_free(struct resp *);
int		 resp_head(const char *, size_t, long long *, bool *, bool *,
		    char *, size_t);
int		 resp_dechunk(char *, size_t, bool, size_t *);

/* fetch.c: GET /stats from a target, a sample or the raw document */
struct snap;

int		 fetch_exchange(int, const char *, long long, char **,
		    size_t *, bool *, char *, size_t);
int		 fetch_get(const struct target *, char **, size_t *, bool *,
		    char *, size_t);
int		 fetch_snap(const struct target *, struct snap *, char *,
		    size_t);
int		 fetch_json(const struct target *, char **, size_t *, char *,
		    size_t);

/* snap.c: one sample of the stats document, strings made printable */
struct core {
	long long		 id, running_ms, requests, last_status;
	bool			 in_request;
	char			 name[32];
	char			 method[16];
	char			 uri[512];
};

struct snap_worker {
	long long		 id, pid, requests, skipped, rejected;
	long long		 respawn_count, rss, avg_rt, running, waiting;
	long long		 connections;
	char			 status[16];
	struct core		*cores;
	size_t			 ncores;
};

struct sock {
	char			 name[64];
	long long		 listen_queue, listen_queue_max, full_count;
};

struct snap {
	char			 version[32];
	long long		 start_time, uptime, master_pid, processes;
	long long		 threads, queue, requests, in_progress, waiting;
	struct sock		*socks;
	size_t			 nsocks;
	struct snap_worker	*workers;
	size_t			 nworkers;
	struct core		*cores;		/* all workers' cores */
	size_t			 ncores;
	double			 mono, wall;	/* when it was received */
};

int		 snap_build(struct json *, struct snap *);
int		 snap_read(const char *, size_t, struct snap *, char *,
		    size_t);
void		 snap_free(struct snap *);
void		 snap_text(char *, size_t, const char *);
double		 snap_rate(long long, long long, double);

/* view.c: what each mode shows, as lines or text */
struct frame {
	char			**text;
	bool			*bold;
	size_t			 n, cap;
	int			 cols;		/* 0: no limit */
};

void		 frame_free(struct frame *);
void		 view_build(struct frame *, const struct snap *,
		    const struct snap *, const char *);
char		*view_json(const char *, size_t, size_t *);
void		 view_csv(FILE *, const struct snap *, const struct snap *);

/* term.c: the full screen of the live view */
struct term {
	int			 rows, cols;
	bool			 active;	/* alternate screen is on */
	bool			 saved;		/* orig holds stdin's mode */
	bool			 bold;
	struct termios		 orig;
};

char		*term_frame(const struct term *, const struct frame *,
		    size_t *);
void		 term_draw(struct term *, const struct frame *);
void		 term_size(struct term *);
void		 term_enter(struct term *);
void		 term_leave(struct term *);

/* run.c: the modes */
int		 run_once(const struct target *);
int		 run_json(const struct target *);
int		 run_csv(const struct target *, double);
int		 run_live(const struct target *, double);

#endif /* POOLSERVE_STAT_H */
