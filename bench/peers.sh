#!/usr/bin/env bash
# peers.sh: compare stackgate's load engine with wrk on this machine, side by side.
#
#   bench/peers.sh [flags of bench/peers, e.g. -rounds 7 -d 10s]
#
# It needs Go, wrk and taskset and installs nothing: it says what is missing. It builds
# stackgate and the loopback target into a temporary directory, then runs bench/peers,
# which pins the generator and the target to different CPUs and prints CPU µs per request
# and throughput as ratios to wrk, the open-loop rate accuracy, memory per connection,
# and the coordinated-omission stall test against its known truth.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v go >/dev/null 2>&1 || missing+=("go (Go 1.26: https://go.dev/dl/)")
command -v wrk >/dev/null 2>&1 || missing+=("wrk (Debian/Ubuntu: apt-get install wrk)")
command -v taskset >/dev/null 2>&1 || missing+=("taskset (Debian/Ubuntu: apt-get install util-linux)")
if [ "${#missing[@]}" -gt 0 ]; then
  echo "peers.sh: missing on this machine, nothing was run:" >&2
  printf '  - %s\n' "${missing[@]}" >&2
  exit 2
fi
if [ "$(nproc)" -lt 2 ]; then
  echo "peers.sh: needs at least 2 CPUs (one for the generator, one for the target); this machine has $(nproc)" >&2
  exit 2
fi

bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/stackgate" ./cmd/stackgate
go build -o "$bin/target" ./bench/target
go build -o "$bin/peers" ./bench/peers
"$bin/peers" -stackgate "$bin/stackgate" -target "$bin/target" -wrk "$(command -v wrk)" -lua bench/wrk-pace.lua "$@"
