//! Checking a workspace end to end: config → index → per-file rules → mention resolution →
//! settings. What `skills-lsp --check` runs, and what the server reuses per workspace folder.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::analysis::{self, AnalysisOptions, FileAnalysis, FileKind};
use crate::config::{self, LoadOptions, WorkspaceConfig};
use crate::diagnostic::{Diagnostic, Related, shown_path};
use crate::index::{self, SkillIndex};
use crate::rules::mentions::Resolution;
use crate::rules::{self, Profile};
use crate::settings::Settings;

#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    pub config: LoadOptions,
    /// Files or directories to check besides the index (empty: the index and config only).
    pub paths: Vec<PathBuf>,
    /// `--profile`, overriding `skills-lsp.toml`.
    pub profile: Option<Profile>,
    /// Workspaces nested below this one that are checked separately (left out of discovery).
    pub nested_workspaces: Vec<PathBuf>,
    pub settings: Settings,
}

/// A checked workspace: what the runtime would see, and every finding.
#[derive(Debug)]
pub struct Workspace {
    pub root: PathBuf,
    pub profile: Profile,
    pub config: WorkspaceConfig,
    pub index: SkillIndex,
    /// Non-skill files checked for mentions, and SKILL.md files outside the index.
    pub extra_files: Vec<FileAnalysis>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Workspace {
    pub fn files_checked(&self) -> usize {
        self.index.files.len() + self.extra_files.len() + self.config.overlays.len()
    }

    /// A workspace with no configuration and no files (discovery mode, so namespaces mean
    /// nothing): what a file opened outside every workspace is checked against.
    pub fn empty(root: PathBuf) -> Workspace {
        let mut index = SkillIndex::default();
        index.discovered_without_config = true;
        Workspace {
            config: WorkspaceConfig {
                workspace_root: root.clone(),
                ..Default::default()
            },
            root,
            profile: Profile::Runtime,
            index,
            extra_files: Vec::new(),
            diagnostics: Vec::new(),
        }
    }

    /// How this workspace analyzes a file (its config's limits, its profile).
    pub fn analysis_options(&self) -> AnalysisOptions {
        AnalysisOptions {
            max_frontmatter_bytes: self.config.skills.scan.max_frontmatter_bytes,
            injection_max_bytes: self.config.skills.injection_max_bytes,
            profile: self.profile,
        }
    }

    /// The analysis of a checked file: indexed, or one of the extra files.
    pub fn file(&self, path: &Path) -> Option<&FileAnalysis> {
        self.index
            .file(path)
            .or_else(|| self.extra_files.iter().find(|f| f.path == path))
    }

    /// The diagnostics located in `path` (a slice of the sorted `diagnostics`).
    pub fn diagnostics_for(&self, path: &Path) -> &[Diagnostic] {
        let range = path_range(&self.diagnostics, path);
        &self.diagnostics[range]
    }
}

fn is_text_file(p: &Path) -> bool {
    matches!(
        p.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("md" | "markdown" | "mdx" | "txt")
    )
}

fn is_yaml(p: &Path) -> bool {
    matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
}

/// Files under a directory PATH: SKILL.md files and Markdown/text files.
fn expand_dir(dir: &Path) -> Vec<PathBuf> {
    index::project_files(dir, |p| {
        p.file_name().is_some_and(|n| n == "SKILL.md") || is_text_file(p)
    })
}

/// Directories below `root` that hold their own `config/runtime.yaml` (not `root` itself):
/// each is a workspace of its own.
pub fn nested_workspaces(root: &Path) -> Vec<PathBuf> {
    index::project_files(root, |p| p.ends_with("config/runtime.yaml"))
        .into_iter()
        .filter_map(|p| p.parent()?.parent().map(Path::to_path_buf))
        .filter(|w| w != root)
        .collect()
}

/// Checks one workspace.
pub fn check_workspace(opts: &CheckOptions) -> Workspace {
    check_loaded(opts, config::load(&opts.config))
}

/// Checks one workspace whose configuration is already loaded (from disk, or with editor
/// buffers standing in for some files: [`config::load_with_buffers`]); `opts.config` is not
/// read again.
pub fn check_loaded(opts: &CheckOptions, config: WorkspaceConfig) -> Workspace {
    let mut config = config;
    let root = config.workspace_root.clone();
    let settings = &opts.settings;
    let profile = opts
        .profile
        .or(settings.profile)
        .unwrap_or(Profile::Runtime);
    let discovery = index::Discovery {
        roots: opts.paths.iter().filter(|p| p.is_dir()).cloned().collect(),
        skip: opts.nested_workspaces.clone(),
    };
    let index = index::build(&config, profile, &discovery);

    // Explicit paths: anything not already part of the index.
    let analysis_opts = AnalysisOptions {
        max_frontmatter_bytes: config.skills.scan.max_frontmatter_bytes,
        injection_max_bytes: config.skills.injection_max_bytes,
        profile,
    };
    let mut wanted: Vec<PathBuf> = Vec::new();
    for p in &opts.paths {
        let abs = if p.is_absolute() {
            p.clone()
        } else {
            std::env::current_dir()
                .map(|d| d.join(p))
                .unwrap_or_else(|_| p.clone())
        };
        if abs.is_dir() {
            wanted.extend(expand_dir(&abs));
        } else {
            wanted.push(abs);
        }
    }
    if !settings.include.is_empty() {
        for f in expand_dir(&root) {
            let rel = f.strip_prefix(&root).unwrap_or(&f);
            // Files of nested workspaces are theirs to check.
            let nested = opts.nested_workspaces.iter().any(|w| f.starts_with(w));
            if settings.is_included(rel) && !nested {
                wanted.push(f);
            }
        }
    }
    let overlay_paths: HashSet<PathBuf> = config.overlays.iter().map(|o| o.path.clone()).collect();
    let mut seen = HashSet::new();
    let mut standalone_configs = Vec::new();
    let mut todo = Vec::new();
    for p in wanted {
        let canon = p.canonicalize().unwrap_or_else(|_| p.clone());
        if !seen.insert(canon.clone())
            || index.file(&p).is_some()
            || index.file(&canon).is_some()
            || overlay_paths.contains(&canon)
        {
            continue;
        }
        if is_yaml(&p) {
            standalone_configs.push(p);
        } else {
            todo.push((p, canon));
        }
    }
    let extra_files: Vec<FileAnalysis> = analysis::parallel_map(&todo, |(p, canon)| {
        if p.file_name().is_some_and(|n| n == "SKILL.md") {
            analysis::analyze_skill(p, canon.parent().unwrap_or(Path::new(".")), &analysis_opts)
        } else {
            analysis::analyze_text(p)
        }
    });

    // A YAML file named on the command line is validated on its own, as if it were the only
    // overlay (unreadable ones were reported by the caller's existence check). Its findings
    // are kept with the configuration's, so that re-deriving the diagnostics keeps them.
    for extra in standalone_configs {
        if let Ok(bytes) = analysis::read_regular(&extra) {
            let standalone =
                config::load_texts(root.clone(), vec![(extra, config::Origin::Cli, bytes)]);
            config.diagnostics.extend(standalone.diagnostics);
        }
    }
    let mut ws = Workspace {
        root,
        profile,
        config,
        index,
        extra_files,
        diagnostics: Vec::new(),
    };
    ws.diagnostics = ws.assemble(settings);
    ws
}

/// What changed after an incremental update: the diagnostics of these files, or of all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Affected {
    Files(Vec<PathBuf>),
    All,
}

