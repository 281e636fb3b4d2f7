//! Building a folder's skills workspaces from scratch (blocking; run off the async threads):
//! settings (`skills-lsp.toml` under the client's settings), config (open buffers standing in
//! for `.env` and overlays), then `check::check_loaded`.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use skills_runtime::analysis::{AnalysisOptions, FileAnalysis};
use skills_runtime::check::{CheckOptions, Workspace, analyze_extra, check_loaded};
use skills_runtime::config::{self, LoadOptions};
use skills_runtime::settings::{self as file_settings, Settings};
use skills_runtime::text::{LineIndex, TextRange};

use crate::session::{ClientSettings, FileKind, SettingsProblem, discover_roots, project_files};

/// Which workspaces of a folder to build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Find the folder's workspaces again and build them all.
    Rediscover,
    /// Only these (their config or settings changed).
    Roots(Vec<PathBuf>),
}

impl Scope {
    pub(crate) fn union(self, other: Scope) -> Scope {
        match (self, other) {
            (Scope::Roots(mut a), Scope::Roots(b)) => {
                for r in b {
                    if !a.contains(&r) {
                        a.push(r);
                    }
                }
                Scope::Roots(a)
            }
            _ => Scope::Rediscover,
        }
    }
}

/// One workspace, freshly checked.
#[derive(Debug)]
pub(crate) struct RootBuild {
    pub(crate) root: PathBuf,
    pub(crate) nested: Vec<PathBuf>,
    pub(crate) ws: Workspace,
    pub(crate) settings: Settings,
    pub(crate) settings_problem: Option<SettingsProblem>,
    pub(crate) elapsed: Duration,
}

/// The text of a file: its open buffer, else the disk.
fn read(path: &Path, buffers: &HashMap<PathBuf, Vec<u8>>) -> Option<Vec<u8>> {
    match buffers.get(path) {
        Some(b) => Some(b.clone()),
        None => skills_runtime::analysis::read_regular(path).ok(),
    }
}

/// `skills-lsp.toml` of a workspace (defaults when missing or broken), client settings on top.
fn settings_for(
    root: &Path,
    client: &ClientSettings,
    buffers: &HashMap<PathBuf, Vec<u8>>,
) -> (Settings, Option<SettingsProblem>) {
    let path = root.join(file_settings::FILE_NAME);
    let (file, problem) = match read(&path, buffers) {
        None if !path.exists() => (Settings::default(), None),
        None => (
            Settings::default(),
            Some(SettingsProblem {
                path: path.clone(),
                message: "cannot read skills-lsp.toml (not a regular file?); defaults apply".into(),
                range: Default::default(),
            }),
        ),
        Some(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            match Settings::parse(&text) {
                Ok(s) => (s, None),
                Err((message, range)) => {
                    let lines = LineIndex::new(&bytes);
                    let range = range
                        .map(|r| {
                            let end = r.end.min(bytes.len());
                            lines.source_range(&bytes, TextRange::new(r.start.min(end), end))
                        })
                        .unwrap_or_default();
                    (
                        Settings::default(),
                        Some(SettingsProblem {
                            path: path.clone(),
                            message: format!(
                                "skills-lsp.toml: {message}; defaults apply until it is fixed"
                            ),
                            range,
                        }),
                    )
                }
            }
        }
    };
    (client.apply_to(file), problem)
}

/// The files of a workspace checked for mentions besides its index: SKILL.md, Markdown and
/// text files its include globs (file and client settings) match, outside nested workspaces.
fn mention_files(
    root: &Path,
    nested: &[PathBuf],
    settings: &Settings,
    files: &[PathBuf],
) -> Vec<PathBuf> {
    files
        .iter()
        .filter(|f| {
            f.strip_prefix(root)
                .is_ok_and(|rel| settings.is_included(rel))
                && FileKind::of(f).is_analyzed()
                && !nested.iter().any(|n| f.starts_with(n))
        })
        .cloned()
        .collect()
}

