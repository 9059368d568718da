"""Small PEP 3333 applications, each checked by wsgiref.validate.

tests/wsgi.sh serves this module (--wsgi pep3333, and below a --mount)
and asserts on the answers.  Every application is wrapped in
wsgiref.validate.validator, and warnings are errors here: a server that
breaks the protocol makes a request fail with a traceback on the error
log ("AssertionError" or "WSGIWarning"), which the test looks for.
"""
import json
import sys
import threading
import warnings
from wsgiref.validate import validator, WSGIWarning

warnings.simplefilter('error', WSGIWarning)

TEXT = [('Content-Type', 'text/plain; charset=utf-8')]


def one_piece(environ, start_response):
    """A list of one piece: sent whole, with a Content-Length."""
    start_response('200 OK', TEXT)
    return [b'one piece\n']


def pieces(environ, start_response):
    """A generator of several pieces: streamed."""
    start_response('200 OK', TEXT)

    def gen():
        for i in range(1, 6):
            yield b'piece %d\n' % i
    return gen()


def write_callable(environ, start_response):
    """The imperative write() of start_response, then an iterable."""
    write = start_response('200 OK', TEXT)
    write(b'written, ')
    write(b'')
    write(b'written again, ')
    return [b'then returned\n']


def read_input(environ, start_response):
    """POST body read back by the method QUERY_STRING names: read,
    readline, readlines or iter; a chunked body (no CONTENT_LENGTH)
    is read to its end, as wsgi.input_terminated allows."""
    inp = environ['wsgi.input']
    how = environ['QUERY_STRING']
    length = environ.get('CONTENT_LENGTH', '')
    lines = 0
    if how == 'read':
        if length:
            body = inp.read(int(length))
        else:
            assert environ.get('wsgi.input_terminated')
            parts = []
            while True:
                part = inp.read(7)	# small reads on purpose
                if not part:
                    break
                parts.append(part)
            body = b''.join(parts)
        lines = len(body.splitlines(True))
    elif how == 'readline':
        parts = []
        while True:
            line = inp.readline()
            if not line:
                break
            parts.append(line)
        lines = len(parts)
        body = b''.join(parts)
    elif how == 'readlines':
        parts = inp.readlines()
        lines = len(parts)
        body = b''.join(parts)
    elif how == 'iter':
        parts = [line for line in inp]
        lines = len(parts)
        body = b''.join(parts)
    else:
        start_response('400 Bad Request', TEXT)
        return [b'read, readline, readlines or iter\n']
    start_response('200 OK', [
        ('Content-Type', 'application/octet-stream'),
        ('X-Lines', str(lines)),
        ('X-Content-Length', length or 'none'),
    ])
    return [body]


def exc_info_app(environ, start_response):
    """start_response once, a failure before any body, then again with
    exc_info: the second status and headers win (PEP 3333)."""
    start_response('200 OK', TEXT)
    try:
        raise ValueError('the page could not be made')
    except ValueError as e:
        start_response('500 Internal Server Error',
                       [('Content-Type', 'text/plain'),
                        ('X-Error', type(e).__name__)],
                       sys.exc_info())
        return [b'error page: %s\n' % str(e).encode()]


def file_app(environ, start_response):
    """wsgi.file_wrapper over a real file: this module's source."""
    f = open(__file__, 'rb')
    start_response('200 OK', [('Content-Type', 'text/x-python')])
    return environ['wsgi.file_wrapper'](f, 4096)


closed = {'n': 0}
closed_lock = threading.Lock()


class Closing:
    """An iterable whose close() the server must call, once."""

    def __init__(self):
        self.parts = [b'close ', b'me\n']

    def __iter__(self):
        return iter(self.parts)

    def close(self):
        with closed_lock:
            closed['n'] += 1


def closing_app(environ, start_response):
    start_response('200 OK', TEXT)
    return Closing()


def closed_count(environ, start_response):
    start_response('200 OK', TEXT)
    with closed_lock:
        return [b'%d\n' % closed['n']]


def environ_app(environ, start_response):
    """The environ as JSON: str values as they are, the rest by repr."""
    out = {}
    for k, v in environ.items():
        if isinstance(v, (str, bool)):
            out[k] = v
        elif k == 'wsgi.version':
            out[k] = list(v)
        else:
            out[k] = repr(type(v))
    start_response('200 OK', [('Content-Type', 'application/json')])
    return [json.dumps(out, sort_keys=True).encode('ascii')]


ROUTES = {
    '/one': one_piece,
    '/pieces': pieces,
    '/write': write_callable,
    '/input': read_input,
    '/exc_info': exc_info_app,
    '/file': file_app,
    '/close': closing_app,
    '/closed': closed_count,
}
ROUTES = {k: validator(v) for k, v in ROUTES.items()}


def application(environ, start_response):
    path = environ.get('PATH_INFO', '')
    # "" at the mount prefix itself, "/" below it (CGI, PEP 3333)
    if path.startswith('/environ') or path in ('', '/'):
        return validator(environ_app)(environ, start_response)
    app = ROUTES.get(path)
    if app is None:
        start_response('404 Not Found', TEXT)
        return [b'no such application here\n']
    return app(environ, start_response)
