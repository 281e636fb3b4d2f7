//! The skill index: `(namespace, skill_name) -> skill` over the enabled spaces and their
//! sources, built as the runtime's scan builds it (spec §1.1, §1.10), plus every finding the
//! scan implies. Without any config, every SKILL.md under the workspace is discovered instead.

pub mod walk;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::analysis::{self, AnalysisOptions, FileAnalysis};
use crate::config::{Loc, WorkspaceConfig};
use crate::diagnostic::{Diagnostic, Related, shown_path};
use crate::rules::{self, Profile};
use crate::skill::{ScanCrash, Verdict};
use crate::text::SourceRange;
use walk::WalkIssue;

/// A skill the runtime indexes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedSkill {
    /// `None` when discovered without config (no namespace applies).
    pub namespace: Option<String>,
    pub space_id: Option<String>,
    pub source_id: Option<String>,
    pub name: String,
    pub description: String,
    /// The path as walked (`locator` upstream).
    pub locator: PathBuf,
    /// Index into [`SkillIndex::files`].
    pub file: usize,
}

/// Something that makes the runtime's scan report an error (and so block mention resolution).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanError {
    pub code: &'static str,
    pub message: String,
    pub path: Option<PathBuf>,
    pub reason: Option<String>,
    /// The scan fails as a whole (`CLI_SCAN_FAILED`) rather than reporting an issue.
    pub fatal: bool,
}

#[derive(Debug, Default)]
pub struct SkillIndex {
    pub skills: Vec<IndexedSkill>,
    /// Every analyzed SKILL.md (each file once, however many sources reach it).
    pub files: Vec<FileAnalysis>,
    /// Findings about the index as a whole (duplicates, walk limits, sources).
    pub diagnostics: Vec<Diagnostic>,
    pub errors: Vec<ScanError>,
    /// True when no runtime config exists and SKILL.md files were discovered instead.
    pub discovered_without_config: bool,
    /// namespace -> name -> skills (more than one only for duplicates).
    by_key: HashMap<String, HashMap<String, Vec<usize>>>,
    by_path: HashMap<PathBuf, usize>,
    /// What the scan found apart from the files' contents, kept so that the index can be
    /// re-linked when one file changes without walking again.
    layout: Layout,
}

/// The part of a scan that does not depend on what the SKILL.md files say: which files each
/// (space, source) pair reaches, and what the configuration and the walks report.
#[derive(Debug, Default)]
struct Layout {
    workspace_root: PathBuf,
    reach: Vec<Reach>,
    /// Scan errors known before any file is read (unavailable sources, a refused scan).
    head_errors: Vec<ScanError>,
    /// Scan errors of the walks, reported after those of the files.
    walk_errors: Vec<ScanError>,
    /// Findings about sources and walks.
    diagnostics: Vec<Diagnostic>,
    /// Files the walk rejects whatever they say (symlinks to a file not named SKILL.md), with
    /// the scan error their content gave when they were scanned.
    pinned: HashMap<usize, Option<ScanError>>,
}

/// The files one enabled (space, source) pair reaches, in walk order.
#[derive(Debug)]
struct Reach {
    namespace: String,
    space_id: String,
    source_id: String,
    files: Vec<usize>,
}

impl SkillIndex {
    pub fn lookup(&self, namespace: &str, name: &str) -> Option<&IndexedSkill> {
        self.by_key
            .get(namespace)?
            .get(name)?
            .first()
            .map(|&i| &self.skills[i])
    }

