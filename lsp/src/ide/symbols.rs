//! Document symbols (frontmatter or config keys, Markdown headings nested by level) and
//! workspace symbols (every skill, matched by substring or subsequence).

use std::path::Path;

use skills_runtime::check::Workspace;
use skills_runtime::markdown;
use skills_runtime::text::TextRange;
use skills_runtime::yaml::{self, NodeId, NodeKind, YamlDoc};

use super::cursor;
use super::resolve;
use super::{Document, FileRange, Symbol, SymbolKind, WorkspaceSymbol};

/// Most symbols a YAML document contributes (a generated config could be huge).
const MAX_YAML_SYMBOLS: usize = 2000;
/// Most workspace symbols returned.
const MAX_WORKSPACE_SYMBOLS: usize = 500;

pub fn document_symbols(doc: Document) -> Vec<Symbol> {
    let is_yaml = matches!(
        doc.path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    );
    if is_yaml {
        return yaml_symbols(doc.text, TextRange::new(0, doc.text.len()));
    }
    let mut out = Vec::new();
    let mut body = 0;
    if let Some(fm) = cursor::frontmatter(doc.text) {
        out = yaml_symbols(doc.text, fm.yaml);
        body = fm.body_start;
    }
    out.extend(heading_symbols(doc.text, body));
    out
}

fn yaml_symbols(text: &str, region: TextRange) -> Vec<Symbol> {
    let Some(src) = text.get(region.start..region.end) else {
        return Vec::new();
    };
    match yaml::parse(src, region.start) {
        Ok(y) => {
            let mut budget = MAX_YAML_SYMBOLS;
            y.root()
                .map(|r| children(&y, r, &mut budget, 0))
                .unwrap_or_default()
        }
        Err(_) => top_level_keys(text, region),
    }
}

/// Without a parse (the YAML is broken while being typed): the top-level `key:` lines.
fn top_level_keys(text: &str, region: TextRange) -> Vec<Symbol> {
    let mut out = Vec::new();
    let mut pos = region.start;
    for line in text[region.start..region.end].split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        if let Some(colon) = content.find(':') {
            let key = &content[..colon];
            if !key.is_empty() && !key.starts_with([' ', '\t', '#', '-']) && !key.contains(' ') {
                let range = TextRange::new(pos, pos + content.len());
                out.push(Symbol {
                    name: key.to_string(),
                    detail: None,
                    kind: SymbolKind::Field,
                    range,
                    selection: TextRange::new(pos, pos + colon),
                    children: Vec::new(),
                });
            }
        }
        pos += line.len();
    }
    out
}

fn scalar_detail(y: &YamlDoc, id: NodeId) -> Option<String> {
    let text = y.scalar_text(id)?;
    let line = text.lines().next().unwrap_or_default();
    Some(if line.chars().count() > 60 || line.len() < text.len() {
        format!("{}…", line.chars().take(59).collect::<String>())
    } else {
        line.to_string()
    })
}

fn children(y: &YamlDoc, node: NodeId, budget: &mut usize, depth: usize) -> Vec<Symbol> {
    let node = y.target(node);
    let mut out = Vec::new();
    if depth > 16 {
        return out;
    }
    match &y.node(node).kind {
        NodeKind::Map { entries, .. } => {
            for &(k, v) in entries {
                if *budget == 0 {
                    break;
                }
                *budget -= 1;
                let name = y.scalar_text(k).unwrap_or("?").to_string();
                out.push(entry_symbol(y, name, y.span(k), v, budget, depth));
            }
        }
        NodeKind::Seq { items, .. } => {
            for (i, &item) in items.iter().enumerate() {
                if *budget == 0 {
                    break;
                }
                *budget -= 1;
                let target = y.target(item);
                // Items of a list of mappings are best named by their `id` or `name`.
                let name = ["id", "name"]
                    .iter()
                    .find_map(|k| y.get(target, k).and_then(|e| y.as_str(e.value)))
                    .map(str::to_owned)
                    .unwrap_or_else(|| format!("[{i}]"));
                let span = y.span(item);
                out.push(entry_symbol(y, name, span, item, budget, depth));
            }
        }
        _ => {}
    }
    out
}

