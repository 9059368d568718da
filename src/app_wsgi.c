/*
 * Python WSGI applications (PEP 3333), mounted as "wsgi:MODULE[:CALLABLE]"
 * or "wsgi:FILE.py" (--wsgi, --wsgi-file).
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
 *
 * The response is buffered when the application's iterable yields one
 * piece (it then has a Content-Length), streamed through poolserve_write
 * as it yields when there are more, and sent with sendfile when it is a
 * wsgi.file_wrapper of a file with a descriptor.
 */
#include "config.h"

#ifdef HAVE_PYTHON		/* before the system headers, as it asks */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#endif

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <microhttpd.h>		/* its reason phrases, for a log line */

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

/* Helpers written in Python, run once in the interpreter. */
static const char wsgi_helpers[] =
"import io, sys\n"
"class ErrorLog:\n"
"    '''wsgi.errors: lines to poolserve's error log'''\n"
"    def write(self, s):\n"
"        _log(s)\n"
"    def writelines(self, seq):\n"
"        for s in seq:\n"
"            _log(s)\n"
"    def flush(self):\n"
"        pass\n"
"class FileWrapper:\n"
"    '''wsgi.file_wrapper: sent with sendfile when filelike has fileno'''\n"
"    def __init__(self, filelike, blksize=8192):\n"
"        self.filelike = filelike\n"
"        self.blksize = blksize\n"
"        if hasattr(filelike, 'close'):\n"
"            self.close = filelike.close\n"
"    def __iter__(self):\n"
"        return self\n"
"    def __next__(self):\n"
"        data = self.filelike.read(self.blksize)\n"
"        if data:\n"
"            return data\n"
"        raise StopIteration\n"
"errors = ErrorLog()\n"
"BytesIO = io.BytesIO\n";

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
static struct {
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
} py;

static __thread PyThreadState	*wsgi_ts;	/* this pool thread's */
static __thread PyObject	*wsgi_sr;	/* its start_response */

/* The state of one call of the application. */
struct wsgi_call {
	struct poolserve_request	*r;
	struct wsgi_app			*wa;
	PyObject			*status;	/* str, or NULL */
	PyObject			*headers;	/* list, or NULL */
	PyObject			*pending;	/* one piece held back */
	bool				 sent;		/* the head is out */
	bool				 gone;		/* the client left */
};

/* start_response and its write(), bound to one call. */
struct wsgi_responder {
	PyObject_HEAD
	struct wsgi_call	*call;		/* NULL once the call ended */
};

static PyObject	*wsgi_template(struct app *);
static PyObject	*wsgi_responder_call(PyObject *, PyObject *, PyObject *);
static PyObject	*wsgi_responder_write(PyObject *, PyObject *);

static PyMethodDef wsgi_responder_methods[] = {
	{ "write", wsgi_responder_write, METH_O,
	    "write(data): send data at once (PEP 3333)" },
	{ NULL, NULL, 0, NULL }
};

static PyTypeObject wsgi_responder_type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "poolserve.start_response",
	.tp_basicsize = sizeof(struct wsgi_responder),
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_call = wsgi_responder_call,
	.tp_methods = wsgi_responder_methods,
	.tp_new = NULL,
};

/* wsgi.errors.write: one error-log line a write, its newline dropped. */
static PyObject *
wsgi_log(PyObject *self, PyObject *arg)
{
	const char	*s;
	Py_ssize_t	 n;

	(void)self;
	if ((s = PyUnicode_AsUTF8AndSize(arg, &n)) == NULL)
		return NULL;
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	if (n > 0)
		log_msg("worker %u: wsgi.errors: %.*s", py.worker, (int)n, s);
	Py_RETURN_NONE;
}

static PyMethodDef wsgi_log_def = { "_log", wsgi_log, METH_O, NULL };

/* The Python error now set, with its traceback, to the error log. */
static void
wsgi_print_error(const char *what)
{
	PyObject	*type, *value, *tb;

	if (py.worker == 0)	/* checking, in the master or its child */
		log_msg("%s: Python exception:", what);
	else
		log_msg("worker %u: %s: Python exception:", py.worker, what);
	PyErr_Fetch(&type, &value, &tb);
	PyErr_NormalizeException(&type, &value, &tb);
	if (tb != NULL && value != NULL)
		PyException_SetTraceback(value, tb);
	/* PyErr_Display, unlike PyErr_Print, does not exit on SystemExit */
	PyErr_Display(type, value, tb);
	Py_XDECREF(type);
	Py_XDECREF(value);
	Py_XDECREF(tb);
}

