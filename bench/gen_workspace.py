#!/usr/bin/env python3
"""Generate a synthetic skills workspace for benchmarking `skills-lsp --check`.

    python3 bench/gen_workspace.py OUT_DIR [--skills 10000] [--body-kb 6] [--seed 1729]
                                           [--invalid-pct 0.5] [--unknown-pct 1]
                                           [--near-miss-pct 1] [--force]

Layout (format: /work/shared/spec/skills-format.md §1-3):

    OUT_DIR/config/runtime.yaml                      4 spaces, one filesystem source each
    OUT_DIR/lib/<space>/<group>/<skill>/SKILL.md     ~80 groups per space
    OUT_DIR/lib/<space>/<group>/<skill>/references/*.md   (~25% of skills)
    OUT_DIR/lib/<space>/<group>/<skill>/actions/run.py    (~15% of skills)

Each SKILL.md has realistic frontmatter (name, description, metadata.short-description,
some `actions`) and a Markdown body of about --body-kb KiB (headings, lists, code blocks,
relative links to references) with 3-10 mentions of other generated skills: ~98% valid,
~1% unknown names (typos of real names; --unknown-pct), ~1% near-misses (uppercase, `$ [`,
stray `]`; --near-miss-pct).
About --invalid-pct percent of the skills are broken (scan-invalid frontmatter, a missing
action script, a broken reference link); the config itself is always valid.

Python 3.11 standard library only; the output is byte-for-byte deterministic for a given
set of arguments.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys

SPACES = [
    # (space id, namespace, source id)
    ("docs", "acme:docs:api", "docs-lib"),
    ("ops", "ops", "ops-lib"),
    ("data", "acme:data", "data-lib"),
    ("platform", "eng:platform:core", "platform-lib"),
]
GROUPS_PER_SPACE = 80

VERBS = """analyze audit build check clean compile configure convert debug deploy design
document draft export fetch format generate import index inspect lint merge migrate monitor
normalize optimize package parse plan profile publish refactor release render report review
rollback scan schedule summarize sync test translate triage update upgrade validate verify
write""".split()
ADJS = """async batch cloud cold daily draft edge fast global hot incremental internal legacy
live local main mobile nightly offline partial primary public raw regional remote secure
shared small stable static weekly""".split()
NOUNS = """alerts api-docs assets backlog benchmarks billing branches budgets caches changelog
charts clusters commits configs contracts costs dashboards datasets dependencies diagrams
dns docs emails endpoints errors events experiments features feeds forms glossary graphs
images incidents indexes invoices issues jobs keys labels licenses logs manifests metrics
migrations models notebooks notes packages pages payments permissions pipelines policies
queries queues quotas readmes records releases reports requests roles runbooks schemas
secrets services sessions sitemaps slides snapshots specs sql-files tables tasks templates
tests tickets tokens traces translations users videos webhooks workflows""".split()
AREAS = """auth billing catalog checkout compliance content core data edge finance growth
infra insights identity legal logistics marketing media mobile network payments platform
portal pricing privacy quality release research sales search security storage support
tooling web""".split()
TEAMS = """alpha beta core crew delta guild hub lab ops pod squad unit team cell works desk
studio forge""".split()

WORDS = """the a this each every when then before after only also rather than should must
may can will would to of in for with on by from into across per about via under over
request response service module component pipeline release change review reviewer owner
team user customer document section table field value setting flag option parameter
version branch commit build artifact test case fixture result report summary log entry
error warning message status state step stage phase task job queue worker schedule window
deadline budget quota limit threshold metric latency throughput availability incident
rollback deployment environment staging production cluster node region zone endpoint
schema migration index query cache key token secret permission role policy audit
consistent explicit minimal complete current previous next first last new existing stable
careful quick small large safe clear short long simple shared local remote manual
automatic check verify confirm record update create remove keep move copy rename split
merge link list compare collect group sort filter read write run start stop retry skip
note ensure prefer avoid use add include describe explain mention""".split()

LANGS = ["bash", "python", "yaml", "json", "sql", "text"]


def slug_pool(rng: random.Random, n: int) -> list[str]:
    """n distinct skill names matching the runtime's slug regex (spec §1.5)."""
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < n:
        parts = [rng.choice(VERBS)]
        if rng.random() < 0.6:
            parts.append(rng.choice(ADJS))
        parts.append(rng.choice(NOUNS))
        name = "-".join(parts)
        if rng.random() < 0.15:
            name = name.replace("-", "_", 1)
        if name in seen:
            name = f"{name}-{len(names) % 97 + 2}"
        if name in seen or len(name) > 64:
            continue
        seen.add(name)
        names.append(name)
    return names


