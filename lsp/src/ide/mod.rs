//! Editor features as pure functions over the runtime's model: byte offsets into the current
//! document in, runtime ranges out. No protocol types live here; `server/` converts.
//!
//! Every function takes the checked [`Workspace`] of the document's folder (kept current by the
//! server, open buffers overriding disk) and the current document's text, which is authoritative
//! for the document itself.

mod code_actions;
mod completion;
mod cursor;
mod frontmatter_keys;
mod hover;
mod links;
mod navigation;
mod rename;
mod resolve;
#[cfg(test)]
mod robustness_tests;
mod semantic_tokens;
mod settings_edit;
mod symbols;
#[cfg(test)]
mod test_support;
mod yaml_cursor;

use std::path::{Path, PathBuf};

use skills_runtime::text::{SourceRange, TextRange};

pub use code_actions::code_actions;
pub use completion::completion_list;
pub use hover::hover;
pub use links::document_links;
pub use navigation::{definition, references};
pub use rename::{prepare_rename, rename};
pub use semantic_tokens::semantic_tokens;
pub use symbols::{document_symbols, workspace_symbols};

/// The document a request is about.
#[derive(Debug, Clone, Copy)]
pub struct Document<'a> {
    /// Absolute path.
    pub path: &'a Path,
    pub text: &'a str,
}

/// A range in some file, with line/column in both encodings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRange {
    pub path: PathBuf,
    pub range: SourceRange,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompletionKind {
    Namespace,
    Skill,
    Mention,
    Key,
    Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub label: String,
    pub kind: CompletionKind,
    pub detail: Option<String>,
    /// Markdown.
    pub documentation: Option<String>,
    /// What the item replaces in the document: the whole partial token, text after the
    /// cursor that belongs to it included.
    pub replace: TextRange,
    pub new_text: String,
    pub filter_text: Option<String>,
    pub sort_text: Option<String>,
    /// Ask the client for completions again after inserting (e.g. after a namespace).
    pub retrigger: bool,
}

/// Completion items, and whether the list was cut (the client should ask again as the user
/// types: `isIncomplete`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompletionList {
    pub items: Vec<Completion>,
    pub incomplete: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hover {
    pub range: TextRange,
    pub markdown: String,
}

/// Text edits in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEdit {
    pub path: PathBuf,
    pub edits: Vec<(SourceRange, String)>,
}

/// One atomic change to the workspace: edits first, then new files, then renames.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkspaceChange {
    /// Text edits grouped per file; ranges refer to the file before any edit.
    pub edits: Vec<FileEdit>,
    /// New files with their content.
    pub creates: Vec<(PathBuf, String)>,
    /// File or directory renames, applied after the edits.
    pub renames: Vec<(PathBuf, PathBuf)>,
}

impl WorkspaceChange {
    /// Adds an edit, grouped with earlier edits of the same file.
    pub(crate) fn edit(&mut self, path: &Path, range: SourceRange, new_text: String) {
        match self.edits.iter_mut().find(|f| f.path == path) {
            Some(f) => f.edits.push((range, new_text)),
            None => self.edits.push(FileEdit {
                path: path.to_path_buf(),
                edits: vec![(range, new_text)],
            }),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionKind {
    QuickFix,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeAction {
    pub title: String,
    pub kind: ActionKind,
    /// The fix to apply by default (one per diagnostic at most).
    pub preferred: bool,
    /// The rule the action fixes or silences.
    pub diagnostic_code: Option<&'static str>,
    pub change: WorkspaceChange,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SymbolKind {
    /// A frontmatter or config key with a scalar value.
    Field,
    /// A key whose value is a mapping.
    Object,
    /// A key whose value is a list.
    Array,
    /// A Markdown heading.
    Heading,
    /// A skill (workspace symbols).
    Skill,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    pub detail: Option<String>,
    pub kind: SymbolKind,
    /// The whole symbol (a heading's section, a key with its value).
    pub range: TextRange,
    /// What to highlight (the heading line, the key).
    pub selection: TextRange,
    pub children: Vec<Symbol>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceSymbol {
    pub name: String,
    /// The namespace (`acme:docs`), or why the skill is not indexed.
    pub container: Option<String>,
    pub location: FileRange,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    MentionResolved,
    MentionUnresolved,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SemanticToken {
    pub range: TextRange,
    pub kind: TokenKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentLink {
    pub range: TextRange,
    pub target: PathBuf,
    pub tooltip: Option<String>,
}