    pub fn names_in<'s>(&'s self, namespace: &str) -> impl Iterator<Item = &'s str> + 's {
        self.by_key
            .get(namespace)
            .into_iter()
            .flat_map(|names| names.keys().map(String::as_str))
    }

    pub fn file(&self, path: &Path) -> Option<&FileAnalysis> {
        self.by_path.get(path).map(|&i| &self.files[i])
    }

    /// The first scan error, which `resolve_mentions` would raise for every mention.
    pub fn blocking_error(&self) -> Option<&ScanError> {
        self.errors
            .iter()
            .find(|e| e.fatal)
            .or_else(|| self.errors.first())
    }

    /// Replaces the analysis of an indexed file (its text changed). The skills, scan errors
    /// and index findings are derived again only when something they depend on changed (name,
    /// description, verdict, where the name is); the walk is not repeated, so the set of
    /// indexed files stays the same. Returns `None` when `analysis.path` is not indexed, else
    /// whether the index was re-linked.
    pub fn replace_file(&mut self, analysis: FileAnalysis) -> Option<bool> {
        let &i = self.by_path.get(&analysis.path)?;
        if self.layout.pinned.contains_key(&i) {
            // The walk's verdict on this file does not depend on its content.
            return Some(false);
        }
        let old = &self.files[i];
        let same = old.skill_name == analysis.skill_name
            && old.description == analysis.description
            && old.declared_name == analysis.declared_name
            && old.verdict == analysis.verdict
            && old.read_error == analysis.read_error
            && old.name_range == analysis.name_range;
        self.files[i] = analysis;
        if !same {
            self.link();
        }
        Some(!same)
    }

    /// Derives everything that depends on the files' contents: skills, scan errors (in scan
    /// order), duplicate and nesting findings, the lookup table.
    fn link(&mut self) {
        self.skills.clear();
        self.by_key.clear();
        let layout = &self.layout;
        let mut errors = layout.head_errors.clone();
        for (i, f) in self.files.iter().enumerate() {
            match layout.pinned.get(&i) {
                Some(e) => errors.extend(e.clone()),
                None => errors.extend(file_error(f)),
            }
        }
        errors.extend(layout.walk_errors.iter().cloned());
        self.errors = errors;
        self.diagnostics = layout.diagnostics.clone();
        if self.discovered_without_config {
            for (i, f) in self.files.iter().enumerate() {
                if let (Some(name), Some(desc)) = (&f.skill_name, &f.description) {
                    self.skills.push(IndexedSkill {
                        namespace: None,
                        space_id: None,
                        source_id: None,
                        name: name.clone(),
                        description: desc.clone(),
                        locator: f.path.clone(),
                        file: i,
                    });
                }
            }
            return;
        }
        for r in &layout.reach {
            for &fi in &r.files {
                let f = &self.files[fi];
                if let (Some(name), Some(desc)) = (&f.skill_name, &f.description) {
                    self.skills.push(IndexedSkill {
                        namespace: Some(r.namespace.clone()),
                        space_id: Some(r.space_id.clone()),
                        source_id: Some(r.source_id.clone()),
                        name: name.clone(),
                        description: desc.clone(),
                        locator: f.path.clone(),
                        file: fi,
                    });
                }
            }
        }
        self.skills.sort_by(|a, b| {
            (&a.name, &a.space_id, &a.source_id, &a.locator).cmp(&(
                &b.name,
                &b.space_id,
                &b.source_id,
                &b.locator,
            ))
        });
        duplicates(self);
        let root = std::mem::take(&mut self.layout.workspace_root);
        nested(self, &root);
        self.layout.workspace_root = root;
        for (i, s) in self.skills.iter().enumerate() {
            if let Some(ns) = &s.namespace {
                self.by_key
                    .entry(ns.clone())
                    .or_default()
                    .entry(s.name.clone())
                    .or_default()
                    .push(i);
            }
        }
    }
}

/// Where SKILL.md files are looked for when the workspace has no runtime config.
#[derive(Debug, Clone, Default)]
pub struct Discovery {
    /// Directories to search (the workspace root when empty).
    pub roots: Vec<PathBuf>,
    /// Directories to leave out (nested workspaces with their own config).
    pub skip: Vec<PathBuf>,
}

/// One (space, source) pair to scan.
struct Target<'a> {
    space_id: &'a str,
    namespace: &'a str,
    source_id: &'a str,
}

/// Builds the index for a loaded configuration. Without any overlay, SKILL.md files are
/// discovered under `discovery.roots` (the workspace root when empty), except below
/// `discovery.skip` (nested workspaces that are checked on their own).
pub fn build(cfg: &WorkspaceConfig, profile: Profile, discovery: &Discovery) -> SkillIndex {
    let mut index = scan(cfg, profile, discovery);
    index.link();
    index
}