def sentence(rng: random.Random, lo: int = 8, hi: int = 20) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(lo, hi))]
    words[0] = words[0].capitalize()
    return " ".join(words) + "."


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(2, 5)))


def code_block(rng: random.Random, skill: dict) -> str:
    lang = rng.choice(LANGS)
    lines: list[str]
    if lang == "bash":
        lines = [
            f"# {sentence(rng, 4, 8)}",
            f"git log --oneline --since={rng.randint(1, 30)}.days | head -n {rng.randint(5, 50)}",
            f"make {rng.choice(VERBS)} TARGET={skill['name']}",
            f"curl -fsS https://internal.example.com/{rng.choice(NOUNS)}/{rng.randint(1, 9999)}",
        ]
    elif lang == "python":
        lines = [
            "import json, pathlib",
            f"def {rng.choice(VERBS)}_{rng.choice(NOUNS).replace('-', '_')}(path):",
            "    data = json.loads(pathlib.Path(path).read_text())",
            f"    return [x for x in data if x.get('{rng.choice(WORDS)}')]",
        ]
    elif lang == "yaml":
        lines = [
            f"{rng.choice(NOUNS)}:",
            f"  {rng.choice(WORDS)}: {rng.randint(1, 500)}",
            f"  {rng.choice(WORDS)}: {rng.choice(['true', 'false', 'auto'])}",
            f"  owner: {rng.choice(TEAMS)}",
        ]
    elif lang == "json":
        lines = [
            "{",
            f'  "{rng.choice(WORDS)}": {rng.randint(0, 1000)},',
            f'  "{rng.choice(WORDS)}": "{rng.choice(NOUNS)}"',
            "}",
        ]
    elif lang == "sql":
        lines = [
            f"SELECT id, {rng.choice(WORDS)}, created_at",
            f"FROM {rng.choice(NOUNS).replace('-', '_')}",
            f"WHERE {rng.choice(WORDS)} > {rng.randint(1, 100)}",
            "ORDER BY created_at DESC LIMIT 50;",
        ]
    else:
        lines = [sentence(rng, 5, 10) for _ in range(rng.randint(2, 4))]
    return "```" + lang + "\n" + "\n".join(lines) + "\n```"


def bullet_list(rng: random.Random) -> str:
    ordered = rng.random() < 0.4
    items = []
    for i in range(rng.randint(3, 7)):
        mark = f"{i + 1}." if ordered else "-"
        items.append(f"{mark} {sentence(rng, 5, 14)}")
    return "\n".join(items)


def table(rng: random.Random) -> str:
    rows = ["| Field | Meaning | Default |", "|---|---|---|"]
    for _ in range(rng.randint(3, 6)):
        rows.append(
            f"| `{rng.choice(WORDS)}_{rng.choice(WORDS)}` | {sentence(rng, 4, 9)} | `{rng.randint(0, 100)}` |"
        )
    return "\n".join(rows)


def mention_text(rng: random.Random, me: dict, skills: list[dict], by_space: dict,
                 unknown: float, near_miss: float) -> str:
    """One mention: valid, unknown (a typo of a real name, with probability `unknown`) or a
    near-miss (probability `near_miss`)."""
    r = rng.random()
    if rng.random() < 0.6:
        other = rng.choice(by_space[me["space"]])
    else:
        other = rng.choice(skills)
    ns, name = other["namespace"], other["name"]
    if r < unknown:  # unknown: drop one interior character of a real name
        i = rng.randint(1, len(name) - 2)
        typo = name[:i] + name[i + 1 :]
        if typo[-1] in "-_":
            typo += "x"
        return f"$[{ns}].{typo}"
    if r < unknown + near_miss:  # near-misses the runtime ignores or truncates
        kind = rng.randrange(4)
        if kind == 0:
            return f"$[{ns}].{name[0].upper()}{name[1:]}"
        if kind == 1:
            return f"$[{ns.upper()}].{name}"
        if kind == 2:
            return f"$ [{ns}].{name}"
        return f"[$[{ns}].{name}]"
    return f"$[{ns}].{name}"


MENTION_FRAMES = [
    "For the details, hand off to {m}.",
    "If the change touches shared code, also run {m} before merging.",
    "See {m} for the follow-up steps.",
    "Use `{m}` when the input is a draft rather than a final version.",
    "This skill pairs well with {m}; run it first.",
    "- Related: {m}",
    "Escalate to {m} if the result is unclear.",
    "When done, ask {m} to review the output.",
]


