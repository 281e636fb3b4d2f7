//! `config/runtime.yaml` and its overlays, loaded like the reference bootstrap (spec §3):
//! `.env` first, overlay discovery, PyYAML loading, deep merge (lists replaced wholesale),
//! `sandbox.profile` expansion checks, the strict schema, and `skills preflight`.
//! Every finding is located at the offending key or value in the file that set it.

pub mod dotenv;
pub mod schema;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;
use crate::rules::Rule;
use crate::rules::config as rules;
use crate::text::{LineIndex, SourceRange, TextRange};
use crate::yaml::{self, LoadProblem, NodeId, ScalarKind, YamlDoc};
use schema::{Model, Ty};

/// Where an overlay came from (spec §3.1, in merge order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// `<workspace>/config/runtime.yaml`.
    Discovered,
    /// `SKILLS_RUNTIME_SDK_CONFIG_PATHS`.
    EnvVar,
    /// `--config`.
    Cli,
}

#[derive(Debug)]
pub struct Overlay {
    pub path: PathBuf,
    pub origin: Origin,
    pub text: Vec<u8>,
    pub lines: LineIndex,
    pub doc: Option<YamlDoc>,
}

/// A node in one of the overlays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loc {
    pub file: usize,
    pub node: NodeId,
}

/// What to load.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub workspace_root: PathBuf,
    /// `--config` paths, in order.
    pub cli_overlays: Vec<PathBuf>,
    pub use_dotenv: bool,
    /// The process environment (tests pass their own).
    pub env: HashMap<String, String>,
}

impl LoadOptions {
    pub fn new(workspace_root: impl Into<PathBuf>) -> Self {
        Self {
            workspace_root: workspace_root.into(),
            cli_overlays: vec![],
            use_dotenv: true,
            env: std::env::vars().collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Space {
    pub id: String,
    pub namespace: String,
    pub sources: Vec<String>,
    pub enabled: bool,
    pub loc: Option<Loc>,
    pub namespace_loc: Option<Loc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub id: String,
    pub kind: String,
    /// `options.root` (filesystem), when a string.
    pub root: Option<String>,
    pub loc: Option<Loc>,
    pub root_loc: Option<Loc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanOptions {
    pub ignore_dot_entries: bool,
    pub max_depth: u64,
    pub max_dirs_per_root: u64,
    pub max_frontmatter_bytes: usize,
}

impl Default for ScanOptions {
    fn default() -> Self {
        Self {
            ignore_dot_entries: true,
            max_depth: 99,
            max_dirs_per_root: 100_000,
            max_frontmatter_bytes: 65536,
        }
    }
}

/// The effective `skills` section.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SkillsConfig {
    pub spaces: Vec<Space>,
    pub sources: Vec<Source>,
    pub scan: ScanOptions,
    pub injection_max_bytes: Option<u64>,
    pub actions_enabled: bool,
    pub references_enabled: bool,
}

impl SkillsConfig {
    /// The source the scan uses for an id: the *last* definition wins.
    pub fn source(&self, id: &str) -> Option<&Source> {
        self.sources.iter().rev().find(|s| s.id == id)
    }
}

/// The workspace's configuration as the runtime would load it, plus every finding.
#[derive(Debug, Default)]
pub struct WorkspaceConfig {
    pub workspace_root: PathBuf,
    pub env_file: Option<PathBuf>,
    /// Environment after `.env` (process values win).
    pub env: HashMap<String, String>,
    pub overlays: Vec<Overlay>,
    pub skills: SkillsConfig,
    pub diagnostics: Vec<Diagnostic>,
    /// The runtime would load this configuration (layers A, B, B' pass).
    pub loads: bool,
    /// Why the runtime's scan would scan nothing (layer D), if it would.
    pub scan_blocked: Option<String>,
}

impl WorkspaceConfig {
    /// Whether any overlay file exists (otherwise the workspace has no runtime config).
    pub fn has_overlays(&self) -> bool {
        self.overlays
            .iter()
            .any(|o| o.doc.is_some() || !o.text.is_empty())
    }

    pub fn span(&self, loc: Loc) -> TextRange {
        self.overlays[loc.file]
            .doc
            .as_ref()
            .map(|d| d.span(loc.node))
            .unwrap_or_default()
    }

    /// A finding in overlay `file` at `range` (located with that overlay's line index), or at
    /// the start of the first overlay (or where `config/runtime.yaml` would be) without a file.
    pub fn diagnostic(
        &self,
        file: Option<usize>,
        rule: &'static Rule,
        range: Option<TextRange>,
        message: String,
    ) -> Diagnostic {
        match file.and_then(|f| self.overlays.get(f)) {
            Some(o) => Diagnostic::new(
                rule,
                o.path.clone(),
                o.lines.source_range(&o.text, range.unwrap_or_default()),
                message,
            ),
            None => {
                let path = self
                    .overlays
                    .first()
                    .map(|o| o.path.clone())
                    .unwrap_or_else(|| self.workspace_root.join("config/runtime.yaml"));
                Diagnostic::new(rule, path, SourceRange::default(), message)
            }
        }
    }

    /// Records a finding at a node (its whole span unless `range` narrows it).
    fn emit(
        &mut self,
        loc: Option<Loc>,
        rule: &'static Rule,
        range: Option<TextRange>,
        message: String,
    ) -> &mut Diagnostic {
        let range = range.or_else(|| loc.map(|l| self.span(l)));
        self.emit_in(loc.map(|l| l.file), rule, range, message)
    }

    /// Records a finding in overlay `file`.
    fn emit_in(
        &mut self,
        file: Option<usize>,
        rule: &'static Rule,
        range: Option<TextRange>,
        message: String,
    ) -> &mut Diagnostic {
        let d = self.diagnostic(file, rule, range, message);
        self.diagnostics.push(d);
        self.diagnostics.last_mut().expect("pushed")
    }
}

fn expand_home(p: &str, env: &HashMap<String, String>) -> PathBuf {
    match (p.strip_prefix("~/"), env.get("HOME")) {
        (Some(rest), Some(home)) => Path::new(home).join(rest),
        _ if p == "~" => env
            .get("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(p)),
        _ => PathBuf::from(p),
    }
}

fn absolutize(root: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        root.join(p)
    }
}

fn canonical_or(p: &Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| p.to_path_buf())
}

fn env_nonempty<'a>(env: &'a HashMap<String, String>, key: &str) -> Option<&'a str> {
    env.get(key).map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// Loads and validates the configuration of a workspace.
pub fn load(opts: &LoadOptions) -> WorkspaceConfig {
    load_with_buffers(opts, &HashMap::new())
}

/// Like [`load`], with editor buffers standing in for `.env` and overlay files: a buffer
/// (keyed by the absolute path the loader resolves, symlinks resolved) counts as an existing
/// regular file with that content.
pub fn load_with_buffers(
    opts: &LoadOptions,
    buffers: &HashMap<PathBuf, Vec<u8>>,
) -> WorkspaceConfig {
    let exists = |p: &Path| buffers.contains_key(p) || p.exists();
    let read = |p: &Path| match buffers.get(p) {
        Some(b) => Ok(b.clone()),
        None => crate::analysis::read_regular(p),
    };
    let root = canonical_or(&opts.workspace_root);
    let mut cfg = WorkspaceConfig {
        workspace_root: root.clone(),
        env: opts.env.clone(),
        ..Default::default()
    };
    let mut dotenv_failed = None;
    if opts.use_dotenv {
        let env_file = match env_nonempty(&opts.env, "SKILLS_RUNTIME_SDK_ENV_FILE") {
            Some(p) => {
                let path = absolutize(&root, &expand_home(p, &opts.env));
                if !exists(&path) {
                    dotenv_failed = Some(path.clone());
                }
                Some(path)
            }
            None => Some(root.join(".env")).filter(|p| exists(p)),
        };
        if let Some(path) = env_file.filter(|p| exists(p)) {
            // Only regular files are read: opening a FIFO would block.
            if let Some(text) = read(&path).ok().and_then(|b| String::from_utf8(b).ok()) {
                for a in dotenv::parse(&text) {
                    cfg.env.entry(a.key).or_insert(a.value);
                }
            }
            cfg.env_file = Some(path);
        }
    }

    // Overlay discovery.
    let mut paths: Vec<(PathBuf, Origin)> = Vec::new();
    let discovered = root.join("config").join("runtime.yaml");
    if exists(&discovered) {
        paths.push((canonical_or(&discovered), Origin::Discovered));
    }
    if let Some(raw) = env_nonempty(&cfg.env, "SKILLS_RUNTIME_SDK_CONFIG_PATHS") {
        for part in raw
            .replace(';', ",")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let p = canonical_or(&absolutize(&root, &expand_home(part, &cfg.env)));
            paths.push((p, Origin::EnvVar));
        }
    }
    let mut seen = HashSet::new();
    paths.retain(|(p, _)| seen.insert(p.clone()));
    for p in &opts.cli_overlays {
        let s = p.to_string_lossy();
        paths.push((absolutize(&root, &expand_home(&s, &cfg.env)), Origin::Cli));
    }