/// Walks and analyzes; everything derived from the files' contents is left to `link`.
fn scan(cfg: &WorkspaceConfig, profile: Profile, discovery: &Discovery) -> SkillIndex {
    let discovery_roots = &discovery.roots;
    let opts = AnalysisOptions {
        max_frontmatter_bytes: cfg.skills.scan.max_frontmatter_bytes,
        injection_max_bytes: cfg.skills.injection_max_bytes,
        profile,
    };
    let mut index = SkillIndex::default();
    index.layout.workspace_root = cfg.workspace_root.clone();
    if !cfg.has_overlays() {
        let found: Vec<(PathBuf, PathBuf)> = if discovery_roots.is_empty() {
            discover(&cfg.workspace_root)
        } else {
            discovery_roots
                .iter()
                .filter(|r| r.is_dir())
                .flat_map(|r| discover(r))
                .collect()
        };
        let found: Vec<(PathBuf, PathBuf)> = found
            .into_iter()
            .filter(|(p, _)| !discovery.skip.iter().any(|d| p.starts_with(d)))
            .collect();
        index.discovered_without_config = true;
        for (i, f) in analyze_all(&found, &opts).into_iter().enumerate() {
            index.by_path.insert(f.path.clone(), i);
            index.files.push(f);
        }
        return index;
    }
    if let Some(why) = &cfg.scan_blocked {
        // Layer D: the runtime validates spaces and sources before walking and, on failure,
        // scans nothing at all. The config rules have already reported the cause.
        index.layout.head_errors.push(ScanError {
            code: "SKILL_SCAN_METADATA_INVALID",
            message: "Skill scan refused by the configuration.".into(),
            path: None,
            reason: Some(why.clone()),
            fatal: false,
        });
        return index;
    }
    let skills = &cfg.skills;
    let mut targets = Vec::new();
    for space in skills.spaces.iter().filter(|s| s.enabled) {
        for source_id in &space.sources {
            targets.push(Target {
                space_id: &space.id,
                namespace: &space.namespace,
                source_id,
            });
        }
    }
    // Walk each distinct source once; the runtime re-walks, with identical results.
    let mut walks: BTreeMap<&str, (walk::Walk, Option<PathBuf>, Option<Loc>)> = BTreeMap::new();
    let mut reported_sources = HashSet::new();
    for t in &targets {
        if walks.contains_key(t.source_id) {
            continue;
        }
        let Some(source) = skills.source(t.source_id) else {
            continue;
        };
        match source.kind.as_str() {
            "filesystem" => {
                let Some(root) = source.root.as_deref().filter(|r| !r.trim().is_empty()) else {
                    continue;
                };
                let root_path = if Path::new(root).is_absolute() {
                    PathBuf::from(root)
                } else {
                    let joined = cfg.workspace_root.join(root);
                    joined.canonicalize().unwrap_or(joined)
                };
                let w = walk::walk(&root_path, &skills.scan);
                if !w.root_exists && reported_sources.insert(t.source_id) {
                    push_config_diag(
                        &mut index,
                        cfg,
                        source.root_loc.or(source.loc),
                        &rules::index::MISSING_ROOT,
                        format!(
                            "filesystem root `{root}` of source `{}` does not exist; the runtime silently finds no skills there",
                            source.id
                        ),
                    );
                }
                walks.insert(
                    t.source_id,
                    (w, Some(root_path), source.root_loc.or(source.loc)),
                );
            }
            kind => {
                if reported_sources.insert(t.source_id) {
                    let mut msg = format!(
                        "{kind} source `{}` is validated but not read by skills-lsp; mentions of its skills cannot be checked",
                        source.id
                    );
                    if matches!(kind, "redis" | "pgsql") {
                        if let Some(var) = dsn_env(cfg, source.loc) {
                            if !cfg.env.contains_key(&var) {
                                msg.push_str(&format!("; `{var}` is not set, so the runtime reports SKILL_SCAN_SOURCE_UNAVAILABLE, which blocks every mention"));
                                index.layout.head_errors.push(ScanError {
                                    code: "SKILL_SCAN_SOURCE_UNAVAILABLE",
                                    message: "Skill source is unavailable in current runtime."
                                        .into(),
                                    path: None,
                                    reason: Some(format!("{var} is not set")),
                                    fatal: false,
                                });
                            }
                        }
                    }
                    push_config_diag(
                        &mut index,
                        cfg,
                        source.loc,
                        &rules::index::SOURCE_NOT_READ,
                        msg,
                    );
                }
            }
        }
    }
    // Analyze each distinct SKILL.md once, in parallel.
    let mut unique: Vec<(PathBuf, PathBuf)> = Vec::new();
    let mut seen = HashSet::new();
    for (w, _, _) in walks.values() {
        for (locator, real) in &w.skills {
            if seen.insert(locator.clone()) {
                unique.push((locator.clone(), real.clone()));
            }
        }
    }
    let analyzed = analyze_all(&unique, &opts);
    for (i, f) in analyzed.into_iter().enumerate() {
        index.by_path.insert(f.path.clone(), i);
        index.files.push(f);
    }
    for (w, root, root_loc) in walks.values() {
        walk_findings(&mut index, cfg, w, root.as_deref(), *root_loc);
    }
    for t in &targets {
        let Some((w, _, _)) = walks.get(t.source_id) else {
            continue;
        };
        let files = w
            .skills
            .iter()
            .filter_map(|(locator, _)| index.by_path.get(locator).copied())
            .collect();
        index.layout.reach.push(Reach {
            namespace: t.namespace.to_string(),
            space_id: t.space_id.to_string(),
            source_id: t.source_id.to_string(),
            files,
        });
    }
    index
}

