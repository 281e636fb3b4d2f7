//! Go to definition (mention → the skill's `name:`, link → the bundle file, source id → its
//! definition in the config) and find references (every mention of a skill, open or not).

use std::path::{Path, PathBuf};

use skills_runtime::check::Workspace;
use skills_runtime::config::Loc;
use skills_runtime::skill::SkillDocument;
use skills_runtime::text::{SourceRange, TextRange, python_strip};

use super::cursor::{self, DocKind, DocLines};
use super::links::link_target;
use super::resolve;
use super::yaml_cursor::{self, Slot};
use super::{Document, FileRange};

/// The skill a request is about, from a mention or from a SKILL.md's `name:`.
#[derive(Debug, Clone)]
pub(crate) struct SkillTarget {
    pub name: String,
    /// Mentions in these namespaces name the skill.
    pub namespaces: Vec<String>,
    /// No runtime config: namespaces mean nothing, any mention of the name counts.
    pub any_namespace: bool,
    /// The SKILL.md files that declare it, with their `name:` value.
    pub declarations: Vec<FileRange>,
    /// The name token under the cursor, in the current document.
    pub origin: TextRange,
    /// The request started on a `name:` (not on a mention).
    pub from_declaration: bool,
}

impl SkillTarget {
    pub fn is_mentioned_by(&self, namespace: &str, name: &str) -> bool {
        name == self.name && (self.any_namespace || self.namespaces.iter().any(|n| n == namespace))
    }
}

/// The `name:` field of a SKILL.md's text: its value range and the name the runtime reads.
pub(crate) fn name_field(text: &str) -> Option<(TextRange, TextRange, String)> {
    let parsed = SkillDocument::parse(text.as_bytes(), usize::MAX / 2);
    let field = parsed.name?;
    let raw = field.as_str()?;
    Some((field.key, field.value, python_strip(raw).to_string()))
}

/// The skill named at `offset`: a mention, or the `name:` key or value of a SKILL.md.
pub(crate) fn target_at(ws: &Workspace, doc: Document, offset: usize) -> Option<SkillTarget> {
    if let Some(m) = cursor::mention_at(doc.text, offset) {
        let skills = resolve::skills_for(ws, &m.namespace, &m.skill_name);
        let mut namespaces = vec![m.namespace.clone()];
        let mut declarations = Vec::new();
        for s in &skills {
            for ns in resolve::namespaces_of_file(ws, &s.locator) {
                if !namespaces.contains(&ns) {
                    namespaces.push(ns);
                }
            }
            let range = declaration_range(ws, doc, &s.locator);
            if !declarations.iter().any(|d: &FileRange| d.path == s.locator) {
                declarations.push(FileRange {
                    path: s.locator.clone(),
                    range,
                });
            }
        }
        return Some(SkillTarget {
            name: m.skill_name,
            namespaces,
            any_namespace: ws.index.discovered_without_config,
            declarations,
            origin: m.name_range,
            from_declaration: false,
        });
    }
    if cursor::doc_kind(ws, doc.path) != DocKind::Skill {
        return None;
    }
    let (key, value, name) = name_field(doc.text)?;
    if !(key.start <= offset && offset <= key.end || value.start <= offset && offset <= value.end) {
        return None;
    }
    let lines = DocLines::new(doc);
    Some(SkillTarget {
        namespaces: resolve::namespaces_of_file(ws, doc.path),
        any_namespace: ws.index.discovered_without_config,
        declarations: vec![FileRange {
            path: doc.path.to_path_buf(),
            range: lines.source(value),
        }],
        origin: unquoted(doc.text, value),
        name,
        from_declaration: true,
    })
}

/// A scalar's range without its quotes.
pub(crate) fn unquoted(text: &str, value: TextRange) -> TextRange {
    let s = &text.as_bytes()[value.start..value.end];
    if s.len() >= 2 && matches!(s[0], b'"' | b'\'') && s[s.len() - 1] == s[0] {
        TextRange::new(value.start + 1, value.end - 1)
    } else {
        value
    }
}

/// Where a SKILL.md's `name:` value is: from the current text when it is the open document.
fn declaration_range(ws: &Workspace, doc: Document, path: &Path) -> SourceRange {
    if path == doc.path {
        if let Some((_, value, _)) = name_field(doc.text) {
            return DocLines::new(doc).source(value);
        }
    }
    resolve::skill_file(ws, path)
        .map(|f| f.name_range)
        .unwrap_or_default()
}

