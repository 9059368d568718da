"""The aiohttp application of seed 003: GET / hello, GET /hit (redis INCR).

Run under gunicorn -k aiohttp.GunicornWebWorker aio_app:app;
SEED_REDIS_PORT is redis' port.
"""

import os

import redis.asyncio
from aiohttp import web

routes = web.RouteTableDef()


@routes.get("/")
async def hello(request):
    return web.Response(text="Hello, world!")


@routes.get("/hit")
async def hit(request):
    return web.json_response({"hit": await request.app["redis"].incr("hit")})


async def setup_redis(app):
    app["redis"] = redis.asyncio.Redis(
        host="127.0.0.1", port=int(os.environ.get("SEED_REDIS_PORT", "6379")))
    yield
    await app["redis"].close()


app = web.Application()
app.cleanup_ctx.append(setup_redis)
app.add_routes(routes)
