/*
 * Python WSGI applications (PEP 3333), mounted as "wsgi:MODULE[:CALLABLE]"
 * or "wsgi:FILE.py" (--wsgi, --wsgi-file): the kind, and the interpreter
 * it runs in.  A request's environ is wsgi_environ.c's; its run and its
 * response, wsgi_response.c's.
 *
 * Each worker starts CPython after fork and imports the application (or,
 * with --preload, the master did both before fork and the worker only
 * takes over the interpreter).  Each pool thread gets one Python thread
 * state, made once and used for every request it runs, so that
 * threading.local() data lives on between requests and
 * threading.current_thread().name is the poolserve thread name.  A
 * request holds the GIL while Python runs and lets it go whenever
 * poolserve waits: a blocking write of the response, and whatever the
 * application itself releases it for (time.sleep, I/O).
 */
#include "config.h"

#ifdef HAVE_PYTHON		/* before the system headers, as it asks */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#endif

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "poolserve.h"

#ifndef HAVE_PYTHON

static int
wsgi_check(const struct config *cfg, const char *arg, char *err,
    size_t errlen)
{
	(void)cfg;
	(void)arg;
	snprintf(err, errlen, "this poolserve was built without Python "
	    "(./configure found no python3-embed, or --without-python): "
	    "install python3-dev and build again");
	return -1;
}

const struct app_kind app_wsgi = {
	"wsgi", wsgi_check, NULL, NULL, NULL, NULL, false
};

#else

/*
 * "MODULE[:CALLABLE]" or a file "PATH.py": import it and find the
 * callable (CALLABLE, else application, else app).  GIL held.  NULL with
 * a line in err (and the traceback on the error log).
 */
static PyObject *
wsgi_import(const char *spec, char *err, size_t errlen)
{
	PyObject	*mod = NULL, *fn = NULL, *util, *sp, *res;
	const char	*colon, *names[3];
	char		 modname[1024], path[PATH_MAX];
	size_t		 n, i;
	bool		 file;

	n = strlen(spec);
	file = (n > 3 && strcmp(spec + n - 3, ".py") == 0) ||
	    strchr(spec, '/') != NULL;
	colon = file ? NULL : strchr(spec, ':');
	n = colon != NULL ? (size_t)(colon - spec) : n;
	snprintf(modname, sizeof(modname), "%.*s", (int)n, spec);
	if (file) {
		/* uWSGI's --wsgi-file: run as module "__poolserve_app__" */
		if (realpath(spec, path) == NULL) {
			snprintf(err, errlen, "cannot import %s: %s", spec,
			    strerror(errno));
			return NULL;
		}
		if ((util = PyImport_ImportModule("importlib.util")) == NULL)
			goto fail;
		sp = PyObject_CallMethod(util, "spec_from_file_location", "ss",
		    "__poolserve_app__", path);
		if (sp != NULL && sp != Py_None &&
		    (mod = PyObject_CallMethod(util, "module_from_spec", "O",
		    sp)) != NULL) {
			PyObject	*loader;

			PyDict_SetItemString(PyImport_GetModuleDict(),
			    "__poolserve_app__", mod);
			loader = PyObject_GetAttrString(sp, "loader");
			res = loader != NULL ? PyObject_CallMethod(loader,
			    "exec_module", "O", mod) : NULL;
			Py_XDECREF(loader);
			if (res == NULL)
				Py_CLEAR(mod);
			Py_XDECREF(res);
		}
		Py_XDECREF(sp);
		Py_DECREF(util);
	} else
		mod = PyImport_ImportModule(modname);
	if (mod == NULL)
		goto fail;
	names[0] = colon != NULL ? colon + 1 : "application";
	names[1] = "app";
	for (i = 0; i < (colon != NULL ? 1U : 2U) && fn == NULL; i++) {
		fn = PyObject_GetAttrString(mod, names[i]);
		if (fn == NULL)
			PyErr_Clear();
	}
	Py_DECREF(mod);
	if (fn == NULL || !PyCallable_Check(fn)) {
		Py_XDECREF(fn);
		snprintf(err, errlen, "%s has no callable %s", spec,
		    colon != NULL ? colon + 1 : "application or app");
		return NULL;
	}
	return fn;
fail:
	wsgi_print_error(spec);
	snprintf(err, errlen, "cannot import %s (the traceback is above)",
	    spec);
	return NULL;
}

/* In the child of app_check_child: start Python and import it. */
static int
wsgi_import_check(const struct config *cfg, const char *arg, char *err,
    size_t errlen)
{
	if (wsgi_start(cfg, err, errlen) == -1 ||
	    wsgi_import(arg, err, errlen) == NULL)
		return -1;
	return 0;
}

/*
 * With --preload, in the master before fork: the import's cyclic garbage
 * collected, then every object left moved to the permanent generation
 * (gc.freeze), which the collector never visits.  A full collection in a
 * worker would otherwise write to each inherited object's header and
 * copy nearly the whole heap the workers share (measured: Flask on 4 x
 * 10 after one full collection in each worker, PSS 74.6 MB without,
 * 44.6 MB with).  What the workers make is collected as always.  GIL
 * held; -1 with a Python exception.
 */
