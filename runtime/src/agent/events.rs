//! Run events (spec §6.2–6.3): the envelope every event shares, the event types, and the
//! reference's timestamp format. The same [`Event`] value is appended to the WAL and handed to
//! whoever consumes the run's stream (terminal, language server), so both always agree.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

/// Event type names. The reference's catalogue (spec §6.3), plus ours (marked).
pub mod kinds {
    pub const RUN_STARTED: &str = "run_started";
    pub const SKILL_INJECTED: &str = "skill_injected";
    pub const SKILL_INJECTION_SKIPPED: &str = "skill_injection_skipped";
    /// Ours: a mention in the task that resolves to no skill (the reference drops it silently).
    pub const SKILL_MENTION_UNRESOLVED: &str = "skill_mention_unresolved";
    pub const ENV_VAR_REQUIRED: &str = "env_var_required";
    pub const ENV_VAR_SET: &str = "env_var_set";
    pub const LLM_REQUEST_STARTED: &str = "llm_request_started";
    pub const LLM_RETRY_SCHEDULED: &str = "llm_retry_scheduled";
    pub const LLM_RESPONSE_DELTA: &str = "llm_response_delta";
    pub const LLM_USAGE: &str = "llm_usage";
    pub const TOOL_CALL_REQUESTED: &str = "tool_call_requested";
    pub const APPROVAL_REQUESTED: &str = "approval_requested";
    pub const APPROVAL_DECIDED: &str = "approval_decided";
    pub const TOOL_CALL_STARTED: &str = "tool_call_started";
    pub const TOOL_CALL_FINISHED: &str = "tool_call_finished";
    pub const HUMAN_REQUEST: &str = "human_request";
    pub const HUMAN_RESPONSE: &str = "human_response";
    pub const PLAN_UPDATED: &str = "plan_updated";
    pub const CONTEXT_LENGTH_EXCEEDED: &str = "context_length_exceeded";
    pub const RUN_COMPLETED: &str = "run_completed";
    pub const RUN_FAILED: &str = "run_failed";
    pub const RUN_CANCELLED: &str = "run_cancelled";
    pub const RUN_WAITING_HUMAN: &str = "run_waiting_human";
}

/// The envelope (spec §6.2): `type, timestamp, run_id, turn_id?, step_id?, payload`.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The `type` field.
    pub kind: String,
    pub timestamp: String,
    pub run_id: String,
    pub turn_id: Option<String>,
    pub step_id: Option<String>,
    pub payload: Map<String, Value>,
}

impl Event {
    /// A new event stamped now.
    pub fn new(kind: &str, run_id: &str, payload: Map<String, Value>) -> Self {
        Event {
            kind: kind.to_string(),
            timestamp: now_timestamp(),
            run_id: run_id.to_string(),
            turn_id: None,
            step_id: None,
            payload,
        }
    }

    pub fn with_turn(mut self, turn_id: Option<&str>) -> Self {
        self.turn_id = turn_id.map(str::to_owned);
        self
    }

    pub fn with_step(mut self, step_id: Option<&str>) -> Self {
        self.step_id = step_id.map(str::to_owned);
        self
    }

    /// One of the four events that end a run invocation (spec §1.8).
    pub fn is_terminal(&self) -> bool {
        is_terminal_kind(&self.kind)
    }

    /// The envelope as a JSON object, keys in the reference's order, absent ids omitted.
    pub fn to_value(&self) -> Value {
        let mut m = Map::with_capacity(6);
        m.insert("type".into(), Value::String(self.kind.clone()));
        m.insert("timestamp".into(), Value::String(self.timestamp.clone()));
        m.insert("run_id".into(), Value::String(self.run_id.clone()));
        if let Some(t) = &self.turn_id {
            m.insert("turn_id".into(), Value::String(t.clone()));
        }
        if let Some(s) = &self.step_id {
            m.insert("step_id".into(), Value::String(s.clone()));
        }
        m.insert("payload".into(), Value::Object(self.payload.clone()));
        Value::Object(m)
    }

