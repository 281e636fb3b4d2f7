//! File access that stays beneath a directory even when the tree changes under it.
//!
//! A tool path is checked by resolving it ([`super::paths`]), but between that check and the
//! use, a directory on the way (or the file itself) can be replaced by a symlink to somewhere
//! else: by a command the run started, or by anything else writing to the workspace. So every
//! operation here starts from the root's file descriptor and opens each component below it with
//! `O_NOFOLLOW`; a component that has become a symlink makes the operation fail (`ENOTDIR` or
//! `ELOOP`) instead of following it out. The final name is created, renamed or removed relative to its
//! directory's descriptor, so it cannot be redirected either.
//!
//! Reads open the file with `O_NONBLOCK` and accept only regular files: a FIFO or a device in
//! the workspace is refused instead of blocking the tool (and its thread) forever.

use std::ffi::{CString, OsStr, OsString};
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

use super::paths;

/// An error and the path it concerns (for Python-style messages).
pub(crate) type Failure = (io::Error, PathBuf);

/// A directory opened beneath the root.
pub(crate) struct ConfinedDir {
    fd: OwnedFd,
    path: PathBuf,
}

/// A directory opened beneath the root, and a name in it.
pub(crate) struct Entry {
    pub dir: ConfinedDir,
    pub name: OsString,
}

fn c_name(name: &OsStr) -> io::Result<CString> {
    CString::new(name.as_bytes()).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))
}

/// `Ok(fd)` for a non-negative result, else the OS error.
fn check_fd(fd: libc::c_int) -> io::Result<OwnedFd> {
    if fd < 0 {
        Err(io::Error::last_os_error())
    } else {
        // SAFETY: a fresh descriptor returned by the kernel, owned by nobody else.
        Ok(unsafe { OwnedFd::from_raw_fd(fd) })
    }
}

fn check(rc: libc::c_int) -> io::Result<()> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

const DIR_FLAGS: libc::c_int =
    libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC;

impl ConfinedDir {
    /// The path of `name` in this directory, for messages.
    pub fn path_of(&self, name: &OsStr) -> PathBuf {
        self.path.join(name)
    }

    /// The root itself (already resolved: it is trusted as it is).
    fn open_root(root: &Path) -> Result<ConfinedDir, Failure> {
        let c = c_name(root.as_os_str()).map_err(|e| (e, root.to_path_buf()))?;
        let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC;
        // SAFETY: `c` is a valid NUL-terminated path.
        let fd = check_fd(unsafe { libc::open(c.as_ptr(), flags) })
            .map_err(|e| (e, root.to_path_buf()))?;
        Ok(ConfinedDir {
            fd,
            path: root.to_path_buf(),
        })
    }

    /// The subdirectory `name`, never through a symlink; created first when missing and
    /// `create` is set.
    fn child_dir(&self, name: &OsStr, create: bool) -> Result<ConfinedDir, Failure> {
        let path = self.path.join(name);
        let c = c_name(name).map_err(|e| (e, path.clone()))?;
        let open = || {
            // SAFETY: valid descriptor and NUL-terminated name.
            check_fd(unsafe { libc::openat(self.fd.as_raw_fd(), c.as_ptr(), DIR_FLAGS) })
        };
        let fd = match open() {
            Err(e) if create && e.raw_os_error() == Some(libc::ENOENT) => {
                // SAFETY: valid descriptor and NUL-terminated name.
                let made = check(unsafe {
                    libc::mkdirat(self.fd.as_raw_fd(), c.as_ptr(), 0o777 as libc::mode_t)
                });
                match made {
                    Ok(()) => open(),
                    Err(e) if e.raw_os_error() == Some(libc::EEXIST) => open(),
                    Err(e) => Err(e),
                }
            }
            other => other,
        }
        .map_err(|e| (e, path.clone()))?;
        Ok(ConfinedDir { fd, path })
    }

    /// A new, empty file `.<name>.<random>` opened for writing (mode `0666 & !umask`).
    pub fn create_temp(&self, name: &OsStr) -> Result<(OsString, File), Failure> {
        let flags =
            libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW | libc::O_CLOEXEC;
        let mut last = None;
        for _ in 0..16 {
            let suffix: String = (0..8).map(|_| fastrand::alphanumeric()).collect();
            let mut candidate = OsString::from(".");
            candidate.push(name);
            candidate.push(format!(".{suffix}"));
            let path = self.path.join(&candidate);
            let c = c_name(&candidate).map_err(|e| (e, path.clone()))?;
            // SAFETY: valid descriptor and NUL-terminated name.
            let opened = check_fd(unsafe {
                libc::openat(
                    self.fd.as_raw_fd(),
                    c.as_ptr(),
                    flags,
                    0o666 as libc::c_uint,
                )
            });
            match opened {
                Ok(fd) => return Ok((candidate, File::from(fd))),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
                Err(e) => return Err((e, path)),
            }
        }
        Err((
            last.unwrap_or_else(|| io::Error::other("no temporary name available")),
            self.path.clone(),
        ))
    }

