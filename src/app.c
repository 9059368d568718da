/*
 * The kinds of application and the --mount table.  A kind is one app_*.c
 * file and one line in app_kinds[]; a mount puts one application of a
 * kind at a path prefix.  With nothing mounted, the lab serves /.
 *
 * The table is built in each worker after fork (app_init_all) and only
 * read afterwards, by every pool thread: routing takes no lock.
 */
#include "config.h"

#include <sys/wait.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "poolserve.h"

static const struct app_kind *const app_kinds[] = {
	&app_lab,
	&app_static,
	&app_module,
	&app_wsgi,
};

static struct app	 apps[CONFIG_MAX_MOUNTS];	/* longest prefix first */
static unsigned		 napps;

static const struct config_mount app_default = { "--mount", "", "lab", "" };

const struct app_kind *
app_kind(const char *name)
{
	size_t	 i;

	for (i = 0; i < sizeof(app_kinds) / sizeof(app_kinds[0]); i++)
		if (strcmp(app_kinds[i]->name, name) == 0)
			return app_kinds[i];
	return NULL;
}

static const struct config_mount *
app_mount(const struct config *cfg, unsigned i)
{
	return cfg->nmounts == 0 ? &app_default : &cfg->mounts[i];
}

/*
 * In the master before fork, and on SIGHUP: can every application be
 * served?  -1 with one line in err naming the mount.
 */
int
app_check_all(const struct config *cfg, char *err, size_t errlen)
{
	const struct config_mount	*m;
	const struct app_kind		*k;
	char				 why[768];
	unsigned			 i, n;

	n = cfg->nmounts == 0 ? 1 : cfg->nmounts;
	for (i = 0; i < n; i++) {
		m = app_mount(cfg, i);
		if ((k = app_kind(m->kind)) == NULL) {
			snprintf(err, errlen, "--mount %s: no application "
			    "kind \"%s\"", m->prefix[0] != '\0' ? m->prefix :
			    "/", m->kind);
			return -1;
		}
		if (k->check == NULL || k->check(cfg, m->arg, why,
		    sizeof(why)) == 0)
			continue;
		if (strcmp(m->opt, "--mount") == 0 ||
		    strcmp(m->opt, "--static-map") == 0)
			snprintf(err, errlen, "%s %s=%s%s%s: %s", m->opt,
			    m->prefix[0] != '\0' ? m->prefix : "/",
			    strcmp(m->opt, "--mount") == 0 ? m->kind : "",
			    strcmp(m->opt, "--mount") == 0 ? ":" : "", m->arg,
			    why);
		else
			snprintf(err, errlen, "%s %s: %s", m->opt, m->arg, why);
		return -1;
	}
	return 0;
}

/*
 * Run a kind's check in a child process, which reports what is wrong
 * through a pipe: what the check loads (a module, Python) is never
 * mapped in the master, and a crash while loading takes only the child.
 */
int
app_check_child(app_check_fn *fn, const struct config *cfg, const char *arg,
    char *err, size_t errlen)
{
	int		 fds[2], status = 0;
	pid_t		 pid;
	ssize_t		 n;

	if (pipe(fds) == -1 || (pid = fork()) == -1) {
		snprintf(err, errlen, "cannot check it: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		if (fn(cfg, arg, err, errlen) == -1) {
			(void)!write(fds[1], err, strlen(err));
			_exit(1);
		}
		_exit(0);
	}
	close(fds[1]);
	n = read(fds[0], err, errlen - 1);
	err[n > 0 ? (size_t)n : 0] = '\0';
	close(fds[0]);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			snprintf(err, errlen, "cannot check it: waitpid: %s",
			    strerror(errno));
			return -1;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (err[0] == '\0')
		snprintf(err, errlen, "it crashed while loading (%s)",
		    WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) :
		    "no reason given");
	return -1;
}

static int
app_by_prefix(const void *a, const void *b)
{
	const struct app	*x = a, *y = b;
	size_t			 lx = strlen(x->prefix), ly = strlen(y->prefix);

	return lx < ly ? 1 : lx > ly ? -1 : 0;
}

/*
 * In each worker after fork: the table, longest prefix first, and each
 * application's init.  -1 (logged) when one cannot start.
 */
int
app_init_all(const struct config *cfg, struct stats *stats, unsigned worker)
{
	const struct config_mount	*m;
	struct app			*a;
	unsigned			 i, n;

	n = cfg->nmounts == 0 ? 1 : cfg->nmounts;
	for (i = 0; i < n; i++) {
		m = app_mount(cfg, i);
		a = &apps[i];
		memset(a, 0, sizeof(*a));
		if ((a->kind = app_kind(m->kind)) == NULL) {
			log_msg("worker %u: no application kind \"%s\"", worker,
			    m->kind);
			return -1;
		}
		a->prefix = m->prefix;
		a->arg = m->arg;
		a->cfg = cfg;
		a->stats = stats;
		a->worker = worker;
	}
	napps = n;
	qsort(apps, napps, sizeof(apps[0]), app_by_prefix);
	for (i = 0; i < napps; i++) {
		a = &apps[i];
		a->index = i;
		if (a->kind->init != NULL && a->kind->init(a) == -1) {
			log_msg("worker %u: the %s application at %s cannot "
			    "start", worker, a->kind->name,
			    a->prefix[0] != '\0' ? a->prefix : "/");
			return -1;
		}
	}
	return 0;
}

/* On pool thread <core>: each application's thread_init. */
int
app_thread_init(unsigned core, void **thread_data)
{
	unsigned	 i;

	for (i = 0; i < napps; i++)
		if (apps[i].kind->thread_init != NULL &&
		    apps[i].kind->thread_init(&apps[i], core,
		    &thread_data[i]) == -1) {
			log_msg("worker %u: the %s application at %s cannot "
			    "start thread %u", apps[i].worker,
			    apps[i].kind->name, apps[i].prefix[0] != '\0' ?
			    apps[i].prefix : "/", core);
			return -1;
		}
	return 0;
}

unsigned
app_count(void)
{
	return napps;
}

/*
 * The application for a decoded path: the longest prefix that is the
 * whole path or is followed by '/'.  *rest is the path below it ("/" at
 * least).  NULL when none is mounted there.
 */
const struct app *
app_route(const char *path, const char **rest)
{
	size_t	 len;
	unsigned i;

	for (i = 0; i < napps; i++) {
		len = strlen(apps[i].prefix);
		if (strncmp(path, apps[i].prefix, len) != 0 ||
		    (path[len] != '\0' && path[len] != '/' && len != 0))
			continue;
		*rest = path[len] != '\0' ? path + len : "/";
		return &apps[i];
	}
	*rest = path;
	return NULL;
}

/* At the worker's exit, once no handler runs. */
void
app_fini_all(void)
{
	unsigned	 i;

	for (i = 0; i < napps; i++)
		if (apps[i].kind->fini != NULL)
			apps[i].kind->fini(&apps[i]);
	napps = 0;
}
