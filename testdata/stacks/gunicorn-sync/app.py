"""A plain WSGI app for Gunicorn's sync workers: every request takes about 20 ms.

No framework and no database: what it shows is how a server whose workers each serve one
connection at a time behaves under a load generator, as in the test of "Ignore All Web
Performance Benchmarks" (miguelgrinberg/python-web-perf) that found stackgate measuring
its own connections instead of the stack.

  GET /          {"message":"Hello, World!"} after 20 ms (time.sleep: the worker is held,
                 as by a database query)
  GET /healthz   ok, at once
"""

import time

DELAY = 0.02
BODY = b'{"message":"Hello, World!"}'


def app(environ, start_response):
    if environ.get("PATH_INFO") == "/healthz":
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]
    time.sleep(DELAY)
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))])
    return [BODY]
