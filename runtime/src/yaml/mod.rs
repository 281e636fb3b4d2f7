//! YAML with source spans, read the way the reference runtime reads it: PyYAML `safe_load`.
//!
//! saphyr-parser supplies events with spans; on top of that this module builds an arena tree
//! (no recursion, so 10,000-deep nesting and alias bombs cost nothing) and reproduces the PyYAML
//! behaviours that decide whether a file is accepted: YAML 1.1 implicit typing of plain scalars
//! ([`scalar`]), the characters its reader refuses, single-document streams, tags its
//! `SafeConstructor` knows, merge keys, and the constructor failures that escape as non-YAML
//! exceptions (which crash the runtime's scan instead of failing open).

pub mod scalar;

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

use crate::text::TextRange;
pub use scalar::ScalarKind;

pub type NodeId = u32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

impl Style {
    pub fn is_quoted(self) -> bool {
        matches!(self, Style::SingleQuoted | Style::DoubleQuoted)
    }
}

#[derive(Debug, Clone)]
pub enum NodeKind {
    Scalar {
        value: String,
        style: Style,
        tag: Option<String>,
    },
    Seq {
        items: Vec<NodeId>,
        tag: Option<String>,
    },
    Map {
        entries: Vec<(NodeId, NodeId)>,
        tag: Option<String>,
    },
    /// An alias; the id is the anchored node it names.
    Alias(NodeId),
}

#[derive(Debug, Clone)]
pub struct Node {
    pub kind: NodeKind,
    pub span: TextRange,
}

/// A parse failure PyYAML would raise as `yaml.YAMLError` (the runtime fails open on it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub range: TextRange,
    pub message: String,
}

/// What loading a document means for the runtime beyond syntax.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadProblem {
    /// PyYAML raises a `YAMLError` subclass (e.g. unknown tag, unhashable key).
    YamlError(YamlError),
    /// PyYAML's constructor raises a non-YAML exception (e.g. `ValueError` for `2024-13-45`),
    /// which the runtime does not catch.
    Crash(YamlError),
}

#[derive(Debug, Clone, Default)]
pub struct YamlDoc {
    nodes: Vec<Node>,
    root: Option<NodeId>,
    /// Maximum collection nesting depth seen.
    pub max_depth: usize,
}

/// Deepest nesting PyYAML's recursive composer survives under CPython's default recursion
/// limit of 1000 (two frames per level plus the caller's); deeper documents raise
/// `RecursionError`, which the runtime does not catch.
pub const PYYAML_MAX_DEPTH: usize = 491;

/// Merged entries beyond which PyYAML's `flatten_mapping` (about a microsecond per copied
/// pair, measured) takes the runtime's scan into minutes or out of memory.
pub const PYYAML_MAX_MERGE_EXPANSION: u128 = 20_000_000;

/// One mapping entry after merge keys are applied, last duplicate winning.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub key: NodeId,
    pub value: NodeId,
}

