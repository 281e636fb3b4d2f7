#!/usr/bin/env python3
"""Generate the safety-gate golden vectors from the *reference runtime*.

Reference: PyPI ``skills-runtime-sdk==0.1.12`` on CPython 3.11. The script is NOT run by CI;
run it by hand in a venv with the reference installed to (re)produce the committed files:

    runtime/tests/data/safety/shlex.jsonl    shlex.split / shlex.quote
    runtime/tests/data/safety/json.jsonl     json.dumps (canonical and default) and str()
    runtime/tests/data/safety/guard.jsonl    evaluate_command_risk
    runtime/tests/data/safety/intent.jsonl   parse_shellish_command_to_argv
    runtime/tests/data/safety/gate.jsonl     SafetyGate: decision, logged arguments, approval

Regenerate with:

    python3 -m venv /tmp/refvenv
    /tmp/refvenv/bin/pip install skills-runtime-sdk==0.1.12
    /tmp/refvenv/bin/python tests/conformance/generate_safety_golden.py

Hand-picked cases come first, then random ones from a fixed seed, so the output is
deterministic. JSON inputs are stored as JSON *text* (``*_json`` fields) so the Rust side parses
them itself and keeps the int/float distinction; outputs that must match byte for byte are
stored as the exact text the reference produced.
"""

from __future__ import annotations

import importlib.metadata
import json
import logging
import math
import random
import shlex
import struct
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

import skills_runtime.safety.descriptors as descriptors
from skills_runtime.config.loader import AgentSdkSafetyConfig
from skills_runtime.safety.approvals import compute_approval_key
from skills_runtime.safety.descriptors import get_builtin_tool_safety_descriptor
from skills_runtime.safety.gate import SafetyGate
from skills_runtime.safety.guard import evaluate_command_risk
from skills_runtime.tools.protocol import PassthroughDescriptor, ToolCall

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "runtime" / "tests" / "data" / "safety"
EXPECTED_VERSION = "0.1.12"

rng = random.Random(20260512)


def dumps_line(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True)


def write_jsonl(name: str, rows: List[Dict[str, Any]]) -> None:
    path = OUT / name
    path.write_text("".join(dumps_line(r) + "\n" for r in rows), encoding="utf-8")
    print(f"{path.relative_to(ROOT)}: {len(rows)} cases")


# --------------------------------------------------------------------------------------
# shlex
# --------------------------------------------------------------------------------------

SHELL_ALPHABET = list("ab  \t\n\r'\"\\|&;><$()`#*~=-/.") + ["é", "\u00a0", "\x0b", "\u3000", "\x00"]

SHLEX_FIXED = [
    "", " ", "a b", "  a\tb\r\nc  ", "a'b c'd", "'' \"\"", "x''y", "\"a\\\"b\\\\c\\$d\\n\"",
    "a\\ b", "\\\n", "\\x", "'a\\b'", "'abc", "abc\\", "\"a\\\"", "a#b # c", "a\u00a0b",
    "echo \"it's\"", "'it'\\''s'", "a\"\"b", "\"\"", "''", "a ''", "\\'", "\\\"", "\"\\'\"",
]


def shlex_rows() -> List[Dict[str, Any]]:
    rows: List[Dict[str, Any]] = []
    texts = list(SHLEX_FIXED)
    for _ in range(400):
        texts.append("".join(rng.choice(SHELL_ALPHABET) for _ in range(rng.randint(0, 16))))
    for text in texts:
        try:
            rows.append({"kind": "split", "text": text, "split": shlex.split(text)})
        except ValueError as e:
            rows.append({"kind": "split", "text": text, "error": str(e)})
    words = ["", "git", "a b", "it's", "é", "-rf", "a=b,c:d/e.f-g@h%i+j_k", "$HOME", "x\ny"]
    words += [chr(c) for c in range(32, 127)]
    for _ in range(100):
        words.append("".join(rng.choice(SHELL_ALPHABET + list("AZ09_@%+,:")) for _ in range(rng.randint(0, 8))))
    for word in words:
        rows.append({"kind": "quote", "text": word, "quote": shlex.quote(word)})
    return rows


