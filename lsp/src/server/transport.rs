//! stdio with a framing layer that survives bad input. tower-lsp's reader stops for good at
//! the first message it cannot decode; this one answers such a message (a parse error, or an
//! invalid request, as JSON-RPC asks), skips garbage between messages, and passes only
//! well-formed JSON-RPC messages on to tower-lsp. tower-lsp's output is written to stdout
//! message by message, so those answers never split one of its messages.

use std::io::{Read, Write};
use std::pin::Pin;
use std::task::{Context, Poll};

use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::mpsc;
use tower_lsp_server::jsonrpc::{Request, Response};

/// Largest header block accepted before the reader gives up on it.
const MAX_HEADER: usize = 8 * 1024;
/// Largest message body accepted (a bigger `Content-Length` is treated as garbage).
const MAX_BODY: usize = 256 * 1024 * 1024;

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

/// What tower-lsp reads: the checked messages, framed, handed over by the stdin thread.
pub(crate) struct Incoming {
    rx: mpsc::UnboundedReceiver<Vec<u8>>,
    pending: Vec<u8>,
    at: usize,
}

impl AsyncRead for Incoming {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        while self.at == self.pending.len() {
            match self.rx.poll_recv(cx) {
                Poll::Ready(Some(bytes)) => {
                    self.pending = bytes;
                    self.at = 0;
                }
                // End of input.
                Poll::Ready(None) => return Poll::Ready(Ok(())),
                Poll::Pending => return Poll::Pending,
            }
        }
        let n = buf.remaining().min(self.pending.len() - self.at);
        let at = self.at;
        buf.put_slice(&self.pending[at..at + n]);
        self.at += n;
        Poll::Ready(Ok(()))
    }
}

/// Where tower-lsp writes: bytes go to the stdout thread as they come.
pub(crate) struct Outgoing {
    tx: std::sync::mpsc::Sender<Out>,
}

enum Out {
    /// Bytes of tower-lsp's output (whole messages, once reassembled).
    Server(Vec<u8>),
    /// An answer of our own to a message tower-lsp never saw.
    Answer(Vec<u8>),
    /// tower-lsp is done: write what is left and stop.
    End,
}

impl AsyncWrite for Outgoing {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.tx.send(Out::Server(buf.to_vec())) {
            Ok(()) => Poll::Ready(Ok(buf.len())),
            Err(_) => Poll::Ready(Err(std::io::ErrorKind::BrokenPipe.into())),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let _ = self.tx.send(Out::End);
        Poll::Ready(Ok(()))
    }
}

impl Drop for Outgoing {
    fn drop(&mut self) {
        let _ = self.tx.send(Out::End);
    }
}

/// The ends tower-lsp reads from and writes to, and the stdout thread (it ends once
/// tower-lsp's output is closed and everything was written).
pub(crate) struct Pipes {
    pub(crate) input: Incoming,
    pub(crate) output: Outgoing,
    pub(crate) written: std::thread::JoinHandle<()>,
}

/// Starts the stdin and stdout threads. Plain threads with blocking I/O: the async runtime's
/// stdio sends every read and write through its blocking pool, a hop per message.
pub(crate) fn spawn(
    stdin: impl Read + Send + 'static,
    stdout: impl Write + Send + 'static,
) -> std::io::Result<Pipes> {
    let (in_tx, in_rx) = mpsc::unbounded_channel::<Vec<u8>>();
    let (out_tx, out_rx) = std::sync::mpsc::channel::<Out>();
    let answers = out_tx.clone();
    std::thread::Builder::new()
        .name("stdin".into())
        .spawn(move || read_input(stdin, &in_tx, &answers))?;
    let written = std::thread::Builder::new()
        .name("stdout".into())
        .spawn(move || write_output(stdout, &out_rx))?;
    Ok(Pipes {
        input: Incoming {
            rx: in_rx,
            pending: Vec::new(),
            at: 0,
        },
        output: Outgoing { tx: out_tx },
        written,
    })
}

fn read_input(
    mut stdin: impl Read,
    to_server: &mpsc::UnboundedSender<Vec<u8>>,
    answers: &std::sync::mpsc::Sender<Out>,
) {
    let mut reader = FrameReader::default();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = match stdin.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        reader.push(&chunk[..n]);
        while let Some(body) = reader.next_body() {
            if body.is_empty() {
                continue;
            }
            match check(&body) {
                Ok(()) => {
                    if to_server.send(frame(&body)).is_err() {
                        return;
                    }
                }
                Err(answer) => {
                    tracing::warn!("malformed message from the client answered and skipped");
                    let _ = answers.send(Out::Answer(answer));
                }
            }
        }
    }
    // Dropping the sender ends tower-lsp's input.
}

fn write_output(stdout: impl Write, rx: &std::sync::mpsc::Receiver<Out>) {
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, stdout);
    let mut reader = FrameReader::default();
    let write = |out: &mut std::io::BufWriter<_>, msg: Out, reader: &mut FrameReader| -> bool {
        match msg {
            Out::Server(bytes) => {
                reader.push(&bytes);
                while let Some(body) = reader.next_body() {
                    if out.write_all(&frame(&body)).is_err() {
                        return false;
                    }
                }
                true
            }
            Out::Answer(bytes) => out.write_all(&bytes).is_ok(),
            Out::End => false,
        }
    };
    while let Ok(msg) = rx.recv() {
        let mut more = write(&mut out, msg, &mut reader);
        // Everything already queued goes out in the same write.
        while more {
            match rx.try_recv() {
                Ok(msg) => more = write(&mut out, msg, &mut reader),
                Err(_) => break,
            }
        }
        if out.flush().is_err() || !more {
            break;
        }
    }
    let _ = out.flush();
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
