"""Seed 002's POST without a framework: a plain WSGI callable.

POST /user_manage/user/login reads the body, parses it as JSON, sleeps
0.2 s and answers {} (application/json), as the Flask route does; any
other request is 404.  poolserve --wsgi-file bench/seeds/apps/002/login_wsgi.py
"""

import json
import time


def application(environ, start_response):
    if (environ["PATH_INFO"] != "/user_manage/user/login"
            or environ["REQUEST_METHOD"] != "POST"):
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found\n"]
    n = int(environ.get("CONTENT_LENGTH") or 0)
    json.loads(environ["wsgi.input"].read(n) or b"null")
    time.sleep(0.2)
    body = b"{}\n"
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])
    return [body]
