"""Seed 000's Flask application, as its write-up describes it.

gunicorn -w 9 -b 127.0.0.1:PORT -k gevent run:app
poolserve --pythonpath bench/seeds/apps/000 --wsgi run:app

  GET /cast/<n>        sleep n whole seconds, print the time, answer "ok"
  GET /other_cast/<n>  the same, answer "other_ok"
"""

import time

from flask import Flask

app = Flask(__name__)


@app.route("/cast/<n>")
def cast(n):
    time.sleep(int(n))
    print("cast", time.ctime(), flush=True)
    return "ok"


@app.route("/other_cast/<n>")
def other_cast(n):
    time.sleep(int(n))
    print("cast", time.ctime(), flush=True)
    return "other_ok"