impl YamlDoc {
    pub fn root(&self) -> Option<NodeId> {
        self.root
    }
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id as usize]
    }
    pub fn span(&self, id: NodeId) -> TextRange {
        self.node(id).span
    }
    /// Follows aliases to the node they name.
    pub fn target(&self, mut id: NodeId) -> NodeId {
        for _ in 0..64 {
            match self.node(id).kind {
                NodeKind::Alias(t) => id = t,
                _ => return id,
            }
        }
        id
    }

    /// The Python type PyYAML constructs for this node.
    pub fn kind(&self, id: NodeId) -> ScalarKind {
        let id = self.target(id);
        match &self.node(id).kind {
            NodeKind::Scalar { value, style, tag } => {
                scalar::kind_of(value, *style, tag.as_deref())
            }
            NodeKind::Seq { tag, .. } => match tag.as_deref() {
                Some(t) if t.ends_with(":set") => ScalarKind::Set,
                _ => ScalarKind::Seq,
            },
            NodeKind::Map { tag, .. } => match tag.as_deref() {
                Some(t) if t.ends_with(":set") => ScalarKind::Set,
                Some(t) if t.ends_with(":omap") || t.ends_with(":pairs") => ScalarKind::Seq,
                _ => ScalarKind::Map,
            },
            NodeKind::Alias(_) => ScalarKind::Null,
        }
    }

    /// The raw scalar text (after YAML unescaping), whatever its type.
    pub fn scalar_text(&self, id: NodeId) -> Option<&str> {
        match &self.node(self.target(id)).kind {
            NodeKind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// The value as a Python `str`, if PyYAML would construct one.
    pub fn as_str(&self, id: NodeId) -> Option<&str> {
        match self.kind(id) {
            ScalarKind::Str => self.scalar_text(id),
            _ => None,
        }
    }

    /// Sequence items, if this is a sequence.
    pub fn items(&self, id: NodeId) -> Option<&[NodeId]> {
        match &self.node(self.target(id)).kind {
            NodeKind::Seq { items, .. } => Some(items),
            _ => None,
        }
    }

    pub fn is_map(&self, id: NodeId) -> bool {
        matches!(self.node(self.target(id)).kind, NodeKind::Map { .. })
    }

    /// Effective entries of a mapping: merge keys (`<<`) expanded the PyYAML way, and for
    /// duplicate string keys only the last kept (Python dict semantics). `None` if not a map.
    pub fn entries(&self, id: NodeId) -> Option<Vec<Entry>> {
        let id = self.target(id);
        let NodeKind::Map { .. } = self.node(id).kind else {
            return None;
        };
        Some(self.flatten(id, &mut HashMap::new(), 0))
    }

    /// Keeps each key once: at its first position, with its last value. Applying this to
    /// every merged part and again to the whole gives the same result as applying it once
    /// to the whole, so each part can be reduced (and memoized) on its own.
    fn dedup_entries(&self, flat: Vec<Entry>) -> Vec<Entry> {
        let mut out: Vec<Entry> = Vec::with_capacity(flat.len());
        let mut index: HashMap<(ScalarKind, &str), usize> = HashMap::new();
        for e in flat {
            let key = self.key_identity(e.key);
            match key.and_then(|k| index.get(&k).copied()) {
                Some(i) => out[i].value = e.value,
                None => {
                    if let Some(k) = key {
                        index.insert(k, out.len());
                    }
                    out.push(e);
                }
            }
        }
        out
    }

    fn key_identity(&self, key: NodeId) -> Option<(ScalarKind, &str)> {
        let kind = self.kind(key);
        self.scalar_text(key).map(|t| (kind, t))
    }

    /// The de-duplicated entries of mapping `id` with merges expanded. Memoized per
    /// (node, depth): a mapping merged many times over (`<<: [*a, *a, ...]` nested, a
    /// "billion laughs" of merge keys) is flattened once per level, not once per path.
    fn flatten(
        &self,
        id: NodeId,
        memo: &mut HashMap<(NodeId, usize), Vec<Entry>>,
        depth: usize,
    ) -> Vec<Entry> {
        let NodeKind::Map { entries, .. } = &self.node(id).kind else {
            return Vec::new();
        };
        if depth > 32 {
            return Vec::new();
        }
        if let Some(done) = memo.get(&(id, depth)) {
            return done.clone();
        }
        let mut merged = Vec::new();
        let mut own = Vec::new();
        for &(k, v) in entries {
            if self.kind(k) == ScalarKind::Merge {
                let v = self.target(v);
                match &self.node(v).kind {
                    NodeKind::Map { .. } => merged.extend(self.flatten(v, memo, depth + 1)),
                    NodeKind::Seq { items, .. } => {
                        for &item in items.iter().rev() {
                            let item = self.target(item);
                            merged.extend(self.flatten(item, memo, depth + 1));
                        }
                    }
                    _ => {}
                }
            } else {
                own.push(Entry { key: k, value: v });
            }
        }
        merged.extend(own);
        let out = self.dedup_entries(merged);
        memo.insert((id, depth), out.clone());
        out
    }

    /// Looks up a string key in a mapping (after merges; last duplicate wins).
    pub fn get(&self, map: NodeId, key: &str) -> Option<Entry> {
        self.entries(map)?
            .into_iter()
            .find(|e| self.kind(e.key) == ScalarKind::Str && self.scalar_text(e.key) == Some(key))
    }

    /// Raw (pre-merge) entries of a mapping, in source order, duplicates included.
    pub fn raw_entries(&self, id: NodeId) -> &[(NodeId, NodeId)] {
        match &self.node(self.target(id)).kind {
            NodeKind::Map { entries, .. } => entries,
            _ => &[],
        }
    }

    /// Runs the checks PyYAML's `SafeConstructor` makes over the whole document.
    pub fn check_construct(&self) -> Result<(), LoadProblem> {
        if self.max_depth > PYYAML_MAX_DEPTH {
            let at = self.deepest_span();
            return Err(LoadProblem::Crash(YamlError {
                range: at,
                message: format!(
                    "nesting is {} levels deep; PyYAML's recursive composer exceeds Python's recursion limit beyond about {PYYAML_MAX_DEPTH}",
                    self.max_depth
                ),
            }));
        }
        for node in &self.nodes {
            match &node.kind {
                NodeKind::Scalar { value, style, tag } => {
                    scalar::check_construct(value, *style, tag.as_deref(), node.span)?
                }
                NodeKind::Seq { tag, .. } => {
                    check_collection_tag(tag.as_deref(), "seq", node.span)?
                }
                NodeKind::Map { entries, tag } => {
                    check_collection_tag(tag.as_deref(), "map", node.span)?;
                    for &(k, v) in entries {
                        let kt = self.target(k);
                        if matches!(
                            self.node(kt).kind,
                            NodeKind::Seq { .. } | NodeKind::Map { .. }
                        ) {
                            return Err(LoadProblem::YamlError(YamlError {
                                range: self.span(k),
                                message: "found unhashable key (a list or mapping used as a key)"
                                    .into(),
                            }));
                        }
                        if self.kind(k) == ScalarKind::Merge {
                            self.check_merge(v)?;
                        }
                    }
                }
                NodeKind::Alias(_) => {}
            }
        }
        let (expansion, at) = self.merge_expansion();
        if expansion > PYYAML_MAX_MERGE_EXPANSION {
            return Err(LoadProblem::Crash(YamlError {
                range: self.span(at),
                message: format!(
                    "merge keys (`<<`) here expand to about {expansion} entries; PyYAML copies every one of them, so the runtime's scan runs for minutes or exhausts memory"
                ),
            }));
        }
        Ok(())
    }

    /// The merge sources of a mapping: the mappings its `<<` keys name.
    fn merge_sources(&self, map: NodeId) -> Vec<NodeId> {
        let mut out = Vec::new();
        for &(k, v) in self.raw_entries(map) {
            if self.kind(k) != ScalarKind::Merge {
                continue;
            }
            let v = self.target(v);
            match &self.node(v).kind {
                NodeKind::Map { .. } => out.push(v),
                NodeKind::Seq { items, .. } => out.extend(
                    items
                        .iter()
                        .map(|&i| self.target(i))
                        .filter(|&i| self.is_map(i)),
                ),
                _ => {}
            }
        }
        out
    }

    /// How many key/value pairs PyYAML's `flatten_mapping` materialises for the largest
    /// mapping (it concatenates merged lists without removing duplicates), and that mapping.
    /// Iterative, memoized, and safe against recursive aliases.
    fn merge_expansion(&self) -> (u128, NodeId) {
        let mut memo: HashMap<NodeId, u128> = HashMap::new();
        let mut best = (0, 0);
        for (i, node) in self.nodes.iter().enumerate() {
            let NodeKind::Map { .. } = node.kind else {
                continue;
            };
            let root = i as NodeId;
            let mut stack = vec![(root, false)];
            let mut in_progress = std::collections::HashSet::new();
            while let Some((id, expanded)) = stack.pop() {
                if memo.contains_key(&id) {
                    continue;
                }
                let sources = self.merge_sources(id);
                if !expanded {
                    in_progress.insert(id);
                    stack.push((id, true));
                    for s in sources {
                        if !memo.contains_key(&s) && !in_progress.contains(&s) {
                            stack.push((s, false));
                        }
                    }
                } else {
                    let own = self
                        .raw_entries(id)
                        .iter()
                        .filter(|(k, _)| self.kind(*k) != ScalarKind::Merge)
                        .count() as u128;
                    let merged: u128 = sources
                        .iter()
                        .map(|s| memo.get(s).copied().unwrap_or(0))
                        .fold(0u128, u128::saturating_add);
                    memo.insert(id, own.saturating_add(merged));
                    in_progress.remove(&id);
                }
            }
            let size = memo.get(&root).copied().unwrap_or(0);
            if size > best.0 {
                best = (size, root);
            }
        }
        best
    }

    fn check_merge(&self, v: NodeId) -> Result<(), LoadProblem> {
        let bad = |id: NodeId| {
            LoadProblem::YamlError(YamlError {
                range: self.span(id),
                message: "a merge key `<<` needs a mapping or a list of mappings".into(),
            })
        };
        let t = self.target(v);
        match &self.node(t).kind {
            NodeKind::Map { .. } => Ok(()),
            NodeKind::Seq { items, .. } => {
                for &item in items {
                    if !self.is_map(item) {
                        return Err(bad(item));
                    }
                }
                Ok(())
            }
            _ => Err(bad(v)),
        }
    }

    fn deepest_span(&self) -> TextRange {
        self.nodes.last().map(|n| n.span).unwrap_or_default()
    }
}

fn check_collection_tag(
    tag: Option<&str>,
    default: &str,
    span: TextRange,
) -> Result<(), LoadProblem> {
    let Some(tag) = tag else { return Ok(()) };
    let known = [
        "tag:yaml.org,2002:seq",
        "tag:yaml.org,2002:map",
        "tag:yaml.org,2002:omap",
        "tag:yaml.org,2002:pairs",
        "tag:yaml.org,2002:set",
    ];
    if known.contains(&tag) || tag == "!" {
        return Ok(());
    }
    Err(LoadProblem::YamlError(YamlError {
        range: span,
        message: format!("could not determine a constructor for the tag '{tag}' on a {default}"),
    }))
}

/// Characters PyYAML's reader refuses anywhere in the stream (`Reader.NON_PRINTABLE`).
pub fn is_pyyaml_printable(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7e}' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..='\u{10ffff}')
}

