"""A Flask app written the way benchmark apps often are: its database address is part of
the code. Every request opens a connection to the pool at perf-dbpool:5432 as user "test"
(password "test") on database "test", reads one random row of the table test, and closes
the connection again; the pool keeps the real database connections.

  GET /row    one random row: {"a": "0000004711", "b": 2179}

stackgate's suite (stackgate.toml) makes perf-dbpool a loopback address for the stack's
processes only, and runs pgbouncer there in front of its managed PostgreSQL.
"""

import random

import psycopg2
from flask import Flask, jsonify

DB_HOST = "perf-dbpool"
DB_PORT = 5432
ROWS = 10000

app = Flask(__name__)


@app.get("/row")
def row():
    conn = psycopg2.connect(host=DB_HOST, port=DB_PORT, dbname="test", user="test", password="test", connect_timeout=5)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT a, b FROM test WHERE a = %s", (random.randint(1, ROWS),))
            a, b = cur.fetchone()
        conn.commit()
    finally:
        conn.close()
    return jsonify(a=str(a).zfill(10), b=b)
