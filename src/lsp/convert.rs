//! Between bglint's byte offsets and LSP positions (UTF-16 code units unless the client
//! accepts UTF-8), and from generic diagnostics to LSP ones. Never names a rule.

use std::path::Path;

use lsp_types::{
    CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Position, Range, Uri,
};

use crate::diagnostics::{Diagnostic, Severity};

/// How the client counts columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

/// The position of byte `offset` in `text`. Costs a pass over the text: for more than one
/// position in a text, use [`LineIndex`] or [`Positions`].
pub fn position(text: &str, offset: usize, encoding: Encoding) -> Position {
    LineIndex::new(text).position(text, offset, encoding)
}

/// How often [`LineIndex`] records the UTF-16 length so far: a column on a long line is counted
/// from the nearest checkpoint, not from the start of the line.
const CHECKPOINT_BYTES: usize = 4096;

/// Line starts and UTF-16 checkpoints of one text, built in one pass: each position is then a
/// binary search plus at most [`CHECKPOINT_BYTES`] of counting, however long the file or line.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
    /// For every `k`, (byte offset of the char boundary at or below `k * CHECKPOINT_BYTES`,
    /// UTF-16 units before it).
    checkpoints: Vec<(usize, usize)>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| i + 1));
        let mut checkpoints = Vec::with_capacity(text.len() / CHECKPOINT_BYTES + 1);
        let (mut at, mut units) = (0, 0);
        for k in 0..=text.len() / CHECKPOINT_BYTES {
            let next = floor_boundary(text, (k * CHECKPOINT_BYTES).min(text.len()));
            units += utf16_len(&text[at..next]);
            at = next;
            checkpoints.push((at, units));
        }
        LineIndex { starts, checkpoints }
    }

    /// UTF-16 units before byte `offset` (a char boundary).
    fn utf16_at(&self, text: &str, offset: usize) -> usize {
        let (at, units) = self.checkpoints[(offset / CHECKPOINT_BYTES).min(self.checkpoints.len() - 1)];
        units + utf16_len(&text[at..offset])
    }

    /// The position of byte `offset` in `text` (the text this index was built from).
    pub fn position(&self, text: &str, offset: usize, encoding: Encoding) -> Position {
        let offset = floor_boundary(text, offset.min(text.len()));
        let line = match self.starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        };
        let line_start = self.starts[line];
        let character = match encoding {
            Encoding::Utf8 => offset - line_start,
            // Short segments (most lines) are counted directly; long ones from checkpoints.
            Encoding::Utf16 if offset - line_start <= CHECKPOINT_BYTES => utf16_len(&text[line_start..offset]),
            Encoding::Utf16 => self.utf16_at(text, offset) - self.utf16_at(text, line_start),
        };
        Position { line: line as u32, character: character as u32 }
    }

    pub fn range(&self, text: &str, span: &std::ops::Range<usize>, encoding: Encoding) -> Range {
        Range { start: self.position(text, span.start, encoding), end: self.position(text, span.end, encoding) }
    }
}

fn utf16_len(text: &str) -> usize {
    // ASCII (most code) is one unit per byte; only other text needs decoding.
    if text.is_ascii() {
        text.len()
    } else {
        text.encode_utf16().count()
    }
}

/// Converts many diagnostics, building one [`LineIndex`] per text (a diagnostic's file, or the
/// file a label points into) however many findings it has.
pub struct Positions {
    encoding: Encoding,
    /// By the address and length of the text (every diagnostic holds its text in an `Arc`).
    indexes: std::collections::HashMap<(usize, usize), LineIndex>,
}

impl Positions {
    pub fn new(encoding: Encoding) -> Self {
        Positions { encoding, indexes: std::collections::HashMap::new() }
    }

    pub fn range(&mut self, text: &str, span: &std::ops::Range<usize>) -> Range {
        let key = (text.as_ptr() as usize, text.len());
        self.indexes.entry(key).or_insert_with(|| LineIndex::new(text)).range(text, span, self.encoding)
    }

    /// A bglint diagnostic as the client shows it.
    pub fn diagnostic(&mut self, d: &Diagnostic) -> lsp_types::Diagnostic {
        let related: Vec<DiagnosticRelatedInformation> = d
            .labels
            .iter()
            .filter_map(|l| {
                Some(DiagnosticRelatedInformation {
                    location: Location { uri: uri(&l.path)?, range: self.range(&l.text, &l.span) },
                    message: l.message.clone(),
                })
            })
            .collect();
        lsp_types::Diagnostic {
            range: self.range(&d.text, &d.span),
            severity: Some(match d.severity {
                Severity::Error => DiagnosticSeverity::ERROR,
                Severity::Warning => DiagnosticSeverity::WARNING,
                Severity::Info => DiagnosticSeverity::INFORMATION,
            }),
            code: Some(NumberOrString::String(d.rule.to_string())),
            code_description: d.docs_url.parse().ok().map(|href| CodeDescription { href }),
            source: Some("bglint".to_string()),
            message: format!("{}\nhelp: {}", d.message, d.help),
            related_information: (!related.is_empty()).then_some(related),
            tags: None,
            data: None,
        }
    }
}

