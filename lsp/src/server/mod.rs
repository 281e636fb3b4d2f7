//! The language server over stdio. One file per LSP method (or small group), named after it;
//! `scheduler` owns builds, analysis and publishing; `session` (next to this module) holds
//! the state. Notification handlers apply their change synchronously, before any `.await`
//! (tower-lsp runs handlers concurrently but starts them in arrival order), and never wait
//! for a client response on the hot path.

mod build;
mod code_action;
mod completion;
mod definition;
mod diagnostics;
mod did_change;
mod did_change_configuration;
mod did_change_watched_files;
mod did_change_workspace_folders;
mod did_close;
mod did_open;
mod document_diagnostic;
mod document_link;
mod document_symbol;
mod execute_command;
mod hover;
mod initialize;
mod initialized;
mod logging;
mod notifications;
mod references;
mod rename;
mod scheduler;
mod semantic_tokens;
mod settings;
#[cfg(test)]
mod tests;
mod transport;
mod workspace_diagnostic;
mod workspace_edit;
mod workspace_symbol;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use ropey::Rope;
use skills_runtime::text::TextRange;
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService};

use crate::ide;
use crate::session::{FileKind, Session, WorkspaceState};
use crate::text::{PositionEncoding, offset_at, position_at, range_of};
use build::Scope;
use scheduler::{SchedulerHandle, Task};

/// How many requests and notifications may be in progress at once. Workspace diagnostic
/// pulls wait for changes, so the library's default of 4 could stall the queue.
const CONCURRENCY: usize = 64;

/// How long a request waits for its workspace to be complete before answering anyway.
const COMPLETE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Runs the server on stdin/stdout until `exit` (or the end of input). Exit code 0 after
/// `shutdown` then `exit`, 1 otherwise, as the specification asks.
pub(crate) fn run_stdio() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("skills-lsp: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let shut_down = runtime.block_on(async {
        logging::init();
        serve(std::io::stdin(), std::io::stdout()).await
    });
    // Builds still running on blocking threads are abandoned, not awaited.
    runtime.shutdown_background();
    if shut_down {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Serves one client over a byte stream pair until `exit` or the end of input; whether the
/// client asked for `shutdown` first.
pub(crate) async fn serve(
    input: impl std::io::Read + Send + 'static,
    output: impl std::io::Write + Send + 'static,
) -> bool {
    let pipes = match transport::spawn(input, output) {
        Ok(pipes) => pipes,
        Err(e) => {
            eprintln!("skills-lsp: cannot start the stdio threads: {e}");
            return false;
        }
    };
    let session = Arc::new(Session::new());
    let (service, socket) = LspService::new(|client| Server::new(client, session.clone()));
    tower_lsp_server::Server::new(pipes.input, pipes.output, socket)
        .concurrency_level(CONCURRENCY)
        .serve(service)
        .await;
    // Everything tower-lsp wrote reaches the output before this returns (the output end was
    // dropped with `serve`, which ends the writer thread).
    let _ = tokio::task::spawn_blocking(move || pipes.written.join()).await;
    session.is_shut_down()
}

#[derive(Clone)]
pub(crate) struct Server {
    pub(crate) client: Client,
    pub(crate) session: Arc<Session>,
    pub(crate) scheduler: SchedulerHandle,
}

/// A document as a request sees it: its runtime path, its workspace (pending buffer changes
/// applied) and its text.
pub(crate) struct DocumentContext {
    pub(crate) path: PathBuf,
    pub(crate) root: Arc<WorkspaceState>,
    pub(crate) text: Arc<str>,
    /// The same text, for position conversions (a cheap clone of the open document's rope).
    rope: Rope,
    encoding: PositionEncoding,
}

impl DocumentContext {
    pub(crate) fn ide(&self) -> ide::Document<'_> {
        ide::Document {
            path: &self.path,
            text: &self.text,
        }
    }

    /// The byte offset of a client position (clamped).
    pub(crate) fn offset(&self, pos: Position) -> usize {
        offset_at(&self.rope, pos, self.encoding)
    }

    /// The client range of a byte range of this document.
    pub(crate) fn range(&self, range: TextRange) -> Range {
        range_of(&self.rope, range, self.encoding)
    }

    pub(crate) fn position(&self, offset: usize) -> Position {
        position_at(&self.rope, offset, self.encoding)
    }
}

impl Server {
    fn new(client: Client, session: Arc<Session>) -> Self {
        logging::forward_to(client.clone());
        let scheduler = scheduler::spawn(client.clone(), session.clone());
        Server {
            client,
            session,
            scheduler,
        }
    }

    /// A buffer was opened, changed or closed: analyze it (SKILL.md, Markdown, text), or
    /// rebuild the workspace whose configuration it is.
    pub(crate) fn buffer_changed(&self, uri: &Uri, path: PathBuf) {
        match FileKind::of(&path) {
            FileKind::Skill | FileKind::Text => {
                let root = self.session.root_for(&path);
                root.mark_dirty(path, uri.clone());
                self.scheduler.send(Task::Flush(root));
            }
            FileKind::Yaml | FileKind::Env | FileKind::Settings => self.config_changed(&path),
            FileKind::Other => {}
        }
    }

    /// A config file's content changed (buffer or disk): rebuild the workspaces reading it.
    pub(crate) fn config_changed(&self, path: &Path) {
        for root in self.session.all_roots() {
            let Some(folder) = root.folder.clone() else {
                continue;
            };
            let reads_it = {
                let live = root.read();
                match FileKind::of(path) {
                    FileKind::Yaml => {
                        live.ws.config.overlays.iter().any(|o| o.path == path)
                            || path == root.root.join("config").join("runtime.yaml")
                    }
                    FileKind::Env => {
                        live.ws.config.env_file.as_deref() == Some(path)
                            || path == root.root.join(".env")
                    }
                    _ => path.parent() == Some(root.root.as_path()),
                }
            };
            if reads_it {
                self.scheduler.send(Task::Index {
                    folder,
                    scope: Scope::Roots(vec![root.root.clone()]),
                    debounce: true,
                });
            }
        }
    }

