"""The routes of poolserve's lab application that bench/ loads, in Flask.

uWSGI (--wsgi-file labapp.py --callable app) and gunicorn (labapp:app)
serve this module so that they do the same work as poolserve:

    GET /            "Hello, world!"
    GET /sleep/S     sleep S seconds, "slept S s"
    GET /cpu/MS      keep the thread busy for MS ms of its CPU time
    GET /info        pid and thread, as JSON

Run as a program, "python3 labapp.py PORT" serves it with Flask's own
development server, app.run(threaded=True): werkzeug's ThreadedWSGIServer,
which starts a new thread for every connection.  bench/suites/c10k.sh
uses that to show what happens without a bound.

Debian's python3-flask, stdlib otherwise.
"""

import os
import sys
import threading
import time

from flask import Flask, abort, jsonify

app = Flask(__name__)


@app.route("/")
def hello():
    return "Hello, world!", 200, {"Content-Type": "text/plain"}


def number(text, top):
    # Same bounds as poolserve: plain decimal, 0 to top.
    try:
        value = float(text)
    except ValueError:
        abort(400)
    if not 0 <= value <= top or not text.replace(".", "", 1).isdigit():
        abort(400)
    return value


@app.route("/sleep/<s>")
def sleep(s):
    time.sleep(number(s, 86400))
    return "slept %s s" % s, 200, {"Content-Type": "text/plain"}


@app.route("/cpu/<ms>")
def cpu(ms):
    # CPU time of this thread, as poolserve's /cpu/MS: time spent waiting
    # for the GIL or a core does not count.
    end = time.thread_time() + number(ms, 60000) / 1000
    while time.thread_time() < end:
        pass
    return "burnt %s ms of CPU" % ms, 200, {"Content-Type": "text/plain"}


@app.route("/info")
def info():
    return jsonify(pid=os.getpid(), thread=threading.current_thread().name,
                   threads=threading.active_count())


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: labapp.py PORT")
    app.run(host="127.0.0.1", port=int(sys.argv[1]), threaded=True)
