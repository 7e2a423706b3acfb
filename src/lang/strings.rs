//! String values known at analysis time: literals without interpolation or escapes, and
//! same-file constants bound to one (`static let taskID = "com.acme.refresh"`). Anything else
//! (interpolation, concatenation with runtime values, a parameter) is unknown: `None`.

use super::{Language, Node, ParsedFile};

/// How many constant-to-constant hops to follow (`a = b`, `b = "x"`).
const MAX_HOPS: usize = 4;

/// The string `node` evaluates to, when the file says so unambiguously.
pub fn string_value(file: &ParsedFile<'_>, node: Node<'_>) -> Option<String> {
    value(file, node, MAX_HOPS)
}

fn value(file: &ParsedFile<'_>, node: Node<'_>, hops: usize) -> Option<String> {
    let text = file.node_text(node);
    match (file.lang, node.kind()) {
        (Language::Swift, "line_string_literal") => pieces(file, node, &["line_str_text"], &["\""]),
        (Language::Kotlin, "string_literal") => pieces(file, node, &["string_content"], &["\""]),
        (Language::Java, "string_literal") => pieces(file, node, &["string_fragment"], &["\""]),
        (Language::Dart, "string_literal_single_quotes" | "string_literal_double_quotes") => {
            pieces(file, node, &["template_chars_single_single", "template_chars_double_single"], &["'", "\""])
        }
        (Language::Dart, "string_literal") => {
            let mut out = String::new();
            let mut cursor = node.walk();
            for part in node.named_children(&mut cursor) {
                if !matches!(part.kind(), "string_literal_single_quotes" | "string_literal_double_quotes") {
                    return None;
                }
                out.push_str(&pieces(
                    file,
                    part,
                    &["template_chars_single_single", "template_chars_double_single"],
                    &["'", "\""],
                )?);
            }
            Some(out)
        }
        _ if hops > 0 && is_name_path(text) => {
            // `taskID`, `Tasks.refresh`, `AppConstants.syncTask`: the last name, if bound once.
            let name = text.rsplit('.').next()?;
            let bound = file.consts().lookup(file, name)?;
            value(file, bound, hops - 1)
        }
        _ => None,
    }
}

/// Concatenates a literal's text pieces; any other child (interpolation, escape) makes it unknown.
fn pieces(file: &ParsedFile<'_>, node: Node<'_>, text_kinds: &[&str], delimiters: &[&str]) -> Option<String> {
    let mut out = String::new();
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        let piece = file.node_text(child);
        if text_kinds.contains(&child.kind()) {
            if piece.contains(['\\', '$']) {
                return None;
            }
            out.push_str(piece);
        } else if !delimiters.contains(&piece) {
            return None;
        }
    }
    Some(out)
}

fn is_name_path(text: &str) -> bool {
    !text.is_empty()
        && text.split('.').all(|part| {
            let mut chars = part.chars();
            chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
                && chars.all(|c| c.is_alphanumeric() || c == '_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    /// The value of the initializer of the last binding named `probe`.
    fn eval(lang: Language, code: &str) -> Option<String> {
        let source = SourceFile::new(format!("t.{}", lang.name()), code);
        let file = ParsedFile::parse(lang, &source).unwrap();
        let at = code.rfind("probe").unwrap();
        let start = at + code[at..].find('=').unwrap() + 1;
        let start = start + code[start..].len() - code[start..].trim_start().len();
        let end = code[start..].find([';', '\n']).map_or(code.len(), |e| start + e);
        let node = file.root().descendant_for_byte_range(start, end.max(start + 1)).unwrap();
        let mut n = node;
        while n.end_byte() < end {
            n = n.parent().unwrap();
        }
        string_value(&file, n)
    }

    #[test]
    fn literals_and_constants() {
        assert_eq!(eval(Language::Swift, "let probe = \"com.acme.refresh\"\n"), Some("com.acme.refresh".into()));
        assert_eq!(eval(Language::Swift, "let probe = \"a\\(b)\"\n"), None);
        assert_eq!(
            eval(Language::Swift, "enum T { static let id = \"com.acme.sync\" }\nlet probe = T.id\n"),
            Some("com.acme.sync".into())
        );
        assert_eq!(eval(Language::Dart, "const probe = 'com.acme.a';"), Some("com.acme.a".into()));
        assert_eq!(eval(Language::Dart, "const probe = 'a' \"b\";"), Some("ab".into()));
        assert_eq!(eval(Language::Dart, "const probe = 'a$b';"), None);
        assert_eq!(eval(Language::Dart, "const k = 'x.y';\nvar probe = k;"), Some("x.y".into()));
        assert_eq!(eval(Language::Kotlin, "val probe = \"a.b\"\n"), Some("a.b".into()));
        assert_eq!(eval(Language::Kotlin, "val probe = \"a$b\"\n"), None);
        assert_eq!(eval(Language::Kotlin, "fun f(k: String) { val probe = k\n}"), None);
        assert_eq!(eval(Language::Java, "class C { String probe = \"a.b\"; }"), Some("a.b".into()));
        assert_eq!(eval(Language::Java, "class C { String probe = \"a\\nb\"; }"), None);
        assert_eq!(
            eval(Language::Java, "class C { static final String ID = \"com.acme.sync\"; String probe = K.ID; }"),
            Some("com.acme.sync".into())
        );
        assert_eq!(eval(Language::Java, "class C { static String ID = \"x\"; String probe = ID; }"), None);
    }
}
