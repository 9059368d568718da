"""Seed 003's Flask application: GET / hello, GET /hit a redis counter.

gunicorn -b 127.0.0.1:PORT --access-logfile - -w 4 -k gevent flask_app:app
(the gevent worker patches the redis client's socket).  SEED_REDIS_PORT
is redis' port on 127.0.0.1 (the seed: redis on localhost, database 0).
"""

import os

import redis
from flask import Flask, jsonify

app = Flask("flask_app")
store = redis.Redis(host="127.0.0.1",
                    port=int(os.environ.get("SEED_REDIS_PORT", "6379")), db=0)


@app.route("/")
def hello():
    return "Hello, world!"


@app.route("/hit")
def hit():
    return jsonify({"hit": store.incr("hit")})