/// The byte offset of `pos` in `text`, clamped to the text (and to the end of its line).
pub fn offset(text: &str, pos: Position, encoding: Encoding) -> usize {
    let mut line_start = 0;
    for _ in 0..pos.line {
        match text[line_start..].find('\n') {
            Some(i) => line_start += i + 1,
            None => return text.len(),
        }
    }
    let line = &text[line_start..];
    let line = &line[..line.find('\n').unwrap_or(line.len())];
    let mut units = 0u32;
    for (i, c) in line.char_indices() {
        if units >= pos.character {
            return line_start + i;
        }
        units += match encoding {
            Encoding::Utf8 => c.len_utf8() as u32,
            Encoding::Utf16 => c.len_utf16() as u32,
        };
    }
    line_start + line.len()
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The range of `span` in `text` (one pass over the text; see [`Positions`] for many).
pub fn range(text: &str, span: &std::ops::Range<usize>, encoding: Encoding) -> Range {
    LineIndex::new(text).range(text, span, encoding)
}

/// `file:///…` for a path (absolute or made absolute), percent-encoded.
pub fn uri(path: &Path) -> Option<Uri> {
    let absolute = if path.is_absolute() { path.to_path_buf() } else { std::env::current_dir().ok()?.join(path) };
    let mut text = String::from("file://");
    for b in absolute.to_string_lossy().bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => text.push(b as char),
            _ => text.push_str(&format!("%{b:02X}")),
        }
    }
    text.parse().ok()
}

/// The path of a `file://` URI, percent-decoded.
pub fn path(uri: &Uri) -> Option<std::path::PathBuf> {
    let raw = uri.as_str().strip_prefix("file://")?.as_bytes();
    let mut bytes = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'%' && i + 2 < raw.len() {
            let hex = std::str::from_utf8(&raw[i + 1..i + 3]).ok()?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            bytes.push(raw[i]);
            i += 1;
        }
    }
    Some(std::path::PathBuf::from(String::from_utf8(bytes).ok()?))
}

/// A bglint diagnostic as the client shows it (see [`Positions`] for many).
pub fn diagnostic(d: &Diagnostic, encoding: Encoding) -> lsp_types::Diagnostic {
    Positions::new(encoding).diagnostic(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_round_trip_in_both_encodings() {
        let text = "a\n// é😀 x\nlast";
        let x = text.find('x').unwrap();
        assert_eq!(position(text, x, Encoding::Utf16), Position { line: 1, character: 7 });
        assert_eq!(position(text, x, Encoding::Utf8), Position { line: 1, character: 10 });
        for enc in [Encoding::Utf8, Encoding::Utf16] {
            assert_eq!(offset(text, position(text, x, enc), enc), x);
        }
        assert_eq!(offset(text, Position { line: 9, character: 0 }, Encoding::Utf16), text.len());
        assert_eq!(offset(text, Position { line: 0, character: 99 }, Encoding::Utf16), 1);
    }

    #[test]
    fn the_line_index_agrees_with_counting_from_the_start() {
        // Long lines of mixed width cross many checkpoints, including inside multibyte chars.
        let mut text = String::new();
        for i in 0..300 {
            text.push_str(&"aé😀b".repeat(i * 7));
            text.push(if i % 3 == 0 { '\r' } else { '\n' });
        }
        let index = LineIndex::new(&text);
        for offset in (0..=text.len()).step_by(97).chain([text.len()]) {
            let before = &text[..floor_boundary(&text, offset)];
            let line_start = before.rfind('\n').map_or(0, |i| i + 1);
            let line = before.matches('\n').count() as u32;
            let segment = &before[line_start..];
            for (enc, units) in [(Encoding::Utf8, segment.len()), (Encoding::Utf16, segment.encode_utf16().count())] {
                assert_eq!(index.position(&text, offset, enc), Position { line, character: units as u32 }, "{offset}");
            }
        }
    }

    #[test]
    fn uris_round_trip() {
        let p = std::path::Path::new("/tmp/a dir/é#1.swift");
        let u = uri(p).unwrap();
        assert_eq!(u.as_str(), "file:///tmp/a%20dir/%C3%A9%231.swift");
        assert_eq!(path(&u).unwrap(), p);
    }
}
