/*
 * The master process: checks the limits and the applications
 * (startup.c, app.c), opens the listen sockets once (listen.c), forks the
 * workers that share them, then only supervises: reaps, respawns,
 * reloads, resizes, stops.  It never speaks HTTP.  All its signals are
 * blocked and taken with sigtimedwait(), so no work is ever done in a
 * signal handler.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "poolserve.h"

#define RESPAWN_FAST_MS		1000	/* a death this soon counts as a crash */
#define RESPAWN_GIVE_UP		5	/* crashes in a row before giving up */
#define RESPAWN_MIN_LIFE_MS	100	/* one fork per slot per this, at most */
#define STOP_WAIT_MS		10000	/* then SIGKILL */

struct master_worker {
	pid_t		 pid;
	uint64_t	 started_ms;
	uint64_t	 respawn_at;	/* 0: none pending */
	unsigned	 crashes;	/* quick deaths in a row */
};

struct master {
	struct config		*cfg;		/* new workers are forked with it */
	int			 argc;
	char			**argv;
	struct stats		*stats;
	struct listen_set	 ls;		/* the stats thread reads it */
	struct tls_set		 tls;		/* --https, as new workers get it */
	struct identity		 id;
	int			 stats_fd;	/* -1: no stats server */
	int			 agent_fd;	/* -1: no --agent */
	uint64_t		 last_tick;	/* ms */
	struct master_worker	*workers;
	unsigned		 nworkers;	/* slots in use: 0..n-1 */
	unsigned		 slots;		/* workers[] and stats room */
	pid_t			*retiring;	/* old workers draining */
	unsigned		 nretiring;
	bool			 stopping;
	bool			 pidfile;	/* written by us */
	pid_t			*table_pid;	/* [STATS_TABLES]: 0 = free */
};




/*
 * A free thread table of the statistics for a new process in slot i,
 * cleared; its slot's current one when none is free (more than two
 * processes of one worker number alive: reloads faster than drains).
 */
static unsigned
master_table(struct master *m, unsigned i)
{
	struct stats_thread	*t;
	unsigned		 k, c;

	for (k = 0; k < STATS_TABLES(m->slots); k++)
		if (m->table_pid[k] == 0)
			break;
	if (k == STATS_TABLES(m->slots)) {
		log_msg("worker %u: more processes alive than the statistics "
		    "have room for; its threads share a table", i + 1);
		return atomic_load(&m->stats->workers[i].table);
	}
	t = stats_table(m->stats, k);
	for (c = 0; c < m->stats->threads; c++) {
		atomic_store(&t[c].requests, 0);
		stats_end(&t[c], 0);
	}
	m->table_pid[k] = -1;		/* taken; the pid after fork */
	return k;
}

/* A process is gone: its thread table is free again. */
static void
master_table_free(struct master *m, pid_t pid)
{
	unsigned	 k;

	for (k = 0; k < STATS_TABLES(m->slots); k++)
		if (m->table_pid[k] == pid)
			m->table_pid[k] = 0;
}

static int
master_spawn(struct master *m, unsigned i)
{
	struct master_worker	*mw = &m->workers[i];
	int			 fds[LISTEN_MAX], tls[LISTEN_MAX];
	unsigned		 table, j;
	pid_t			 pid;

	if (listen_worker_fds(&m->ls, i, fds) == -1)
		return -1;
	for (j = 0; j < m->ls.nsocks; j++)
		tls[j] = m->ls.socks[j].tls;
	table = master_table(m, i);
	atomic_store(&m->stats->workers[i].table, table);	/* the child's */
	if ((pid = fork()) == -1) {
		log_msg("cannot fork worker %u: %s", i + 1, strerror(errno));
		master_table_free(m, -1);
		return -1;
	}
	if (pid == 0) {
		if (m->stats_fd != -1)
			close(m->stats_fd);
		if (m->agent_fd != -1)
			close(m->agent_fd);
		listen_child_close(&m->ls, fds);
		if (startup_drop_privileges(&m->id) == -1)
			_exit(1);
		worker_main(m->cfg, m->stats, &m->tls, fds, tls, m->ls.nsocks,
		    i + 1);
	}
	atomic_store(&m->stats->workers[i].pid, pid);
	atomic_store(&m->stats->workers[i].alive, true);
	atomic_store(&m->stats->workers[i].kill_at_ms, 0);
	if (m->table_pid[table] == -1)
		m->table_pid[table] = pid;
	mw->pid = pid;
	mw->started_ms = pool_now_ms();
	mw->respawn_at = 0;
	return 0;
}

