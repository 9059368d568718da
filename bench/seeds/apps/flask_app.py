"""The seeds' Flask application, one module for every seed experiment.

  GET  /                      Hello, world!
  GET  /?id=N&sleep=S         log, sleep S seconds, answer "hello #N" (004, 001)
  GET  /cast/<n>              sleep n seconds, answer "ok" (000)
  POST /user_manage/user/login  parse the JSON body, sleep 0.2 s, answer {} (002)
  GET  /hit                   INCR a redis counter, answer {"hit": n} (003)

SEED_GEVENT=1 monkey-patches with gevent first (uWSGI --gevent);
gunicorn -k gevent patches by itself.  SEED_REDIS_PORT is redis' port.
"""

import os

if os.environ.get("SEED_GEVENT") == "1":
    from gevent import monkey
    monkey.patch_all()

import sys
import threading
import time
from datetime import datetime

from flask import Flask, jsonify, request

app = Flask("seeds")
count = 0
_redis = None


def redis_client():
    global _redis
    if _redis is None:
        import redis
        _redis = redis.Redis(host="127.0.0.1",
                             port=int(os.environ.get("SEED_REDIS_PORT", "6379")))
    return _redis


@app.get("/")
def index():
    global count
    if "id" not in request.args and "sleep" not in request.args:
        return "Hello, world!"
    count += 1
    rid = request.args.get("id", str(count))
    secs = float(request.args.get("sleep", "0"))
    name = "%d-%s" % (os.getpid(), threading.current_thread().name)
    print("%s - %s: #%d processing request id[%s], sleeping..."
          % (datetime.now(), name, count, rid), file=sys.stderr, flush=True)
    time.sleep(secs)
    print("%s - %s: done request id[%s]" % (datetime.now(), name, rid),
          file=sys.stderr, flush=True)
    return "hello #%s" % rid


@app.get("/cast/<n>")
def cast(n):
    time.sleep(float(n))
    return "ok"


@app.post("/user_manage/user/login")
def login():
    request.get_json(force=True)
    time.sleep(0.2)
    return jsonify({})


@app.get("/hit")
def hit():
    return jsonify({"hit": redis_client().incr("hit")})


if __name__ == "__main__":
    # python3 flask_app.py PORT [threaded|processes=N]: werkzeug's own
    # server, as Flask's app.run() starts it (seed 004)
    port = int(sys.argv[1])
    mode = sys.argv[2] if len(sys.argv) > 2 else "threaded"
    if mode.startswith("processes="):
        app.run(host="127.0.0.1", port=port, threaded=False,
                processes=int(mode.split("=", 1)[1]))
    else:
        app.run(host="127.0.0.1", port=port, threaded=True)
