"""Seed 001's Quart application: GET / awaits 0.25 s.

hypercorn app-quart:app --workers=1 [--worker-class=uvloop]
"""

import asyncio

from quart import Quart

app = Quart(__name__)


@app.route("/")
async def index():
    await asyncio.sleep(0.25)
    return "Hello, World!"
