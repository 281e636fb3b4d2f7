//! Server-sent events of an OpenAI-compatible chat-completions stream (spec §2.4), decoded by a
//! pure, synchronous state machine: bytes in (cut anywhere, even inside a UTF-8 sequence), chat
//! events out. No I/O here, so every framing and assembly rule is unit-testable, and the HTTP
//! backend ([`super::openai`]) only moves bytes.
//!
//! Three layers:
//! - [`SseLineSplitter`]: bytes → complete lines; a half-written last line waits for its newline.
//! - [`data_payload`]: keeps only `data:` lines (`event:`, `id:` and comments are ignored, and
//!   multi-line data is not joined, like the reference).
//! - [`ChatSseParser`]: one `data:` payload at a time → text deltas, tool-call batches, and one
//!   final `completed` carrying the usage and request id.
//!
//! [`ChatSseDecoder`] chains the three.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::{ChatStreamEvent, LlmError, ToolCall, Usage};
use crate::text::{parse_python_int, python_strip};

/// The `provider` the parser stamps on `completed`.
pub const PROVIDER: &str = "openai";

/// Splits a byte stream into lines on `\n`, `\r\n` or a lone `\r` (the SSE line ends).
///
/// Lines are cut on bytes, then decoded (invalid UTF-8 becomes U+FFFD), so a multi-byte
/// character split across two reads is decoded whole. A `\r` at the end of a read is held back
/// until the next read tells whether a `\n` follows.
///
/// Unlike the reference (httpx `aiter_lines`, which follows Python's `str.splitlines`), U+2028,
/// U+2029, U+0085 and the ASCII separators do not end a line: they may appear unescaped inside
/// JSON strings, and splitting there would silently lose the chunk.
#[derive(Debug, Default)]
pub struct SseLineSplitter {
    partial: Vec<u8>,
    /// The previous read ended in `\r`: a `\n` opening the next read belongs to that line end.
    after_cr: bool,
}

impl SseLineSplitter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds one read; returns the lines it completed, without their line ends.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<String> {
        let mut lines = Vec::new();
        let mut rest = bytes;
        if self.after_cr {
            self.after_cr = false;
            if let Some(stripped) = rest.strip_prefix(b"\n") {
                rest = stripped;
            }
        }
        while let Some(pos) = rest.iter().position(|&b| b == b'\n' || b == b'\r') {
            self.partial.extend_from_slice(&rest[..pos]);
            lines.push(self.take_line());
            let is_cr = rest[pos] == b'\r';
            rest = &rest[pos + 1..];
            if is_cr {
                match rest.first() {
                    Some(b'\n') => rest = &rest[1..],
                    Some(_) => {}
                    None => self.after_cr = true,
                }
            }
        }
        self.partial.extend_from_slice(rest);
        lines
    }

    /// End of stream: the unterminated last line, if any (the reference yields it too).
    pub fn finish(&mut self) -> Option<String> {
        self.after_cr = false;
        if self.partial.is_empty() {
            None
        } else {
            Some(self.take_line())
        }
    }

    fn take_line(&mut self) -> String {
        let line = String::from_utf8_lossy(&self.partial).into_owned();
        self.partial.clear();
        line
    }
}

/// The payload of a `data:` line, trimmed; `None` for every other line.
pub fn data_payload(line: &str) -> Option<&str> {
    line.strip_prefix("data:").map(python_strip)
}

/// Accumulated fragments of one tool call.
#[derive(Debug, Default)]
struct ToolCallSlot {
    id: Option<String>,
    name: Option<String>,
    arguments: String,
}

