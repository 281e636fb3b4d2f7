//! Per-file analysis: everything about one file that does not depend on the rest of the
//! workspace. Runs in parallel; keeps only what later phases need (not the text).

use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, FileSink};
use crate::mentions;
use crate::rules::{self, Profile};
use crate::skill::{SkillDocument, Verdict};
use crate::text::SourceRange;

#[derive(Debug, Clone, Copy)]
pub struct AnalysisOptions {
    pub max_frontmatter_bytes: usize,
    pub injection_max_bytes: Option<u64>,
    pub profile: Profile,
}

impl Default for AnalysisOptions {
    fn default() -> Self {
        Self {
            max_frontmatter_bytes: crate::skill::DEFAULT_MAX_FRONTMATTER_BYTES,
            injection_max_bytes: None,
            profile: Profile::Runtime,
        }
    }
}

/// A mention occurrence with its location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MentionSite {
    pub namespace: String,
    pub skill_name: String,
    pub range: SourceRange,
}

impl MentionSite {
    pub fn text(&self) -> String {
        mentions::format_mention(&self.namespace, &self.skill_name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileKind {
    Skill,
    /// Markdown or text checked for mentions only.
    Text,
}

#[derive(Debug, Clone)]
pub struct FileAnalysis {
    pub path: PathBuf,
    pub kind: FileKind,
    /// The runtime's verdict (skills only); `None` if the file could not be read.
    pub verdict: Option<Verdict>,
    /// The indexed name (accepted skills).
    pub skill_name: Option<String>,
    /// The name as written, even when the runtime rejects the file.
    pub declared_name: Option<String>,
    pub description: Option<String>,
    /// Where `name:`'s value is (or the start of the file).
    pub name_range: SourceRange,
    pub diagnostics: Vec<Diagnostic>,
    pub mentions: Vec<MentionSite>,
    pub read_error: Option<String>,
    pub bytes: u64,
}

impl FileAnalysis {
    /// A file that could not be analyzed (read error, or an internal failure).
    fn unreadable(path: &Path, kind: FileKind, err: impl ToString) -> Self {
        FileAnalysis {
            path: path.to_path_buf(),
            kind,
            verdict: None,
            skill_name: None,
            declared_name: None,
            description: None,
            name_range: SourceRange::default(),
            diagnostics: Vec::new(),
            mentions: Vec::new(),
            read_error: Some(err.to_string()),
            bytes: 0,
        }
    }

    /// The runtime rejects this skill file (or its scan crashes on it).
    pub fn is_rejected(&self) -> bool {
        self.kind == FileKind::Skill && !matches!(self.verdict, Some(Verdict::Accepted))
    }
}

fn mention_sites(sink: &FileSink) -> Vec<MentionSite> {
    mentions::occurrences(sink.text)
        .into_iter()
        .map(|m| MentionSite {
            range: sink.locate(m.range),
            namespace: m.namespace,
            skill_name: m.skill_name,
        })
        .collect()
}

/// Reads a file only if it is a regular file (symlinks followed): opening a FIFO for reading
/// blocks until a writer appears, and a device may never reach EOF. On Unix the file is
/// opened without blocking and checked through its descriptor (one path lookup, not two).
pub fn read_regular(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let not_regular =
        || std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file");
    #[cfg(unix)]
    let file = {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)?
    };
    #[cfg(not(unix))]
    let file = {
        if !std::fs::metadata(path)?.is_file() {
            return Err(not_regular());
        }
        std::fs::File::open(path)?
    };
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular());
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    (&file).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Analyzes a SKILL.md at `path` whose bundle directory is `bundle_dir`.
pub fn analyze_skill(path: &Path, bundle_dir: &Path, opts: &AnalysisOptions) -> FileAnalysis {
    let text = match read_regular(path) {
        Ok(t) => t,
        Err(e) => {
            let mut a = FileAnalysis::unreadable(path, FileKind::Skill, &e);
            let message =
                format!("cannot read this SKILL.md ({e}); the runtime's scan fails on it");
            a.diagnostics = vec![Diagnostic::new(
                &rules::frontmatter::SCAN_CRASH,
                path.to_path_buf(),
                SourceRange::default(),
                message,
            )];
            return a;
        }
    };
    analyze_skill_text(path, &text, bundle_dir, opts)
}

/// Analyzes SKILL.md content (from disk or an editor buffer).
pub fn analyze_skill_text(
    path: &Path,
    text: &[u8],
    bundle_dir: &Path,
    opts: &AnalysisOptions,
) -> FileAnalysis {
    guarded(path, FileKind::Skill, || {
        skill_text(path, text, bundle_dir, opts)
    })
}

/// A panic in one file's analysis (a bug) must not take the run down: the file is reported
/// as not analyzed and everything else goes on.
fn guarded(path: &Path, kind: FileKind, analyze: impl FnOnce() -> FileAnalysis) -> FileAnalysis {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(analyze)).unwrap_or_else(|_| {
        FileAnalysis::unreadable(path, kind, "internal error while analyzing this file")
    })
}

fn skill_text(path: &Path, text: &[u8], bundle_dir: &Path, opts: &AnalysisOptions) -> FileAnalysis {
    let doc = SkillDocument::parse(text, opts.max_frontmatter_bytes);
    let mut sink = FileSink::new(path.to_path_buf(), text);
    rules::frontmatter::check(&doc, &mut sink);
    if doc.frontmatter.is_ok() && doc.load_problem.is_none() {
        rules::bundle::check_links(&doc, &mut sink, bundle_dir);
        rules::bundle::check_actions(&doc, &mut sink, bundle_dir);
        if opts.profile == Profile::AgentSkills {
            rules::agentskills::check(&doc, &mut sink, bundle_dir);
        }
    }
    rules::bundle::check_size(&mut sink, opts.injection_max_bytes);
    rules::mentions::check_near_misses(&mut sink);
    let name_range = doc
        .name
        .as_ref()
        .map(|f| sink.locate(f.value))
        .unwrap_or_default();
    let mut verdict = doc.verdict.clone();
    let mut skill_name = doc.skill_name.clone();
    // The loader reads agents/openai.yaml after the name and description checks pass.
    if matches!(
        verdict,
        Verdict::Accepted | Verdict::Rejected(crate::skill::Rejection::InvalidSlug)
    ) {
        if let Some((crash, d)) = rules::bundle::check_agents_yaml(bundle_dir) {
            sink.out.push(d);
            verdict = Verdict::Crash(crash);
            skill_name = None;
        }
    }
    FileAnalysis {
        path: path.to_path_buf(),
        kind: FileKind::Skill,
        verdict: Some(verdict),
        skill_name,
        declared_name: doc
            .name
            .as_ref()
            .and_then(|f| f.as_str())
            .map(|s| crate::text::python_strip(s).to_string()),
        description: doc.skill_description.clone(),
        name_range,
        mentions: mention_sites(&sink),
        bytes: text.len() as u64,
        diagnostics: sink.out,
        read_error: None,
    }
}

/// Analyzes a Markdown/text file for mentions.
pub fn analyze_text(path: &Path) -> FileAnalysis {
    match read_regular(path) {
        Ok(text) => analyze_text_content(path, &text),
        Err(e) => FileAnalysis::unreadable(path, FileKind::Text, &e),
    }
}

pub fn analyze_text_content(path: &Path, text: &[u8]) -> FileAnalysis {
    guarded(path, FileKind::Text, || text_content(path, text))
}

fn text_content(path: &Path, text: &[u8]) -> FileAnalysis {
    let mut sink = FileSink::new(path.to_path_buf(), text);
    rules::mentions::check_near_misses(&mut sink);
    FileAnalysis {
        path: path.to_path_buf(),
        kind: FileKind::Text,
        verdict: None,
        skill_name: None,
        declared_name: None,
        description: None,
        name_range: SourceRange::default(),
        mentions: mention_sites(&sink),
        bytes: text.len() as u64,
        diagnostics: sink.out,
        read_error: None,
    }
}

/// Runs `f` over `items` on all cores, preserving order.
pub fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(items.len().max(1));
    if threads <= 1 || items.len() < 8 {
        return items.iter().map(f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<Option<R>> = Vec::with_capacity(items.len());
    results.resize_with(items.len(), || None);
    let chunks: Vec<Vec<(usize, R)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut local = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if i >= items.len() {
                            break;
                        }
                        local.push((i, f(&items[i])));
                    }
                    local
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("analysis worker panicked"))
            .collect()
    });
    for (i, r) in chunks.into_iter().flatten() {
        results[i] = Some(r);
    }
    results
        .into_iter()
        .map(|r| r.expect("every item processed"))
        .collect()
}