pub fn definition(ws: &Workspace, doc: Document, offset: usize) -> Vec<FileRange> {
    let offset = super::completion::floor_char_boundary(doc.text, offset);
    if let Some(m) = cursor::mention_at(doc.text, offset) {
        let target = target_at(ws, doc, offset);
        let found: Vec<FileRange> = target.map(|t| t.declarations).unwrap_or_default();
        if !found.is_empty() {
            return found;
        }
        // Not indexed: the file that declares the name but is rejected is still worth a visit.
        return ws
            .index
            .files
            .iter()
            .filter(|f| f.is_rejected() && f.declared_name.as_deref() == Some(&m.skill_name))
            .map(|f| FileRange {
                path: f.path.clone(),
                range: f.name_range,
            })
            .collect();
    }
    let kind = cursor::doc_kind(ws, doc.path);
    if kind == DocKind::Config {
        return source_definition(ws, doc, offset).into_iter().collect();
    }
    if kind == DocKind::Skill {
        if let Some(file) = argv_definition(doc, offset) {
            return vec![file];
        }
    }
    if let Some(link) = cursor::link_at(doc.text, offset) {
        return link_target(doc.path, &link)
            .map(|path| FileRange {
                path,
                range: SourceRange::default(),
            })
            .into_iter()
            .collect();
    }
    Vec::new()
}

/// A path element of an action's `argv` (`actions/build.py`) → that bundle file.
fn argv_definition(doc: Document, offset: usize) -> Option<FileRange> {
    let fm = cursor::frontmatter(doc.text)?;
    let c = yaml_cursor::at(doc.text, fm.yaml, offset)?;
    let keys: Vec<String> = c.schema_path();
    let range = match &c.slot {
        Slot::Value {
            key, range, item, ..
        } if *item && key == "argv" && keys.len() == 2 && keys[0] == "actions" => *range,
        Slot::Key {
            range, bare_item, ..
        } if *bare_item && keys.len() == 3 && keys[0] == "actions" && keys[2] == "argv[]" => *range,
        _ => return None,
    };
    let value = doc.text[range.start..range.end].trim_matches(['"', '\'']);
    if !(value.contains('/') || value.starts_with('.')) || value.starts_with('/') {
        return None;
    }
    let target = doc.path.parent()?.join(value);
    target.is_file().then(|| FileRange {
        path: target,
        range: SourceRange::default(),
    })
}

/// A source id in `spaces[].sources` → the `id:` of that source (the last definition, the one
/// the scan uses).
fn source_definition(ws: &Workspace, doc: Document, offset: usize) -> Option<FileRange> {
    let c = yaml_cursor::at(doc.text, TextRange::new(0, doc.text.len()), offset)?;
    let path = c.schema_path();
    let (id, in_sources) = match &c.slot {
        Slot::Value {
            key, range, item, ..
        } => (
            doc.text[range.start..range.end]
                .trim_matches(['"', '\''])
                .to_string(),
            path == ["skills", "spaces[]"] && key == "sources" && *item,
        ),
        Slot::Key {
            range, bare_item, ..
        } => (
            doc.text[range.start..range.end].to_string(),
            *bare_item && path == ["skills", "spaces[]", "sources[]"],
        ),
    };
    if !in_sources {
        return None;
    }
    let source = ws.config.skills.source(&id)?;
    loc_range(ws, source.loc?, "id")
}

/// The location of a config node (or of its `key:` value when it has one).
pub(crate) fn loc_range(ws: &Workspace, loc: Loc, key: &str) -> Option<FileRange> {
    let overlay = ws.config.overlays.get(loc.file)?;
    let y = overlay.doc.as_ref()?;
    let span = y
        .get(loc.node, key)
        .map(|e| y.span(e.value))
        .unwrap_or_else(|| y.span(loc.node));
    Some(FileRange {
        path: overlay.path.clone(),
        range: overlay.lines.source_range(&overlay.text, span),
    })
}

/// Every mention of the skill at `offset` in the workspace (the current document read from its
/// text), optionally with the `name:` declarations.
pub fn references(
    ws: &Workspace,
    doc: Document,
    offset: usize,
    include_declaration: bool,
) -> Vec<FileRange> {
    let offset = super::completion::floor_char_boundary(doc.text, offset);
    let Some(target) = target_at(ws, doc, offset) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if include_declaration {
        out.extend(target.declarations.iter().cloned());
    }
    out.extend(
        mention_sites(ws, doc, &target)
            .into_iter()
            .map(|(path, range, _)| FileRange { path, range }),
    );
    out
}

