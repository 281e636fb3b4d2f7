//! SK4xx — `config/runtime.yaml` and its overlays, validated like the reference's loader
//! (layers A and B), its `sandbox.profile` expansion (B') and `skills preflight` (C).
//! The checks themselves live in [`crate::config`]; this module holds the rules.

use super::{Rule, rule};

pub static RULES: &[&Rule] = &[
    &CONFIG_YAML,
    &CONFIG_NOT_MAPPING,
    &CONFIG_NOT_FOUND,
    &UNKNOWN_KEY,
    &INVALID_VALUE,
    &LEGACY_FIELD,
    &SANDBOX_PROFILE,
    &DUPLICATE_SPACE_ID,
    &DUPLICATE_SOURCE_ID,
    &SPACE_SOURCE_NOT_FOUND,
    &UNKNOWN_SOURCE_TYPE,
    &INVALID_SOURCE_OPTION,
    &MISSING_SOURCE_OPTION,
    &INVALID_ENV_VAR_NAME,
    &VERSIONING_IGNORED,
    &DOTENV,
    &NO_EFFECT,
];

const NOT_LOADED: &str = "The runtime refuses the whole configuration: `skills preflight` and `skills scan` report the error and exit non-zero, and no agent can start.";

rule!(CONFIG_YAML {
    code: "SK401",
    name: "config-yaml",
    severity: Error,
    summary: "A config overlay is not valid YAML",
    explanation: "Every overlay is read with PyYAML `safe_load`; a syntax error (or a tag it cannot construct) stops configuration loading. Fix the YAML at the reported position.",
    runtime: NOT_LOADED,
    runtime_code: "CLI_OVERLAY_LOAD_FAILED",
});

rule!(CONFIG_NOT_MAPPING {
    code: "SK402",
    name: "config-not-mapping",
    severity: Error,
    summary: "A config overlay's top level is not a mapping",
    explanation: "An overlay must be a YAML mapping (or empty). A top-level list or scalar is refused. Fix: write `skills:` etc. as top-level keys.",
    runtime: NOT_LOADED,
    runtime_code: "CLI_OVERLAY_INVALID",
});

rule!(CONFIG_NOT_FOUND {
    code: "SK403",
    name: "config-not-found",
    severity: Error,
    summary: "An overlay named by `--config` or `SKILLS_RUNTIME_SDK_CONFIG_PATHS` does not exist",
    explanation: "Overlay paths given explicitly must exist; relative paths resolve against the workspace root, not the current directory. Fix the path.",
    runtime: NOT_LOADED,
    runtime_code: "CLI_OVERLAY_NOT_FOUND",
});

rule!(UNKNOWN_KEY {
    code: "SK404",
    name: "config-unknown-key",
    severity: Error,
    summary: "A key the runtime's config schema does not have",
    explanation: "The reference validates the merged configuration with pydantic models that forbid extra keys at every level, so a misspelt key (`soruces`) or a key from another tool is an error, not something ignored. This is also why skills-lsp's own settings live in `skills-lsp.toml`. Fix: use the suggested key or remove it.",
    runtime: NOT_LOADED,
    runtime_code: "CLI_CONFIG_INVALID",
});

rule!(INVALID_VALUE {
    code: "SK405",
    name: "config-invalid-value",
    severity: Error,
    summary: "A config value has the wrong type, is out of range, or is missing",
    explanation: "Types follow pydantic: `StrictInt`/`StrictBool` keys (`skills.scan.*`, `skills.bundles.*`, `versioning.enabled`) reject quoted values, lax `int`/`bool` keys accept `\"10\"` or `\"yes\"`, strings reject numbers (`id: 123`), enumerations are case-sensitive, `null` is only allowed where documented, and `spaces[]` need `id` and `namespace`, `sources[]` need `id` and `type`. Namespaces must be 1–7 `:`-separated segments of `a-z0-9-` (2–64 characters, alphanumeric at both ends). Fix the value as the message says.",
    runtime: NOT_LOADED,
    runtime_code: "CLI_CONFIG_INVALID",
});

rule!(LEGACY_FIELD {
    code: "SK406",
    name: "config-legacy-field",
    severity: Error,
    summary: "A legacy key that the runtime now rejects",
    explanation: "`skills.spaces[].account` and `.domain` were replaced by `namespace`; `llm.max_retries` moved to `llm.retry.max_retries`; `skills.roots` and `skills.mode` are gone. Fix: use the current key.",
    runtime: NOT_LOADED,
    runtime_code: "CLI_CONFIG_INVALID",
});

rule!(SANDBOX_PROFILE {
    code: "SK407",
    name: "sandbox-profile",
    severity: Error,
    summary: "`sandbox.profile` is not `dev`, `balanced` or `prod`",
    explanation: "The runtime expands `sandbox.profile` before schema validation; a value that is not one of the presets (after lower-casing) fails loading with `CLI_CONFIG_LOAD_FAILED`, and an upper-case preset name passes expansion but then fails the schema (`CLI_CONFIG_INVALID`). Fix: write `dev`, `balanced` or `prod` in lower case.",
    runtime: NOT_LOADED,
    runtime_code: "CLI_CONFIG_LOAD_FAILED",
});