static void
master_kill_all(struct master *m, int sig)
{
	unsigned	 i;

	for (i = 0; i < m->slots; i++)
		if (m->workers[i].pid > 0)
			kill(m->workers[i].pid, sig);
	for (i = 0; i < m->nretiring; i++)
		kill(m->retiring[i], sig);
}

static unsigned
master_alive(const struct master *m)
{
	unsigned	 i, n = m->nretiring;

	for (i = 0; i < m->slots; i++)
		n += m->workers[i].pid > 0;
	return n;
}

/* A reaped pid that was a retiring worker: forget it, say how it ended. */
static bool
master_reap_retired(struct master *m, pid_t pid, int status)
{
	unsigned	 i;

	for (i = 0; i < m->nretiring; i++)
		if (m->retiring[i] == pid)
			break;
	if (i == m->nretiring)
		return false;
	m->retiring[i] = m->retiring[--m->nretiring];
	if (WIFSIGNALED(status))
		log_msg("old worker (pid %d) killed by signal %d (%s)",
		    (int)pid, WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		log_msg("old worker (pid %d) retired, status %d", (int)pid,
		    WEXITSTATUS(status));
	return true;
}

/*
 * SIGTTIN: one worker more, in the next slot.  SIGTTOU: one fewer, the
 * last, retired gracefully as on SIGTERM.  Never fewer than one.
 */
static void
master_resize(struct master *m, int sig)
{
	struct master_worker	*mw;
	pid_t			*nr;

	if (sig == SIGTTIN) {
		if (m->nworkers == m->slots) {
			log_msg("SIGTTIN: already %u workers, the most until a "
			    "restart", m->slots);
			return;
		}
		m->workers[m->nworkers].crashes = 0;
		if (master_spawn(m, m->nworkers) == -1)
			return;
		m->nworkers++;
		atomic_store(&m->stats->processes, m->nworkers);
		log_msg("SIGTTIN: %u %s", m->nworkers,
		    PLURAL(m->nworkers, "worker", "workers"));
		return;
	}
	if (m->nworkers == 1) {
		log_msg("SIGTTOU: already down to 1 worker");
		return;
	}
	mw = &m->workers[m->nworkers - 1];
	if (mw->pid > 0) {
		if ((nr = reallocarray(m->retiring, m->nretiring + 1,
		    sizeof(*nr))) == NULL) {
			log_msg("SIGTTOU: out of memory");
			return;
		}
		m->retiring = nr;
		m->retiring[m->nretiring++] = mw->pid;
		kill(mw->pid, SIGTERM);
	}
	mw->pid = 0;
	mw->respawn_at = 0;
	m->nworkers--;
	listen_close_slot(&m->ls, m->nworkers);
	atomic_store(&m->stats->workers[m->nworkers].alive, false);
	atomic_store(&m->stats->processes, m->nworkers);
	log_msg("SIGTTOU: %u %s", m->nworkers,
	    PLURAL(m->nworkers, "worker", "workers"));
}

/* The same --https addresses, in the same order (the files may differ). */
static bool
master_same_https(const struct config *a, const struct config *b)
{
	unsigned	 i;

	if (a->nhttps != b->nhttps)
		return false;
	for (i = 0; i < a->nhttps; i++)
		if (strcmp(a->https[i].http.spec, b->https[i].http.spec) != 0)
			return false;
	return true;
}

/*
 * SIGHUP: say which of the options that change only with a restart were
 * changed (they are kept).
 */
static void
master_restart_only(const struct config *cur, const struct config *next)
{
	char	 list[512];
	size_t	 len = 0;

#define CHANGED(cond, name)						\
	do {								\
		if ((cond) && len < sizeof(list))			\
			len += (size_t)snprintf(list + len,		\
			    sizeof(list) - len, "%s%s", len == 0 ? "" :	\
			    ", ", (name));				\
	} while (0)
	CHANGED(next->nhttp != cur->nhttp || memcmp(next->http, cur->http,
	    sizeof(next->http)) != 0, "--http");
	CHANGED(!master_same_https(cur, next), "--https addresses");
	CHANGED(next->reuse_port != cur->reuse_port, "--reuse-port");
	CHANGED(next->chmod_socket != cur->chmod_socket, "--chmod-socket");
	CHANGED(strcmp(next->user, cur->user) != 0, "--user");
	CHANGED(strcmp(next->group, cur->group) != 0, "--group");
	CHANGED(next->listen_backlog != cur->listen_backlog, "--listen");
	CHANGED(next->processes != cur->processes, "--processes");
	CHANGED(next->threads != cur->threads, "--threads");
	CHANGED(strcmp(next->stats, cur->stats) != 0, "--stats");
	CHANGED(strcmp(next->agent, cur->agent) != 0, "--agent");
	CHANGED(strcmp(next->pidfile, cur->pidfile) != 0, "--pidfile");
	CHANGED(strcmp(next->chdir, cur->chdir) != 0, "--chdir");
	CHANGED(strcmp(next->access_log, cur->access_log) != 0 ||
	    next->disable_logging != cur->disable_logging, "--access-log");
#undef CHANGED
	if (len > 0)
		log_msg("SIGHUP: %s %s only with a restart: kept as they were; "
		    "the other options apply to the new workers", list,
		    strchr(list, ',') != NULL ? "change" : "changes");
}

/*
 * SIGHUP: parse the command line (and so the --config file) again.  What
 * the running master cannot change (the sockets, the process and thread
 * counts the shared memory was sized for, the stats server, the pid file,
 * the directory, the access log) is kept, and said so; the rest goes to
 * the workers forked from now on.  A bad file keeps the old configuration.
 */
static int
master_reread(struct master *m)
{
	struct config	 next, *cur = m->cfg;
	struct tls_set	 tls;
	char		 err[1024];

	config_defaults(&next);
	if (config_parse(&next, m->argc, m->argv, err, sizeof(err)) !=
	    CONFIG_OK) {
		log_msg("SIGHUP: %s; keeping the running configuration and "
		    "workers", err);
		return -1;
	}
	if (app_check_all(&next, err, sizeof(err)) == -1) {
		log_msg("SIGHUP: %s; keeping the running configuration and "
		    "workers", err);
		return -1;
	}
	master_restart_only(cur, &next);
	if (!master_same_https(cur, &next)) {	/* the files re-read still */
		memcpy(next.https, cur->https, sizeof(next.https));
		next.nhttps = cur->nhttps;
		next.https_origin = cur->https_origin;
	}
	/*
	 * The certificates and keys are read again, so that a renewed one
	 * is served by the new workers; one that cannot be served keeps
	 * the running workers and theirs.
	 */
	if (tls_load(&tls, &next, err, sizeof(err)) != 0) {
		log_msg("SIGHUP: %s; keeping the running configuration, "
		    "workers and certificates", err);
		return -1;
	}
	tls_free(&m->tls);
	m->tls = tls;
	tls_log(&m->tls, &next, "SIGHUP: ");
	memcpy(next.http, cur->http, sizeof(next.http));
	next.nhttp = cur->nhttp;
	next.http_origin = cur->http_origin;
	next.reuse_port = cur->reuse_port;
	next.chmod_socket = cur->chmod_socket;
	next.chmod_set = cur->chmod_set;
	memcpy(next.user, cur->user, sizeof(next.user));
	memcpy(next.group, cur->group, sizeof(next.group));
	next.allow_root = cur->allow_root;
	next.listen_backlog = cur->listen_backlog;
	next.processes = cur->processes;
	next.threads = cur->threads;
	memcpy(next.stats, cur->stats, sizeof(next.stats));
	next.stats_addr = cur->stats_addr;
	next.stats_addrlen = cur->stats_addrlen;
	next.stats_allow_remote = cur->stats_allow_remote;
	memcpy(next.agent, cur->agent, sizeof(next.agent));
	next.agent_addr = cur->agent_addr;
	next.agent_addrlen = cur->agent_addrlen;
	memcpy(next.pidfile, cur->pidfile, sizeof(next.pidfile));
	memcpy(next.chdir, cur->chdir, sizeof(next.chdir));
	memcpy(next.access_log, cur->access_log, sizeof(next.access_log));
	next.disable_logging = cur->disable_logging;
	next.check = false;
	*cur = next;
	atomic_store(&m->stats->queue, cur->queue);	/* the stats thread's */
	return 0;
}

/*
 * SIGHUP: start a new generation of workers on the same listen socket,
 * then retire the old ones gracefully (SIGTERM: they stop accepting and
 * finish what they have).  The socket never closes, so no client is lost.
 */
static void
master_reload(struct master *m)
{
	pid_t		*nr, old;
	unsigned	 i;

	if (master_reread(m) == -1)
		return;
	nr = reallocarray(m->retiring, m->nretiring + m->nworkers,
	    sizeof(*nr));
	if (nr == NULL) {
		log_msg("SIGHUP: out of memory; not reloading");
		return;
	}
	m->retiring = nr;
	log_msg("SIGHUP: reloading: starting %u new workers, retiring the "
	    "old ones", m->nworkers);
	for (i = 0; i < m->nworkers; i++) {
		old = m->workers[i].pid;
		if (master_spawn(m, i) == -1) {
			m->workers[i].pid = old;	/* keep the old one */
			continue;
		}
		m->workers[i].crashes = 0;
		if (old > 0) {
			m->retiring[m->nretiring++] = old;
			kill(old, SIGTERM);
		}
	}
}

/* Reap every dead worker; schedule its respawn unless stopping. */
static int
master_reap(struct master *m)
{
	struct master_worker	*mw;
	uint64_t		 now;
	unsigned		 i;
	pid_t			 pid;
	int			 status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		master_table_free(m, pid);
		if (master_reap_retired(m, pid, status))
			continue;
		for (i = 0; i < m->slots; i++)
			if (m->workers[i].pid == pid)
				break;
		if (i == m->slots)
			continue;
		mw = &m->workers[i];
		mw->pid = 0;
		atomic_store(&m->stats->workers[i].alive, false);
		if (WIFSIGNALED(status))
			log_msg("worker %u (pid %d) killed by signal %d (%s)",
			    i + 1, (int)pid, WTERMSIG(status),
			    strsignal(WTERMSIG(status)));
		else if (WEXITSTATUS(status) == 0 && !m->stopping)
			log_msg("worker %u (pid %d) retired", i + 1, (int)pid);
		else if (WEXITSTATUS(status) != 0)
			log_msg("worker %u (pid %d) exited with status %d",
			    i + 1, (int)pid, WEXITSTATUS(status));
		if (m->stopping)
			continue;
		now = pool_now_ms();
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			mw->crashes = 0;	/* retired (--max-requests) */
		else if (now - mw->started_ms < RESPAWN_FAST_MS) {
			if (++mw->crashes >= RESPAWN_GIVE_UP) {
				log_msg("worker %u died %u times in a row within "
				    "%u ms of starting; giving up", i + 1,
				    mw->crashes, RESPAWN_FAST_MS);
				return -1;
			}
		} else
			mw->crashes = 0;
		/* back off: 0, 100, 200, 400, 800 ms after quick deaths */
		mw->respawn_at = now + (mw->crashes == 0 ? 0 :
		    100U << (mw->crashes - 1));
		/* a retired worker is replaced at most RESPAWN_MIN_LIFE_MS
		 * after its start, so a tiny --max-requests cannot spin */
		if (mw->respawn_at < mw->started_ms + RESPAWN_MIN_LIFE_MS)
			mw->respawn_at = mw->started_ms + RESPAWN_MIN_LIFE_MS;
		atomic_fetch_add(&m->stats->workers[i].respawns, 1);
	}
	return 0;
}