/// Every mention of `target`: file, whole mention range, and the range of its name part.
pub(crate) fn mention_sites(
    ws: &Workspace,
    doc: Document,
    target: &SkillTarget,
) -> Vec<(PathBuf, SourceRange, SourceRange)> {
    let doc_canon = doc.path.canonicalize().ok();
    let is_doc = |p: &Path| p == doc.path || doc_canon.as_deref() == Some(p);
    let mut out = Vec::new();
    let lines = DocLines::new(doc);
    for m in cursor::mentions_in(doc.text) {
        if target.is_mentioned_by(&m.namespace, &m.skill_name) {
            out.push((
                doc.path.to_path_buf(),
                lines.source(m.range),
                lines.source(m.name_range),
            ));
        }
    }
    for f in ws.index.files.iter().chain(&ws.extra_files) {
        if is_doc(&f.path) {
            continue;
        }
        for site in &f.mentions {
            if target.is_mentioned_by(&site.namespace, &site.skill_name) {
                let name_from = 2 + site.namespace.len() + 2;
                let name =
                    cursor::within_site(site.range, name_from, name_from + site.skill_name.len());
                out.push((f.path.clone(), site.range, name));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{ONE_SPACE, TestWorkspace, at_bar};
    use super::*;

    fn workspace() -> TestWorkspace {
        let t = TestWorkspace::one_space();
        t.file(
            "skills/writer/SKILL.md",
            "---\nname: writer\ndescription: Writes. See $[acme:docs].writer.\n---\nRead [guide](references/guide.md).\n",
        );
        t.file("skills/writer/references/guide.md", "# Guide\n");
        t.file(
            "docs/a.md",
            "日本 $[acme:docs].writer\r\nand $[acme:docs].writer again, $[other].writer\n",
        );
        t
    }

    #[test]
    fn definition_goes_from_a_mention_to_the_name_value() {
        let t = workspace();
        let ws = t.check();
        let (text, at) = at_bar("x $[acme:docs].wri|ter");
        let defs = definition(&ws, t.doc("notes.md", &text), at);
        assert_eq!(defs.len(), 1);
        assert_eq!(defs[0].path, t.path("skills/writer/SKILL.md"));
        assert_eq!(defs[0].range.start.line, 1);
        assert_eq!(defs[0].range.start.utf8, 6);
        // At the very end of the mention too.
        let (text, at) = at_bar("x $[acme:docs].writer|, y");
        assert_eq!(definition(&ws, t.doc("notes.md", &text), at).len(), 1);
        let (text, at) = at_bar("x $[other].wri|ter");
        assert!(definition(&ws, t.doc("notes.md", &text), at).is_empty());
    }

    #[test]
    fn definition_follows_relative_links_and_source_ids() {
        let t = workspace();
        let ws = t.check();
        let (_, text) = t.disk_doc("skills/writer/SKILL.md");
        let at = text.find("guide.md").unwrap() + 2;
        let defs = definition(&ws, t.doc("skills/writer/SKILL.md", &text), at);
        assert_eq!(defs[0].path, t.path("skills/writer/references/guide.md"));
        let at = ONE_SPACE.find("[fs]").unwrap() + 2;
        let defs = definition(&ws, t.doc("config/runtime.yaml", ONE_SPACE), at);
        assert_eq!(defs.len(), 1);
        let src_line = ONE_SPACE
            .lines()
            .position(|l| l.contains("type: filesystem"))
            .unwrap();
        assert_eq!(defs[0].range.start.line as usize, src_line);
    }

    #[cfg(unix)]
    #[test]
    fn references_from_a_name_opened_through_a_symlink() {
        let t = workspace();
        let ws = t.check();
        let link = t.root.with_extension("link");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&t.root, &link).unwrap();
        let (_, text) = t.disk_doc("skills/writer/SKILL.md");
        let path = link.join("skills/writer/SKILL.md");
        let doc = Document {
            path: &path,
            text: &text,
        };
        let refs = references(&ws, doc, text.find("name: writer").unwrap() + 7, false);
        std::fs::remove_file(&link).unwrap();
        assert_eq!(refs.len(), 3, "{refs:#?}");
    }

    #[test]
    fn definition_of_an_action_script() {
        let t = workspace();
        t.file("skills/writer/actions/build.py", "print()\n");
        let ws = t.check();
        for text in [
            "---\nname: writer\ndescription: d\nactions:\n  build:\n    argv: [\"python3\", \"actions/build.py\"]\n---\n",
            "---\nname: writer\ndescription: d\nactions:\n  build:\n    argv:\n      - python3\n      - actions/build.py\n---\n",
        ] {
            let at = text.find("build.py").unwrap();
            let defs = definition(&ws, t.doc("skills/writer/SKILL.md", text), at);
            assert_eq!(defs.len(), 1, "{text}");
            assert_eq!(defs[0].path, t.path("skills/writer/actions/build.py"));
        }
    }

    #[test]
    fn references_span_the_workspace_and_the_open_buffer() {
        let t = workspace();
        let ws = t.check();
        // The open buffer has one more mention than the disk.
        let (_, disk) = t.disk_doc("skills/writer/SKILL.md");
        let text = disk.replace("Read", "$[acme:docs].writer Read");
        let at = text.find("name: writer").unwrap() + 7;
        let doc = t.doc("skills/writer/SKILL.md", &text);
        let refs = references(&ws, doc, at, false);
        assert_eq!(refs.len(), 4, "{refs:#?}");
        let with_decl = references(&ws, doc, at, true);
        assert_eq!(with_decl.len(), 5);
        assert_eq!(with_decl[0].path, t.path("skills/writer/SKILL.md"));
        let in_a: Vec<_> = refs
            .iter()
            .filter(|r| r.path.ends_with("docs/a.md"))
            .collect();
        assert_eq!(in_a.len(), 2);
        assert_eq!(in_a[0].range.start.utf16, 3);
        assert_eq!(in_a[1].range.start.line, 1);
    }
}