rule!(DUPLICATE_SPACE_ID {
    code: "SK408",
    name: "duplicate-space-id",
    severity: Error,
    summary: "Two skill spaces share an id",
    explanation: "Space ids must be unique; `skills preflight` reports the later one. Fix: rename one of them.",
    runtime: "`skills preflight` fails (exit 10).",
    runtime_code: "SKILL_CONFIG_DUPLICATE_SPACE_ID",
});

rule!(DUPLICATE_SOURCE_ID {
    code: "SK409",
    name: "duplicate-source-id",
    severity: Error,
    summary: "Two skill sources share an id",
    explanation: "Source ids must be unique; preflight reports the later one, and the scan silently uses the last definition for every space that references the id. Fix: rename one of them.",
    runtime: "`skills preflight` fails; the scan uses only the last definition.",
    runtime_code: "SKILL_CONFIG_DUPLICATE_SOURCE_ID",
});

rule!(SPACE_SOURCE_NOT_FOUND {
    code: "SK410",
    name: "space-source-not-found",
    severity: Error,
    summary: "A space lists a source id that no source has",
    explanation: "Every id in `spaces[].sources` must name an entry of `skills.sources`, even in a disabled space. At scan time one dangling reference makes the runtime scan nothing at all. Fix: correct the id or add the source.",
    runtime: "`skills preflight` fails and the scan reports `SKILL_SCAN_METADATA_INVALID` without scanning any source.",
    runtime_code: "SKILL_CONFIG_SPACE_SOURCE_NOT_FOUND",
});

rule!(UNKNOWN_SOURCE_TYPE {
    code: "SK411",
    name: "unknown-source-type",
    severity: Error,
    summary: "A source type other than filesystem, in-memory, redis or pgsql",
    explanation: "The schema accepts any string as `type`, but preflight and the scan only know `filesystem`, `in-memory`, `redis` and `pgsql` (case-sensitive). An unknown type makes the scan refuse to scan anything. Fix the type.",
    runtime: "`skills preflight` fails and the scan reports `SKILL_SCAN_METADATA_INVALID` without scanning any source.",
    runtime_code: "SKILL_CONFIG_UNKNOWN_SOURCE_TYPE",
});

rule!(INVALID_SOURCE_OPTION {
    code: "SK412",
    name: "invalid-source-option",
    severity: Error,
    summary: "A required source option is not a non-blank string",
    explanation: "`root`, `namespace`, `dsn_env`, `key_prefix`, `schema` and `table` must be non-empty strings. Fix: quote the value or fill it in.",
    runtime: "`skills preflight` fails; the scan reports the source as invalid.",
    runtime_code: "SKILL_CONFIG_INVALID_OPTION",
});

rule!(MISSING_SOURCE_OPTION {
    code: "SK413",
    name: "missing-source-option",
    severity: Error,
    summary: "A source lacks a required option",
    explanation: "filesystem needs `root`; in-memory needs `namespace`; redis needs `dsn_env` and `key_prefix`; pgsql needs `dsn_env`, `schema` and `table`. Fix: add the option under `options:`.",
    runtime: "`skills preflight` fails; the scan reports the source as invalid.",
    runtime_code: "SKILL_CONFIG_MISSING_REQUIRED_OPTION",
});

rule!(INVALID_ENV_VAR_NAME {
    code: "SK414",
    name: "invalid-env-var-name",
    severity: Error,
    summary: "`dsn_env` is not an environment variable name",
    explanation: "`dsn_env` names the environment variable that holds the DSN (it is not the DSN itself) and must match `^[A-Z_][A-Z0-9_]*$`. Fix: e.g. `dsn_env: REDIS_URL`.",
    runtime: "`skills preflight` fails.",
    runtime_code: "SKILL_CONFIG_INVALID_ENV_VAR_NAME",
});

rule!(VERSIONING_IGNORED {
    code: "SK415",
    name: "versioning-ignored",
    severity: Warning,
    summary: "`skills.versioning` is a placeholder with no effect",
    explanation: "Versioning is not implemented by the runtime; enabling it or setting a strategy changes nothing, and preflight warns (exit 12). Fix: remove the section.",
    runtime: "`skills preflight` warns and exits 12.",
    runtime_code: "SKILL_CONFIG_VERSIONING_IGNORED",
});

rule!(DOTENV {
    code: "SK416",
    name: "dotenv",
    severity: Error,
    summary: "The `.env` file named by `SKILLS_RUNTIME_SDK_ENV_FILE` cannot be loaded",
    explanation: "When `SKILLS_RUNTIME_SDK_ENV_FILE` is set, the file it names must exist (relative paths resolve against the workspace root); otherwise the runtime stops before loading any config. Fix the variable or create the file.",
    runtime: "The runtime reports `CLI_DOTENV_LOAD_FAILED` and loads no config.",
    runtime_code: "CLI_DOTENV_LOAD_FAILED",
});

rule!(NO_EFFECT {
    code: "SK417",
    name: "config-no-effect",
    severity: Info,
    summary: "A config key that is accepted but never read",
    explanation: "`skills.strictness.*` looks like a switch, but the runtime never reads it: mention handling is always strict. Fix: remove it to avoid misleading readers.",
    runtime: "No effect.",
});