/// Assembles chat-completions chunks (the JSON of `data:` lines) into [`ChatStreamEvent`]s.
///
/// After `completed` (sentinel `[DONE]`/`DONE`, or [`ChatSseParser::finish`] at end of stream)
/// the parser is spent: later data yields nothing.
#[derive(Debug, Default)]
pub struct ChatSseParser {
    slots: HashMap<i128, ToolCallSlot>,
    /// Slot keys in order of first appearance: the order calls are flushed in.
    slot_order: Vec<i128>,
    slot_by_call_id: HashMap<String, i128>,
    last_slot: Option<i128>,
    next_free_slot: i128,
    /// `"stop"` once a choice finished with it; wins over the sentinel's `done`/`eof`.
    finish_reason: Option<&'static str>,
    usage: Option<Usage>,
    request_id: Option<String>,
    completed: bool,
}

impl ChatSseParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// `completed` has been produced; nothing more will be.
    pub fn is_completed(&self) -> bool {
        self.completed
    }

    /// Handles one `data:` payload. Unparseable JSON (and JSON that is not an object) is skipped;
    /// a choice finishing with `length` fails the whole chunk with
    /// [`LlmError::ContextLengthExceeded`], dropping the events of that chunk like the reference.
    pub fn feed_data(&mut self, data: &str) -> Result<Vec<ChatStreamEvent>, LlmError> {
        if self.completed {
            return Ok(Vec::new());
        }
        let data = python_strip(data);
        if data.is_empty() {
            return Ok(Vec::new());
        }
        if data == "[DONE]" || data == "DONE" {
            return Ok(self.finalize("done"));
        }
        let Ok(Value::Object(chunk)) = serde_json::from_str::<Value>(data) else {
            return Ok(Vec::new());
        };

        if let Some(usage) = chunk.get("usage").and_then(normalize_usage) {
            self.usage = Some(usage);
        }
        if let Some(Value::String(id)) = chunk.get("id") {
            if !id.is_empty() {
                self.request_id = Some(id.clone());
            }
        }
        let Some(Value::Array(choices)) = chunk.get("choices") else {
            return Ok(Vec::new());
        };

        let mut events = Vec::new();
        for choice in choices {
            let Value::Object(choice) = choice else {
                continue;
            };
            // A delta that is not a map is either falsy (an empty delta) or ignored.
            if let Some(Value::Object(delta)) = choice.get("delta") {
                self.handle_delta(delta, &mut events);
            }
            match choice.get("finish_reason").and_then(Value::as_str) {
                Some("tool_calls") => events.push(ChatStreamEvent::ToolCalls {
                    calls: self.flush_tool_calls(),
                    finish_reason: Some("tool_calls".to_string()),
                }),
                Some("stop") => self.finish_reason = Some("stop"),
                Some("length") => {
                    return Err(LlmError::ContextLengthExceeded(
                        "context_length_exceeded".to_string(),
                    ));
                }
                _ => {}
            }
        }
        Ok(events)
    }

    /// End of stream without a sentinel: flushes and completes with `eof` (unless already done).
    pub fn finish(&mut self) -> Vec<ChatStreamEvent> {
        self.finalize("eof")
    }

    fn finalize(&mut self, default_finish_reason: &'static str) -> Vec<ChatStreamEvent> {
        if self.completed {
            return Vec::new();
        }
        self.completed = true;
        let finish_reason = self.finish_reason.unwrap_or(default_finish_reason);
        let mut events = Vec::new();
        if !self.slots.is_empty() {
            events.push(ChatStreamEvent::ToolCalls {
                calls: self.flush_tool_calls(),
                finish_reason: Some(finish_reason.to_string()),
            });
        }
        events.push(ChatStreamEvent::Completed {
            finish_reason: Some(finish_reason.to_string()),
            usage: self.usage,
            request_id: self.request_id.clone(),
            provider: Some(PROVIDER.to_string()),
        });
        events
    }

    fn handle_delta(&mut self, delta: &Map<String, Value>, events: &mut Vec<ChatStreamEvent>) {
        match delta.get("content") {
            Some(Value::String(text)) if !text.is_empty() => {
                events.push(ChatStreamEvent::TextDelta(text.clone()));
            }
            Some(Value::Array(parts)) => {
                for part in parts {
                    if let Some(Value::String(text)) = part.get("text") {
                        if !text.is_empty() {
                            events.push(ChatStreamEvent::TextDelta(text.clone()));
                        }
                    }
                }
            }
            _ => {}
        }
        if let Some(Value::Array(tool_calls)) = delta.get("tool_calls") {
            for tool_call in tool_calls {
                if let Value::Object(tool_call) = tool_call {
                    self.accumulate_tool_call(tool_call);
                }
            }
        }
    }

    fn alloc_slot(&mut self) -> i128 {
        while self.slots.contains_key(&self.next_free_slot) {
            self.next_free_slot += 1;
        }
        let slot = self.next_free_slot;
        self.next_free_slot += 1;
        slot
    }

    /// Which slot a tool-call fragment belongs to. In order: a call id seen before → its slot;
    /// an integer `index`; a new call id → a new slot; else the last slot used. Heuristic: with
    /// neither index nor id, a fragment naming a function while the last slot already has a name
    /// starts a new call (two nameless-index calls in a row stay two calls).
    fn resolve_slot(&mut self, fragment: &Map<String, Value>) -> i128 {
        let index = fragment.get("index").and_then(json_integer);
        let call_id = match fragment.get("id") {
            Some(Value::String(id)) if !id.is_empty() => Some(id.as_str()),
            _ => None,
        };

        let mut slot = index;
        if let Some(known) = call_id.and_then(|id| self.slot_by_call_id.get(id)) {
            slot = Some(*known);
        }
        if slot.is_none() {
            slot = if call_id.is_some() {
                Some(self.alloc_slot())
            } else {
                self.last_slot
            };
        }
        if slot.is_some() && index.is_none() && call_id.is_none() {
            let names_function = matches!(
                fragment.get("function").and_then(|f| f.get("name")),
                Some(Value::String(name)) if !name.is_empty()
            );
            let last_has_name = self
                .last_slot
                .and_then(|last| self.slots.get(&last))
                .is_some_and(|state| state.name.is_some());
            if names_function && last_has_name {
                slot = Some(self.alloc_slot());
            }
        }
        let slot = match slot {
            Some(slot) => slot,
            None => self.alloc_slot(),
        };
        if let Some(id) = call_id {
            self.slot_by_call_id.entry(id.to_string()).or_insert(slot);
        }
        self.last_slot = Some(slot);
        slot
    }

    fn accumulate_tool_call(&mut self, fragment: &Map<String, Value>) {
        let slot = self.resolve_slot(fragment);
        if !self.slots.contains_key(&slot) {
            self.slot_order.push(slot);
        }
        let state = self.slots.entry(slot).or_default();
        if let Some(Value::String(id)) = fragment.get("id") {
            if !id.is_empty() && state.id.is_none() {
                state.id = Some(id.clone());
            }
        }
        if let Some(Value::Object(function)) = fragment.get("function") {
            if let Some(Value::String(name)) = function.get("name") {
                if !name.is_empty() && state.name.is_none() {
                    state.name = Some(name.clone());
                }
            }
            if let Some(Value::String(part)) = function.get("arguments") {
                state.arguments.push_str(part);
            }
        }
    }

    /// Complete calls in slot order; nameless slots are dropped. Resets the accumulation.
    fn flush_tool_calls(&mut self) -> Vec<ToolCall> {
        let mut calls = Vec::new();
        for slot in std::mem::take(&mut self.slot_order) {
            let Some(state) = self.slots.remove(&slot) else {
                continue;
            };
            let Some(name) = state.name else {
                continue;
            };
            let args = match serde_json::from_str::<Value>(&state.arguments) {
                Ok(Value::Object(args)) => args,
                _ => Map::new(),
            };
            calls.push(ToolCall {
                call_id: state.id.unwrap_or_else(|| format!("tool-call-{slot}")),
                name,
                args,
                raw_arguments: Some(state.arguments),
            });
        }
        self.slots.clear();
        self.slot_by_call_id.clear();
        self.last_slot = None;
        calls
    }
}

