"""Pure WSGI "Hello, world!" for bench/suites/wsgi.sh: no framework, the
least a WSGI server can be asked to do (PEP 3333).

    poolserve --wsgi-file wsgi_hello.py
    uwsgi --plugin python3 --wsgi-file wsgi_hello.py
    gunicorn wsgi_hello:application

Every path answers 200 with the 13 bytes "Hello, world!", one body piece
with its Content-Length, as bench/'s other hello servers do.
"""

BODY = b"Hello, world!"
HEADERS = [("Content-Type", "text/plain"),
           ("Content-Length", str(len(BODY)))]


def application(environ, start_response):
    start_response("200 OK", list(HEADERS))
    return [BODY]