static PyObject *
wsgi_intern(const char *s)
{
	return PyUnicode_InternFromString(s);
}

/*
 * Start the interpreter in this process (once): sys.path gets
 * --pythonpath and the --virtualenv's site-packages, then the helpers.
 * The GIL is held on return.  -1 with a line in err.
 */
static int
wsgi_start(const struct config *cfg, char *err, size_t errlen)
{
	PyConfig	 pc;
	PyStatus	 st;
	PyObject	*code, *site, *res, *fn;
	char		 dir[PATH_MAX + 64];
	unsigned	 i;

	PyConfig_InitPythonConfig(&pc);
	pc.install_signal_handlers = 0;	/* the worker's signals are its own */
	pc.parse_argv = 0;
	pc.buffered_stdio = 0;
	st = Py_InitializeFromConfig(&pc);
	PyConfig_Clear(&pc);
	if (PyStatus_Exception(st)) {
		snprintf(err, errlen, "cannot start Python: %s",
		    st.err_msg != NULL ? st.err_msg : "?");
		return -1;
	}
	py.started = true;
	py.main = PyThreadState_Get();
	if ((site = PyImport_ImportModule("site")) == NULL)
		goto fail;
	for (i = 0; i < cfg->npythonpath + (cfg->virtualenv[0] != '\0'); i++) {
		if (i < cfg->npythonpath)
			snprintf(dir, sizeof(dir), "%s", cfg->pythonpath[i]);
		else
			snprintf(dir, sizeof(dir), "%s/lib/python%d.%d/"
			    "site-packages", cfg->virtualenv, PY_MAJOR_VERSION,
			    PY_MINOR_VERSION);
		/* addsitedir: the directory and its .pth files */
		if ((res = PyObject_CallMethod(site, "addsitedir", "s",
		    dir)) == NULL) {
			Py_DECREF(site);
			goto fail;
		}
		Py_DECREF(res);
	}
	Py_DECREF(site);
	if ((py.helpers = PyImport_AddModule("_poolserve")) == NULL)
		goto fail;
	Py_INCREF(py.helpers);
	if ((fn = PyCFunction_New(&wsgi_log_def, NULL)) == NULL ||
	    PyModule_AddObject(py.helpers, "_log", fn) == -1)
		goto fail;
	if ((code = Py_CompileString(wsgi_helpers, "<poolserve>",
	    Py_file_input)) == NULL)
		goto fail;
	res = PyEval_EvalCode(code, PyModule_GetDict(py.helpers),
	    PyModule_GetDict(py.helpers));
	Py_DECREF(code);
	if (res == NULL)
		goto fail;
	Py_DECREF(res);
	if (PyType_Ready(&wsgi_responder_type) == -1)
		goto fail;
	py.errors = PyObject_GetAttrString(py.helpers, "errors");
	py.file_wrapper = PyObject_GetAttrString(py.helpers, "FileWrapper");
	py.bytesio = PyObject_GetAttrString(py.helpers, "BytesIO");
	py.version = Py_BuildValue("(ii)", 1, 0);
	py.k_method = wsgi_intern("REQUEST_METHOD");
	py.k_script = wsgi_intern("SCRIPT_NAME");
	py.k_path = wsgi_intern("PATH_INFO");
	py.k_query = wsgi_intern("QUERY_STRING");
	py.k_proto = wsgi_intern("SERVER_PROTOCOL");
	py.k_sname = wsgi_intern("SERVER_NAME");
	py.k_sport = wsgi_intern("SERVER_PORT");
	py.k_raddr = wsgi_intern("REMOTE_ADDR");
	py.k_rport = wsgi_intern("REMOTE_PORT");
	py.k_version = wsgi_intern("wsgi.version");
	py.k_scheme = wsgi_intern("wsgi.url_scheme");
	py.k_input = wsgi_intern("wsgi.input");
	py.k_errors = wsgi_intern("wsgi.errors");
	py.k_multithread = wsgi_intern("wsgi.multithread");
	py.k_multiprocess = wsgi_intern("wsgi.multiprocess");
	py.k_run_once = wsgi_intern("wsgi.run_once");
	py.k_file_wrapper = wsgi_intern("wsgi.file_wrapper");
	py.k_terminated = wsgi_intern("wsgi.input_terminated");
	py.v_http = wsgi_intern("http");
	py.v_https = wsgi_intern("https");
	py.v_empty = wsgi_intern("");
	py.s_close = wsgi_intern("close");
	py.s_fileno = wsgi_intern("fileno");
	py.s_tell = wsgi_intern("tell");
	if (PyErr_Occurred() || py.errors == NULL || py.file_wrapper == NULL ||
	    py.bytesio == NULL || py.version == NULL)
		goto fail;
	return 0;
fail:
	wsgi_print_error("starting Python");
	snprintf(err, errlen, "cannot start Python (the traceback is above)");
	return -1;
}

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
	if (py.preloaded && py.started)
		return 0;	/* a reload: the workers keep the code */
	if (!py.started && wsgi_start(cfg, err, errlen) == -1)
		return -1;
	py.preloaded = true;
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
	py.worker = a->worker;
	if (!py.started) {
		if (wsgi_start(a->cfg, err, sizeof(err)) == -1) {
			log_msg("worker %u: %s", a->worker, err);
			return -1;
		}
	} else if (py.preloaded && !py.in_worker)
		PyOS_AfterFork_Child();	/* the master's GIL and thread */
	else
		PyEval_RestoreThread(py.main);	/* a second application */
	py.in_worker = true;
	wa->callable = wsgi_import(a->arg, err, sizeof(err));
	if (wa->callable != NULL && (wa->environ = wsgi_template(a)) == NULL) {
		wsgi_print_error(wa->what);
		snprintf(err, sizeof(err), "cannot make the environ");
		Py_CLEAR(wa->callable);
	}
	py.main = PyEval_SaveThread();
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
	    py.main))) == NULL)
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