/// Python's `isinstance(v, int)` on decoded JSON: integers, and booleans (a `bool` is an `int`).
fn json_integer(value: &Value) -> Option<i128> {
    match value {
        Value::Number(n) => n
            .as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from)),
        Value::Bool(b) => Some(i128::from(*b)),
        _ => None,
    }
}

/// Python's `int(v)` clamped at zero (spec §2.4 usage counts); `None` where `int()` would fail.
fn token_count(value: &Value) -> Option<u64> {
    let n: i128 = match value {
        Value::Number(n) => match json_integer(value) {
            Some(i) => i,
            // A float: `int()` truncates toward zero.
            None => {
                let f = n.as_f64()?;
                if !f.is_finite() {
                    return None;
                }
                f.trunc() as i128
            }
        },
        Value::Bool(b) => i128::from(*b),
        Value::String(s) => parse_python_int(python_strip(s))?,
        _ => return None,
    };
    Some(u64::try_from(n.max(0)).unwrap_or(u64::MAX))
}

/// `usage` in OpenAI names (`prompt_tokens`/`completion_tokens`) or already normalized ones;
/// the total defaults to the sum. Any count missing or invalid → no usage at all.
fn normalize_usage(raw: &Value) -> Option<Usage> {
    let raw = raw.as_object()?;
    let count = |primary: &str, fallback: &str| {
        raw.get(primary)
            .and_then(token_count)
            .or_else(|| raw.get(fallback).and_then(token_count))
    };
    let input_tokens = count("input_tokens", "prompt_tokens")?;
    let output_tokens = count("output_tokens", "completion_tokens")?;
    let total_tokens = raw
        .get("total_tokens")
        .and_then(token_count)
        .unwrap_or_else(|| input_tokens.saturating_add(output_tokens));
    Some(Usage {
        input_tokens,
        output_tokens,
        total_tokens,
    })
}

