//! Code actions for the diagnostics at a range: the rule's own fix, did-you-mean candidates,
//! creating the skill a mention names, enabling a disabled space, and silencing a rule for the
//! file in `skills-lsp.toml`.

use std::borrow::Cow;
use std::path::Path;

use skills_runtime::check::Workspace;
use skills_runtime::diagnostic::{Diagnostic, Fix};
use skills_runtime::mentions::{self, Mention};
use skills_runtime::rules;
use skills_runtime::text::{LineIndex, SourceRange, TextRange};

use super::completion::yaml_string;
use super::cursor::{self, DocLines};
use super::resolve;
use super::settings_edit;
use super::{ActionKind, CodeAction, Document, WorkspaceChange};

/// How many did-you-mean candidates are offered.
const CANDIDATES: usize = 5;

/// A file's text with its line index, to turn byte ranges into full source ranges.
struct FileText<'a> {
    text: Cow<'a, str>,
    lines: LineIndex,
}

impl<'a> FileText<'a> {
    fn of(ws: &'a Workspace, doc: Document<'a>, path: &Path) -> Option<FileText<'a>> {
        let text: Cow<'a, str> = if path == doc.path {
            Cow::Borrowed(doc.text)
        } else if let Some(o) = ws.config.overlays.iter().find(|o| o.path == path) {
            String::from_utf8_lossy(&o.text)
        } else {
            Cow::Owned(std::fs::read_to_string(path).ok()?)
        };
        let lines = LineIndex::new(text.as_bytes());
        Some(FileText { text, lines })
    }
    fn source(&self, r: TextRange) -> SourceRange {
        self.lines.source_range(self.text.as_bytes(), r)
    }
}

fn fix_action(ws: &Workspace, doc: Document, d: &Diagnostic, fix: &Fix) -> Option<CodeAction> {
    let file = FileText::of(ws, doc, &d.path)?;
    let mut change = WorkspaceChange::default();
    for e in &fix.edits {
        if e.range.end > file.text.len() {
            return None;
        }
        change.edit(&d.path, file.source(e.range), e.new_text.clone());
    }
    Some(CodeAction {
        title: fix.title.clone(),
        kind: ActionKind::QuickFix,
        preferred: true,
        diagnostic_code: Some(d.rule.code),
        change,
    })
}

fn quick_fix(title: String, code: &'static str, change: WorkspaceChange) -> CodeAction {
    CodeAction {
        title,
        kind: ActionKind::QuickFix,
        preferred: false,
        diagnostic_code: Some(code),
        change,
    }
}

/// The mention a diagnostic of the current document points at.
fn mention_of(doc: Document, d: &Diagnostic) -> Option<Mention> {
    let r = d.range.bytes;
    let m = cursor::mention_at(doc.text, r.start)?;
    (m.range.start == r.start).then_some(m)
}

pub fn code_actions(
    ws: &Workspace,
    doc: Document,
    _range: TextRange,
    diagnostics: &[&Diagnostic],
) -> Vec<CodeAction> {
    let mut out: Vec<CodeAction> = Vec::new();
    let lines = DocLines::new(doc);
    for d in diagnostics {
        if let Some(fix) = &d.fix {
            out.extend(fix_action(ws, doc, d, fix));
        }
        let in_doc = d.path == doc.path;
        let code = d.rule.code;
        if in_doc && code == rules::mentions::UNKNOWN_SKILL.code {
            if let Some(m) = mention_of(doc, d) {
                unknown_skill_actions(ws, doc, &lines, &m, code, &mut out);
            }
        }
        if in_doc
            && (code == rules::mentions::NEAR_MISS_IGNORED.code
                || code == rules::mentions::NEAR_MISS_TRUNCATED.code)
        {
            near_miss_action(ws, doc, &lines, d, &mut out);
        }
        if in_doc && code == rules::mentions::NAMESPACE_NOT_CONFIGURED.code {
            if let Some(m) = mention_of(doc, d) {
                namespace_actions(ws, doc, &lines, &m, code, &mut out);
            }
        }
    }
    // Silencing comes last, once per rule.
    let rel = |p: &Path| {
        p.strip_prefix(&ws.root)
            .ok()
            .map(|r| r.to_string_lossy().replace('\\', "/"))
    };
    for d in diagnostics {
        let Some(rel_path) = rel(&d.path) else {
            continue;
        };
        let title = format!("Disable {} ({}) for this file", d.rule.code, d.rule.name);
        if out.iter().any(|a| a.title == title) {
            continue;
        }
        if let Some(change) = settings_edit::ignore_rule(&ws.root, &rel_path, d.rule.code) {
            out.push(CodeAction {
                title,
                kind: ActionKind::QuickFix,
                preferred: false,
                diagnostic_code: Some(d.rule.code),
                change,
            });
        }
    }
    // One preferred action per diagnostic code at most, the first.
    let mut seen: Vec<&'static str> = Vec::new();
    for a in &mut out {
        if let (true, Some(c)) = (a.preferred, a.diagnostic_code) {
            if seen.contains(&c) {
                a.preferred = false;
            } else {
                seen.push(c);
            }
        }
    }
    out
}

