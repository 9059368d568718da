"""Seed 003's aiohttp application: GET / hello, GET /hit INCR in redis
through aioredis 1.x's connection pool (create_redis_pool), opened and
closed by the application's cleanup context.

gunicorn -b 127.0.0.1:PORT --access-logfile - -w 4 -k aiohttp.GunicornWebWorker aio_app:app
SEED_REDIS_PORT is redis' port on 127.0.0.1.
"""

import os

import aioredis
from aiohttp import web

routes = web.RouteTableDef()


@routes.get("/")
async def hello(request):
    return web.Response(text="Hello, world!")


@routes.get("/hit")
async def hit(request):
    return web.json_response({"hit": await request.app["redis"].incr("hit")})


async def setup_redis(app):
    url = "redis://@127.0.0.1:%s/0" % os.environ.get("SEED_REDIS_PORT", "6379")
    app["redis"] = await aioredis.create_redis_pool(url)
    yield
    app["redis"].close()
    await app["redis"].wait_closed()


app = web.Application()
app.cleanup_ctx.append(setup_redis)
app.add_routes(routes)