fn entry_symbol(
    y: &YamlDoc,
    name: String,
    key_span: TextRange,
    value: NodeId,
    budget: &mut usize,
    depth: usize,
) -> Symbol {
    let v = y.target(value);
    let value_span = y.span(value);
    let (kind, detail, kids) = match &y.node(v).kind {
        NodeKind::Map { .. } => (SymbolKind::Object, None, children(y, v, budget, depth + 1)),
        NodeKind::Seq { .. } => (SymbolKind::Array, None, children(y, v, budget, depth + 1)),
        _ => (SymbolKind::Field, scalar_detail(y, v), Vec::new()),
    };
    let start = key_span.start.min(value_span.start);
    let end = key_span.end.max(value_span.end);
    Symbol {
        name,
        detail,
        kind,
        range: TextRange::new(start, end),
        selection: key_span,
        children: kids,
    }
}

/// Headings nested by level; a heading's range runs to the next heading of its level or above.
fn heading_symbols(text: &str, body: usize) -> Vec<Symbol> {
    let headings = markdown::outline(text.as_bytes(), body).headings;
    let mut flat: Vec<(u8, Symbol)> = Vec::new();
    for (i, h) in headings.iter().enumerate() {
        let end = headings[i + 1..]
            .iter()
            .find(|n| n.level <= h.level)
            .map_or(text.len(), |n| n.range.start);
        let mut selection = h.range;
        while selection.end > selection.start
            && matches!(text.as_bytes()[selection.end - 1], b'\n' | b'\r')
        {
            selection.end -= 1;
        }
        flat.push((
            h.level,
            Symbol {
                name: if h.text.is_empty() {
                    "(empty heading)".into()
                } else {
                    h.text.clone()
                },
                detail: Some("#".repeat(h.level as usize)),
                kind: SymbolKind::Heading,
                range: TextRange::new(h.range.start, end.max(selection.end)),
                selection,
                children: Vec::new(),
            },
        ));
    }
    nest(flat)
}

fn nest(flat: Vec<(u8, Symbol)>) -> Vec<Symbol> {
    let mut roots: Vec<Symbol> = Vec::new();
    let mut stack: Vec<(u8, Symbol)> = Vec::new();
    for (level, sym) in flat {
        while stack.last().is_some_and(|(l, _)| *l >= level) {
            let (_, done) = stack.pop().expect("non-empty");
            attach(&mut stack, &mut roots, done);
        }
        stack.push((level, sym));
    }
    while let Some((_, done)) = stack.pop() {
        attach(&mut stack, &mut roots, done);
    }
    roots
}

fn attach(stack: &mut [(u8, Symbol)], roots: &mut Vec<Symbol>, sym: Symbol) {
    match stack.last_mut() {
        Some((_, parent)) => parent.children.push(sym),
        None => roots.push(sym),
    }
}

