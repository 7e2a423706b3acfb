//! `pubspec.yaml`: the package name, its dependencies and overrides, each dependency with the
//! span of its key so a finding can point at `workmanager:`.
//!
//! marked-yaml gives positions as 1-based line and character columns; they are turned into
//! byte offsets here. Its character index is not used: yaml-rust2 counts bytes instead of
//! characters inside block scalars, so it drifts after `description: |` with non-ASCII text.

use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode, Node};
use marked_yaml::{LoadError, LoaderOptions, Marker};

use crate::project::facts::{ConfigError, Dependency, PubspecFacts};
use crate::source::Span;

const BOM: char = '\u{feff}';

/// The deepest block nesting [`nesting_bound`] lets through. yaml-rust2 builds the tree by
/// recursion (and it is dropped by recursion), so depth must be bounded before parsing: 64
/// block levels (at most 128 nested nodes) plus the 255 flow levels yaml-rust2 itself allows
/// fit a 2 MiB thread stack in a debug build. Real pubspecs nest about five deep.
const MAX_BLOCK_DEPTH: usize = 64;

/// Reads a pubspec.yaml. Spans are byte ranges into `text`.
///
/// A dependency written without a constraint (`workmanager:`) gets `version: Some("any")`,
/// which is what pub reads it as; `None` is kept for path/git/sdk/hosted maps without
/// `version:`. An empty file (or one of comments only) gives default facts.
pub fn pubspec(text: &str) -> Result<PubspecFacts, ConfigError> {
    // yaml-rust2 would read a BOM as part of the first key.
    let skip = if text.starts_with(BOM) { BOM.len_utf8() } else { 0 };
    let body = &text[skip..];
    let lines = LineIndex::new(text, skip);
    if let Some(line) = nesting_bound(body) {
        let span = lines.line_span(text, line);
        return Err(ConfigError::new(
            format!("pubspec.yaml nests more than {MAX_BLOCK_DEPTH} levels deep; bglint does not read it"),
            Some(span),
        ));
    }
    let options = LoaderOptions::default().error_on_duplicate_keys(true).prevent_coercion(true);
    let root = match marked_yaml::parse_yaml_with_options(0, body, options) {
        Ok(root) => root,
        Err(LoadError::TopLevelMustBeMapping(_)) if is_empty_document(body) => return Ok(PubspecFacts::default()),
        Err(error) => return Err(load_error(&error, &lines, text)),
    };
    let Some(top) = root.as_mapping() else {
        return Err(ConfigError::new("the top level of pubspec.yaml is not a mapping", None));
    };
    let name = top.get_scalar("name").filter(|s| !is_null(s)).map(|s| s.as_str().to_string());
    let mut dependencies = read_dependencies(top, "dependencies", false, &lines, text);
    dependencies.extend(read_dependencies(top, "dev_dependencies", true, &lines, text));
    let overrides = match top.get_node("dependency_overrides") {
        Some(Node::Mapping(map)) => map.keys().map(|k| k.as_str().to_string()).collect(),
        _ => Vec::new(),
    };
    Ok(PubspecFacts { name, dependencies, overrides })
}

fn read_dependencies(
    top: &MarkedMappingNode,
    section: &str,
    dev: bool,
    lines: &LineIndex,
    text: &str,
) -> Vec<Dependency> {
    let Some(Node::Mapping(map)) = top.get_node(section) else {
        return Vec::new();
    };
    map.iter()
        .map(|(key, value)| {
            let version = match value {
                Node::Scalar(s) => Some(constraint(s)),
                Node::Mapping(m) => m.get_scalar("version").map(constraint),
                Node::Sequence(_) => None,
            };
            let span = match key.span().start() {
                Some(marker) => key_span(text, lines.offset(text, marker), key.as_str()),
                None => 0..0,
            };
            Dependency { name: key.as_str().to_string(), version, dev, span }
        })
        .collect()
}