fn dsn_env(cfg: &WorkspaceConfig, loc: Option<Loc>) -> Option<String> {
    let l = loc?;
    let doc = cfg.overlays[l.file].doc.as_ref()?;
    let options = doc.get(l.node, "options")?.value;
    doc.as_str(doc.get(options, "dsn_env")?.value)
        .map(str::to_owned)
}

fn push_config_diag(
    index: &mut SkillIndex,
    cfg: &WorkspaceConfig,
    loc: Option<Loc>,
    rule: &'static rules::Rule,
    message: String,
) {
    index.layout.diagnostics.push(cfg.diagnostic(
        loc.map(|l| l.file),
        rule,
        loc.map(|l| cfg.span(l)),
        message,
    ));
}

fn analyze_all(files: &[(PathBuf, PathBuf)], opts: &AnalysisOptions) -> Vec<FileAnalysis> {
    analysis::parallel_map(files, |(locator, real)| {
        let bundle = real.parent().unwrap_or(Path::new("."));
        analysis::analyze_skill(locator, bundle, opts)
    })
}

/// The scan error an analyzed file implies, if any.
fn file_error(f: &FileAnalysis) -> Option<ScanError> {
    match &f.verdict {
        Some(Verdict::Rejected(r)) => Some(ScanError {
            code: "SKILL_SCAN_METADATA_INVALID",
            message: "Skill metadata is invalid.".into(),
            path: Some(f.path.clone()),
            reason: Some(r.reason().into()),
            fatal: false,
        }),
        Some(Verdict::Crash(c)) => Some(ScanError {
            code: "CLI_SCAN_FAILED",
            message: "Skill scan failed.".into(),
            path: Some(f.path.clone()),
            reason: Some(match c {
                ScanCrash::InvalidUtf8 { .. } => "UnicodeDecodeError".into(),
                ScanCrash::Constructor(e) => e.message.clone(),
            }),
            fatal: true,
        }),
        None => Some(ScanError {
            code: "CLI_SCAN_FAILED",
            message: "Skill scan failed.".into(),
            path: Some(f.path.clone()),
            reason: f.read_error.clone(),
            fatal: true,
        }),
        Some(Verdict::Accepted) => None,
    }
}