impl Workspace {
    /// Every file whose mentions are checked: indexed, then extra.
    fn checked_files(&self) -> Vec<&FileAnalysis> {
        self.index.files.iter().chain(&self.extra_files).collect()
    }

    /// Every diagnostic of the workspace, settings applied, sorted.
    fn assemble(&self, settings: &Settings) -> Vec<Diagnostic> {
        let mut diagnostics: Vec<Diagnostic> = Vec::new();
        diagnostics.extend(self.config.diagnostics.iter().cloned());
        diagnostics.extend(self.index.diagnostics.iter().cloned());
        let checked = self.checked_files();
        for f in &checked {
            diagnostics.extend(f.diagnostics.iter().cloned());
        }
        for f in &self.extra_files {
            diagnostics.extend(self.unreachable(f));
        }
        let resolver = Resolver::new(&self.config, &self.index);
        for found in analysis::parallel_map(&checked, |f| resolver.check_file(f)) {
            diagnostics.extend(found);
        }
        diagnostics.extend(resolver.blocked_warning(&checked));
        self.finish(diagnostics, settings)
    }

    /// The diagnostics located in one file (`blocked`: the workspace's SK305, if any).
    fn assemble_path(
        &self,
        path: &Path,
        resolver: &Resolver,
        blocked: Option<&Diagnostic>,
        settings: &Settings,
    ) -> Vec<Diagnostic> {
        let at = |d: &&Diagnostic| d.path == path;
        let mut diagnostics: Vec<Diagnostic> = Vec::new();
        diagnostics.extend(self.config.diagnostics.iter().filter(at).cloned());
        diagnostics.extend(self.index.diagnostics.iter().filter(at).cloned());
        let extra = self.extra_files.iter().find(|f| f.path == path);
        if let Some(f) = self.index.file(path).or(extra) {
            diagnostics.extend(f.diagnostics.iter().cloned());
            if let Some(extra) = extra {
                diagnostics.extend(self.unreachable(extra));
            }
            diagnostics.extend(resolver.check_file(f));
        }
        diagnostics.extend(blocked.filter(at).cloned());
        self.finish(diagnostics, settings)
    }