/* --- environ ---------------------------------------------------------- */

static int
wsgi_set(PyObject *env, PyObject *key, PyObject *value)
{
	int	 rc;

	if (value == NULL)
		return -1;
	rc = PyDict_SetItem(env, key, value);
	Py_DECREF(value);
	return rc;
}

static PyObject *
wsgi_latin1(const char *s)
{
	return PyUnicode_DecodeLatin1(s, (Py_ssize_t)strlen(s), NULL);
}

/* The str of s (latin-1), from m when s is what it was last.  GIL held. */
static PyObject *
wsgi_memo(struct wsgi_memo *m, const char *s)
{
	PyObject	*o;
	size_t		 len = strlen(s);

	if (m->o != NULL && strcmp(m->s, s) == 0)
		return Py_NewRef(m->o);
	if ((o = PyUnicode_DecodeLatin1(s, (Py_ssize_t)len, NULL)) != NULL &&
	    len < sizeof(m->s)) {
		memcpy(m->s, s, len + 1);
		Py_XSETREF(m->o, Py_NewRef(o));
	}
	return o;
}

/*
 * The environ key of a request header, a new reference: "HTTP_" and the
 * name upper-cased with '-' made '_', or CONTENT_TYPE and CONTENT_LENGTH
 * as they are.  GIL held (it guards py.keys).  NULL with an exception.
 */
static PyObject *
wsgi_header_key(const char *name, size_t len)
{
	struct wsgi_key	*k = NULL;
	PyObject	*key;
	char		 env[300];
	uint32_t	 h = 2166136261U;	/* FNV-1a */
	size_t		 i, o = 0;
	unsigned	 slot, n;

	if (len < sizeof(k->name)) {
		for (i = 0; i < len; i++)
			h = (h ^ (uint32_t)tolower((unsigned char)name[i])) *
			    16777619U;
		for (n = 0, slot = h % WSGI_KEYS; n < WSGI_KEYS; n++,
		    slot = (slot + 1) % WSGI_KEYS) {
			k = &py.keys[slot];
			if (k->key == NULL)
				break;		/* not seen: k is its slot */
			if (strcasecmp(k->name, name) == 0)
				return Py_NewRef(k->key);
		}
	}
	if (strcasecmp(name, "Content-Type") != 0 &&
	    strcasecmp(name, "Content-Length") != 0)
		o = (size_t)snprintf(env, sizeof(env), "HTTP_");
	for (i = 0; i < len; i++)
		env[o++] = name[i] == '-' ? '_' : (char)toupper((unsigned char)
		    name[i]);
	env[o] = '\0';
	if (k == NULL || k->key != NULL || py.nkeys >= WSGI_KEYS / 2)
		return PyUnicode_FromStringAndSize(env, (Py_ssize_t)o);
	if ((key = PyUnicode_InternFromString(env)) == NULL)
		return NULL;
	memcpy(k->name, name, len + 1);
	k->key = Py_NewRef(key);
	py.nkeys++;
	return key;
}

struct wsgi_headers {
	PyObject	*env;
	int		 error;
};

/*
 * One request header into environ (see wsgi_header_key), a repeated
 * field joined with ", " ("; " for Cookie).  A name with "_" is left
 * out: it would be read as the same variable as one with "-" (header
 * spoofing).
 */
