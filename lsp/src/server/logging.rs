//! Logs go through `tracing` to stderr and, for the server's own events, to the client
//! (`window/logMessage`). The level comes from `SKILLS_LSP_LOG` at start and from the
//! `logLevel` setting afterwards (it can change while running).

use std::io::Write;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU8, Ordering};

use tokio::sync::mpsc;
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::MessageType;
use tracing::field::{Field, Visit};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// 0 = off, 1 = error … 5 = trace.
static LEVEL: AtomicU8 = AtomicU8::new(3);
static TO_CLIENT: OnceLock<mpsc::UnboundedSender<(MessageType, String)>> = OnceLock::new();

fn rank(level: &Level) -> u8 {
    match *level {
        Level::ERROR => 1,
        Level::WARN => 2,
        Level::INFO => 3,
        Level::DEBUG => 4,
        Level::TRACE => 5,
    }
}

fn parse(name: &str) -> Option<u8> {
    match name.trim().to_ascii_lowercase().as_str() {
        "off" => Some(0),
        "error" => Some(1),
        "warn" | "warning" => Some(2),
        "info" => Some(3),
        "debug" => Some(4),
        "trace" => Some(5),
        _ => None,
    }
}

/// Installs the subscriber (once per process; later calls do nothing).
pub(crate) fn init() {
    if let Some(level) = std::env::var("SKILLS_LSP_LOG")
        .ok()
        .as_deref()
        .and_then(parse)
    {
        LEVEL.store(level, Ordering::Relaxed);
    }
    let _ =
        tracing::subscriber::set_global_default(tracing_subscriber::registry().with(ServerLogs));
}

/// Sets the level from a `logLevel` setting (unknown names are ignored).
pub(crate) fn set_level(name: &str) {
    if let Some(level) = parse(name) {
        LEVEL.store(level, Ordering::Relaxed);
    }
}

pub(crate) fn level_name() -> &'static str {
    ["off", "error", "warn", "info", "debug", "trace"]
        [LEVEL.load(Ordering::Relaxed).min(5) as usize]
}

/// Starts forwarding log events to the client.
pub(crate) fn forward_to(client: Client) {
    let (tx, mut rx) = mpsc::unbounded_channel::<(MessageType, String)>();
    if TO_CLIENT.set(tx).is_err() {
        return;
    }
    tokio::spawn(async move {
        while let Some((kind, message)) = rx.recv().await {
            client.log_message(kind, message).await;
        }
    });
}

struct ServerLogs;

#[derive(Default)]
struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        use std::fmt::Write as _;
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0.push_str(value);
        } else {
            self.record_debug(field, &value);
        }
    }
}

impl<S: Subscriber> Layer<S> for ServerLogs {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        // The level can change at run time: ask `enabled` every time.
        Interest::sometimes()
    }

    fn enabled(&self, metadata: &Metadata<'_>, _: Context<'_, S>) -> bool {
        rank(metadata.level()) <= LEVEL.load(Ordering::Relaxed)
    }

    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let meta = event.metadata();
        let mut message = Message::default();
        event.record(&mut message);
        let _ = writeln!(
            std::io::stderr().lock(),
            "[{} {}] {}",
            meta.level(),
            meta.target(),
            message.0
        );
        // Only our own events: the protocol library's would loop back through the client.
        if meta.target().starts_with("skills") {
            if let Some(tx) = TO_CLIENT.get() {
                let kind = match *meta.level() {
                    Level::ERROR => MessageType::ERROR,
                    Level::WARN => MessageType::WARNING,
                    Level::INFO => MessageType::INFO,
                    _ => MessageType::LOG,
                };
                let _ = tx.send((kind, message.0));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_names_parse() {
        assert_eq!(parse("WARN"), Some(2));
        assert_eq!(parse("warning"), Some(2));
        assert_eq!(parse("off"), Some(0));
        assert_eq!(parse("loud"), None);
    }
}
