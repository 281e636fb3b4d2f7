//! The SKILL.md frontmatter keys the runtime (and the Agent Skills spec) know, with what the
//! runtime does with each: the text of completion documentation and hovers.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Scalar,
    Mapping,
    List,
}

#[derive(Debug)]
pub(crate) struct FrontmatterKey {
    /// The key's path: `["metadata", "short-description"]`; `*` matches any key (action ids).
    pub path: &'static [&'static str],
    pub shape: Shape,
    pub required: bool,
    /// Offered by completion (keys the runtime ignores or overwrites are explained on hover,
    /// never suggested).
    pub suggest: bool,
    /// One line for completion details.
    pub summary: &'static str,
    /// What the runtime does with it (Markdown).
    pub doc: &'static str,
}

macro_rules! key {
    ($path:expr, $shape:ident, $required:expr, $suggest:expr, $summary:literal, $doc:literal) => {
        FrontmatterKey {
            path: $path,
            shape: Shape::$shape,
            required: $required,
            suggest: $suggest,
            summary: $summary,
            doc: $doc,
        }
    };
}

pub(crate) static KEYS: &[FrontmatterKey] = &[
    key!(
        &["name"],
        Scalar,
        true,
        true,
        "required · the skill's name",
        "**Required.** The name mentions use: `$[namespace].name`. The runtime trims it, then rejects the whole file (`SKILL_SCAN_METADATA_INVALID`) when it is missing, not a YAML string (unquoted `yes`, `12`, `2024-01-01` are not strings), contains whitespace, or breaks `^[a-z0-9][a-z0-9_-]{0,62}[a-z0-9]$`. By convention it equals the directory name."
    ),
    key!(
        &["description"],
        Scalar,
        true,
        true,
        "required · when to use the skill",
        "**Required.** A non-empty YAML string; the runtime collapses whitespace runs and shows it to the model when it lists skills. A missing, empty or non-string description gets the file rejected (`SKILL_SCAN_METADATA_INVALID`). No length limit in the runtime (the Agent Skills spec caps it at 1024 characters)."
    ),
    key!(
        &["metadata"],
        Mapping,
        false,
        true,
        "optional · extra data",
        "Optional mapping, passed through. The runtime collapses whitespace in `metadata.short-description`; everything else is kept verbatim and shown by `skills scan`."
    ),
    key!(
        &["metadata", "short-description"],
        Scalar,
        false,
        true,
        "one-line summary",
        "A short summary; when it is a non-empty string the runtime collapses its whitespace."
    ),
    key!(
        &["metadata", "generated-by"],
        Scalar,
        false,
        true,
        "tool that generated the skill",
        "Written by skill generators (e.g. Studio); passed through unchanged."
    ),
    key!(
        &["actions"],
        Mapping,
        false,
        true,
        "optional · scripts for `skill_exec`",
        "Optional mapping `action_id → action`, read by the `skill_exec` tool (which needs `skills.actions.enabled: true`). Never validated at scan time: a broken action fails only when it is run (`SKILL_ACTION_DEFINITION_INVALID`)."
    ),
    key!(
        &["actions", "*", "kind"],
        Scalar,
        false,
        true,
        "optional · `shell` (default)",
        "Optional, default `shell`; must be a string, and `shell` (case-insensitive, trimmed) is the only kind the runtime runs."
    ),
    key!(
        &["actions", "*", "argv"],
        List,
        true,
        true,
        "required · the command line",
        "**Required** non-empty list of strings. `argv[0]` is the program; later elements that look like paths (contain `/` or start with `.`) must be relative, start with `actions/`, contain no `..` and name an existing file of the bundle (`SKILL_ACTION_ARGV_PATH_ESCAPE` / `SKILL_ACTION_ARGV_PATH_INVALID` otherwise). They are replaced by absolute paths. The command runs through `shell_exec` with the workspace root as working directory, after approval."
    ),
    key!(
        &["actions", "*", "timeout_ms"],
        Scalar,
        false,
        true,
        "optional · timeout in ms",
        "Optional integer ≥ 1 (strings such as `\"5000\"` are converted)."
    ),
    key!(
        &["actions", "*", "env"],
        Mapping,
        false,
        true,
        "optional · environment variables",
        "Optional mapping of string keys to string, number or boolean values (stringified). The runtime's own `SKILLS_RUNTIME_SDK_*` variables override keys of the same name."
    ),
    key!(
        &["license"],
        Scalar,
        false,
        true,
        "optional · license (Agent Skills)",
        "Defined by the Agent Skills spec (a string). The runtime keeps it as metadata and never interprets it."
    ),
    key!(
        &["compatibility"],
        Scalar,
        false,
        true,
        "optional · environment requirements (Agent Skills)",
        "Defined by the Agent Skills spec: a string of at most 500 characters. The runtime keeps it as metadata."
    ),
    key!(
        &["allowed-tools"],
        Scalar,
        false,
        true,
        "optional · pre-approved tools (Agent Skills)",
        "Defined by the Agent Skills spec: a space-delimited string of tools. The runtime keeps it as metadata and does not enforce it."
    ),
    key!(
        &["version"],
        Scalar,
        false,
        false,
        "passed through",
        "Kept verbatim as metadata; the runtime never interprets it."
    ),
    key!(
        &["tags"],
        List,
        false,
        false,
        "passed through",
        "Kept verbatim as metadata; the runtime never interprets it."
    ),
    key!(
        &["required_env_vars"],
        List,
        false,
        false,
        "ignored here",
        "**Has no effect in frontmatter:** the runtime reads environment dependencies only from `agents/openai.yaml` (`dependencies.tools[]` with `type: env_var`). Move it there."
    ),
    key!(
        &["updated_at"],
        Scalar,
        false,
        false,
        "overwritten",
        "**Overwritten** by the runtime's scan with the file's modification time (UTC, RFC 3339)."
    ),
    key!(
        &["body_markdown"],
        Scalar,
        false,
        false,
        "hidden",
        "**Stripped** from the runtime's scan output, so nobody sees it. Rename the key."
    ),
];

fn path_matches(pattern: &[&str], path: &[String]) -> bool {
    pattern.len() == path.len() && pattern.iter().zip(path).all(|(p, k)| *p == "*" || p == k)
}

/// The key at a path (`["actions", "build", "argv"]`).
pub(crate) fn find(path: &[String]) -> Option<&'static FrontmatterKey> {
    KEYS.iter().find(|k| path_matches(k.path, path))
}

/// Keys that may appear in the mapping at `parent` (`[]`: top level).
pub(crate) fn children(parent: &[String]) -> impl Iterator<Item = &'static FrontmatterKey> + '_ {
    KEYS.iter().filter(move |k| {
        k.path.len() == parent.len() + 1 && path_matches(&k.path[..parent.len()], parent)
    })
}

/// The key's last segment.
pub(crate) fn name(key: &FrontmatterKey) -> &'static str {
    key.path[key.path.len() - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_follow_paths_with_wildcards() {
        let p = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            find(&p(&["actions", "build", "argv"])).unwrap().shape,
            Shape::List
        );
        assert!(find(&p(&["actions", "build"])).is_none());
        let top: Vec<_> = children(&[]).map(name).collect();
        assert!(top.contains(&"name") && top.contains(&"metadata"));
        let action: Vec<_> = children(&p(&["actions", "x"])).map(name).collect();
        assert_eq!(action, ["kind", "argv", "timeout_ms", "env"]);
    }
}
