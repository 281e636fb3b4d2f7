#!/usr/bin/env python3
"""Differential test of SKILL.md verdicts: random frontmatters judged by the reference runtime
(skills-runtime-sdk, in a throwaway venv) and by our model (`runtime/examples/verdicts.rs skill`).

    python3 -m venv /tmp/refvenv && /tmp/refvenv/bin/pip install skills-runtime-sdk==0.1.12
    /tmp/refvenv/bin/python tests/conformance/differential.py [--seed N] [--count N]

Prints every disagreement. Add the ones worth keeping to generate_reference.py as corpus cases.
Never run by CI.
"""
import os
import sys
import tempfile

from skills_runtime.skills.loader import SkillLoadError, load_skill_metadata_from_path
from skills_runtime.skills.mentions import is_valid_skill_name_slug

from differential_common import run

FRAGMENTS = [
    'name: demo', 'name:\tdemo', 'name: demo\t', 'name: demo # c', 'name: demo\t# c', 'description: d',
    'description:\td', 'description: "a\tb"', "description: 'x'", 'description: |\n  text\n  more',
    'description: >\n  folded\n\ttab', 'description: [a, b]', 'description: {a: b}', 'name: "demo"', "name: 'demo'",
    'name: demo\n  continued', 'description: a\n\tb', '\tname: demo', 'x:\n\t- a', 'x:\n  - a\n  -\tb', 'x: [a,\tb]',
    'x: {a:\tb}', '? name\n: demo', 'name: &a demo', 'description: *a', 'meta:\n  k: v', '# comment', '',
    'name: de:mo', 'name: de: mo', 'description: a: b', 'description: "a: b"', 'name: -demo', 'name: - demo',
    'name: [demo]', 'description: @x', 'description: `x', 'description: %x', 'description: !x', 'description: &x',
    'description: *', 'description: |2\n   x', 'description: >-\n  x\n\n  y', 'name: demo\r', 'description: x\u00a0y',
    'name: "de\\tmo"', 'name: "\\x41"', 'description: "\\u00e9"', 'description: "bad \\q"', 'name: demo\n...',
    "description: 'it''s'", 'k: v\n k2: v2', 'name:demo', 'name :demo', 'name : demo', 'description: x #',
    'description: x#y', 'description: - a', 'description:\n- a\n- b', 'description:\n  - a', 'list:\n- a\n - b',
    'name: 0o17', 'name: 1_0', 'name: 0.', 'name: +1', 'name: .5', 'name: 1e+3', 'name: 12:30:45', 'name: 2024-1-1',
    'name: 2024-01-01 10:00:00', 'name: NULL', 'name: Null', 'name: nULL', 'name: Yes', 'name: yEs', 'name: ON',
    'name: Y', 'name: n', 'name: .NaN', 'name: -.inf', 'description: >\n\n  x', 'description: |\n\n',
    'name: "demo"x', "name: 'de''mo'", 'name: demo\n\n\ndescription: d', '{name: demo, description: d}', '[name]',
    'name: {', 'name: }', 'description: ]', 'description: "unterminated', 'description: x\n  y: z', '  name: demo',
    '  description: d', 'meta: {a: 1,\nb: 2}', 'description: "multi\nline"', "description: 'multi\nline'",
]


def random_doc(rng) -> str:
    body = '\n'.join(rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 5)))
    if rng.random() < 0.7:
        base = 'name: demo\ndescription: d'
        body = base + '\n' + body if rng.random() < 0.5 else body + '\n' + base
    return '---\n' + body + '\n---\nbody\n'


def reference_verdict(text: str) -> str:
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, 'SKILL.md')
        with open(path, 'w', encoding='utf-8', newline='') as f:
            f.write(text)
        try:
            meta = load_skill_metadata_from_path(path)
        except SkillLoadError as e:
            return 'reject:' + e.message
        except Exception:  # noqa: BLE001 - anything else crashes the runtime's scan
            return 'crash'
        if not is_valid_skill_name_slug(meta.skill_name):
            return 'reject:invalid_skill_name_slug'
        return f'ok:{meta.skill_name}|{meta.description}'


if __name__ == '__main__':
    sys.exit(run('skill', random_doc, reference_verdict))