    fn finish(&self, diagnostics: Vec<Diagnostic>, settings: &Settings) -> Vec<Diagnostic> {
        let mut diagnostics: Vec<Diagnostic> = diagnostics
            .into_iter()
            .filter_map(|d| settings.apply(d, &self.root, self.profile))
            .collect();
        sort_diagnostics(&mut diagnostics);
        diagnostics.dedup();
        diagnostics
    }

    /// SK5xx for a SKILL.md checked outside the index: the runtime never loads it.
    fn unreachable(&self, f: &FileAnalysis) -> Option<Diagnostic> {
        if self.index.discovered_without_config
            || f.kind != FileKind::Skill
            || f.read_error.is_some()
        {
            return None;
        }
        let mut d = Diagnostic::new(
            &rules::index::UNREACHABLE_SKILL,
            f.path.clone(),
            f.name_range,
            "no enabled skills space reaches this SKILL.md; the runtime will never load it",
        );
        d.help("move it under a configured source root, or add a source for it");
        Some(d)
    }

    /// Re-analyzes one file — from `text` (an editor buffer), or from disk when `None` — and
    /// updates what depends on it: its index entry (the index is re-linked when the skill's
    /// name, description or verdict changed), mention resolution and the diagnostics. A file
    /// that is not indexed is checked as an extra file (added if new). `settings` must be
    /// those the workspace was checked with.
    ///
    /// The set of indexed files does not change: a SKILL.md created or deleted under a
    /// source needs a new [`check_workspace`].
    pub fn update_file(
        &mut self,
        path: &Path,
        text: Option<&[u8]>,
        settings: &Settings,
    ) -> Affected {
        let opts = self.analysis_options();
        let is_skill = path.file_name().is_some_and(|n| n == "SKILL.md");
        let analyze = |path: &Path| {
            let bundle = path
                .canonicalize()
                .ok()
                .and_then(|p| p.parent().map(Path::to_path_buf))
                .or_else(|| path.parent().map(Path::to_path_buf))
                .unwrap_or_default();
            match text {
                Some(t) => analysis::analyze_skill_text(path, t, &bundle, &opts),
                None => analysis::analyze_skill(path, &bundle, &opts),
            }
        };
        if self.index.file(path).is_some() {
            if self.index.replace_file(analyze(path)) == Some(true) {
                self.diagnostics = self.assemble(settings);
                return Affected::All;
            }
        } else {
            let analysis = if is_skill {
                analyze(path)
            } else {
                match text {
                    Some(t) => analysis::analyze_text_content(path, t),
                    None => analysis::analyze_text(path),
                }
            };
            match self.extra_files.iter_mut().find(|f| f.path == path) {
                Some(slot) => *slot = analysis,
                None => self.extra_files.push(analysis),
            }
        }
        self.refresh(path, settings)
    }