    /// `name` opened for reading if it is a regular file (not through a symlink, without
    /// blocking on a FIFO). A directory is `EISDIR`; anything else is refused.
    pub fn open_regular(&self, name: &OsStr) -> Result<File, Failure> {
        let path = self.path.join(name);
        let c = c_name(name).map_err(|e| (e, path.clone()))?;
        let flags = libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC;
        // SAFETY: valid descriptor and NUL-terminated name.
        let fd = check_fd(unsafe { libc::openat(self.fd.as_raw_fd(), c.as_ptr(), flags) })
            .map_err(|e| (e, path.clone()))?;
        regular_file(File::from(fd), path)
    }

    /// The permission bits of `name` when it is a regular file (not through a symlink).
    pub fn regular_file_mode(&self, name: &OsStr) -> Option<u32> {
        let c = c_name(name).ok()?;
        // SAFETY: `stat` is plain data; zeroed is a valid value to be overwritten.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: valid descriptor, NUL-terminated name, and a writable `stat`.
        let rc = unsafe {
            libc::fstatat(
                self.fd.as_raw_fd(),
                c.as_ptr(),
                &mut st,
                libc::AT_SYMLINK_NOFOLLOW,
            )
        };
        // `mode_t` is `u32` on Linux and `u16` on macOS.
        #[allow(clippy::unnecessary_cast)]
        let (mode, type_mask, regular) =
            (st.st_mode as u32, libc::S_IFMT as u32, libc::S_IFREG as u32);
        (rc == 0 && mode & type_mask == regular).then_some(mode & 0o7777)
    }

    /// Renames `from` (in this directory) to `to` in `to_dir`, replacing a file there.
    pub fn rename(&self, from: &OsStr, to_dir: &ConfinedDir, to: &OsStr) -> Result<(), Failure> {
        let from_c = c_name(from).map_err(|e| (e, self.path.join(from)))?;
        let to_c = c_name(to).map_err(|e| (e, to_dir.path.join(to)))?;
        // SAFETY: valid descriptors and NUL-terminated names.
        check(unsafe {
            libc::renameat(
                self.fd.as_raw_fd(),
                from_c.as_ptr(),
                to_dir.fd.as_raw_fd(),
                to_c.as_ptr(),
            )
        })
        .map_err(|e| (e, self.path.join(from)))
    }

    /// Removes the file `name` (a symlink itself, never its target).
    pub fn remove_file(&self, name: &OsStr) -> Result<(), Failure> {
        let path = self.path.join(name);
        let c = c_name(name).map_err(|e| (e, path.clone()))?;
        // SAFETY: valid descriptor and NUL-terminated name.
        check(unsafe { libc::unlinkat(self.fd.as_raw_fd(), c.as_ptr(), 0) }).map_err(|e| (e, path))
    }

    /// Flushes the directory's entries to disk (best effort).
    pub fn sync(&self) {
        // SAFETY: valid descriptor.
        unsafe { libc::fsync(self.fd.as_raw_fd()) };
    }
}

fn regular_file(file: File, path: PathBuf) -> Result<File, Failure> {
    let meta = match file.metadata() {
        Ok(m) => m,
        Err(e) => return Err((e, path)),
    };
    if meta.is_dir() {
        return Err((io::Error::from_raw_os_error(libc::EISDIR), path));
    }
    if !meta.is_file() {
        let shown = crate::agent::json::python_str_repr(&paths::display(&path));
        return Err((
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("not a regular file: {shown}"),
            ),
            path,
        ));
    }
    Ok(file)
}