/* Start the workers whose respawn is due; the ms until the next one. */
static long
master_respawn_due(struct master *m)
{
	struct master_worker	*mw;
	uint64_t		 now = pool_now_ms();
	long			 next = -1;
	unsigned		 i;

	for (i = 0; i < m->slots; i++) {
		mw = &m->workers[i];
		if (mw->respawn_at == 0)
			continue;
		if (mw->respawn_at <= now) {
			if (master_spawn(m, i) == 0) {
				log_msg("worker %u respawned (pid %d, respawn "
				    "%llu)", i + 1, (int)mw->pid,
				    (unsigned long long)atomic_load(
				    &m->stats->workers[i].respawns));
				continue;
			}
			mw->respawn_at = now + 1000;
		}
		if (next == -1 || (long)(mw->respawn_at - now) < next)
			next = (long)(mw->respawn_at - now);
	}
	return next;
}

/* Once a second: full listen queues are logged and counted. */
/*
 * A worker recycled by --harakiri that has not exited after
 * --harakiri-grace (and a margin) is killed; the reaper respawns it.
 */
static void
master_harakiri(struct master *m, uint64_t now)
{
	struct stats_worker	*sw;
	uint64_t		 at;
	unsigned		 i;

	for (i = 0; i < m->nworkers; i++) {
		sw = &m->stats->workers[i];
		at = atomic_load(&sw->kill_at_ms);
		if (at == 0 || now < at || m->workers[i].pid <= 0)
			continue;
		atomic_store(&sw->kill_at_ms, 0);
		log_msg("harakiri: worker %u (pid %d) still runs %u s after its "
		    "request was cut (--harakiri-grace): killed", i + 1,
		    (int)m->workers[i].pid, m->cfg->harakiri_grace);
		kill(m->workers[i].pid, SIGKILL);
	}
}

