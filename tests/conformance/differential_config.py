#!/usr/bin/env python3
"""Differential test of runtime.yaml loading: random overlays judged by the reference's loader
(PyYAML + pydantic, as `skills preflight` loads them) and by ours
(`runtime/examples/verdicts.rs config`).

    /tmp/refvenv/bin/python tests/conformance/differential_config.py [--seed N] [--count N]

Prints every disagreement in the load verdict (ok / which CLI_* code). Never run by CI.
"""
import sys

import yaml
from pydantic import ValidationError
from skills_runtime.config.defaults import load_default_config_dict
from skills_runtime.config.loader import load_config_dicts

from differential_common import run

VALUES = ['1', '0', '-1', '"1"', "'10'", '1.0', '1.5', '"1.5"', 'true', 'false', 'yes', 'no', 'on', 'off', '"yes"', '"true"',
          '"on"', '"t"', '"y"', '"2"', 'null', '~', '""', '"  "', 'x', '"x"', '[]', '[a]', '[1]', '{}', '{a: 1}', '2024-01-01',
          '0x10', '017', '1_000', '1:30', '.inf', '.nan', '"always"', 'always', 'ttl', 'TTL', 'PROD', 'prod', 'dev', '" dev "',
          'balanced', 'restricted', 'none', 'auto', 'bubblewrap', 'ask', 'allow', 'deny', '"ask"', '0.5', '100000',
          '"acme:docs"', 'acme', '"Acme"', '"a:b"', '"web\\n"', 'filesystem', 'redis', '!!str 5', '!!int "5"', '=']
PATHS = [
    ('config_version',), ('run', 'max_steps'), ('run', 'max_wall_time_sec'), ('run', 'resume_strategy'),
    ('run', 'context_recovery', 'mode'), ('run', 'context_recovery', 'compaction_history_max_chars'),
    ('safety', 'mode'), ('safety', 'allowlist'), ('safety', 'approval_timeout_ms'), ('llm', 'base_url'),
    ('llm', 'timeout_sec'), ('llm', 'retry', 'max_retries'), ('llm', 'retry', 'jitter_ratio'), ('llm', 'retry', 'base_delay_sec'),
    ('models', 'planner'), ('sandbox', 'profile'), ('sandbox', 'default_policy'), ('sandbox', 'os', 'mode'),
    ('sandbox', 'os', 'bubblewrap', 'unshare_net'), ('skills', 'scan', 'max_depth'), ('skills', 'scan', 'ignore_dot_entries'),
    ('skills', 'scan', 'refresh_policy'), ('skills', 'scan', 'ttl_sec'), ('skills', 'scan', 'max_frontmatter_bytes'),
    ('skills', 'injection', 'max_bytes'), ('skills', 'bundles', 'max_files'), ('skills', 'actions', 'enabled'),
    ('skills', 'references', 'default_max_bytes'), ('skills', 'versioning', 'enabled'), ('skills', 'versioning', 'strategy'),
    ('skills', 'strictness', 'unknown_mention'), ('skills', 'env_var_missing_policy'), ('prompt', 'profile'),
    ('prompt', 'include_skills_list'), ('prompt', 'history', 'mode'), ('prompt', 'tools', 'exposure'),
    ('skills', 'spaces'), ('skills', 'sources'), ('run',), ('skills',), ('sandbox',), ('prompt', 'system_text'),
]
SPACE_FIELDS = ['id', 'namespace', 'sources', 'enabled', 'account', 'extra']
SOURCE_FIELDS = ['id', 'type', 'options', 'extra']


def render(path, value, indent=0):
    pad = '  ' * indent
    if len(path) == 1:
        return f'{pad}{path[0]}: {value}\n'
    return f'{pad}{path[0]}:\n' + render(path[1:], value, indent + 1)


def random_item(rng, fields):
    keys = rng.sample(fields, rng.randint(0, len(fields)))
    return '{' + ', '.join(f'{k}: {rng.choice(VALUES)}' for k in keys) + '}'


def random_overlay(rng):
    parts = []
    for _ in range(rng.randint(1, 3)):
        path = rng.choice(PATHS)
        if path == ('skills', 'spaces') and rng.random() < 0.7:
            value = '[' + ', '.join(random_item(rng, SPACE_FIELDS) for _ in range(rng.randint(0, 2))) + ']'
        elif path == ('skills', 'sources') and rng.random() < 0.7:
            value = '[' + ', '.join(random_item(rng, SOURCE_FIELDS) for _ in range(rng.randint(0, 2))) + ']'
        else:
            value = rng.choice(VALUES)
        parts.append(render(path, value))
    if rng.random() < 0.1:
        parts.append('bogus: 1\n')
    return ''.join(parts)


def reference_verdict(text):
    try:
        obj = yaml.safe_load(text) or {}
    except yaml.YAMLError:
        return 'CLI_OVERLAY_LOAD_FAILED'
    except Exception:  # noqa: BLE001
        return 'crash'
    if not isinstance(obj, dict):
        return 'CLI_OVERLAY_INVALID'
    try:
        load_config_dicts([load_default_config_dict(), obj])
        return 'ok'
    except ValidationError:
        return 'CLI_CONFIG_INVALID'
    except Exception:  # noqa: BLE001
        return 'CLI_CONFIG_LOAD_FAILED'


def agree(ref, ours):
    """Ours may name several causes; the reference names the first layer that fails."""
    return (ref == 'ok') == (ours == 'ok') and (ref == 'ok' or ref in ours.split(','))


if __name__ == '__main__':
    sys.exit(run('config', random_overlay, reference_verdict, agree))