static int
wsgi_freeze(void)
{
	PyObject	*gc, *res;
	int		 rc = -1;

	if ((gc = PyImport_ImportModule("gc")) == NULL)
		return -1;
	if ((res = PyObject_CallMethod(gc, "collect", NULL)) != NULL) {
		Py_DECREF(res);
		if ((res = PyObject_CallMethod(gc, "freeze", NULL)) != NULL) {
			Py_DECREF(res);
			rc = 0;
		}
	}
	Py_DECREF(gc);
	return rc;
}

/*
 * In the master: with --preload, start Python and import here (the
 * workers inherit both); else in a child process, so that the master
 * never runs Python and a reload imports edited code afresh.
 */
static int
wsgi_check(const struct config *cfg, const char *arg, char *err,
    size_t errlen)
{
	PyObject	*fn;

	if (!cfg->preload)
		return app_check_child(wsgi_import_check, cfg, arg, err,
		    errlen);
	if (wsgi_py.preloaded && wsgi_py.started)
		return 0;	/* a reload: the workers keep the code */
	if (!wsgi_py.started && wsgi_start(cfg, err, errlen) == -1)
		return -1;
	wsgi_py.preloaded = true;
	if ((fn = wsgi_import(arg, err, errlen)) == NULL)
		return -1;
	Py_DECREF(fn);		/* imported: in sys.modules now */
	if (wsgi_freeze() == -1) {
		wsgi_print_error("gc.freeze");
		snprintf(err, errlen, "cannot freeze the imported objects "
		    "(the traceback is above)");
		return -1;
	}
	return 0;
}

/*
 * In each worker after fork: the interpreter (started here, or taken
 * over from the master with --preload), the application, then the GIL
 * let go for the pool threads.
 */
static int
wsgi_init(struct app *a)
{
	struct wsgi_app	*wa;
	char		 err[1024];

	if ((wa = calloc(1, sizeof(*wa))) == NULL)
		return -1;
	a->data = wa;
	snprintf(wa->what, sizeof(wa->what), "wsgi:%s at %s", a->arg,
	    a->prefix[0] != '\0' ? a->prefix : "/");
	wsgi_py.worker = a->worker;
	if (!wsgi_py.started) {
		if (wsgi_start(a->cfg, err, sizeof(err)) == -1) {
			log_msg("worker %u: %s", a->worker, err);
			return -1;
		}
	} else if (wsgi_py.preloaded && !wsgi_py.in_worker)
		PyOS_AfterFork_Child();	/* the master's GIL and thread */
	else
		PyEval_RestoreThread(wsgi_py.main);	/* a second application */
	wsgi_py.in_worker = true;
	wa->callable = wsgi_import(a->arg, err, sizeof(err));
	if (wa->callable != NULL && ((wa->environ = wsgi_template(a)) ==
	    NULL || wsgi_response_ready() == -1)) {
		wsgi_print_error(wa->what);
		snprintf(err, sizeof(err), "cannot make the environ or "
		    "start_response");
		Py_CLEAR(wa->callable);
	}
	wsgi_py.main = PyEval_SaveThread();
	if (wa->callable == NULL) {
		log_msg("worker %u: %s", a->worker, err);
		return -1;
	}
	log_msg("worker %u: %s loaded (Python %s)", a->worker, wa->what,
	    PY_VERSION);
	return 0;
}

/*
 * On each pool thread: its thread state, made once for every WSGI
 * application of the process, named as the thread.
 */
static int
wsgi_thread_init(struct app *a, unsigned core, void **thread_data)
{
	PyObject	*threading, *cur = NULL, *s = NULL;
	char		 name[NAME_MAX_THREAD];
	int		 rc = 0;

	(void)thread_data;
	if (wsgi_ts != NULL)
		return 0;
	if ((wsgi_ts = PyThreadState_New(PyThreadState_GetInterpreter(
	    wsgi_py.main))) == NULL)
		return -1;
	PyEval_RestoreThread(wsgi_ts);
	pool_thread_name(name, sizeof(name), a->worker, core);
	if ((threading = PyImport_ImportModule("threading")) == NULL ||
	    (cur = PyObject_CallMethod(threading, "current_thread", NULL)) ==
	    NULL || (s = PyUnicode_FromString(name)) == NULL ||
	    PyObject_SetAttrString(cur, "name", s) == -1) {
		wsgi_print_error("naming a Python thread");
		rc = -1;
	}
	Py_XDECREF(s);
	Py_XDECREF(cur);
	Py_XDECREF(threading);
	(void)PyEval_SaveThread();
	return rc;
}

const struct app_kind app_wsgi = {
	"wsgi", wsgi_check, wsgi_init, wsgi_thread_init, wsgi_handle,
	NULL, false
};

#endif /* HAVE_PYTHON */
