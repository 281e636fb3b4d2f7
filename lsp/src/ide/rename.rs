//! Renaming a skill: its frontmatter `name:`, every mention in the workspace, and its directory
//! when the directory carries the old name — one change, refused with the reason when the new
//! name is invalid or taken.

use std::path::PathBuf;

use skills_runtime::check::Workspace;
use skills_runtime::mentions::is_valid_skill_name;
use skills_runtime::rules::frontmatter::name_rule_violation;
use skills_runtime::text::{LineCol, SourceRange, TextRange};

use super::completion::{floor_char_boundary, yaml_string};
use super::navigation::{self, SkillTarget};
use super::resolve;
use super::{Document, WorkspaceChange};

fn target(ws: &Workspace, doc: Document, offset: usize) -> Result<SkillTarget, String> {
    let offset = floor_char_boundary(doc.text, offset);
    let t = navigation::target_at(ws, doc, offset).ok_or_else(|| {
        "place the cursor on a mention or on the `name:` of a SKILL.md to rename a skill"
            .to_string()
    })?;
    if t.declarations.is_empty() {
        return Err(format!(
            "`{}` does not resolve to a skill of this workspace, so there is nothing to rename",
            t.name
        ));
    }
    Ok(t)
}

/// The range to rename (the name under the cursor) and the current name.
pub fn prepare_rename(
    ws: &Workspace,
    doc: Document,
    offset: usize,
) -> Result<(TextRange, String), String> {
    let t = target(ws, doc, offset)?;
    Ok((t.origin, t.name))
}

/// Why `new_name` cannot be a skill name, if it cannot.
pub(crate) fn invalid_name_reason(new_name: &str) -> Option<String> {
    if is_valid_skill_name(new_name) {
        return None;
    }
    let why = if new_name.chars().any(char::is_whitespace) {
        "it contains whitespace, which the runtime rejects"
    } else {
        name_rule_violation(new_name)
    };
    Some(format!(
        "`{new_name}` is not a valid skill name: {why} (names are 2-64 characters of `a-z`, `0-9`, `-`, `_`, starting and ending with a letter or digit)"
    ))
}

/// One column to the right on the same line (ASCII).
fn nudge(p: LineCol, by: i64) -> LineCol {
    LineCol {
        line: p.line,
        utf8: (p.utf8 as i64 + by) as u32,
        utf16: (p.utf16 as i64 + by) as u32,
    }
}

/// The edit of a `name:` value: keeps the quotes of a quoted name, quotes a new name that YAML
/// 1.1 would not read as a string (`yes`, `12`), and rewrites odd forms (padding, block
/// scalars) as a plain quoted string.
fn name_value_edit(range: SourceRange, old: &str, new: &str) -> (SourceRange, String) {
    let len = range.bytes.len();
    let plain = yaml_string(new);
    if len == old.len() + 2 && range.start.line == range.end.line && plain == new {
        let inner = SourceRange {
            start: nudge(range.start, 1),
            end: nudge(range.end, -1),
            bytes: TextRange::new(range.bytes.start + 1, range.bytes.end - 1),
        };
        return (inner, new.to_string());
    }
    if len == old.len() {
        return (range, plain);
    }
    (range, format!("\"{new}\""))
}

