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
    let config = config::load(&opts.config);
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
            if settings.is_included(rel) {
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

    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    diagnostics.extend(config.diagnostics.iter().cloned());
    // A YAML file named on the command line is validated on its own, as if it were the only
    // overlay (unreadable ones were reported by the caller's existence check).
    for extra in standalone_configs {
        if let Ok(bytes) = analysis::read_regular(&extra) {
            let standalone =
                config::load_texts(root.clone(), vec![(extra, config::Origin::Cli, bytes)]);
            diagnostics.extend(standalone.diagnostics);
        }
    }
    diagnostics.extend(index.diagnostics.iter().cloned());
    for f in index.files.iter().chain(&extra_files) {
        diagnostics.extend(f.diagnostics.iter().cloned());
    }
    if !index.discovered_without_config {
        for f in extra_files
            .iter()
            .filter(|f| f.kind == FileKind::Skill && f.read_error.is_none())
        {
            let mut d = Diagnostic::new(
                &rules::index::UNREACHABLE_SKILL,
                f.path.clone(),
                f.name_range,
                "no enabled skills space reaches this SKILL.md; the runtime will never load it",
            );
            d.help("move it under a configured source root, or add a source for it");
            diagnostics.push(d);
        }
    }
    let resolver = Resolver::new(&config, &index);
    let checked: Vec<&FileAnalysis> = index.files.iter().chain(&extra_files).collect();
    for found in analysis::parallel_map(&checked, |f| resolver.check_file(f)) {
        diagnostics.extend(found);
    }
    diagnostics.extend(resolver.blocked_warning(&checked));

    let mut diagnostics: Vec<Diagnostic> = diagnostics
        .into_iter()
        .filter_map(|d| settings.apply(d, &root, profile))
        .collect();
    sort_diagnostics(&mut diagnostics);
    diagnostics.dedup();
    Workspace {
        root,
        profile,
        config,
        index,
        extra_files,
        diagnostics,
    }
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
    /// Skill names per namespace, prepared for did-you-mean.
    dictionaries: HashMap<&'a str, crate::suggest::Dictionary>,
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
            .map(|ns| (*ns, crate::suggest::Dictionary::new(index.names_in(ns))))
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
            .and_then(|d| d.closest(name))
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
