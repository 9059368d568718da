"""Seed 002's Flask application: POST /user_manage/user/login parses its
arguments, sleeps 0.2 s and answers {}.

The seed's view is a flask_restplus Resource whose post() calls
parser.parse_args() (a parser with no arguments: it reads the request's
JSON body) before time.sleep(0.2); flask_restplus is not in Debian, so
the route is a plain Flask view doing the same: the body is parsed as
JSON, then the 0.2 s sleep, then jsonify({}).

uWSGI (the seed's ini, wsgi-file = run.py, callable = app) and
poolserve --pythonpath bench/seeds/apps/002 --wsgi run:app.
"""

import time

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.route("/user_manage/user/login", methods=["POST"])
def login():
    request.get_json(force=True, silent=True)
    time.sleep(0.2)
    return jsonify({})
