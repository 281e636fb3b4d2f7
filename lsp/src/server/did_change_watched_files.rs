//! `workspace/didChangeWatchedFiles`: files created, changed or deleted on disk. The
//! scheduler updates the index file by file, and rebuilds a workspace (debounced) when its
//! configuration changed or a SKILL.md appeared or disappeared.

use tower_lsp_server::ls_types::DidChangeWatchedFilesParams;

use super::Server;
use super::scheduler::Task;

pub(super) fn handle(server: &Server, params: DidChangeWatchedFilesParams) {
    server.scheduler.send(Task::Disk(params.changes));
}
