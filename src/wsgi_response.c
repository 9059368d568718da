/*
 * A WSGI request run (PEP 3333): the application called with its environ
 * and start_response, its head checked (a bad status or header: 500 and a
 * log line, never sent), and its iterable sent: buffered when it yields
 * one piece (then with a Content-Length), streamed through poolserve_write
 * as it yields when there are more, or with sendfile when it is a
 * wsgi.file_wrapper of a file with a descriptor.  close() is always
 * called.  On a pool thread: the GIL is taken for the call and let go
 * while poolserve writes.
 */
#include "config.h"

#define PY_SSIZE_T_CLEAN	/* before the system headers, as Python asks */
#include <Python.h>

#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <microhttpd.h>		/* its reason phrases, for a log line */

#include "poolserve.h"

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

/* At start-up, the GIL held: start_response's type made ready. */
int
wsgi_response_ready(void)
{
	return PyType_Ready(&wsgi_responder_type);
}

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
	if (!wsgi_py.reason_logged && strcmp(s + 4,
	    MHD_get_reason_phrase_for(status)) != 0) {
		wsgi_py.reason_logged = true;
		log_msg("worker %u: %s: status \"%.*s\" is sent as \"%u %s\": "
		    "the reason phrase is libmicrohttpd's (said once)",
		    wsgi_py.worker, c->wa->what, (int)(len > 80 ? 80 : len), s,
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

	if (!PyObject_TypeCheck(result, (PyTypeObject *)wsgi_py.file_wrapper) ||
	    c->sent || c->status == NULL)
		return 0;
	if ((filelike = PyObject_GetAttrString(result, "filelike")) == NULL)
		return -1;
	fno = PyObject_CallMethodNoArgs(filelike, wsgi_py.s_fileno);
	pos = fno != NULL ? PyObject_CallMethodNoArgs(filelike,
	    wsgi_py.s_tell) : NULL;
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
	switch (_PyObject_LookupAttr(result, wsgi_py.s_close, &fn)) {
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
int
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
