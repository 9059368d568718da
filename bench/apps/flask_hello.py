"""Flask hello for bench/suites/wsgi.sh, the same for every server:

    GET /            "Hello, world!" (text/plain)
    GET /sleep/S     sleep S seconds (a float, e.g. 0.5), "slept S s"
    GET /gc          a full collection (gc.collect()) in this process, as
                     a worker that has lived long enough runs; "collected N"

    poolserve --wsgi flask_hello:app --pythonpath bench/apps
    uwsgi --plugin python3 --wsgi-file flask_hello.py --callable app
    gunicorn flask_hello:app

Debian's python3-flask, stdlib otherwise.
"""

import gc
import time

from flask import Flask

app = Flask(__name__)
application = app


@app.route("/")
def hello():
    return "Hello, world!", 200, {"Content-Type": "text/plain"}


@app.route("/sleep/<float:s>")
def sleep(s):
    time.sleep(s)
    return "slept %s s" % s, 200, {"Content-Type": "text/plain"}


@app.route("/gc")
def collect():
    return "collected %d" % gc.collect(), 200, {"Content-Type": "text/plain"}