/// Converts saphyr's character indices into byte offsets of the original text.
struct Offsets<'a> {
    text: &'a str,
    ascii: bool,
    /// Padding inserted before parsing (see [`reindent_continuations`]): (char index in the
    /// parsed text where it starts, number of characters), in order.
    insertions: &'a [(usize, usize)],
    /// (char index, byte offset) of the last conversion, to walk forward cheaply.
    cursor: (usize, usize),
}

impl<'a> Offsets<'a> {
    fn new(text: &'a str, insertions: &'a [(usize, usize)]) -> Self {
        Self {
            text,
            ascii: text.is_ascii(),
            insertions,
            cursor: (0, 0),
        }
    }
    /// Maps a character index of the parsed text back to the original text.
    fn original_char(&self, parsed: usize) -> usize {
        let mut removed = 0;
        for &(at, count) in self.insertions {
            if at >= parsed {
                break;
            }
            removed += count.min(parsed - at);
        }
        parsed - removed
    }
    fn byte(&mut self, parsed_char_index: usize) -> usize {
        let char_index = self.original_char(parsed_char_index);
        if self.ascii {
            return char_index.min(self.text.len());
        }
        let (mut ci, mut bi) = self.cursor;
        if char_index < ci {
            ci = 0;
            bi = 0;
        }
        for ch in self.text[bi..].chars() {
            if ci == char_index {
                break;
            }
            ci += 1;
            bi += ch.len_utf8();
        }
        self.cursor = (ci, bi);
        bi
    }
    fn range(&mut self, span: Span) -> TextRange {
        let s = self.byte(span.start.index());
        let e = self.byte(span.end.index()).max(s);
        TextRange::new(s, e)
    }
}

