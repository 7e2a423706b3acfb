//! Reading LSP frames (`Content-Length` headers, then a JSON-RPC body) from an untrusted byte
//! stream, with bounds: lsp-server's own reader allocates whatever length a header claims and
//! ends the connection on the first malformed message, so bglint frames the stream itself.
//!
//! - A header line longer than [`MAX_HEADER_LINE`] bytes is skipped, never buffered.
//! - A body longer than [`MAX_MESSAGE_BYTES`] is answered with an error and skipped (read into
//!   a fixed buffer and dropped), never allocated; memory for a body grows only as its bytes
//!   arrive.
//! - A body that is not JSON is answered with `ParseError` (-32700), one that is JSON but not a
//!   JSON-RPC message with `InvalidRequest` (-32600); both with the request's id when it has a
//!   usable one, `null` otherwise. Then reading goes on with the next frame.

use std::io::{self, BufRead, Read, Write};

use lsp_server::{Connection, Message};
use serde_json::{json, Value};

/// The largest message body bglint reads: an open buffer is sent whole in `didOpen`, and the
/// largest source file bglint analyses is far smaller (see `source::DEFAULT_MAX_FILE_BYTES`).
pub const MAX_MESSAGE_BYTES: u64 = 64 << 20;
/// The longest header line kept; real headers are under 100 bytes.
pub const MAX_HEADER_LINE: usize = 8 << 10;

const PARSE_ERROR: i64 = -32700;
const INVALID_REQUEST: i64 = -32600;

/// What one frame of the stream held.
#[derive(Debug)]
pub enum Frame {
    Message(Message),
    /// The frame was unusable: this error response (a whole JSON-RPC response object) should go
    /// back to the client, and reading goes on.
    Error(Value),
}

/// Reads frames one by one from `input`.
pub struct FrameReader<R> {
    input: R,
    /// Body bytes of an oversized frame still to be skipped before the next header.
    skip: u64,
    line: Vec<u8>,
    limit: u64,
}

impl<R: BufRead> FrameReader<R> {
    pub fn new(input: R) -> Self {
        Self::with_limit(input, MAX_MESSAGE_BYTES)
    }

    /// A reader with another body limit (tests use a small one).
    pub fn with_limit(input: R, limit: u64) -> Self {
        FrameReader { input, skip: 0, line: Vec::new(), limit }
    }

    /// The next frame; `None` at the end of the stream (also in the middle of a frame).
    pub fn next_frame(&mut self) -> io::Result<Option<Frame>> {
        if self.skip > 0 {
            let wanted = std::mem::take(&mut self.skip);
            let skipped = io::copy(&mut (&mut self.input).take(wanted), &mut io::sink())?;
            if skipped < wanted {
                return Ok(None);
            }
        }
        let mut length: Option<Result<u64, String>> = None;
        let mut any_header = false;
        loop {
            match read_line(&mut self.input, &mut self.line)? {
                Line::Eof => return Ok(None),
                Line::TooLong => {
                    any_header = true;
                    continue;
                }
                Line::Text => {}
            }
            let line = trim_line_end(&self.line);
            if line.is_empty() {
                if any_header {
                    break;
                }
                // Blank lines between frames: tolerated.
                continue;
            }
            any_header = true;
            let Some(colon) = line.iter().position(|&b| b == b':') else { continue };
            let (name, value) = (&line[..colon], &line[colon + 1..]);
            if name.trim_ascii().eq_ignore_ascii_case(b"content-length") {
                let value = String::from_utf8_lossy(value.trim_ascii()).into_owned();
                length = Some(value.parse::<u64>().map_err(|_| value));
            }
        }
        let length = match length {
            None => return Ok(Some(error(Value::Null, PARSE_ERROR, "a frame without a Content-Length header"))),
            Some(Err(value)) => {
                let value: String = value.chars().take(64).collect();
                return Ok(Some(error(Value::Null, PARSE_ERROR, &format!("Content-Length `{value}` is not a length"))));
            }
            Some(Ok(n)) => n,
        };
        if length > self.limit {
            self.skip = length;
            let message =
                format!("a message of {length} bytes exceeds bglint's limit of {} bytes; it is skipped", self.limit);
            return Ok(Some(error(Value::Null, INVALID_REQUEST, &message)));
        }
        // Grows as bytes arrive: a header that promises more than is sent costs nothing.
        let mut body = Vec::with_capacity(length.min(64 << 10) as usize);
        (&mut self.input).take(length).read_to_end(&mut body)?;
        if (body.len() as u64) < length {
            return Ok(None);
        }
        Ok(Some(decode(&body)))
    }
}