    /// Reads an envelope as the reference's WAL reader does: unknown top-level keys ignored,
    /// `turn_id`/`step_id` may be absent or null, `payload` defaults to `{}`; anything else
    /// mistyped makes the line unreadable (`None`).
    pub fn from_value(v: &Value) -> Option<Event> {
        let o = v.as_object()?;
        let string = |k: &str| o.get(k).and_then(Value::as_str).map(str::to_owned);
        let optional = |k: &str| -> Option<Option<String>> {
            match o.get(k) {
                None | Some(Value::Null) => Some(None),
                Some(Value::String(s)) => Some(Some(s.clone())),
                Some(_) => None,
            }
        };
        let payload = match o.get("payload") {
            None => Map::new(),
            Some(Value::Object(p)) => p.clone(),
            Some(_) => return None,
        };
        Some(Event {
            kind: string("type")?,
            timestamp: string("timestamp")?,
            run_id: string("run_id")?,
            turn_id: optional("turn_id")?,
            step_id: optional("step_id")?,
            payload,
        })
    }

    /// `payload[key]` as a string, if it is one.
    pub fn payload_str(&self, key: &str) -> Option<&str> {
        self.payload.get(key).and_then(Value::as_str)
    }
}

pub fn is_terminal_kind(kind: &str) -> bool {
    matches!(
        kind,
        kinds::RUN_COMPLETED | kinds::RUN_FAILED | kinds::RUN_CANCELLED | kinds::RUN_WAITING_HUMAN
    )
}

/// The current UTC time as the reference writes it: `datetime.now(timezone.utc).isoformat()`
/// with `+00:00` replaced by `Z`, so the fraction (microseconds) is omitted when zero.
pub fn now_timestamp() -> String {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    format_timestamp(since.as_secs(), since.subsec_micros())
}

/// `secs` since the epoch plus `micros` as `YYYY-MM-DDTHH:MM:SS[.ffffff]Z`.
pub fn format_timestamp(secs: u64, micros: u32) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    let (hh, mm, ss) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    if micros == 0 {
        format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z")
    } else {
        format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}.{micros:06}Z")
    }
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day) — Howard Hinnant's
/// `civil_from_days`.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn timestamp_matches_python_isoformat_with_z() {
        // 2026-01-02T03:04:05 UTC
        assert_eq!(
            format_timestamp(1_767_323_045, 123_456),
            "2026-01-02T03:04:05.123456Z"
        );
        assert_eq!(format_timestamp(1_767_323_045, 0), "2026-01-02T03:04:05Z");
        assert_eq!(format_timestamp(0, 5), "1970-01-01T00:00:00.000005Z");
        // A leap day.
        assert_eq!(format_timestamp(951_782_400, 0), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn envelope_keys_are_ordered_and_absent_ids_omitted() {
        let mut e = Event::new("run_started", "run_1", Map::new());
        e.timestamp = "t".into();
        assert_eq!(
            serde_json::to_string(&e.to_value()).unwrap(),
            r#"{"type":"run_started","timestamp":"t","run_id":"run_1","payload":{}}"#
        );
        let e = e.with_turn(Some("turn_1")).with_step(Some("step_2"));
        let keys: Vec<_> = e.to_value().as_object().unwrap().keys().cloned().collect();
        assert_eq!(
            keys,
            [
                "type",
                "timestamp",
                "run_id",
                "turn_id",
                "step_id",
                "payload"
            ]
        );
    }

    #[test]
    fn reading_an_envelope_tolerates_what_the_reference_tolerates() {
        let e = Event::from_value(&json!({"type": "x", "timestamp": "t", "run_id": "r",
            "turn_id": null, "extra": 1}))
        .unwrap();
        assert_eq!(e.turn_id, None);
        assert!(e.payload.is_empty());
        assert!(Event::from_value(&json!({"type": "x", "timestamp": "t"})).is_none());
        assert!(
            Event::from_value(
                &json!({"type": "x", "timestamp": "t", "run_id": "r", "payload": []})
            )
            .is_none()
        );
        assert!(Event::from_value(&json!([1])).is_none());
    }
}