static void
master_tick(struct master *m)
{
	uint64_t	 now = pool_now_ms();

	if (now - m->last_tick < 1000)
		return;
	m->last_tick = now;
	atomic_fetch_add(&m->stats->listen_full, listen_check_full(&m->ls));
	master_harakiri(m, now);
}

/*
 * Stop every worker and wait for them: SIGTERM lets them finish within
 * --shutdown-timeout, SIGINT stops them at once; SIGKILL after that.
 * The master's copies of the listen sockets are closed first, so that new
 * clients are refused rather than left waiting.
 */
static void
master_stop(struct master *m, int sig)
{
	struct timespec	 ts = { 0, 50 * 1000000 };
	uint64_t	 deadline = pool_now_ms() + STOP_WAIT_MS +
			    (sig == SIGTERM ? m->cfg->shutdown_timeout * 1000ULL :
			    0);
	sigset_t	 set;
	bool		 killed = false;

	m->stopping = true;
	listen_close(&m->ls);
	master_kill_all(m, sig);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	while (master_alive(m) > 0) {
		(void)master_reap(m);
		if (master_alive(m) == 0)
			break;
		if (!killed && pool_now_ms() >= deadline) {
			log_msg("workers still running: killing them");
			master_kill_all(m, SIGKILL);
			killed = true;
		}
		(void)sigtimedwait(&set, NULL, &ts);
	}
	/* master_run returns next; only this thread reads these */
	free(m->workers);
	m->workers = NULL;
	m->nworkers = 0;
	free(m->retiring);
	m->retiring = NULL;
	m->nretiring = 0;
	free(m->table_pid);
	m->table_pid = NULL;
	stats_stop();		/* it reads m->ls */
	agent_stop();
	listen_free(&m->ls);
	tls_free(&m->tls);
}



