//! stdio with a framing layer that survives bad input. tower-lsp's reader stops for good at
//! the first message it cannot decode; this one answers such a message (a parse error, or an
//! invalid request, as JSON-RPC asks), skips garbage between messages, and passes only
//! well-formed JSON-RPC messages on to tower-lsp through an in-memory pipe. tower-lsp's output
//! is copied to stdout message by message, so those answers never split one of its messages.

use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, DuplexStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tower_lsp_server::jsonrpc::{Request, Response};

/// Largest header block accepted before the reader gives up on it.
const MAX_HEADER: usize = 8 * 1024;
/// Largest message body accepted (a bigger `Content-Length` is treated as garbage).
const MAX_BODY: usize = 256 * 1024 * 1024;
const PIPE: usize = 256 * 1024;

/// Splits a byte stream into message bodies (`Content-Length` framing), skipping whatever is
/// not a well-formed header.
#[derive(Debug, Default)]
pub(crate) struct FrameReader {
    buf: Vec<u8>,
    /// Where unread bytes start (consumed bytes are dropped in bulk, not per message).
    at: usize,
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn find_ignore_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

const CONTENT_LENGTH: &[u8] = b"content-length";

impl FrameReader {
    pub(crate) fn push(&mut self, data: &[u8]) {
        if self.at > 0 && self.at * 2 >= self.buf.len() {
            self.buf.drain(..self.at);
            self.at = 0;
        }
        self.buf.extend_from_slice(data);
    }

    fn skip(&mut self, n: usize) {
        self.at = (self.at + n).min(self.buf.len());
    }

    /// The next complete message body, if one is buffered.
    pub(crate) fn next_body(&mut self) -> Option<Vec<u8>> {
        loop {
            let rest = &self.buf[self.at..];
            // Well-formed input starts right at a header: no search needed.
            let start = if rest.len() >= CONTENT_LENGTH.len()
                && rest[..CONTENT_LENGTH.len()].eq_ignore_ascii_case(CONTENT_LENGTH)
            {
                Some(0)
            } else {
                find_ignore_case(rest, CONTENT_LENGTH)
            };
            let Some(start) = start else {
                // Keep a tail that may be the beginning of the next header.
                let keep = rest.len().min(CONTENT_LENGTH.len() - 1);
                self.skip(rest.len() - keep);
                return None;
            };
            self.skip(start);
            let rest = &self.buf[self.at..];
            let Some(end) = find(rest, b"\r\n\r\n") else {
                if rest.len() > MAX_HEADER {
                    // Not a header after all: look for the next one.
                    self.skip(CONTENT_LENGTH.len());
                    continue;
                }
                return None;
            };
            let length = std::str::from_utf8(&rest[..end])
                .ok()
                .and_then(|headers| {
                    headers.split("\r\n").find_map(|line| {
                        let (name, value) = line.split_once(':')?;
                        name.trim()
                            .eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse::<usize>().ok())
                            .flatten()
                    })
                })
                .filter(|&n| n <= MAX_BODY);
            let Some(length) = length else {
                self.skip(end + 4);
                continue;
            };
            if rest.len() < end + 4 + length {
                return None;
            }
            let body = rest[end + 4..end + 4 + length].to_vec();
            self.skip(end + 4 + length);
            return Some(body);
        }
    }
}

pub(crate) fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

fn error(id: Value, code: i64, message: &str) -> Vec<u8> {
    let body = json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}});
    frame(body.to_string().as_bytes())
}

/// `Ok` for a message tower-lsp can take; else the answer to send back.
pub(crate) fn check(body: &[u8]) -> Result<(), Vec<u8>> {
    // tower-lsp defaults a missing `method` to "": that is an invalid request.
    if serde_json::from_slice::<Request>(body).is_ok_and(|r| !r.method().is_empty()) {
        return Ok(());
    }
    let Ok(text) = std::str::from_utf8(body) else {
        return Err(error(
            Value::Null,
            -32700,
            "Parse error: the message is not UTF-8",
        ));
    };
    match serde_json::from_str::<Value>(text) {
        Err(e) => Err(error(Value::Null, -32700, &format!("Parse error: {e}"))),
        // A response to one of the server's requests (tower-lsp would read a message with
        // neither `result` nor `error` as a null result).
        Ok(v)
            if (v.get("result").is_some() || v.get("error").is_some())
                && serde_json::from_value::<Response>(v.clone()).is_ok() =>
        {
            Ok(())
        }
        Ok(v) => {
            let id = match v.get("id") {
                Some(id @ (Value::Number(_) | Value::String(_))) => id.clone(),
                _ => Value::Null,
            };
            Err(error(
                id,
                -32600,
                "Invalid request: not a JSON-RPC 2.0 request, notification or response",
            ))
        }
    }
}