static int
wsgi_header(void *ctx, const char *name, const char *value)
{
	struct wsgi_headers	*h = ctx;
	PyObject		*key, *v, *old, *joined;
	size_t			 len = strlen(name);

	if (len > 256 || memchr(name, '_', len) != NULL)
		return 0;
	if ((key = wsgi_header_key(name, len)) == NULL ||
	    (v = wsgi_latin1(value != NULL ? value : "")) == NULL) {
		Py_XDECREF(key);
		h->error = 1;
		return 1;
	}
	/* one look-up when the name is new, as it mostly is */
	if ((old = PyDict_SetDefault(h->env, key, v)) != NULL && old != v) {
		joined = PyUnicode_FromFormat("%U%s%U", old,
		    strcasecmp(name, "Cookie") == 0 ? "; " : ", ", v);
		if (joined == NULL || PyDict_SetItem(h->env, key, joined) == -1)
			h->error = 1;
		Py_XDECREF(joined);
	} else if (old == NULL)
		h->error = 1;
	Py_DECREF(key);
	Py_DECREF(v);
	return h->error;
}

/*
 * What every request's environ starts as, made once in wsgi_init (GIL
 * held): the constant items, and a placeholder for each item every
 * request sets, so that a request copies one table of the final size
 * (PyDict_Copy's fast path) and then only replaces values.  Room for a
 * dozen request headers before the table grows.
 */
static PyObject *
wsgi_template(struct app *a)
{
	PyObject	*env, *const each[] = { py.k_method, py.k_path,
			    py.k_query, py.k_proto, py.k_sname, py.k_sport,
			    py.k_raddr, py.k_rport, py.k_input };
	size_t		 i;

	if ((env = _PyDict_NewPresized(36)) == NULL)
		return NULL;
	for (i = 0; i < sizeof(each) / sizeof(each[0]); i++)
		if (PyDict_SetItem(env, each[i], Py_None) == -1)
			goto fail;
	if (wsgi_set(env, py.k_script, wsgi_latin1(a->prefix)) ||
	    PyDict_SetItem(env, py.k_version, py.version) ||
	    PyDict_SetItem(env, py.k_scheme, py.v_http) ||
	    PyDict_SetItem(env, py.k_terminated, Py_True) ||
	    PyDict_SetItem(env, py.k_errors, py.errors) ||
	    PyDict_SetItem(env, py.k_multithread,
	    a->cfg->threads > 1 ? Py_True : Py_False) ||
	    PyDict_SetItem(env, py.k_multiprocess,
	    a->cfg->processes > 1 ? Py_True : Py_False) ||
	    PyDict_SetItem(env, py.k_run_once, Py_False) ||
	    PyDict_SetItem(env, py.k_file_wrapper, py.file_wrapper))
		goto fail;
	return env;
fail:
	Py_DECREF(env);
	return NULL;
}

/*
 * PATH_INFO: the path below the mount prefix, "" for the prefix itself
 * ("/app" mounted at /app), as CGI and PEP 3333 have it, so that an
 * application can tell "/app" from "/app/".  poolserve_path gives "/"
 * for both; the decoded path is the prefix alone when the target's path
 * decodes to as many bytes as the prefix has (each %XX is one byte; the
 * target was checked before routing).
 */
static PyObject *
wsgi_path_info(struct app *a, struct poolserve_request *r)
{
	const char	*rest = poolserve_path(r), *t, *end;
	size_t		 n = 0;

	if (a->prefix[0] == '\0' || strcmp(rest, "/") != 0)
		return wsgi_latin1(rest);
	t = poolserve_target(r);
	if (t[0] != '/' && (t = strstr(t, "://")) != NULL)	/* absolute */
		t = strchr(t + 3, '/');
	if (t != NULL) {
		end = t + strcspn(t, "?");
		for (; t < end; t++, n++)
			if (*t == '%')
				t += 2;
	}
	return n == strlen(a->prefix) ? Py_NewRef(py.v_empty) :
	    wsgi_latin1(rest);
}

static int
wsgi_set_str(PyObject *env, const char *key, const char *value)
{
	PyObject	*v;
	int		 rc;

	if (value == NULL)
		return 0;
	if ((v = wsgi_latin1(value)) == NULL)
		return -1;
	rc = PyDict_SetItemString(env, key, v);
	Py_DECREF(v);
	return rc;
}

/*
 * HTTPS: the variables mod_ssl and uWSGI give (HTTPS, SSL_PROTOCOL,
 * SSL_CLIENT_VERIFY, SSL_CLIENT_S_DN), as far as the connection has them.
 */