/// The directory holding `path` (resolved, inside `root`) opened from `root` component by
/// component, and the final name. Missing directories are created when `create_dirs` is set.
/// `path` being the root itself is `EISDIR` (there is no name to write to).
pub(crate) fn entry_beneath(root: &Path, path: &Path, create_dirs: bool) -> Result<Entry, Failure> {
    let root = paths::resolve(root).map_err(|msg| (io::Error::other(msg), root.to_path_buf()))?;
    let outside = || {
        (
            io::Error::new(
                io::ErrorKind::PermissionDenied,
                "path is outside the workspace",
            ),
            path.to_path_buf(),
        )
    };
    let rel = path.strip_prefix(&root).map_err(|_| outside())?;
    let mut names = Vec::new();
    for comp in rel.components() {
        match comp {
            Component::Normal(n) => names.push(n.to_os_string()),
            Component::CurDir => {}
            _ => return Err(outside()),
        }
    }
    let Some(name) = names.pop() else {
        return Err((
            io::Error::from_raw_os_error(libc::EISDIR),
            path.to_path_buf(),
        ));
    };
    let mut dir = ConfinedDir::open_root(&root)?;
    for component in &names {
        dir = dir.child_dir(component, create_dirs)?;
    }
    Ok(Entry { dir, name })
}

/// The regular file at `path` (resolved, inside `root`) opened for reading, with no symlink
/// followed below `root`. The root itself is a directory (`EISDIR`).
pub(crate) fn open_regular(root: &Path, path: &Path) -> Result<File, Failure> {
    let entry = entry_beneath(root, path, false)?;
    entry.dir.open_regular(&entry.name)
}

/// The whole content of the regular file at `path` (see [`open_regular`]).
pub(crate) fn read_regular(root: &Path, path: &Path) -> Result<Vec<u8>, Failure> {
    use std::io::Read;
    let mut file = open_regular(root, path)?;
    let mut data = Vec::new();
    file.read_to_end(&mut data)
        .map_err(|e| (e, path.to_path_buf()))?;
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::super::paths::tests::scratch;
    use super::*;

    #[test]
    fn a_directory_swapped_for_a_symlink_after_the_check_is_not_followed() {
        let s = scratch("swap");
        let root = s.0.join("ws");
        let outside = s.0.join("outside");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("f.txt"), "secret").unwrap();
        // Checked while `sub` was a directory…
        let checked = paths::resolve_in_workspace(&root, "sub/f.txt").unwrap();
        // …then swapped for a link out of the workspace.
        std::fs::remove_dir(root.join("sub")).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("sub")).unwrap();
        let (e, at) = read_regular(&root, &checked).unwrap_err();
        // `O_DIRECTORY | O_NOFOLLOW` on a symlink: ENOTDIR on Linux, ELOOP elsewhere.
        assert!(
            matches!(e.raw_os_error(), Some(libc::ENOTDIR | libc::ELOOP)),
            "{e}"
        );
        assert_eq!(at, root.join("sub"));
        assert!(entry_beneath(&root, &checked, true).is_err());
    }

    #[test]
    fn a_file_swapped_for_a_symlink_is_not_read() {
        let s = scratch("file-swap");
        let root = s.0.join("ws");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(s.0.join("secret"), "x").unwrap();
        std::os::unix::fs::symlink(s.0.join("secret"), root.join("f")).unwrap();
        let (e, _) = read_regular(&root, &root.join("f")).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ELOOP));
    }

    #[test]
    fn the_root_itself_has_no_name_to_write_to() {
        let s = scratch("root");
        let (e, at) = entry_beneath(&s.0, &s.0, true).err().unwrap();
        assert_eq!(e.raw_os_error(), Some(libc::EISDIR));
        assert_eq!(at, s.0);
    }

    #[test]
    fn missing_directories_are_created_only_when_asked() {
        let s = scratch("mkdirs");
        let target = s.0.join("a/b/c.txt");
        let (e, at) = entry_beneath(&s.0, &target, false).err().unwrap();
        assert_eq!(e.raw_os_error(), Some(libc::ENOENT));
        assert_eq!(at, s.0.join("a"));
        let entry = entry_beneath(&s.0, &target, true).unwrap();
        assert_eq!(entry.dir.path_of(&entry.name), target);
        assert!(s.0.join("a/b").is_dir());
    }

    #[test]
    fn fifos_are_refused_without_blocking() {
        let s = scratch("fifo");
        let fifo = s.0.join("pipe");
        let c = CString::new(fifo.as_os_str().as_bytes()).unwrap();
        // SAFETY: valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        let (e, _) = read_regular(&s.0, &fifo).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert!(e.to_string().starts_with("not a regular file: '"), "{e}");
        let (e, _) = read_regular(&s.0, &s.0).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::EISDIR));
    }
}