fn replace_in_doc(
    doc: Document,
    lines: &DocLines,
    range: TextRange,
    text: String,
) -> WorkspaceChange {
    let mut change = WorkspaceChange::default();
    change.edit(doc.path, lines.source(range), text);
    change
}

fn unknown_skill_actions(
    ws: &Workspace,
    doc: Document,
    lines: &DocLines,
    m: &Mention,
    code: &'static str,
    out: &mut Vec<CodeAction>,
) {
    let candidates =
        resolve::did_you_mean(&m.skill_name, ws.index.names_in(&m.namespace), CANDIDATES);
    for (i, c) in candidates.iter().enumerate() {
        let mut a = quick_fix(
            format!("Change to `{}`", mentions::format_mention(&m.namespace, c)),
            code,
            replace_in_doc(doc, lines, m.name_range, c.to_string()),
        );
        a.preferred = i == 0;
        out.push(a);
    }
    // Create the skill where the namespace's filesystem sources keep theirs.
    let mut seen_roots = Vec::new();
    for space in resolve::spaces_of(ws, &m.namespace) {
        for id in &space.sources {
            let Some(src) = ws.config.skills.source(id) else {
                continue;
            };
            let Some(root) = resolve::source_root(ws, src) else {
                continue;
            };
            if seen_roots.contains(&root) {
                continue;
            }
            seen_roots.push(root.clone());
            let file = root.join(&m.skill_name).join("SKILL.md");
            if file.exists() {
                continue;
            }
            let mut change = WorkspaceChange::default();
            change.creates.push((file, scaffold(&m.skill_name)));
            out.push(quick_fix(
                format!(
                    "Create skill `{}` in `{}/` (source `{}`)",
                    m.skill_name,
                    resolve::shown(ws, &root),
                    src.id
                ),
                code,
                change,
            ));
        }
    }
}

/// A near-miss the rule cannot repair by itself (or repairs into a mention that does not
/// resolve): the closest configured namespace and skill.
fn near_miss_action(
    ws: &Workspace,
    doc: Document,
    lines: &DocLines,
    d: &Diagnostic,
    out: &mut Vec<CodeAction>,
) {
    let Some(miss) = cursor::near_miss_at(doc.text, d.range.bytes.start) else {
        return;
    };
    let shown = &doc.text[miss.range.start..miss.range.end];
    let (Some(open), Some(close)) = (shown.find('['), shown.find(']')) else {
        return;
    };
    let ns = shown[open + 1..close]
        .to_ascii_lowercase()
        .replace('_', "-");
    let Some(dot) = shown[close..].find('.') else {
        return;
    };
    let name = shown[close + dot + 1..]
        .trim()
        .trim_end_matches(']')
        .to_ascii_lowercase();
    let name = name.trim_matches(['-', '_']);
    let namespaces = resolve::enabled_namespaces(ws);
    let ns = if namespaces.contains(&ns.as_str()) {
        ns.as_str()
    } else {
        match resolve::did_you_mean(&ns, namespaces.iter().copied(), 1).pop() {
            Some(n) => n,
            None => return,
        }
    };
    let name = if ws.index.lookup(ns, name).is_some() {
        name
    } else {
        match resolve::did_you_mean(name, ws.index.names_in(ns), 1).pop() {
            Some(n) => n,
            None => return,
        }
    };
    let fixed = mentions::format_mention(ns, name);
    if mentions::parse_single(&fixed).is_none() || out.iter().any(|a| a.title.contains(&fixed)) {
        return;
    }
    let mut a = quick_fix(
        format!("Change to `{fixed}`"),
        d.rule.code,
        replace_in_doc(doc, lines, miss.range, fixed.clone()),
    );
    a.preferred = d.fix.is_none();
    out.push(a);
}