/// A collection whose end event has not arrived yet.
struct Open {
    start: usize,
    is_seq: bool,
    /// Items, or keys and values alternating.
    children: Vec<NodeId>,
    tag: Option<String>,
    id: NodeId,
}

fn tag_string(tag: Option<std::borrow::Cow<'_, saphyr_parser::Tag>>) -> Option<String> {
    tag.map(|t| format!("{}{}", t.handle, t.suffix))
}

/// Parses one YAML document. `base` is added to every span, so spans index the whole file.
///
/// saphyr-parser stops at 255 nested flow collections; such input is reported as a
/// [`LoadProblem::Crash`] (PyYAML's own limit is ~491 levels, so 256..=491 is a known divergence
/// documented in `docs/conformance.md`).
pub fn parse(text: &str, base: usize) -> Result<YamlDoc, LoadProblem> {
    parse_syntax(text, base).map_err(|e| {
        if e.message.contains("recursion limit") {
            LoadProblem::Crash(YamlError {
                range: e.range,
                message: "collections nested too deeply (over 255 flow levels); PyYAML raises RecursionError past ~491 levels".into(),
            })
        } else {
            LoadProblem::YamlError(e)
        }
    })
}

fn parse_syntax(text: &str, base: usize) -> Result<YamlDoc, YamlError> {
    if let Some((i, c)) = text.char_indices().find(|&(_, c)| !is_pyyaml_printable(c)) {
        return Err(YamlError {
            range: TextRange::new(base + i, base + i + c.len_utf8()),
            message: format!(
                "unacceptable character #x{:04x}: special characters are not allowed",
                c as u32
            ),
        });
    }
    // PyYAML (YAML 1.1) also breaks lines at NEL, LS and PS; YAML 1.2 parsers do not. Each is
    // one character, so replacing them with `\n` keeps saphyr's character indices valid for
    // the original text.
    let translated: std::borrow::Cow<str> = if text.contains(['\u{85}', '\u{2028}', '\u{2029}']) {
        text.chars()
            .map(|c| {
                if matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}') {
                    '\n'
                } else {
                    c
                }
            })
            .collect::<String>()
            .into()
    } else {
        text.into()
    };
    // saphyr-parser is not expected to panic, but a malformed file must never take the
    // process down: treat a panic as a syntax error at the start.
    let parsed = std::panic::catch_unwind(|| {
        parse_events(&translated, text, base, &[]).or_else(|first_error| {
            // PyYAML does not check indentation inside flow collections and quoted scalars;
            // saphyr does. Retry with those continuation lines indented (whitespace there is
            // folded away, so values are unchanged) before reporting the first error.
            match reindent_continuations(&translated) {
                Some((padded, insertions)) => {
                    parse_events(&padded, text, base, &insertions).map_err(|_| first_error)
                }
                None => Err(first_error),
            }
        })
    });
    let parsed = parsed.map(|r| r.and_then(|doc| check_tabs(text, base, &doc).map(|()| doc)));
    parsed.unwrap_or_else(|_| {
        Err(YamlError {
            range: TextRange::empty(base),
            message: "YAML parser failure".into(),
        })
    })
}