    /// Stops checking an extra file (one that is not indexed); indexed files only leave with
    /// a new [`check_workspace`].
    pub fn remove_extra_file(&mut self, path: &Path, settings: &Settings) -> Affected {
        let before = self.extra_files.len();
        self.extra_files.retain(|f| f.path != path);
        if self.extra_files.len() == before {
            return Affected::Files(Vec::new());
        }
        self.refresh(path, settings)
    }

    /// Re-derives the diagnostics of `path` and the workspace's SK305 (whose counts cover
    /// every file).
    fn refresh(&mut self, path: &Path, settings: &Settings) -> Affected {
        let checked = self.checked_files();
        let resolver = Resolver::new(&self.config, &self.index);
        let blocked = resolver.blocked_warning(&checked);
        drop(checked);
        let is_blocked = |d: &Diagnostic| d.rule.code == rules::mentions::RESOLUTION_BLOCKED.code;
        let old_blocked = self.diagnostics.iter().find(|d| is_blocked(d)).cloned();
        let new_blocked = blocked
            .clone()
            .and_then(|d| settings.apply(d, &self.root, self.profile));
        let mut paths = vec![path.to_path_buf()];
        if old_blocked != new_blocked {
            for d in old_blocked.iter().chain(&new_blocked) {
                if !paths.contains(&d.path) {
                    paths.push(d.path.clone());
                }
            }
        }
        for p in &paths {
            let fresh = self.assemble_path(p, &resolver, blocked.as_ref(), settings);
            let range = path_range(&self.diagnostics, p);
            self.diagnostics.splice(range, fresh);
        }
        Affected::Files(paths)
    }
}

/// Where the diagnostics of `path` are (or would go) in a sorted list.
fn path_range(diagnostics: &[Diagnostic], path: &Path) -> std::ops::Range<usize> {
    let start = diagnostics.partition_point(|d| d.path.as_path() < path);
    let len = diagnostics[start..].partition_point(|d| d.path.as_path() == path);
    start..start + len
}

pub fn sort_diagnostics(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        (
            &a.path,
            a.range.start.line,
            a.range.start.utf16,
            a.rule.code,
            &a.message,
        )
            .cmp(&(
                &b.path,
                b.range.start.line,
                b.range.start.utf16,
                b.rule.code,
                &b.message,
            ))
    });
}

/// Resolves mentions the way `resolve_mentions` does (spec §2.4).
pub struct Resolver<'a> {
    index: &'a SkillIndex,
    enabled: HashSet<&'a str>,
    disabled: HashMap<&'a str, &'a str>,
    nothing_configured: bool,
    blocked: Option<Blocker>,
    rejected_by_name: HashMap<&'a str, (String, String)>,
    /// Skill names per namespace, prepared for did-you-mean when first needed (most
    /// resolutions never need one, and an editor resolves after every keystroke).
    dictionaries: HashMap<&'a str, std::sync::OnceLock<crate::suggest::Dictionary>>,
}

/// Why the runtime refuses every mention, and where that cause is written.
#[derive(Debug, Clone)]
pub struct Blocker {
    pub cause: String,
    pub path: PathBuf,
    pub range: crate::text::SourceRange,
}

impl<'a> Resolver<'a> {
    pub fn new(config: &'a WorkspaceConfig, index: &'a SkillIndex) -> Self {
        let spaces = &config.skills.spaces;
        let enabled: HashSet<&str> = spaces
            .iter()
            .filter(|s| s.enabled)
            .map(|s| s.namespace.as_str())
            .collect();
        let disabled = spaces
            .iter()
            .filter(|s| !s.enabled)
            .map(|s| (s.namespace.as_str(), s.id.as_str()))
            .collect();
        let nothing_configured = enabled.is_empty() || config.skills.sources.is_empty();
        let config_path = || {
            config
                .overlays
                .first()
                .map(|o| o.path.clone())
                .unwrap_or_else(|| config.workspace_root.join("config/runtime.yaml"))
        };
        let blocked = if !config.loads && config.has_overlays() {
            Some(Blocker {
                cause: "the configuration does not load (see its errors)".into(),
                path: config_path(),
                range: Default::default(),
            })
        } else {
            index.blocking_error().map(|e| {
                let why = e
                    .reason
                    .as_ref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default();
                let (path, range) = match &e.path {
                    Some(p) => (
                        p.clone(),
                        index.file(p).map(|f| f.name_range).unwrap_or_default(),
                    ),
                    None => (config_path(), Default::default()),
                };
                Blocker {
                    cause: format!("{}{why}", e.code),
                    path,
                    range,
                }
            })
        };
        let mut rejected_by_name = HashMap::new();
        for f in &index.files {
            if let (true, Some(name)) = (f.is_rejected(), f.declared_name.as_deref()) {
                let reason = match &f.verdict {
                    Some(crate::skill::Verdict::Rejected(r)) => r.reason().to_string(),
                    _ => "scan failure".to_string(),
                };
                rejected_by_name
                    .insert(name, (shown_path(&f.path, &config.workspace_root), reason));
            }
        }
        let dictionaries = enabled
            .iter()
            .map(|ns| (*ns, std::sync::OnceLock::new()))
            .collect();
        Resolver {
            index,
            enabled,
            disabled,
            nothing_configured,
            blocked,
            rejected_by_name,
            dictionaries,
        }
    }

