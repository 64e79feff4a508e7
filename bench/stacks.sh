#!/usr/bin/env bash
# stacks.sh: compare the closed-loop throughput of stackgate's load engine with wrk's on
# real stacks, side by side.
#
#   bench/stacks.sh [flags of bench/peers, e.g. -rounds 5 -d 10s -stacks "stackgate.toml:json"]
#
# It needs Go, wrk, PostgreSQL's server binaries and Debian's Gunicorn, Flask and psycopg2
# (for /usr/bin/python3), and installs nothing: it says what is missing. It builds
# stackgate and bench/peers into a temporary directory; bench/peers provisions each suite
# as stackgate run does (builds, a private PostgreSQL, the dataset, a fresh stack per
# scenario), runs wrk and stackgate load against it in alternating order with the
# scenario's connections, and prints each run's throughput and the ratios to wrk.
# The default stacks: the reference stack (json, db), the Flask example (json, db) and
# the plain Gunicorn sync app (10 and 100 connections).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v go >/dev/null 2>&1 || missing+=("go (Go 1.26: https://go.dev/dl/)")
command -v wrk >/dev/null 2>&1 || missing+=("wrk (Debian/Ubuntu: apt-get install wrk)")
command -v taskset >/dev/null 2>&1 || missing+=("taskset (Debian/Ubuntu: apt-get install util-linux)")
command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 ||
  missing+=("PostgreSQL's server binaries (Debian/Ubuntu: apt-get install postgresql)")
/usr/bin/python3 -c 'import flask, gunicorn, psycopg2' >/dev/null 2>&1 ||
  missing+=("Debian's Flask, Gunicorn and psycopg2 for /usr/bin/python3 (apt-get install python3-flask gunicorn python3-psycopg2)")
if [ "${#missing[@]}" -gt 0 ]; then
  echo "stacks.sh: missing on this machine, nothing was run:" >&2
  printf '  - %s\n' "${missing[@]}" >&2
  exit 2
fi

bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/stackgate" ./cmd/stackgate
go build -o "$bin/peers" ./bench/peers
"$bin/peers" -parts stacks -stackgate "$bin/stackgate" -wrk "$(command -v wrk)" "$@"