/// `text` is what the parser reads; `original` (same characters count) is what spans index.
fn parse_events(
    text: &str,
    original: &str,
    base: usize,
    insertions: &[(usize, usize)],
) -> Result<YamlDoc, YamlError> {
    let mut offsets = Offsets::new(original, insertions);
    let mut parser = Parser::new_from_str(text);
    let mut doc = YamlDoc::default();
    let mut stack: Vec<Open> = Vec::new();
    let mut anchors: HashMap<usize, NodeId> = HashMap::new();
    let mut anchor_names: std::collections::HashSet<String> = Default::default();
    let mut documents = 0;
    let err = |offsets: &mut Offsets, index: usize, message: String| YamlError {
        range: TextRange::empty(base + offsets.byte(index)),
        message,
    };
    loop {
        let (event, span) = match parser.next_event() {
            None => break,
            Some(Ok(ev)) => ev,
            Some(Err(e)) => {
                return Err(err(&mut offsets, e.marker().index(), e.info().to_string()));
            }
        };
        let range = offsets.range(span).shift(base);
        let mut finished: Option<NodeId> = None;
        let is_seq = matches!(event, Event::SequenceStart(..));
        match event {
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(YamlError {
                        range,
                        message:
                            "expected a single document in the stream, but found another document"
                                .into(),
                    });
                }
            }
            Event::Scalar(value, style, anchor, tag) => {
                let style = match style {
                    ScalarStyle::Plain => Style::Plain,
                    ScalarStyle::SingleQuoted => Style::SingleQuoted,
                    ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
                    ScalarStyle::Literal => Style::Literal,
                    ScalarStyle::Folded => Style::Folded,
                };
                let id = push(
                    &mut doc,
                    NodeKind::Scalar {
                        value: value.into_owned(),
                        style,
                        tag: tag_string(tag),
                    },
                    range,
                );
                register_anchor(
                    &mut anchors,
                    &mut anchor_names,
                    anchor,
                    id,
                    original,
                    range,
                    base,
                )?;
                finished = Some(id);
            }
            Event::Alias(anchor) => {
                let Some(&target) = anchors.get(&anchor) else {
                    return Err(YamlError {
                        range,
                        message: "found undefined alias".into(),
                    });
                };
                finished = Some(push(&mut doc, NodeKind::Alias(target), range));
            }
            Event::SequenceStart(anchor, tag) | Event::MappingStart(anchor, tag) => {
                // The real kind is filled in when the collection ends.
                let id = push(&mut doc, NodeKind::Alias(0), range);
                register_anchor(
                    &mut anchors,
                    &mut anchor_names,
                    anchor,
                    id,
                    original,
                    range,
                    base,
                )?;
                stack.push(Open {
                    start: range.start,
                    is_seq,
                    children: vec![],
                    tag: tag_string(tag),
                    id,
                });
                doc.max_depth = doc.max_depth.max(stack.len());
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(open) = stack.pop() {
                    let tag = open.tag;
                    let kind = if open.is_seq {
                        NodeKind::Seq {
                            items: open.children,
                            tag,
                        }
                    } else {
                        let entries = open
                            .children
                            .chunks_exact(2)
                            .map(|c| (c[0], c[1]))
                            .collect();
                        NodeKind::Map { entries, tag }
                    };
                    let n = &mut doc.nodes[open.id as usize];
                    n.kind = kind;
                    n.span = TextRange::new(open.start, range.end.max(open.start));
                    finished = Some(open.id);
                }
            }
            Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
        }
        if let Some(id) = finished {
            match stack.last_mut() {
                Some(open) => open.children.push(id),
                None => doc.root = Some(id),
            }
        }
    }
    Ok(doc)
}

