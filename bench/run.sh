#!/usr/bin/env bash
# Benchmark `skills-lsp --check --format json` on a synthetic 10,000-skill workspace and compare
# it with simply reading every file (`cat`). See bench/README.md.
#
#   bash bench/run.sh              # RUNS=5 SKILLS=10000 BODY_KB=6
#   RUNS=10 SKILLS=2000 bash bench/run.sh
#   WS=/tmp/ws-clean INVALID_PCT=0 UNKNOWN_PCT=0 bash bench/run.sh    # variant workspace
#
# Exits non-zero only when something fails to run; the targets are reported, not enforced.
set -euo pipefail

RUNS="${RUNS:-5}"
SKILLS="${SKILLS:-10000}"
BODY_KB="${BODY_KB:-6}"
SEED="${SEED:-1729}"
INVALID_PCT="${INVALID_PCT:-0.5}"
UNKNOWN_PCT="${UNKNOWN_PCT:-1}"
NEAR_MISS_PCT="${NEAR_MISS_PCT:-1}"
TARGET_WALL_S="${TARGET_WALL_S:-1.0}"
TARGET_RSS_MB="${TARGET_RSS_MB:-200}"
TARGET_RATIO="${TARGET_RATIO:-3}"

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
work="bench/work"
ws="${WS:-$work/ws}"
bin="target/release/skills-lsp"
mkdir -p "$work"

die() { echo "bench: $*" >&2; exit 2; }
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer (got '$RUNS')"
# Normalise numbers the way the generator prints them (%g) so the params line matches.
for v in BODY_KB INVALID_PCT UNKNOWN_PCT NEAR_MISS_PCT; do
    printf -v "$v" '%g' "${!v}" 2>/dev/null || die "$v must be a number (got '${!v}')"
done

# --- build -----------------------------------------------------------------------------------
echo "bench: cargo build --release -p skills-lsp" >&2
cargo build --release -p skills-lsp >&2 || die "build failed"
[[ -x "$bin" ]] || die "$bin not found after the build"

