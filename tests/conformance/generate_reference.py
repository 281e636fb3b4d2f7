#!/usr/bin/env python3
"""Generate the golden conformance corpus from the *reference runtime*.

Reference: PyPI package ``skills-runtime-sdk==0.1.12`` (the version the spec
``skills-format.md`` was written against), with PyYAML 6.0.3 and pydantic 2.14.3
as resolved by pip at generation time.

This script is NOT run by CI.  It is run by hand, inside a throw-away venv that
has the reference package installed, to (re)produce the committed files:

    tests/conformance/workspaces/<case>/...      (one workspace per case)
    tests/conformance/reference_verdicts.json    (scan + preflight verdicts)
    tests/conformance/mentions_extra.jsonl       (mention extraction vectors)

Regenerate with:

    python3 -m venv /tmp/refvenv
    /tmp/refvenv/bin/pip install skills-runtime-sdk==0.1.12
    /tmp/refvenv/bin/python tests/conformance/generate_reference.py

Only the standard library and the reference package are used.  The output is
deterministic: running the script twice yields byte-identical files.
"""

from __future__ import annotations

import concurrent.futures
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

HERE = Path(__file__).resolve().parent
WORKSPACES = HERE / "workspaces"
VERDICTS = HERE / "reference_verdicts.json"
MENTIONS_OUT = HERE / "mentions_extra.jsonl"
SHARED_MENTIONS = Path("/work/shared/conformance/mentions.jsonl")  # optional self-check

PACKAGE = "skills-runtime-sdk"
EXPECTED_VERSION = "0.1.12"

# --------------------------------------------------------------------------------------
# Case model and helpers
# --------------------------------------------------------------------------------------

NO_RUNTIME = object()  # marker: do not write config/runtime.yaml

DEFAULT_RUNTIME = (
    "skills:\n"
    "  spaces:\n"
    '    - {id: main, namespace: "acme:docs", sources: [fs]}\n'
    "  sources:\n"
    "    - {id: fs, type: filesystem, options: {root: skills}}\n"
)


def runtime_with_scan(scan: str) -> str:
    """Default runtime.yaml plus a `skills.scan` flow mapping (e.g. `max_depth: 0`)."""
    return DEFAULT_RUNTIME + "  scan: {" + scan + "}\n"


CAP64 = runtime_with_scan("max_frontmatter_bytes: 64")


@dataclass
class Case:
    name: str
    description: str
    files: Dict[str, bytes]
    runtime: Any = DEFAULT_RUNTIME  # str | bytes | NO_RUNTIME
    symlinks: Dict[str, str] = field(default_factory=dict)  # link path -> relative target
    env: Dict[str, str] = field(default_factory=dict)


CASES: List[Case] = []


def case(name: str, description: str, files: Dict[str, bytes], *, runtime: Any = DEFAULT_RUNTIME,
         symlinks: Optional[Dict[str, str]] = None, env: Optional[Dict[str, str]] = None) -> None:
    assert all(c.name != name for c in CASES), f"duplicate case name {name}"
    assert name == name.lower() and " " not in name
    CASES.append(Case(name, description, files, runtime, symlinks or {}, env or {}))


def md(yaml: str, body: str = "# Demo\n\nBody text.\n") -> bytes:
    """SKILL.md bytes: `---\\n` + yaml + `---\\n` + body (LF, UTF-8)."""
    return ("---\n" + yaml + "---\n" + body).encode("utf-8")


VALID_YAML = "name: demo\ndescription: A demo skill.\n"
VALID = md(VALID_YAML)


def one(content: bytes, dirname: str = "demo") -> Dict[str, bytes]:
    return {f"skills/{dirname}/SKILL.md": content}


def fm_name(value: str, desc: str = "A demo skill.") -> Dict[str, bytes]:
    """Single skill whose frontmatter is `name: <value>` (raw YAML text) + description."""
    return one(md(f"name: {value}\ndescription: {desc}\n"))


