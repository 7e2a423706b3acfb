//! XML escaping for the Checkstyle and JUnit reporters, which write XML 1.0 by hand.
//!
//! Messages and paths are user-controlled (file names may hold `&`, `<` or a line break), so
//! everything goes through here. Characters XML 1.0 cannot carry at all, not even as a numeric
//! reference (most C0 controls, U+FFFE, U+FFFF), are dropped: a consumer would reject the whole
//! report for one of them.

/// Whether XML 1.0 allows `c` anywhere in a document (production `Char`).
fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// For a double- or single-quoted attribute value. Tab, line feed and carriage return become
/// character references: written literally, a parser's attribute-value normalisation turns each
/// into a space.
pub(crate) fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if allowed(c) => out.push(c),
            _ => {}
        }
    }
    out
}

/// For element content. `>` is escaped too so that `]]>` never appears; a carriage return
/// becomes a reference because parsers turn a literal CR (or CRLF) into a line feed.
pub(crate) fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c if allowed(c) => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes_in_attributes() {
        assert_eq!(escape_attr(r#"a&b<c>d"e'f"#), "a&amp;b&lt;c&gt;d&quot;e&apos;f");
        assert_eq!(escape_attr("é 🦀"), "é 🦀");
    }

    #[test]
    fn keeps_line_breaks_in_attributes_as_references() {
        assert_eq!(escape_attr("a\tb\nc\r\nd"), "a&#9;b&#10;c&#13;&#10;d");
    }

    #[test]
    fn drops_what_xml_1_0_cannot_carry() {
        assert_eq!(escape_attr("a\u{0}b\u{1}c\u{1b}d\u{b}\u{c}\u{fffe}\u{ffff}e"), "abcde");
        assert_eq!(escape_text("a\u{0}b\u{8}c\u{1f}d"), "abcd");
        // Allowed, if discouraged: DEL and C1 controls stay.
        assert_eq!(escape_text("\u{7f}\u{85}"), "\u{7f}\u{85}");
    }

    #[test]
    fn text_keeps_tabs_and_newlines_but_not_cdata_ends() {
        assert_eq!(escape_text("a\tb\nc\r\nd ]]> & <x> \"'"), "a\tb\nc&#13;\nd ]]&gt; &amp; &lt;x&gt; \"'");
    }
}
