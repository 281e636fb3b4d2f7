//! Small workspaces on disk for the feature tests, checked the way the server checks them.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use skills_lsp_tests::{ONE_SPACE_CONFIG, TempWorkspace};
use skills_runtime::check::{CheckOptions, Workspace, check_workspace};
use skills_runtime::config::LoadOptions;
use skills_runtime::settings::Settings;

use super::Document;

/// A throwaway workspace (the end-to-end harness's [`TempWorkspace`], removed on drop) with
/// helpers for documents and checks.
pub(crate) struct TestWorkspace {
    pub root: PathBuf,
    dir: TempWorkspace,
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// The one-space config most tests use: namespace `acme:docs`, source `fs` at `skills/`.
pub(crate) const ONE_SPACE: &str = ONE_SPACE_CONFIG;

impl TestWorkspace {
    pub fn new() -> Self {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = TempWorkspace::new(&format!("ide-{n}"));
        TestWorkspace {
            root: dir.root.clone(),
            dir,
        }
    }

    /// A workspace whose `config/runtime.yaml` is [`ONE_SPACE`].
    pub fn one_space() -> Self {
        let t = Self::new();
        t.file("config/runtime.yaml", ONE_SPACE);
        t
    }

    pub fn file(&self, rel: &str, content: impl AsRef<[u8]>) -> &Self {
        self.dir.file(rel, content);
        self
    }

    /// `<dir>/SKILL.md` with a name and a description.
    pub fn skill(&self, dir: &str, name: &str, description: &str) -> &Self {
        self.file(
            &format!("{dir}/SKILL.md"),
            format!("---\nname: {name}\ndescription: {description}\n---\n# {name}\n"),
        )
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// The workspace with every Markdown/text file under the root checked for mentions.
    pub fn check(&self) -> Workspace {
        check_workspace(&CheckOptions {
            config: LoadOptions {
                workspace_root: self.root.clone(),
                cli_overlays: Vec::new(),
                use_dotenv: false,
                env: Default::default(),
            },
            paths: vec![self.root.clone()],
            profile: None,
            nested_workspaces: Vec::new(),
            settings: Settings::load(&self.root).unwrap_or_default(),
        })
    }

    /// A document at `rel` with `text` (the path lives as long as the test).
    pub fn doc<'a>(&self, rel: &str, text: &'a str) -> Document<'a> {
        let path: &'static Path = Box::leak(self.root.join(rel).into_boxed_path());
        Document { path, text }
    }

    /// A document with the text currently on disk.
    pub fn disk_doc(&self, rel: &str) -> (PathBuf, String) {
        let p = self.root.join(rel);
        let text = std::fs::read_to_string(&p).expect("read file");
        (p, text)
    }
}

/// Text with a `|` marking the cursor → the text without it, and the cursor's byte offset.
pub(crate) fn at_bar(with_bar: &str) -> (String, usize) {
    let at = with_bar.find('|').expect("a | marks the cursor");
    (with_bar.replacen('|', "", 1), at)
}