/// Every skill of the workspace whose name matches `query` (empty: all), best matches first.
/// SKILL.md files the index leaves out are listed too, with the reason as container.
pub fn workspace_symbols(ws: &Workspace, query: &str) -> Vec<WorkspaceSymbol> {
    let query = resolve::lower(query.trim());
    let query = query.as_str();
    let mut ranked: Vec<(u8, &str, WorkspaceSymbolSource)> = Vec::new();
    for s in &ws.index.skills {
        if let Some(r) = resolve::match_rank(query, &s.name) {
            ranked.push((r, &s.name, WorkspaceSymbolSource::Indexed(s)));
        }
    }
    let mut indexed: std::collections::HashSet<&Path> = Default::default();
    for s in &ws.index.skills {
        indexed.insert(&s.locator);
    }
    for f in ws.index.files.iter().chain(&ws.extra_files) {
        if f.kind != skills_runtime::analysis::FileKind::Skill || indexed.contains(f.path.as_path())
        {
            continue;
        }
        if let Some(name) = f.declared_name.as_deref() {
            if let Some(r) = resolve::match_rank(query, &name.to_ascii_lowercase()) {
                ranked.push((r, name, WorkspaceSymbolSource::NotIndexed(f)));
            }
        }
    }
    ranked.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    ranked.truncate(MAX_WORKSPACE_SYMBOLS);
    ranked
        .into_iter()
        .map(|(_, name, src)| match src {
            WorkspaceSymbolSource::Indexed(s) => WorkspaceSymbol {
                name: name.to_string(),
                container: s.namespace.clone(),
                location: FileRange {
                    path: s.locator.clone(),
                    range: resolve::file_of(ws, s).name_range,
                },
            },
            WorkspaceSymbolSource::NotIndexed(f) => WorkspaceSymbol {
                name: name.to_string(),
                container: Some(if f.is_rejected() {
                    "rejected by the runtime".to_string()
                } else {
                    "not reached by any enabled space".to_string()
                }),
                location: FileRange {
                    path: f.path.clone(),
                    range: f.name_range,
                },
            },
        })
        .collect()
}

enum WorkspaceSymbolSource<'w> {
    Indexed(&'w skills_runtime::index::IndexedSkill),
    NotIndexed(&'w skills_runtime::analysis::FileAnalysis),
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{ONE_SPACE, TestWorkspace};
    use super::*;

    fn names(symbols: &[Symbol]) -> Vec<&str> {
        symbols.iter().map(|s| s.name.as_str()).collect()
    }

    #[test]
    fn frontmatter_fields_then_nested_headings() {
        let text = "---\r\nname: demo\r\ndescription: Does things.\r\nmetadata:\r\n  short-description: x\r\n---\r\n# Démo\r\n## Usage\r\n### Detail\r\n## Notes\r\n# Other\r\n";
        let t = TestWorkspace::new();
        let s = document_symbols(t.doc("skills/demo/SKILL.md", text));
        assert_eq!(
            names(&s),
            ["name", "description", "metadata", "Démo", "Other"]
        );
        assert_eq!(s[0].detail.as_deref(), Some("demo"));
        assert_eq!(names(&s[2].children), ["short-description"]);
        assert_eq!(names(&s[3].children), ["Usage", "Notes"]);
        assert_eq!(names(&s[3].children[0].children), ["Detail"]);
        let usage = &s[3].children[0];
        assert_eq!(
            &text[usage.selection.start..usage.selection.end],
            "## Usage"
        );
        assert!(text[usage.range.start..usage.range.end].ends_with("### Detail\r\n"));
    }

    #[test]
    fn broken_yaml_still_lists_top_level_keys() {
        let t = TestWorkspace::new();
        let s = document_symbols(t.doc("config/runtime.yaml", "skills:\n  spaces: [\nrun:\n"));
        assert_eq!(names(&s), ["skills", "run"]);
        let s = document_symbols(t.doc("config/runtime.yaml", ONE_SPACE));
        assert_eq!(names(&s[0].children), ["spaces", "sources"]);
        assert_eq!(names(&s[0].children[0].children), ["main"]);
    }

    #[test]
    fn workspace_symbols_match_substrings_and_list_rejected_files() {
        let t = TestWorkspace::one_space();
        t.skill("skills/article-writer", "article-writer", "Writes.");
        t.skill("skills/reviewer", "reviewer", "Reviews.");
        t.file("skills/broken/SKILL.md", "---\nname: writer-two\n---\n");
        let ws = t.check();
        let s = workspace_symbols(&ws, "writ");
        assert_eq!(
            s.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
            ["writer-two", "article-writer"]
        );
        assert_eq!(s[1].container.as_deref(), Some("acme:docs"));
        assert_eq!(s[0].container.as_deref(), Some("rejected by the runtime"));
        assert_eq!(workspace_symbols(&ws, "").len(), 3);
    }
}
