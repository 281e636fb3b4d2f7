#!/usr/bin/env bash
# Agent-run engine overhead: a 100-turn scripted run with one cheap tool call per turn
# (target ≤ 200 ms excluding the tools' own time) and WAL appends (target ≤ 20 µs/event).
# See bench/README.md.
#
#   bash bench/agent_run.sh          # 7 measured runs after one warm-up
#   bash bench/agent_run.sh 20
#
# Exits 1 when a target is missed.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
cargo build --release -q -p skills-runtime --example agent_bench
exec target/release/examples/agent_bench "${1:-7}"