static int
wsgi_environ_tls(PyObject *env, struct poolserve_request *r)
{
	if (strcmp(poolserve_scheme(r), "https") != 0)
		return 0;
	return wsgi_set_str(env, "HTTPS", "on") ||
	    wsgi_set_str(env, "SSL_PROTOCOL", poolserve_tls_version(r)) ||
	    wsgi_set_str(env, "SSL_CLIENT_VERIFY",
	    poolserve_tls_client_verify(r)) ||
	    wsgi_set_str(env, "SSL_CLIENT_S_DN", poolserve_tls_client_dn(r)) ?
	    -1 : 0;
}

/* The environ of a request (PEP 3333), GIL held; NULL on error. */
static PyObject *
wsgi_environ(struct app *a, struct poolserve_request *r)
{
	struct wsgi_app		*wa = a->data;
	struct wsgi_headers	 h;
	PyObject		*env, *body = NULL;
	const char		*host, *colon, *data;
	char			 name[300], port[16], rport[16];
	size_t			 len;

	if ((env = PyDict_Copy(wa->environ)) == NULL)
		return NULL;
	h.env = env;
	h.error = 0;
	(void)poolserve_each_header(r, wsgi_header, &h);
	host = poolserve_header(r, "Host");
	if (host != NULL && host[0] != '\0') {
		/* the name without its port ([v6] kept whole) */
		colon = host[0] == '[' ? strchr(host, ']') : strrchr(host, ':');
		if (colon != NULL && host[0] == '[')
			colon = colon[1] == ':' ? colon + 1 : NULL;
		snprintf(name, sizeof(name), "%.*s", colon != NULL ?
		    (int)(colon - host) : (int)strlen(host), host);
	} else
		snprintf(name, sizeof(name), "%s", poolserve_server_addr(r));
	snprintf(port, sizeof(port), "%u", poolserve_server_port(r));
	snprintf(rport, sizeof(rport), "%u", poolserve_client_port(r));
	data = poolserve_body(r, &len);
	if (h.error ||
	    wsgi_set(env, py.k_method, wsgi_memo(&py.m_method,
	    poolserve_method(r))) ||
	    wsgi_set(env, py.k_path, wsgi_path_info(a, r)) ||
	    wsgi_set(env, py.k_query, wsgi_latin1(poolserve_query(r))) ||
	    wsgi_set(env, py.k_proto, wsgi_memo(&py.m_proto,
	    poolserve_version(r))) ||
	    wsgi_set(env, py.k_sname, wsgi_memo(&py.m_sname, name)) ||
	    wsgi_set(env, py.k_sport, wsgi_memo(&py.m_sport, port)) ||
	    wsgi_set(env, py.k_raddr, wsgi_memo(&py.m_raddr,
	    poolserve_client_addr(r))) ||
	    wsgi_set(env, py.k_rport, wsgi_latin1(rport)) ||
	    (strcmp(poolserve_scheme(r), "https") == 0 &&
	    PyDict_SetItem(env, py.k_scheme, py.v_https)) ||
	    wsgi_environ_tls(env, r) ||
	    (body = PyBytes_FromStringAndSize(data, (Py_ssize_t)len)) == NULL ||
	    wsgi_set(env, py.k_input, PyObject_CallOneArg(py.bytesio, body))) {
		Py_XDECREF(body);
		Py_DECREF(env);
		return NULL;
	}
	Py_DECREF(body);
	return env;
}

/* --- start_response and the response -------------------------------- */

/*
 * The bytes of a str of latin-1 characters (PEP 3333), read in place:
 * such a str keeps one byte a character, NUL-terminated.  NULL with a
 * ValueError for a wider str or one with a NUL.
 */
static const char *
wsgi_latin1_data(PyObject *pair, PyObject *s)
{
	const char	*d;

	if (PyUnicode_READY(s) == -1)
		return NULL;
	if (PyUnicode_KIND(s) != PyUnicode_1BYTE_KIND) {
		PyErr_Format(PyExc_ValueError, "WSGI header %R refused: a "
		    "character beyond latin-1", pair);
		return NULL;
	}
	d = (const char *)PyUnicode_1BYTE_DATA(s);
	if (strlen(d) != (size_t)PyUnicode_GET_LENGTH(s)) {
		PyErr_Format(PyExc_ValueError, "WSGI header %R refused: a NUL "
		    "byte", pair);
		return NULL;
	}
	return d;
}

/*
 * One response header: name and value are str of latin-1 characters
 * (PEP 3333), sent as those bytes.  -1 with a Python exception.
 */