    // Existence is decided here, once; `load_texts` works on the bytes alone. Only regular
    // files are read (a FIFO would block, a character device might never end).
    let overlays: Vec<(PathBuf, Origin, Option<Vec<u8>>)> = paths
        .into_iter()
        .map(|(path, origin)| {
            let text = (buffers.contains_key(&path) || path.is_file())
                .then(|| read(&path).unwrap_or_default());
            (path, origin, text)
        })
        .collect();

    if let Some(path) = dotenv_failed {
        // The runtime stops before loading any overlay.
        cfg.overlays = overlays
            .into_iter()
            .map(|(path, origin, text)| new_overlay(path, origin, text.unwrap_or_default()))
            .collect();
        let msg = format!(
            "`SKILLS_RUNTIME_SDK_ENV_FILE` names `{}`, which does not exist; the runtime loads no config (CLI_DOTENV_LOAD_FAILED)",
            path.display()
        );
        cfg.emit(None, &rules::DOTENV, None, msg);
        cfg.loads = false;
        cfg.skills = SkillsConfig::default();
        return cfg;
    }
    load_layers(cfg, overlays)
}

/// Validates overlays given as bytes, without touching the filesystem: layers A (YAML, root
/// type), B (schema), B' (merged-tree checks) and C (preflight), plus the layer-D verdict.
/// Every overlay is taken to exist; the environment is empty (no `.env`, no variables).
pub fn load_texts(
    workspace_root: PathBuf,
    overlays: Vec<(PathBuf, Origin, Vec<u8>)>,
) -> WorkspaceConfig {
    let cfg = WorkspaceConfig {
        workspace_root,
        ..Default::default()
    };
    let overlays = overlays
        .into_iter()
        .map(|(path, origin, text)| (path, origin, Some(text)))
        .collect();
    load_layers(cfg, overlays)
}

/// Layers A–D over overlays already read; `None` text means the file does not exist.
fn load_layers(
    mut cfg: WorkspaceConfig,
    overlays: Vec<(PathBuf, Origin, Option<Vec<u8>>)>,
) -> WorkspaceConfig {
    let mut exists = Vec::with_capacity(overlays.len());
    cfg.overlays = overlays
        .into_iter()
        .map(|(path, origin, text)| {
            exists.push(text.is_some());
            new_overlay(path, origin, text.unwrap_or_default())
        })
        .collect();
    let mut layer_a_ok = true;
    for (i, exists) in exists.into_iter().enumerate() {
        layer_a_ok &= check_overlay(&mut cfg, i, exists);
    }

    let mut merged = MNode::Map {
        loc: None,
        entries: Vec::new(),
    };
    for (i, o) in cfg.overlays.iter().enumerate() {
        let Some(doc) = &o.doc else { continue };
        let Some(root_node) = doc.root() else {
            continue;
        };
        if !doc.is_map(root_node) {
            continue;
        }
        let overlay = MNode::from_yaml(doc, i, root_node, Shape::Model(&schema::ROOT), 0);
        merge(&mut merged, overlay);
    }

    let before = cfg.diagnostics.len();
    let mut v = Validator { cfg: &mut cfg };
    v.model(&schema::ROOT, Some(&merged), "");
    let layer_b_ok = cfg.diagnostics[before..]
        .iter()
        .all(|d| d.severity != crate::diagnostic::Severity::Error);
    cfg.loads = layer_a_ok && layer_b_ok;
    cfg.skills = extract_skills(&cfg, &merged);
    preflight(&mut cfg, &merged);
    cfg.scan_blocked = scan_blocker(&cfg.skills);
    cfg
}