/// Checks one workspace. With `files` (the folder's [`project_files`], walked once for all
/// of its workspaces), the Markdown/text files its include globs match are checked too;
/// without, only the index and the config (the mention files follow: [`mention_files_of`]).
pub(crate) fn build_root(
    root: &Path,
    nested: Vec<PathBuf>,
    client: &ClientSettings,
    buffers: &HashMap<PathBuf, Vec<u8>>,
    files: Option<&[PathBuf]>,
) -> RootBuild {
    let started = Instant::now();
    let (settings, settings_problem) = settings_for(root, client, buffers);
    let load = LoadOptions::new(root);
    let config = config::load_with_buffers(&load, buffers);
    // The files the include globs match are listed here, so the check does not walk again.
    let mut listed = settings.clone();
    listed.include.clear();
    if let Err(e) = listed.apply_overrides(&[], &[], &[]) {
        tracing::error!("settings without include globs: {e}");
    }
    let opts = CheckOptions {
        config: load,
        paths: files
            .map(|files| mention_files(root, &nested, &settings, files))
            .unwrap_or_default(),
        profile: client.profile(),
        nested_workspaces: nested.clone(),
        settings: listed,
    };
    let ws = check_loaded(&opts, config);
    RootBuild {
        root: root.to_path_buf(),
        nested,
        ws,
        settings,
        settings_problem,
        elapsed: started.elapsed(),
    }
}

/// What a workspace built without its mention files needs to get them later, off the lock.
pub(crate) struct Pending {
    root: PathBuf,
    nested: Vec<PathBuf>,
    settings: Settings,
    opts: AnalysisOptions,
    /// Files the workspace checks already (indexed SKILL.md files, overlays).
    checked: HashSet<PathBuf>,
}

impl Pending {
    fn of(b: &RootBuild) -> Pending {
        Pending {
            root: b.root.clone(),
            nested: b.nested.clone(),
            settings: b.settings.clone(),
            opts: b.ws.analysis_options(),
            checked: b
                .ws
                .index
                .files
                .iter()
                .map(|f| f.path.clone())
                .chain(b.ws.config.overlays.iter().map(|o| o.path.clone()))
                .collect(),
        }
    }
}

/// The mention files of a workspace built without them, analyzed (in parallel).
fn mention_files_of(p: &Pending, files: &[PathBuf]) -> Vec<FileAnalysis> {
    let todo: Vec<PathBuf> = mention_files(&p.root, &p.nested, &p.settings, files)
        .into_iter()
        .filter(|f| !p.checked.contains(f))
        .collect();
    // Walked paths are already resolved: the walk does not follow symlinks.
    skills_runtime::analysis::parallel_map(&todo, |f| analyze_extra(f, f, &p.opts))
}

/// What a build reports, in order.
pub(crate) enum BuildEvent {
    /// Workspaces whose index is complete. `replace_all`: they are all of the folder's
    /// workspaces (otherwise they replace the ones with the same roots). `last`: nothing
    /// follows (the mention files were checked too).
    Indexed {
        roots: Vec<RootBuild>,
        replace_all: bool,
        last: bool,
    },
    /// The mention files of the workspaces indexed without them, and the workspaces found
    /// nested in the folder meanwhile (built completely; `Some`: they replace the nested ones).
    MentionFiles {
        extras: Vec<(PathBuf, Vec<PathBuf>, Vec<FileAnalysis>)>,
        nested: Option<Vec<RootBuild>>,
    },
}

/// The inputs of a folder build (taken from the session when it starts).
pub(crate) struct BuildInput {
    pub(crate) folder: PathBuf,
    pub(crate) scope: Scope,
    /// The folder's current workspaces and what is nested below each.
    pub(crate) known: Vec<(PathBuf, Vec<PathBuf>)>,
    /// Other workspace folders inside this one: theirs, not this folder's.
    pub(crate) excluded: Vec<PathBuf>,
    pub(crate) client: ClientSettings,
    pub(crate) buffers: HashMap<PathBuf, Vec<u8>>,
}

impl BuildInput {
    fn walk(&self, dir: &Path) -> Vec<PathBuf> {
        let mut files = project_files(dir);
        files.retain(|f| !self.excluded.iter().any(|e| f.starts_with(e)));
        files
    }