/// PyYAML only skips spaces between tokens, and a plain scalar stops at a tab: a tab anywhere
/// except inside a quoted or block scalar or a comment raises "found character '\t' that cannot
/// start any token". YAML 1.2 parsers accept many of these, so they are checked here.
fn check_tabs(text: &str, base: usize, doc: &YamlDoc) -> Result<(), YamlError> {
    if !text.contains('\t') {
        return Ok(());
    }
    let mut protected: Vec<TextRange> = Vec::new();
    let mut all_scalars: Vec<TextRange> = Vec::new();
    for node in &doc.nodes {
        if let NodeKind::Scalar { style, .. } = node.kind {
            let r = TextRange::new(node.span.start - base, node.span.end - base);
            all_scalars.push(r);
            if style != Style::Plain {
                protected.push(r);
            }
        }
    }
    let inside = |spans: &[TextRange], at: usize| spans.iter().any(|r| r.start <= at && at < r.end);
    let bytes = text.as_bytes();
    for (at, _) in text.match_indices('\t') {
        if inside(&protected, at) {
            continue;
        }
        let line_start = text[..at].rfind(['\n', '\r']).map_or(0, |i| i + 1);
        let in_comment = (line_start..at).any(|i| {
            bytes[i] == b'#'
                && (i == line_start || matches!(bytes[i - 1], b' ' | b'\t'))
                && !inside(&all_scalars, i)
        });
        if !in_comment {
            return Err(YamlError {
                range: TextRange::new(base + at, base + at + 1),
                message: "found character '\\t' that cannot start any token (PyYAML allows tabs only inside quoted or block scalars and comments)".into(),
            });
        }
    }
    Ok(())
}

