/*
 * The CPython interpreter of a process, for its WSGI applications: started
 * once (in each worker, or with --preload in the master before fork),
 * sys.path made of --pythonpath and --virtualenv, and what every request
 * shares: the interned environ keys, wsgi.errors (lines to the error
 * log), wsgi.file_wrapper, and the thread state of each pool thread.
 */
#include "config.h"

#define PY_SSIZE_T_CLEAN	/* before the system headers, as Python asks */
#include <Python.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "poolserve.h"

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

/* What the interpreter holds for every application of this process. */
struct wsgi_py	 wsgi_py;
__thread PyThreadState	*wsgi_ts;	/* this pool thread's */

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
		log_msg("worker %u: wsgi.errors: %.*s", wsgi_py.worker,
		    (int)n, s);
	Py_RETURN_NONE;
}

static PyMethodDef wsgi_log_def = { "_log", wsgi_log, METH_O, NULL };

/* The Python error now set, with its traceback, to the error log. */
void
wsgi_print_error(const char *what)
{
	PyObject	*type, *value, *tb;

	if (wsgi_py.worker == 0)	/* checking, in the master or its child */
		log_msg("%s: Python exception:", what);
	else
		log_msg("worker %u: %s: Python exception:", wsgi_py.worker,
		    what);
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
int
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
	wsgi_py.started = true;
	wsgi_py.main = PyThreadState_Get();
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
	if ((wsgi_py.helpers = PyImport_AddModule("_poolserve")) == NULL)
		goto fail;
	Py_INCREF(wsgi_py.helpers);
	if ((fn = PyCFunction_New(&wsgi_log_def, NULL)) == NULL ||
	    PyModule_AddObject(wsgi_py.helpers, "_log", fn) == -1)
		goto fail;
	if ((code = Py_CompileString(wsgi_helpers, "<poolserve>",
	    Py_file_input)) == NULL)
		goto fail;
	res = PyEval_EvalCode(code, PyModule_GetDict(wsgi_py.helpers),
	    PyModule_GetDict(wsgi_py.helpers));
	Py_DECREF(code);
	if (res == NULL)
		goto fail;
	Py_DECREF(res);
	wsgi_py.errors = PyObject_GetAttrString(wsgi_py.helpers, "errors");
	wsgi_py.file_wrapper = PyObject_GetAttrString(wsgi_py.helpers,
	    "FileWrapper");
	wsgi_py.bytesio = PyObject_GetAttrString(wsgi_py.helpers, "BytesIO");
	wsgi_py.version = Py_BuildValue("(ii)", 1, 0);
	wsgi_py.k_method = wsgi_intern("REQUEST_METHOD");
	wsgi_py.k_script = wsgi_intern("SCRIPT_NAME");
	wsgi_py.k_path = wsgi_intern("PATH_INFO");
	wsgi_py.k_query = wsgi_intern("QUERY_STRING");
	wsgi_py.k_proto = wsgi_intern("SERVER_PROTOCOL");
	wsgi_py.k_sname = wsgi_intern("SERVER_NAME");
	wsgi_py.k_sport = wsgi_intern("SERVER_PORT");
	wsgi_py.k_raddr = wsgi_intern("REMOTE_ADDR");
	wsgi_py.k_rport = wsgi_intern("REMOTE_PORT");
	wsgi_py.k_version = wsgi_intern("wsgi.version");
	wsgi_py.k_scheme = wsgi_intern("wsgi.url_scheme");
	wsgi_py.k_input = wsgi_intern("wsgi.input");
	wsgi_py.k_errors = wsgi_intern("wsgi.errors");
	wsgi_py.k_multithread = wsgi_intern("wsgi.multithread");
	wsgi_py.k_multiprocess = wsgi_intern("wsgi.multiprocess");
	wsgi_py.k_run_once = wsgi_intern("wsgi.run_once");
	wsgi_py.k_file_wrapper = wsgi_intern("wsgi.file_wrapper");
	wsgi_py.k_terminated = wsgi_intern("wsgi.input_terminated");
	wsgi_py.v_http = wsgi_intern("http");
	wsgi_py.v_https = wsgi_intern("https");
	wsgi_py.v_empty = wsgi_intern("");
	wsgi_py.s_close = wsgi_intern("close");
	wsgi_py.s_fileno = wsgi_intern("fileno");
	wsgi_py.s_tell = wsgi_intern("tell");
	if (PyErr_Occurred() || wsgi_py.errors == NULL ||
	    wsgi_py.file_wrapper == NULL || wsgi_py.bytesio == NULL ||
	    wsgi_py.version == NULL)
		goto fail;
	return 0;
fail:
	wsgi_print_error("starting Python");
	snprintf(err, errlen, "cannot start Python (the traceback is above)");
	return -1;
}
