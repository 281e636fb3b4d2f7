//! The open documents, by URI. Every method is synchronous: notification handlers apply
//! changes here before their first `.await`, so edits are applied in the order they arrive.

use std::sync::Arc;

use dashmap::DashMap;
use tower_lsp_server::ls_types::{TextDocumentContentChangeEvent, Uri};

use crate::text::{PositionEncoding, TextDocument};

/// A document's text at one version.
#[derive(Debug, Clone)]
pub(crate) struct Snapshot {
    pub(crate) text: Arc<str>,
    pub(crate) version: i32,
}

#[derive(Debug, Default)]
pub(crate) struct DocumentStore {
    docs: DashMap<Uri, TextDocument>,
}

impl DocumentStore {
    pub(crate) fn open(&self, uri: Uri, text: &str, version: i32) {
        self.docs.insert(uri, TextDocument::new(text, version));
    }

    /// Applies a `didChange`; `false` when the document is not open.
    pub(crate) fn change(
        &self,
        uri: &Uri,
        changes: Vec<TextDocumentContentChangeEvent>,
        version: i32,
        encoding: PositionEncoding,
    ) -> bool {
        match self.docs.get_mut(uri) {
            Some(mut doc) => {
                doc.apply_changes(changes, version, encoding);
                true
            }
            None => false,
        }
    }

    pub(crate) fn close(&self, uri: &Uri) -> bool {
        self.docs.remove(uri).is_some()
    }

    pub(crate) fn snapshot(&self, uri: &Uri) -> Option<Snapshot> {
        self.docs.get(uri).map(|doc| Snapshot {
            text: doc.text(),
            version: doc.version(),
        })
    }

    pub(crate) fn version(&self, uri: &Uri) -> Option<i32> {
        self.docs.get(uri).map(|doc| doc.version())
    }

    /// Runs `f` on an open document (its rope, for position conversions).
    pub(crate) fn with<R>(&self, uri: &Uri, f: impl FnOnce(&TextDocument) -> R) -> Option<R> {
        self.docs.get(uri).map(|doc| f(&doc))
    }

    pub(crate) fn len(&self) -> usize {
        self.docs.len()
    }
}