    fn has_config(&self, dir: &Path) -> bool {
        let path = dir.join("config").join("runtime.yaml");
        self.buffers.contains_key(&path) || path.is_file()
    }

    /// A folder's workspaces from its files, other folders left out.
    fn roots(&self, files: &[PathBuf]) -> Vec<(PathBuf, Vec<PathBuf>)> {
        discover_roots(&self.folder, files)
            .into_iter()
            .filter(|(r, _)| !self.excluded.iter().any(|e| r.starts_with(e)))
            .map(|(r, mut nested)| {
                nested.retain(|n| !self.excluded.iter().any(|e| n.starts_with(e)));
                nested.extend(self.excluded.iter().filter(|e| e.starts_with(&r)).cloned());
                (r, nested)
            })
            .collect()
    }
}

/// Builds a folder's workspaces. The indexes come first (what `skills/indexed` announces),
/// then, when the folder's config makes that possible, the Markdown/text files checked for
/// mentions and the workspaces nested below: the walk over the whole folder they need would
/// otherwise delay the index.
pub(crate) fn build_folder(input: &BuildInput, mut emit: impl FnMut(BuildEvent)) {
    let started = Instant::now();
    let c = &input.client;
    let b = &input.buffers;
    let nested_of = |root: &Path| -> Vec<PathBuf> {
        input
            .known
            .iter()
            .find(|(r, _)| r == root)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| {
                input
                    .excluded
                    .iter()
                    .filter(|e| e.starts_with(root))
                    .cloned()
                    .collect()
            })
    };
    match &input.scope {
        Scope::Rediscover if !input.has_config(&input.folder) => {
            // Discovery without config must leave nested workspaces out: walk first.
            let files = input.walk(&input.folder);
            let roots: Vec<RootBuild> = input
                .roots(&files)
                .into_iter()
                .map(|(root, nested)| build_root(&root, nested, c, b, Some(&files)))
                .collect();
            tracing::debug!(
                "{} built in {:?}",
                input.folder.display(),
                started.elapsed()
            );
            emit(BuildEvent::Indexed {
                roots,
                replace_all: true,
                last: true,
            });
        }
        Scope::Rediscover => {
            let folder = &input.folder;
            let outer = build_root(folder, nested_of(folder), c, b, None);
            let pending = Pending::of(&outer);
            tracing::debug!("{} indexed in {:?}", folder.display(), started.elapsed());
            emit(BuildEvent::Indexed {
                roots: vec![outer],
                replace_all: false,
                last: false,
            });
            let files = input.walk(folder);
            let roots = input.roots(&files);
            let mut pending = pending;
            if let Some((_, nested)) = roots.iter().find(|(r, _)| r == folder) {
                pending.nested = nested.clone();
            }
            let extras = mention_files_of(&pending, &files);
            let nested: Vec<RootBuild> = roots
                .into_iter()
                .filter(|(r, _)| r != folder)
                .map(|(root, nested)| build_root(&root, nested, c, b, Some(&files)))
                .collect();
            tracing::debug!(
                "{}: {} mention files, {} nested workspaces after {:?}",
                folder.display(),
                extras.len(),
                nested.len(),
                started.elapsed()
            );
            emit(BuildEvent::MentionFiles {
                extras: vec![(pending.root, pending.nested, extras)],
                nested: Some(nested),
            });
        }
        Scope::Roots(wanted) => {
            let roots: Vec<RootBuild> = wanted
                .iter()
                .map(|root| build_root(root, nested_of(root), c, b, None))
                .collect();
            let pending: Vec<Pending> = roots.iter().map(Pending::of).collect();
            emit(BuildEvent::Indexed {
                roots,
                replace_all: false,
                last: false,
            });
            let extras = pending
                .iter()
                .map(|p| {
                    let files = input.walk(&p.root);
                    (
                        p.root.clone(),
                        p.nested.clone(),
                        mention_files_of(p, &files),
                    )
                })
                .collect();
            emit(BuildEvent::MentionFiles {
                extras,
                nested: None,
            });
        }
    }
}
