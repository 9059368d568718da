"""Seed 001's Flask application: GET / waits 0.25 s (Flask 2.2 "[async]").

The seed names Flask 2.2.2 with its async extra and a route taking
0.25 s; the view is an async def awaiting asyncio.sleep(0.25), which
Flask runs to completion in the calling thread (asgiref), so a sync
gunicorn worker or a poolserve thread is busy for the whole 0.25 s.

gunicorn app:app    poolserve --pythonpath bench/seeds/apps/001 --wsgi app:app
"""

import asyncio

from flask import Flask

app = Flask(__name__)


@app.route("/")
async def index():
    await asyncio.sleep(0.25)
    return "Hello, World!"