fn new_overlay(path: PathBuf, origin: Origin, text: Vec<u8>) -> Overlay {
    let lines = LineIndex::new(&text);
    Overlay {
        path,
        origin,
        text,
        lines,
        doc: None,
    }
}

/// Layer A for one overlay: existence, YAML, root type. Returns whether it passed.
fn check_overlay(cfg: &mut WorkspaceConfig, i: usize, exists: bool) -> bool {
    let path = cfg.overlays[i].path.clone();
    if !exists {
        let msg = format!(
            "overlay `{}` does not exist (CLI_OVERLAY_NOT_FOUND); relative paths resolve against the workspace root",
            path.display()
        );
        cfg.emit(None, &rules::CONFIG_NOT_FOUND, None, msg);
        return false;
    }
    let text = match std::str::from_utf8(&cfg.overlays[i].text) {
        Ok(t) => t.strip_prefix('\u{feff}').map(|t| (3, t)).unwrap_or((0, t)),
        Err(e) => {
            let at = e.valid_up_to();
            cfg.emit_in(Some(i), &rules::CONFIG_YAML, Some(TextRange::new(at, at + 1)), "invalid UTF-8: the runtime's config loader crashes on this file (UnicodeDecodeError)".into());
            return false;
        }
    };
    let (base, text) = text;
    let parsed = yaml::parse(text, base).and_then(|d| d.check_construct().map(|_| d));
    match parsed {
        Err(LoadProblem::YamlError(e) | LoadProblem::Crash(e)) => {
            cfg.emit_in(
                Some(i),
                &rules::CONFIG_YAML,
                Some(e.range),
                format!("YAML error: {} (CLI_OVERLAY_LOAD_FAILED)", e.message),
            );
            false
        }
        Ok(doc) => {
            let root = doc.root();
            let kind = root.map(|r| doc.kind(r));
            let falsy = match root {
                None => true,
                Some(r) => match doc.kind(r) {
                    ScalarKind::Null => true,
                    ScalarKind::Seq => doc.items(r).is_some_and(|i| i.is_empty()),
                    ScalarKind::Map => doc.raw_entries(r).is_empty(),
                    ScalarKind::Str => doc.scalar_text(r) == Some(""),
                    ScalarKind::Bool => matches!(
                        doc.scalar_text(r),
                        Some(
                            "no" | "No"
                                | "NO"
                                | "false"
                                | "False"
                                | "FALSE"
                                | "off"
                                | "Off"
                                | "OFF"
                        )
                    ),
                    ScalarKind::Int => doc.scalar_text(r).is_some_and(|t| {
                        t.trim_start_matches(['-', '+'])
                            .chars()
                            .all(|c| c == '0' || c == '_')
                    }),
                    _ => false,
                },
            };
            let ok = falsy || kind == Some(ScalarKind::Map);
            let range = root.map(|r| doc.span(r));
            cfg.overlays[i].doc = Some(doc);
            if !ok {
                let what = kind.map(ScalarKind::python_name).unwrap_or("empty");
                cfg.emit_in(Some(i), &rules::CONFIG_NOT_MAPPING, range, format!("the top level of this overlay is {what}, not a mapping (CLI_OVERLAY_INVALID)"));
            }
            ok
        }
    }
}

/// The merged configuration tree: mappings merged key by key across overlays, everything
/// else (lists included) taken whole from the last overlay that set it.
#[derive(Debug, Clone)]
enum MNode {
    Leaf(Loc),
    Map {
        loc: Option<Loc>,
        entries: Vec<MEntry>,
    },
}

#[derive(Debug, Clone)]
struct MEntry {
    key: String,
    /// The key is a YAML string (pydantic rejects other key types).
    key_is_str: bool,
    key_loc: Loc,
    value: MNode,
}

/// Merging recursion stops here; deeper mappings are kept whole (only unknown keys nest
/// this deep, and those are errors anyway).
const MAX_MERGE_DEPTH: usize = 32;

/// How far [`MNode::from_yaml`] expands a mapping: as far as the schema reads it.
#[derive(Debug, Clone, Copy)]
enum Shape {
    /// A schema model: every entry is expanded, known keys by their field type.
    Model(&'static Model),
    /// `Dict[str, Any]`: its keys are read, its values are not.
    Dict,
    /// Nothing below is read (unknown keys, scalar-typed keys, dict values): a mapping stays
    /// a [`MNode::Map`] without entries. Expanding it would follow aliases into content no one
    /// reads, which a YAML alias bomb makes exponentially large.
    Opaque,
}

impl Shape {
    fn of(ty: &'static Ty) -> Shape {
        match ty {
            Ty::Model(m) => Shape::Model(m),
            Ty::Optional(inner) => Shape::of(inner),
            Ty::DictAny => Shape::Dict,
            _ => Shape::Opaque,
        }
    }
}

impl MNode {
    fn from_yaml(doc: &YamlDoc, file: usize, node: NodeId, shape: Shape, depth: usize) -> MNode {
        let node = doc.target(node);
        let loc = Loc { file, node };
        if depth >= MAX_MERGE_DEPTH || !doc.is_map(node) {
            return MNode::Leaf(loc);
        }
        let model = match shape {
            Shape::Model(m) => Some(m),
            Shape::Dict => None,
            Shape::Opaque => {
                return MNode::Map {
                    loc: Some(loc),
                    entries: Vec::new(),
                };
            }
        };
        let entries = doc
            .entries(node)
            .unwrap_or_default()
            .into_iter()
            .map(|e| {
                let key = doc.scalar_text(e.key).unwrap_or("<non-scalar key>");
                let key_is_str = doc.kind(e.key) == ScalarKind::Str;
                let child = model
                    .filter(|_| key_is_str)
                    .and_then(|m| m.field(key))
                    .map_or(Shape::Opaque, |f| Shape::of(&f.ty));
                MEntry {
                    key: key.to_string(),
                    key_is_str,
                    key_loc: Loc { file, node: e.key },
                    value: MNode::from_yaml(doc, file, e.value, child, depth + 1),
                }
            })
            .collect();
        MNode::Map {
            loc: Some(loc),
            entries,
        }
    }

