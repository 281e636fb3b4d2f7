#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from the conformance workspaces (and the mention vectors).
# Files are named by content hash, so re-running is idempotent. Usage: fuzz/seed-corpus.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
ws="$here/../tests/conformance/workspaces"
corpus="$here/corpus"
mkdir -p "$corpus/frontmatter" "$corpus/mentions" "$corpus/config"

add() { # add TARGET FILE
  local sum
  sum="$(sha1sum "$2" | cut -c1-40)"
  cp "$2" "$corpus/$1/$sum"
}

while IFS= read -r -d '' f; do
  add frontmatter "$f"
  add mentions "$f"
done < <(find "$ws" -type f \( -iname 'skill.md' -o -name '*.md' -o -name '*.txt' \) -print0)

while IFS= read -r -d '' f; do
  add config "$f"
done < <(find "$ws" -type f \( -name '*.yaml' -o -name '*.yml' \) -print0)

# Each mention vector's text becomes one input.
if command -v python3 >/dev/null; then
  python3 - "$here/../tests/conformance/mentions_extra.jsonl" "$corpus/mentions" <<'PY'
import hashlib, json, pathlib, sys
out = pathlib.Path(sys.argv[2])
for line in open(sys.argv[1], encoding="utf-8"):
    if line.strip():
        data = json.loads(line)["text"].encode()
        (out / hashlib.sha1(data).hexdigest()).write_bytes(data)
PY
fi

for t in frontmatter mentions config; do
  echo "$t: $(find "$corpus/$t" -type f | wc -l) inputs"
done
