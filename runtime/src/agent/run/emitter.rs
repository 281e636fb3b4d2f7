//! The single exit for a run's events (`P/state/wal_emitter.py`): WAL append first, then the
//! stream, so a consumer never sees an event the WAL does not hold.

use std::io;
use std::sync::Mutex;

use serde_json::{Map, Value};
use tokio::sync::mpsc::UnboundedSender;

use crate::agent::events::Event;
use crate::agent::tools::ToolEventSink;
use crate::agent::wal::WalWriter;

pub(crate) struct Emitter {
    run_id: String,
    wal: Mutex<WalWriter>,
    stream: UnboundedSender<Event>,
    /// The first WAL write error; the run stops at its next checkpoint when set.
    wal_error: Mutex<Option<String>>,
}

impl Emitter {
    pub fn new(run_id: &str, wal: WalWriter, stream: UnboundedSender<Event>) -> Self {
        Emitter {
            run_id: run_id.to_string(),
            wal: Mutex::new(wal),
            stream,
            wal_error: Mutex::new(None),
        }
    }

    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// A new event of this run (stamped now).
    pub fn event(&self, kind: &str, payload: Map<String, Value>) -> Event {
        Event::new(kind, &self.run_id, payload)
    }

    /// WAL, then stream. A consumer that has gone away does not stop the run: the WAL is the
    /// record.
    pub fn emit(&self, event: Event) {
        self.append(&event);
        let _ = self.stream.send(event);
    }

    /// WAL only (tool side events, streamed later by [`stream_only`](Self::stream_only)).
    pub fn append(&self, event: &Event) {
        let result: io::Result<u64> = lock(&self.wal).append(event);
        if let Err(e) = result {
            let mut slot = lock(&self.wal_error);
            if slot.is_none() {
                *slot = Some(format!("cannot write the run's WAL: {e}"));
            }
        }
    }

    pub fn stream_only(&self, event: Event) {
        let _ = self.stream.send(event);
    }

    /// Why the WAL cannot be written, if it cannot.
    pub fn wal_error(&self) -> Option<String> {
        lock(&self.wal_error).clone()
    }
}

/// The tool-side event sink of one tool execution: events (`human_request`, `plan_updated`,
/// ...) are appended to the WAL when produced and streamed just before the call's
/// `tool_call_finished` (`P/tools/dispatcher.py`). They carry neither turn nor step id.
pub(crate) struct SideEvents {
    emitter: std::sync::Arc<Emitter>,
    pending: Mutex<Vec<Event>>,
}

impl SideEvents {
    pub fn new(emitter: std::sync::Arc<Emitter>) -> Self {
        SideEvents {
            emitter,
            pending: Mutex::new(Vec::new()),
        }
    }

    /// Streams what the last tool produced.
    pub fn flush(&self) {
        let events = std::mem::take(&mut *lock(&self.pending));
        for e in events {
            self.emitter.stream_only(e);
        }
    }
}

impl ToolEventSink for SideEvents {
    fn emit(&self, event_type: &str, payload: Value) {
        let payload = match payload {
            Value::Object(m) => m,
            other => {
                let mut m = Map::new();
                m.insert("value".into(), other);
                m
            }
        };
        let event = self.emitter.event(event_type, payload);
        self.emitter.append(&event);
        lock(&self.pending).push(event);
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