/// The pipe ends tower-lsp reads from and writes to, and the task that writes stdout (it ends
/// once tower-lsp's output is closed and everything was written).
pub(crate) struct Pipes {
    pub(crate) input: DuplexStream,
    pub(crate) output: DuplexStream,
    pub(crate) written: JoinHandle<()>,
}

pub(crate) fn spawn(
    mut stdin: impl AsyncRead + Unpin + Send + 'static,
    mut stdout: impl AsyncWrite + Unpin + Send + 'static,
) -> Pipes {
    let (mut to_server, server_input) = tokio::io::duplex(PIPE);
    let (server_output, mut from_server) = tokio::io::duplex(PIPE);
    let (frames_tx, mut frames_rx) = mpsc::unbounded_channel::<Vec<u8>>();

    // An empty frame means tower-lsp's output is finished.
    let written = tokio::spawn(async move {
        while let Some(bytes) = frames_rx.recv().await {
            if bytes.is_empty()
                || stdout.write_all(&bytes).await.is_err()
                || stdout.flush().await.is_err()
            {
                break;
            }
        }
    });

    let answers = frames_tx.clone();
    tokio::spawn(async move {
        let mut reader = FrameReader::default();
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            let n = match stdin.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            reader.push(&chunk[..n]);
            while let Some(body) = reader.next_body() {
                if body.is_empty() {
                    continue;
                }
                match check(&body) {
                    Ok(()) => {
                        if to_server.write_all(&frame(&body)).await.is_err() {
                            return;
                        }
                    }
                    Err(answer) => {
                        tracing::warn!("malformed message from the client answered and skipped");
                        let _ = answers.send(answer);
                    }
                }
            }
        }
        // End of input: tower-lsp sees it too.
        let _ = to_server.shutdown().await;
    });

    tokio::spawn(async move {
        let mut reader = FrameReader::default();
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            let n = match from_server.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            reader.push(&chunk[..n]);
            while let Some(body) = reader.next_body() {
                if frames_tx.send(frame(&body)).is_err() {
                    return;
                }
            }
        }
        let _ = frames_tx.send(Vec::new());
    });

    Pipes {
        input: server_input,
        output: server_output,
        written,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bodies(input: &[u8]) -> Vec<Vec<u8>> {
        let mut r = FrameReader::default();
        // Byte by byte: framing must not depend on how reads are split.
        let mut out = Vec::new();
        for b in input {
            r.push(std::slice::from_ref(b));
            while let Some(body) = r.next_body() {
                out.push(body);
            }
        }
        out
    }

    #[test]
    fn frames_split_anywhere_are_reassembled() {
        let input = [frame(b"{\"a\":1}"), frame("{\"é\":\"😀\"}".as_bytes())].concat();
        assert_eq!(
            bodies(&input),
            vec![b"{\"a\":1}".to_vec(), "{\"é\":\"😀\"}".as_bytes().to_vec()]
        );
    }

    #[test]
    fn garbage_and_headers_without_length_are_skipped() {
        let mut input = b"garbage\r\nContent-Type: application/json\r\n\r\nmore garbage".to_vec();
        input.extend(b"Content-Length: nope\r\n\r\n");
        input.extend(frame(b"{}"));
        input.extend(b"content-length: 2\r\nContent-Type: x\r\n\r\n[]");
        assert_eq!(bodies(&input), vec![b"{}".to_vec(), b"[]".to_vec()]);
    }

    #[test]
    fn bad_messages_get_the_json_rpc_answer() {
        let answer = |body: &[u8]| -> Value {
            let framed = check(body).unwrap_err();
            let mut r = FrameReader::default();
            r.push(&framed);
            serde_json::from_slice(&r.next_body().unwrap()).unwrap()
        };
        let parse = answer(b"{\"oops\": ");
        assert_eq!(parse["error"]["code"], -32700);
        assert_eq!(parse["id"], Value::Null);
        assert_eq!(answer(b"\xff\xfe\xfd\xfc")["error"]["code"], -32700);
        let invalid = answer(br#"{"jsonrpc":"2.0","id":900,"params":{}}"#);
        assert_eq!(invalid["error"]["code"], -32600);
        assert_eq!(invalid["id"], 900);
        assert_eq!(answer(b"[]")["error"]["code"], -32600);
        assert_eq!(answer(b"null")["id"], Value::Null);
        assert!(check(br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#).is_ok());
        assert!(check(br#"{"jsonrpc":"2.0","method":"exit"}"#).is_ok());
        assert!(check(br#"{"jsonrpc":"2.0","id":3,"result":null}"#).is_ok());
    }
}