    fn get(&self, key: &str) -> Option<&MEntry> {
        match self {
            MNode::Map { entries, .. } => entries.iter().find(|e| e.key_is_str && e.key == key),
            MNode::Leaf(_) => None,
        }
    }

    fn loc(&self) -> Option<Loc> {
        match self {
            MNode::Leaf(l) => Some(*l),
            MNode::Map { loc, .. } => *loc,
        }
    }
}

fn merge(base: &mut MNode, overlay: MNode) {
    let (
        MNode::Map {
            entries: base_entries,
            loc: base_loc,
        },
        MNode::Map {
            entries: over_entries,
            loc: over_loc,
        },
    ) = (&mut *base, overlay.clone())
    else {
        *base = overlay;
        return;
    };
    if over_loc.is_some() {
        *base_loc = over_loc;
    }
    for e in over_entries {
        match base_entries
            .iter_mut()
            .find(|b| b.key == e.key && b.key_is_str == e.key_is_str)
        {
            Some(b)
                if matches!(b.value, MNode::Map { .. }) && matches!(e.value, MNode::Map { .. }) =>
            {
                b.key_loc = e.key_loc;
                merge(&mut b.value, e.value);
            }
            Some(b) => {
                b.key_loc = e.key_loc;
                b.value = e.value;
            }
            None => base_entries.push(e),
        }
    }
}

/// Legacy keys with what replaced them.
const LEGACY: &[(&str, &str, &str)] = &[
    ("llm", "max_retries", "moved to `llm.retry.max_retries`"),
    (
        "skills",
        "roots",
        "replaced by `skills.sources` + `skills.spaces`",
    ),
    (
        "skills",
        "mode",
        "removed; spaces and sources describe where skills come from",
    ),
];

/// Layer B (and B'): the pydantic schema over the merged tree.
struct Validator<'a> {
    cfg: &'a mut WorkspaceConfig,
}

fn yaml_int(text: &str) -> Option<i128> {
    let t = text.replace('_', "");
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r.to_string()),
        None => (false, t.strip_prefix('+').unwrap_or(&t).to_string()),
    };
    let v = if let Some(b) = t.strip_prefix("0b") {
        i128::from_str_radix(b, 2).ok()?
    } else if let Some(x) = t.strip_prefix("0x") {
        i128::from_str_radix(x, 16).ok()?
    } else if t.len() > 1 && t.starts_with('0') {
        i128::from_str_radix(&t[1..], 8).ok()?
    } else if t.contains(':') {
        t.split(':')
            .try_fold(0i128, |acc, p| p.parse::<i128>().ok().map(|d| acc * 60 + d))?
    } else {
        t.parse().ok()?
    };
    Some(if neg { -v } else { v })
}

/// The value of a YAML 1.1 float as PyYAML constructs it (`.inf`, `.nan`, `1_0.5`, `1:30.5`).
fn yaml_float(text: &str) -> Option<f64> {
    let t = text.replace('_', "").to_ascii_lowercase();
    let (sign, body) = match t.strip_prefix('-') {
        Some(rest) => (-1.0, rest.to_string()),
        None => (1.0, t.strip_prefix('+').unwrap_or(&t).to_string()),
    };
    let v = match body.as_str() {
        ".inf" => f64::INFINITY,
        ".nan" => f64::NAN,
        b if b.contains(':') => b
            .split(':')
            .try_fold(0.0, |acc, p| p.parse::<f64>().ok().map(|d| acc * 60.0 + d))?,
        b => b.parse().ok()?,
    };
    Some(sign * v)
}