fn walk_findings(
    index: &mut SkillIndex,
    cfg: &WorkspaceConfig,
    w: &walk::Walk,
    root: Option<&Path>,
    root_loc: Option<Loc>,
) {
    let ws = &cfg.workspace_root;
    let max_dirs = cfg.skills.scan.max_dirs_per_root;
    for issue in &w.issues {
        let (rule, path, message, code, fatal, reason): (
            &'static rules::Rule,
            PathBuf,
            String,
            &'static str,
            bool,
            String,
        ) = match issue {
            WalkIssue::PathEscape { locator, real } => (
                &rules::index::SYMLINK_ESCAPE,
                locator.clone(),
                format!(
                    "this SKILL.md is a symlink to `{}`, outside the source root; the runtime rejects it (path_escape)",
                    shown_path(real, ws)
                ),
                "SKILL_SCAN_METADATA_INVALID",
                false,
                "path_escape".into(),
            ),
            WalkIssue::ResolveFailed { locator, reason } => (
                &rules::frontmatter::SCAN_CRASH,
                locator.clone(),
                format!(
                    "cannot resolve this SKILL.md ({reason}); the runtime rejects it (resolve_failed)"
                ),
                "SKILL_SCAN_METADATA_INVALID",
                false,
                format!("resolve_failed:{reason}"),
            ),
            WalkIssue::MaxDirs { visited } => (
                &rules::index::SCAN_LIMIT,
                root.map(Path::to_path_buf).unwrap_or_default(),
                format!(
                    "the runtime stops scanning this root after {visited} directories (`skills.scan.max_dirs_per_root` = {max_dirs}); skills further in are missing"
                ),
                "SKILL_SCAN_METADATA_INVALID",
                false,
                String::new(),
            ),
            WalkIssue::Unreadable { dir, reason } => (
                &rules::frontmatter::SCAN_CRASH,
                dir.clone(),
                format!("cannot list this directory ({reason}); the runtime's whole scan fails"),
                "CLI_SCAN_FAILED",
                true,
                reason.clone(),
            ),
        };
        if matches!(issue, WalkIssue::MaxDirs { .. }) && root_loc.is_some() {
            push_config_diag(index, cfg, root_loc, rule, message);
        } else {
            index.layout.diagnostics.push(Diagnostic::new(
                rule,
                path.clone(),
                SourceRange::default(),
                message,
            ));
        }
        let reason = (!reason.is_empty()).then_some(reason);
        index.layout.walk_errors.push(ScanError {
            code,
            message: "Skill metadata is invalid.".into(),
            path: Some(path),
            reason,
            fatal,
        });
    }
    // Symlinked SKILL.md pointing at a differently named file: the loader rejects it.
    for (locator, real) in &w.skills {
        if real.file_name().is_some_and(|n| n != "SKILL.md") {
            if let Some(&fi) = index.by_path.get(locator) {
                let f = &mut index.files[fi];
                let own_error = file_error(f);
                index.layout.pinned.entry(fi).or_insert(own_error);
                f.skill_name = None;
                f.verdict = Some(Verdict::Rejected(
                    crate::skill::Rejection::FrontmatterMissing,
                ));
                let message = format!(
                    "this SKILL.md links to `{}`; the runtime requires the target to be named SKILL.md too (文件名必须为 SKILL.md)",
                    shown_path(real, ws)
                );
                f.diagnostics = vec![Diagnostic::new(
                    &rules::index::SYMLINK_NOT_SKILL_MD,
                    locator.clone(),
                    SourceRange::default(),
                    message,
                )];
                index.layout.walk_errors.push(ScanError {
                    code: "SKILL_SCAN_METADATA_INVALID",
                    message: "Skill metadata is invalid.".into(),
                    path: Some(locator.clone()),
                    reason: Some("文件名必须为 SKILL.md".into()),
                    fatal: false,
                });
            }
        }
    }
    for p in &w.wrong_case {
        // Only files that look like skills (a `---` first line) are worth a warning.
        let mut head = [0u8; 3];
        let starts_like_skill = std::fs::File::open(p)
            .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
            .is_ok()
            && &head == b"---";
        if !starts_like_skill {
            continue;
        }
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let message = format!(
            "`{name}` is not discovered: the runtime only loads files named exactly `SKILL.md`"
        );
        let mut d = Diagnostic::new(
            &rules::bundle::WRONG_CASE_FILENAME,
            p.clone(),
            SourceRange::default(),
            message,
        );
        d.help("rename the file to SKILL.md");
        index.layout.diagnostics.push(d);
    }
}