/// Bytes of a chat-completions response body → events (or the one error that ends it).
///
/// After `completed` or an error the decoder is spent: later bytes yield nothing.
#[derive(Debug, Default)]
pub struct ChatSseDecoder {
    lines: SseLineSplitter,
    parser: ChatSseParser,
    failed: bool,
}

impl ChatSseDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// `completed` was produced or the stream failed; nothing more will come out.
    pub fn is_done(&self) -> bool {
        self.failed || self.parser.is_completed()
    }

    /// Feeds one read of the body. Events of lines before a failing line are kept, in order,
    /// followed by the error.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Result<ChatStreamEvent, LlmError>> {
        let mut out = Vec::new();
        for line in self.lines.push(bytes) {
            self.feed_line(&line, &mut out);
        }
        out
    }

    /// End of the body: the unterminated last line, then the remaining calls and `completed`.
    pub fn finish(&mut self) -> Vec<Result<ChatStreamEvent, LlmError>> {
        let mut out = Vec::new();
        if let Some(line) = self.lines.finish() {
            self.feed_line(&line, &mut out);
        }
        if !self.failed {
            out.extend(self.parser.finish().into_iter().map(Ok));
        }
        out
    }

    fn feed_line(&mut self, line: &str, out: &mut Vec<Result<ChatStreamEvent, LlmError>>) {
        if self.is_done() {
            return;
        }
        let Some(data) = data_payload(line) else {
            return;
        };
        match self.parser.feed_data(data) {
            Ok(events) => out.extend(events.into_iter().map(Ok)),
            Err(error) => {
                self.failed = true;
                out.push(Err(error));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn feed_all(parser: &mut ChatSseParser, chunks: &[Value]) -> Vec<ChatStreamEvent> {
        let mut events = Vec::new();
        for chunk in chunks {
            events.extend(parser.feed_data(&chunk.to_string()).unwrap());
        }
        events
    }

    fn tool_delta(fragments: Value) -> Value {
        json!({"choices": [{"delta": {"tool_calls": fragments}}]})
    }

    fn only_calls(events: &[ChatStreamEvent]) -> Vec<ToolCall> {
        events
            .iter()
            .filter_map(|e| match e {
                ChatStreamEvent::ToolCalls { calls, .. } => Some(calls.clone()),
                _ => None,
            })
            .flatten()
            .collect()
    }

    /// A flushed call whose arguments streamed as `raw` (parsed when they are a JSON object).
    fn call(id: &str, name: &str, raw: &str) -> ToolCall {
        ToolCall {
            call_id: id.into(),
            name: name.into(),
            args: serde_json::from_str(raw).unwrap_or_default(),
            raw_arguments: Some(raw.into()),
        }
    }

    fn completed(finish: &str, usage: Option<Usage>, request_id: Option<&str>) -> ChatStreamEvent {
        ChatStreamEvent::Completed {
            finish_reason: Some(finish.to_string()),
            usage,
            request_id: request_id.map(str::to_string),
            provider: Some("openai".to_string()),
        }
    }

    #[test]
    fn splitter_holds_a_half_written_line_until_its_newline() {
        let mut s = SseLineSplitter::new();
        assert!(s.push(b"data: {\"a\"").is_empty());
        assert!(s.push(b": 1}").is_empty());
        assert_eq!(s.push(b"\n"), vec!["data: {\"a\": 1}"]);
        assert_eq!(s.finish(), None);
    }

    #[test]
    fn splitter_accepts_lf_crlf_and_lone_cr_even_across_reads() {
        let mut s = SseLineSplitter::new();
        let mut lines = s.push(b"a\r\nb\rc\nd\r");
        lines.extend(s.push(b"\ne\r"));
        lines.extend(s.push(b"f\n\n"));
        assert_eq!(lines, vec!["a", "b", "c", "d", "e", "f", ""]);
    }

    #[test]
    fn splitter_decodes_a_utf8_sequence_cut_between_reads() {
        let text = "data: é✓\n".as_bytes();
        let mut s = SseLineSplitter::new();
        let mut lines = Vec::new();
        for byte in text {
            lines.extend(s.push(std::slice::from_ref(byte)));
        }
        assert_eq!(lines, vec!["data: é✓"]);
    }

    #[test]
    fn splitter_yields_the_unterminated_last_line_at_end_of_stream() {
        let mut s = SseLineSplitter::new();
        assert!(s.push(b"data: [DONE]").is_empty());
        assert_eq!(s.finish().as_deref(), Some("data: [DONE]"));
    }

    #[test]
    fn only_data_lines_carry_payloads() {
        assert_eq!(data_payload("data:  {\"x\":1}  "), Some("{\"x\":1}"));
        assert_eq!(data_payload("data:[DONE]"), Some("[DONE]"));
        assert_eq!(data_payload("event: message"), None);
        assert_eq!(data_payload(": keep-alive"), None);
        assert_eq!(data_payload(" data: x"), None);
        assert_eq!(data_payload("id: 3"), None);
    }

    #[test]
    fn text_content_as_string_or_list_of_parts() {
        let mut p = ChatSseParser::new();
        let events = feed_all(
            &mut p,
            &[
                json!({"choices": [{"delta": {"content": "Hel"}}]}),
                json!({"choices": [{"delta": {"content": ""}}]}),
                json!({"choices": [{"delta": {"content": [{"text": "lo"}, {"type": "x"}, "raw", {"text": ""}, {"text": "!"}]}}]}),
            ],
        );
        assert_eq!(
            events,
            vec![
                ChatStreamEvent::TextDelta("Hel".into()),
                ChatStreamEvent::TextDelta("lo".into()),
                ChatStreamEvent::TextDelta("!".into()),
            ]
        );
    }

    #[test]
    fn done_sentinels_complete_once_and_later_data_yields_nothing() {
        for sentinel in ["[DONE]", "DONE", "  [DONE] "] {
            let mut p = ChatSseParser::new();
            assert_eq!(
                p.feed_data(sentinel).unwrap(),
                vec![completed("done", None, None)]
            );
            let after =
                json!({"choices": [{"delta": {"content": "late"}, "finish_reason": "length"}]});
            assert!(p.feed_data(&after.to_string()).unwrap().is_empty());
            assert!(p.feed_data("[DONE]").unwrap().is_empty());
            assert!(p.finish().is_empty());
        }
    }

    #[test]
    fn end_of_stream_without_sentinel_completes_with_eof() {
        let mut p = ChatSseParser::new();
        p.feed_data(&json!({"choices": [{"delta": {"content": "x"}}]}).to_string())
            .unwrap();
        assert_eq!(p.finish(), vec![completed("eof", None, None)]);
    }

    #[test]
    fn stop_then_usage_only_chunk_then_done_gives_one_completed_with_usage() {
        let mut p = ChatSseParser::new();
        let events = feed_all(
            &mut p,
            &[
                json!({"id": "req-1", "choices": [{"delta": {"content": "hi"}, "finish_reason": "stop"}]}),
                json!({"id": "", "choices": [], "usage": {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10}}),
            ],
        );
        assert_eq!(events, vec![ChatStreamEvent::TextDelta("hi".into())]);
        let usage = Usage {
            input_tokens: 7,
            output_tokens: 3,
            total_tokens: 10,
        };
        assert_eq!(
            p.feed_data("[DONE]").unwrap(),
            vec![completed("stop", Some(usage), Some("req-1"))]
        );
    }

    #[test]
    fn unparseable_or_non_object_json_is_skipped() {
        let mut p = ChatSseParser::new();
        for data in ["{not json", "42", "[1,2]", "\"s\"", "null", ""] {
            assert!(p.feed_data(data).unwrap().is_empty(), "{data}");
        }
        assert!(!p.is_completed());
    }

    #[test]
    fn usage_normalization_follows_python_int() {
        let cases = [
            (
                json!({"input_tokens": 1, "output_tokens": 2}),
                Some((1, 2, 3)),
            ),
            (
                json!({"prompt_tokens": "4", "completion_tokens": 2.9, "total_tokens": -5}),
                Some((4, 2, 0)),
            ),
            (
                json!({"input_tokens": "x", "prompt_tokens": 5, "output_tokens": true}),
                Some((5, 1, 6)),
            ),
            (
                json!({"prompt_tokens": " 1_000 ", "completion_tokens": 0}),
                Some((1000, 0, 1000)),
            ),
            (json!({"prompt_tokens": 1}), None),
            (
                json!({"prompt_tokens": "1.5", "completion_tokens": 1}),
                None,
            ),
            (json!({"prompt_tokens": null, "completion_tokens": 1}), None),
            (json!("usage"), None),
        ];
        for (raw, want) in cases {
            let got =
                normalize_usage(&raw).map(|u| (u.input_tokens, u.output_tokens, u.total_tokens));
            assert_eq!(got, want, "{raw}");
        }
    }

    #[test]
    fn invalid_usage_does_not_erase_an_earlier_valid_one() {
        let mut p = ChatSseParser::new();
        feed_all(
            &mut p,
            &[
                json!({"usage": {"prompt_tokens": 1, "completion_tokens": 1}}),
                json!({"usage": {"prompt_tokens": "bad"}}),
            ],
        );
        let events = p.finish();
        assert!(matches!(
            &events[0],
            ChatStreamEvent::Completed { usage: Some(u), .. } if u.total_tokens == 2
        ));
    }

    #[test]
    fn tool_call_arguments_are_concatenated_and_flushed_on_finish_reason() {
        let mut p = ChatSseParser::new();
        let mut events = feed_all(
            &mut p,
            &[
                tool_delta(
                    json!([{"index": 0, "id": "call_1", "function": {"name": "file_read", "arguments": "{\"pa"}}]),
                ),
                tool_delta(json!([{"index": 0, "function": {"arguments": "th\": \"a.txt\"}"}}])),
            ],
        );
        assert!(events.is_empty());
        events.extend(
            p.feed_data(
                &json!({"choices": [{"delta": {}, "finish_reason": "tool_calls"}]}).to_string(),
            )
            .unwrap(),
        );
        assert_eq!(
            events,
            vec![ChatStreamEvent::ToolCalls {
                calls: vec![call("call_1", "file_read", "{\"path\": \"a.txt\"}")],
                finish_reason: Some("tool_calls".into()),
            }]
        );
        // Flushed: the sentinel completes without a second batch.
        assert_eq!(
            p.feed_data("[DONE]").unwrap(),
            vec![completed("done", None, None)]
        );
    }

    #[test]
    fn calls_without_index_are_told_apart_by_id_or_by_a_second_name() {
        let mut p = ChatSseParser::new();
        feed_all(
            &mut p,
            &[
                // By id: new id → new slot, known id → its slot.
                tool_delta(
                    json!([{"id": "a", "function": {"name": "one", "arguments": "{\"x\":"}}]),
                ),
                tool_delta(json!([{"id": "b", "function": {"name": "two", "arguments": "{}"}}])),
                tool_delta(json!([{"id": "a", "function": {"arguments": "1}"}}])),
                // Neither index nor id: continues the last slot…
                tool_delta(json!([{"function": {"arguments": ""}}])),
                // …until a fragment names a function while the last slot has a name.
                tool_delta(json!([{"function": {"name": "three", "arguments": "{\"y\""}}])),
                tool_delta(json!([{"function": {"arguments": ": 2}"}}])),
                tool_delta(json!([{"function": {"name": "four"}}])),
            ],
        );
        assert_eq!(
            only_calls(&p.finish()),
            vec![
                call("a", "one", "{\"x\":1}"),
                call("b", "two", "{}"),
                call("tool-call-2", "three", "{\"y\": 2}"),
                call("tool-call-3", "four", ""),
            ]
        );
    }

    #[test]
    fn a_known_id_wins_over_a_conflicting_index() {
        let mut p = ChatSseParser::new();
        feed_all(
            &mut p,
            &[
                tool_delta(
                    json!([{"index": 0, "id": "a", "function": {"name": "one", "arguments": "{\"k\""}}]),
                ),
                tool_delta(json!([{"index": 5, "id": "a", "function": {"arguments": ": 1}"}}])),
            ],
        );
        let calls = only_calls(&p.finish());
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].raw_arguments.as_deref(), Some("{\"k\": 1}"));
    }

    #[test]
    fn nameless_slots_are_dropped_and_non_object_arguments_become_empty() {
        let mut p = ChatSseParser::new();
        feed_all(
            &mut p,
            &[
                tool_delta(json!([{"index": 0, "id": "x", "function": {"arguments": "{}"}}])),
                tool_delta(
                    json!([{"index": 1, "function": {"name": "arr", "arguments": "[1,2]"}}]),
                ),
                tool_delta(
                    json!([{"index": 2, "function": {"name": "bad", "arguments": "{\"path\": \"a.txt\""}}]),
                ),
            ],
        );
        let events = p.feed_data("DONE").unwrap();
        let calls = only_calls(&events);
        assert_eq!(calls.len(), 2);
        assert_eq!(
            (calls[0].call_id.as_str(), calls[0].args.len()),
            ("tool-call-1", 0)
        );
        assert_eq!(calls[0].raw_arguments.as_deref(), Some("[1,2]"));
        assert_eq!(calls[1].name, "bad");
        assert!(calls[1].args.is_empty());
        assert_eq!(
            calls[1].raw_arguments.as_deref(),
            Some("{\"path\": \"a.txt\"")
        );
        assert!(matches!(
            &events[0],
            ChatStreamEvent::ToolCalls { finish_reason: Some(f), .. } if f == "done"
        ));
    }

    #[test]
    fn a_batch_of_only_nameless_calls_is_still_reported_empty() {
        let mut p = ChatSseParser::new();
        feed_all(
            &mut p,
            &[tool_delta(
                json!([{"index": 0, "function": {"arguments": "{}"}}]),
            )],
        );
        let events = p.finish();
        assert_eq!(
            events[0],
            ChatStreamEvent::ToolCalls {
                calls: vec![],
                finish_reason: Some("eof".into())
            }
        );
    }

    #[test]
    fn length_finish_fails_the_chunk_with_context_length_exceeded() {
        let mut p = ChatSseParser::new();
        let chunk = json!({"choices": [{"delta": {"content": "lost"}, "finish_reason": "length"}]});
        assert_eq!(
            p.feed_data(&chunk.to_string()),
            Err(LlmError::ContextLengthExceeded(
                "context_length_exceeded".into()
            ))
        );
    }

    #[test]
    fn other_finish_reasons_and_odd_shapes_are_ignored() {
        let mut p = ChatSseParser::new();
        let events = feed_all(
            &mut p,
            &[
                json!({"choices": [{"delta": null, "finish_reason": "content_filter"}]}),
                json!({"choices": [1, "x", {"delta": "text"}]}),
                json!({"choices": {"delta": {"content": "no"}}}),
                json!({"choices": [{"delta": {"tool_calls": [1, {"index": 0}]}}]}),
            ],
        );
        assert!(events.is_empty());
        // The fragment without a name made a slot; it is dropped on flush.
        assert_eq!(
            p.finish()[0],
            ChatStreamEvent::ToolCalls {
                calls: vec![],
                finish_reason: Some("eof".into())
            }
        );
    }

    #[test]
    fn decoder_keeps_events_before_a_failing_line_and_stops_after() {
        let mut d = ChatSseDecoder::new();
        let body = concat!(
            "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n",
            "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"length\"}]}\n",
            "data: {\"choices\":[{\"delta\":{\"content\":\"b\"}}]}\n",
        );
        let out = d.push(body.as_bytes());
        assert_eq!(out.len(), 2);
        assert_eq!(out[0], Ok(ChatStreamEvent::TextDelta("a".into())));
        assert!(matches!(out[1], Err(LlmError::ContextLengthExceeded(_))));
        assert!(d.is_done());
        assert!(d.finish().is_empty());
    }

    #[test]
    fn decoder_reads_a_stream_cut_at_every_byte() {
        let body = concat!(
            ": comment\n",
            "event: chunk\n",
            "data: {\"id\":\"r\",\"choices\":[{\"delta\":{\"content\":\"h\u{e9}\"}}]}\r\n",
            "data: {broken\n",
            "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"c\",\"function\":{\"name\":\"n\",\"arguments\":\"{\\\"a\\\":\"}}]}}]}\n",
            "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"\u{2713}\\\"}\"}}]},\"finish_reason\":\"tool_calls\"}]}\n",
            "data: [DONE]\n",
            "data: {\"choices\":[{\"delta\":{\"content\":\"late\"}}]}\n",
        );
        let mut d = ChatSseDecoder::new();
        let mut out = Vec::new();
        for byte in body.as_bytes() {
            out.extend(d.push(std::slice::from_ref(byte)));
        }
        out.extend(d.finish());
        let out: Vec<_> = out.into_iter().map(Result::unwrap).collect();
        assert_eq!(out.len(), 3);
        assert_eq!(out[0], ChatStreamEvent::TextDelta("h\u{e9}".into()));
        let calls = only_calls(&out[1..2]);
        assert_eq!(calls[0].args.get("a"), Some(&json!("\u{2713}")));
        assert_eq!(out[2], completed("done", None, Some("r")));
    }

    #[test]
    fn decoder_finishes_with_the_unterminated_last_line() {
        let mut d = ChatSseDecoder::new();
        assert!(
            d.push(b"data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}")
                .is_empty()
        );
        let out: Vec<_> = d.finish().into_iter().map(Result::unwrap).collect();
        assert_eq!(
            out,
            vec![
                ChatStreamEvent::TextDelta("x".into()),
                completed("eof", None, None)
            ]
        );
    }
}
