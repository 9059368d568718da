/*
 * What the master checks and prepares before it forks, and what a worker
 * does first: the descriptor and thread limits, the identity the workers
 * take (--user, --group, --allow-root) and the dropping of root in each
 * new worker, the pidfile and the access log's owner.  Errors before the
 * workers start are one line on standard error.
 */
#include "config.h"

#include <sys/resource.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "poolserve.h"

#define FDS_PER_WORKER_EXTRA	32	/* log, signalfd, epoll, eventfds... */

static long
startup_proc_long(const char *path)
{
	FILE	*fp;
	long	 v = -1;

	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	if (fscanf(fp, "%ld", &v) != 1)
		v = -1;
	fclose(fp);
	return v;
}

/*
 * Before anything starts: are there descriptors and threads enough for
 * the configuration?  Raises the descriptor soft limit to the hard one when
 * needed.  0, or -1 after printing one line on standard error.
 */
int
startup_limits(const struct config *cfg)
{
	struct rlimit	 rl;
	rlim_t		 need_fds, need_threads;
	long		 somaxconn, max_threads;

	need_fds = (rlim_t)cfg->max_connections + FDS_PER_WORKER_EXTRA;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < need_fds) {
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need_fds) {
			fprintf(stderr, "poolserve: --max-connections %u needs "
			    "%llu file descriptors per worker but the limit is "
			    "%llu (raise ulimit -n)\n", cfg->max_connections,
			    (unsigned long long)need_fds,
			    (unsigned long long)rl.rlim_max);
			return -1;
		}
		rl.rlim_cur = need_fds;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
			fprintf(stderr, "poolserve: cannot raise the file "
			    "descriptor limit to %llu: %s\n",
			    (unsigned long long)need_fds, strerror(errno));
			return -1;
		}
	}

	need_threads = (rlim_t)cfg->processes * (cfg->threads + 1) + 1;
	max_threads = startup_proc_long("/proc/sys/kernel/threads-max");
	if (getrlimit(RLIMIT_NPROC, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    getuid() != 0 && rl.rlim_cur < need_threads) {
		fprintf(stderr, "poolserve: %u processes x %u threads need %llu "
		    "threads but the limit is %llu (ulimit -u)\n",
		    cfg->processes, cfg->threads,
		    (unsigned long long)need_threads,
		    (unsigned long long)rl.rlim_cur);
		return -1;
	}
	if (max_threads > 0 && (rlim_t)max_threads < need_threads) {
		fprintf(stderr, "poolserve: %u processes x %u threads need %llu "
		    "threads but kernel.threads-max is %ld\n", cfg->processes,
		    cfg->threads, (unsigned long long)need_threads,
		    max_threads);
		return -1;
	}

	somaxconn = startup_proc_long("/proc/sys/net/core/somaxconn");
	if (somaxconn > 0 && cfg->listen_backlog > somaxconn)
		fprintf(stderr, "poolserve: warning: --listen %u is above "
		    "net.core.somaxconn (%ld): the kernel will cap the backlog "
		    "at %ld\n", cfg->listen_backlog, somaxconn, somaxconn);
	return 0;
}

/*
 * In a new worker: give up root for --user/--group before anything else.
 * The parent-death signal is set after this (a credential change clears
 * it).
 */
int
startup_drop_privileges(const struct identity *id)
{
	if (!id->drop)
		return 0;
	if (setgroups((size_t)id->ngroups, id->groups) == -1 ||
	    setgid(id->gid) == -1 || setuid(id->uid) == -1) {
		log_msg("cannot change to uid %u gid %u: %s",
		    (unsigned)id->uid, (unsigned)id->gid, strerror(errno));
		return -1;
	}
	if (setuid(0) != -1) {
		log_msg("could change back to root after dropping privileges");
		return -1;
	}
	return 0;
}

/*
 * --user/--group: who the workers become.  As root without --user the
 * workers would run as root: refused unless --allow-root.  Not root,
 * --user and --group can only name who we already are (nginx warns and
 * ignores them; so do we).  0, or -1 after printing one line.
 */
int
startup_identity(const struct config *cfg, struct identity *id)
{
	unsigned long long	 n;
	struct passwd		*pw = NULL;
	struct group		*gr;

	memset(id, 0, sizeof(*id));
	id->uid = geteuid();
	id->gid = getegid();
	if (cfg->user[0] != '\0') {
		if ((pw = getpwnam(cfg->user)) != NULL) {
			id->uid = pw->pw_uid;
			id->gid = pw->pw_gid;
		} else if (config_number(cfg->user, 0, 4294967294ULL, &n) ==
		    0) {
			id->uid = (uid_t)n;
			if ((pw = getpwuid(id->uid)) != NULL)
				id->gid = pw->pw_gid;
		} else {
			fprintf(stderr, "poolserve: --user %s: no such user\n",
			    cfg->user);
			return -1;
		}
	}
	if (cfg->group[0] != '\0') {
		if ((gr = getgrnam(cfg->group)) != NULL)
			id->gid = gr->gr_gid;
		else if (config_number(cfg->group, 0, 4294967294ULL, &n) == 0)
			id->gid = (gid_t)n;
		else {
			fprintf(stderr, "poolserve: --group %s: no such group\n",
			    cfg->group);
			return -1;
		}
	}
	if (geteuid() != 0) {
		if (id->uid != geteuid() || id->gid != getegid())
			fprintf(stderr, "poolserve: warning: --user and --group "
			    "need root; ignored\n");
		return 0;
	}
	if (cfg->user[0] == '\0' && !cfg->allow_root) {
		fprintf(stderr, "poolserve: refusing to run the workers as "
		    "root: add --user USER (e.g. --user nobody), or "
		    "--allow-root\n");
		return -1;
	}
	if (cfg->user[0] == '\0' && cfg->group[0] == '\0')
		return 0;
	if (id->uid == 0 && !cfg->allow_root) {
		fprintf(stderr, "poolserve: --user %s: that is root; add "
		    "--allow-root to run the workers as root\n", cfg->user);
		return -1;
	}
	id->ngroups = 0;
	if (pw != NULL) {
		id->ngroups = (int)(sizeof(id->groups) / sizeof(id->groups[0]));
		if (getgrouplist(pw->pw_name, id->gid, id->groups,
		    &id->ngroups) == -1)
			id->ngroups = 0;	/* too many: the main one */
	}
	if (id->ngroups == 0) {
		id->groups[0] = id->gid;
		id->ngroups = 1;
	}
	id->drop = true;
	return 0;
}

/* The access log belongs to the workers' user, so that they can reopen it. */
void
startup_chown_log(const struct config *cfg, const struct identity *id)
{
	const char	*path = cfg->access_log;

	if (!id->drop || path[0] == '\0' || strcmp(path, "-") == 0 ||
	    cfg->disable_logging)
		return;
	if (chown(path, id->uid, id->gid) == -1)
		log_msg("--access-log %s: chown: %s", path, strerror(errno));
}

/* The master's pid in --pidfile.  0, or -1 after printing one line. */
int
startup_pidfile(const char *path)
{
	FILE	*fp;

	if ((fp = fopen(path, "w")) == NULL ||
	    fprintf(fp, "%d\n", (int)getpid()) < 0 || fclose(fp) == EOF) {
		fprintf(stderr, "poolserve: --pidfile %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}
