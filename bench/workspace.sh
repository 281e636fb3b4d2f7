# Sourced by bench/run.sh and bench/lsp.sh: makes sure "$ws" holds the synthetic workspace for
# the parameters SKILLS, BODY_KB, SEED, INVALID_PCT, UNKNOWN_PCT, NEAR_MISS_PCT (reused when
# its params line matches; regenerated otherwise; never replaces a directory it did not make).
# Needs `die` from the caller.
ensure_workspace() {
    local params="# params: skills=$SKILLS body_kb=$BODY_KB seed=$SEED invalid_pct=$INVALID_PCT"
    params+=" unknown_pct=$UNKNOWN_PCT near_miss_pct=$NEAR_MISS_PCT"
    if [[ -f "$ws/config/runtime.yaml" ]] && grep -qxF -- "$params" "$ws/config/runtime.yaml"; then
        echo "bench: reusing $ws ($params)" >&2
        return
    fi
    if [[ -e "$ws" ]] && [[ -n "$(ls -A "$ws")" ]] \
        && ! grep -qs '^# Synthetic benchmark workspace' "$ws/config/runtime.yaml"; then
        die "$ws exists and is not a generated workspace; refusing to replace it"
    fi
    echo "bench: generating $ws ($params)" >&2
    python3 bench/gen_workspace.py "$ws" --skills "$SKILLS" --body-kb "$BODY_KB" \
        --seed "$SEED" --invalid-pct "$INVALID_PCT" --unknown-pct "$UNKNOWN_PCT" \
        --near-miss-pct "$NEAR_MISS_PCT" --force || die "workspace generation failed"
}