fn duplicates(index: &mut SkillIndex) {
    let mut groups: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (i, s) in index.skills.iter().enumerate() {
        if let Some(ns) = &s.namespace {
            groups
                .entry((ns.clone(), s.name.clone()))
                .or_default()
                .push(i);
        }
    }
    let mut first = true;
    for ((ns, name), members) in groups.into_iter().filter(|(_, m)| m.len() > 1) {
        if first {
            index.errors.insert(
                0,
                ScanError {
                    code: "SKILL_DUPLICATE_NAME",
                    message: "Duplicate skill found in namespace.".into(),
                    path: Some(index.skills[members[0]].locator.clone()),
                    reason: Some(format!("`{name}` in `{ns}`")),
                    fatal: true,
                },
            );
            first = false;
        }
        let mut done = HashSet::new();
        for &m in &members {
            let s = &index.skills[m];
            if !done.insert(s.locator.clone()) {
                continue;
            }
            let f = &index.files[s.file];
            let via: Vec<String> = members
                .iter()
                .map(|&o| &index.skills[o])
                .map(|o| {
                    format!(
                        "space `{}` source `{}`",
                        o.space_id.as_deref().unwrap_or("?"),
                        o.source_id.as_deref().unwrap_or("?")
                    )
                })
                .collect();
            let others: Vec<&IndexedSkill> = members
                .iter()
                .map(|&o| &index.skills[o])
                .filter(|o| o.locator != s.locator)
                .collect();
            let message = if others.is_empty() {
                format!(
                    "skill `{name}` is reached more than once ({}) and the runtime counts that as a duplicate in `{ns}`: its whole scan aborts (SKILL_DUPLICATE_NAME)",
                    via.join(", ")
                )
            } else {
                format!(
                    "another skill named `{name}` exists in namespace `{ns}`: the runtime's whole scan aborts (SKILL_DUPLICATE_NAME)"
                )
            };
            let related: Vec<Related> = others
                .iter()
                .map(|o| Related {
                    path: o.locator.clone(),
                    range: index.files[o.file].name_range,
                    message: format!("also `{name}` here"),
                })
                .collect();
            let mut d = Diagnostic::new(
                &rules::index::DUPLICATE_SKILL,
                s.locator.clone(),
                f.name_range,
                message,
            );
            d.help("rename one of the skills or move it to another namespace");
            d.related = related;
            index.diagnostics.push(d);
        }
    }
}

/// SKILL.md files inside another skill's directory.
fn nested(index: &mut SkillIndex, ws: &Path) {
    let dirs: HashSet<PathBuf> = index
        .files
        .iter()
        .filter_map(|f| f.path.parent().map(Path::to_path_buf))
        .collect();
    for f in &index.files {
        let Some(dir) = f.path.parent() else { continue };
        let outer = dir.ancestors().skip(1).find(|a| dirs.contains(*a));
        if let Some(outer) = outer {
            let rel = dir
                .strip_prefix(outer)
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            let message = format!(
                "this SKILL.md sits in `{rel}` of the skill at `{}`; the runtime indexes it as a separate skill",
                shown_path(&outer.join("SKILL.md"), ws)
            );
            let mut d = Diagnostic::new(
                &rules::bundle::NESTED_SKILL,
                f.path.clone(),
                f.name_range,
                message,
            );
            d.help("if it is reference material, rename it (e.g. references/example.md)");
            index.diagnostics.push(d);
        }
    }
}

/// Every SKILL.md under `root`, skipping VCS/build directories, dot directories and anything
/// git-ignored (used when the workspace has no runtime config).
pub fn discover(root: &Path) -> Vec<(PathBuf, PathBuf)> {
    project_files(root, |p| p.file_name().is_some_and(|n| n == "SKILL.md"))
        .into_iter()
        .map(|p| {
            let real = p.canonicalize().unwrap_or_else(|_| p.clone());
            (p, real)
        })
        .collect()
}

/// Regular files under `root` that `keep` accepts, sorted, the way a project-wide tool should
/// walk: dot directories, `.git`, `node_modules`, `target` and git-ignored files are skipped.
pub fn project_files(root: &Path, keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let walker = ignore::WalkBuilder::new(root)
        .hidden(true)
        .git_ignore(true)
        .git_exclude(true)
        .require_git(false)
        .filter_entry(|e| {
            !matches!(
                e.file_name().to_str(),
                Some("node_modules" | "target" | ".git")
            )
        })
        .build();
    let mut out: Vec<PathBuf> = walker
        .flatten()
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()) && keep(e.path()))
        .map(ignore::DirEntry::into_path)
        .collect();
    out.sort();
    out
}