# --------------------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------------------

STRING_ALPHABET = (
    [chr(c) for c in range(0, 0x20)]
    + list("aZ09 \"\\/'{}[]:,")
    + ["\x7f", "\x80", "\x85", "\u00a0", "é", "漢", "\u2028", "\u2029", "\ufeff", "😀", "\U0001f600", "\u200b"]
)

FLOAT_FIXED = [
    0.0, -0.0, 5.0, -2.5, 0.1, 0.2 + 0.1, 1e16, 1e15, 9999999999999998.0, 1e17, 1.5e16, 1e-4, 1e-5,
    0.00012345, 1e-7, 1e22, 1e23, 2.0 ** 53, 2.0 ** 63, 2.0 ** 64, 1.7976931348623157e308,
    5e-324, 2.2250738585072014e-308, 123456789.123, 1e300, 3.14159, 100.0, 1234567890123456.7,
]


def random_float() -> float:
    pick = rng.random()
    if pick < 0.4:
        return rng.uniform(-1, 1) * 10 ** rng.randint(-30, 30)
    if pick < 0.6:
        return float(rng.randint(-10**6, 10**6)) * 10 ** rng.randint(-8, 20)
    while True:
        (f,) = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))
        if math.isfinite(f):
            return f


def random_string(max_len: int = 8) -> str:
    return "".join(rng.choice(STRING_ALPHABET) for _ in range(rng.randint(0, max_len)))


def random_json(depth: int = 0) -> Any:
    pick = rng.random()
    if depth < 3 and pick < 0.15:
        return [random_json(depth + 1) for _ in range(rng.randint(0, 4))]
    if depth < 3 and pick < 0.3:
        return {random_string(4): random_json(depth + 1) for _ in range(rng.randint(0, 4))}
    if pick < 0.45:
        return random_string()
    if pick < 0.6:
        return rng.choice([rng.randint(-1000, 1000), rng.randint(-2**63, 2**63 - 1), rng.randint(0, 2**64 - 1)])
    if pick < 0.85:
        return random_float()
    return rng.choice([None, True, False])


