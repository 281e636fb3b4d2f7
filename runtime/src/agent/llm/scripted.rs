//! The offline scripted backend (spec §2.7, §10): each `stream_chat` call plays the next list of
//! events of the script, in order, and appends `completed{finish_reason:"fake_eof"}` when the
//! list has none. Running out of calls fails like the reference's `FakeChatBackend` (a
//! `ValueError`, so `run_failed{config_error}` with its message).
//!
//! Script format (a JSON object; keys other than `llm_calls` are ignored, so the spec's scenario
//! files load as they are):
//! ```json
//! {"llm_calls": [[{"type": "text_delta", "text": "Hi"},
//!                 {"type": "tool_calls", "tool_calls": [{"call_id": "c1", "name": "file_read",
//!                                                         "arguments": "{\"path\":\"a\"}"}]},
//!                 {"type": "completed", "finish_reason": "stop",
//!                  "usage": {"input_tokens": 1, "output_tokens": 2}}]]}
//! ```
//! In `tool_calls`, `arguments` is the raw string the model sent (so malformed JSON can be
//! scripted); an object there is taken as already-parsed arguments with no raw text, which skips
//! the engine's JSON validation as upstream. Unknown event types are ignored, except our one
//! extension `{"type": "wait", "ms": N}`, which pauses the stream (wall-time and cancellation
//! tests need a slow model).

use std::sync::Mutex;
use std::time::Duration;

use serde_json::{Map, Value};

use super::{ChatBackend, ChatRequest, ChatStream, ChatStreamEvent, LlmError, ToolCall, Usage};

/// The reference's exhaustion message (`P/llm/fake.py`).
pub const EXHAUSTED_MESSAGE: &str = "FakeChatBackend calls 已耗尽";

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Event(ChatStreamEvent),
    Wait(Duration),
}

/// A backend that replays a script.
#[derive(Debug)]
pub struct ScriptedBackend {
    calls: Vec<Vec<Step>>,
    next: Mutex<usize>,
}

