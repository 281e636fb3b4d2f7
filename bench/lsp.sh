#!/usr/bin/env bash
# Benchmark the language server on the synthetic 10,000-skill workspace. See bench/README.md.
#
#   bash bench/lsp.sh                   # EDITS=200 RUNS=3 SKILLS=10000
#   EDITS=500 RUNS=5 bash bench/lsp.sh
#
# The workspace is bench/work/ws-lsp (generated with the same parameters as bench/run.sh, then
# 1,000 mentions of one skill are appended to other skills). Exits non-zero only when something
# fails to run; the targets are reported, not enforced.
set -euo pipefail

EDITS="${EDITS:-200}"
RUNS="${RUNS:-3}"
SKILLS="${SKILLS:-10000}"
BODY_KB="${BODY_KB:-6}"
SEED="${SEED:-1729}"
INVALID_PCT="${INVALID_PCT:-0.5}"
UNKNOWN_PCT="${UNKNOWN_PCT:-1}"
NEAR_MISS_PCT="${NEAR_MISS_PCT:-1}"

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
ws="${WS:-bench/work/ws-lsp}"
die() { echo "bench: $*" >&2; exit 2; }
for v in BODY_KB INVALID_PCT UNKNOWN_PCT NEAR_MISS_PCT; do
    printf -v "$v" '%g' "${!v}" 2>/dev/null || die "$v must be a number (got '${!v}')"
done

echo "bench: cargo build --release -p skills-lsp, example lsp_bench" >&2
cargo build --release -p skills-lsp >&2 || die "build failed"
cargo build --release -p skills-lsp-tests --example lsp_bench >&2 || die "build failed"

source bench/workspace.sh
ensure_workspace

# Warm the page cache: the server's first index should not pay for the disk.
find "$ws" -type f -print0 | xargs -0 cat > /dev/null

# For scale under the current load: the same workspace through `--check` (median of 3).
check_s=$(for _ in 1 2 3; do
    t0=$EPOCHREALTIME
    target/release/skills-lsp --check "$ws" --format json > /dev/null || true
    t1=$EPOCHREALTIME
    awk -v a="${t0/,/.}" -v b="${t1/,/.}" 'BEGIN { printf "%.3f\n", b - a }'
done | sort -g | sed -n 2p)

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
echo "Machine: $(nproc) cores${cpu:+ ($cpu)}, $(uname -sr); load $(cut -d' ' -f1-3 /proc/loadavg); commit $commit; $(date -u +%Y-%m-%d)"
echo "For scale: \`skills-lsp --check $ws --format json\` takes $check_s s (median of 3) right now."
target/release/examples/lsp_bench --bin target/release/skills-lsp --ws "$ws" \
    --edits "$EDITS" --runs "$RUNS" --prepare