static int
wsgi_add_header(struct wsgi_call *c, PyObject *pair, PyObject *name,
    PyObject *value)
{
	const char	*n, *v;
	int		 error;

	if ((n = wsgi_latin1_data(pair, name)) == NULL ||
	    (v = wsgi_latin1_data(pair, value)) == NULL)
		return -1;
	if (poolserve_add_header(c->r, n, v) == -1) {
		error = errno;
		PyErr_Format(PyExc_ValueError, "WSGI header %R refused: %s",
		    pair, error == EINVAL ? "a bad name or value, or a header "
		    "that is the server's" : strerror(error));
		return -1;
	}
	return 0;
}

/*
 * The status and headers to poolserve: "NNN Reason" and a list of
 * (name, value) str pairs, latin-1, no CR/LF (poolserve_add_header
 * refuses bad names and values and the headers that are poolserve's).
 * -1 with a Python exception.
 */
static int
wsgi_send_head(struct wsgi_call *c)
{
	PyObject	*pair, *name, *value;
	const char	*s;
	Py_ssize_t	 i, len;
	unsigned	 status;

	if (c->status == NULL) {
		PyErr_SetString(PyExc_RuntimeError, "the application sent a "
		    "body before calling start_response");
		return -1;
	}
	if ((s = PyUnicode_AsUTF8AndSize(c->status, &len)) == NULL)
		return -1;
	if (len < 4 || s[0] < '1' || s[0] > '5' || s[1] < '0' || s[1] > '9' ||
	    s[2] < '0' || s[2] > '9' || s[3] != ' ' ||
	    strpbrk(s, "\r\n") != NULL) {
		PyErr_Format(PyExc_ValueError, "bad WSGI status %R: it must "
		    "read \"NNN Reason\"", c->status);
		return -1;
	}
	status = (unsigned)((s[0] - '0') * 100 + (s[1] - '0') * 10 +
	    (s[2] - '0'));
	if (poolserve_set_status(c->r, status) == -1) {
		PyErr_Format(PyExc_ValueError, "bad WSGI status %R", c->status);
		return -1;
	}
	/*
	 * libmicrohttpd 0.9 writes the status line itself, with its reason
	 * phrase for the code: another one the application gives is not
	 * sent (HTTP/1.1 clients ignore it, RFC 9112 section 4).  Said once
	 * a worker, not once a request.
	 */
	if (!py.reason_logged && strcmp(s + 4,
	    MHD_get_reason_phrase_for(status)) != 0) {
		py.reason_logged = true;
		log_msg("worker %u: %s: status \"%.*s\" is sent as \"%u %s\": "
		    "the reason phrase is libmicrohttpd's (said once)",
		    py.worker, c->wa->what, (int)(len > 80 ? 80 : len), s,
		    status, MHD_get_reason_phrase_for(status));
	}
	for (i = 0; i < PyList_GET_SIZE(c->headers); i++) {
		pair = PyList_GET_ITEM(c->headers, i);
		if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2 ||
		    !PyUnicode_Check(name = PyTuple_GET_ITEM(pair, 0)) ||
		    !PyUnicode_Check(value = PyTuple_GET_ITEM(pair, 1))) {
			PyErr_Format(PyExc_TypeError, "bad WSGI header %R: a "
			    "(name, value) tuple of two str is needed", pair);
			return -1;
		}
		if (wsgi_add_header(c, pair, name, value) == -1)
			return -1;
	}
	c->sent = true;
	return 0;
}

/* Stream one piece, the GIL let go while poolserve writes. */
static int
wsgi_write(struct wsgi_call *c, PyObject *piece)
{
	Py_ssize_t	 len = PyBytes_GET_SIZE(piece);
	int		 rc;

	if (len == 0 || c->gone)
		return 0;
	Py_BEGIN_ALLOW_THREADS
	rc = poolserve_write(c->r, PyBytes_AS_STRING(piece), (size_t)len);
	Py_END_ALLOW_THREADS
	if (rc == -1)
		c->gone = true;		/* the client left: stop */
	return 0;
}

/* Send what was held back (the head, the first piece): streaming now. */
static int
wsgi_flush(struct wsgi_call *c)
{
	PyObject	*p = c->pending;

	if (!c->sent && wsgi_send_head(c) == -1)
		return -1;
	if (p != NULL) {
		c->pending = NULL;
		(void)wsgi_write(c, p);
		Py_DECREF(p);
	}
	return 0;
}

