"""Applications about state and failure, for tests/wsgi.sh.

/thread[?s=S] this thread's name and a threading.local counter (also
             logged), after sleeping S seconds
/sleep?s=S   sleep S seconds; the most requests ever in flight at once
/inflight    that figure, without sleeping
/big?mib=N   N MiB from a generator, 1 MiB a piece; its finally: logs
             "stream closed after N bytes" on wsgi.errors
/raise       an exception before start_response
/raise_first a generator that raises before its first piece
/raise_late  an exception after two pieces went out
/bad_status, /crlf_header, /space_header, /hop_header,
/nonlatin1_header: refused heads; /latin1_header: a latin-1 value
/version     VERSION, read at import from $WSGI_TEST_VERSION_FILE
/pid         os.getpid() and the thread name
/reason      status "200 Fine, thanks"
/keep, /kept /keep keeps its start_response; /kept calls it (it must
             refuse) and says what it said
"""
import json
import os
import sys
import threading
import time
from urllib.parse import parse_qs

VERSION_FILE = os.environ.get('WSGI_TEST_VERSION_FILE', '')
VERSION = 'none'
if VERSION_FILE:
    with open(VERSION_FILE) as f:
        VERSION = f.read().strip()
# One line per import: with --preload only the master imports.
sys.stderr.write('state.py imported in pid %d, version %s\n'
                 % (os.getpid(), VERSION))
sys.stderr.flush()

local = threading.local()
lock = threading.Lock()
flight = {'now': 0, 'max': 0}
MIB = 1 << 20
PIECE = b'x' * MIB


def reply(start_response, obj, status='200 OK'):
    body = json.dumps(obj, sort_keys=True).encode()
    start_response(status, [('Content-Type', 'application/json')])
    return [body]


def thread(environ, start_response):
    local.n = getattr(local, 'n', 0) + 1
    name = threading.current_thread().name
    environ['wsgi.errors'].write('thread %s count %d\n' % (name, local.n))
    q = parse_qs(environ['QUERY_STRING'])
    time.sleep(float(q.get('s', ['0'])[0]))
    return reply(start_response, {'name': name, 'count': local.n})


def sleep(environ, start_response):
    q = parse_qs(environ['QUERY_STRING'])
    s = float(q.get('s', ['0'])[0])
    with lock:
        flight['now'] += 1
        flight['max'] = max(flight['max'], flight['now'])
    environ['wsgi.errors'].write('sleep %s on %s\n'
                                 % (s, threading.current_thread().name))
    try:
        time.sleep(s)
    finally:
        with lock:
            flight['now'] -= 1
    return reply(start_response, {'slept': s})


def inflight(environ, start_response):
    with lock:
        return reply(start_response, dict(flight))


def big(environ, start_response):
    q = parse_qs(environ['QUERY_STRING'])
    n = int(q.get('mib', ['1'])[0])
    errors = environ['wsgi.errors']
    start_response('200 OK', [('Content-Type', 'application/octet-stream')])

    def gen():
        sent = 0
        try:
            for _ in range(n):
                yield PIECE
                sent += MIB
        finally:
            errors.write('stream closed after %d bytes\n' % sent)
    return gen()


def raise_early(environ, start_response):
    raise RuntimeError('raised before start_response (test)')


def raise_first(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])

    def gen():
        raise RuntimeError('raised before the first piece (test)')
        yield b'never'
    return gen()


def raise_late(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])

    def gen():
        yield b'first piece\n' * 100
        yield b'second piece\n' * 100
        raise RuntimeError('raised after the first pieces (test)')
    return gen()


def bad_status(environ, start_response):
    start_response('abc', [('Content-Type', 'text/plain')])
    return [b'bad status\n']


def crlf_header(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain'),
                              ('X-Split', 'a\r\nInjected: yes')])
    return [b'crlf\n']


def space_header(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain'),
                              ('Bad Name', 'spaced')])
    return [b'space\n']


def hop_header(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain'),
                              ('Connection', 'x-hop-by-hop')])
    return [b'hop\n']


def latin1_header(environ, start_response):
    """A native string value with a latin-1 character: one byte E9 on
    the wire (PEP 3333: headers are latin-1)."""
    start_response('200 OK', [('Content-Type', 'text/plain'),
                              ('X-Latin', 'caf\xe9')])
    return [b'latin-1\n']


def nonlatin1_header(environ, start_response):
    """A value no latin-1 byte can carry: an error, not UTF-8."""
    start_response('200 OK', [('Content-Type', 'text/plain'),
                              ('X-Euro', '\u20ac')])
    return [b'euro\n']


def reason(environ, start_response):
    start_response('200 Fine, thanks', [('Content-Type', 'text/plain')])
    return [b'fine\n']


kept = []


def keep(environ, start_response):
    """Keeps start_response past the request, as no application should."""
    kept.append(start_response)
    return reply(start_response, {'kept': len(kept)})


def kept_call(environ, start_response):
    """Calls the start_response /keep kept: it must refuse, and leave this
    request's own alone."""
    try:
        kept[-1]('418 Stale', [])
        said = 'accepted'
    except RuntimeError as e:
        said = str(e)
    return reply(start_response, {'said': said})


def version(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [VERSION.encode() + b'\n']


def pid(environ, start_response):
    return reply(start_response, {'pid': os.getpid(),
                                  'thread': threading.current_thread().name,
                                  'multithread': environ['wsgi.multithread'],
                                  'multiprocess':
                                  environ['wsgi.multiprocess']})


ROUTES = {
    '/thread': thread, '/sleep': sleep, '/inflight': inflight, '/big': big,
    '/raise': raise_early, '/raise_first': raise_first,
    '/raise_late': raise_late,
    '/bad_status': bad_status, '/crlf_header': crlf_header,
    '/space_header': space_header, '/hop_header': hop_header,
    '/latin1_header': latin1_header, '/nonlatin1_header': nonlatin1_header,
    '/version': version, '/pid': pid, '/reason': reason, '/keep': keep,
    '/kept': kept_call,
}


def application(environ, start_response):
    app = ROUTES.get(environ.get('PATH_INFO', ''))
    if app is None:
        start_response('404 Not Found', [('Content-Type', 'text/plain')])
        return [b'not here\n']
    return app(environ, start_response)