/// A JSON-RPC body as a message, or the error response it deserves.
pub fn decode(body: &[u8]) -> Frame {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => return error(Value::Null, PARSE_ERROR, &format!("not JSON: {e}")),
    };
    let Value::Object(object) = &value else {
        return error(Value::Null, INVALID_REQUEST, "not a JSON-RPC message (an object)");
    };
    // An id a response can carry back: an integer lsp-server accepts, or a string.
    let id = match object.get("id") {
        None => None,
        Some(id @ Value::String(_)) => Some(id.clone()),
        Some(id @ Value::Number(n)) if n.as_i64().is_some_and(|n| i32::try_from(n).is_ok()) => Some(id.clone()),
        Some(_) => return error(Value::Null, INVALID_REQUEST, "the id is neither a string nor a 32-bit integer"),
    };
    match serde_json::from_value::<Message>(value) {
        Ok(message) => Frame::Message(message),
        Err(e) => error(id.unwrap_or(Value::Null), INVALID_REQUEST, &format!("not a JSON-RPC message: {e}")),
    }
}

fn error(id: Value, code: i64, message: &str) -> Frame {
    Frame::Error(json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } }))
}

enum Line {
    Text,
    TooLong,
    Eof,
}

/// One line (up to and including `\n`) into `line`, or `TooLong` after skipping the rest of a
/// line longer than [`MAX_HEADER_LINE`]. `Eof` only when nothing was read.
fn read_line(input: &mut impl BufRead, line: &mut Vec<u8>) -> io::Result<Line> {
    line.clear();
    let mut too_long = false;
    let mut read_any = false;
    loop {
        let buf = match input.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok(if !read_any {
                Line::Eof
            } else if too_long {
                Line::TooLong
            } else {
                // A last line without a newline: the stream ends inside a header.
                Line::Eof
            });
        }
        read_any = true;
        let (take, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (buf.len(), false),
        };
        if !too_long {
            if line.len() + take > MAX_HEADER_LINE {
                too_long = true;
                line.clear();
            } else {
                line.extend_from_slice(&buf[..take]);
            }
        }
        input.consume(take);
        if done {
            return Ok(if too_long { Line::TooLong } else { Line::Text });
        }
    }
}

fn trim_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Writes one frame to `out`.
pub fn write_frame(out: &mut impl Write, body: &[u8]) -> io::Result<()> {
    write!(out, "Content-Length: {}\r\n\r\n", body.len())?;
    out.write_all(body)?;
    out.flush()
}