    /// Why the runtime currently refuses every mention, if it does.
    pub fn blocker(&self) -> Option<&Blocker> {
        self.blocked.as_ref()
    }

    pub fn resolve(&self, namespace: &str, name: &str) -> Resolution {
        if self.nothing_configured {
            return Resolution::NothingConfigured;
        }
        if !self.enabled.contains(namespace) {
            return Resolution::NamespaceNotConfigured {
                disabled: self.disabled.get(namespace).map(|s| s.to_string()),
                suggestion: crate::suggest::closest(namespace, self.enabled.iter().copied())
                    .map(str::to_owned),
            };
        }
        if self.index.lookup(namespace, name).is_some() {
            return Resolution::Resolved;
        }
        let suggestion = self
            .dictionaries
            .get(namespace)
            .and_then(|d| {
                d.get_or_init(|| crate::suggest::Dictionary::new(self.index.names_in(namespace)))
                    .closest(name)
            })
            .map(str::to_owned);
        let rejected = self.rejected_by_name.get(name).cloned();
        Resolution::Unknown {
            suggestion,
            rejected,
        }
    }

    /// Findings for the mentions of one file.
    pub fn check_file(&self, f: &FileAnalysis) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        if self.index.discovered_without_config {
            // No runtime config: namespaces mean nothing yet; near-misses are still reported.
            return out;
        }
        // A near-miss diagnostic already explains what the runtime reads at that spot.
        let near_misses: HashSet<_> = f
            .diagnostics
            .iter()
            .filter(|d| d.rule.code == rules::mentions::NEAR_MISS_TRUNCATED.code)
            .map(|d| d.range.start)
            .collect();
        for m in f
            .mentions
            .iter()
            .filter(|m| !near_misses.contains(&m.range.start))
        {
            let res = self.resolve(&m.namespace, &m.skill_name);
            if let Some(d) =
                rules::mentions::unresolved(&f.path, m.range, &m.text(), &m.namespace, &res)
            {
                out.push(d);
            }
        }
        out
    }

    /// One SK305 for the workspace when scan errors block every mention: at the cause, with
    /// the first affected mentions as related locations.
    pub fn blocked_warning(&self, files: &[&FileAnalysis]) -> Option<Diagnostic> {
        let blocker = self.blocked.as_ref()?;
        if self.index.discovered_without_config {
            return None;
        }
        let with_mentions: Vec<&&FileAnalysis> =
            files.iter().filter(|f| !f.mentions.is_empty()).collect();
        let mentions: usize = with_mentions.iter().map(|f| f.mentions.len()).sum();
        if mentions == 0 {
            return None;
        }
        let related = with_mentions
            .iter()
            .flat_map(|f| f.mentions.iter().map(move |m| (f, m)))
            .take(3)
            .map(|(f, m)| Related {
                path: f.path.clone(),
                range: m.range,
                message: format!("`{}` will not resolve", m.text()),
            })
            .collect();
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });

        Some(rules::mentions::blocked(
            &blocker.path,
            blocker.range,
            &format!(
                "the runtime will refuse to resolve every mention in this workspace ({} in {}, healthy skills included) because of {}",
                plural(mentions, "mention"),
                plural(with_mentions.len(), "file"),
                blocker.cause
            ),
            related,
        ))
    }
}
