"""The seeds' Flask applications, written again for tests/wsgi.sh.

/cast/N, /other_cast/N  sleep N seconds, log a line, answer ok/other_ok
                        (the gunicorn + gevent benchmark app)
/?id=N[&sleep=S]        log "processing request id[N], sleeping...",
                        sleep S seconds (default 0), log "done request
                        id[N]", answer "hello #N" (the thread-pool
                        article's app; the lines go to wsgi.errors with
                        the thread's name, which poolserve sets)
POST /login             a JSON body back with what was received
"""
import os
import threading
import time
from datetime import datetime

from flask import Flask, abort, jsonify, request

app = Flask(__name__)
counter_lock = threading.Lock()
counter = 0


def log(text):
    print('%s - %d-%s: %s' % (datetime.now(), os.getpid(),
                              threading.current_thread().name, text),
          file=request.environ['wsgi.errors'])


@app.route('/cast/<int:n>')
def cast(n):
    time.sleep(n)
    log('cast %s' % time.ctime())
    return 'ok'


@app.route('/other_cast/<int:n>')
def other_cast(n):
    time.sleep(n)
    log('other_cast %s' % time.ctime())
    return 'other_ok'


@app.get('/')
def index():
    global counter
    with counter_lock:
        counter += 1
        nth = counter
    rid = request.args.get('id', '')
    if not rid.isdigit():
        abort(400)
    log('#%d processing request id[%s], sleeping...' % (nth, rid))
    time.sleep(float(request.args.get('sleep', '0')))
    log('done request id[%s]' % rid)
    return 'hello #%s' % rid


@app.post('/login')
def login():
    data = request.get_json(force=False, silent=True)
    if not isinstance(data, dict):
        return jsonify(error='a JSON object is needed'), 400
    return jsonify(received=data, keys=sorted(data), ok=True)
