"""Load the world table with the deterministic dataset of stackgate's reference stack.

The rows are the same bytes as `refstack seed` writes (cmd/refstack/dataset.go): ids
1..rows, each randomnumber 1 + x mod 10000 for the next output x of SplitMix64 seeded
with --seed. Written in Python so that this example stack needs nothing but Debian's
Python packages; the digest printed at the end is sha256 of
`COPY (SELECT * FROM world ORDER BY id) TO STDOUT`, which for 10 000 rows and seed 1 is
refstack's golden 8656a495…

Usage: DATABASE_URL=postgres://... python3 seed.py [--rows N] [--seed S]
"""

import argparse
import hashlib
import io
import os
import sys

import psycopg2

MASK64 = (1 << 64) - 1
MAX_RANDOM_NUMBER = 10000


def splitmix64(state):
    """Yield Sebastiano Vigna's SplitMix64 stream (https://prng.di.unimi.it/splitmix64.c)."""
    while True:
        state = (state + 0x9E3779B97F4A7C15) & MASK64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        yield z ^ (z >> 31)


def world_copy_text(rows, seed):
    """The dataset in COPY's text format: one "id<TAB>randomnumber" line per row."""
    stream = splitmix64(seed)
    return "".join(f"{i}\t{1 + next(stream) % MAX_RANDOM_NUMBER}\n" for i in range(1, rows + 1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10000, help="rows to load (ids 1..N)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the random numbers")
    args = parser.parse_args()
    if not 1 <= args.rows <= 2**31 - 1 or not 0 <= args.seed <= MASK64:
        parser.error("--rows must be in 1..2147483647 and --seed in 0..2^64-1")
    url = os.environ.get("DATABASE_URL")
    if not url:
        parser.error("DATABASE_URL is not set")

    text = world_copy_text(args.rows, args.seed)
    with psycopg2.connect(url, connect_timeout=5) as conn, conn.cursor() as cur:
        cur.execute("TRUNCATE world")
        cur.copy_expert("COPY world (id, randomnumber) FROM STDIN", io.StringIO(text))
    conn.close()
    # ANALYZE outside the transaction, so the planner knows the table's size from the start.
    with psycopg2.connect(url, connect_timeout=5) as conn:
        conn.autocommit = True
        conn.cursor().execute("ANALYZE world")
    conn.close()
    digest = hashlib.sha256(text.encode()).hexdigest()
    print(f"seeded world: {args.rows} rows, seed {args.seed}, sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
