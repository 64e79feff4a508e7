"""The standard scenarios of stackgate as a Flask app, for Gunicorn's sync workers.

Each worker process handles one request at a time and keeps one psycopg2 connection to
the database in $DATABASE_URL, opened on its first request (after Gunicorn forks it) and
opened again after a database error. Endpoints and answers are those of stackgate's
reference stack (cmd/refstack/README.md):

  GET  /json            {"message":"Hello, World!"}
  GET  /db              one random row by primary key: {"id":N,"randomNumber":M}
  GET  /queries?n=20    n random rows (n clamped to 1..500, missing or invalid: 1), one query each
  GET  /slow            one random row read with pg_sleep(0.02) on the server
  POST /update?n=5      reads n random rows, writes new random numbers back in one round trip
  GET  /healthz         ok when the database answers, 503 otherwise
"""

import os
import random

import psycopg2
from flask import Flask, Response, jsonify, request

SQL_ROW = "SELECT id, randomnumber FROM world WHERE id = %s"
SQL_SLOW_ROW = "SELECT id, randomnumber, pg_sleep(0.02) FROM world WHERE id = %s"
SQL_UPDATE = "UPDATE world SET randomnumber = %s WHERE id = %s;"
SQL_WORLD_SIZE = "SELECT coalesce(max(id), 0) FROM world"
MAX_RANDOM_NUMBER = 10000
MAX_QUERIES = 500
# Ids are drawn from 1..this when the table is empty or unreachable at the first request.
DEFAULT_WORLD_SIZE = 10000

app = Flask(__name__)
app.json.sort_keys = False


class Database:
    """One connection per worker process, opened lazily and again after an error."""

    def __init__(self, url):
        self.url = url
        self.conn = None
        self.world_size = None

    def cursor(self):
        if self.conn is None or self.conn.closed:
            self.conn = psycopg2.connect(self.url, connect_timeout=5)
            # Each statement commits on its own: no transaction is left open between requests.
            self.conn.autocommit = True
        return self.conn.cursor()

    def forget(self):
        """Drop the connection after an error; the next request opens a new one."""
        if self.conn is not None:
            self.conn.close()
        self.conn = None

    def random_id(self, cur):
        if self.world_size is None:
            cur.execute(SQL_WORLD_SIZE)
            self.world_size = cur.fetchone()[0] or DEFAULT_WORLD_SIZE
        return random.randint(1, self.world_size)


database = Database(os.environ.get("DATABASE_URL", ""))


def row(cur, sql, world_id):
    cur.execute(sql, (world_id,))
    found = cur.fetchone()
    return {"id": found[0], "randomNumber": found[1]}


def count_param():
    """The n of /queries and /update: 1..500; missing or invalid is 1."""
    try:
        n = int(request.args.get("n", "1"))
    except ValueError:
        return 1
    return min(max(n, 1), MAX_QUERIES)


@app.errorhandler(psycopg2.Error)
def database_error(err):
    database.forget()
    app.logger.error("database error: %s", err)
    return Response("database error", status=500, mimetype="text/plain")


@app.get("/json")
def hello():
    return jsonify(message="Hello, World!")


@app.get("/db")
def single_row():
    with database.cursor() as cur:
        return jsonify(row(cur, SQL_ROW, database.random_id(cur)))


@app.get("/queries")
def many_rows():
    with database.cursor() as cur:
        return jsonify([row(cur, SQL_ROW, database.random_id(cur)) for _ in range(count_param())])


@app.get("/slow")
def slow_row():
    with database.cursor() as cur:
        return jsonify(row(cur, SQL_SLOW_ROW, database.random_id(cur)))


@app.post("/update")
def update_rows():
    with database.cursor() as cur:
        rows = [row(cur, SQL_ROW, database.random_id(cur)) for _ in range(count_param())]
        for r in rows:
            r["randomNumber"] = new_number(r["randomNumber"])
        # One round trip, one implicit transaction; sorted by id so that concurrent updates
        # lock rows in the same order and never deadlock. A repeated id keeps the last
        # number given to it, which is also the last one in the answer.
        final = {r["id"]: r["randomNumber"] for r in rows}
        ids = sorted(final)
        cur.execute(SQL_UPDATE * len(ids), [v for i in ids for v in (final[i], i)])
        return jsonify(rows)


def new_number(old):
    """A random number in 1..10000 other than old, so every update changes the row."""
    n = random.randint(1, MAX_RANDOM_NUMBER - 1)
    return n + 1 if n >= old else n


@app.get("/healthz")
def healthz():
    try:
        with database.cursor() as cur:
            cur.execute("SELECT 1")
    except psycopg2.Error:
        database.forget()
        return Response("database unavailable", status=503, mimetype="text/plain")
    return Response("ok", mimetype="text/plain")
