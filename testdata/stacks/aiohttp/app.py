"""The standard scenarios of stackgate as an aiohttp app on an aiopg connection pool.

One process, one event loop: requests waiting on the database do not hold a worker, so
concurrency is bounded by the pool (--pool), not by a process count. Endpoints and answers
are those of stackgate's reference stack (cmd/refstack/README.md):

  GET  /json            {"message":"Hello, World!"}
  GET  /db              one random row by primary key: {"id":N,"randomNumber":M}
  GET  /queries?n=20    n random rows (n clamped to 1..500, missing or invalid: 1), one query each
  GET  /slow            one random row read with pg_sleep(0.02) on the server
  POST /update?n=5      reads n random rows, writes new random numbers back in one round trip
  GET  /healthz         ok when the database answers, 503 otherwise

Usage: DATABASE_URL=postgres://... python3 app.py --bind 127.0.0.1:8080 [--pool 8]
Stops on SIGTERM or SIGINT (in-flight requests get SHUTDOWN_TIMEOUT seconds).
"""

import argparse
import functools
import json
import os
import random
import sys

import aiopg
import psycopg2
from aiohttp import web

SQL_ROW = "SELECT id, randomnumber FROM world WHERE id = %s"
SQL_SLOW_ROW = "SELECT id, randomnumber, pg_sleep(0.02) FROM world WHERE id = %s"
SQL_UPDATE = "UPDATE world SET randomnumber = %s WHERE id = %s;"
SQL_WORLD_SIZE = "SELECT coalesce(max(id), 0) FROM world"
MAX_RANDOM_NUMBER = 10000
MAX_QUERIES = 500
# Ids are drawn from 1..this when the table is empty or unreachable at start.
DEFAULT_WORLD_SIZE = 10000
DEFAULT_POOL = 8
# Seconds a connection attempt or a pool checkout may take before the request fails.
DATABASE_TIMEOUT = 5
# Seconds in-flight requests get after SIGTERM: well within stackgate's grace (5 s).
SHUTDOWN_TIMEOUT = 2


def json_response(data):
    """A compact JSON answer, byte for byte what the other stacks send."""
    return web.json_response(data, dumps=functools.partial(json.dumps, separators=(",", ":")))

async def row(cur, sql, world_id):
    await cur.execute(sql, (world_id,))
    found = await cur.fetchone()
    return {"id": found[0], "randomNumber": found[1]}


def count_param(request):
    """The n of /queries and /update: 1..500; missing or invalid is 1."""
    try:
        n = int(request.query.get("n", "1"))
    except ValueError:
        return 1
    return min(max(n, 1), MAX_QUERIES)


def random_id(request):
    return random.randint(1, request.app["world_size"])


def new_number(old):
    """A random number in 1..10000 other than old, so every update changes the row."""
    n = random.randint(1, MAX_RANDOM_NUMBER - 1)
    return n + 1 if n >= old else n


async def hello(request):
    return json_response({"message": "Hello, World!"})


async def single_row(request):
    async with request.app["pool"].acquire() as conn, conn.cursor() as cur:
        return json_response(await row(cur, SQL_ROW, random_id(request)))


async def many_rows(request):
    async with request.app["pool"].acquire() as conn, conn.cursor() as cur:
        rows = [await row(cur, SQL_ROW, random_id(request)) for _ in range(count_param(request))]
    return json_response(rows)


async def slow_row(request):
    async with request.app["pool"].acquire() as conn, conn.cursor() as cur:
        return json_response(await row(cur, SQL_SLOW_ROW, random_id(request)))


async def update_rows(request):
    async with request.app["pool"].acquire() as conn, conn.cursor() as cur:
        rows = [await row(cur, SQL_ROW, random_id(request)) for _ in range(count_param(request))]
        for r in rows:
            r["randomNumber"] = new_number(r["randomNumber"])
        # One round trip, one implicit transaction; sorted by id so that concurrent updates
        # lock rows in the same order and never deadlock. A repeated id keeps the last
        # number given to it, which is also the last one in the answer.
        final = {r["id"]: r["randomNumber"] for r in rows}
        ids = sorted(final)
        await cur.execute(SQL_UPDATE * len(ids), [v for i in ids for v in (final[i], i)])
    return json_response(rows)


async def healthz(request):
    try:
        async with request.app["pool"].acquire() as conn, conn.cursor() as cur:
            await cur.execute("SELECT 1")
    except (psycopg2.Error, OSError, TimeoutError):
        return web.Response(status=503, text="database unavailable")
    return web.Response(text="ok")


@web.middleware
async def database_errors(request, handler):
    """A database error answers 500, as the other stacks do, instead of a traceback page."""
    try:
        return await handler(request)
    except psycopg2.Error as err:
        print(f"database error: {err}", file=sys.stderr, flush=True)
        return web.Response(status=500, text="database error")


async def open_pool(app, url, size):
    # minsize 0: no connection at start, so the app starts (and /healthz says 503) even
    # when the database is not there yet.
    app["pool"] = await aiopg.create_pool(url, minsize=0, maxsize=size, timeout=DATABASE_TIMEOUT)
    try:
        async with app["pool"].acquire() as conn, conn.cursor() as cur:
            await cur.execute(SQL_WORLD_SIZE)
            app["world_size"] = (await cur.fetchone())[0] or DEFAULT_WORLD_SIZE
    except (psycopg2.Error, OSError, TimeoutError) as err:
        print(f"reading the world table's size: {err}; using {DEFAULT_WORLD_SIZE}", file=sys.stderr, flush=True)
        app["world_size"] = DEFAULT_WORLD_SIZE


async def close_pool(app):
    app["pool"].close()
    await app["pool"].wait_closed()


def make_app(url, pool_size):
    app = web.Application(middlewares=[database_errors])
    app.add_routes([
        web.get("/json", hello),
        web.get("/db", single_row),
        web.get("/queries", many_rows),
        web.get("/slow", slow_row),
        web.post("/update", update_rows),
        web.get("/healthz", healthz),
    ])
    app.on_startup.append(lambda app: open_pool(app, url, pool_size))
    app.on_cleanup.append(close_pool)
    return app


def main():
    parser = argparse.ArgumentParser(description="stackgate's standard scenarios on aiohttp and aiopg")
    parser.add_argument("--bind", default="127.0.0.1:8080", help="host:port to listen on")
    parser.add_argument("--pool", type=int, default=DEFAULT_POOL, help="most database connections")
    args = parser.parse_args()
    host, _, port = args.bind.rpartition(":")
    if not host or not port.isdigit() or args.pool < 1:
        parser.error("--bind must be host:port and --pool at least 1")
    url = os.environ.get("DATABASE_URL")
    if not url:
        parser.error("DATABASE_URL is not set")
    web.run_app(make_app(url, args.pool), host=host, port=int(port), access_log=None,
                shutdown_timeout=SHUTDOWN_TIMEOUT,
                print=lambda _: print(f"listening on {args.bind} (pool: {args.pool})", file=sys.stderr, flush=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
