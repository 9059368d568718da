/*
 * Handler modules: a shared object that exports POOLSERVE_MODULE, a
 * struct poolserve_module (<poolserve/poolserve.h>), mounted as
 * "module:PATH[,ARG]".
 *
 * Each worker loads the module after fork (so the workers of a SIGHUP
 * reload load the file as it is then), and the master checks it before:
 * in a child process of its own, so that the master never maps the
 * module (a later dlopen in a worker would find the master's copy instead
 * of a rebuilt file) and a module whose constructor crashes cannot take
 * the master down.  The module's symbols resolve against the poolserve
 * binary, which exports the poolserve_* functions (src/exports.list).
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "poolserve.h"

struct module {
	void				*dl;
	const struct poolserve_module	*m;
	char				 path[PATH_MAX];
	const char			*arg;		/* after the comma */
};

/* "PATH[,ARG]": the path ("./" before a bare file name, as dlopen wants). */
static void
module_split(const char *spec, char *path, size_t len, const char **arg)
{
	const char	*comma = strchr(spec, ',');
	size_t		 n = comma != NULL ? (size_t)(comma - spec) :
			    strlen(spec);
	bool		 bare;

	bare = memchr(spec, '/', n) == NULL;
	snprintf(path, len, "%s%.*s", bare ? "./" : "", (int)n, spec);
	*arg = comma != NULL ? comma + 1 : "";
}

/* Load and check; -1 with the reason in err. */
static int
module_open(struct module *mod, const char *spec, char *err, size_t errlen)
{
	const char	*e;

	module_split(spec, mod->path, sizeof(mod->path), &mod->arg);
	if (access(mod->path, R_OK) == -1) {
		snprintf(err, errlen, "cannot load %s: %s", mod->path,
		    strerror(errno));
		return -1;
	}
	if ((mod->dl = dlopen(mod->path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		e = dlerror();
		snprintf(err, errlen, "cannot load %s: %s", mod->path,
		    e != NULL ? e : "dlopen failed");
		return -1;
	}
	mod->m = dlsym(mod->dl, POOLSERVE_MODULE);
	if (mod->m == NULL) {
		snprintf(err, errlen, "%s does not export the symbol %s "
		    "(a struct poolserve_module)", mod->path, POOLSERVE_MODULE);
		goto fail;
	}
	if (mod->m->api_version != POOLSERVE_API_VERSION) {
		snprintf(err, errlen, "%s was built for API version %u; this "
		    "poolserve has API version %u: rebuild it against this "
		    "<poolserve/poolserve.h>", mod->path, mod->m->api_version,
		    POOLSERVE_API_VERSION);
		goto fail;
	}
	if (mod->m->handle == NULL) {
		snprintf(err, errlen, "%s: its struct poolserve_module has no "
		    "handle function", mod->path);
		goto fail;
	}
	return 0;
fail:
	dlclose(mod->dl);
	mod->dl = NULL;
	return -1;
}

/*
 * A file mounted twice would be one dlopen handle with its init and fini
 * run twice over the same globals: refused.  (The module sees where it
 * was reached by poolserve_script_name.)
 */
static int
module_once(const struct config *cfg, const char *spec, char *err,
    size_t errlen)
{
	char		 path[PATH_MAX], other[PATH_MAX], real[PATH_MAX];
	char		 oreal[PATH_MAX];
	const char	*arg;
	unsigned	 i, n = 0;

	module_split(spec, path, sizeof(path), &arg);
	if (realpath(path, real) == NULL)
		return 0;		/* module_open says why */
	for (i = 0; i < cfg->nmounts; i++) {
		if (strcmp(cfg->mounts[i].kind, "module") != 0)
			continue;
		module_split(cfg->mounts[i].arg, other, sizeof(other), &arg);
		if (realpath(other, oreal) != NULL && strcmp(real, oreal) == 0)
			n++;
	}
	if (n <= 1)
		return 0;
	snprintf(err, errlen, "%s is mounted %u times: mount a module once "
	    "(poolserve_script_name tells where a request came in)", real, n);
	return -1;
}

/* In the child of app_check_child: load it. */
static int
module_load_check(const struct config *cfg, const char *spec, char *err,
    size_t errlen)
{
	struct module	 mod;

	(void)cfg;
	memset(&mod, 0, sizeof(mod));
	return module_open(&mod, spec, err, errlen);
}

/* In the master: mounted once, and it loads (in a child process). */
static int
module_check(const struct config *cfg, const char *spec, char *err,
    size_t errlen)
{
	if (module_once(cfg, spec, err, errlen) == -1)
		return -1;
	return app_check_child(module_load_check, cfg, spec, err, errlen);
}

static int
module_init(struct app *a)
{
	struct module	*mod;
	char		 err[1024];

	if ((mod = calloc(1, sizeof(*mod))) == NULL)
		return -1;
	a->data = mod;
	if (module_open(mod, a->arg, err, sizeof(err)) == -1) {
		log_msg("worker %u: %s", a->worker, err);
		return -1;
	}
	if (mod->m->init != NULL && mod->m->init(a->worker, mod->arg) != 0) {
		log_msg("worker %u: module %s (%s): init failed", a->worker,
		    mod->m->name != NULL ? mod->m->name : "?", mod->path);
		return -1;
	}
	log_msg("worker %u: module %s loaded from %s at %s", a->worker,
	    mod->m->name != NULL ? mod->m->name : "?", mod->path,
	    a->prefix[0] != '\0' ? a->prefix : "/");
	return 0;
}

static int
module_thread_init(struct app *a, unsigned core, void **thread_data)
{
	struct module	*mod = a->data;

	if (mod->m->thread_init == NULL)
		return 0;
	return mod->m->thread_init(a->worker, core, thread_data) == 0 ? 0 : -1;
}

static int
module_handle(struct app *a, struct poolserve_request *r)
{
	struct module	*mod = a->data;

	return mod->m->handle(r) == 0 ? 0 : -1;
}

/* The module stays mapped: the process is about to exit. */
static void
module_fini(struct app *a)
{
	struct module	*mod = a->data;

	if (mod != NULL && mod->m != NULL && mod->m->fini != NULL)
		mod->m->fini();
	free(mod);
	a->data = NULL;
}

const struct app_kind app_module = {
	"module", module_check, module_init, module_thread_init,
	module_handle, module_fini, false
};
