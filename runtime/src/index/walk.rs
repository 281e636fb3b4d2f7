//! The runtime's breadth-first walk of a filesystem source
//! (`sources/filesystem.py::scan_filesystem_source`, spec §1.1), replicated step by step:
//! sorted entries, dot-entry skipping, symlink rules, depth and directory limits.

use std::path::{Path, PathBuf};

use crate::config::ScanOptions;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalkIssue {
    /// A `SKILL.md` symlink whose target is outside the canonical root (`path_escape`).
    PathEscape { locator: PathBuf, real: PathBuf },
    /// Resolving a `SKILL.md` failed (`resolve_failed:…`).
    ResolveFailed { locator: PathBuf, reason: String },
    /// `max_dirs_per_root` exceeded after `visited` directories.
    MaxDirs { visited: u64 },
    /// A directory could not be listed: the runtime's whole scan fails.
    Unreadable { dir: PathBuf, reason: String },
}

#[derive(Debug, Default)]
pub struct Walk {
    /// `SKILL.md` locators in discovery order, with their canonical paths.
    pub skills: Vec<(PathBuf, PathBuf)>,
    pub issues: Vec<WalkIssue>,
    /// Files named like SKILL.md in another letter case (ignored by the runtime).
    pub wrong_case: Vec<PathBuf>,
    /// Directories visited (as the runtime counts them).
    pub visited: u64,
    /// Whether the root exists as a directory.
    pub root_exists: bool,
    pub root_real: PathBuf,
}

fn is_skill_md_other_case(name: &str) -> bool {
    name != "SKILL.md" && name.eq_ignore_ascii_case("SKILL.md")
}

/// Walks one filesystem source root exactly as the runtime does.
pub fn walk(root: &Path, opts: &ScanOptions) -> Walk {
    let mut out = Walk::default();
    if !root.is_dir() {
        return out;
    }
    out.root_exists = true;
    let root_real = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    out.root_real = root_real.clone();
    let mut queue = std::collections::VecDeque::from([(root.to_path_buf(), 0u64)]);
    while let Some((dir, depth)) = queue.pop_front() {
        out.visited += 1;
        if opts.max_dirs_per_root >= 1 && out.visited > opts.max_dirs_per_root {
            out.issues.push(WalkIssue::MaxDirs {
                visited: out.visited - 1,
            });
            break;
        }
        if depth > opts.max_depth {
            continue;
        }
        let mut entries: Vec<(String, PathBuf)> = match std::fs::read_dir(&dir) {
            Ok(rd) => rd
                .filter_map(Result::ok)
                .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
                .collect(),
            Err(e) => {
                out.issues.push(WalkIssue::Unreadable {
                    dir: dir.clone(),
                    reason: e.to_string(),
                });
                continue;
            }
        };
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, path) in entries {
            if opts.ignore_dot_entries && name.starts_with('.') {
                continue;
            }
            let meta = std::fs::symlink_metadata(&path);
            let is_symlink = meta.as_ref().is_ok_and(|m| m.file_type().is_symlink());
            if is_symlink && name != "SKILL.md" {
                continue;
            }
            // `is_dir()`/`is_file()` follow symlinks, as in Python.
            let target = std::fs::metadata(&path);
            if target.as_ref().is_ok_and(|m| m.is_dir()) {
                queue.push_back((path, depth + 1));
                continue;
            }
            if !target.as_ref().is_ok_and(|m| m.is_file()) {
                continue;
            }
            if name != "SKILL.md" {
                if is_skill_md_other_case(&name) {
                    out.wrong_case.push(path);
                }
                continue;
            }
            match path.canonicalize() {
                Err(e) => out.issues.push(WalkIssue::ResolveFailed {
                    locator: path,
                    reason: e.to_string(),
                }),
                Ok(real) if !real.starts_with(&root_real) => {
                    out.issues.push(WalkIssue::PathEscape {
                        locator: path,
                        real,
                    })
                }
                Ok(real) => out.skills.push((path, real)),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_and_dot_entries() {
        let dir = std::env::temp_dir().join(format!("skills-walk-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for p in [
            "SKILL.md",
            "a/SKILL.md",
            "a/b/SKILL.md",
            ".h/SKILL.md",
            "c/skill.md",
        ] {
            let p = dir.join(p);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, "x").unwrap();
        }
        let names = |w: &Walk| {
            w.skills
                .iter()
                .map(|(l, _)| l.strip_prefix(&dir).unwrap().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
        };
        let w = walk(
            &dir,
            &ScanOptions {
                max_depth: 1,
                ..Default::default()
            },
        );
        assert_eq!(names(&w), ["SKILL.md", "a/SKILL.md"]);
        assert_eq!(w.wrong_case.len(), 1);
        let w = walk(
            &dir,
            &ScanOptions {
                ignore_dot_entries: false,
                ..Default::default()
            },
        );
        assert_eq!(
            names(&w),
            ["SKILL.md", ".h/SKILL.md", "a/SKILL.md", "a/b/SKILL.md"]
        );
        let w = walk(
            &dir,
            &ScanOptions {
                max_dirs_per_root: 2,
                ..Default::default()
            },
        );
        assert!(matches!(w.issues[..], [WalkIssue::MaxDirs { .. }]));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