/// A version constraint as written; an empty or null one is pub's `any`.
fn constraint(scalar: &MarkedScalarNode) -> String {
    if is_null(scalar) {
        "any".to_string()
    } else {
        scalar.as_str().to_string()
    }
}

/// A plain (unquoted) empty, `~` or `null` scalar.
fn is_null(scalar: &MarkedScalarNode) -> bool {
    scalar.may_coerce() && matches!(scalar.as_str(), "" | "~" | "null" | "Null" | "NULL")
}

/// The span of a key's text: `workmanager`, or the inside of `"workmanager"`; a quoted key
/// with escapes gets its whole quoted token.
fn key_span(text: &str, start: usize, key: &str) -> Span {
    let rest = &text[start..];
    if !key.is_empty() && rest.starts_with(key) {
        return start..start + key.len();
    }
    let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else {
        return start..start;
    };
    let inner = &rest[1..];
    if inner.starts_with(key) && inner[key.len()..].starts_with(quote) {
        return start + 1..start + 1 + key.len();
    }
    match closing_quote(inner, quote) {
        Some(end) => start..start + 1 + end + 1,
        None => start..start,
    }
}

/// The byte index of the quote that closes a quoted scalar whose text (after the opening
/// quote) is `inner`.
fn closing_quote(inner: &str, quote: char) -> Option<usize> {
    let mut chars = inner.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' if quote == '"' => {
                chars.next();
            }
            '\'' if quote == '\'' && chars.peek().is_some_and(|(_, n)| *n == '\'') => {
                chars.next();
            }
            c if c == quote => return Some(i),
            _ => {}
        }
    }
    None
}

fn load_error(error: &LoadError, lines: &LineIndex, text: &str) -> ConfigError {
    let (message, marker) = match error {
        LoadError::TopLevelMustBeMapping(m) | LoadError::TopLevelMustBeSequence(m) => {
            ("the top level of pubspec.yaml is not a mapping".to_string(), Some(*m))
        }
        LoadError::UnexpectedAnchor(m) => {
            ("pubspec.yaml uses a YAML anchor or alias, which bglint does not read".to_string(), Some(*m))
        }
        LoadError::MappingKeyMustBeScalar(m) => {
            ("a mapping key in pubspec.yaml is not a plain value".to_string(), Some(*m))
        }
        LoadError::UnexpectedTag(m) => {
            ("pubspec.yaml uses a YAML tag, which bglint does not read".to_string(), Some(*m))
        }
        LoadError::ScanError(m, scan) => (format!("pubspec.yaml is not valid YAML: {}", scan.info()), Some(*m)),
        LoadError::DuplicateKey(inner) => {
            (format!("pubspec.yaml has the key `{}` twice", inner.key.as_str()), inner.key.span().start().copied())
        }
    };
    let span = marker.map(|m| {
        let start = lines.offset(text, &m);
        match error {
            LoadError::DuplicateKey(inner) => key_span(text, start, inner.key.as_str()),
            _ => start..start + text[start..].chars().next().map_or(0, char::len_utf8),
        }
    });
    ConfigError::new(message, span)
}

/// Only comments, blank lines, directives and document markers: YAML reads it as null.
fn is_empty_document(body: &str) -> bool {
    split_lines(body).all(|(_, line)| {
        let t = line.trim_start_matches([' ', '\t']);
        t.is_empty() || t.starts_with('#') || line.starts_with('%') || is_marker(line, "---") || is_marker(line, "...")
    })
}

fn is_marker(line: &str, marker: &str) -> bool {
    line.strip_prefix(marker).is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
}

/// Lines as yaml-rust2 counts them: broken at `\n`, `\r\n` or a lone `\r`. Yields each line's
/// byte offset in `text` and its text without the break.
fn split_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let rest = &bytes[start..];
        match rest.iter().position(|b| *b == b'\n' || *b == b'\r') {
            Some(i) => {
                let line = (start, &text[start..start + i]);
                let width = if rest[i] == b'\r' && rest.get(i + 1) == Some(&b'\n') { 2 } else { 1 };
                start += i + width;
                Some(line)
            }
            None => {
                done = true;
                Some((start, &text[start..]))
            }
        }
    })
}

