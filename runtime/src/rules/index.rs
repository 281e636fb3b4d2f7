//! SK5xx — the skill index as the runtime's scan builds it: duplicates, walk limits,
//! symlinks, sources that are missing or not read, skills no source reaches.

use super::{Rule, rule};

pub static RULES: &[&Rule] = &[
    &DUPLICATE_SKILL,
    &SCAN_LIMIT,
    &MISSING_ROOT,
    &SOURCE_NOT_READ,
    &SYMLINK_ESCAPE,
    &SYMLINK_NOT_SKILL_MD,
    &UNREACHABLE_SKILL,
];

rule!(DUPLICATE_SKILL {
    code: "SK501",
    name: "duplicate-skill",
    severity: Error,
    summary: "Two skills have the same name in one namespace",
    explanation: "The runtime identifies a skill by `(namespace, name)` across all enabled spaces and sources. Two SKILL.md files with the same `name` in one namespace — two directories of a root, one source listed twice, two spaces with the same namespace sharing a source — make the scan raise `SKILL_DUPLICATE_NAME`: the scan returns no skills at all, and agent construction fails. Every colliding file is reported here. Fix: rename one skill, or move it to another namespace.",
    runtime: "The whole scan aborts with `SKILL_DUPLICATE_NAME` (no skills; agents cannot be constructed).",
    runtime_code: "SKILL_DUPLICATE_NAME",
});

rule!(SCAN_LIMIT {
    code: "SK502",
    name: "scan-limit",
    severity: Error,
    summary: "A filesystem root has more directories than `skills.scan.max_dirs_per_root`",
    explanation: "The runtime counts every directory it dequeues under a root (the root and too-deep directories included) and stops that root with an error once the count exceeds `skills.scan.max_dirs_per_root` (default 100000; 0 means unlimited). Skills found before the limit are kept, the rest are missing, and the error blocks all mention resolution. Fix: point the source at a narrower root, or raise the limit.",
    runtime: "`SKILL_SCAN_METADATA_INVALID` (\"Skill scan exceeded max directories per root.\"); the rest of that root is not scanned.",
    runtime_code: "SKILL_SCAN_METADATA_INVALID",
});

rule!(MISSING_ROOT {
    code: "SK503",
    name: "missing-root",
    severity: Warning,
    summary: "A filesystem source's root does not exist",
    explanation: "The runtime silently skips a filesystem source whose `root` is missing or not a directory — no error, no skills. Usually a typo or a path relative to the wrong place (relative roots resolve against the workspace root). Fix the path or create the directory.",
    runtime: "The source contributes nothing, silently.",
});

rule!(SOURCE_NOT_READ {
    code: "SK504",
    name: "source-not-read",
    severity: Info,
    summary: "A redis, pgsql or in-memory source was validated but not read",
    explanation: "skills-lsp validates the configuration of redis, pgsql and in-memory sources but does not connect to them, so their skills are unknown here and mentions of them cannot be checked. If the environment variable named by `dsn_env` is not set, the runtime reports `SKILL_SCAN_SOURCE_UNAVAILABLE`, which blocks every mention resolution.",
    runtime: "Read by the runtime at scan time.",
});

rule!(SYMLINK_ESCAPE {
    code: "SK505",
    name: "symlink-escape",
    severity: Error,
    summary: "A SKILL.md symlink points outside its source root",
    explanation: "The runtime follows a symlinked `SKILL.md` only if its canonical target stays inside the canonical source root; otherwise it reports `path_escape`. (Symlinked directories are never followed.) Fix: copy the file into the root or move the root.",
    runtime: "`SKILL_SCAN_METADATA_INVALID` with reason `path_escape`; the skill is left out and mention resolution is blocked.",
    runtime_code: "SKILL_SCAN_METADATA_INVALID",
});

rule!(SYMLINK_NOT_SKILL_MD {
    code: "SK506",
    name: "symlink-not-skill-md",
    severity: Error,
    summary: "A SKILL.md symlink points at a file with another name",
    explanation: "The runtime resolves a symlinked `SKILL.md` and requires the target's file name to be `SKILL.md` too. A link to `template.md` is rejected with reason `文件名必须为 SKILL.md` (file name must be SKILL.md). Fix: link to a file named SKILL.md, or copy the content.",
    runtime: "`SKILL_SCAN_METADATA_INVALID` with reason `文件名必须为 SKILL.md`; mention resolution is blocked.",
    runtime_code: "SKILL_SCAN_METADATA_INVALID",
});

rule!(UNREACHABLE_SKILL {
    code: "SK507",
    name: "unreachable-skill",
    severity: Info,
    summary: "A SKILL.md that no enabled space reaches",
    explanation: "The file was checked because it was named on the command line (or opened in the editor), but no filesystem source of an enabled space reaches it — because of its location, `scan.max_depth`, a dot directory, or a disabled space. The runtime will never load it. Fix: move it under a configured root, or add a source for it.",
    runtime: "Not part of the index.",
});