/// Indents every line that starts inside a flow collection or a quoted scalar so that it is
/// deeper than the line that opened it. Returns the padded text and where padding went, or
/// `None` when there is no such line.
fn reindent_continuations(text: &str) -> Option<(String, Vec<(usize, usize)>)> {
    let mut out = String::with_capacity(text.len() + 64);
    let mut insertions = Vec::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut opener_indent = 0usize;
    let mut chars_out = 0usize;
    for line in text.split_inclusive('\n') {
        let indent = line.len() - line.trim_start_matches(' ').len();
        if depth > 0 || quote.is_some() {
            let pad = (opener_indent + 2).saturating_sub(indent);
            if pad > 0 && !line.trim().is_empty() {
                insertions.push((chars_out, pad));
                out.extend(std::iter::repeat_n(' ', pad));
                chars_out += pad;
            }
        } else {
            opener_indent = indent;
        }
        // Whether a scalar or collection may start here: at the line start or after an
        // indicator (`: `, `- `, `? `, `[`, `{`, `,`).
        let mut token_start = true;
        let mut prev = ' ';
        let mut it = line.chars().peekable();
        while let Some(c) = it.next() {
            match quote {
                Some('"') => match c {
                    '\\' => {
                        it.next();
                    }
                    '"' => quote = None,
                    _ => {}
                },
                Some(_) => {
                    if c == '\'' {
                        if it.peek() == Some(&'\'') {
                            it.next();
                        } else {
                            quote = None;
                        }
                    }
                }
                None => {
                    if c == '#' && matches!(prev, ' ' | '\t') {
                        break;
                    }
                    if (c == '"' || c == '\'') && token_start {
                        quote = Some(c);
                    } else if (c == '[' || c == '{') && (token_start || depth > 0) {
                        depth += 1;
                    } else if (c == ']' || c == '}') && depth > 0 {
                        depth -= 1;
                    }
                    token_start = match c {
                        ' ' | '\t' => {
                            token_start || matches!(prev, ':' | '-' | '?' | ',' | '[' | '{')
                        }
                        '[' | '{' | ',' => depth > 0 || token_start,
                        '&' | '!' if token_start => true,
                        _ => false,
                    };
                    if matches!(prev, '&' | '!') && !matches!(c, ' ' | '\t') {
                        token_start = false;
                    }
                }
            }
            prev = c;
        }
        out.push_str(line);
        chars_out += line.chars().count();
    }
    (!insertions.is_empty()).then_some((out, insertions))
}

