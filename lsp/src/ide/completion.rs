//! Completion: mentions (namespaces inside `$[`, skills after `].`, whole mentions after `$`),
//! SKILL.md frontmatter keys and values, and `runtime.yaml` keys, values and source ids.
//!
//! Built for 10,000-skill workspaces: one pass over the index with a cheap match test, items
//! built only for the best [`LIMIT`] matches; a cut list is marked incomplete so the client
//! asks again as the user types.

use skills_runtime::check::Workspace;
use skills_runtime::config::schema::{self, Field, Ty};
use skills_runtime::index::IndexedSkill;
use skills_runtime::text::TextRange;
use skills_runtime::yaml::{ScalarKind, scalar::resolve_plain};

use super::cursor::{self, DocKind, Partial};
use super::frontmatter_keys::{self, Shape};
use super::resolve;
use super::yaml_cursor::{self, Seg, Slot, YamlCursor};
use super::{Completion, CompletionKind, CompletionList, Document};

/// Most items returned at once.
pub(crate) const LIMIT: usize = 200;

/// Completion items at `offset` (see [`completion_list`] for whether the list was cut).
#[cfg(test)]
pub fn completion(ws: &Workspace, doc: Document, offset: usize) -> Vec<Completion> {
    completion_list(ws, doc, offset).items
}

/// Completion items at `offset`, and whether more would match than were returned.
pub fn completion_list(ws: &Workspace, doc: Document, offset: usize) -> CompletionList {
    let offset = floor_char_boundary(doc.text, offset);
    let kind = cursor::doc_kind(ws, doc.path);
    if kind != DocKind::Config {
        if let Some(partial) = cursor::partial_at(doc.text, offset) {
            return mention_completion(ws, doc, &partial);
        }
    }
    match kind {
        DocKind::Skill => frontmatter_completion(doc, offset),
        DocKind::Config => config_completion(ws, doc, offset),
        DocKind::Text => CompletionList::default(),
    }
}

pub(crate) fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut o = offset.min(text.len());
    while !text.is_char_boundary(o) {
        o -= 1;
    }
    o
}