/* start_response(status, response_headers, exc_info=None) */
static PyObject *
wsgi_responder_call(PyObject *self, PyObject *args, PyObject *kw)
{
	static char		*kwlist[] = { "status", "headers", "exc_info",
				    NULL };
	struct wsgi_call	*c = ((struct wsgi_responder *)self)->call;
	PyObject		*status, *headers, *exc = Py_None;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "UO!|O:start_response",
	    kwlist, &status, &PyList_Type, &headers, &exc))
		return NULL;
	if (c == NULL) {
		PyErr_SetString(PyExc_RuntimeError, "start_response called "
		    "after the request ended");
		return NULL;
	}
	if (exc != Py_None) {
		if (c->sent) {
			/* too late to change the head: re-raise (PEP 3333) */
			if (!PyTuple_Check(exc) || PyTuple_GET_SIZE(exc) != 3) {
				PyErr_SetString(PyExc_TypeError, "exc_info "
				    "must be a sys.exc_info() tuple");
				return NULL;
			}
			PyErr_Restore(Py_NewRef(PyTuple_GET_ITEM(exc, 0)),
			    Py_NewRef(PyTuple_GET_ITEM(exc, 1)),
			    Py_NewRef(PyTuple_GET_ITEM(exc, 2)));
			return NULL;
		}
	} else if (c->status != NULL) {
		PyErr_SetString(PyExc_RuntimeError, "start_response called "
		    "twice without exc_info");
		return NULL;
	}
	Py_XSETREF(c->status, Py_NewRef(status));
	Py_XSETREF(c->headers, Py_NewRef(headers));
	return PyCFunction_New(&wsgi_responder_methods[0], self);
}

/* write(data), the imperative way of PEP 3333. */
static PyObject *
wsgi_responder_write(PyObject *self, PyObject *data)
{
	struct wsgi_call	*c = ((struct wsgi_responder *)self)->call;

	if (c == NULL) {
		PyErr_SetString(PyExc_RuntimeError, "write called after the "
		    "request ended");
		return NULL;
	}
	if (!PyBytes_Check(data)) {
		PyErr_Format(PyExc_TypeError, "write() takes bytes, not %s",
		    Py_TYPE(data)->tp_name);
		return NULL;
	}
	if (wsgi_flush(c) == -1 || wsgi_write(c, data) == -1)
		return NULL;
	Py_RETURN_NONE;
}

/*
 * A wsgi.file_wrapper over a file with a descriptor: its rest, from
 * where it stands, with sendfile.  1 when sent so, 0 to iterate it, -1
 * with a Python exception.
 */
static int
wsgi_sendfile(struct wsgi_call *c, PyObject *result)
{
	PyObject	*filelike, *fno, *pos;
	struct stat	 sb;
	long		 fd;
	long long	 off = 0;
	int		 dfd;

	if (!PyObject_TypeCheck(result, (PyTypeObject *)py.file_wrapper) ||
	    c->sent || c->status == NULL)
		return 0;
	if ((filelike = PyObject_GetAttrString(result, "filelike")) == NULL)
		return -1;
	fno = PyObject_CallMethodNoArgs(filelike, py.s_fileno);
	pos = fno != NULL ? PyObject_CallMethodNoArgs(filelike, py.s_tell) :
	    NULL;
	Py_DECREF(filelike);
	if (fno == NULL || pos == NULL) {
		Py_XDECREF(fno);
		PyErr_Clear();		/* no descriptor: iterate it */
		return 0;
	}
	fd = PyLong_AsLong(fno);
	off = PyLong_AsLongLong(pos);
	Py_DECREF(fno);
	Py_DECREF(pos);
	if (PyErr_Occurred() || fd < 0 || off < 0 || fstat((int)fd, &sb) ==
	    -1 || !S_ISREG(sb.st_mode) || off > sb.st_size) {
		PyErr_Clear();
		return 0;
	}
	if (wsgi_send_head(c) == -1)
		return -1;
	if ((dfd = dup((int)fd)) == -1 ||
	    poolserve_body_fd(c->r, dfd, (uint64_t)off,
	    (uint64_t)(sb.st_size - off)) == -1) {
		PyErr_SetFromErrno(PyExc_OSError);
		return -1;
	}
	return 1;
}

/*
 * Iterate the application's result: one piece is held back, so that a
 * response of one piece is sent whole with its length; from the second
 * on, they are streamed.  -1 with a Python exception.
 */