    /// Like [`Server::document`], once the workspace is complete (its Markdown/text files,
    /// checked after the index, are in): for requests whose answer spans the workspace.
    pub(crate) async fn complete_document(&self, uri: &Uri) -> Option<DocumentContext> {
        let path = self.session.document_path(uri)?;
        self.session
            .root_for(&path)
            .wait_complete(COMPLETE_WAIT)
            .await;
        self.document(uri).await
    }

    /// The document behind a request, with its workspace brought up to date — on the
    /// blocking pool: pending buffers are analyzed (a renamed skill re-links the whole
    /// index), the workspace lock may be held by the scheduler's analysis, and a document
    /// that is not open is read from disk.
    pub(crate) async fn document(&self, uri: &Uri) -> Option<DocumentContext> {
        let server = self.clone();
        let uri = uri.clone();
        tokio::task::spawn_blocking(move || server.document_now(&uri))
            .await
            .unwrap_or_else(|e| {
                tracing::error!("internal error reading a document: {e}");
                None
            })
    }

    fn document_now(&self, uri: &Uri) -> Option<DocumentContext> {
        let path = self.session.document_path(uri)?;
        let root = self.session.root_for(&path);
        // A `didChange` can land between the analysis and the copy of the text: analyze
        // again until both are of the same version, so that the features never mix ranges
        // of one version with the text of another (a few tries: edits outrun this only
        // while someone types faster than an analysis).
        let analyzed_here = FileKind::of(&path).is_analyzed();
        let mut tries = 0;
        let (text, rope) = loop {
            tries += 1;
            self.flush(&root);
            let open = self
                .session
                .documents
                .with(uri, |d| (d.text(), d.rope().clone(), d.version()));
            match open {
                Some((text, rope, version)) => {
                    let analyzed = root.read().versions.get(&path).copied();
                    if !analyzed_here || analyzed == Some(version) || tries == 3 {
                        break (text, rope);
                    }
                }
                None => {
                    let bytes = skills_runtime::analysis::read_regular(&path).ok()?;
                    let text: Arc<str> = Arc::from(String::from_utf8_lossy(&bytes).into_owned());
                    let rope = Rope::from_str(&text);
                    break (text, rope);
                }
            }
        };
        Some(DocumentContext {
            path,
            root,
            text,
            rope,
            encoding: self.session.features().encoding,
        })
    }

    /// Analyzes a workspace's pending buffer changes now (a request needs them); the
    /// scheduler publishes what changed.
    pub(crate) fn flush(&self, root: &Arc<WorkspaceState>) {
        if let Some(affected) = root.flush(&self.session.documents) {
            self.scheduler.send(Task::Changed(root.clone(), affected));
        }
    }
}

/// A request the server understood but cannot carry out (e.g. a rename to an invalid name):
/// `RequestFailed`, with the reason for the user.
pub(crate) fn request_failed(message: impl Into<String>) -> Error {
    Error {
        code: ErrorCode::ServerError(-32803),
        message: message.into().into(),
        data: None,
    }
}

/// Runs a request's computation, or a notification's handler; a panic (a bug) is logged and
/// becomes an internal error (a request) or a dropped notification, instead of taking the
/// server down (tower-lsp does not catch panics).
pub(crate) fn guarded<T>(what: &str, f: impl FnOnce() -> T) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|_| {
        tracing::error!("internal error in {what}");
        let mut e = Error::internal_error();
        e.message = format!("skills-lsp: internal error in {what}").into();
        e
    })
}

impl LanguageServer for Server {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        initialize::handle(self, params)
    }

    async fn initialized(&self, _: InitializedParams) {
        let _ = guarded("initialized", || initialized::handle(self));
    }

    async fn shutdown(&self) -> Result<()> {
        self.session.set_shutdown();
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let _ = guarded("didOpen", || did_open::handle(self, params));
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let _ = guarded("didChange", || did_change::handle(self, params));
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let _ = guarded("didClose", || did_close::handle(self, params));
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        let _ = guarded("didChangeConfiguration", || {
            did_change_configuration::handle(self, params)
        });
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        let _ = guarded("didChangeWorkspaceFolders", || {
            did_change_workspace_folders::handle(self, params)
        });
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let _ = guarded("didChangeWatchedFiles", || {
            did_change_watched_files::handle(self, params)
        });
    }

    async fn diagnostic(
        &self,
        params: DocumentDiagnosticParams,
    ) -> Result<DocumentDiagnosticReportResult> {
        document_diagnostic::handle(self, params).await
    }

    async fn workspace_diagnostic(
        &self,
        params: WorkspaceDiagnosticParams,
    ) -> Result<WorkspaceDiagnosticReportResult> {
        workspace_diagnostic::handle(self, params).await
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<LSPAny>> {
        execute_command::handle(self, params)
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        completion::handle(self, params).await
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        hover::handle(self, params).await
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        definition::handle(self, params).await
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        references::handle(self, params).await
    }

    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        rename::prepare(self, params).await
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        rename::handle(self, params).await
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        code_action::handle(self, params).await
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        document_symbol::handle(self, params).await
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        workspace_symbol::handle(self, params)
    }

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        semantic_tokens::handle(self, params).await
    }

    async fn document_link(&self, params: DocumentLinkParams) -> Result<Option<Vec<DocumentLink>>> {
        document_link::handle(self, params).await
    }
}
