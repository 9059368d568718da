/*
 * The environ of a WSGI request (PEP 3333): a copy of the application's
 * template (the keys that are the same for every request: wsgi.version,
 * wsgi.errors, SCRIPT_NAME, ...), made at start-up, with the request's
 * own added: method, path, query, protocol, server and client, the
 * headers as HTTP_* keys, wsgi.input.  Strings are latin-1 (PEP 3333);
 * keys are made once and kept (wsgi_py.keys, the wsgi_memo of each).  On a
 * pool thread, the GIL held.
 */
#include "config.h"

#define PY_SSIZE_T_CLEAN	/* before the system headers, as Python asks */
#include <Python.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "poolserve.h"

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
 * as they are.  GIL held (it guards wsgi_py.keys).  NULL with an exception.
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
			k = &wsgi_py.keys[slot];
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
	if (k == NULL || k->key != NULL || wsgi_py.nkeys >= WSGI_KEYS / 2)
		return PyUnicode_FromStringAndSize(env, (Py_ssize_t)o);
	if ((key = PyUnicode_InternFromString(env)) == NULL)
		return NULL;
	memcpy(k->name, name, len + 1);
	k->key = Py_NewRef(key);
	wsgi_py.nkeys++;
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
PyObject *
wsgi_template(struct app *a)
{
	PyObject	*env, *const each[] = { wsgi_py.k_method,
			    wsgi_py.k_path, wsgi_py.k_query, wsgi_py.k_proto,
			    wsgi_py.k_sname, wsgi_py.k_sport, wsgi_py.k_raddr,
			    wsgi_py.k_rport, wsgi_py.k_input };
	size_t		 i;

	if ((env = _PyDict_NewPresized(36)) == NULL)
		return NULL;
	for (i = 0; i < sizeof(each) / sizeof(each[0]); i++)
		if (PyDict_SetItem(env, each[i], Py_None) == -1)
			goto fail;
	if (wsgi_set(env, wsgi_py.k_script, wsgi_latin1(a->prefix)) ||
	    PyDict_SetItem(env, wsgi_py.k_version, wsgi_py.version) ||
	    PyDict_SetItem(env, wsgi_py.k_scheme, wsgi_py.v_http) ||
	    PyDict_SetItem(env, wsgi_py.k_terminated, Py_True) ||
	    PyDict_SetItem(env, wsgi_py.k_errors, wsgi_py.errors) ||
	    PyDict_SetItem(env, wsgi_py.k_multithread,
	    a->cfg->threads > 1 ? Py_True : Py_False) ||
	    PyDict_SetItem(env, wsgi_py.k_multiprocess,
	    a->cfg->processes > 1 ? Py_True : Py_False) ||
	    PyDict_SetItem(env, wsgi_py.k_run_once, Py_False) ||
	    PyDict_SetItem(env, wsgi_py.k_file_wrapper, wsgi_py.file_wrapper))
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
	return n == strlen(a->prefix) ? Py_NewRef(wsgi_py.v_empty) :
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
PyObject *
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
	    wsgi_set(env, wsgi_py.k_method, wsgi_memo(&wsgi_py.m_method,
	    poolserve_method(r))) ||
	    wsgi_set(env, wsgi_py.k_path, wsgi_path_info(a, r)) ||
	    wsgi_set(env, wsgi_py.k_query, wsgi_latin1(poolserve_query(r))) ||
	    wsgi_set(env, wsgi_py.k_proto, wsgi_memo(&wsgi_py.m_proto,
	    poolserve_version(r))) ||
	    wsgi_set(env, wsgi_py.k_sname, wsgi_memo(&wsgi_py.m_sname, name)) ||
	    wsgi_set(env, wsgi_py.k_sport, wsgi_memo(&wsgi_py.m_sport, port)) ||
	    wsgi_set(env, wsgi_py.k_raddr, wsgi_memo(&wsgi_py.m_raddr,
	    poolserve_client_addr(r))) ||
	    wsgi_set(env, wsgi_py.k_rport, wsgi_latin1(rport)) ||
	    (strcmp(poolserve_scheme(r), "https") == 0 &&
	    PyDict_SetItem(env, wsgi_py.k_scheme, wsgi_py.v_https)) ||
	    wsgi_environ_tls(env, r) ||
	    (body = PyBytes_FromStringAndSize(data, (Py_ssize_t)len)) == NULL ||
	    wsgi_set(env, wsgi_py.k_input, PyObject_CallOneArg(wsgi_py.bytesio,
	    body))) {
		Py_XDECREF(body);
		Py_DECREF(env);
		return NULL;
	}
	Py_DECREF(body);
	return env;
}