/// Byte offsets of line starts, to turn marked-yaml's line/column markers into byte offsets.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Lines of `text[skip..]` (what the parser saw), as offsets into `text`.
    fn new(text: &str, skip: usize) -> Self {
        LineIndex { starts: split_lines(&text[skip..]).map(|(start, _)| skip + start).collect() }
    }

    /// The byte offset of a 1-based line and 1-based character column.
    fn offset(&self, text: &str, marker: &Marker) -> usize {
        let line = marker.line().max(1) - 1;
        let Some(&start) = self.starts.get(line).or(self.starts.last()) else {
            return 0;
        };
        let column = marker.column().max(1) - 1;
        match text[start..].char_indices().nth(column) {
            Some((i, _)) => start + i,
            None => text.len(),
        }
    }

    /// The span of a 0-based line (without its break).
    fn line_span(&self, text: &str, line: usize) -> Span {
        let start = self.starts.get(line).copied().unwrap_or(text.len());
        let end = text[start..].find(['\n', '\r']).map_or(text.len(), |i| start + i);
        start..end
    }
}

/// The 0-based line at which the block nesting might exceed [`MAX_BLOCK_DEPTH`], if any.
///
/// An upper bound, not a parse: yaml-rust2 adds a block level only at a `-`, `?` or `:`
/// followed by a blank (a "site"), and the levels open when a line's first token is read are
/// at columns up to that token's, so at most `indent + 1` of them. Quoted and block-scalar
/// continuation lines obey the same limit (yaml-rust2 rejects or ends them otherwise); only a
/// plain scalar continued on the next line inside a flow collection does not, so the reset to
/// `indent + 1` is skipped where a rough scan says that may be the case. Every site counts,
/// even in text, which only errs high. Flow nesting is left to yaml-rust2, which stops at 255.
fn nesting_bound(body: &str) -> Option<usize> {
    let mut bound = 0usize;
    let mut scan = FlowScan::default();
    for (number, (_, line)) in split_lines(body).enumerate() {
        let indent = line.chars().take_while(|c| *c == ' ' || *c == '\t').count();
        let content = line.trim_start_matches([' ', '\t']);
        if content.is_empty() || (content.starts_with('#') && scan.quote.is_none()) {
            continue;
        }
        if scan.flow == 0 || !scan.plain {
            bound = bound.min(indent + 1);
        }
        bound += sites(line);
        if bound > MAX_BLOCK_DEPTH {
            return Some(number);
        }
        scan.line(line, indent);
    }
    None
}

/// Occurrences of `-`, `?` or `:` followed by a blank or the end of the line.
fn sites(line: &str) -> usize {
    let bytes = line.as_bytes();
    (0..bytes.len())
        .filter(|&i| matches!(bytes[i], b'-' | b'?' | b':') && matches!(bytes.get(i + 1), None | Some(b' ' | b'\t')))
        .count()
}

/// A rough, line-by-line scan for open flow collections (`[`, `{`) and quoted scalars.
#[derive(Default)]
struct FlowScan {
    flow: usize,
    quote: Option<char>,
    /// Inside a flow collection, a plain scalar runs on over the line break.
    plain: bool,
    /// Lines indented deeper than this belong to a block scalar (`|`, `>`).
    block_scalar: Option<usize>,
}