pub fn rename(
    ws: &Workspace,
    doc: Document,
    offset: usize,
    new_name: &str,
) -> Result<WorkspaceChange, String> {
    let t = target(ws, doc, offset)?;
    if let Some(why) = invalid_name_reason(new_name) {
        return Err(why);
    }
    let mut change = WorkspaceChange::default();
    if new_name == t.name {
        return Ok(change);
    }
    if !t.from_declaration && t.declarations.len() > 1 {
        let files: Vec<String> = t
            .declarations
            .iter()
            .map(|d| format!("`{}`", resolve::shown(ws, &d.path)))
            .collect();
        return Err(format!(
            "`{}` is declared by {} skills ({}); rename it from the `name:` of the one you mean",
            t.name,
            files.len(),
            files.join(", ")
        ));
    }
    let declared = |p: &std::path::Path| t.declarations.iter().any(|d| d.path == p);
    // Renaming one of two duplicates: the mentions keep naming the other one.
    let other_keeps_name = t.namespaces.iter().any(|ns| {
        resolve::skills_for(ws, ns, &t.name)
            .iter()
            .any(|s| !declared(&s.locator))
    });
    if t.any_namespace {
        if let Some(other) = ws
            .index
            .skills
            .iter()
            .find(|s| s.name == new_name && !declared(&s.locator))
        {
            return Err(format!(
                "a skill named `{new_name}` already exists ({})",
                resolve::shown(ws, &other.locator)
            ));
        }
    }
    for ns in &t.namespaces {
        if let Some(other) = resolve::skills_for(ws, ns, new_name)
            .into_iter()
            .find(|s| !declared(&s.locator))
        {
            return Err(format!(
                "namespace `{ns}` already has a skill named `{new_name}` ({}); the runtime would abort its scan on the duplicate",
                resolve::shown(ws, &other.locator)
            ));
        }
    }
    let mut renames: Vec<(PathBuf, PathBuf)> = Vec::new();
    for decl in &t.declarations {
        let (range, text) = name_value_edit(decl.range, &t.name, new_name);
        change.edit(&decl.path, range, text);
        let Some(dir) = decl.path.parent() else {
            continue;
        };
        if dir.file_name().is_some_and(|n| n == t.name.as_str()) {
            let to = dir.with_file_name(new_name);
            if to.exists() {
                return Err(format!(
                    "cannot rename directory `{}`: `{}` already exists",
                    resolve::shown(ws, dir),
                    resolve::shown(ws, &to)
                ));
            }
            renames.push((dir.to_path_buf(), to));
        }
    }
    if !other_keeps_name {
        for (path, _, name) in navigation::mention_sites(ws, doc, &t) {
            change.edit(&path, name, new_name.to_string());
        }
    }
    change.renames = renames;
    Ok(change)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::TestWorkspace;
    use super::*;

    fn workspace() -> TestWorkspace {
        let t = TestWorkspace::one_space();
        t.file(
            "skills/writer/SKILL.md",
            "---\r\nname: writer\r\ndescription: Writes. Pair with $[acme:docs].editor.\r\n---\r\n",
        );
        t.file(
            "skills/editor/SKILL.md",
            "---\nname: \"editor\"\ndescription: Edits; after $[acme:docs].writer.\n---\n",
        );
        t.file(
            "docs/use.md",
            "ü $[acme:docs].writer, $[acme:docs].writer\n$[other].writer\n",
        );
        t
    }

    fn edited(change: &WorkspaceChange, path: &std::path::Path) -> Vec<(u32, u32, String)> {
        change
            .edits
            .iter()
            .find(|f| f.path == path)
            .map(|f| {
                f.edits
                    .iter()
                    .map(|(r, t)| (r.start.line, r.start.utf16, t.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn rename_from_a_mention_edits_name_mentions_and_directory() {
        let t = workspace();
        let ws = t.check();
        let text = "x $[acme:docs].writer";
        let doc = t.doc("notes.md", text);
        let (range, name) = prepare_rename(&ws, doc, 18).unwrap();
        assert_eq!((range, name.as_str()), (TextRange::new(15, 21), "writer"));
        let change = rename(&ws, doc, 18, "author").unwrap();
        assert_eq!(
            edited(&change, &t.path("notes.md")),
            [(0, 15, "author".into())]
        );
        assert_eq!(
            edited(&change, &t.path("skills/writer/SKILL.md")),
            [(1, 6, "author".into())]
        );
        assert_eq!(
            edited(&change, &t.path("docs/use.md")),
            [(0, 15, "author".into()), (0, 36, "author".into())]
        );
        assert_eq!(
            edited(&change, &t.path("skills/editor/SKILL.md")),
            [(2, 39, "author".into())]
        );
        assert_eq!(
            change.renames,
            [(t.path("skills/writer"), t.path("skills/author"))]
        );
    }

    #[test]
    fn rename_from_the_name_keeps_quotes_and_quotes_when_needed() {
        let t = workspace();
        let ws = t.check();
        let (_, text) = t.disk_doc("skills/editor/SKILL.md");
        let doc = t.doc("skills/editor/SKILL.md", &text);
        let at = text.find("editor\"").unwrap() + 2;
        let change = rename(&ws, doc, at, "reviser").unwrap();
        assert_eq!(
            edited(&change, &t.path("skills/editor/SKILL.md"))[0],
            (1, 7, "reviser".into())
        );
        let change = rename(&ws, doc, at, "12").unwrap();
        assert_eq!(
            edited(&change, &t.path("skills/editor/SKILL.md"))[0],
            (1, 6, "\"12\"".into())
        );
    }

    #[test]
    fn invalid_or_taken_names_are_refused() {
        let t = workspace();
        let ws = t.check();
        let doc = t.doc("notes.md", "$[acme:docs].writer");
        let err = rename(&ws, doc, 15, "My Skill").unwrap_err();
        assert!(err.contains("whitespace"), "{err}");
        let err = rename(&ws, doc, 15, "a-").unwrap_err();
        assert!(
            err.contains("start and end with a letter or digit"),
            "{err}"
        );
        let err = rename(&ws, doc, 15, "editor").unwrap_err();
        assert!(err.contains("already has a skill named `editor`"), "{err}");
        let doc = t.doc("notes.md", "$[acme:docs].nobody");
        assert!(
            prepare_rename(&ws, doc, 15)
                .unwrap_err()
                .contains("does not resolve")
        );
        let doc = t.doc("notes.md", "plain text");
        assert!(prepare_rename(&ws, doc, 3).is_err());
    }

    #[test]
    fn duplicates_are_renamed_one_at_a_time_from_their_name() {
        let t = TestWorkspace::one_space();
        t.skill("skills/a/writer", "writer", "A.");
        t.skill("skills/b/writer", "writer", "B.");
        t.file("docs/n.md", "$[acme:docs].writer\n");
        let ws = t.check();
        let err = rename(&ws, t.doc("n.md", "$[acme:docs].writer"), 15, "author").unwrap_err();
        assert!(err.contains("declared by 2 skills"), "{err}");
        let (_, text) = t.disk_doc("skills/b/writer/SKILL.md");
        let doc = t.doc("skills/b/writer/SKILL.md", &text);
        let change = rename(&ws, doc, text.find("writer").unwrap(), "author").unwrap();
        assert_eq!(change.edits.len(), 1, "{change:#?}");
        assert_eq!(
            change.renames,
            [(t.path("skills/b/writer"), t.path("skills/b/author"))]
        );
    }

    #[test]
    fn no_directory_rename_when_the_directory_has_another_name() {
        let t = TestWorkspace::one_space();
        t.skill("skills/folder", "writer", "W.");
        let ws = t.check();
        let change = rename(&ws, t.doc("n.md", "$[acme:docs].writer"), 15, "author").unwrap();
        assert!(change.renames.is_empty());
    }
}
