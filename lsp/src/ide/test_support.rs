//! Small workspaces on disk for the feature tests, checked the way the server checks them.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use skills_runtime::check::{CheckOptions, Workspace, check_workspace};
use skills_runtime::config::LoadOptions;
use skills_runtime::settings::Settings;

use super::Document;

pub(crate) struct TestWorkspace {
    pub root: PathBuf,
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// The one-space config most tests use: namespace `acme:docs`, source `fs` at `skills/`.
pub(crate) const ONE_SPACE: &str = "skills:\n  spaces:\n    - {id: main, namespace: \"acme:docs\", sources: [fs]}\n  sources:\n    - {id: fs, type: filesystem, options: {root: skills}}\n";

impl TestWorkspace {
    pub fn new() -> Self {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let root = std::env::temp_dir().join(format!("skills-lsp-ide-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).expect("create temp workspace");
        TestWorkspace {
            root: root.canonicalize().expect("canonical temp dir"),
        }
    }

    pub fn file(&self, rel: &str, content: impl AsRef<[u8]>) -> &Self {
        let p = self.root.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("create dirs");
        std::fs::write(p, content).expect("write file");
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

impl Drop for TestWorkspace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// Text with a `|` marking the cursor → the text without it, and the cursor's byte offset.
pub(crate) fn at_bar(with_bar: &str) -> (String, usize) {
    let at = with_bar.find('|').expect("a | marks the cursor");
    (with_bar.replacen('|', "", 1), at)
}