def yaml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_skill(rng: random.Random, skill: dict, skills: list[dict], by_space: dict,
                 body_bytes: int, unknown: float, near_miss: float) -> tuple[str, dict[str, str]]:
    """Returns the SKILL.md text and extra bundle files {relative path: content}."""
    extra: dict[str, str] = {}
    name = skill["name"]
    words = name.replace("_", "-").split("-")
    desc = (f"{words[0].capitalize()} {' '.join(words[1:])} for the {skill['group'].split('-')[0]} "
            f"area. {sentence(rng, 10, 24)}")
    fm = [f"name: {name}", f"description: {yaml_str(desc)}", "metadata:",
          f"  short-description: {yaml_str(' '.join(words).capitalize())}"]
    if rng.random() < 0.3:
        fm.append(f"  owner: {rng.choice(TEAMS)}")
    if rng.random() < 0.2:
        fm.append(f"version: \"1.{rng.randint(0, 20)}.{rng.randint(0, 9)}\"")
    if rng.random() < 0.15:
        fm += ["actions:", "  run:", "    kind: shell",
               f"    argv: [\"python3\", \"actions/run.py\", \"--{rng.choice(WORDS)}\"]",
               f"    timeout_ms: {rng.choice([5000, 10000, 30000, 60000])}"]
        extra["actions/run.py"] = (
            "#!/usr/bin/env python3\n"
            f"\"\"\"Action for {name}.\"\"\"\n"
            "import sys\n\n"
            f"print('{name}', sys.argv[1:])\n"
        )
    refs: list[str] = []
    if rng.random() < 0.25:
        for _ in range(rng.randint(1, 2)):
            ref = f"references/{rng.choice(NOUNS)}.md"
            if ref not in refs:
                refs.append(ref)
                extra[ref] = f"# {ref}\n\n" + "\n\n".join(paragraph(rng) for _ in range(3)) + "\n"

    # Lines spliced into the body at random positions: reference links, an external link,
    # and 3-10 mentions.
    inserts = [f"The background material is in [{ref.split('/')[1]}]({ref})." for ref in refs]
    if rng.random() < 0.2:
        inserts.append(f"Upstream documentation: [guide](https://docs.example.com/{rng.choice(NOUNS)}).")
    for _ in range(rng.randint(3, 10)):
        inserts.append(rng.choice(MENTION_FRAMES).format(
            m=mention_text(rng, skill, skills, by_space, unknown, near_miss)))

    # Body blocks until the whole file reaches the target size.
    blocks: list[str] = [f"# {' '.join(words).capitalize()}", paragraph(rng)]
    sections = ["Overview", "When to use", "Inputs", "Steps", "Examples", "Output format",
                "Edge cases", "Checklist", "Troubleshooting", "Notes"]
    size = sum(len(x) + 1 for x in fm) + 8 + sum(len(b) + 2 for b in blocks + inserts)
    si = 0
    after_heading = False
    while size < body_bytes - 150:
        if si < len(sections) and not after_heading and rng.random() < 0.35:
            b = f"## {sections[si]}"
            si += 1
            after_heading = True
        else:
            after_heading = False
            k = rng.random()
            if k < 0.45:
                b = paragraph(rng)
            elif k < 0.7:
                b = bullet_list(rng)
            elif k < 0.9:
                b = code_block(rng, skill)
            else:
                b = table(rng)
        blocks.append(b)
        size += len(b) + 2
    for line in inserts:
        blocks.insert(rng.randint(2, len(blocks)), line)
    text = "---\n" + "\n".join(fm) + "\n---\n" + "\n\n".join(blocks) + "\n"
    return text, extra