/// Records a node's anchor (id 0: none); PyYAML's composer refuses a name defined twice in
/// one document.
fn register_anchor(
    anchors: &mut HashMap<usize, NodeId>,
    names: &mut std::collections::HashSet<String>,
    anchor: usize,
    id: NodeId,
    original: &str,
    range: TextRange,
    base: usize,
) -> Result<(), YamlError> {
    if anchor == 0 {
        return Ok(());
    }
    anchors.insert(anchor, id);
    if let Some(name) = anchor_name(original, range.start - base) {
        if !names.insert(name.to_string()) {
            return Err(YamlError {
                range,
                message: format!("found duplicate anchor '{name}'"),
            });
        }
    }
    Ok(())
}

/// The anchor name written at the start of a node's span (after an optional tag).
fn anchor_name(original: &str, span_start: usize) -> Option<&str> {
    let rest = original.get(span_start..)?;
    let rest = if rest.starts_with('!') {
        rest.trim_start_matches(|c: char| !c.is_whitespace())
            .trim_start()
    } else {
        rest
    };
    let name = rest.strip_prefix('&')?;
    let end = name
        .find(|c: char| c.is_whitespace() || matches!(c, ',' | '[' | ']' | '{' | '}'))
        .unwrap_or(name.len());
    Some(&name[..end])
}

fn push(doc: &mut YamlDoc, kind: NodeKind, span: TextRange) -> NodeId {
    doc.nodes.push(Node { kind, span });
    (doc.nodes.len() - 1) as NodeId
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_index_the_whole_file() {
        let doc = parse("name: \"déjà\"\nx: 1\n", 4).unwrap();
        let root = doc.root().unwrap();
        let name = doc.get(root, "name").unwrap();
        assert_eq!(doc.as_str(name.value), Some("déjà"));
        assert_eq!(doc.span(name.value), TextRange::new(10, 18));
        let x = doc.get(root, "x").unwrap();
        assert_eq!(doc.kind(x.value), ScalarKind::Int);
    }

    #[test]
    fn merge_keys_and_duplicates_follow_pyyaml() {
        let doc = parse(
            "base: &b {name: a, description: d}\nm:\n  <<: *b\n  name: c\n  name: e\n",
            0,
        )
        .unwrap();
        let m = doc.get(doc.root().unwrap(), "m").unwrap().value;
        assert_eq!(doc.as_str(doc.get(m, "name").unwrap().value), Some("e"));
        assert_eq!(
            doc.as_str(doc.get(m, "description").unwrap().value),
            Some("d")
        );
    }

    #[test]
    fn alias_bomb_is_cheap() {
        let mut y = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
        for i in 0..20 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("l{}", i - 1)
            };
            y.push_str(&format!("l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        let doc = parse(&y, 0).unwrap();
        assert!(doc.check_construct().is_ok());
    }

    #[test]
    fn deep_nesting_is_a_crash_not_a_stack_overflow() {
        let y = format!("name: {}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(matches!(parse(&y, 0), Err(LoadProblem::Crash(_))));
    }

    #[test]
    fn reader_rejects_control_characters() {
        assert!(parse("name: a\u{1}b\n", 0).is_err());
        let nested: String = (1..600)
            .map(|i| format!("{}a:\n", "  ".repeat(i)))
            .collect();
        let deep = format!("name:\n{nested}{}x", "  ".repeat(600));
        assert!(matches!(
            parse(&deep, 0).unwrap().check_construct(),
            Err(LoadProblem::Crash(_))
        ));
        assert!(parse("a: 1\n---\nb: 2\n", 0).is_err());
    }

    #[test]
    fn unindented_flow_and_quoted_continuations_load_like_pyyaml() {
        let doc = parse(
            "name: demo\nmetadata: {short: x,\ntags: y}\ndescription: \"a\nb\"\n",
            0,
        )
        .unwrap();
        let root = doc.root().unwrap();
        let meta = doc.get(root, "metadata").unwrap().value;
        assert_eq!(doc.as_str(doc.get(meta, "tags").unwrap().value), Some("y"));
        let desc = doc.get(root, "description").unwrap();
        assert_eq!(doc.as_str(desc.value), Some("a b"));
        // Spans still index the original text.
        assert_eq!(doc.span(desc.value), TextRange::new(54, 59));
    }
}