fn mention_completion(ws: &Workspace, doc: Document, partial: &Partial) -> CompletionList {
    match partial {
        Partial::Namespace {
            typed,
            token,
            closed,
        } => namespace_items(ws, doc, typed, *token, *closed),
        Partial::Name {
            namespace,
            typed,
            token,
        } => skill_items(ws, namespace, typed, *token, ""),
        Partial::AfterBracket { namespace, at } => {
            skill_items(ws, namespace, "", TextRange::empty(*at), ".")
        }
        Partial::Dollar { typed, token } => mention_items(ws, typed, *token),
    }
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// Markdown describing a space for completion and hover.
pub(crate) fn space_doc(ws: &Workspace, namespace: &str) -> String {
    let mut out = String::new();
    for space in resolve::spaces_of(ws, namespace) {
        let sources: Vec<String> = space
            .sources
            .iter()
            .map(|id| match ws.config.skills.source(id) {
                Some(src) => match resolve::source_root(ws, src) {
                    Some(root) => format!("`{id}` ({}: `{}`)", src.kind, resolve::shown(ws, &root)),
                    None => format!("`{id}` ({})", src.kind),
                },
                None => format!("`{id}` (not defined)"),
            })
            .collect();
        out.push_str(&format!(
            "Space `{}` · sources: {}\n\n",
            space.id,
            if sources.is_empty() {
                "none".to_string()
            } else {
                sources.join(", ")
            }
        ));
    }
    out
}

fn namespace_items(
    ws: &Workspace,
    doc: Document,
    typed: &str,
    token: TextRange,
    closed: bool,
) -> CompletionList {
    let typed_lower = typed.to_ascii_lowercase();
    let done = typed_lower.rfind(':').map_or("", |i| &typed_lower[..=i]);
    let bytes = doc.text.as_bytes();
    // `$[ns]` without the `.`: the item adds it, replacing the `]` too.
    let (replace, suffix) = if closed {
        if bytes.get(token.end + 1) == Some(&b'.') {
            (token, "")
        } else {
            (TextRange::new(token.start, token.end + 1), "].")
        }
    } else {
        (token, "].")
    };
    let namespaces = resolve::enabled_namespaces(ws);
    let mut items = Vec::new();
    let mut groups: Vec<(String, usize)> = Vec::new();
    for ns in &namespaces {
        if !ns.starts_with(done) {
            continue;
        }
        let count = ws.index.names_in(ns).count();
        items.push(Completion {
            label: ns.to_string(),
            kind: CompletionKind::Namespace,
            detail: Some(plural(count, "skill")),
            documentation: Some(space_doc(ws, ns)),
            replace,
            new_text: format!("{ns}{suffix}"),
            filter_text: Some(ns.to_string()),
            sort_text: Some(format!("1{ns}")),
            retrigger: !suffix.is_empty(),
        });
        // A deeper namespace: offer its next segment as a group to descend into.
        let rest = &ns[done.len()..];
        if let Some(i) = rest.find(':') {
            let group = format!("{done}{}", &rest[..=i]);
            match groups.iter_mut().find(|(g, _)| *g == group) {
                Some((_, n)) => *n += 1,
                None => groups.push((group, 1)),
            }
        }
    }
    for (group, n) in groups.into_iter().filter(|(_, n)| *n > 1) {
        items.push(Completion {
            label: group.clone(),
            kind: CompletionKind::Namespace,
            detail: Some(plural(n, "namespace")),
            documentation: None,
            replace: TextRange::new(token.start, token.end),
            new_text: group.clone(),
            filter_text: Some(group.clone()),
            sort_text: Some(format!("0{group}")),
            retrigger: true,
        });
    }
    CompletionList {
        items,
        incomplete: false,
    }
}

/// Markdown documentation of a skill.
pub(crate) fn skill_doc(ws: &Workspace, s: &IndexedSkill) -> String {
    let mut out = String::new();
    if !s.description.is_empty() {
        out.push_str(&s.description);
        out.push_str("\n\n");
    }
    out.push_str(&format!("`{}`", resolve::shown(ws, &s.locator)));
    if let (Some(space), Some(source)) = (&s.space_id, &s.source_id) {
        out.push_str(&format!(" · space `{space}` · source `{source}`"));
    }
    out
}

fn first_line(s: &str, max: usize) -> String {
    let line = s.lines().next().unwrap_or_default();
    if line.chars().count() <= max {
        return line.to_string();
    }
    let mut out: String = line.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// The best matches among `candidates` (rank, then the index order, which is by name), at most
/// [`LIMIT`], and whether some were left out.
fn best<T>(mut ranked: Vec<(u8, usize, &T)>) -> (Vec<(u8, usize, &T)>, bool) {
    let cut = ranked.len() > LIMIT;
    if cut {
        ranked.select_nth_unstable_by_key(LIMIT, |(r, i, _)| (*r, *i));
        ranked.truncate(LIMIT);
    }
    ranked.sort_unstable_by_key(|(r, i, _)| (*r, *i));
    (ranked, cut)
}

fn skill_items(
    ws: &Workspace,
    namespace: &str,
    typed: &str,
    replace: TextRange,
    prefix: &str,
) -> CompletionList {
    if ws.index.discovered_without_config || ws.index.names_in(namespace).next().is_none() {
        return CompletionList::default();
    }
    let typed = resolve::lower(typed);
    let mut ranked = Vec::new();
    let mut last: Option<&str> = None;
    for (i, s) in ws.index.skills.iter().enumerate() {
        if s.namespace.as_deref() != Some(namespace) || last == Some(s.name.as_str()) {
            continue;
        }
        last = Some(&s.name);
        if let Some(r) = resolve::match_rank(&typed, &s.name) {
            ranked.push((r, i, s));
        }
    }
    let (ranked, incomplete) = best(ranked);
    let items = ranked
        .into_iter()
        .enumerate()
        .map(|(n, (_, _, s))| Completion {
            label: s.name.clone(),
            kind: CompletionKind::Skill,
            detail: Some(first_line(&s.description, 80)),
            documentation: Some(skill_doc(ws, s)),
            replace,
            new_text: format!("{prefix}{}", s.name),
            filter_text: Some(format!("{prefix}{}", s.name)),
            sort_text: Some(format!("{n:05}")),
            retrigger: false,
        })
        .collect();
    CompletionList { items, incomplete }
}

fn mention_items(ws: &Workspace, typed: &str, replace: TextRange) -> CompletionList {
    if ws.index.discovered_without_config {
        return CompletionList::default();
    }
    let typed = resolve::lower(typed);
    // Few namespaces, many skills: each namespace is matched once.
    let mut ns_ranks: Vec<(&str, Option<u8>)> = Vec::new();
    let mut ranked = Vec::new();
    let mut last: Option<(&str, &str)> = None;
    for (i, s) in ws.index.skills.iter().enumerate() {
        let Some(ns) = s.namespace.as_deref() else {
            continue;
        };
        if last == Some((ns, s.name.as_str())) {
            continue;
        }
        last = Some((ns, &s.name));
        let rank = resolve::match_rank(&typed, &s.name).or_else(|| {
            let r = match ns_ranks.iter().find(|(n, _)| *n == ns) {
                Some((_, r)) => *r,
                None => {
                    let r = resolve::match_rank(&typed, ns);
                    ns_ranks.push((ns, r));
                    r
                }
            };
            r.map(|r| r + 3)
        });
        if let Some(r) = rank {
            ranked.push((r, i, s));
        }
    }
    let (ranked, incomplete) = best(ranked);
    let items = ranked
        .into_iter()
        .enumerate()
        .map(|(n, (_, _, s))| {
            let ns = s.namespace.as_deref().unwrap_or_default();
            let text = skills_runtime::mentions::format_mention(ns, &s.name);
            Completion {
                label: text.clone(),
                kind: CompletionKind::Mention,
                detail: Some(first_line(&s.description, 80)),
                documentation: Some(skill_doc(ws, s)),
                replace,
                filter_text: Some(format!("${} [{ns}]", s.name)),
                new_text: text,
                sort_text: Some(format!("{n:05}")),
                retrigger: false,
            }
        })
        .collect();
    CompletionList { items, incomplete }
}

/// The line break the document uses.
pub(crate) fn eol(text: &str) -> &'static str {
    match text.find(['\n', '\r']) {
        Some(i) if text[i..].starts_with("\r\n") => "\r\n",
        Some(i) if text.as_bytes()[i] == b'\r' => "\r",
        _ => "\n",
    }
}

/// Indentation of the line holding `offset`.
fn indent_at(text: &str, offset: usize) -> usize {
    let line = cursor::line_at(text, offset);
    text[line.start..line.end]
        .bytes()
        .take_while(|&b| b == b' ')
        .count()
}

/// A YAML value as written: quoted when YAML 1.1 would not read the plain text as a string.
pub(crate) fn yaml_string(value: &str) -> String {
    let plain_ok = resolve_plain(value) == ScalarKind::Str
        && !value.is_empty()
        && !value.starts_with(|c: char| "!&*{}[]|>'\"%@`#,?:- ".contains(c))
        && !value.contains(": ")
        && !value.contains(" #")
        && !value.ends_with([':', ' ']);
    if plain_ok {
        value.to_string()
    } else {
        format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

fn key_item(
    label: &str,
    detail: String,
    documentation: String,
    replace: TextRange,
    new_text: String,
    sort: String,
    retrigger: bool,
) -> Completion {
    Completion {
        label: label.to_string(),
        kind: CompletionKind::Key,
        detail: Some(detail),
        documentation: Some(documentation),
        replace,
        new_text,
        filter_text: Some(label.to_string()),
        sort_text: Some(sort),
        retrigger,
    }
}

fn value_item(label: &str, detail: Option<String>, replace: TextRange, sort: usize) -> Completion {
    Completion {
        label: label.to_string(),
        kind: CompletionKind::Value,
        detail,
        documentation: None,
        replace,
        new_text: yaml_string(label),
        filter_text: Some(label.to_string()),
        sort_text: Some(format!("{sort:05}")),
        retrigger: false,
    }
}

/// What to insert after a key so the user can go on typing its value.
fn after_key(text: &str, offset: usize, shape: Shape) -> (String, bool) {
    let eol = eol(text);
    let child = " ".repeat(indent_at(text, offset) + 2);
    match shape {
        Shape::Scalar => (": ".to_string(), false),
        Shape::Mapping => (format!(":{eol}{child}"), true),
        Shape::List => (format!(":{eol}{child}- "), false),
    }
}

fn key_paths(path: &[Seg]) -> Vec<String> {
    path.iter()
        .filter_map(|s| match s {
            Seg::Key(k) => Some(k.clone()),
            Seg::Item(_) => None,
        })
        .collect()
}

fn frontmatter_completion(doc: Document, offset: usize) -> CompletionList {
    let Some(fm) = cursor::frontmatter(doc.text) else {
        return CompletionList::default();
    };
    // At the start of the closing `---` line a key would be typed into the delimiter.
    if offset < fm.yaml.start || (fm.closed && offset >= fm.yaml.end) {
        return CompletionList::default();
    }
    let Some(c) = yaml_cursor::at(doc.text, fm.yaml, offset) else {
        return CompletionList::default();
    };
    let parent = key_paths(&c.path);
    let items = match &c.slot {
        Slot::Key {
            range, has_colon, ..
        } => frontmatter_keys::children(&parent)
            .filter(|k| k.suggest && !c.siblings.iter().any(|s| s == frontmatter_keys::name(k)))
            .map(|k| {
                let name = frontmatter_keys::name(k);
                let (suffix, retrigger) = if *has_colon {
                    (String::new(), false)
                } else {
                    after_key(doc.text, range.start, k.shape)
                };
                key_item(
                    name,
                    k.summary.to_string(),
                    k.doc.to_string(),
                    *range,
                    format!("{name}{suffix}"),
                    format!("{}{name}", if k.required { 0 } else { 1 }),
                    retrigger,
                )
            })
            .collect(),
        Slot::Value { key, range, .. } => frontmatter_values(doc, &parent, key, *range),
    };
    CompletionList {
        items,
        incomplete: false,
    }
}

fn frontmatter_values(
    doc: Document,
    parent: &[String],
    key: &str,
    range: TextRange,
) -> Vec<Completion> {
    match (parent, key) {
        ([], "name") => {
            let Some(dir) = doc
                .path
                .parent()
                .and_then(|p| p.file_name())
                .map(|n| n.to_string_lossy().into_owned())
            else {
                return Vec::new();
            };
            let mut out = Vec::new();
            if skills_runtime::mentions::is_valid_skill_name(&dir) {
                out.push(value_item(
                    &dir,
                    Some("the directory name".into()),
                    range,
                    0,
                ));
            } else if let Some(slug) = skills_runtime::skill::slugify(&dir) {
                out.push(value_item(
                    &slug,
                    Some(format!("from the directory name `{dir}`")),
                    range,
                    0,
                ));
            }
            out
        }
        ([a, _], "kind") if a == "actions" => {
            vec![value_item(
                "shell",
                Some("the only kind the runtime runs".into()),
                range,
                0,
            )]
        }
        _ => Vec::new(),
    }
}

/// `Ty` in words, for details.
pub(crate) fn describe_ty(ty: &Ty) -> String {
    match ty {
        Ty::Model(_) | Ty::DictAny => "mapping".into(),
        Ty::Str => "string".into(),
        Ty::Namespace => "namespace".into(),
        Ty::Int { strict, min } => {
            let base = if *strict { "strict integer" } else { "integer" };
            match min {
                Some(m) => format!("{base} ≥ {m}"),
                None => base.into(),
            }
        }
        Ty::Float { min, max } => match max {
            Some(max) => format!("number {min}..{max}"),
            None => format!("number ≥ {min}"),
        },
        Ty::Bool { strict } => if *strict { "strict boolean" } else { "boolean" }.into(),
        Ty::Literal(values) => values.join(" | "),
        Ty::Optional(inner) => format!("{} or null", describe_ty(inner)),
        Ty::ListOf(inner) => format!("list of {}", describe_ty(inner)),
    }
}

/// Markdown documentation of a schema field.
pub(crate) fn field_doc(path: &[String], field: &Field) -> String {
    let mut dotted: Vec<&str> = path.iter().map(String::as_str).collect();
    dotted.push(field.name);
    let mut out = format!(
        "`{}` — {}\n\n{}",
        dotted.join("."),
        describe_ty(&field.ty),
        field.doc
    );
    if field.required {
        out.push_str("\n\n**Required.**");
    } else if !field.default.is_empty() {
        out.push_str(&format!("\n\nDefault: `{}`", field.default));
    }
    out
}

fn shape_of(ty: &Ty) -> Shape {
    match ty {
        Ty::Model(_) | Ty::DictAny => Shape::Mapping,
        Ty::ListOf(_) => Shape::List,
        Ty::Optional(inner) => shape_of(inner),
        _ => Shape::Scalar,
    }
}

/// Source option keys per type (`options` is a free mapping in the schema).
const SOURCE_OPTIONS: &[(&str, &str)] = &[
    (
        "root",
        "filesystem: the directory scanned for SKILL.md files (relative to the workspace root).",
    ),
    (
        "namespace",
        "in-memory: the registry key the host injects skills under (not the space namespace).",
    ),
    (
        "dsn_env",
        "redis, pgsql: the *name* of the environment variable that holds the DSN.",
    ),
    (
        "key_prefix",
        "redis: prefix of the skill hashes (`{key_prefix}meta:{namespace}:*`).",
    ),
    ("schema", "pgsql: schema of the skills table."),
    ("table", "pgsql: the skills table."),
];

const SOURCE_TYPES: [&str; 4] = ["filesystem", "in-memory", "redis", "pgsql"];

fn config_completion(ws: &Workspace, doc: Document, offset: usize) -> CompletionList {
    let region = TextRange::new(0, doc.text.len());
    let Some(c) = yaml_cursor::at(doc.text, region, offset) else {
        return CompletionList::default();
    };
    let items = match &c.slot {
        Slot::Key {
            range,
            has_colon,
            bare_item,
        } => config_keys(ws, doc, &c, *range, *has_colon, *bare_item),
        Slot::Value {
            key, range, item, ..
        } => {
            let path = c.schema_path();
            config_values(ws, &path, key, *range, *item)
        }
    };
    CompletionList {
        items,
        incomplete: false,
    }
}

fn config_keys(
    ws: &Workspace,
    doc: Document,
    c: &YamlCursor,
    range: TextRange,
    has_colon: bool,
    bare_item: bool,
) -> Vec<Completion> {
    let path = c.schema_path();
    let segs: Vec<&str> = path.iter().map(String::as_str).collect();
    if let Some(model) = schema::model_at(&segs) {
        return model
            .fields
            .iter()
            .filter(|f| !c.siblings.iter().any(|s| s == f.name))
            .map(|f| {
                let (suffix, retrigger) = if has_colon {
                    (String::new(), false)
                } else {
                    after_key(doc.text, range.start, shape_of(&f.ty))
                };
                let plain: Vec<String> = path
                    .iter()
                    .map(|p| p.trim_end_matches("[]").to_string())
                    .collect();
                key_item(
                    f.name,
                    describe_ty(&f.ty),
                    field_doc(&plain, f),
                    range,
                    format!("{}{suffix}", f.name),
                    format!("{}{}", if f.required { 0 } else { 1 }, f.name),
                    retrigger,
                )
            })
            .collect();
    }
    // `options:` of a source: keys per source type.
    if path.len() == 3 && path[0] == "skills" && path[1] == "sources[]" && path[2] == "options" {
        return SOURCE_OPTIONS
            .iter()
            .filter(|(k, _)| !c.siblings.iter().any(|s| s == k))
            .map(|(k, doc_text)| {
                key_item(
                    k,
                    "source option".into(),
                    doc_text.to_string(),
                    range,
                    if has_colon {
                        k.to_string()
                    } else {
                        format!("{k}: ")
                    },
                    format!("1{k}"),
                    false,
                )
            })
            .collect();
    }
    // `- x` in a list of scalars is a value, not a key.
    if bare_item {
        if let Some(last) = path.last().filter(|l| l.ends_with("[]")) {
            let key = last.trim_end_matches("[]").to_string();
            return config_values(ws, &path[..path.len() - 1], &key, range, true);
        }
    }
    Vec::new()
}

fn config_values(
    ws: &Workspace,
    path: &[String],
    key: &str,
    range: TextRange,
    item: bool,
) -> Vec<Completion> {
    let segs: Vec<&str> = path.iter().map(String::as_str).collect();
    if segs == ["skills", "spaces[]"] && key == "sources" {
        let mut seen: Vec<&str> = Vec::new();
        let mut out = Vec::new();
        for src in &ws.config.skills.sources {
            if seen.contains(&src.id.as_str()) {
                continue;
            }
            seen.push(&src.id);
            let detail = match resolve::source_root(ws, src) {
                Some(root) => format!("{} · {}", src.kind, resolve::shown(ws, &root)),
                None => src.kind.clone(),
            };
            let mut it = value_item(&src.id, Some(detail), range, out.len());
            if !item {
                it.new_text = format!("[{}]", it.new_text);
            }
            out.push(it);
        }
        return out;
    }
    if segs == ["skills", "sources[]"] && key == "type" {
        return SOURCE_TYPES
            .iter()
            .enumerate()
            .map(|(i, t)| value_item(t, Some("source type".into()), range, i))
            .collect();
    }
    let Some(field) = schema::model_at(&segs).and_then(|m| m.field(key)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut ty = &field.ty;
    let mut nullable = false;
    if let Ty::Optional(inner) = ty {
        ty = inner;
        nullable = true;
    }
    match ty {
        Ty::Literal(values) => {
            for v in values.iter() {
                let detail = (*v == field.default).then(|| "default".to_string());
                out.push(value_item(v, detail, range, out.len()));
            }
        }
        Ty::Bool { .. } => {
            for v in ["true", "false"] {
                let detail = (v == field.default).then(|| "default".to_string());
                let mut it = value_item(v, detail, range, out.len());
                it.new_text = v.to_string();
                out.push(it);
            }
        }
        Ty::Int { .. } | Ty::Float { .. } | Ty::Str if !field.default.is_empty() => {
            let mut it = value_item(field.default, Some("default".into()), range, 0);
            if !matches!(ty, Ty::Str) {
                it.new_text = field.default.to_string();
            }
            out.push(it);
        }
        _ => {}
    }
    if nullable {
        let mut it = value_item("null", Some("none".into()), range, out.len());
        it.new_text = "null".into();
        out.push(it);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{TestWorkspace, at_bar};
    use super::*;

    fn labels(items: &[Completion]) -> Vec<&str> {
        items.iter().map(|i| i.label.as_str()).collect()
    }

    fn two_space_workspace() -> TestWorkspace {
        let t = TestWorkspace::new();
        t.file(
            "config/runtime.yaml",
            "skills:\n  spaces:\n    - {id: docs, namespace: \"acme:docs\", sources: [fs]}\n    - {id: code, namespace: \"acme:code:review\", sources: [fs2]}\n    - {id: off, namespace: \"old\", sources: [fs], enabled: false}\n  sources:\n    - {id: fs, type: filesystem, options: {root: skills}}\n    - {id: fs2, type: filesystem, options: {root: more}}\n",
        );
        t.skill(
            "skills/article-writer",
            "article-writer",
            "Writes articles.",
        );
        t.skill("skills/article-reader", "article-reader", "Reads articles.");
        t.skill("more/linter", "linter", "Lints code.");
        t
    }

    #[test]
    fn namespaces_inside_the_brackets_replace_the_whole_token() {
        let t = two_space_workspace();
        let ws = t.check();
        let (text, at) = at_bar("see $[ac|me:docs].article-writer");
        let items = completion(&ws, t.doc("notes.md", &text), at);
        assert_eq!(labels(&items), ["acme:docs", "acme:code:review", "acme:"]);
        assert_eq!(items[2].new_text, "acme:");
        assert_eq!(items[0].replace, TextRange::new(6, 15));
        assert_eq!(items[0].new_text, "acme:docs");
        let (text, at) = at_bar("$[acme:|");
        let items = completion(&ws, t.doc("notes.md", &text), at);
        assert_eq!(items[0].new_text, "acme:docs].");
        assert!(items[0].retrigger);
        assert_eq!(items[0].replace, TextRange::new(2, 7));
    }

    #[test]
    fn skills_after_the_dot_come_with_descriptions() {
        let t = two_space_workspace();
        let ws = t.check();
        let (text, at) = at_bar("use $[acme:docs].art|icle-wr now");
        let items = completion(&ws, t.doc("notes.md", &text), at);
        assert_eq!(labels(&items), ["article-reader", "article-writer"]);
        assert_eq!(items[1].replace, TextRange::new(17, 27));
        assert_eq!(items[1].detail.as_deref(), Some("Writes articles."));
        assert!(
            items[1]
                .documentation
                .as_ref()
                .unwrap()
                .contains("skills/article-writer/SKILL.md")
        );
        let (text, at) = at_bar("$[acme:code:review]|");
        let items = completion(&ws, t.doc("notes.md", &text), at);
        assert_eq!(items[0].new_text, ".linter");
    }

    #[test]
    fn a_dollar_offers_every_full_mention() {
        let t = two_space_workspace();
        let ws = t.check();
        let (text, at) = at_bar("日本語 $lin|");
        let items = completion(&ws, t.doc("notes.md", &text), at);
        assert_eq!(labels(&items), ["$[acme:code:review].linter"]);
        assert_eq!(items[0].replace, TextRange::new(10, 14));
    }

    #[test]
    fn frontmatter_keys_and_the_directory_name() {
        let t = two_space_workspace();
        let ws = t.check();
        let (text, at) = at_bar("---\r\nname: |\r\ndescr\r\n---\r\n");
        let doc = t.doc("skills/new-skill/SKILL.md", &text);
        let items = completion(&ws, doc, at);
        assert_eq!(labels(&items), ["new-skill"]);
        let (text, at) = at_bar("---\r\nname: x\r\ndes|cr\r\n---\r\n");
        let items = completion(&ws, t.doc("skills/new-skill/SKILL.md", &text), at);
        assert!(labels(&items).contains(&"description"));
        assert!(!labels(&items).contains(&"name"));
        let d = items.iter().find(|i| i.label == "description").unwrap();
        assert_eq!(d.replace, TextRange::new(14, 19));
        assert_eq!(d.new_text, "description: ");
        let m = items.iter().find(|i| i.label == "metadata").unwrap();
        assert_eq!(m.new_text, "metadata:\r\n  ");
    }

    #[test]
    fn nothing_is_offered_on_the_delimiters() {
        let t = two_space_workspace();
        let ws = t.check();
        for with_bar in [
            "|---\nname: x\n---\n",
            "---\nname: x\n|---\n",
            "---\nname: x\n---\n|",
        ] {
            let (text, at) = at_bar(with_bar);
            assert!(
                completion(&ws, t.doc("skills/x/SKILL.md", &text), at).is_empty(),
                "{with_bar}"
            );
        }
    }

    #[test]
    fn config_keys_values_and_source_ids() {
        let t = two_space_workspace();
        let ws = t.check();
        let (text, at) = at_bar("skills:\n  scan:\n    max_d|\n");
        let items = completion(&ws, t.doc("config/runtime.yaml", &text), at);
        assert_eq!(labels(&items).len(), schema::SCAN.fields.len());
        let (text, at) = at_bar("skills:\n  spaces:\n    - {id: a, namespace: x, sources: [|]}\n");
        let items = completion(&ws, t.doc("config/runtime.yaml", &text), at);
        assert_eq!(labels(&items), ["fs", "fs2"]);
        let (text, at) = at_bar("safety:\n  mode: |\n");
        let items = completion(&ws, t.doc("config/runtime.yaml", &text), at);
        assert_eq!(labels(&items), ["allow", "ask", "deny"]);
        let (text, at) = at_bar("skills:\n  spaces:\n    - id: a\n      sources:\n        - f|\n");
        let items = completion(&ws, t.doc("config/runtime.yaml", &text), at);
        assert_eq!(labels(&items), ["fs", "fs2"]);
    }

    #[test]
    fn deeper_namespaces_complete_segment_by_segment() {
        let t = two_space_workspace();
        let ws = t.check();
        let (text, at) = at_bar("$[acme:code:|]");
        let items = completion(&ws, t.doc("notes.md", &text), at);
        assert_eq!(labels(&items), ["acme:code:review"]);
        // `]` follows but no `.`: the item adds both, replacing the `]`.
        assert_eq!(items[0].replace, TextRange::new(2, 13));
        assert_eq!(items[0].new_text, "acme:code:review].");
        let (text, at) = at_bar("$[x|");
        let items = completion(&ws, t.doc("notes.md", &text), at);
        assert!(labels(&items).contains(&"acme:docs"), "the client filters");
        assert!(
            !labels(&items).contains(&"old"),
            "disabled spaces do not resolve"
        );
    }

    #[test]
    fn cursor_at_the_end_of_a_whole_name_still_replaces_it() {
        let t = two_space_workspace();
        let ws = t.check();
        let (text, at) = at_bar("$[acme:docs].article-writer|");
        let items = completion(&ws, t.doc("notes.md", &text), at);
        assert_eq!(labels(&items), ["article-writer"]);
        assert_eq!(items[0].replace, TextRange::new(13, 27));
        let (text, at) = at_bar("$[acme:docs].|");
        let items = completion(&ws, t.doc("notes.md", &text), at);
        assert_eq!(labels(&items), ["article-reader", "article-writer"]);
        assert_eq!(items[0].replace, TextRange::empty(13));
    }

    #[test]
    fn duplicates_once_rejected_never_no_config_nothing() {
        let t = two_space_workspace();
        t.skill("skills/again/article-writer", "article-writer", "Again.");
        t.file("skills/broken/SKILL.md", "---\nname: article-broken\n---\n");
        let ws = t.check();
        let (text, at) = at_bar("$[acme:docs].art|");
        let items = completion(&ws, t.doc("notes.md", &text), at);
        assert_eq!(labels(&items), ["article-reader", "article-writer"]);
        let bare = TestWorkspace::new();
        bare.skill("skills/x", "xx", "X.");
        let ws = bare.check();
        let (text, at) = at_bar("$[|");
        assert!(completion(&ws, bare.doc("n.md", &text), at).is_empty());
        let (text, at) = at_bar("$|");
        assert!(completion(&ws, bare.doc("n.md", &text), at).is_empty());
    }

    #[test]
    fn long_lists_are_cut_and_marked_incomplete() {
        let t = TestWorkspace::one_space();
        for i in 0..(LIMIT + 5) {
            t.skill(&format!("skills/s{i:03}"), &format!("s{i:03}"), "S.");
        }
        let ws = t.check();
        let (text, at) = at_bar("$[acme:docs].|");
        let list = completion_list(&ws, t.doc("n.md", &text), at);
        assert_eq!(list.items.len(), LIMIT);
        assert!(list.incomplete);
        assert_eq!(list.items[0].label, "s000");
        let (text, at) = at_bar("$[acme:docs].s20|");
        let list = completion_list(&ws, t.doc("n.md", &text), at);
        assert_eq!(labels(&list.items)[..3], ["s200", "s201", "s202"]);
        assert!(!list.incomplete);
    }

    #[test]
    fn yaml_strings_are_quoted_only_when_needed() {
        assert_eq!(yaml_string("demo"), "demo");
        assert_eq!(yaml_string("yes"), "\"yes\"");
        assert_eq!(yaml_string("12"), "\"12\"");
        assert_eq!(yaml_string("a: b"), "\"a: b\"");
    }
}
