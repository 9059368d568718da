"""Seed 004's Flask application: GET /?id=N logs the request with its
process, thread and a global counter, sleeps, logs "done", answers.

SEED_SLEEP   seconds to sleep (default 800, the seed's)
SEED_VIEW    sync (default): time.sleep in a plain view;
             async: the same in an async def view (the seed's second app);
             await: an async def view awaiting asyncio.sleep (the third)

The log lines carry the OS thread id (tid) beside the thread's name, so
that reuse of a thread shows even where Python names it anew.

python3 app.py PORT [threaded | processes=N]   Flask's app.run(), as the seed
uwsgi --http :PORT --wsgi-file app.py --callable app --threads 10
poolserve --pythonpath bench/seeds/apps/004 --wsgi app:app
"""

import asyncio
import os
import sys
import threading
import time
from datetime import datetime

from flask import Flask, request

app = Flask(__name__)
global_request_counter = 0
SLEEP = float(os.environ.get("SEED_SLEEP", "800"))
VIEW = os.environ.get("SEED_VIEW", "sync")


def log(text):
    t = threading.current_thread()
    print("%s - %d-%s (tid %d): %s" % (datetime.now(), os.getpid(), t.name,
                                        threading.get_native_id(), text),
          flush=True)


def begin():
    global global_request_counter
    global_request_counter += 1
    request_id = request.args["id"]
    log("#%d processing request id[%s], sleeping..."
        % (global_request_counter, request_id))
    return request_id


if VIEW == "sync":
    @app.get("/")
    def index():
        request_id = begin()
        time.sleep(SLEEP)
        log("done request id[%s]" % request_id)
        return "hello"
elif VIEW == "async":
    @app.get("/")
    async def index():
        request_id = begin()
        time.sleep(SLEEP)
        log("done request id[%s]" % request_id)
        return "hello"
else:
    async def foo(request_id):
        return await asyncio.sleep(SLEEP, result="hello #%s" % request_id)

    @app.get("/")
    async def index():
        request_id = begin()
        res = await foo(request_id)
        log("done request id[%s]" % request_id)
        return res


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8080
    mode = sys.argv[2] if len(sys.argv) > 2 else "threaded"
    if mode.startswith("processes="):
        app.run(host="127.0.0.1", port=port, threaded=False,
                processes=int(mode.split("=", 1)[1]))
    else:
        app.run(host="127.0.0.1", port=port)