impl Validator<'_> {
    fn doc(&self, loc: Loc) -> &YamlDoc {
        self.cfg.overlays[loc.file]
            .doc
            .as_ref()
            .expect("merged nodes come from parsed overlays")
    }

    fn invalid(&mut self, loc: Option<Loc>, msg: String) -> &mut Diagnostic {
        self.cfg.emit(loc, &rules::INVALID_VALUE, None, msg)
    }

    fn model(&mut self, model: &'static Model, node: Option<&MNode>, path: &str) {
        let Some(node) = node else { return };
        let MNode::Map { entries, loc } = node else {
            let MNode::Leaf(l) = node else { unreachable!() };
            let kind = self.doc(*l).kind(l.node);
            let what = if path.is_empty() {
                "the top level"
            } else {
                path
            };
            if kind == ScalarKind::Null {
                self.invalid(
                    Some(*l),
                    format!("`{what}` must be a mapping, not null (CLI_CONFIG_INVALID)"),
                )
                .help("remove the key to get the defaults");
            } else {
                self.invalid(
                    Some(*l),
                    format!(
                        "`{what}` must be a mapping, got {} (CLI_CONFIG_INVALID)",
                        kind.python_name()
                    ),
                );
            }
            return;
        };
        for legacy in model.legacy {
            if let Some(e) = node.get(legacy) {
                let loc = e.key_loc;
                self.cfg.emit(Some(loc), &rules::LEGACY_FIELD, None, format!("`{path}.{legacy}` is a legacy field the runtime rejects: spaces only accept `namespace` (CLI_CONFIG_INVALID)"));
            }
        }
        for e in entries {
            let child = if path.is_empty() {
                e.key.clone()
            } else {
                format!("{path}.{}", e.key)
            };
            let field = e.key_is_str.then(|| model.field(&e.key)).flatten();
            let Some(field) = field else {
                if model.legacy.contains(&e.key.as_str()) {
                    continue;
                }
                if let Some((_, _, hint)) = LEGACY
                    .iter()
                    .find(|(m, k, _)| *m == model.path && *k == e.key)
                {
                    self.cfg.emit(
                        Some(e.key_loc),
                        &rules::LEGACY_FIELD,
                        None,
                        format!("`{child}` is no longer supported: {hint} (CLI_CONFIG_INVALID)"),
                    );
                    continue;
                }
                let names: Vec<&str> = model.fields.iter().map(|f| f.name).collect();
                let suggestion = crate::suggest::closest(&e.key, names.iter().copied());
                let section = if model.path.is_empty() {
                    "at the top level".to_string()
                } else {
                    format!("in `{}`", model.path)
                };
                let d = self.cfg.emit(Some(e.key_loc), &rules::UNKNOWN_KEY, None, format!("unknown key `{}` {section}; the runtime rejects unknown keys (CLI_CONFIG_INVALID)", e.key));
                match suggestion {
                    Some(s) => {
                        d.help(format!("did you mean `{s}`?"));
                        let range = d.range.bytes;
                        d.fix(
                            format!("Rename to `{s}`"),
                            vec![crate::diagnostic::Edit {
                                range,
                                new_text: s.to_string(),
                            }],
                        );
                    }
                    None => {
                        d.help(format!("allowed keys: {}", names.join(", ")));
                    }
                }
                continue;
            };
            if model.path == "sandbox" && field.name == "profile" {
                self.sandbox_profile(&e.value);
                continue;
            }
            if model.path == "skills" && field.name == "strictness" {
                self.cfg.emit(Some(e.key_loc), &rules::NO_EFFECT, None, "`skills.strictness` is accepted but never read by the runtime: mention handling is always strict".into());
            }
            self.ty(&field.ty, &e.value, &child);
        }
        for f in model.fields.iter().filter(|f| f.required) {
            if node.get(f.name).is_none() {
                let l = *loc;
                self.invalid(
                    l,
                    format!(
                        "`{path}` is missing the required key `{}` (CLI_CONFIG_INVALID)",
                        f.name
                    ),
                );
            }
        }
    }

    fn sandbox_profile(&mut self, node: &MNode) {
        let MNode::Leaf(l) = node else {
            let l = node.loc();
            self.cfg.emit(l, &rules::SANDBOX_PROFILE, None, "`sandbox.profile` must be one of dev, balanced, prod; got a mapping (CLI_CONFIG_LOAD_FAILED)".into());
            return;
        };
        let doc = self.doc(*l);
        let kind = doc.kind(l.node);
        let raw = doc.scalar_text(l.node).unwrap_or_default().to_string();
        // The runtime computes `str(raw or "").strip().lower()` before looking up the preset.
        let falsy = matches!(kind, ScalarKind::Null)
            || raw.is_empty()
            || (kind == ScalarKind::Bool
                && matches!(raw.to_ascii_lowercase().as_str(), "no" | "false" | "off"));
        let py = if falsy {
            String::new()
        } else if kind == ScalarKind::Bool {
            "true".into()
        } else {
            raw.trim().to_lowercase()
        };
        let presets = ["balanced", "dev", "prod"];
        if !presets.contains(&py.as_str()) {
            self.cfg.emit(Some(*l), &rules::SANDBOX_PROFILE, None, format!("`sandbox.profile` must be one of dev, balanced, prod; got `{raw}` (CLI_CONFIG_LOAD_FAILED)"))
                .help("use dev, balanced or prod");
        } else if kind != ScalarKind::Str || raw != py {
            let d = self.cfg.emit(Some(*l), &rules::INVALID_VALUE, None, format!("`sandbox.profile: {raw}` matches a preset only after lower-casing; the schema then rejects it (CLI_CONFIG_INVALID)"));
            d.help(format!("write `{py}`"));
            let range = d.range.bytes;
            d.fix(
                format!("Replace with `{py}`"),
                vec![crate::diagnostic::Edit {
                    range,
                    new_text: py.clone(),
                }],
            );
        }
    }

    fn ty(&mut self, ty: &'static Ty, node: &MNode, path: &str) {
        match ty {
            Ty::Model(m) => self.model(m, Some(node), path),
            Ty::Optional(inner) => {
                if let MNode::Leaf(l) = node {
                    if self.doc(*l).kind(l.node) == ScalarKind::Null {
                        return;
                    }
                }
                self.ty(inner, node, path)
            }
            Ty::ListOf(inner) => {
                let MNode::Leaf(l) = node else {
                    self.invalid(
                        node.loc(),
                        format!("`{path}` must be a list, got a mapping (CLI_CONFIG_INVALID)"),
                    );
                    return;
                };
                let l = *l;
                let doc = self.doc(l);
                let Some(items) = doc.items(l.node).map(<[NodeId]>::to_vec) else {
                    let kind = doc.kind(l.node);
                    self.invalid(
                        Some(l),
                        format!(
                            "`{path}` must be a list, got {} (CLI_CONFIG_INVALID)",
                            kind.python_name()
                        ),
                    );
                    return;
                };
                for (i, item) in items.into_iter().enumerate() {
                    let doc = self.doc(l);
                    let child = MNode::from_yaml(doc, l.file, item, Shape::of(inner), 0);
                    self.ty(inner, &child, &format!("{path}[{i}]"));
                }
            }
            Ty::DictAny => match node {
                MNode::Map { entries, .. } => {
                    for e in entries.iter().filter(|e| !e.key_is_str) {
                        let loc = e.key_loc;
                        self.invalid(
                            Some(loc),
                            format!("keys of `{path}` must be strings (CLI_CONFIG_INVALID)"),
                        );
                    }
                }
                MNode::Leaf(l) => {
                    let kind = self.doc(*l).kind(l.node);
                    self.invalid(
                        Some(*l),
                        format!(
                            "`{path}` must be a mapping, got {} (CLI_CONFIG_INVALID)",
                            kind.python_name()
                        ),
                    );
                }
            },
            _ => {
                let MNode::Leaf(l) = node else {
                    let expected = describe(ty);
                    self.invalid(
                        node.loc(),
                        format!("`{path}` must be {expected}, got a mapping (CLI_CONFIG_INVALID)"),
                    );
                    return;
                };
                if let Some(problem) = self.scalar_problem(ty, *l) {
                    let d =
                        self.invalid(Some(*l), format!("`{path}` {problem} (CLI_CONFIG_INVALID)"));
                    if problem.contains("quoted") {
                        d.help("remove the quotes");
                    }
                }
            }
        }
    }

    /// Why a scalar does not satisfy `ty`, if it does not.
    fn scalar_problem(&self, ty: &Ty, l: Loc) -> Option<String> {
        let doc = self.doc(l);
        let kind = doc.kind(l.node);
        let text = doc.scalar_text(l.node).unwrap_or_default();
        let got = || format!("got {}", kind.python_name());
        match ty {
            Ty::Str => (!matches!(kind, ScalarKind::Str | ScalarKind::Binary))
                .then(|| format!("must be a string, {} — quote it", got())),
            Ty::Namespace => {
                if kind != ScalarKind::Str {
                    return Some(format!("must be a string, {}", got()));
                }
                // Python's `$` also matches before one trailing newline.
                let ns = text.strip_suffix('\n').unwrap_or(text);
                (!crate::mentions::is_valid_namespace(ns)).then(|| {
                    format!("`{text}` is not a valid namespace: 1–7 `:`-separated segments, each 2–64 characters of `a-z`, `0-9` and inner `-`")
                })
            }
            Ty::Int { strict, min } => {
                let value = match kind {
                    ScalarKind::Int => yaml_int(text),
                    ScalarKind::Bool if !strict => Some(i128::from(matches!(
                        text.to_ascii_lowercase().as_str(),
                        "yes" | "true" | "on"
                    ))),
                    ScalarKind::Float if !strict => yaml_float(text)
                        .filter(|f| f.is_finite() && f.fract() == 0.0)
                        .map(|f| f as i128),
                    ScalarKind::Str if !strict => text.trim().parse::<i128>().ok(),
                    ScalarKind::Str => {
                        return Some(format!(
                            "must be an integer; `\"{text}\"` is a quoted string and this key does not accept strings"
                        ));
                    }
                    _ => None,
                };
                let Some(v) = value else {
                    return Some(format!("must be an integer, {}", got()));
                };
                min.filter(|m| v < i128::from(*m))
                    .map(|m| format!("must be ≥ {m}, got {v}"))
            }
            Ty::Float { min, max } => {
                let value = match kind {
                    ScalarKind::Int => yaml_int(text).map(|v| v as f64),
                    ScalarKind::Float => yaml_float(text),
                    ScalarKind::Bool => Some(
                        if matches!(text.to_ascii_lowercase().as_str(), "yes" | "true" | "on") {
                            1.0
                        } else {
                            0.0
                        },
                    ),
                    ScalarKind::Str => text.trim().parse::<f64>().ok(),
                    _ => None,
                };
                let Some(v) = value else {
                    return Some(format!("must be a number, {}", got()));
                };
                // NaN fails every comparison, so pydantic rejects it against any bound.
                if v.is_nan() || v < *min {
                    return Some(format!("must be ≥ {min}, got {text}"));
                }
                max.filter(|m| v > *m)
                    .map(|m| format!("must be ≤ {m}, got {text}"))
            }
            Ty::Bool { strict } => {
                let ok = match kind {
                    ScalarKind::Bool => true,
                    _ if *strict => false,
                    ScalarKind::Int => matches!(yaml_int(text), Some(0 | 1)),
                    ScalarKind::Float => {
                        matches!(yaml_float(text), Some(f) if f == 0.0 || f == 1.0)
                    }
                    ScalarKind::Str => matches!(
                        text.to_ascii_lowercase().as_str(),
                        "0" | "off"
                            | "f"
                            | "false"
                            | "n"
                            | "no"
                            | "1"
                            | "on"
                            | "t"
                            | "true"
                            | "y"
                            | "yes"
                    ),
                    _ => false,
                };
                (!ok).then(|| {
                    if *strict && kind == ScalarKind::Str {
                        format!("must be a boolean; `\"{text}\"` is a quoted string and this key does not accept strings")
                    } else {
                        format!("must be a boolean, {}", got())
                    }
                })
            }
            Ty::Literal(values) => {
                if kind == ScalarKind::Str && values.contains(&text) {
                    return None;
                }
                let list = values.join(", ");
                if kind == ScalarKind::Str
                    && values.iter().any(|v| v.eq_ignore_ascii_case(text.trim()))
                {
                    Some(format!(
                        "must be one of {list} (case-sensitive), got `{text}`"
                    ))
                } else if kind == ScalarKind::Str {
                    Some(format!("must be one of {list}, got `{text}`"))
                } else {
                    Some(format!("must be one of {list}, {}", got()))
                }
            }
            Ty::Model(_) | Ty::Optional(_) | Ty::ListOf(_) | Ty::DictAny => None,
        }
    }
}

