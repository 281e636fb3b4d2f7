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
    let mut queue = std::collections::VecDeque::from([(root.to_path_buf(), 0u64, true)]);
    while let Some((dir, depth, pure)) = queue.pop_front() {
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
        let mut entries: Vec<(String, PathBuf, Option<std::fs::FileType>)> =
            match std::fs::read_dir(&dir) {
                // The entry's own type comes from `readdir` (no `stat`); only symlinks are followed.
                Ok(rd) => rd
                    .filter_map(Result::ok)
                    .map(|e| {
                        (
                            e.file_name().to_string_lossy().into_owned(),
                            e.path(),
                            e.file_type().ok(),
                        )
                    })
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
        for (name, path, file_type) in entries {
            if opts.ignore_dot_entries && name.starts_with('.') {
                continue;
            }
            let is_symlink = file_type.is_some_and(|t| t.is_symlink());
            if is_symlink && name != "SKILL.md" {
                continue;
            }
            // `is_dir()`/`is_file()` follow symlinks, as in Python.
            let (is_dir, is_file) = if is_symlink {
                let target = std::fs::metadata(&path);
                (
                    target.as_ref().is_ok_and(|m| m.is_dir()),
                    target.as_ref().is_ok_and(|m| m.is_file()),
                )
            } else {
                (
                    file_type.is_some_and(|t| t.is_dir()),
                    file_type.is_some_and(|t| t.is_file()),
                )
            };
            if is_dir {
                queue.push_back((path, depth + 1, pure && !is_symlink));
                continue;
            }
            if !is_file {
                continue;
            }
            if name != "SKILL.md" {
                if is_skill_md_other_case(&name) {
                    out.wrong_case.push(path);
                }
                continue;
            }
            // Below the root through real directories only, a regular file's canonical path is
            // the canonical root plus the same relative path: no need to resolve it.
            let known_real = (pure && !is_symlink)
                .then(|| path.strip_prefix(root).ok().map(|rel| root_real.join(rel)))
                .flatten();
            match known_real.map(Ok).unwrap_or_else(|| path.canonicalize()) {
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