impl ScriptedBackend {
    /// Parses a script (see the module docs).
    pub fn from_json(script: &Value) -> Result<ScriptedBackend, String> {
        let calls = script
            .get("llm_calls")
            .ok_or("the script has no `llm_calls` list")?
            .as_array()
            .ok_or("`llm_calls` must be a list of lists of events")?;
        let calls = calls
            .iter()
            .enumerate()
            .map(|(i, call)| {
                call.as_array()
                    .ok_or_else(|| format!("`llm_calls[{i}]` must be a list of events"))?
                    .iter()
                    .enumerate()
                    .filter_map(|(j, ev)| {
                        parse_step(ev)
                            .map_err(|e| format!("`llm_calls[{i}][{j}]`: {e}"))
                            .transpose()
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ScriptedBackend {
            calls,
            next: Mutex::new(0),
        })
    }

    /// Reads a script file.
    pub fn from_file(path: &std::path::Path) -> Result<ScriptedBackend, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the script {}: {e}", path.display()))?;
        let v: Value = serde_json::from_str(&text)
            .map_err(|e| format!("the script {} is not JSON: {e}", path.display()))?;
        Self::from_json(&v).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// How many calls have been consumed so far.
    pub fn calls_consumed(&self) -> usize {
        *self.next.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn parse_step(ev: &Value) -> Result<Option<Step>, String> {
    let o = ev.as_object().ok_or("an event must be an object")?;
    let text = |k: &str| o.get(k).and_then(Value::as_str).map(str::to_owned);
    Ok(Some(match o.get("type").and_then(Value::as_str) {
        Some("text_delta") => {
            Step::Event(ChatStreamEvent::TextDelta(text("text").unwrap_or_default()))
        }
        Some("tool_calls") => {
            let calls = match o.get("tool_calls") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(parse_call)
                    .collect::<Result<Vec<_>, _>>()?,
                Some(_) => return Err("`tool_calls` must be a list".into()),
            };
            Step::Event(ChatStreamEvent::ToolCalls {
                calls,
                finish_reason: text("finish_reason"),
            })
        }
        Some("completed") => Step::Event(ChatStreamEvent::Completed {
            finish_reason: text("finish_reason"),
            usage: o.get("usage").and_then(parse_usage),
            request_id: text("request_id"),
            provider: text("provider"),
        }),
        Some("wait") => {
            let ms = o
                .get("ms")
                .and_then(Value::as_u64)
                .ok_or("`wait` needs `ms` (a non-negative integer)")?;
            Step::Wait(Duration::from_millis(ms))
        }
        _ => return Ok(None),
    }))
}

fn parse_call(v: &Value) -> Result<ToolCall, String> {
    let o = v.as_object().ok_or("a tool call must be an object")?;
    let field = |k: &str| o.get(k).and_then(Value::as_str).map(str::to_owned);
    let call_id = field("call_id").ok_or("a tool call needs `call_id` (a string)")?;
    let name = field("name").ok_or("a tool call needs `name` (a string)")?;
    let (args, raw_arguments) = match o.get("arguments").or_else(|| o.get("raw_arguments")) {
        Some(Value::String(raw)) => {
            let args = match serde_json::from_str::<Value>(raw) {
                Ok(Value::Object(m)) => m,
                _ => Map::new(),
            };
            (args, Some(raw.clone()))
        }
        Some(Value::Object(m)) => (m.clone(), None),
        None | Some(Value::Null) => match o.get("args") {
            Some(Value::Object(m)) => (m.clone(), None),
            _ => (Map::new(), None),
        },
        Some(_) => return Err("`arguments` must be a string (raw JSON) or an object".into()),
    };
    Ok(ToolCall {
        call_id,
        name,
        args,
        raw_arguments,
    })
}

/// Usage as the loop normalizes it (`P/core/streaming_bridge.py`): token counts are integers
/// (negatives clamp to 0), `total_tokens` defaults to the sum; anything else drops the usage.
fn parse_usage(v: &Value) -> Option<Usage> {
    let o = v.as_object()?;
    let count = |k: &str| -> Option<Option<u64>> {
        match o.get(k) {
            None | Some(Value::Null) => Some(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(|i| Some(i.max(0) as u64))
                .or_else(|| n.as_u64().map(Some)),
            Some(_) => None,
        }
    };
    let input = count("input_tokens")?.unwrap_or(0);
    let output = count("output_tokens")?.unwrap_or(0);
    let total = count("total_tokens")?.unwrap_or(input + output);
    Some(Usage {
        input_tokens: input,
        output_tokens: output,
        total_tokens: total,
    })
}

impl ChatBackend for ScriptedBackend {
    fn stream_chat(&self, _request: ChatRequest) -> ChatStream {
        let steps = {
            let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
            match self.calls.get(*next) {
                Some(steps) => {
                    *next += 1;
                    Some(steps.clone())
                }
                None => None,
            }
        };
        let Some(mut steps) = steps else {
            return Box::pin(futures_util::stream::once(async {
                Err(LlmError::Config(EXHAUSTED_MESSAGE.into()))
            }));
        };
        if !steps
            .iter()
            .any(|s| matches!(s, Step::Event(ChatStreamEvent::Completed { .. })))
        {
            steps.push(Step::Event(ChatStreamEvent::Completed {
                finish_reason: Some("fake_eof".into()),
                usage: None,
                request_id: None,
                provider: None,
            }));
        }
        Box::pin(futures_util::stream::unfold(
            steps.into_iter(),
            |mut steps| async move {
                loop {
                    match steps.next()? {
                        Step::Event(ev) => return Some((Ok(ev), steps)),
                        Step::Wait(d) => tokio::time::sleep(d).await,
                    }
                }
            },
        ))
    }

    fn provider(&self) -> &'static str {
        "fake"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;
    use serde_json::json;

    async fn collect(b: &ScriptedBackend) -> Vec<Result<ChatStreamEvent, LlmError>> {
        b.stream_chat(ChatRequest::default()).collect().await
    }

    #[tokio::test]
    async fn plays_calls_in_order_and_appends_fake_eof() {
        let b = ScriptedBackend::from_json(&json!({"name": "x", "llm_calls": [
            [{"type": "text_delta", "text": "Hel"}, {"type": "bogus"},
             {"type": "completed", "finish_reason": "stop",
              "usage": {"input_tokens": 10, "output_tokens": 2}, "provider": "fake"}],
            [{"type": "tool_calls", "finish_reason": "tool_calls", "tool_calls": [
                {"call_id": "c1", "name": "file_read", "arguments": "{\"path\": \"a\"}"},
                {"call_id": "c2", "name": "file_read", "arguments": "{\"path\""}]}]
        ]}))
        .unwrap();
        let first = collect(&b).await;
        assert_eq!(first.len(), 2);
        assert_eq!(
            first[1],
            Ok(ChatStreamEvent::Completed {
                finish_reason: Some("stop".into()),
                usage: Some(Usage {
                    input_tokens: 10,
                    output_tokens: 2,
                    total_tokens: 12
                }),
                request_id: None,
                provider: Some("fake".into()),
            })
        );
        let second = collect(&b).await;
        let Ok(ChatStreamEvent::ToolCalls { calls, .. }) = &second[0] else {
            panic!("{second:?}")
        };
        assert_eq!(calls[0].args.get("path"), Some(&json!("a")));
        assert_eq!(calls[1].raw_arguments.as_deref(), Some("{\"path\""));
        assert!(calls[1].args.is_empty());
        assert!(matches!(
            &second[1],
            Ok(ChatStreamEvent::Completed { finish_reason: Some(f), .. }) if f == "fake_eof"
        ));
        assert_eq!(b.calls_consumed(), 2);
        let third = collect(&b).await;
        assert_eq!(third, vec![Err(LlmError::Config(EXHAUSTED_MESSAGE.into()))]);
    }

    #[test]
    fn malformed_scripts_are_reported_with_their_location() {
        let err = ScriptedBackend::from_json(&json!({"llm_calls": [[{"type": "tool_calls",
            "tool_calls": [{"name": "x"}]}]]}))
        .unwrap_err();
        assert!(
            err.contains("llm_calls[0][0]") && err.contains("call_id"),
            "{err}"
        );
        assert!(ScriptedBackend::from_json(&json!({"calls": []})).is_err());
    }
}