fn describe(ty: &Ty) -> &'static str {
    match ty {
        Ty::Str | Ty::Namespace => "a string",
        Ty::Int { .. } => "an integer",
        Ty::Float { .. } => "a number",
        Ty::Bool { .. } => "a boolean",
        Ty::Literal(_) => "one of the listed values",
        Ty::Optional(inner) => describe(inner),
        Ty::ListOf(_) => "a list",
        Ty::Model(_) | Ty::DictAny => "a mapping",
    }
}

/// Reads the typed `skills` section leniently: wrong-typed values fall back to defaults.
fn extract_skills(cfg: &WorkspaceConfig, merged: &MNode) -> SkillsConfig {
    let mut out = SkillsConfig::default();
    let Some(skills) = merged.get("skills").map(|e| &e.value) else {
        return out;
    };
    let doc = |l: Loc| cfg.overlays[l.file].doc.as_ref().expect("parsed");
    let leaf = |n: &MNode| match n {
        MNode::Leaf(l) => Some(*l),
        _ => None,
    };
    let str_of = |l: Loc| doc(l).as_str(l.node).map(str::to_owned);
    let int_of = |l: Loc| match doc(l).kind(l.node) {
        ScalarKind::Int => yaml_int(doc(l).scalar_text(l.node)?),
        ScalarKind::Str => doc(l).scalar_text(l.node)?.trim().parse().ok(),
        _ => None,
    };
    let bool_of = |l: Loc| {
        let d = doc(l);
        let t = d.scalar_text(l.node)?.to_ascii_lowercase();
        match d.kind(l.node) {
            ScalarKind::Bool | ScalarKind::Str | ScalarKind::Int => match t.as_str() {
                "yes" | "true" | "on" | "1" | "t" | "y" => Some(true),
                "no" | "false" | "off" | "0" | "f" | "n" => Some(false),
                _ => None,
            },
            _ => None,
        }
    };
    let items = |n: &MNode, shape: Shape| -> Vec<(Loc, MNode)> {
        let Some(l) = leaf(n) else { return vec![] };
        let d = doc(l);
        d.items(l.node)
            .unwrap_or_default()
            .iter()
            .map(|&i| {
                (
                    Loc {
                        file: l.file,
                        node: d.target(i),
                    },
                    MNode::from_yaml(d, l.file, i, shape, 0),
                )
            })
            .collect()
    };
    if let Some(spaces) = skills.get("spaces") {
        for (loc, item) in items(&spaces.value, Shape::Model(&schema::SPACE)) {
            let field = |k: &str| item.get(k).and_then(|e| leaf(&e.value));
            let Some(id) = field("id").and_then(str_of) else {
                continue;
            };
            let Some(namespace) = field("namespace").and_then(str_of) else {
                continue;
            };
            let sources = item
                .get("sources")
                .map(|e| {
                    items(&e.value, Shape::Opaque)
                        .into_iter()
                        .filter_map(|(l, _)| str_of(l))
                        .collect()
                })
                .unwrap_or_default();
            let enabled = field("enabled").and_then(bool_of).unwrap_or(true);
            out.spaces.push(Space {
                id,
                namespace,
                sources,
                enabled,
                loc: Some(loc),
                namespace_loc: field("namespace"),
            });
        }
    }
    if let Some(sources) = skills.get("sources") {
        for (loc, item) in items(&sources.value, Shape::Model(&schema::SOURCE)) {
            let field = |k: &str| item.get(k).and_then(|e| leaf(&e.value));
            let Some(id) = field("id").and_then(str_of) else {
                continue;
            };
            let Some(kind) = field("type").and_then(str_of) else {
                continue;
            };
            let root_loc = item
                .get("options")
                .and_then(|o| o.value.get("root"))
                .and_then(|e| leaf(&e.value));
            let root = root_loc.and_then(str_of);
            out.sources.push(Source {
                id,
                kind,
                root,
                loc: Some(loc),
                root_loc,
            });
        }
    }
    let get = |section: &str, key: &str| {
        skills
            .get(section)
            .and_then(|s| s.value.get(key))
            .and_then(|e| leaf(&e.value))
    };
    let scan_int = |key: &str, min: i128| {
        get("scan", key)
            .filter(|l| doc(*l).kind(l.node) == ScalarKind::Int)
            .and_then(int_of)
            .filter(|v| *v >= min)
    };
    if let Some(v) = get("scan", "ignore_dot_entries")
        .filter(|l| doc(*l).kind(l.node) == ScalarKind::Bool)
        .and_then(bool_of)
    {
        out.scan.ignore_dot_entries = v;
    }
    if let Some(v) = scan_int("max_depth", 0) {
        out.scan.max_depth = v.min(u64::MAX as i128) as u64;
    }
    if let Some(v) = scan_int("max_dirs_per_root", 0) {
        out.scan.max_dirs_per_root = v.min(u64::MAX as i128) as u64;
    }
    if let Some(v) = scan_int("max_frontmatter_bytes", 1) {
        out.scan.max_frontmatter_bytes = v.min(usize::MAX as i128) as usize;
    }
    out.injection_max_bytes = get("injection", "max_bytes")
        .and_then(int_of)
        .filter(|v| *v >= 1)
        .map(|v| v.min(u64::MAX as i128) as u64);
    out.actions_enabled = get("actions", "enabled").and_then(bool_of).unwrap_or(false);
    out.references_enabled = get("references", "enabled")
        .and_then(bool_of)
        .unwrap_or(false);
    out
}

