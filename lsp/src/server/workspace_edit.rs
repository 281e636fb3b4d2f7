//! The features' `ide::WorkspaceChange` as an LSP `WorkspaceEdit`: versioned
//! `documentChanges` with file creations and renames when the client supports them, else a
//! plain `changes` map (creations and renames then cannot be expressed).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use tower_lsp_server::ls_types::*;

use crate::ide::{FileRange, WorkspaceChange};
use crate::session::Session;
use crate::text::source_range;

/// Why a change cannot be sent to this client.
pub(crate) const UNSUPPORTED: &str = "this change creates or renames files, which the editor does not support (workspaceEdit.resourceOperations)";

pub(crate) fn location(session: &Session, r: &FileRange) -> Option<Location> {
    Some(Location::new(
        session.uri_for(&r.path)?,
        source_range(&r.range, session.features().encoding),
    ))
}

fn uri(session: &Session, path: &Path) -> Result<Uri, String> {
    session
        .uri_for(path)
        .ok_or_else(|| format!("cannot express {} as a URI", path.display()))
}

/// Converts a change. `Err` when the client cannot apply it (file operations without
/// support) or a path has no URI. `analyzed`: the document versions the workspace's analysis
/// reflects (`Live::versions`, read with the analysis the change was computed from) — the
/// versions the edits apply to, so that the client refuses them once a buffer moved on
/// instead of applying ranges to text they were not computed on.
pub(crate) fn to_workspace_edit(
    session: &Session,
    change: &WorkspaceChange,
    analyzed: &HashMap<PathBuf, i32>,
) -> Result<WorkspaceEdit, String> {
    let features = session.features();
    let encoding = features.encoding;
    let text_edits = |edits: &[(skills_runtime::text::SourceRange, String)]| -> Vec<TextEdit> {
        edits
            .iter()
            .map(|(range, new_text)| TextEdit::new(source_range(range, encoding), new_text.clone()))
            .collect()
    };
    let needs_files = !change.creates.is_empty() || !change.renames.is_empty();
    if !features.document_changes {
        if needs_files {
            return Err(UNSUPPORTED.into());
        }
        let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
        for f in &change.edits {
            changes
                .entry(uri(session, &f.path)?)
                .or_default()
                .extend(text_edits(&f.edits));
        }
        return Ok(WorkspaceEdit {
            changes: Some(changes),
            ..Default::default()
        });
    }
    if (!change.creates.is_empty() && !features.create_files)
        || (!change.renames.is_empty() && !features.rename_files)
    {
        return Err(UNSUPPORTED.into());
    }
    let mut ops = Vec::new();
    for f in &change.edits {
        let uri = uri(session, &f.path)?;
        let version = analyzed
            .get(&f.path)
            .copied()
            .or_else(|| session.documents.version(&uri));
        ops.push(DocumentChangeOperation::Edit(TextDocumentEdit {
            text_document: OptionalVersionedTextDocumentIdentifier { uri, version },
            edits: text_edits(&f.edits).into_iter().map(OneOf::Left).collect(),
        }));
    }
    for (path, content) in &change.creates {
        let uri = uri(session, path)?;
        ops.push(DocumentChangeOperation::Op(ResourceOp::Create(
            CreateFile {
                uri: uri.clone(),
                options: Some(CreateFileOptions {
                    overwrite: Some(false),
                    ignore_if_exists: Some(true),
                }),
                annotation_id: None,
            },
        )));
        ops.push(DocumentChangeOperation::Edit(TextDocumentEdit {
            text_document: OptionalVersionedTextDocumentIdentifier { uri, version: None },
            edits: vec![OneOf::Left(TextEdit::new(
                Range::default(),
                content.clone(),
            ))],
        }));
    }
    for (from, to) in &change.renames {
        ops.push(DocumentChangeOperation::Op(ResourceOp::Rename(
            RenameFile {
                old_uri: uri(session, from)?,
                new_uri: uri(session, to)?,
                options: None,
                annotation_id: None,
            },
        )));
    }
    Ok(WorkspaceEdit {
        document_changes: Some(DocumentChanges::Operations(ops)),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use skills_runtime::text::{LineIndex, TextRange};

    use super::*;
    use crate::session::ClientFeatures;

    #[test]
    fn edits_carry_the_version_they_were_computed_on_not_the_newest() {
        let session = Session::new();
        session.set_features(ClientFeatures {
            document_changes: true,
            ..ClientFeatures::default()
        });
        let path = PathBuf::from("/ws/skills/a/SKILL.md");
        let uri = Uri::from_str("file:///ws/skills/a/SKILL.md").unwrap();
        session.documents.open(uri.clone(), "name: a\n", 7);
        session.document_opened(path.clone(), uri.clone());
        let text = b"name: a\n";
        let range = LineIndex::new(text).source_range(text, TextRange::new(6, 7));
        let mut change = WorkspaceChange::default();
        change.edit(&path, range, "b".into());
        // The analysis is of version 6; the buffer is at 7 already.
        let analyzed = HashMap::from([(path, 6)]);
        let edit = to_workspace_edit(&session, &change, &analyzed).unwrap();
        let Some(DocumentChanges::Operations(ops)) = edit.document_changes else {
            panic!("{edit:?}");
        };
        let DocumentChangeOperation::Edit(e) = &ops[0] else {
            panic!("{ops:?}");
        };
        assert_eq!(e.text_document.uri, uri);
        assert_eq!(e.text_document.version, Some(6));
    }
}
