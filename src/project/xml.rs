//! What the XML readers (Info.plist, entitlements, AndroidManifest.xml) share on top of
//! roxmltree: start-tag spans for code frames, element tests, and parse errors turned into a
//! plain message at the byte where parsing stopped.

use roxmltree::{Node, TextPos};

use super::facts::ConfigError;
use crate::source::Span;

/// The span of `node`'s start tag: from `<` to the `>` that closes it. A `>` inside a quoted
/// attribute value is legal XML, so quotes are skipped. Falls back to the whole element.
pub fn start_tag_span(node: Node, text: &str) -> Span {
    let range = node.range();
    let mut quote = None;
    for (i, &b) in text.as_bytes()[range.clone()].iter().enumerate() {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'>') => return range.start..range.start + i + 1,
            (None, _) => {}
        }
    }
    range
}

/// Plist and manifest elements are in no namespace; a prefixed `<dist:module>` is not `<module>`.
pub fn is_element(node: Node, name: &str) -> bool {
    node.is_element() && node.tag_name().namespace().is_none() && node.tag_name().name() == name
}

/// The element name as written (with its prefix), for messages.
pub fn written_tag_name<'t>(node: Node, text: &'t str) -> &'t str {
    let tag = &text[start_tag_span(node, text)];
    let name = tag.trim_start_matches('<');
    let end = name.find(|c: char| c.is_whitespace() || c == '>' || c == '/').unwrap_or(name.len());
    &name[..end]
}

/// A roxmltree error as a [`ConfigError`]. `dtd_note` explains a refused DTD for this kind of file.
pub fn parse_error(error: &roxmltree::Error, text: &str, dtd_note: &str) -> ConfigError {
    use roxmltree::Error as E;
    // Errors without a position report 1:1; point where parsing actually stopped instead.
    let offset = match error {
        E::UnexpectedEndOfStream | E::UnclosedRootNode | E::NoRootNode => Some(text.len()),
        E::DtdDetected => Some(text.find("<!DOCTYPE").unwrap_or(0)),
        E::NodesLimitReached | E::AttributesLimitReached | E::NamespacesLimitReached => None,
        _ => Some(byte_offset(text, error.pos())),
    };
    let message = match error {
        E::DtdDetected => format!("unsupported XML: {error} ({dtd_note})"),
        _ => format!("malformed XML: {error}"),
    };
    ConfigError::new(message, offset.map(|o| o..o))
}

/// roxmltree's row counts `\n`s and its column counts chars (a BOM or `\r` included) from the
/// line start, so walking the same way inverts it exactly. Out-of-range positions clamp.
pub fn byte_offset(text: &str, pos: TextPos) -> usize {
    let mut line_start = 0;
    for _ in 1..pos.row {
        match text[line_start..].find('\n') {
            Some(i) => line_start += i + 1,
            None => return text.len(),
        }
    }
    let line = &text[line_start..];
    let line_len = line.find('\n').unwrap_or(line.len());
    let col = pos.col.saturating_sub(1) as usize;
    line_start + line[..line_len].char_indices().nth(col).map_or(line_len, |(i, _)| i)
}