const SOURCE_TYPES: [&str; 4] = ["filesystem", "in-memory", "pgsql", "redis"];

fn required_options(kind: &str) -> &'static [&'static str] {
    match kind {
        "filesystem" => &["root"],
        "in-memory" => &["namespace"],
        "redis" => &["dsn_env", "key_prefix"],
        "pgsql" => &["dsn_env", "schema", "table"],
        _ => &[],
    }
}

/// Layer C: `skills preflight` (spec §4.2), in its emission order.
fn preflight(cfg: &mut WorkspaceConfig, merged: &MNode) {
    let Some(skills) = merged.get("skills").map(|e| e.value.clone()) else {
        return;
    };
    if let Some(v) = skills.get("versioning") {
        let doc_of = |l: Loc| cfg.overlays[l.file].doc.as_ref().expect("parsed");
        let enabled = v
            .value
            .get("enabled")
            .and_then(|e| e.value.loc())
            .is_some_and(|l| {
                doc_of(l).kind(l.node) == ScalarKind::Bool
                    && matches!(
                        doc_of(l)
                            .scalar_text(l.node)
                            .map(str::to_ascii_lowercase)
                            .as_deref(),
                        Some("yes" | "true" | "on")
                    )
            });
        let strategy = v
            .value
            .get("strategy")
            .and_then(|e| e.value.loc())
            .and_then(|l| doc_of(l).as_str(l.node).map(str::to_owned))
            .unwrap_or_default();
        if enabled || !strategy.is_empty() {
            let loc = v.key_loc;
            cfg.emit(Some(loc), &rules::VERSIONING_IGNORED, None, "`skills.versioning` is a placeholder with no runtime effect; preflight warns (SKILL_CONFIG_VERSIONING_IGNORED)".into())
                .help("remove the section");
        }
    }
    let spaces = cfg.skills.spaces.clone();
    let sources = cfg.skills.sources.clone();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, s) in spaces.iter().enumerate() {
        if let Some(first) = seen.get(s.id.as_str()) {
            let loc = id_loc(cfg, s.loc);
            cfg.emit(loc, &rules::DUPLICATE_SPACE_ID, None, format!("space id `{}` is already used by `skills.spaces[{first}]` (SKILL_CONFIG_DUPLICATE_SPACE_ID)", s.id));
        } else {
            seen.insert(&s.id, i);
        }
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, s) in sources.iter().enumerate() {
        if let Some(first) = seen.get(s.id.as_str()) {
            let loc = id_loc(cfg, s.loc);
            cfg.emit(loc, &rules::DUPLICATE_SOURCE_ID, None, format!("source id `{}` is already used by `skills.sources[{first}]`; the scan uses only this last definition (SKILL_CONFIG_DUPLICATE_SOURCE_ID)", s.id));
        } else {
            seen.insert(&s.id, i);
        }
    }
    let source_ids: HashSet<&str> = sources.iter().map(|s| s.id.as_str()).collect();
    for s in &spaces {
        for (j, r) in s.sources.iter().enumerate() {
            if !source_ids.contains(r.as_str()) {
                let loc = space_source_loc(cfg, s.loc, j);
                let suggestion = crate::suggest::closest(r, source_ids.iter().copied());
                let d = cfg.emit(loc, &rules::SPACE_SOURCE_NOT_FOUND, None, format!("space `{}` lists source `{r}`, which no entry of `skills.sources` defines; the scan then scans nothing (SKILL_CONFIG_SPACE_SOURCE_NOT_FOUND)", s.id));
                if let Some(sugg) = suggestion {
                    d.help(format!("did you mean `{sugg}`?"));
                }
            }
        }
    }
    for s in &sources {
        let item = s.loc.map(|l| {
            MNode::from_yaml(
                cfg.overlays[l.file].doc.as_ref().expect("parsed"),
                l.file,
                l.node,
                Shape::Model(&schema::SOURCE),
                0,
            )
        });
        if !SOURCE_TYPES.contains(&s.kind.as_str()) {
            let loc = item
                .as_ref()
                .and_then(|i| i.get("type"))
                .and_then(|e| e.value.loc());
            let d = cfg.emit(loc, &rules::UNKNOWN_SOURCE_TYPE, None, format!("unknown source type `{}`; supported: filesystem, in-memory, pgsql, redis (SKILL_CONFIG_UNKNOWN_SOURCE_TYPE)", s.kind));
            if let Some(sugg) =
                crate::suggest::closest(&s.kind.to_ascii_lowercase(), SOURCE_TYPES.iter().copied())
            {
                d.help(format!("did you mean `{sugg}`?"));
            }
            continue;
        }
        let options = item
            .as_ref()
            .and_then(|i| i.get("options"))
            .map(|e| e.value.clone());
        for key in required_options(&s.kind) {
            let entry = options.as_ref().and_then(|o| o.get(key));
            let value_loc = entry.and_then(|e| e.value.loc());
            let (doc_kind, text) = match value_loc {
                Some(l) => {
                    let d = cfg.overlays[l.file].doc.as_ref().expect("parsed");
                    (Some(d.kind(l.node)), d.as_str(l.node).map(str::to_owned))
                }
                None => (None, None),
            };
            if entry.is_none() || doc_kind == Some(ScalarKind::Null) {
                let at = value_loc
                    .or_else(|| options.as_ref().and_then(MNode::loc))
                    .or(s.loc);
                cfg.emit(at, &rules::MISSING_SOURCE_OPTION, None, format!("{} source `{}` needs `options.{key}` (SKILL_CONFIG_MISSING_REQUIRED_OPTION)", s.kind, s.id));
                continue;
            }
            match text {
                Some(t) if !t.trim().is_empty() => {
                    if *key == "dsn_env" && !is_env_var_name(&t) {
                        cfg.emit(value_loc, &rules::INVALID_ENV_VAR_NAME, None, format!("`dsn_env: {t}` must name an environment variable (`^[A-Z_][A-Z0-9_]*$`), not hold the DSN (SKILL_CONFIG_INVALID_ENV_VAR_NAME)"));
                    }
                }
                _ => {
                    let what = doc_kind.map(ScalarKind::python_name).unwrap_or("a mapping");
                    let what = if doc_kind == Some(ScalarKind::Str) {
                        "blank"
                    } else {
                        what
                    };
                    cfg.emit(value_loc, &rules::INVALID_SOURCE_OPTION, None, format!("`options.{key}` of source `{}` must be a non-empty string, got {what} (SKILL_CONFIG_INVALID_OPTION)", s.id));
                }
            }
        }
    }
}

