//! Helpers shared by the end-to-end tests: locating the repository, running the real
//! `skills-lsp` binary, temporary workspaces, and snapshot comparison.
//!
//! The test files live in `tests/e2e/` and are compiled as integration tests of the `skills-lsp`
//! package (see `lsp/Cargo.toml`), so Cargo builds the binary first and hands its path over in
//! `CARGO_BIN_EXE_skills-lsp`.

pub mod lsp_client;
pub mod lsp_text;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// What a run of the binary produced.
#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `bin` with `args` in `cwd`, feeding `stdin`, with a clean, colour-free environment.
pub fn run(bin: &str, args: &[&str], cwd: &Path, stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(bin);
    cmd.args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env_remove("SKILLS_RUNTIME_SDK_CONFIG_PATHS")
        .env_remove("SKILLS_RUNTIME_SDK_ENV_FILE");
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {bin}: {e}"));
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("piped")
            .write_all(input)
            .expect("write stdin");
    }
    let out = child.wait_with_output().expect("wait for the binary");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Compares `actual` with `tests/e2e/snapshots/<name>`; `UPDATE_SNAPSHOTS=1` rewrites it.
pub fn assert_snapshot(name: &str, actual: &str) {
    let path = repo_root().join("tests/e2e/snapshots").join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("create snapshot dir");
        std::fs::write(&path, actual).expect("write snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "missing snapshot {}; run with UPDATE_SNAPSHOTS=1",
            path.display()
        )
    });
    if expected != actual {
        let diff: Vec<String> = expected
            .lines()
            .zip(actual.lines())
            .enumerate()
            .filter(|(_, (e, a))| e != a)
            .take(5)
            .map(|(i, (e, a))| format!("line {}:\n  expected: {e}\n  actual:   {a}", i + 1))
            .collect();
        panic!(
            "snapshot {name} differs ({} vs {} lines)\n{}\n--- actual output ---\n{actual}\n(run with UPDATE_SNAPSHOTS=1 to accept)",
            expected.lines().count(),
            actual.lines().count(),
            diff.join("\n")
        );
    }
}

/// A throwaway workspace under the system temp directory, removed on drop. Each one gets a
/// directory of its own (process id + counter), so tests may run in parallel with any names.
pub struct TempWorkspace {
    pub root: PathBuf,
}

impl TempWorkspace {
    pub fn new(name: &str) -> Self {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let root =
            std::env::temp_dir().join(format!("skills-lsp-test-{}-{n}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).expect("create temp workspace");
        TempWorkspace {
            root: root.canonicalize().expect("canonical temp dir"),
        }
    }

    pub fn file(&self, rel: &str, content: impl AsRef<[u8]>) -> &Self {
        self.write(rel, content);
        self
    }

    /// Writes `rel` (creating its directories) and returns its absolute path.
    pub fn write(&self, rel: impl AsRef<Path>, content: impl AsRef<[u8]>) -> PathBuf {
        let p = self.root.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("create dirs");
        std::fs::write(&p, content).expect("write file");
        p
    }

    /// Creates a symlink at `rel` pointing to `target` and returns its absolute path.
    #[cfg(unix)]
    pub fn symlink(&self, rel: impl AsRef<Path>, target: impl AsRef<Path>) -> PathBuf {
        let p = self.root.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("create dirs");
        std::os::unix::fs::symlink(target, &p).expect("create symlink");
        p
    }

    pub fn path(&self) -> &Path {
        &self.root
    }
}

impl Drop for TempWorkspace {
    fn drop(&mut self) {
        // Give back permissions a test may have taken away, so the tree can be deleted
        // (symlinks are not followed).
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mut stack = vec![self.root.clone()];
            while let Some(d) = stack.pop() {
                let _ = std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755));
                for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                    if e.file_type().is_ok_and(|t| t.is_dir()) {
                        stack.push(e.path());
                    }
                }
            }
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// The standard one-space config used by small test workspaces.
pub const ONE_SPACE_CONFIG: &str = "skills:\n  spaces:\n    - {id: main, namespace: \"acme:docs\", sources: [fs]}\n  sources:\n    - {id: fs, type: filesystem, options: {root: skills}}\n";
