//! Workspace path confinement (spec §3.3): a tool path is joined to the workspace root, fully
//! resolved (symlinks followed, `..` collapsed) the way Python's `Path.resolve()` does, and
//! refused unless the result lies inside the root.

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

/// Symlinks followed in one resolution before giving up (the kernel's own limit).
const MAX_LINKS: usize = 40;

/// Resolves `raw` against `root`; the error is the message the reference puts in stderr
/// (`error_kind: permission`).
pub(crate) fn resolve_in_workspace(root: &Path, raw: &str) -> Result<PathBuf, String> {
    if raw.contains('\0') {
        return Err("embedded null byte".into());
    }
    let root = resolve(root)?;
    let p = Path::new(raw);
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        root.join(p)
    };
    let resolved = resolve(&joined)?;
    if resolved.starts_with(&root) {
        Ok(resolved)
    } else {
        Err(format!(
            "USER_ERROR: 禁止访问 workspace_root 之外的路径：{}",
            resolved.display()
        ))
    }
}

/// Python's `Path(p).resolve()` (non-strict `os.path.realpath`): existing symlinks are followed,
/// `..` applies to what has been resolved so far, missing components are kept as written. A
/// symlink loop is an error (`RuntimeError: Symlink loop from ...`).
pub(crate) fn resolve(path: &Path) -> Result<PathBuf, String> {
    let start = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| e.to_string())?
            .join(path)
    };
    let mut links = 0;
    let mut out = PathBuf::from("/");
    join_resolved(&mut out, &start, &mut links)?;
    Ok(out)
}

fn join_resolved(out: &mut PathBuf, rest: &Path, links: &mut usize) -> Result<(), String> {
    for comp in rest.components() {
        match comp {
            Component::RootDir => *out = PathBuf::from("/"),
            Component::Prefix(_) | Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(name) => {
                let candidate = out.join(name);
                match std::fs::symlink_metadata(&candidate) {
                    Ok(meta) if meta.file_type().is_symlink() => {
                        *links += 1;
                        if *links > MAX_LINKS {
                            return Err(format!(
                                "Symlink loop from {}",
                                crate::agent::json::python_str_repr(&candidate.to_string_lossy())
                            ));
                        }
                        let target = std::fs::read_link(&candidate).map_err(|e| e.to_string())?;
                        join_resolved(out, &target, links)?;
                    }
                    _ => *out = candidate,
                }
            }
        }
    }
    Ok(())
}

/// [`resolve`], or the path unchanged when it cannot be resolved (no current directory).
pub(crate) fn resolve_real(path: &Path) -> PathBuf {
    resolve(path).unwrap_or_else(|_| path.to_path_buf())
}

/// `path` relative to `base` with `/` separators (`Path.relative_to(...).as_posix()`), or
/// `None` when it is not below `base`.
pub(crate) fn relative_posix(path: &Path, base: &Path) -> Option<String> {
    let rel = path.strip_prefix(base).ok()?;
    let parts: Vec<String> = rel
        .components()
        .map(|c| String::from_utf8_lossy(c.as_os_str().as_bytes()).into_owned())
        .collect();
    Some(parts.join("/"))
}

/// Whether any component of a relative path starts with `.` (hidden, for list/grep).
pub(crate) fn has_hidden_component(rel: &Path) -> bool {
    rel.components().any(|c| match c {
        Component::Normal(n) => n.as_bytes().first() == Some(&b'.'),
        _ => false,
    })
}

/// A path shown the way Python's `str(Path)` shows it.
pub(crate) fn display(path: &Path) -> String {
    let os: OsString = path.as_os_str().to_owned();
    os.to_string_lossy().into_owned()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A unique temporary directory (canonical path), removed on drop.
    pub(crate) struct Scratch(pub PathBuf);
    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
    pub(crate) fn scratch(tag: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!(
            "skills-paths-{tag}-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(std::fs::canonicalize(&dir).unwrap())
    }

    #[test]
    fn relative_and_absolute_paths_inside_the_root_are_accepted() {
        let s = scratch("inside");
        let root = s.0.join("ws");
        std::fs::create_dir_all(root.join("a")).unwrap();
        assert_eq!(
            resolve_in_workspace(&root, "a/b.txt").unwrap(),
            root.join("a/b.txt")
        );
        assert_eq!(
            resolve_in_workspace(&root, "a/../c").unwrap(),
            root.join("c")
        );
        assert_eq!(resolve_in_workspace(&root, "").unwrap(), root);
        let abs = root.join("a/x").to_string_lossy().into_owned();
        assert_eq!(resolve_in_workspace(&root, &abs).unwrap(), root.join("a/x"));
    }

    #[test]
    fn escapes_are_refused_with_the_reference_message() {
        let s = scratch("escape");
        let root = s.0.join("ws");
        std::fs::create_dir_all(&root).unwrap();
        let err = resolve_in_workspace(&root, "../outside").unwrap_err();
        assert_eq!(
            err,
            format!(
                "USER_ERROR: 禁止访问 workspace_root 之外的路径：{}",
                s.0.join("outside").display()
            )
        );
        assert!(resolve_in_workspace(&root, "/etc/passwd").is_err());
        assert!(resolve_in_workspace(&root, "a/../../ws2").is_err());
        std::os::unix::fs::symlink(&s.0, root.join("up")).unwrap();
        assert!(resolve_in_workspace(&root, "up/ws/../secret").is_err());
        assert!(resolve_in_workspace(&root, "up").is_err());
        // A link that stays inside is fine.
        std::os::unix::fs::symlink(&root, root.join("self")).unwrap();
        assert_eq!(
            resolve_in_workspace(&root, "self/f").unwrap(),
            root.join("f")
        );
    }

    #[test]
    fn symlink_loops_are_errors_not_hangs() {
        let s = scratch("loop");
        std::os::unix::fs::symlink(s.0.join("b"), s.0.join("a")).unwrap();
        std::os::unix::fs::symlink(s.0.join("a"), s.0.join("b")).unwrap();
        assert!(
            resolve_in_workspace(&s.0, "a/x")
                .unwrap_err()
                .starts_with("Symlink loop from")
        );
    }
}