/// A new SKILL.md the runtime accepts as it is.
pub(crate) fn scaffold(name: &str) -> String {
    let title: Vec<String> = name
        .split(['-', '_'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    format!(
        "---\nname: {}\ndescription: {}\n---\n\n# {}\n",
        yaml_string(name),
        yaml_string(&format!("Describe what {name} does and when to use it.")),
        title.join(" ")
    )
}

fn namespace_actions(
    ws: &Workspace,
    doc: Document,
    lines: &DocLines,
    m: &Mention,
    code: &'static str,
    out: &mut Vec<CodeAction>,
) {
    let namespaces = resolve::enabled_namespaces(ws);
    for (i, ns) in resolve::did_you_mean(&m.namespace, namespaces.iter().copied(), CANDIDATES)
        .into_iter()
        .enumerate()
    {
        // Only namespaces where the skill exists are worth a one-click change.
        if ws.index.lookup(ns, &m.skill_name).is_none() && i > 0 {
            continue;
        }
        let mut a = quick_fix(
            format!(
                "Change to `{}`",
                mentions::format_mention(ns, &m.skill_name)
            ),
            code,
            replace_in_doc(doc, lines, m.namespace_range, ns.to_string()),
        );
        a.preferred = i == 0;
        out.push(a);
    }
    // Namespaces where a skill of that name exists.
    for ns in &namespaces {
        if *ns != m.namespace
            && ws.index.lookup(ns, &m.skill_name).is_some()
            && !out.iter().any(|a| a.title.contains(&format!("`$[{ns}].")))
        {
            out.push(quick_fix(
                format!(
                    "Change to `{}`",
                    mentions::format_mention(ns, &m.skill_name)
                ),
                code,
                replace_in_doc(doc, lines, m.namespace_range, ns.to_string()),
            ));
        }
    }
    // A disabled space with this namespace: enable it.
    for space in ws
        .config
        .skills
        .spaces
        .iter()
        .filter(|s| !s.enabled && s.namespace == m.namespace)
    {
        let Some(loc) = space.loc else { continue };
        let Some(overlay) = ws.config.overlays.get(loc.file) else {
            continue;
        };
        let Some(y) = overlay.doc.as_ref() else {
            continue;
        };
        let Some(entry) = y.get(loc.node, "enabled") else {
            continue;
        };
        let span = y.span(entry.value);
        let mut change = WorkspaceChange::default();
        change.edit(
            &overlay.path,
            overlay.lines.source_range(&overlay.text, span),
            "true".into(),
        );
        out.push(quick_fix(
            format!(
                "Enable space `{}` in {}",
                space.id,
                resolve::shown(ws, &overlay.path)
            ),
            code,
            change,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::TestWorkspace;
    use super::*;

    fn actions_for(t: &TestWorkspace, rel: &str, code: &str) -> Vec<CodeAction> {
        let ws = t.check();
        let (_, text) = t.disk_doc(rel);
        let doc = t.doc(rel, &text);
        let ds: Vec<&Diagnostic> = ws
            .diagnostics
            .iter()
            .filter(|d| d.path == doc.path && d.rule.code == code)
            .collect();
        assert!(!ds.is_empty(), "no {code} in {:#?}", ws.diagnostics);
        code_actions(&ws, doc, TextRange::new(0, text.len()), &ds)
    }

    fn titles(a: &[CodeAction]) -> Vec<&str> {
        a.iter().map(|a| a.title.as_str()).collect()
    }

    #[test]
    fn unknown_skill_offers_candidates_creation_and_silencing() {
        let t = TestWorkspace::one_space();
        t.skill("skills/article-writer", "article-writer", "W.");
        t.skill("skills/article-reader", "article-reader", "R.");
        t.file("notes.md", "ü use $[acme:docs].artcle-writer\n");
        let a = actions_for(&t, "notes.md", "SK301");
        assert_eq!(
            titles(&a),
            [
                "Change to `$[acme:docs].article-writer`",
                "Create skill `artcle-writer` in `skills/` (source `fs`)",
                "Disable SK301 (unknown-skill) for this file"
            ]
        );
        assert!(a[0].preferred);
        let (range, text) = &a[0].change.edits[0].edits[0];
        assert_eq!((range.start.utf16, text.as_str()), (19, "article-writer"));
        let (path, content) = &a[1].change.creates[0];
        assert_eq!(path, &t.path("skills/artcle-writer/SKILL.md"));
        let parsed = skills_runtime::skill::SkillDocument::parse(content.as_bytes(), 65536);
        assert_eq!(parsed.verdict, skills_runtime::skill::Verdict::Accepted);
    }

    #[test]
    fn a_disabled_space_can_be_enabled() {
        let t = TestWorkspace::new();
        t.file(
            "config/runtime.yaml",
            "skills:\n  spaces:\n    - {id: main, namespace: \"acme:docs\", sources: [fs]}\n    - {id: old, namespace: legacy, sources: [fs], enabled: false}\n  sources:\n    - {id: fs, type: filesystem, options: {root: skills}}\n",
        );
        t.skill("skills/writer", "writer", "W.");
        t.file("notes.md", "$[legacy].writer and $[acme:doc].writer\n");
        let a = actions_for(&t, "notes.md", "SK302");
        assert!(
            titles(&a).contains(&"Enable space `old` in config/runtime.yaml"),
            "{:?}",
            titles(&a)
        );
        assert!(
            titles(&a).contains(&"Change to `$[acme:docs].writer`"),
            "{:?}",
            titles(&a)
        );
    }

    #[test]
    fn frontmatter_repairs_from_the_rules() {
        let t = TestWorkspace::one_space();
        t.file(
            "skills/colon/SKILL.md",
            "---\nname: colon\ndescription: Use it: when asked\n---\n",
        );
        t.file("skills/nodesc/SKILL.md", "---\r\nname: nodesc\r\n---\r\n");
        t.file(
            "skills/Cased Dir/SKILL.md",
            "---\nName: x\ndescription: d\n---\n",
        );
        let a = actions_for(&t, "skills/colon/SKILL.md", "SK104");
        assert_eq!(a[0].title, "Quote the value");
        assert_eq!(a[0].change.edits[0].edits[0].1, "\"Use it: when asked\"");
        let a = actions_for(&t, "skills/nodesc/SKILL.md", "SK110");
        assert!(
            a[0].title.starts_with("Add `description: "),
            "{}",
            a[0].title
        );
        let (range, text) = &a[0].change.edits[0].edits[0];
        assert_eq!(range.start.line, 2);
        assert!(text.ends_with("\r\n"));
        let a = actions_for(&t, "skills/Cased Dir/SKILL.md", "SK106");
        assert_eq!(a[0].title, "Rename the key to `name`");
    }

    #[test]
    fn silencing_extends_an_existing_settings_file() {
        let t = TestWorkspace::one_space();
        t.file(
            "skills-lsp.toml",
            "[per-file-ignores]\n\"notes.md\" = [\"SK303\"]\n",
        );
        t.file("notes.md", "$[acme:docs].nothing and $[acme:docs].none\n");
        let a = actions_for(&t, "notes.md", "SK301");
        let silence: Vec<_> = a
            .iter()
            .filter(|a| a.title.starts_with("Disable"))
            .collect();
        assert_eq!(silence.len(), 1, "one per rule, however many diagnostics");
        let edit = &silence[0].change.edits[0];
        assert_eq!(edit.path, t.path("skills-lsp.toml"));
        assert_eq!(edit.edits[0].1, ", \"SK301\"");
    }

    #[test]
    fn near_misses_are_repaired_toward_existing_skills() {
        let t = TestWorkspace::one_space();
        t.skill("skills/writer", "writer", "W.");
        t.file("notes.md", "é $[Acme:Docs].Writr and $[a:docs].writer\n");
        let a = actions_for(&t, "notes.md", "SK303");
        let t1: Vec<_> = titles(&a);
        assert!(t1.contains(&"Change to `$[acme:docs].writer`"), "{t1:?}");
        let fix = a
            .iter()
            .find(|a| a.title == "Change to `$[acme:docs].writer`")
            .unwrap();
        let (range, text) = &fix.change.edits[0].edits[0];
        assert_eq!(
            (range.start.utf16, range.end.utf16, text.as_str()),
            (2, 20, "$[acme:docs].writer")
        );
    }

    #[test]
    fn rule_fixes_become_preferred_quick_fixes() {
        let t = TestWorkspace::one_space();
        t.file(
            "skills/x/SKILL.md",
            "---\r\nname: yes\r\ndescription: d\r\n---\r\n",
        );
        let a = actions_for(&t, "skills/x/SKILL.md", "SK107");
        assert_eq!(a[0].title, "Quote the value");
        assert!(a[0].preferred);
        let (range, text) = &a[0].change.edits[0].edits[0];
        assert_eq!(
            (range.start.line, range.start.utf16, text.as_str()),
            (1, 6, "\"yes\"")
        );
    }
}