fn is_env_var_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_uppercase() || b[0] == b'_')
        && b.iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_')
}

fn id_loc(cfg: &WorkspaceConfig, item: Option<Loc>) -> Option<Loc> {
    let l = item?;
    let d = cfg.overlays[l.file].doc.as_ref()?;
    d.get(l.node, "id")
        .map(|e| Loc {
            file: l.file,
            node: e.value,
        })
        .or(item)
}

fn space_source_loc(cfg: &WorkspaceConfig, item: Option<Loc>, j: usize) -> Option<Loc> {
    let l = item?;
    let d = cfg.overlays[l.file].doc.as_ref()?;
    let list = d.get(l.node, "sources")?.value;
    d.items(list)
        .and_then(|items| items.get(j))
        .map(|&n| Loc {
            file: l.file,
            node: n,
        })
        .or(item)
}

/// Layer D: what makes the runtime's scan refuse to scan any source.
fn scan_blocker(skills: &SkillsConfig) -> Option<String> {
    let ids: HashSet<&str> = skills.sources.iter().map(|s| s.id.as_str()).collect();
    if let Some(s) = skills
        .sources
        .iter()
        .find(|s| !SOURCE_TYPES.contains(&s.kind.as_str()))
    {
        return Some(format!("source `{}` has unknown type `{}`", s.id, s.kind));
    }
    if let Some(s) = skills.spaces.iter().find(|s| {
        !crate::mentions::is_valid_namespace(s.namespace.strip_suffix('\n').unwrap_or(&s.namespace))
    }) {
        return Some(format!("space `{}` has an invalid namespace", s.id));
    }
    for s in &skills.spaces {
        if let Some(r) = s.sources.iter().find(|r| !ids.contains(r.as_str())) {
            return Some(format!("space `{}` references unknown source `{r}`", s.id));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_int_parses_yaml_1_1_forms() {
        assert_eq!(yaml_int("1:30"), Some(90));
        assert_eq!(yaml_int("0x1f"), Some(31));
        assert_eq!(yaml_int("017"), Some(15));
        assert_eq!(yaml_int("-1_000"), Some(-1000));
        assert_eq!(yaml_float("-.inf"), Some(f64::NEG_INFINITY));
        assert!(yaml_float(".NaN").unwrap().is_nan());
        assert_eq!(yaml_float("1:30.5"), Some(90.5));
        assert_eq!(yaml_float("1_0.5"), Some(10.5));
    }
}