static int
wsgi_iterate(struct wsgi_call *c, PyObject *result)
{
	PyObject	*it = NULL, *piece;
	Py_ssize_t	 i = 0;
	int		 rc = 0;

	/* a list, what most applications return: no iterator to make */
	if (!PyList_CheckExact(result) && (it = PyObject_GetIter(result)) ==
	    NULL)
		return -1;
	while (!c->gone && (piece = it != NULL ? PyIter_Next(it) :
	    i < PyList_GET_SIZE(result) ? Py_NewRef(PyList_GET_ITEM(result,
	    i++)) : NULL) != NULL) {
		if (!PyBytes_Check(piece)) {
			PyErr_Format(PyExc_TypeError, "the application "
			    "yielded %s, not bytes", Py_TYPE(piece)->tp_name);
			Py_DECREF(piece);
			rc = -1;
			break;
		}
		if (PyBytes_GET_SIZE(piece) == 0) {
			Py_DECREF(piece);
			continue;
		}
		if (!c->sent && c->pending == NULL) {
			c->pending = piece;	/* maybe the only one */
			continue;
		}
		rc = wsgi_flush(c) == -1 ? -1 : wsgi_write(c, piece);
		Py_DECREF(piece);
		if (rc == -1)
			break;
	}
	Py_XDECREF(it);
	if (rc == 0 && PyErr_Occurred())
		rc = -1;
	return rc;
}

/*
 * result.close(), always (PEP 3333), its error logged.  A list or a
 * tuple has none, and the look-up that fails would make an exception.
 */
static void
wsgi_close(struct wsgi_app *wa, PyObject *result)
{
	PyObject	*fn, *res;

	if (PyList_CheckExact(result) || PyTuple_CheckExact(result))
		return;
	switch (_PyObject_LookupAttr(result, py.s_close, &fn)) {
	case 0:
		return;
	case 1:
		res = PyObject_CallNoArgs(fn);
		Py_DECREF(fn);
		if (res != NULL) {
			Py_DECREF(res);
			return;
		}
	}
	wsgi_print_error(wa->what);
}

/*
 * One request, on a pool thread.  An exception before the head is sent
 * gives a 500 (the traceback on the error log); after, the connection is
 * closed (-1 while streaming).
 */
static int
wsgi_handle(struct app *a, struct poolserve_request *r)
{
	struct wsgi_app		*wa = a->data;
	struct wsgi_call	 c;
	struct wsgi_responder	*sr;
	PyObject		*env, *result = NULL, *p, *args[2];
	int			 rc = -1;

	memset(&c, 0, sizeof(c));
	sr = NULL;
	c.r = r;
	c.wa = wa;
	PyEval_RestoreThread(wsgi_ts);
	env = wsgi_environ(a, r);
	/* the thread's start_response, unless an application kept it */
	if (wsgi_sr == NULL)
		wsgi_sr = (PyObject *)PyObject_New(struct wsgi_responder,
		    &wsgi_responder_type);
	if ((sr = (struct wsgi_responder *)wsgi_sr) == NULL || env == NULL)
		goto error;
	sr->call = &c;
	args[0] = env;
	args[1] = wsgi_sr;
	result = PyObject_Vectorcall(wa->callable, args, 2, NULL);
	if (result == NULL)
		goto error;
	switch (wsgi_sendfile(&c, result)) {
	case 1:
		rc = 0;
		break;
	case 0:
		rc = wsgi_iterate(&c, result);
		break;
	default:
		rc = -1;
	}
	if (rc == -1 && PyErr_Occurred())
		wsgi_print_error(wa->what);	/* before close() clears it */
	wsgi_close(wa, result);
	if (rc == -1)
		goto error;
	if (!c.sent) {			/* one piece, or none: sent whole */
		if (wsgi_send_head(&c) == -1)
			goto error;
		p = c.pending;
		if (p != NULL && poolserve_body_copy(r, PyBytes_AS_STRING(p),
		    (size_t)PyBytes_GET_SIZE(p)) == -1) {
			PyErr_NoMemory();
			goto error;
		}
	}
	rc = c.gone ? -1 : 0;
	goto done;
error:
	if (PyErr_Occurred())
		wsgi_print_error(wa->what);
	rc = -1;
done:
	Py_XDECREF(result);
	Py_XDECREF(env);
	if (sr != NULL) {
		sr->call = NULL;
		/* kept by the application (or its write()): a new one next */
		if (Py_REFCNT(wsgi_sr) > 1)
			Py_CLEAR(wsgi_sr);
	}
	Py_XDECREF(c.status);
	Py_XDECREF(c.headers);
	Py_XDECREF(c.pending);
	(void)PyEval_SaveThread();
	return rc;
}

const struct app_kind app_wsgi = {
	"wsgi", wsgi_check, wsgi_init, wsgi_thread_init, wsgi_handle,
	NULL, false
};

#endif /* HAVE_PYTHON */