def exact_cap_skill(total: int, nl: str = "\n", fill: str = "d") -> bytes:
    """A SKILL.md whose frontmatter (both delimiter lines included, LF-counted) is `total` bytes.

    The description is padded with `fill` characters (multi-byte allowed), topped up with 'd'."""
    head = "---\nname: demo\ndescription: "
    tail = "\n---\n"
    pad = total - len(head.encode()) - len(tail.encode())
    assert pad > 0
    w = len(fill.encode())
    desc = fill * ((pad - 1) // w) if w > 1 else ""
    desc += "d" * (pad - len(desc.encode()))
    text = head + desc + tail + "Body.\n"
    assert len((head + desc + tail).encode()) == total
    return text.replace("\n", nl).encode("utf-8")


# --------------------------------------------------------------------------------------
# Cases: SKILL.md layout
# --------------------------------------------------------------------------------------

case("fm-valid-minimal", "minimal valid SKILL.md is indexed", one(VALID))
case("fm-valid-dir-name-differs", "directory name is unrelated to `name:`; no error", one(VALID, "whatever-dir"))
case("fm-valid-with-metadata",
     "extra keys are kept in metadata; metadata.short-description whitespace is collapsed",
     one(md("name: demo\ndescription: A demo skill.\nversion: 1.2.0\nlicense: MIT\ntags: [a, b]\n"
            "metadata:\n  short-description: \"  short   text \"\n  generated-by: studio\n")))
case("fm-bom", "UTF-8 BOM before the opening --- => frontmatter_missing",
     one(b"\xef\xbb\xbf" + VALID))
case("fm-crlf", "CRLF line endings are accepted",
     one(VALID.replace(b"\n", b"\r\n")))
case("fm-cr-only", "CR-only (old Mac) line endings are accepted (universal newlines)",
     one(VALID.replace(b"\n", b"\r")))
case("fm-mixed-newlines", "mixed LF / CRLF / CR line endings are accepted",
     one(b"---\r\nname: demo\rdescription: A demo skill.\n---\r\nBody.\n"))
case("fm-opener-trailing-spaces", "opening '---  ' (trailing spaces) is accepted",
     one(b"---  \n" + VALID[4:]))
case("fm-opener-indented", "opening '  ---' (indented) is accepted",
     one(b"  ---\n" + VALID[4:]))
case("fm-opener-trailing-tab", "opening '---\\t' is accepted (str.strip)",
     one(b"---\t\n" + VALID[4:]))
case("fm-opener-nbsp", "opening '---' + U+00A0 NBSP is accepted (Python str.strip strips NBSP)",
     one("---\u00a0\n".encode() + VALID[4:]))
case("fm-opener-unit-separator", "opening '---' + U+001F is accepted (Python str.strip strips \\x1c-\\x1f)",
     one(b"---\x1f\n" + VALID[4:]))
case("fm-opener-four-dashes", "'----' is not an opening delimiter => frontmatter_missing",
     one(b"----\n" + VALID[4:]))
case("fm-opener-with-comment", "'--- # comment' is not an opening delimiter => frontmatter_missing",
     one(b"--- # fm\n" + VALID[4:]))
case("fm-opener-after-blank-line", "blank line before '---' => frontmatter_missing",
     one(b"\n" + VALID))
case("fm-closer-dots", "'...' does not close the frontmatter => frontmatter_unterminated",
     one(b"---\nname: demo\ndescription: A demo skill.\n...\nBody.\n"))
case("fm-closer-four-dashes", "'----' does not close the frontmatter => frontmatter_unterminated",
     one(b"---\nname: demo\ndescription: A demo skill.\n----\nBody.\n"))
case("fm-closer-yaml-suffix", "'---yaml' does not close the frontmatter => frontmatter_unterminated",
     one(b"---\nname: demo\ndescription: A demo skill.\n---yaml\nBody.\n"))
case("fm-closer-trailing-spaces", "closing '---   ' is accepted",
     one(b"---\nname: demo\ndescription: A demo skill.\n---   \nBody.\n"))
case("fm-closer-indented", "closing '   ---' is accepted",
     one(b"---\nname: demo\ndescription: A demo skill.\n   ---\nBody.\n"))
case("fm-closer-ideographic-space", "closing '---' + U+3000 is accepted (str.strip)",
     one("---\nname: demo\ndescription: A demo skill.\n---\u3000\nBody.\n".encode()))
case("fm-closer-at-eof-no-newline", "closing '---' as last line without newline is accepted",
     one(b"---\nname: demo\ndescription: A demo skill.\n---"))
case("fm-unterminated", "no closing delimiter => frontmatter_unterminated",
     one(b"---\nname: demo\ndescription: A demo skill.\n\n# Body\n"))
case("fm-only-opener", "file is just '---' => frontmatter_unterminated",
     one(b"---"))
case("fm-empty-file", "empty SKILL.md => frontmatter_missing", one(b""))
case("fm-whitespace-only-file", "SKILL.md containing only a newline => frontmatter_missing", one(b"\n"))
case("fm-body-only", "Markdown without frontmatter => frontmatter_missing",
     one(b"# Demo\n\nname: demo\n"))
case("fm-empty-frontmatter", "'---' immediately followed by '---' => missing name",
     one(b"---\n---\nBody.\n"))
case("fm-nested-doc-start-in-body", "a second '---' block in the body is irrelevant",
     one(md(VALID_YAML, "Body\n---\nname: other\n---\n")))

# Size cap
case("fm-cap-exact", "frontmatter of exactly max_frontmatter_bytes (64, delimiters included) passes",
     one(exact_cap_skill(64)), runtime=CAP64)
case("fm-cap-plus-one", "frontmatter of max_frontmatter_bytes + 1 => frontmatter_too_large",
     one(exact_cap_skill(65)), runtime=CAP64)
case("fm-cap-crlf-exact", "CRLF file: 64 bytes LF-counted (68 raw) passes; CRLF counts as 1 byte",
     one(exact_cap_skill(64, "\r\n")), runtime=CAP64)
case("fm-cap-crlf-plus-one", "CRLF file: 65 bytes LF-counted => frontmatter_too_large",
     one(exact_cap_skill(65, "\r\n")), runtime=CAP64)
case("fm-cap-multibyte-exact", "cap counts UTF-8 bytes, not chars: 64 bytes with 2-byte chars passes",
     one(exact_cap_skill(64, fill="é")),
     runtime=CAP64)
case("fm-cap-multibyte-over", "cap counts UTF-8 bytes, not chars: 65 bytes (fewer chars) => too_large",
     one(exact_cap_skill(65, fill="é")),
     runtime=CAP64)
case("fm-cap-first-line-oversized", "first line longer than the cap => frontmatter_too_large (not missing)",
     one(b"x" * 100 + b"\nname: demo\n"), runtime=CAP64)
case("fm-cap-opener-padded-oversized", "'---' + 100 spaces as line 1 with cap 64 => frontmatter_too_large",
     one(b"---" + b" " * 100 + b"\nname: demo\ndescription: d\n---\n"), runtime=CAP64)
case("fm-cap-unterminated-hits-cap", "unterminated frontmatter longer than cap => frontmatter_too_large",
     one(b"---\nname: demo\ndescription: A demo skill.\n" + b"k: v\n" * 20), runtime=CAP64)
case("fm-cap-closer-crosses-cap", "the closing line itself pushes the total over the cap => too_large",
     one(exact_cap_skill(64).replace(b"\n---\n", b"\n---     \n", 1)), runtime=CAP64)
case("fm-cap-default-exceeded", "70 KB description with the default cap (65536) => frontmatter_too_large",
     one(md("name: demo\ndescription: " + "x" * 70000 + "\n")))
case("fm-cap-default-body-large", "large body (100 KB) with small frontmatter is fine (body not read)",
     one(md(VALID_YAML, "lorem ipsum\n" * 9000)))

# --------------------------------------------------------------------------------------
# Cases: YAML syntax / structure
# --------------------------------------------------------------------------------------

case("yaml-unclosed-quote", "YAML syntax error (unclosed quote) => fail-open => missing name",
     one(md('name: "demo\ndescription: A demo skill.\n')))
case("yaml-bad-indentation", "YAML syntax error (bad indentation) => missing name",
     one(md("name: demo\n  description: A demo skill.\n bad: x\n")))
case("yaml-tab-indentation", "tab used for indentation => YAML error => missing name",
     one(md("metadata:\n\tshort-description: x\nname: demo\ndescription: A demo skill.\n")))
case("yaml-mapping-in-plain-scalar", "'name: a: b' is a YAML error => missing name",
     one(md("name: a: b\ndescription: A demo skill.\n")))
case("yaml-nonmapping-list", "frontmatter is a YAML list => missing name",
     one(md("- name: demo\n- description: A demo skill.\n")))
case("yaml-nonmapping-scalar", "frontmatter is a YAML scalar => missing name",
     one(md("just some text\n")))
case("yaml-nonmapping-comment-only", "frontmatter is only a comment (null document) => missing name",
     one(md("# nothing here\n")))
case("yaml-duplicate-keys", "duplicate `name:` keys: last wins",
     one(md("name: first\ndescription: A demo skill.\nname: second\n")))
case("yaml-capitalised-key", "`Name:` is not `name:` (case-sensitive) => missing name",
     one(md("Name: demo\ndescription: A demo skill.\n")))
case("yaml-unhashable-key", "complex key `? [a, b]` => PyYAML ConstructorError => missing name",
     one(md("name: demo\ndescription: A demo skill.\n? [a, b]\n: value\n")))
case("yaml-doc-end-then-keys", "'...' inside frontmatter followed by more keys => multi-document error => missing name",
     one(md("name: demo\n...\ndescription: A demo skill.\n")))
case("yaml-doc-end-at-end", "'...' as last frontmatter line (no keys after) is fine",
     one(md("name: demo\ndescription: A demo skill.\n...\n")))
case("yaml-directive", "'%YAML 1.1' directive without '---' => YAML error => missing name",
     one(md("%YAML 1.1\nname: demo\ndescription: A demo skill.\n")))
case("yaml-anchor-alias", "anchors/aliases are resolved: description: *a",
     one(md("name: &a demo\ndescription: *a\n")))
case("yaml-merge-key", "YAML 1.1 merge key `<<: *base` supplies name/description",
     one(md("base: &b {name: demo, description: From merge.}\n<<: *b\n")))
case("yaml-alias-bomb-small", "small alias expansion (4x4x4) in a valid skill; metadata shows expansion",
     one(md("name: demo\ndescription: A demo skill.\n"
            "l0: &l0 [x, x, x, x]\n"
            "l1: &l1 [*l0, *l0, *l0, *l0]\n"
            "l2: &l2 [*l1, *l1, *l1, *l1]\n")))
case("yaml-alias-bomb-billion", "billion-laughs (9 levels x 9) in a skill without description: parses fast => missing description",
     one(md("name: demo\n"
            "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
            + "".join(f"a{i}: &a{i} [" + ", ".join([f"*a{i-1}"] * 9) + "]\n" for i in range(1, 9)))))
case("yaml-block-scalar-early-close",
     "block-scalar description containing an indented '---' closes the frontmatter early",
     one(b"---\nname: demo\ndescription: |\n  first line\n  ---\n  second line\n---\nBody.\n"))
case("yaml-block-scalar-early-close-breaks",
     "indented '---' inside a block scalar closes early and cuts off `name` => missing name",
     one(b"---\ndescription: |\n  first line\n  ---\nname: demo\n---\nBody.\n"))
case("yaml-tag-str", "`name: !!str 123` is the string '123' => valid",
     fm_name("!!str 123"))
case("yaml-tag-custom", "`name: !custom foo` => ConstructorError => missing name",
     fm_name("!custom foo"))
case("yaml-tag-python-object", "`!!python/object:os.system` is rejected by safe_load => missing name",
     fm_name("!!python/object:os.system x"))
case("yaml-tag-python-in-other-key", "unsafe tag in an unrelated key still fails the whole document => missing name",
     one(md("name: demo\ndescription: A demo skill.\nx: !!python/name:os.system ''\n")))
case("yaml-value-tag", "`name: =` (YAML 1.1 value tag) => ConstructorError => missing name",
     fm_name("="))
case("yaml-control-char", "raw U+0007 in frontmatter => YAML reader error => missing name",
     one(b"---\nname: de\x07mo\ndescription: A demo skill.\n---\n"))
case("yaml-u2028-line-separator", "U+2028 is a YAML 1.1 line break for PyYAML: 'name: demo<LS>description: x' has two keys",
     one("---\nname: demo\u2028description: Split by LS.\n---\n".encode()))
case("yaml-nel-line-break", "U+0085 NEL is a YAML 1.1 line break for PyYAML",
     one("---\nname: demo\u0085description: Split by NEL.\n---\n".encode()))
case("yaml-tab-after-colon", "tab after `name:` is an error for PyYAML (tabs never separate tokens) => missing name",
     one(b"---\nname:\tdemo\ndescription:\tA demo skill.\n---\n"))
case("yaml-tab-trailing", "a tab after a plain value => PyYAML scanner error => missing name",
     one(b"---\nname: demo\t\ndescription: A demo skill.\n---\n"))
case("yaml-tab-inside-plain", "a tab inside a plain scalar ends it; the rest cannot start a token => missing name",
     one(b"---\nname: demo\ndescription: A\tdemo skill.\n---\n"))
case("yaml-tab-in-quoted", "a tab inside a quoted scalar is fine",
     one(b"---\nname: demo\ndescription: \"A\tdemo skill.\"\n---\n"))
case("yaml-tab-in-comment", "a tab inside a comment is fine",
     one(b"---\nname: demo # the\tname\ndescription: A demo skill.\n---\n"))
case("yaml-tab-in-block-scalar", "a tab inside block scalar content is fine",
     one(b"---\nname: demo\ndescription: |\n  A\tdemo skill.\n---\n"))
case("yaml-duplicate-anchor", "an anchor name defined twice => PyYAML ComposerError => missing name",
     one(md("name: &n demo\ndescription: &n A demo skill.\n")))
case("yaml-flow-unindented-continuation", "a flow mapping whose continuation line is not indented: PyYAML accepts it",
     one(md("name: demo\nmetadata: {short-description: x,\ntags: y}\ndescription: A demo skill.\n")))
case("agents-openai-yaml-env-vars", "agents/openai.yaml env_var dependencies are read during the scan",
     {"skills/demo/SKILL.md": VALID, "skills/demo/agents/openai.yaml": b"dependencies:\n  tools:\n    - {type: env_var, value: API_KEY}\n"})
case("agents-openai-yaml-not-utf8", "non-UTF-8 agents/openai.yaml => UnicodeDecodeError escapes the loader => CLI_SCAN_FAILED",
     {"skills/demo/SKILL.md": VALID, "skills/demo/agents/openai.yaml": b"dependencies:\n  tools:\n    - {type: env_var, value: caf\xe9}\n"})
case("agents-openai-yaml-invalid-date", "agents/openai.yaml with `2024-13-45` => ValueError escapes the loader => CLI_SCAN_FAILED",
     {"skills/demo/SKILL.md": VALID, "skills/demo/agents/openai.yaml": b"created: 2024-13-45\n"})
case("agents-openai-yaml-syntax-error", "agents/openai.yaml with a YAML syntax error fails open (no env vars)",
     {"skills/demo/SKILL.md": VALID, "skills/demo/agents/openai.yaml": b"dependencies: [\n"})
case("yaml-trailing-comment", "`name: demo # comment` => demo",
     one(md("name: demo   # the name\ndescription: A demo skill. # c\n")))
case("yaml-block-scalar-name", "`name: |` block scalar 'demo\\n' is stripped => demo",
     one(md("name: |\n  demo\ndescription: A demo skill.\n")))
case("yaml-flow-mapping", "whole frontmatter as a flow mapping",
     one(md("{name: demo, description: A demo skill.}\n")))
case("yaml-json-quoted-keys", "JSON-style quoted keys",
     one(md('"name": "demo"\n"description": "A demo skill."\n')))
case("yaml-date-in-other-key", "a date in another key: skill valid; metadata value is a Python repr string",
     one(md("name: demo\ndescription: A demo skill.\ncreated: 2024-01-01\nratio: .nan\n")))
case("yaml-body-markdown-key", "a frontmatter key `body_markdown` is hidden from scan output",
     one(md("name: demo\ndescription: A demo skill.\nbody_markdown: secret\nupdated_at: custom\n")))
case("yaml-invalid-date-other-key", "invalid date `2024-13-45` in an unrelated key",
     one(md("name: demo\ndescription: A demo skill.\ncreated: 2024-13-45\n")))

# --------------------------------------------------------------------------------------
# Cases: `name` typing (YAML 1.1 scalars)
# --------------------------------------------------------------------------------------

for label, raw, what in [
    ("yes", "yes", "bool"), ("no", "no", "bool"), ("on", "on", "bool"), ("off", "off", "bool"),
    ("true", "true", "bool"), ("y", "y", "string (PyYAML does not resolve y as bool)"),
    ("int", "123", "int"), ("hex", "0x1f", "int"), ("octal", "017", "int (YAML 1.1 octal)"),
    ("0o-octal", "0o17", "string in YAML 1.1"), ("binary", "0b101", "int (YAML 1.1 binary)"),
    ("underscore-int", "1_000", "int (YAML 1.1 allows _)"), ("sexagesimal", "1:30", "int 90 (sexagesimal)"),
    ("float", "1.5", "float"), ("exp-no-dot", "1e3", "string (PyYAML float needs a dot)"),
    ("exp-float", "1.0e+3", "float"), ("inf", ".inf", "float"), ("nan", ".nan", "float"),
    ("date", "2024-01-01", "date"), ("invalid-date", "2024-13-45", "timestamp-looking but invalid date"),
    ("timestamp", "2024-01-01T10:00:00Z", "datetime"),
    ("null", "null", "None"), ("tilde", "~", "None"), ("empty", "", "None"),
    ("quoted-int", '"123"', "string => valid"),
    ("list", "[a, b]", "list"), ("map", "{first: ab}", "mapping"),
]:
    case(f"name-{label}", f"`name: {raw}` is a YAML {what}", fm_name(raw))

case("name-padded", "`name: \"  demo  \"` is trimmed => demo", fm_name('"  demo  "'))
case("name-interior-space", "`name: \"demo skill\"` => whitespace reason", fm_name('"demo skill"'))
case("name-whitespace-only", "`name: \"   \"` => whitespace reason (not missing)", fm_name('"   "'))
case("name-empty-string", "`name: \"\"` => missing name", fm_name('""'))
case("name-interior-nbsp", "name with U+00A0 inside => whitespace reason (str.isspace)",
     fm_name('"de\u00a0mo"'))
case("name-trailing-nbsp", "name with trailing U+00A0 is trimmed by str.strip => demo",
     fm_name('"demo\u00a0"'))
case("name-trailing-unit-separator", "name 'demo\\x1f' (YAML escape) is trimmed by Python str.strip => demo",
     fm_name('"demo\\x1f"'))
case("name-interior-unit-separator", "name 'de\\x1fmo' => whitespace reason (\\x1f isspace in Python)",
     fm_name('"de\\x1fmo"'))
case("name-zero-width-space", "name with U+200B (not whitespace in Python) => slug failure",
     fm_name('"de\u200bmo"'))
for label, raw in [("a", "a"), ("upper", "A1"), ("uppercase-word", "Demo"), ("trailing-underscore", "a_"),
                   ("leading-dash", "-a"), ("leading-underscore", "_a"), ("dot", "a.b"),
                   ("65-chars", "a" * 65), ("trailing-dash", "ab-"), ("non-ascii", "démo"),
                   ("colon", '"ab:cd"')]:
    case(f"name-slug-invalid-{label}", f"name `{raw[:20]}` fails the slug regex => invalid_skill_name_slug",
         fm_name(raw))
for label, raw in [("double-dash", "a--b"), ("digits", '"12"'), ("64-chars", "a" * 64), ("underscore", "a_b"),
                   ("two-chars", "ab")]:
    case(f"name-slug-valid-{label}", f"name `{raw[:20]}` is a valid slug", fm_name(raw))

# --------------------------------------------------------------------------------------
# Cases: description
# --------------------------------------------------------------------------------------

case("desc-whitespace-only", "`description: \"   \"` passes and becomes ''", fm_name("demo", '"   "'))
case("desc-int", "`description: 42` => missing description", fm_name("demo", "42"))
case("desc-empty-string", "`description: \"\"` => missing description", fm_name("demo", '""'))
case("desc-null", "`description:` (null) => missing description", fm_name("demo", ""))
case("desc-list", "`description: [a]` => missing description", fm_name("demo", "[a]"))
case("desc-missing", "no description key => missing description", one(md("name: demo\n")))
case("desc-and-name-missing", "name and description both missing => only the name reason",
     one(md("title: x\n")))
case("desc-invalid-name-and-missing-desc", "name invalid (`A1`) and description missing => description reason (slug checked last)",
     one(md("name: A1\n")))
case("desc-collapse-whitespace", "block-scalar description: whitespace runs (incl. newlines, NBSP) collapse to one space",
     one(md("name: demo\ndescription: |\n  line one\n\n    line\u00a0\u00a0two\t tab\n")))
case("desc-folded", "folded `>` description", one(md("name: demo\ndescription: >\n  folded\n  text\n")))
case("desc-very-long", "10 000-char description has no length limit", fm_name("demo", "y" * 10000))
case("desc-unicode", "CJK + emoji description", fm_name("demo", "中文描述 😀 émoji"))

# --------------------------------------------------------------------------------------
# Cases: encodings
# --------------------------------------------------------------------------------------

case("utf8-invalid-in-frontmatter", "0xFF byte inside frontmatter => UnicodeDecodeError => whole scan fails (CLI_SCAN_FAILED)",
     one(b"---\nname: demo\ndescription: bad \xff byte\n---\nBody.\n"))
case("utf8-invalid-in-body-near", "0xFF byte in the body within the first decoded chunk => whole scan fails, sibling skill lost",
     {"skills/demo/SKILL.md": md(VALID_YAML).rstrip(b"\n") + b"\nbad \xff byte\n",
      "skills/other/SKILL.md": md("name: other\ndescription: Healthy sibling.\n")})
case("utf8-invalid-in-body-10k", "0xFF byte ~10 KiB into the body (2nd 8 KiB chunk) => not decoded, scan OK",
     one(md(VALID_YAML, "a" * 10000 + "\n") + b"bad \xff byte\n"))
case("utf8-invalid-in-body-far", "0xFF byte > 16 KiB into the body => never decoded, scan OK",
     one(md(VALID_YAML, ("lorem ipsum dolor\n" * 1000)) + b"bad \xff byte\n"))
case("utf8-latin1-description", "Latin-1 encoded 'café' in frontmatter => whole scan fails",
     one(b"---\nname: demo\ndescription: caf\xe9\n---\n"))
case("utf16-bom-file", "UTF-16LE file with BOM => whole scan fails",
     one("---\nname: demo\ndescription: d\n---\n".encode("utf-16")))
case("utf8-overlong-nul", "overlong encoding C0 80 in frontmatter => whole scan fails",
     one(b"---\nname: demo\ndescription: a\xc0\x80b\n---\n"))

# --------------------------------------------------------------------------------------
# Cases: discovery / index
# --------------------------------------------------------------------------------------

VALID_B = md("name: other\ndescription: Another skill.\n")
case("disc-lowercase-skill-md", "`skill.md` (lower case) is ignored; `Skill.md` too",
     {"skills/a/skill.md": VALID, "skills/b/Skill.md": VALID_B})
case("disc-hidden-dir", "`.hidden/x/SKILL.md` is ignored by default",
     {"skills/.hidden/x/SKILL.md": VALID, "skills/visible/SKILL.md": VALID_B})
case("disc-hidden-dir-not-ignored", "`ignore_dot_entries: false` discovers `.hidden/x/SKILL.md`",
     {"skills/.hidden/x/SKILL.md": VALID, "skills/visible/SKILL.md": VALID_B},
     runtime=runtime_with_scan("ignore_dot_entries: false"))
DEPTHS = {"skills/SKILL.md": md("name: depth0\ndescription: At depth 0.\n"),
          "skills/a/SKILL.md": md("name: depth1\ndescription: At depth 1.\n"),
          "skills/a/b/SKILL.md": md("name: depth2\ndescription: At depth 2.\n")}
case("disc-max-depth-0", "`max_depth: 0` finds only root/SKILL.md", DEPTHS, runtime=runtime_with_scan("max_depth: 0"))
case("disc-max-depth-1", "`max_depth: 1` finds root/ and root/a/ but not root/a/b/", DEPTHS,
     runtime=runtime_with_scan("max_depth: 1"))
case("disc-default-depth", "default max_depth finds skills at depths 0, 1, 2", DEPTHS)
case("disc-nested-references", "SKILL.md nested under a skill's references/ is a separate skill",
     {"skills/a/SKILL.md": VALID, "skills/a/references/b/SKILL.md": VALID_B,
      "skills/a/references/notes.md": b"notes\n"})
case("disc-skill-md-is-directory", "a directory named SKILL.md is walked into",
     {"skills/x/SKILL.md/SKILL.md": VALID})
case("disc-duplicate-names", "same name in two directories of one root => SKILL_DUPLICATE_NAME, skills: []",
     {"skills/a/SKILL.md": VALID, "skills/b/SKILL.md": VALID, "skills/c/SKILL.md": VALID_B})
case("disc-duplicate-plus-invalid", "duplicate names plus one invalid file => duplicate error first, then the metadata error",
     {"skills/a/SKILL.md": VALID, "skills/b/SKILL.md": VALID, "skills/c/SKILL.md": b"no frontmatter\n"})
case("disc-two-duplicate-pairs", "two different duplicated names => only the first (by sort order) is reported",
     {"skills/a/SKILL.md": VALID_B, "skills/b/SKILL.md": VALID_B,
      "skills/c/SKILL.md": VALID, "skills/d/SKILL.md": VALID})
case("disc-same-name-two-namespaces", "same name under two different namespaces is fine",
     {"skills/a/SKILL.md": VALID, "other/a/SKILL.md": VALID},
     runtime=("skills:\n  spaces:\n"
              '    - {id: docs, namespace: "acme:docs", sources: [fs]}\n'
              '    - {id: code, namespace: "acme:code", sources: [fs2]}\n'
              "  sources:\n"
              "    - {id: fs, type: filesystem, options: {root: skills}}\n"
              "    - {id: fs2, type: filesystem, options: {root: other}}\n"))
case("disc-one-source-two-spaces-same-namespace", "one source in two spaces with the same namespace => duplicate",
     one(VALID),
     runtime=("skills:\n  spaces:\n"
              '    - {id: one, namespace: "acme:docs", sources: [fs]}\n'
              '    - {id: two, namespace: "acme:docs", sources: [fs]}\n'
              "  sources:\n"
              "    - {id: fs, type: filesystem, options: {root: skills}}\n"))
case("disc-one-source-two-namespaces", "one source in two spaces with different namespaces => same skill twice, fine",
     one(VALID),
     runtime=("skills:\n  spaces:\n"
              '    - {id: one, namespace: "acme:docs", sources: [fs]}\n'
              '    - {id: two, namespace: "acme:code", sources: [fs]}\n'
              "  sources:\n"
              "    - {id: fs, type: filesystem, options: {root: skills}}\n"))
case("disc-source-listed-twice", "one source listed twice in one space => duplicate",
     one(VALID),
     runtime=("skills:\n  spaces:\n"
              '    - {id: main, namespace: "acme:docs", sources: [fs, fs]}\n'
              "  sources:\n"
              "    - {id: fs, type: filesystem, options: {root: skills}}\n"))
case("disc-sort-order", "skills are sorted by skill_name (code-point order: '-' < '0' < '_' < 'a')",
     {f"skills/d{i}/SKILL.md": md(f"name: {n}\ndescription: d.\n")
      for i, n in enumerate(["ab", "a_b", "a-b", "a0", "a--b", "zz", "0a"])})
case("disc-symlink-escape", "SKILL.md symlink pointing outside the root => path_escape",
     {"outside/SKILL.md": VALID, "skills/ok/SKILL.md": VALID_B},
     symlinks={"skills/esc/SKILL.md": "../../outside/SKILL.md"})
case("disc-symlink-to-template", "SKILL.md symlink to template.md inside root => file-name reason",
     {"skills/t/template.md": VALID}, symlinks={"skills/t/SKILL.md": "template.md"})
case("disc-symlink-to-sibling-skill", "SKILL.md symlink to another SKILL.md inside root => both load => duplicate",
     {"skills/a/SKILL.md": VALID}, symlinks={"skills/b/SKILL.md": "../a/SKILL.md"})
case("disc-symlink-inside-root-ok", "SKILL.md symlink to a SKILL.md in a dot-dir inside root (target not scanned itself)",
     {"skills/.store/SKILL.md": VALID}, symlinks={"skills/pub/SKILL.md": "../.store/SKILL.md"})
case("disc-symlink-dir", "symlinked directory is skipped",
     {"shared-skills/x/SKILL.md": VALID, "skills/real/SKILL.md": VALID_B},
     symlinks={"skills/linked": "../shared-skills"})
case("disc-symlink-dir-inside-root", "symlinked directory pointing inside the root is skipped too (no duplicate)",
     {"skills/real/SKILL.md": VALID}, symlinks={"skills/alias": "real"})
case("disc-broken-symlink", "broken SKILL.md symlink is silently skipped",
     {"skills/ok/SKILL.md": VALID}, symlinks={"skills/broken/SKILL.md": "missing.md"})
case("disc-missing-root", "filesystem root that does not exist => no skills, no errors", {})
case("disc-root-is-file", "filesystem root that is a regular file => no skills, no errors",
     {"skills": b"not a directory\n"})
case("disc-root-subdir", "root may be a nested relative path",
     {"content/skills/a/SKILL.md": VALID, "skills/x/SKILL.md": VALID_B},
     runtime=DEFAULT_RUNTIME.replace("root: skills", "root: content/skills"))
case("disc-root-dotslash", "root './skills/../skills' is normalised (locator is canonical root based)",
     one(VALID), runtime=DEFAULT_RUNTIME.replace("root: skills", "root: ./skills/../skills"))
case("disc-max-dirs-exceeded", "`max_dirs_per_root: 2` exceeded => error, root stops, earlier skills kept",
     {"skills/a/SKILL.md": md("name: aa\ndescription: d.\n"), "skills/b/SKILL.md": md("name: bb\ndescription: d.\n"),
      "skills/c/SKILL.md": md("name: cc\ndescription: d.\n")},
     runtime=runtime_with_scan("max_dirs_per_root: 2"))
case("disc-max-dirs-exact", "`max_dirs_per_root: 4` with exactly 4 directories => no error",
     {"skills/a/SKILL.md": md("name: aa\ndescription: d.\n"), "skills/b/SKILL.md": md("name: bb\ndescription: d.\n"),
      "skills/c/SKILL.md": md("name: cc\ndescription: d.\n")},
     runtime=runtime_with_scan("max_dirs_per_root: 4"))
case("disc-max-dirs-counts-deep-dirs", "directories beyond max_depth still count towards max_dirs_per_root",
     {"skills/a/SKILL.md": md("name: aa\ndescription: d.\n"), "skills/a/x/y/f.txt": b"x\n"},
     runtime=runtime_with_scan("max_depth: 1, max_dirs_per_root: 2"))
case("disc-disabled-space", "disabled space is not scanned", one(VALID),
     runtime=DEFAULT_RUNTIME.replace("sources: [fs]}", "sources: [fs], enabled: false}"))
case("disc-space-unknown-source", "space references an unknown source id => scan-time config error, nothing scanned",
     one(VALID), runtime=DEFAULT_RUNTIME.replace("sources: [fs]}", "sources: [fs, nope]}"))
case("disc-disabled-space-unknown-source", "a disabled space with an unknown source id still aborts the scan",
     one(VALID),
     runtime=("skills:\n  spaces:\n"
              '    - {id: main, namespace: "acme:docs", sources: [fs]}\n'
              '    - {id: disabled, namespace: "acme:off", sources: [nope], enabled: false}\n'
              "  sources:\n"
              "    - {id: fs, type: filesystem, options: {root: skills}}\n"))
case("disc-unknown-source-type", "unknown source type => scan-time config error", one(VALID),
     runtime=DEFAULT_RUNTIME.replace("type: filesystem", "type: s3"))
case("disc-redis-no-env", "redis source whose dsn_env variable is unset => SKILL_SCAN_SOURCE_UNAVAILABLE", one(VALID),
     runtime=("skills:\n  spaces:\n"
              '    - {id: main, namespace: "acme:docs", sources: [fs, r]}\n'
              "  sources:\n"
              "    - {id: fs, type: filesystem, options: {root: skills}}\n"
              '    - {id: r, type: redis, options: {dsn_env: SKILLS_LSP_CONFORMANCE_UNSET_DSN, key_prefix: "skills:"}}\n'))
case("disc-pgsql-no-env", "pgsql source whose dsn_env variable is unset", one(VALID),
     runtime=("skills:\n  spaces:\n"
              '    - {id: main, namespace: "acme:docs", sources: [fs, pg]}\n'
              "  sources:\n"
              "    - {id: fs, type: filesystem, options: {root: skills}}\n"
              "    - {id: pg, type: pgsql, options: {dsn_env: SKILLS_LSP_CONFORMANCE_UNSET_DSN, schema: public, table: skills}}\n"))
case("disc-in-memory-source", "in-memory source with no host registry", one(VALID),
     runtime=("skills:\n  spaces:\n"
              '    - {id: main, namespace: "acme:docs", sources: [fs, mem]}\n'
              "  sources:\n"
              "    - {id: fs, type: filesystem, options: {root: skills}}\n"
              "    - {id: mem, type: in-memory, options: {namespace: demo}}\n"))
case("disc-mixed-valid-invalid", "one valid + several invalid files: valid skill kept, one error per bad file, exit 11",
     {"skills/good/SKILL.md": VALID, "skills/bad1/SKILL.md": b"no fm\n",
      "skills/bad2/SKILL.md": md("name: Bad\ndescription: d\n"), "skills/bad3/SKILL.md": md("name: x y\ndescription: d\n")})
case("disc-no-skills", "root exists but contains no SKILL.md", {"skills/readme.txt": b"hello\n"})
case("disc-agents-openai-yaml", "agents/openai.yaml env_var dependencies become required_env_vars",
     {"skills/demo/SKILL.md": VALID,
      "skills/demo/agents/openai.yaml": (b"dependencies:\n  tools:\n"
                                         b"    - {type: env_var, value: API_TOKEN}\n"
                                         b"    - {type: env_var, value: API_TOKEN}\n"
                                         b"    - {type: mcp, value: X}\n"
                                         b"    - {type: env_var, value: OTHER}\n")})

# --------------------------------------------------------------------------------------
# Cases: configuration
# --------------------------------------------------------------------------------------

def cfg(name: str, description: str, runtime: Any, files: Optional[Dict[str, bytes]] = None, **kw: Any) -> None:
    case(name, description, one(VALID) if files is None else files, runtime=runtime, **kw)


cfg("cfg-float-nan", "`llm.retry.base_delay_sec: .nan` fails pydantic's `ge=0` => CLI_CONFIG_INVALID",
    DEFAULT_RUNTIME + "llm:\n  retry:\n    base_delay_sec: .nan\n")
cfg("cfg-float-inf", "`llm.retry.cap_delay_sec: .inf` is accepted (no upper bound)",
    DEFAULT_RUNTIME + "llm:\n  retry:\n    cap_delay_sec: .inf\n")
cfg("cfg-lax-bool-t", "`references.enabled: \"t\"` is accepted (lax bool)",
    DEFAULT_RUNTIME + "  references:\n    enabled: \"t\"\n")
cfg("cfg-lax-int-float", "`run.max_steps: 5.0` is accepted (lax int), `5.5` is not",
    DEFAULT_RUNTIME + "run:\n  max_steps: 5.0\n")
cfg("cfg-lax-int-fraction", "`run.max_steps: 5.5` => CLI_CONFIG_INVALID",
    DEFAULT_RUNTIME + "run:\n  max_steps: 5.5\n")
cfg("cfg-unknown-top-level-key", "unknown top-level key `llms` => CLI_CONFIG_INVALID", DEFAULT_RUNTIME + "llms: {}\n")
cfg("cfg-skills-typo-soruces", "misspelt `skills.soruces` => CLI_CONFIG_INVALID",
    DEFAULT_RUNTIME.replace("  sources:\n", "  soruces:\n"))
cfg("cfg-skills-null", "`skills: null` => CLI_CONFIG_INVALID", "skills: null\n")
cfg("cfg-space-id-int", "`spaces[].id: 123` => CLI_CONFIG_INVALID", DEFAULT_RUNTIME.replace("id: main", "id: 123"))
cfg("cfg-space-id-off", "unquoted `id: off` is a YAML 1.1 bool => CLI_CONFIG_INVALID",
    DEFAULT_RUNTIME.replace("id: main", "id: off"))
cfg("cfg-enabled-string-yes", "`enabled: \"yes\"` is accepted (lax bool)",
    DEFAULT_RUNTIME.replace("sources: [fs]}", 'sources: [fs], enabled: "yes"}'))
cfg("cfg-enabled-string-no", "`enabled: \"no\"` is accepted as false (lax bool)",
    DEFAULT_RUNTIME.replace("sources: [fs]}", 'sources: [fs], enabled: "no"}'))
cfg("cfg-max-depth-string", "`scan.max_depth: \"3\"` => CLI_CONFIG_INVALID (strict int)",
    runtime_with_scan('max_depth: "3"'))
cfg("cfg-max-depth-negative", "`scan.max_depth: -1` => CLI_CONFIG_INVALID", runtime_with_scan("max_depth: -1"))
cfg("cfg-max-frontmatter-bytes-zero", "`scan.max_frontmatter_bytes: 0` => CLI_CONFIG_INVALID",
    runtime_with_scan("max_frontmatter_bytes: 0"))
cfg("cfg-ignore-dot-entries-string", "`scan.ignore_dot_entries: \"true\"` => CLI_CONFIG_INVALID (strict bool)",
    runtime_with_scan('ignore_dot_entries: "true"'))
cfg("cfg-refresh-policy-invalid", "`scan.refresh_policy: sometimes` => CLI_CONFIG_INVALID",
    runtime_with_scan("refresh_policy: sometimes"))
cfg("cfg-scan-unknown-key", "unknown key under skills.scan => CLI_CONFIG_INVALID", runtime_with_scan("max_deep: 3"))
cfg("cfg-injection-max-bytes-string", "`injection.max_bytes: \"10\"` is accepted (lax int)",
    DEFAULT_RUNTIME + '  injection: {max_bytes: "10"}\n')
cfg("cfg-sandbox-profile-upper", "`sandbox.profile: PROD` => CLI_CONFIG_INVALID",
    DEFAULT_RUNTIME + "sandbox: {profile: PROD}\n")
cfg("cfg-sandbox-profile-unknown", "`sandbox.profile: x` => CLI_CONFIG_LOAD_FAILED",
    DEFAULT_RUNTIME + "sandbox: {profile: x}\n")
cfg("cfg-sandbox-profile-prod", "`sandbox.profile: prod` is valid", DEFAULT_RUNTIME + "sandbox: {profile: prod}\n")
cfg("cfg-namespace-invalid-upper", "namespace `Acme` => CLI_CONFIG_INVALID", DEFAULT_RUNTIME.replace('"acme:docs"', "Acme"))
cfg("cfg-namespace-8-segments", "namespace with 8 segments => CLI_CONFIG_INVALID",
    DEFAULT_RUNTIME.replace('"acme:docs"', '"a0:b1:c2:d3:e4:f5:g6:h7"'))
cfg("cfg-namespace-7-segments", "namespace with 7 segments is valid",
    DEFAULT_RUNTIME.replace('"acme:docs"', '"a0:b1:c2:d3:e4:f5:g6"'))
cfg("cfg-namespace-single-char-segment", "namespace segment of 1 char (`a:docs`) => CLI_CONFIG_INVALID",
    DEFAULT_RUNTIME.replace('"acme:docs"', '"a:docs"'))
cfg("cfg-legacy-account", "legacy `account:` on a space => CLI_CONFIG_INVALID",
    DEFAULT_RUNTIME.replace("sources: [fs]}", "sources: [fs], account: acme}"))
cfg("cfg-duplicate-space-ids", "duplicate space ids => preflight SKILL_CONFIG_DUPLICATE_SPACE_ID",
    ("skills:\n  spaces:\n"
     '    - {id: main, namespace: "acme:docs", sources: [fs]}\n'
     '    - {id: main, namespace: "acme:code", sources: [fs]}\n'
     "  sources:\n"
     "    - {id: fs, type: filesystem, options: {root: skills}}\n"))
cfg("cfg-duplicate-source-ids", "duplicate source ids => preflight error; scan uses the last definition",
    ("skills:\n  spaces:\n"
     '    - {id: main, namespace: "acme:docs", sources: [fs]}\n'
     "  sources:\n"
     "    - {id: fs, type: filesystem, options: {root: skills}}\n"
     "    - {id: fs, type: filesystem, options: {root: other}}\n"),
    files={"skills/a/SKILL.md": VALID, "other/b/SKILL.md": VALID_B})
REDIS_RT = ("skills:\n  spaces:\n"
            '    - {id: main, namespace: "acme:docs", sources: [r]}\n'
            "  sources:\n"
            "    - {id: r, type: redis, options: {OPTS}}\n")
cfg("cfg-dsn-env-lowercase", "`dsn_env: redis_url` => SKILL_CONFIG_INVALID_ENV_VAR_NAME",
    REDIS_RT.replace("OPTS", 'dsn_env: redis_url, key_prefix: "skills:"'))
cfg("cfg-dsn-env-int", "`dsn_env: 5` => SKILL_CONFIG_INVALID_OPTION",
    REDIS_RT.replace("OPTS", 'dsn_env: 5, key_prefix: "skills:"'))
cfg("cfg-redis-missing-key-prefix", "redis source without key_prefix => SKILL_CONFIG_MISSING_REQUIRED_OPTION",
    REDIS_RT.replace("OPTS", "dsn_env: SKILLS_LSP_CONFORMANCE_UNSET_DSN"))
cfg("cfg-redis-blank-key-prefix", "redis source with blank key_prefix",
    REDIS_RT.replace("OPTS", 'dsn_env: SKILLS_LSP_CONFORMANCE_UNSET_DSN, key_prefix: "  "'))
cfg("cfg-filesystem-missing-root", "filesystem source without `root` option",
    DEFAULT_RUNTIME.replace("options: {root: skills}", "options: {}"))
cfg("cfg-filesystem-root-int", "filesystem source with `root: 5`",
    DEFAULT_RUNTIME.replace("root: skills", "root: 5"))
cfg("cfg-filesystem-options-null", "`options: null` => CLI_CONFIG_INVALID",
    DEFAULT_RUNTIME.replace("options: {root: skills}", "options: null"))
cfg("cfg-pgsql-missing-options", "pgsql source with only dsn_env => missing schema and table",
    ("skills:\n  spaces:\n"
     '    - {id: main, namespace: "acme:docs", sources: [pg]}\n'
     "  sources:\n"
     "    - {id: pg, type: pgsql, options: {dsn_env: PG_DSN}}\n"))
cfg("cfg-versioning-enabled", "`versioning.enabled: true` => preflight warning, exit 12",
    DEFAULT_RUNTIME + "  versioning: {enabled: true}\n")
cfg("cfg-versioning-strategy", "non-empty `versioning.strategy` => preflight warning",
    DEFAULT_RUNTIME + "  versioning: {strategy: semver}\n")
cfg("cfg-versioning-plus-error", "versioning warning plus a duplicate source id => exit 10",
    DEFAULT_RUNTIME + "    - {id: fs, type: filesystem, options: {root: skills}}\n  versioning: {enabled: true}\n")
cfg("cfg-strictness-any-string", "`strictness.*` accept any string (no effect)",
    DEFAULT_RUNTIME + "  strictness: {unknown_mention: whatever, duplicate_name: off-ish}\n")
cfg("cfg-unknown-source-type", "unknown source type => SKILL_CONFIG_UNKNOWN_SOURCE_TYPE",
    DEFAULT_RUNTIME.replace("type: filesystem", "type: s3"))
cfg("cfg-space-source-not-found", "space referencing unknown source id => SKILL_CONFIG_SPACE_SOURCE_NOT_FOUND",
    DEFAULT_RUNTIME.replace("sources: [fs]}", "sources: [nope]}"))
cfg("cfg-space-empty-sources", "space with `sources: []` => nothing scanned, no error",
    DEFAULT_RUNTIME.replace("sources: [fs]}", "sources: []}"))
cfg("cfg-yaml-syntax-error", "runtime.yaml YAML syntax error => CLI_OVERLAY_LOAD_FAILED",
    "skills:\n  spaces: [\n    {id: main\n")
cfg("cfg-root-is-list", "runtime.yaml root is a list => CLI_OVERLAY_INVALID", "- a\n- b\n")
cfg("cfg-root-is-scalar", "runtime.yaml root is a scalar => CLI_OVERLAY_INVALID", "hello\n")
cfg("cfg-empty-file", "empty runtime.yaml => defaults (no spaces), exit 0", "")
cfg("cfg-no-runtime-yaml", "no config/runtime.yaml => defaults (no spaces), exit 0", NO_RUNTIME)
cfg("cfg-bom", "runtime.yaml starting with a UTF-8 BOM", b"\xef\xbb\xbf" + DEFAULT_RUNTIME.encode())
cfg("cfg-crlf", "runtime.yaml with CRLF line endings", DEFAULT_RUNTIME.replace("\n", "\r\n"))
cfg("cfg-non-utf8", "runtime.yaml with a non-UTF-8 byte", DEFAULT_RUNTIME.encode() + b"# caf\xe9\n")
cfg("cfg-llm-max-retries-legacy", "legacy `llm.max_retries` => CLI_CONFIG_INVALID",
    DEFAULT_RUNTIME + "llm: {max_retries: 3}\n")
cfg("cfg-config-version-zero", "`config_version: 0` => CLI_CONFIG_INVALID", "config_version: 0\n" + DEFAULT_RUNTIME)
cfg("cfg-python-tag", "unsafe YAML tag in runtime.yaml => CLI_OVERLAY_LOAD_FAILED",
    DEFAULT_RUNTIME + "x: !!python/object:os.system y\n")
cfg("cfg-duplicate-keys", "duplicate `skills:` keys in runtime.yaml: last wins",
    "skills:\n  spaces: []\n" + DEFAULT_RUNTIME)
cfg("cfg-dotenv-ignored", "a .env setting SKILLS_RUNTIME_SDK_CONFIG_PATHS is ignored with --no-dotenv",
    DEFAULT_RUNTIME,
    files={"skills/demo/SKILL.md": VALID, ".env": b"SKILLS_RUNTIME_SDK_CONFIG_PATHS=config/broken.yaml\n",
           "config/broken.yaml": b"llms: {}\n"})
cfg("env-overlay-replaces-spaces", "overlay from SKILLS_RUNTIME_SDK_CONFIG_PATHS replaces skills.spaces wholesale",
    DEFAULT_RUNTIME,
    files={"skills/demo/SKILL.md": VALID,
           "config/extra.yaml": b'skills:\n  spaces:\n    - {id: web, namespace: "web", sources: [fs]}\n'},
    env={"SKILLS_RUNTIME_SDK_CONFIG_PATHS": "config/extra.yaml"})
cfg("env-overlay-missing", "SKILLS_RUNTIME_SDK_CONFIG_PATHS naming a missing file => CLI_OVERLAY_NOT_FOUND",
    DEFAULT_RUNTIME, env={"SKILLS_RUNTIME_SDK_CONFIG_PATHS": "config/missing.yaml; ,"})
cfg("env-overlay-invalid-plus-broken-runtime", "every overlay is checked: broken runtime.yaml and a list-root overlay both reported",
    "skills: [\n",
    files={"skills/demo/SKILL.md": VALID, "config/extra.yaml": b"- x\n"},
    env={"SKILLS_RUNTIME_SDK_CONFIG_PATHS": "config/extra.yaml"})


# --------------------------------------------------------------------------------------
# Workspace writing
# --------------------------------------------------------------------------------------

def write_workspaces() -> None:
    if WORKSPACES.exists():
        shutil.rmtree(WORKSPACES)
    WORKSPACES.mkdir(parents=True)
    for c in CASES:
        root = WORKSPACES / c.name
        root.mkdir()
        if c.runtime is not NO_RUNTIME:
            data = c.runtime if isinstance(c.runtime, bytes) else c.runtime.encode("utf-8")
            (root / "config").mkdir()
            (root / "config" / "runtime.yaml").write_bytes(data)
        for rel, data in sorted(c.files.items()):
            p = root / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
        for rel, target in sorted(c.symlinks.items()):
            assert not os.path.isabs(target)
            p = root / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(target, p)


# --------------------------------------------------------------------------------------
# Running the reference CLI and normalising its output
# --------------------------------------------------------------------------------------

def base_env() -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKILLS_RUNTIME_SDK_")
           and not k.startswith("SKILLS_LSP_CONFORMANCE_")}
    env["PYTHONIOENCODING"] = "utf-8"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run_cli(sub: str, ws: Path, extra_env: Dict[str, str]) -> Dict[str, Any]:
    env = base_env()
    env.update(extra_env)
    cmd = [sys.executable, "-m", "skills_runtime.cli.main", "skills", sub,
           "--workspace-root", str(ws), "--no-dotenv"]
    p = subprocess.run(cmd, capture_output=True, env=env, cwd=str(ws), timeout=300)
    out = p.stdout.decode("utf-8")
    try:
        data = json.loads(out)
    except json.JSONDecodeError:
        lines = [ln for ln in p.stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
        return {"exit": p.returncode, "json": None, "crash": lines[-1] if lines else ""}
    return {"exit": p.returncode, "json": data}


class Relativiser:
    def __init__(self, ws: Path) -> None:
        prefixes = {str(ws), str(ws.resolve())}
        self.prefixes = sorted(prefixes, key=len, reverse=True)

    def s(self, value: str) -> str:
        for pre in self.prefixes:
            if value == pre:
                return "."
            value = value.replace(pre + os.sep, "")
            value = value.replace(pre, ".")
        return value.replace(os.sep, "/") if os.sep != "/" else value

    def obj(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.s(value)
        if isinstance(value, list):
            return [self.obj(v) for v in value]
        if isinstance(value, dict):
            return {self.s(k): self.obj(v) for k, v in value.items()}
        return value


def norm_issue(issue: Dict[str, Any], rel: Relativiser) -> Dict[str, Any]:
    out: Dict[str, Any] = {"code": issue["code"], "message": issue["message"]}
    details = dict(issue.get("details") or {})
    for key in ("reason", "path", "field", "level"):
        if key in details:
            out[key] = rel.obj(details.pop(key))
    if details:
        out["details"] = rel.obj(details)
    return out


def norm_skill(skill: Dict[str, Any], rel: Relativiser) -> Dict[str, Any]:
    metadata = dict(skill.get("metadata") or {})
    metadata.pop("updated_at", None)
    return {
        "namespace": skill["namespace"],
        "skill_name": skill["skill_name"],
        "description": skill["description"],
        "locator": rel.obj(skill["locator"]),
        "path": rel.obj(skill.get("path")),
        "space_id": skill.get("space_id"),
        "source_id": skill.get("source_id"),
        "body_size": skill.get("body_size"),
        "required_env_vars": skill.get("required_env_vars"),
        "metadata": rel.obj(metadata),
    }


def verdict_for(c: Case) -> Dict[str, Any]:
    ws = WORKSPACES / c.name
    rel = Relativiser(ws)
    scan = run_cli("scan", ws, c.env)
    pre = run_cli("preflight", ws, c.env)

    scan_v: Dict[str, Any] = {"exit": scan["exit"]}
    if scan["json"] is None:
        scan_v["crash"] = rel.s(scan["crash"])
    else:
        j = scan["json"]
        scan_v["skills"] = [norm_skill(s, rel) for s in j.get("skills", [])]
        scan_v["errors"] = [norm_issue(e, rel) for e in j.get("errors", [])]
        if j.get("warnings"):
            scan_v["warnings"] = [norm_issue(e, rel) for e in j["warnings"]]
        scan_v["stats"] = j.get("stats")

    pre_v: Dict[str, Any] = {"exit": pre["exit"]}
    if pre["json"] is None:
        pre_v["crash"] = rel.s(pre["crash"])
    else:
        pre_v["issues"] = [norm_issue(e, rel) for e in pre["json"].get("issues", [])]

    v: Dict[str, Any] = {"description": c.description, "scan": scan_v, "preflight": pre_v}
    if c.env:
        v["env"] = dict(c.env)
    return v


# --------------------------------------------------------------------------------------
# Mention vectors
# --------------------------------------------------------------------------------------

MENTION_TEXTS: List[str] = [
    # stray `]`
    "$[web].ab]",
    "$[web].ab_]",
    "$[web].abc-]",
    "$[web].ab] then $[web].ab",
    "$[web].ab]]",
    "[$[web].ab]",
    "$[web].ab)]",
    "$[web].ab] $[web].cd",
    # truncation at 64
    "$[web]." + "b" * 64,
    "$[web]." + "b" * 65,
    "$[web]." + "b" * 70 + "]",
    "$[web]." + "b" * 63 + "-c",
    "$[web]." + "b" * 63 + "_]",
    "$[" + "a" * 64 + "].xy",
    "$[" + "a" * 65 + "].xy",
    # trailing - / _
    "$[web].ab-",
    "$[web].ab_",
    "$[web].ab--",
    "$[web].a-",
    "$[web].a_b_",
    # uppercase
    "$[web].pyThon",
    "$[WEB].ab",
    "$[web].Ab",
    "$[web].aB",
    "$[Web:docs].ab $[web:Docs].cd",
    # 7/8 segments
    "$[a0:b1:c2:d3:e4:f5:g6].xy",
    "$[a0:b1:c2:d3:e4:f5:g6:h7].xy",
    "$[a0:b1:c2:d3:e4:f5:g6:h7:i8].xy then $[a0:b1].xy",
    # spacing
    "$ [web].ab",
    "$[web] .ab",
    "$[ web].ab",
    "$[web]. ab",
    "$[web]\\.ab",
    # CJK / emoji around
    "请用$[web].ab写",
    "😀$[web].ab😀",
    "😀😀 $[web:文档].ab $[web].cd😀 $[文].ab",
    "$[web].ab日本 $[web].日本",
    "ｆｕｌｌ$[web].ab　$[web].cd",
    "é$[web].ab\u0301",
    # CRLF / whitespace
    "line one\r\n$[web].ab\r\n$[web].cd\r\n",
    "$[web].ab\r$[web].cd",
    "\t$[web].ab\t",
    "$[web].a\nb",
    # dedup
    "$[web].ab $[web].ab $[web].ab",
    "$[web].ab $[web:x1].ab $[web].ab $[web:x1].ab",
    "$[web].ab] $[web].ab $[web].ab",
    "$[a0:b1].x1 $[b1:a0].x1 $[a0:b1].x1",
    # $$[
    "$$[web].ab",
    "$$$[web].ab",
    "$[web].$[web].ab",
    "$[$[web].ab",
    "$[web]$[web].ab",
    "$[web].ab$[web].cd",
    "$[web].ab.$[web].cd",
    "x$[web].ab",
    "`$[web].ab`",
    "**$[web].ab**",
    "[link]($[web].ab)",
    "$[web].ab:$[web].cd",
    "$[w--b].a--b",
    "$[web-].ab $[-web].ab $[we_b].ab $[web:].ab",
    "$[web].12 $[12].34",
    "$[web].ab.cd",
    "",
    "no mentions here $ [ ] .",
]


def mention_vector(text: str) -> Dict[str, Any]:
    from skills_runtime.skills import mentions as m  # reference implementation

    ref = m.extract_skill_mentions(text)
    # Offsets: reproduce the reference's own match positions (finditer + stray-`]` drop + dedup).
    kept = []
    seen = set()
    for mt in m._SKILL_MENTION_RE.finditer(text):
        if mt.end() < len(text) and text[mt.end()] == "]":
            continue
        key = (mt.group("namespace"), mt.group("skill_name"))
        if key in seen:
            continue
        seen.add(key)
        kept.append(mt)
    assert [(x.namespace, x.skill_name, x.mention_text) for x in ref] == \
        [(k.group("namespace"), k.group("skill_name"), k.group(0)) for k in kept], text
    out = []
    for mt in kept:
        cs, ce = mt.start(), mt.end()
        bs = len(text[:cs].encode("utf-8"))
        be = bs + len(text[cs:ce].encode("utf-8"))
        out.append([mt.group("namespace"), mt.group("skill_name"), cs, ce, bs, be])
    return {"text": text, "mentions": out}


def check_shared_mentions() -> Optional[int]:
    """Self-check: our offset computation reproduces the shared mentions.jsonl (if present)."""
    if not SHARED_MENTIONS.exists():
        return None
    n = 0
    for line in SHARED_MENTIONS.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        obj = json.loads(line)
        got = mention_vector(obj["text"])
        assert got["mentions"] == obj["mentions"], obj["text"]
        assert json.dumps(got, ensure_ascii=False) == line, line
        n += 1
    return n


def write_mentions() -> int:
    lines = []
    seen = set()
    for text in MENTION_TEXTS:
        assert text not in seen, text
        seen.add(text)
        lines.append(json.dumps(mention_vector(text), ensure_ascii=False))
    MENTIONS_OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------

def main() -> int:
    version = importlib.metadata.version(PACKAGE)
    if version != EXPECTED_VERSION:
        print(f"warning: reference version {version} != expected {EXPECTED_VERSION}", file=sys.stderr)

    write_workspaces()
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        verdicts = list(pool.map(verdict_for, CASES))
    doc = {
        "reference": {
            "package": PACKAGE,
            "version": version,
            "pyyaml": importlib.metadata.version("PyYAML"),
            "pydantic": importlib.metadata.version("pydantic"),
            "command": "skills-runtime-sdk skills {scan|preflight} --workspace-root <case> --no-dotenv",
        },
        "cases": {c.name: v for c, v in zip(CASES, verdicts)},
    }
    VERDICTS.write_text(json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")

    n_mentions = write_mentions()
    n_shared = check_shared_mentions()
    print(f"reference {PACKAGE}=={version}: {len(CASES)} cases -> {VERDICTS.relative_to(HERE.parent.parent)}")
    print(f"{n_mentions} mention vectors -> {MENTIONS_OUT.relative_to(HERE.parent.parent)}")
    if n_shared is not None:
        print(f"offset self-check against {SHARED_MENTIONS}: {n_shared} lines reproduced")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
