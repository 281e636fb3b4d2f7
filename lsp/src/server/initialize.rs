//! `initialize`: what the client supports, its initial settings, the workspace folders (or
//! `rootUri`), and the server's capabilities. Indexing starts here, off the async threads;
//! notifications about it wait for `initialized`.

use serde_json::Value;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use super::build::Scope;
use super::completion::TRIGGER_CHARACTERS;
use super::execute_command::COMMANDS;
use super::scheduler::Task;
use super::semantic_tokens::legend;
use super::{Server, logging};
use crate::session::{ClientFeatures, ClientSettings, Folder};

pub(super) fn handle(server: &Server, params: InitializeParams) -> Result<InitializeResult> {
    let features = ClientFeatures::from_capabilities(&params.capabilities);
    let session = &server.session;
    let (settings, problems) = ClientSettings::from_json(
        params
            .initialization_options
            .as_ref()
            .unwrap_or(&Value::Null),
    );
    for p in &problems {
        tracing::warn!("initializationOptions: {p}");
    }
    if let Some(level) = &settings.log_level {
        logging::set_level(level);
    }
    session.set_init_settings(settings);
    *session
        .settings_problems
        .write()
        .unwrap_or_else(|e| e.into_inner()) = problems;

    let folders = folders_of(&params);
    let uris: Vec<Uri> = folders.iter().map(|f| f.uri.clone()).collect();
    *session.folders_mut() = folders;
    session.folders_changed();
    let capabilities = capabilities(&features);
    session.set_features(features);
    for folder in uris {
        server.scheduler.send(Task::Index {
            folder,
            scope: Scope::Rediscover,
            debounce: false,
        });
    }
    Ok(InitializeResult {
        capabilities,
        server_info: Some(ServerInfo {
            name: "skills-lsp".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
        offset_encoding: None,
    })
}

/// The workspace folders, else `rootUri`, else `rootPath`. Non-`file:` folders are skipped.
#[allow(deprecated)]
fn folders_of(params: &InitializeParams) -> Vec<Folder> {
    let listed: Vec<WorkspaceFolder> = match &params.workspace_folders {
        Some(folders) if !folders.is_empty() => folders.clone(),
        _ => {
            let root = params.root_uri.clone().or_else(|| {
                params
                    .root_path
                    .as_deref()
                    .and_then(|p| Uri::from_file_path(std::path::Path::new(p)))
            });
            root.map(|uri| WorkspaceFolder {
                name: folder_name(&uri),
                uri,
            })
            .into_iter()
            .collect()
        }
    };
    listed.into_iter().filter_map(folder).collect()
}

pub(super) fn folder(f: WorkspaceFolder) -> Option<Folder> {
    if f.uri.scheme().as_str() != "file" {
        tracing::warn!(
            "workspace folder {} is not a file: URI; ignored",
            f.uri.as_str()
        );
        return None;
    }
    let path = f.uri.to_file_path()?.into_owned();
    if !path.is_absolute() {
        // `file:relative` would be read from the server's working directory.
        tracing::warn!(
            "workspace folder {} has no absolute path; ignored",
            f.uri.as_str()
        );
        return None;
    }
    Some(Folder::new(f.uri, f.name, path))
}

fn folder_name(uri: &Uri) -> String {
    uri.as_str()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string()
}

fn capabilities(features: &ClientFeatures) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(features.encoding.kind()),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                ..Default::default()
            },
        )),
        diagnostic_provider: features.pull_diagnostics.then(|| {
            DiagnosticServerCapabilities::Options(DiagnosticOptions {
                identifier: Some("skills-lsp".into()),
                inter_file_dependencies: true,
                workspace_diagnostics: true,
                work_done_progress_options: WorkDoneProgressOptions::default(),
            })
        }),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(TRIGGER_CHARACTERS.iter().map(|c| c.to_string()).collect()),
            resolve_provider: Some(false),
            ..Default::default()
        }),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: WorkDoneProgressOptions::default(),
        })),
        code_action_provider: Some(if features.code_action_literals {
            CodeActionProviderCapability::Options(CodeActionOptions {
                code_action_kinds: Some(vec![CodeActionKind::QUICKFIX, CodeActionKind::SOURCE]),
                ..Default::default()
            })
        } else {
            CodeActionProviderCapability::Simple(true)
        }),
        document_symbol_provider: Some(OneOf::Left(true)),
        workspace_symbol_provider: Some(OneOf::Left(true)),
        semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
            SemanticTokensOptions {
                legend: legend(),
                full: Some(SemanticTokensFullOptions::Bool(true)),
                range: None,
                work_done_progress_options: WorkDoneProgressOptions::default(),
            },
        )),
        document_link_provider: Some(DocumentLinkOptions {
            resolve_provider: Some(false),
            work_done_progress_options: WorkDoneProgressOptions::default(),
        }),
        execute_command_provider: Some(ExecuteCommandOptions {
            commands: COMMANDS.iter().map(|c| c.to_string()).collect(),
            work_done_progress_options: WorkDoneProgressOptions::default(),
        }),
        workspace: Some(WorkspaceServerCapabilities {
            workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                supported: Some(true),
                change_notifications: Some(OneOf::Left(true)),
            }),
            file_operations: None,
        }),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn folder_at(uri: &str) -> Option<Folder> {
        folder(WorkspaceFolder {
            uri: Uri::from_str(uri).unwrap(),
            name: "f".into(),
        })
    }

    #[test]
    fn folders_without_an_absolute_file_path_are_ignored() {
        assert!(folder_at("file:relative/dir").is_none());
        assert!(folder_at("untitled:Untitled-1").is_none());
        assert!(folder_at("vscode-vfs://github/acme/skills").is_none());
        let tmp = folder_at(&format!("file://{}", std::env::temp_dir().display())).unwrap();
        assert!(tmp.client_path.is_absolute());
    }
}