# --- workspace -------------------------------------------------------------------------------
source bench/workspace.sh
ensure_workspace
n_files=$(find "$ws" -type f | wc -l)
ws_bytes=$(find "$ws" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')

# --- measurement helpers ---------------------------------------------------------------------
# Wall time comes from bash's $EPOCHREALTIME (microseconds); peak RSS from GNU time's %M
# (max RSS of the command and its waited-for children, KiB). Without GNU time, a python3
# wrapper reports ru_maxrss of the children instead (force it with BENCH_NO_GNU_TIME=1).
# Nothing is installed.
if [[ -z "${BENCH_NO_GNU_TIME:-}" ]] && /usr/bin/time -f '%M' -o /dev/null true 2>/dev/null; then
    rss_tool="GNU time (%M)"
else
    rss_tool="python3 getrusage(RUSAGE_CHILDREN)"
fi
now() {
    if [[ -n "${EPOCHREALTIME:-}" ]]; then echo "${EPOCHREALTIME/,/.}"; else date +%s.%N; fi
}
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# measure MAX_OK_RC CMD... (its stdout goes to /dev/null) -> prints "<wall s> <peak RSS KiB>";
# fails if the command's exit status exceeds MAX_OK_RC.
measure() {
    local max_ok="$1"; shift
    local rc=0 t0 t1 rss wall
    if [[ "$rss_tool" == GNU* ]]; then
        t0=$(now)
        /usr/bin/time -f '%M' -o "$tmp/rss" "$@" > /dev/null || rc=$?
        t1=$(now)
        rss=$(tail -n 1 "$tmp/rss")
    else
        # Wall time measured inside the wrapper so python's start-up is not counted. Caveat: the
        # child's peak RSS has a floor of python's own RSS (~13 MB), which the forked child
        # carries until exec.
        python3 -c 'import resource, subprocess, sys, time
t0 = time.perf_counter()
rc = subprocess.call(sys.argv[2:])
t1 = time.perf_counter()
open(sys.argv[1], "w").write("%.6f %d\n" % (t1 - t0, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(rc)' "$tmp/rss" "$@" > /dev/null || rc=$?
        read -r wall rss < "$tmp/rss"
        t0=0; t1=$wall
    fi
    if (( rc > max_ok )); then
        echo "bench: '$*' exited with status $rc" >&2
        return 1
    fi
    awk -v a="$t0" -v b="$t1" -v r="$rss" 'BEGIN { printf "%.4f %d\n", b - a, r }'
}

cat_cmd=(bash -c 'find "$1" -type f -print0 | xargs -0 cat > /dev/null' _ "$ws")
check_cmd=("$bin" --check "$ws" --format json)

load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")

# --- warm-up (we cannot drop caches; make sure everything is cached instead) -----------------
echo "bench: warming the page cache" >&2
"${cat_cmd[@]}" || die "cat failed"
rc=0
"${check_cmd[@]}" > "$tmp/check.json" || rc=$?
(( rc <= 1 )) || die "'${check_cmd[*]}' exited with status $rc"
summary=$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
s = d["summary"]
print("%d skills, %d files checked, %d errors, %d warnings, %d infos; JSON output %d bytes"
      % (s["skills"], s["files"], s["errors"], s["warnings"], s["infos"], int(sys.argv[2])))' \
    "$tmp/check.json" "$(wc -c < "$tmp/check.json")") || die "cannot read the --check JSON output"

# --- runs ------------------------------------------------------------------------------------
run_series() { # NAME MAX_OK_RC CMD...
    local name="$1" max_ok="$2"; shift 2
    : > "$tmp/$name"
    for ((i = 1; i <= RUNS; i++)); do
        measure "$max_ok" "$@" >> "$tmp/$name" || die "run $i of $name failed"
        echo "bench: $name run $i/$RUNS: $(tail -n 1 "$tmp/$name" | awk '{printf "%.3f s, %.1f MB", $1, $2 / 1024}')" >&2
    done
}
run_series cat 0 "${cat_cmd[@]}"
run_series check 1 "${check_cmd[@]}"

stats() { # FILE -> "min median maxrss_mb"
    sort -g -k1,1 "$1" | awk '{ t[NR] = $1; if ($2 > r) r = $2 }
        END { m = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
              printf "%.3f %.3f %.1f\n", t[1], m, r / 1024 }'
}
read -r cat_min cat_med cat_rss < <(stats "$tmp/cat")
read -r chk_min chk_med chk_rss < <(stats "$tmp/check")

verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v <= t) ? "met" : "MISSED" }'; }
ratio_min=$(awk -v a="$chk_min" -v b="$cat_min" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')
ratio_med=$(awk -v a="$chk_med" -v b="$cat_med" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo "+dirty" || true)

cat <<EOF

## skills-lsp --check benchmark ($(date -u +%Y-%m-%d), commit $commit$dirty)

Machine: $(nproc) cores${cpu:+ ($cpu)}, $(uname -sr); load average $load_before before, $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?") after. Workspace: \`$ws\`, $SKILLS skills, $n_files files,
$(awk -v b="$ws_bytes" 'BEGIN { printf "%.1f MB", b / 1e6 }'), page cache warm. $RUNS runs each; peak RSS via $rss_tool.
Check result: $summary.

| command | min s | median s | peak RSS MB |
|---|---:|---:|---:|
| \`find $ws -type f -print0 \| xargs -0 cat > /dev/null\` | $cat_min | $cat_med | $cat_rss |
| \`$bin --check $ws --format json > /dev/null\` | $chk_min | $chk_med | $chk_rss |

check / cat: **${ratio_min}×** (min), **${ratio_med}×** (median).

| target | measured | |
|---|---:|---|
| wall ≤ ${TARGET_WALL_S} s (median) | $chk_med s | $(verdict "$chk_med" "$TARGET_WALL_S") |
| peak RSS ≤ ${TARGET_RSS_MB} MB | $chk_rss MB | $(verdict "$chk_rss" "$TARGET_RSS_MB") |
| check/cat ≤ ${TARGET_RATIO}× (median) | ${ratio_med}× | $(verdict "$ratio_med" "$TARGET_RATIO") |
EOF