static void
master_stats_name(int fd, const char *spec, char *name, size_t len)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0 &&
	    ss.ss_family != AF_UNIX)
		listen_addr_string(&ss, name, len);
	else
		snprintf(name, len, "%s", spec);
}


static void
master_unlink_pidfile(struct master *m)
{
	if (m->pidfile)
		(void)unlink(m->cfg->pidfile);
	m->pidfile = false;
}

/*
 * Socket activation: the backlog is the passed socket's (systemd's
 * Backlog=), not --listen; say what the kernel has.
 */
static void
master_describe_activated(struct master *m, char *desc, size_t len)
{
	struct config		 c = *m->cfg;
	struct stats_listen	 l;

	if (stats_listen_info(m->ls.socks[0].fd, &l) == 0 && l.queue_max > 0)
		c.listen_backlog = l.queue_max;
	config_describe(&c, desc, len);
}

int
master_run(struct config *cfg, int argc, char **argv)
{
	struct master		 m;
	struct timespec		 ts;
	siginfo_t		 si;
	sigset_t		 set;
	char			 stats_name[300], desc[256], err[1024];
	unsigned		 i;
	long			 wait_ms;
	int			 sig, rc;

	if (cfg->chdir[0] != '\0' && chdir(cfg->chdir) == -1) {
		fprintf(stderr, "poolserve: --chdir %s: %s\n", cfg->chdir,
		    strerror(errno));
		return 1;
	}
	if (startup_limits(cfg) == -1)
		return 1;
	if (http_probe_layout(err, sizeof(err)) == -1) {
		fprintf(stderr, "poolserve: %s\n", err);
		return 1;
	}
	if (app_check_all(cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "poolserve: %s\n", err);
		return EX_BADCONFIG;
	}
	memset(&m, 0, sizeof(m));
	if ((rc = tls_load(&m.tls, cfg, err, sizeof(err))) != 0) {
		fprintf(stderr, "poolserve: %s\n", err);
		return rc;
	}
	if (startup_identity(cfg, &m.id) == -1) {
		tls_free(&m.tls);
		return EX_BADOPT;
	}
	config_describe(cfg, desc, sizeof(desc));
	if (cfg->check) {
		printf("poolserve: configuration ok: %s on", desc);
		for (i = 0; i < cfg->nhttp; i++)
			printf("%s %s", i == 0 ? "" : ",", cfg->http[i].spec);
		for (i = 0; i < cfg->nhttps; i++)
			printf("%s https://%s", i + cfg->nhttp == 0 ? "" : ",",
			    cfg->https[i].http.spec);
		printf("\n");
		tls_free(&m.tls);
		return 0;
	}
	if (log_open_access(cfg->access_log, cfg->disable_logging) == -1) {
		fprintf(stderr, "poolserve: --access-log %s: %s\n",
		    cfg->access_log, strerror(errno));
		tls_free(&m.tls);
		return 1;
	}

	m.cfg = cfg;
	startup_chown_log(m.cfg, &m.id);
	m.argc = argc;
	m.argv = argv;
	m.stats_fd = -1;
	m.agent_fd = -1;
	/* room for SIGTTIN: twice --processes, at least 8 more, at most 256 */
	m.slots = cfg->processes * 2 > cfg->processes + 8 ?
	    cfg->processes * 2 : cfg->processes + 8;
	if (m.slots > 256)
		m.slots = cfg->processes > 256 ? cfg->processes : 256;
	m.nworkers = cfg->processes;
	if (listen_open(&m.ls, cfg, m.slots) == -1) {
		tls_free(&m.tls);
		return 1;
	}
	if (cfg->stats[0] != '\0' && (m.stats_fd = listen_socket(
	    &cfg->stats_addr, cfg->stats_addrlen, cfg->stats, "--stats", 64,
	    false)) ==
	    -1)
		goto fail;
	if (cfg->stats[0] != '\0')
		master_stats_name(m.stats_fd, cfg->stats, stats_name,
		    sizeof(stats_name));
	if (cfg->agent[0] != '\0' && (m.agent_fd = listen_socket(
	    &cfg->agent_addr, cfg->agent_addrlen, cfg->agent, "--agent", 64,
	    false)) == -1)
		goto fail;
	if (cfg->pidfile[0] != '\0') {
		if (startup_pidfile(cfg->pidfile) == -1)
			goto fail;
		m.pidfile = true;
	}
	if ((m.stats = stats_create(m.slots, cfg->processes, cfg->threads)) ==
	    NULL || (m.workers = calloc(m.slots, sizeof(*m.workers))) == NULL ||
	    (m.table_pid = calloc(STATS_TABLES(m.slots),
	    sizeof(*m.table_pid))) == NULL) {
		fprintf(stderr, "poolserve: out of memory\n");
		goto fail;
	}
	atomic_store(&m.stats->queue, cfg->queue);
	if (m.ls.activated)
		master_describe_activated(&m, desc, sizeof(desc));

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTTIN);
	sigaddset(&set, SIGTTOU);
	sigprocmask(SIG_BLOCK, &set, NULL);

	log_msg("poolserve %s (libmicrohttpd %s) listening on %s%s%s: %s",
	    PACKAGE_VERSION, MHD_get_version(), m.ls.name,
	    m.ls.activated ? " (socket activation)" : "",
	    cfg->reuse_port && !m.ls.activated ?
	    " (one socket per worker)" : "",
	    desc);
	if (m.id.drop)
		log_msg("workers run as uid %u gid %u", (unsigned)m.id.uid,
		    (unsigned)m.id.gid);
	tls_log(&m.tls, cfg, "");
	for (i = 0; i < cfg->processes; i++)
		if (master_spawn(&m, i) == -1) {
			master_stop(&m, SIGTERM);
			master_unlink_pidfile(&m);
			return 1;
		}
	listen_started();	/* errors of later sockets go to the log */
	/* After the first fork: the workers never hold the stats thread. */
	if (m.stats_fd != -1) {
		if (stats_serve(m.stats, m.stats_fd, m.ls.fds,
		    listen_count(&m.ls), m.ls.name) == -1) {
			log_msg("cannot start the stats server on %s: %s",
			    stats_name, strerror(errno));
			master_stop(&m, SIGTERM);
			master_unlink_pidfile(&m);
			return 1;
		}
		log_msg("stats on http://%s/ (JSON) and /metrics", stats_name);
	}
	if (m.agent_fd != -1) {
		master_stats_name(m.agent_fd, cfg->agent, stats_name,
		    sizeof(stats_name));
		if (agent_serve(m.stats, m.agent_fd) == -1) {
			log_msg("cannot start the agent on %s: %s", stats_name,
			    strerror(errno));
			master_stop(&m, SIGTERM);
			master_unlink_pidfile(&m);
			return 1;
		}
		log_msg("agent-check answers on %s", stats_name);
	}

	for (;;) {
		master_tick(&m);
		wait_ms = master_respawn_due(&m);
		if (wait_ms < 0 || wait_ms > 1000)
			wait_ms = 1000;
		ts.tv_sec = wait_ms / 1000;
		ts.tv_nsec = (wait_ms % 1000) * 1000000;
		if ((sig = sigtimedwait(&set, &si, &ts)) == -1)
			continue;	/* timeout or EINTR */
		switch (sig) {
		case SIGCHLD:
			if (master_reap(&m) == -1) {
				master_stop(&m, SIGTERM);
				return 1;
			}
			break;
		case SIGHUP:
			master_reload(&m);
			break;
		case SIGTTIN:
		case SIGTTOU:
			master_resize(&m, sig);
			break;
		case SIGUSR1:
			if (log_reopen_access() == -1)
				log_msg("SIGUSR1: reopening the access log: %s",
				    strerror(errno));
			startup_chown_log(m.cfg, &m.id);
			master_kill_all(&m, SIGUSR1);
			break;
		case SIGTERM:
			log_msg("SIGTERM: stopping %u %s gracefully "
			    "(--shutdown-timeout %u s)", master_alive(&m),
			    PLURAL(master_alive(&m), "worker", "workers"),
			    cfg->shutdown_timeout);
			master_stop(&m, SIGTERM);
			master_unlink_pidfile(&m);
			log_msg("stopped");
			return 0;
		default:
			log_msg("%s: stopping %u %s now", strsignal(sig),
			    master_alive(&m), PLURAL(master_alive(&m), "worker",
			    "workers"));
			master_stop(&m, SIGINT);
			master_unlink_pidfile(&m);
			log_msg("stopped");
			return 0;
		}
	}
fail:
	/* start-up failed: leave nothing behind (sockets, their files, pidfile) */
	if (m.stats_fd != -1)
		close(m.stats_fd);
	if (m.agent_fd != -1)
		close(m.agent_fd);
	listen_close(&m.ls);
	listen_free(&m.ls);
	master_unlink_pidfile(&m);
	free(m.workers);
	free(m.table_pid);
	tls_free(&m.tls);
	return 1;
}