def json_rows() -> List[Dict[str, Any]]:
    # No unassigned code points (e.g. U+FFFF): the Rust `str()` prints them raw (see json.rs).
    values: List[Any] = [
        {"b": {"y": 1, "x": [True, None]}, "a": "é", "A": "", "é": 1, "\u00e9\u0301": 2, "😀": 3},
        "".join(STRING_ALPHABET),
        FLOAT_FIXED,
        [0, -1, 2**63 - 1, -2**63, 2**64 - 1],
        {"nested": {"z": {"b": [], "a": {}}, "env": {"B": 1, "A": 2}}},
        [[], {}, "", [[[]]]],
    ]
    values += [random_json() for _ in range(300)]
    # Float repr in bulk: random bit patterns and decimal-looking values of every magnitude.
    values.append([random_float() for _ in range(800)])
    rows = []
    for v in values:
        text = json.dumps(v, ensure_ascii=False)
        rows.append(
            {
                "json": text,
                "canonical": json.dumps(v, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
                "python": json.dumps(v, ensure_ascii=False),
                "sorted_python": json.dumps(v, ensure_ascii=False, sort_keys=True),
                "str": str(v),
            }
        )
    return rows


# --------------------------------------------------------------------------------------
# Guard and intent
# --------------------------------------------------------------------------------------

GUARD_TOKENS = [
    "rm", "-rf", "-r", "-f", "-R", "-fr", "-Rf", "--force", "--recursive", "--dir", "--recursive=1", "-", "--",
    "/", "/tmp/x", "~", "~/x", "~x", " /x", " ~ ", "x", "sudo", "/usr/bin/sudo", "sudo/", "bash", "sh", "zsh",
    "fish", "/bin/sh", "dash", "-c", "-lc", "-x", "env", "/usr/bin/env", "A=1", "-i", "B=2=3", "=", "systemctl",
    "reboot", " HALT ", "PowerOff", "status", "chmod", "chown", "chgrp", "/bin/chmod", "useradd", "mkfs",
    "mkfs.ext4", "dd", "add", "shutdown", "poweroff", "halt", "ls", "", ".", "..", "é", "\u3000rm",
    "sudo ls", "rm -rf /", "sh -c 'sudo x'", "'unterminated", "rm -rf ~/x", "bash -c \"sudo ls\"",
    "  rm -r -f /etc  ", "env X=1 sudo", "chmod 777 x", "trailing\\",
]

GUARD_FIXED = [
    [], [""], ["useradd", "bob"], ["mkfs.ext4", "/dev/x"], ["bash", "-c", "sudo ls"],
    ["env", "A=1", "sh", "-c", "rm -rf ~/x"], ["rm", "-r", "-f", "/"], ["bash", "-lc", "sudo ls"],
    ["env", "-i", "sh", "-c", "sudo ls"], ["sh", "-c", "sh -c 'bash -c \"sudo ls\"'"], ["sh", "-c"],
    ["sh", "-c", "   "], ["env"], ["env", "A=1"], ["systemctl", "reboot"], ["/sbin/halt"], ["chown", "a", "b"],
    ["rm", "-rf", "-", "/"], ["rm", "--recursive=yes", "-f", "/"], ["rm", "-rf", "x", "~y"],
]


def guard_rows() -> List[Dict[str, Any]]:
    argvs = [list(a) for a in GUARD_FIXED]
    for _ in range(500):
        argvs.append([rng.choice(GUARD_TOKENS) for _ in range(rng.randint(1, 6))])
    rows = []
    for argv in argvs:
        risk = evaluate_command_risk(argv)
        rows.append({"argv": argv, "risk_level": risk.risk_level, "reason": risk.reason})
    return rows


INTENT_FIXED = [
    "", "  ", "pytest -q", "ls | wc -l", "a && b", "a || b", "a; b", "a ;b", "a;b", "a |& b", "a & b",
    "a >out", "a 2>out", "a <in", "echo `id`", "echo $(id)", "a\nb", "echo 'x", "echo \"a b\" 'c d'",
    "a ';'", "x\\", "\u000b", "pytest && rm -rf /", "sudo ls", "rm -rf ~/x",
]


def intent_rows() -> List[Dict[str, Any]]:
    texts = list(INTENT_FIXED)
    alphabet = SHELL_ALPHABET + [" ls ", " sudo ", " rm -rf / "]
    for _ in range(300):
        texts.append("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))))
    rows = []
    for text in texts:
        argv, is_complex, reason = descriptors.parse_shellish_command_to_argv(text)
        rows.append({"command": text, "argv": argv, "is_complex": is_complex, "reason": reason})
    return rows


# --------------------------------------------------------------------------------------
# Gate
# --------------------------------------------------------------------------------------

UNGATED = ["file_read", "read_file", "list_dir", "grep_files", "update_plan", "ask_human", "skill_ref_read"]
CUSTOM = ["my_tool", " my_tool "]
DESCRIPTOR_TOOLS = [
    "shell_exec", "shell", "shell_command", "exec_command", "write_stdin", "file_write", "apply_patch", "skill_exec",
]
SECRETS = ["abcd1234", "abc", " s3cret ", "xyz ", "hunter22", "é漢字秘密", "abcd"]


def category_of(tool: str) -> Optional[str]:
    desc = get_builtin_tool_safety_descriptor(tool)
    if desc is not None:
        return desc.policy_category
    if tool in CUSTOM:
        return "custom"
    if tool in UNGATED:
        return "none"
    return None


def get_descriptor(tool: str):
    desc = get_builtin_tool_safety_descriptor(tool)
    if desc is not None:
        return desc
    if tool in CUSTOM or tool in UNGATED:
        return PassthroughDescriptor()
    raise KeyError(tool)


_DEFAULT_INTENT = {
    "bundle_root": None, "bundle_sha256": None, "argv": [], "timeout_ms": None, "env_keys": [], "resolve_error": None,
}


def _fake_resolve_action_intent(self, *, mention_str: str, action_str: str, skills_manager: Any) -> Dict[str, Any]:
    """The skill lookup replaced by the resolved intent under test (the Rust API's input)."""
    if skills_manager is not None and mention_str and action_str:
        out = dict(skills_manager)
        out["env_keys"] = sorted(out["env_keys"])
        return out
    return dict(_DEFAULT_INTENT)


descriptors.SkillExecDescriptor._resolve_action_intent = _fake_resolve_action_intent

PREFIXES = ["git status", "git", "pytest", "ls", " rm -rf ", "", "  ", "echo 'a b'", "sudo", "rm", "echo", "sh -c"]


def random_safety() -> Dict[str, Any]:
    return {
        "mode": rng.choice(["allow", "ask", "ask", "deny"]),
        "allowlist": rng.sample(PREFIXES, rng.randint(0, 3)),
        "denylist": rng.sample(PREFIXES, rng.randint(0, 2)),
        "tool_allowlist": rng.sample(["my_tool", " my_tool ", "other", ""], rng.randint(0, 2)),
        "tool_denylist": rng.sample(["my_tool", "other", ""], rng.randint(0, 1)),
    }


ODD_VALUES = [None, True, False, 0, 1, 0.0, 2.5, "", " ", "x", [], {}, ["a"], {"k": 1}, 1e16, 5000, 5000.0]


def maybe(args: Dict[str, Any], key: str, values: List[Any], p: float = 0.5) -> None:
    if rng.random() < p:
        args[key] = rng.choice(values)


def random_argv() -> Any:
    if rng.random() < 0.1:
        return rng.choice([None, "ls", ["ls", 1], [], 5])
    return [rng.choice(GUARD_TOKENS + SECRETS) for _ in range(rng.randint(1, 5))]


def random_command() -> Any:
    if rng.random() < 0.1:
        return rng.choice([None, ["ls"], 5, "", "   "])
    if rng.random() < 0.5:
        return rng.choice(INTENT_FIXED + [" git status -s ", "git statusx", "echo 'a b' c", "/usr/bin/git status"])
    return " ".join(rng.choice(GUARD_TOKENS + SECRETS + ["|", "&&", ">x", "$(x)"]) for _ in range(rng.randint(1, 4)))


def random_env() -> Any:
    if rng.random() < 0.2:
        return rng.choice(["A=1", ["A"], None])
    return {rng.choice(["B", "A", "é", "TOKEN", "a", "Z"]): rng.choice(SECRETS + [1]) for _ in range(rng.randint(0, 3))}


def common_shell_args(args: Dict[str, Any]) -> None:
    maybe(args, "timeout_ms", ODD_VALUES)
    maybe(args, "env", [random_env()])
    maybe(args, "sandbox", [" restricted ", "inherit", "", "  ", 5, None])
    maybe(args, "sandbox_permissions", [" Require_Escalated ", "require_escalated", "x", "", 1, None], 0.3)
    maybe(args, "justification", [" why ", "  ", 3, "because é"], 0.3)


PATCHES = [
    "*** Begin Patch\n*** Add File: a.txt\n+hi\n*** End Patch",
    "*** Begin Patch\r\n*** Update File: src/x.rs\r\n*** Move to:  src/y.rs \r\n@@\n-a\n+b\n*** End Patch\r\n",
    "  *** Delete File: gone.txt  \u2028*** Add File: é.txt\x0b*** Add File:   \n*** Add File:x",
    "*** Update File: a\x1c*** Delete File: b\x85*** Move to: c\u2029*** Add File: d\x0c*** Add File: e",
    "",
]


def random_args(tool: str) -> Dict[str, Any]:
    args: Dict[str, Any] = {}
    if tool == "shell_exec":
        maybe(args, "argv", [random_argv()], 0.95)
        maybe(args, "cwd", ["src", " x ", 3, None, "é"])
        maybe(args, "tty", ODD_VALUES)
        common_shell_args(args)
    elif tool == "shell":
        maybe(args, "command", [random_argv()], 0.95)
        maybe(args, "workdir", ["src", 3, None])
        maybe(args, "tty", ODD_VALUES)
        common_shell_args(args)
    elif tool == "shell_command":
        maybe(args, "command", [random_command()], 0.95)
        maybe(args, "workdir", ["src", 3, None])
        common_shell_args(args)
    elif tool == "exec_command":
        maybe(args, "cmd", [random_command()], 0.95)
        maybe(args, "workdir", ["src", None])
        maybe(args, "yield_time_ms", ODD_VALUES)
        maybe(args, "max_output_tokens", ODD_VALUES)
        maybe(args, "tty", ODD_VALUES)
        common_shell_args(args)
    elif tool == "write_stdin":
        maybe(args, "session_id", [1, 2.0, "1", None], 0.9)
        maybe(args, "chars", ["y\n", "", None, 5, "é漢\x00", "abcd1234"], 0.8)
        maybe(args, "yield_time_ms", ODD_VALUES)
        maybe(args, "max_output_tokens", ODD_VALUES)
    elif tool == "file_write":
        maybe(args, "path", ["a.txt", "notes/é.txt", None, 7, "../x"], 0.95)
        maybe(args, "content", ["secret", "", "ünï\n", None, 5, "abcd1234 inside"], 0.9)
        maybe(args, "create_dirs", [True, False, None, 0, "yes"], 0.4)
        maybe(args, "mkdirs", [True, False, None, 0, ""], 0.4)
        maybe(args, "sandbox_permissions", [" Require_Escalated ", "require_escalated", "x", "", None], 0.3)
        maybe(args, "justification", [" why ", "  ", 3], 0.3)
    elif tool == "apply_patch":
        maybe(args, "input", PATCHES + [None, 5], 0.95)
    elif tool == "skill_exec":
        maybe(args, "skill_mention", ["$[acme:docs].writer", " $[acme:docs].writer ", "", "  ", 5], 0.95)
        maybe(args, "action_id", ["build", " build ", "", 1], 0.95)
    else:
        for _ in range(rng.randint(0, 4)):
            args[rng.choice(["q", "path", "argv", "command", "cmd", "env", "nested", "n", "abcd1234"])] = rng.choice(
                [
                    random_json(1),
                    rng.choice(SECRETS),
                    "use abcd1234 and hunter22 and é漢字秘密",
                    {"env": random_env(), "x": ["s3cret", {"env": {"Q": 1}}]},
                    random_env(),
                    [rng.choice(SECRETS), 1, None, 2.5, ["x"]],
                ]
            )
    return args


def random_skill_action() -> Optional[Dict[str, Any]]:
    if rng.random() < 0.25:
        return None
    return {
        "bundle_root": rng.choice(["/ws/skills/writer", None, "/ws/é"]),
        "bundle_sha256": rng.choice([None, "ab" * 32]),
        "argv": rng.choice([[], ["python", "/ws/skills/writer/actions/build.py"], ["sudo", "x"], ["rm", "-rf", "/"]]),
        "timeout_ms": rng.choice([None, 1000, -5, 2**40]),
        "env_keys": rng.sample(["B", "A", "é", "Z"], rng.randint(0, 3)),
        "resolve_error": rng.choice([None, "argv_path_escape", "not_a_single_full_token"]),
    }


GATE_FIXED = [
    ("shell_exec", {"argv": ["echo", "hi"]}),
    ("shell_exec", {"argv": ["rm", "-rf", "/tmp/x"]}),
    ("shell_exec", {"argv": ["git", "push"], "env": {"TOKEN": "abcd1234"}, "timeout_ms": 5000}),
    ("shell_exec", {"argv": ["ls"], "timeout_ms": 1e16, "cwd": "é/\x01", "tty": 1}),
    ("shell_exec", {"argv": ["git", "status", "-s"], "sandbox_permissions": "require_escalated"}),
    ("shell_exec", {"argv": ["/usr/bin/git", "status"]}),
    ("shell_exec", {"argv": ["curl", "-H", "token: abcd1234"], "cwd": "abcd1234"}),
    ("shell_command", {"command": "echo abcd1234 | wc"}),
    ("shell_exec", {"argv": ["git", "statusx"]}),
    ("file_write", {"path": "a.txt", "content": "secret"}),
    ("file_write", {"path": "notes/é.txt", "content": "ünï", "justification": " why "}),
    ("shell_command", {"command": "pytest -q"}),
    ("shell_command", {"command": "ls | wc -l", "workdir": "src"}),
    ("shell_command", {"command": "pytest && rm -rf /"}),
    ("exec_command", {"cmd": "python -i"}),
    ("apply_patch", {"input": PATCHES[0]}),
    ("write_stdin", {"session_id": 1, "chars": "y\n"}),
    ("my_tool", {"q": "x", "env": {"B": "1", "A": "2"}}),
    ("file_read", {"path": "a.txt", "env": {"X": "abcd1234"}, "note": "abcd1234"}),
    ("nope", {"path": "a.txt"}),
    ("skill_exec", {"skill_mention": "$[acme:docs].writer", "action_id": "build"}),
]

FIXED_SAFETY = [
    {"mode": "ask", "allowlist": [], "denylist": [], "tool_allowlist": [], "tool_denylist": []},
    {"mode": "allow", "allowlist": [], "denylist": [], "tool_allowlist": [], "tool_denylist": []},
    {"mode": "ask", "allowlist": ["git status", "pytest", "git"], "denylist": [], "tool_allowlist": ["my_tool"],
     "tool_denylist": []},
    {"mode": "deny", "allowlist": [], "denylist": ["rm"], "tool_allowlist": [], "tool_denylist": ["my_tool"]},
]


def gate_row(tool: str, args: Dict[str, Any], safety: Dict[str, Any], secrets: List[str],
             skill_action: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    args_json = json.dumps(args, ensure_ascii=False)
    parsed = json.loads(args_json)
    gate = SafetyGate(
        safety_config=AgentSdkSafetyConfig(**safety),
        get_descriptor=get_descriptor,
        skills_manager=skill_action,
        is_custom_tool=lambda name: name in CUSTOM,
    )
    call = ToolCall(call_id="c1", name=tool, args=parsed)
    decision = gate.evaluate(call)
    logged = gate.sanitize_for_event(call, redaction_values=list(secrets))
    summary, request = gate.sanitize_for_approval(call, redaction_values=list(secrets))
    return {
        "tool": tool,
        "category": category_of(tool),
        "args_json": args_json,
        "safety": safety,
        "secrets": secrets,
        "skill_action": skill_action,
        "action": decision.action,
        "reason": decision.reason,
        "rule": decision.matched_rule,
        "logged_json": json.dumps(logged, ensure_ascii=False),
        "summary": summary,
        "request_json": json.dumps(request, ensure_ascii=False),
        "approval_key": compute_approval_key(tool=tool, request=request),
    }


def gate_rows() -> List[Dict[str, Any]]:
    rows = []
    for tool, args in GATE_FIXED:
        for safety in FIXED_SAFETY:
            action = {"argv": ["python", "/ws/skills/writer/actions/build.py"], "bundle_root": "/ws/skills/writer",
                      "bundle_sha256": None, "timeout_ms": 1000, "env_keys": ["B", "A"], "resolve_error": None}
            rows.append(gate_row(tool, args, safety, ["abcd1234"], action if tool == "skill_exec" else None))
    tools = DESCRIPTOR_TOOLS * 3 + CUSTOM + UNGATED[:3] + ["nope"]
    for _ in range(500):
        tool = rng.choice(tools)
        secrets = rng.sample(SECRETS, rng.randint(0, 3))
        action = random_skill_action() if tool == "skill_exec" else None
        rows.append(gate_row(tool, random_args(tool), random_safety(), secrets, action))
    return rows


def main() -> None:
    version = importlib.metadata.version("skills-runtime-sdk")
    if version != EXPECTED_VERSION:
        sys.exit(f"expected skills-runtime-sdk {EXPECTED_VERSION}, found {version}")
    # Unknown tools make the gate log a traceback per case; the denial itself is what we record.
    logging.getLogger("skills_runtime.safety.gate").disabled = True
    OUT.mkdir(parents=True, exist_ok=True)
    write_jsonl("shlex.jsonl", shlex_rows())
    write_jsonl("json.jsonl", json_rows())
    write_jsonl("guard.jsonl", guard_rows())
    write_jsonl("intent.jsonl", intent_rows())
    write_jsonl("gate.jsonl", gate_rows())


if __name__ == "__main__":
    main()
