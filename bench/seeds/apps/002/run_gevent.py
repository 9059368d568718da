"""Seed 002's run.py for uWSGI gevent=3000: the seed's two first lines,
gevent's monkey.patch_all(), before the application is imported."""

from gevent import monkey
monkey.patch_all()

from run import app  # noqa: E402,F401