/// A connection over stdin/stdout through [`FrameReader`]: one thread reads frames (answering
/// unusable ones itself), one writes the server's messages. The reader stops after `exit`.
pub fn stdio() -> (Connection, std::thread::JoinHandle<()>) {
    let (to_server, server_receiver) = crossbeam_channel::bounded::<Message>(0);
    let (server_sender, from_server) = crossbeam_channel::bounded::<Message>(0);
    std::thread::Builder::new()
        .name("bglint-lsp-reader".into())
        .spawn(move || {
            let mut frames = FrameReader::new(io::stdin().lock());
            loop {
                match frames.next_frame() {
                    Ok(None) => break,
                    Ok(Some(Frame::Message(message))) => {
                        let exit = matches!(&message, Message::Notification(n) if n.method == "exit");
                        if to_server.send(message).is_err() || exit {
                            break;
                        }
                    }
                    Ok(Some(Frame::Error(response))) => {
                        eprintln!("bglint lsp: {}", response["error"]["message"].as_str().unwrap_or("bad message"));
                        let body = serde_json::to_vec(&response).unwrap_or_default();
                        if write_frame(&mut io::stdout().lock(), &body).is_err() {
                            break;
                        }
                    }
                    Err(e) => {
                        eprintln!("bglint lsp: reading the client: {e}");
                        break;
                    }
                }
            }
        })
        .expect("a reader thread");
    let writer = std::thread::Builder::new()
        .name("bglint-lsp-writer".into())
        .spawn(move || {
            for message in from_server {
                // Held for the whole frame, so the reader's error answers never interleave.
                let mut out = io::stdout().lock();
                if message.write(&mut out).and_then(|()| out.flush()).is_err() {
                    break;
                }
            }
        })
        .expect("a writer thread");
    (Connection { sender: server_sender, receiver: server_receiver }, writer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[u8], limit: u64) -> Vec<Frame> {
        let mut reader = FrameReader::with_limit(input, limit);
        let mut out = Vec::new();
        while let Some(frame) = reader.next_frame().unwrap() {
            out.push(frame);
        }
        out
    }

    fn code(frame: &Frame) -> i64 {
        match frame {
            Frame::Error(v) => v["error"]["code"].as_i64().unwrap(),
            Frame::Message(m) => panic!("expected an error, got {m:?}"),
        }
    }

    #[test]
    fn oversized_malformed_and_good_frames_in_one_stream() {
        let good = br#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
        let mut input = Vec::new();
        input.extend_from_slice(b"Content-Length: 80\r\n\r\n");
        input.extend_from_slice(&[b'x'; 80]);
        input.extend_from_slice(b"Content-Length: 5\r\n\r\nhello");
        input.extend_from_slice(b"Content-Length: 2\r\n\r\n[]");
        input.extend_from_slice(b"Content-Length: 30\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":\"a\"}    ");
        input.extend_from_slice(b"Content-Length: nope\r\n\r\n");
        input.extend_from_slice(format!("Content-Type: x\r\ncontent-length:{}\n\n", good.len()).as_bytes());
        input.extend_from_slice(good);
        let out = frames(&input, 64);
        assert_eq!(out.len(), 6, "{out:?}");
        assert_eq!(code(&out[0]), INVALID_REQUEST, "too large");
        assert_eq!(code(&out[1]), PARSE_ERROR);
        assert_eq!(code(&out[2]), INVALID_REQUEST);
        let Frame::Error(with_id) = &out[3] else { panic!() };
        assert_eq!(with_id["id"], "a", "the id is echoed when usable");
        assert_eq!(code(&out[4]), PARSE_ERROR, "a length that is not a number");
        assert!(matches!(&out[5], Frame::Message(Message::Notification(n)) if n.method == "initialized"));
    }

    #[test]
    fn a_huge_length_allocates_nothing_and_ends_at_the_end_of_the_stream() {
        let out = frames(b"Content-Length: 1000000000000\r\n\r\n{}", MAX_MESSAGE_BYTES);
        assert_eq!(out.len(), 1);
        assert_eq!(code(&out[0]), INVALID_REQUEST);
    }

    #[test]
    fn an_endless_header_line_is_skipped_not_buffered() {
        let mut input = vec![b'a'; 10 * MAX_HEADER_LINE];
        input.extend_from_slice(b"\r\nContent-Length: 2\r\n\r\n{}");
        let mut reader = FrameReader::new(&input[..]);
        let frame = reader.next_frame().unwrap().unwrap();
        assert_eq!(code(&frame), INVALID_REQUEST, "{{}} is JSON but not a message");
        assert!(reader.line.capacity() <= 2 * MAX_HEADER_LINE);
    }
}
