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

/// The position of byte `offset` in `text`.
pub fn position(text: &str, offset: usize, encoding: Encoding) -> Position {
    let offset = floor_boundary(text, offset.min(text.len()));
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..line_start].matches('\n').count();
    let segment = &text[line_start..offset];
    let character = match encoding {
        Encoding::Utf8 => segment.len(),
        Encoding::Utf16 => segment.encode_utf16().count(),
    };
    Position { line: line as u32, character: character as u32 }
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

pub fn range(text: &str, span: &std::ops::Range<usize>, encoding: Encoding) -> Range {
    Range { start: position(text, span.start, encoding), end: position(text, span.end, encoding) }
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

/// A bglint diagnostic as the client shows it.
pub fn diagnostic(d: &Diagnostic, encoding: Encoding) -> lsp_types::Diagnostic {
    let related: Vec<DiagnosticRelatedInformation> = d
        .labels
        .iter()
        .filter_map(|l| {
            Some(DiagnosticRelatedInformation {
                location: Location { uri: uri(&l.path)?, range: range(&l.text, &l.span, encoding) },
                message: l.message.clone(),
            })
        })
        .collect();
    lsp_types::Diagnostic {
        range: range(&d.text, &d.span, encoding),
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
    fn uris_round_trip() {
        let p = std::path::Path::new("/tmp/a dir/é#1.swift");
        let u = uri(p).unwrap();
        assert_eq!(u.as_str(), "file:///tmp/a%20dir/%C3%A9%231.swift");
        assert_eq!(path(&u).unwrap(), p);
    }
}