impl FlowScan {
    fn line(&mut self, line: &str, indent: usize) {
        if let Some(header) = self.block_scalar {
            if indent > header && self.quote.is_none() {
                return;
            }
            self.block_scalar = None;
        }
        if self.flow == 0 {
            self.plain = false;
        }
        let mut expect = !self.plain;
        let mut prev_blank = true;
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if let Some(quote) = self.quote {
                match c {
                    '\\' if quote == '"' => {
                        chars.next();
                    }
                    '\'' if quote == '\'' && chars.peek() == Some(&'\'') => {
                        chars.next();
                    }
                    c if c == quote => self.quote = None,
                    _ => {}
                }
                prev_blank = false;
                continue;
            }
            let next_blank = matches!(chars.peek(), None | Some(' ' | '\t'));
            match c {
                ' ' | '\t' => {
                    prev_blank = true;
                    continue;
                }
                '#' if prev_blank => break,
                '"' | '\'' if expect => {
                    self.quote = Some(c);
                    expect = false;
                    self.plain = false;
                }
                '[' | '{' if expect || self.flow > 0 => {
                    self.flow += 1;
                    expect = true;
                    self.plain = false;
                }
                ']' | '}' if self.flow > 0 => {
                    self.flow -= 1;
                    expect = false;
                    self.plain = false;
                }
                ',' if self.flow > 0 => {
                    expect = true;
                    self.plain = false;
                }
                ':' if next_blank || self.flow > 0 => {
                    expect = true;
                    self.plain = false;
                }
                '-' | '?' if expect && next_blank => {}
                '|' | '>' if expect && self.flow == 0 => {
                    self.block_scalar = Some(indent);
                    break;
                }
                // Anchors, aliases and tags come before the node they name.
                '&' | '*' | '!' if expect => {
                    while chars.peek().is_some_and(|n| *n != ' ' && *n != '\t') {
                        chars.next();
                    }
                }
                _ => {
                    if expect {
                        self.plain = true;
                    }
                    expect = false;
                }
            }
            prev_blank = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const APP: &str = "\
# A Flutter app that syncs in the background.
name: field_notes
description: \"Notes that sync: even offline.\"
publish_to: 'none'
version: 1.4.0+12

environment:
  sdk: ^3.5.0

dependencies:
  flutter:
    sdk: flutter
  workmanager: ^0.5.2
  background_fetch: 1.3.7
  shared_preferences: \">=2.2.0 <3.0.0\"
  geolocator:
  local_store:
    path: ../local_store
  sync_engine:
    git:
      url: https://example.com/sync_engine.git
      ref: main
  intl_tools:
    hosted: https://pub.example.com
    version: ^2.0.0
  cupertino_icons: 1

dev_dependencies:
  flutter_test:
    sdk: flutter
  flutter_lints: ^4.0.0

dependency_overrides:
  workmanager:
    git: https://example.com/workmanager.git

flutter:
  uses-material-design: true
  assets:
    - assets/icons/
  fonts:
    - family: Inter
      fonts:
        - asset: fonts/Inter.ttf
          weight: 400
";

    fn dep<'a>(facts: &'a PubspecFacts, name: &str) -> &'a Dependency {
        facts.dependencies.iter().find(|d| d.name == name).unwrap_or_else(|| panic!("no {name}"))
    }

    fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        std::thread::Builder::new().stack_size(2 << 20).spawn(f).unwrap().join().unwrap()
    }

    #[test]
    fn reads_name_dependencies_and_overrides() {
        let facts = pubspec(APP).unwrap();
        assert_eq!(facts.name.as_deref(), Some("field_notes"));
        let names: Vec<_> = facts.dependencies.iter().map(|d| (d.name.as_str(), d.dev)).collect();
        assert_eq!(
            names,
            [
                ("flutter", false),
                ("workmanager", false),
                ("background_fetch", false),
                ("shared_preferences", false),
                ("geolocator", false),
                ("local_store", false),
                ("sync_engine", false),
                ("intl_tools", false),
                ("cupertino_icons", false),
                ("flutter_test", true),
                ("flutter_lints", true),
            ]
        );
        assert_eq!(facts.overrides, ["workmanager"]);
        for d in &facts.dependencies {
            assert_eq!(&APP[d.span.clone()], d.name, "span of {}", d.name);
        }
    }

    #[test]
    fn version_forms() {
        let facts = pubspec(APP).unwrap();
        let version = |name| dep(&facts, name).version.clone();
        assert_eq!(version("workmanager").as_deref(), Some("^0.5.2"));
        assert_eq!(version("background_fetch").as_deref(), Some("1.3.7"));
        assert_eq!(version("shared_preferences").as_deref(), Some(">=2.2.0 <3.0.0"));
        assert_eq!(version("cupertino_icons").as_deref(), Some("1"), "a number is kept as written");
        assert_eq!(version("geolocator").as_deref(), Some("any"), "no constraint is pub's `any`");
        assert_eq!(version("flutter"), None, "sdk");
        assert_eq!(version("local_store"), None, "path");
        assert_eq!(version("sync_engine"), None, "git");
        assert_eq!(version("intl_tools").as_deref(), Some("^2.0.0"), "hosted with a version");
        assert_eq!(version("flutter_lints").as_deref(), Some("^4.0.0"));
        assert!(dep(&facts, "flutter_lints").dev);
        assert!(facts.dependency("flutter_lints").is_none(), "dev dependencies are not runtime ones");
        assert!(facts.dependency("workmanager").is_some());
    }

    #[test]
    fn null_forms_and_quoted_null() {
        let text = "dependencies:\n  a: ~\n  b: null\n  c: 'null'\n  d:\n    hosted: https://x\n";
        let facts = pubspec(text).unwrap();
        let versions: Vec<_> = facts.dependencies.iter().map(|d| d.version.as_deref()).collect();
        assert_eq!(versions, [Some("any"), Some("any"), Some("null"), None]);
    }

    #[test]
    fn multibyte_comment_before_key() {
        let text = "name: café # ünïcödé ✓\n# Zusätzliche Abhängigkeiten ✓✓\ndependencies:\n  workmanager: ^0.5.2 # 后台\n  ünï_pkg: any\n";
        let facts = pubspec(text).unwrap();
        assert_eq!(facts.name.as_deref(), Some("café"));
        let wm = dep(&facts, "workmanager");
        assert_eq!(&text[wm.span.clone()], "workmanager");
        let un = dep(&facts, "ünï_pkg");
        assert_eq!(&text[un.span.clone()], "ünï_pkg");
    }

    #[test]
    fn block_scalar_with_multibyte_text_does_not_shift_spans() {
        // yaml-rust2's character index drifts here; lines and columns do not.
        let text = "description: |\n  Über die Synchronisierung im Hintergrund — schnell.\n  ✓✓✓\ndependencies:\n  workmanager: ^0.5.2\n";
        let facts = pubspec(text).unwrap();
        assert_eq!(&text[dep(&facts, "workmanager").span.clone()], "workmanager");
    }

    #[test]
    fn bom_and_crlf() {
        let text = "\u{feff}name: app\r\ndependencies:\r\n  workmanager: ^0.5.2\r\n  http: ^1.2.0\r\n";
        let facts = pubspec(text).unwrap();
        assert_eq!(facts.name.as_deref(), Some("app"));
        assert_eq!(&text[dep(&facts, "http").span.clone()], "http");
        assert_eq!(dep(&facts, "http").version.as_deref(), Some("^1.2.0"));
        let lone_cr = "name: app\rdependencies:\r  http: ^1.2.0\r";
        let facts = pubspec(lone_cr).unwrap();
        assert_eq!(&lone_cr[dep(&facts, "http").span.clone()], "http");
    }

    #[test]
    fn quoted_and_flow_keys() {
        let text = "dependencies: {\"http\": ^1.0.0, 'dio': 5.0.0, \"we\\u0069rd\": 1}\n";
        let facts = pubspec(text).unwrap();
        assert_eq!(&text[dep(&facts, "http").span.clone()], "http");
        assert_eq!(&text[dep(&facts, "dio").span.clone()], "dio");
        assert_eq!(&text[dep(&facts, "weird").span.clone()], "\"we\\u0069rd\"");
    }

    #[test]
    fn empty_and_comment_only_files() {
        assert!(pubspec("").unwrap().dependencies.is_empty());
        assert!(pubspec("\u{feff}").unwrap().name.is_none());
        assert!(pubspec("# nothing yet\n\n").unwrap().dependencies.is_empty());
        assert!(pubspec("---\n...\n").unwrap().dependencies.is_empty());
        let facts = pubspec("name: x\ndependencies:\n").unwrap();
        assert!(facts.dependencies.is_empty());
    }

    #[test]
    fn json_style_and_long_lines_are_not_mistaken_for_deep_nesting() {
        let deps: Vec<String> = (0..200).map(|i| format!("    \"pkg_{i}\": \"^1.0.{i}\"")).collect();
        let json = format!("{{\n  \"name\": \"app\",\n  \"dependencies\": {{\n{}\n  }}\n}}\n", deps.join(",\n"));
        let facts = pubspec(&json).unwrap();
        assert_eq!(facts.dependencies.len(), 200);
        assert_eq!(&json[dep(&facts, "pkg_7").span.clone()], "pkg_7");
        let minified: String = json.chars().filter(|c| !c.is_whitespace()).collect();
        assert_eq!(pubspec(&minified).unwrap().dependencies.len(), 200);
        let prose = format!("description: {}\ndependencies:\n  http: ^1.0.0\n", "fast - small - simple ".repeat(20));
        assert_eq!(pubspec(&prose).unwrap().dependencies.len(), 1);
    }

    #[test]
    fn top_level_not_a_mapping() {
        for text in ["- a\n- b\n", "just text\n", "[1, 2]\n", "42"] {
            let error = pubspec(text).unwrap_err();
            assert!(error.message.contains("not a mapping"), "{text:?}: {}", error.message);
            assert_eq!(error.span, Some(0..1), "{text:?}");
        }
    }

    #[test]
    fn malformed_yaml_reports_where() {
        let text = "name: app\ndependencies:\n  http: [1.0\n";
        let error = pubspec(text).unwrap_err();
        assert!(error.message.starts_with("pubspec.yaml is not valid YAML: "), "{}", error.message);
        assert!(error.message.contains("flow sequence"), "{}", error.message);
        assert!(error.span.is_some());

        let text = "name: app\ndependencies:\n  é: ^1\n  http: 1: 2\n";
        let error = pubspec(text).unwrap_err();
        let span = error.span.unwrap();
        assert_eq!(&text[span], ":", "{}", error.message);

        let text = "dependencies:\n  http: ^1.0.0\n  http: ^1.1.0\n";
        let error = pubspec(text).unwrap_err();
        assert!(error.message.contains("`http` twice"), "{}", error.message);
        assert_eq!(error.span, Some(31..35), "the second key");

        let text = "dependencies:\n  http: !!str 1\n";
        assert!(pubspec(text).unwrap_err().message.contains("tag"));
        let text = "dependencies:\n  ? [a]\n  : 1\n";
        assert!(pubspec(text).unwrap_err().message.contains("key"));
    }

    #[test]
    fn later_documents_are_ignored() {
        let facts = pubspec("name: a\n---\nname: b\n").unwrap();
        assert_eq!(facts.name.as_deref(), Some("a"));
    }

    #[test]
    fn alias_bomb_is_refused_quickly() {
        let mut text =
            String::from("a0: &a0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n");
        for i in 1..30 {
            let prev = format!("*a{}", i - 1);
            text.push_str(&format!("a{i}: &a{i} [{}]\n", vec![prev; 9].join(", ")));
        }
        let error = pubspec(&text).unwrap_err();
        assert!(error.message.contains("anchor"), "{}", error.message);
        assert_eq!(&text[error.span.unwrap()], "[");
        // A huge one too: the parser reads aliases as references, it never expands them.
        let big = text.repeat(2000).replace("a0:", "b0:");
        assert!(pubspec(&big).is_err());
    }

    #[test]
    fn deep_flow_nesting_is_an_error_not_an_overflow() {
        for open in ["[", "{a: ", "[a: "] {
            let text = format!("dependencies: {}", open.repeat(100_000));
            let error = on_small_stack(move || pubspec(&text).unwrap_err());
            assert!(!error.message.is_empty());
        }
    }

    #[test]
    fn deep_block_nesting_is_an_error_not_an_overflow() {
        let compact = format!("a:\n  {}x\n", "- ".repeat(100_000));
        // Indented forms grow quadratically: 3,000 levels is already far past a 2 MiB stack.
        let indented: String = (0..3_000).map(|i| format!("{}k{i}:\n", " ".repeat(i))).collect();
        let sequences: String = (0..3_000).map(|i| format!("{}-\n", " ".repeat(i))).collect();
        let mixed: String =
            (0..3_000).map(|i| format!("{}- k:\n", " ".repeat(2 * i))).collect::<String>().replacen("- ", "", 1);
        for text in [compact, indented, sequences, mixed] {
            let error = on_small_stack(move || pubspec(&text).unwrap_err());
            assert!(error.message.contains("nests more than"), "{}", error.message);
        }
    }

    #[test]
    fn deepest_accepted_nesting_fits_a_small_stack() {
        // Mappings inside indentless sequences up to the bound, then yaml-rust2's maximum flow
        // nesting, one level a line. `[a:` adds an implicit mapping per level (yaml-rust2 then
        // fails on the closing brackets, after having descended all the way).
        for (open, close, parses) in [("[a:", ']', false), ("{a:", '}', true)] {
            let mut text = String::from("k:\n");
            let mut indent = 0;
            while 2 * indent + 5 <= MAX_BLOCK_DEPTH {
                text.push_str(&format!("{}- k:\n", " ".repeat(2 * indent)));
                indent += 1;
            }
            let pad = " ".repeat(2 * indent + 2);
            text.push_str(&format!("{}z: {open}\n", " ".repeat(2 * indent)));
            for _ in 0..253 {
                text.push_str(&format!("{pad}{open}\n"));
            }
            text.push_str(&format!("{pad}x{}\n", close.to_string().repeat(254)));
            assert_eq!(nesting_bound(&text), None);
            let parsed = on_small_stack(move || pubspec(&text).map(|f| f.name));
            assert_eq!(parsed.is_ok(), parses, "{parsed:?}");
        }
    }

    #[test]
    fn flow_plain_continuation_does_not_reset_the_bound() {
        // A plain scalar inside `[` may continue at column 0 whatever the block depth.
        let mut text = String::from("a:\n");
        for i in 0..40 {
            text.push_str(&format!("{}- k{i}: [x\ny - - - - -, z]\n", " ".repeat(2 * i + 2)));
        }
        assert!(nesting_bound(&text).is_some());
    }

    #[test]
    fn realistic_files_stay_far_below_the_bound() {
        let mut bound = 0;
        let mut scan = FlowScan::default();
        for (_, line) in split_lines(APP) {
            let indent = line.chars().take_while(|c| *c == ' ').count();
            if !line.trim().is_empty() && !line.trim_start().starts_with('#') {
                if scan.flow == 0 || !scan.plain {
                    bound = bound.min(indent + 1);
                }
                bound += sites(line);
                assert!(bound < 16, "{line:?}: {bound}");
                scan.line(line, indent);
            }
        }
    }

    #[test]
    fn every_prefix_and_noise_never_panics() {
        let text = format!("\u{feff}{APP}\r\nextra: [\"q\\\"\", 'it''s', {{a: b}}]\n  # é\n");
        for end in (0..=text.len()).filter(|i| text.is_char_boundary(*i)) {
            let _ = pubspec(&text[..end]);
        }
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let alphabet = b"ab:-?[]{},'\"#|>&*!%@ \t\n\r\\~.01";
        for _ in 0..300 {
            let len = (seed % 200) as usize;
            let mut noise = String::new();
            for _ in 0..len {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                noise.push(alphabet[(seed % alphabet.len() as u64) as usize] as char);
            }
            let _ = pubspec(&noise);
            let _ = pubspec(&format!("dependencies:\n  x: {noise}\n"));
        }
    }
}
