//! `workspace/didChangeConfiguration`: pull the settings again (spawned), or read them from
//! the notification when the client does not answer `workspace/configuration`.

use tower_lsp_server::ls_types::DidChangeConfigurationParams;

use super::{Server, settings};
use crate::session::ClientSettings;

pub(super) fn handle(server: &Server, params: DidChangeConfigurationParams) {
    if server.session.features().configuration {
        let server = server.clone();
        tokio::spawn(async move { settings::pull(&server).await });
    } else {
        let (global, problems) = ClientSettings::from_json(&params.settings);
        settings::apply(server, Some(global), Vec::new(), problems);
    }
}