def break_skill(rng: random.Random, text: str, extra: dict[str, str], name: str) -> str:
    """Make a skill invalid in one of several ways (scan-invalid or lint error)."""
    kind = rng.randrange(5)
    if kind == 0:  # frontmatter without description -> SKILL_SCAN_METADATA_INVALID
        lines = text.split("\n")
        return "\n".join(l for l in lines if not l.startswith("description:"))
    if kind == 1:  # name fails the slug regex
        return text.replace(f"name: {name}\n", f"name: {name.capitalize()}\n", 1)
    if kind == 2:  # frontmatter never closed
        head, _, body = text[4:].partition("\n---\n")
        return "---\n" + head + "\n" + body
    if kind == 3:  # action argv points at a missing script
        extra.pop("actions/run.py", None)
        if "actions:" not in text:
            text = text.replace("\n---\n", "\nactions:\n  run:\n    argv: [\"python3\", "
                                "\"actions/run.py\"]\n---\n", 1)
        return text
    # broken relative link
    return text.replace("\n\n", "\n\nSee [the missing guide](references/missing-guide.md).\n\n", 1)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("--skills", type=int, default=10000)
    ap.add_argument("--body-kb", type=float, default=6.0, help="approximate SKILL.md size in KiB")
    ap.add_argument("--seed", type=int, default=1729)
    ap.add_argument("--invalid-pct", type=float, default=0.5,
                    help="percentage of deliberately broken skills (default 0.5)")
    ap.add_argument("--unknown-pct", type=float, default=1.0,
                    help="percentage of mentions naming an unknown skill (default 1)")
    ap.add_argument("--near-miss-pct", type=float, default=1.0,
                    help="percentage of mentions written as near-misses (default 1)")
    ap.add_argument("--force", action="store_true", help="replace OUT_DIR if it exists")
    args = ap.parse_args(argv)
    if args.skills < 2:
        ap.error("--skills must be at least 2")

    out = os.path.abspath(args.out_dir)
    if os.path.exists(out) and os.listdir(out):
        if not args.force:
            print(f"gen_workspace: {out} exists and is not empty (use --force)", file=sys.stderr)
            return 2
        shutil.rmtree(out)
    rng = random.Random(args.seed)

    groups = {}
    for sid, _, _ in SPACES:
        gs: set[str] = set()
        while len(gs) < GROUPS_PER_SPACE:
            gs.add(f"{rng.choice(AREAS)}-{rng.choice(TEAMS)}")
        groups[sid] = sorted(gs)

    names = slug_pool(rng, args.skills)
    skills: list[dict] = []
    by_space: dict[str, list[dict]] = {sid: [] for sid, _, _ in SPACES}
    for i, name in enumerate(names):
        sid, ns, src = SPACES[i % len(SPACES)]
        s = {"name": name, "space": sid, "namespace": ns, "source": src,
             "group": rng.choice(groups[sid])}
        skills.append(s)
        by_space[sid].append(s)

    n_invalid = round(args.skills * args.invalid_pct / 100)
    invalid = set(rng.sample(range(args.skills), n_invalid)) if n_invalid else set()

    os.makedirs(os.path.join(out, "config"))
    cfg = [
        "# Synthetic benchmark workspace, generated by bench/gen_workspace.py",
        f"# params: skills={args.skills} body_kb={args.body_kb:g} seed={args.seed} "
        f"invalid_pct={args.invalid_pct:g} unknown_pct={args.unknown_pct:g} "
        f"near_miss_pct={args.near_miss_pct:g}",
        "config_version: 1",
        "skills:",
        "  spaces:",
    ]
    for sid, ns, src in SPACES:
        cfg += [f"    - id: {sid}", f"      namespace: \"{ns}\"", f"      sources: [{src}]"]
    cfg.append("  sources:")
    for sid, _, src in SPACES:
        cfg += [f"    - id: {src}", "      type: filesystem", f"      options: {{root: lib/{sid}}}"]
    cfg += ["  scan:", "    max_depth: 6", "  injection:", "    max_bytes: 65536",
            "  actions:", "    enabled: true", "  references:", "    enabled: true", ""]
    with open(os.path.join(out, "config", "runtime.yaml"), "w", newline="\n") as f:
        f.write("\n".join(cfg))

    body_bytes = int(args.body_kb * 1024)
    total = 0
    files = 1
    for i, s in enumerate(skills):
        text, extra = render_skill(rng, s, skills, by_space, body_bytes,
                                   args.unknown_pct / 100, args.near_miss_pct / 100)
        if i in invalid:
            text = break_skill(rng, text, extra, s["name"])
        d = os.path.join(out, "lib", s["space"], s["group"], s["name"])
        os.makedirs(d, exist_ok=True)
        for rel, content in [("SKILL.md", text), *sorted(extra.items())]:
            p = os.path.join(d, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            data = content.encode()
            with open(p, "wb") as f:
                f.write(data)
            total += len(data)
            files += 1
    print(f"gen_workspace: {out}: {args.skills} skills ({n_invalid} broken) in "
          f"{sum(len(g) for g in groups.values())} groups, {files} files, "
          f"{total / 1e6:.1f} MB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
