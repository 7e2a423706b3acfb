//! The four grammars behind one thin interface, plus shared helpers that read calls,
//! arguments, durations and lifecycle contexts the same way for every rule.
//!
//! Only this module talks to the tree-sitter crates directly, so a grammar or API upgrade
//! (tree-sitter changed its API in each of 0.25, 0.26 and 0.27) touches one place.

pub mod budget;
pub mod consts;
pub mod duration;
pub mod lifecycle;
pub mod paths;
pub mod platform;
pub mod strings;
pub mod syntax;

use std::cell::RefCell;
use std::path::Path;

use crate::source::SourceFile;

pub use tree_sitter::{InputEdit, Node, Point, Tree};

/// A language whose source bglint parses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Dart,
    Swift,
    Kotlin,
    Java,
}

impl Language {
    pub const ALL: [Language; 4] = [Language::Dart, Language::Swift, Language::Kotlin, Language::Java];

    pub fn from_path(path: &Path) -> Option<Language> {
        match path.extension()?.to_str()? {
            "dart" => Some(Language::Dart),
            "swift" => Some(Language::Swift),
            "kt" | "kts" => Some(Language::Kotlin),
            "java" => Some(Language::Java),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Language::Dart => "dart",
            Language::Swift => "swift",
            Language::Kotlin => "kotlin",
            Language::Java => "java",
        }
    }

    pub fn parse_name(name: &str) -> Option<Language> {
        Language::ALL.into_iter().find(|l| l.name() == name)
    }

    pub fn grammar(self) -> tree_sitter::Language {
        match self {
            Language::Dart => tree_sitter_dart::LANGUAGE.into(),
            Language::Swift => tree_sitter_swift::LANGUAGE.into(),
            Language::Kotlin => tree_sitter_kotlin_ng::LANGUAGE.into(),
            Language::Java => tree_sitter_java::LANGUAGE.into(),
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

thread_local! {
    // A parser per thread and language: creating one costs more than parsing a small file.
    static PARSERS: RefCell<[Option<tree_sitter::Parser>; 4]> = const { RefCell::new([None, None, None, None]) };
}

/// Parses `text` with the language's grammar. `old` enables incremental reparsing. `None` when
/// tree-sitter gives up or the per-file budget ([`budget::FILE_TIME_LIMIT`]) runs out.
pub fn parse(lang: Language, text: &str, old: Option<&Tree>) -> Option<Tree> {
    parse_within(lang, text, old, budget::Deadline::per_file()).ok().flatten()
}

/// Parses `text`, cancelling at `deadline`: the grammar's error recovery can take minutes on
/// hostile input (300,000 unclosed brackets), and one file must not stall a run or an editor.
pub fn parse_within(
    lang: Language,
    text: &str,
    old: Option<&Tree>,
    deadline: budget::Deadline,
) -> Result<Option<Tree>, budget::OverBudget> {
    PARSERS.with(|cell| {
        let mut parsers = cell.borrow_mut();
        let slot = &mut parsers[lang.index()];
        if slot.is_none() {
            let mut parser = tree_sitter::Parser::new();
            if parser.set_language(&lang.grammar()).is_err() {
                return Ok(None);
            }
            *slot = Some(parser);
        }
        let Some(parser) = slot.as_mut() else { return Ok(None) };
        // The grammars end `//` comments at `\n` only: in a file with old Mac line endings a
        // comment would swallow the rest of the file. A lone `\r` is parsed as `\n` (same
        // length, so every span still points at the same bytes of the file).
        let normalized = lone_carriage_returns_as_newlines(text);
        let bytes = normalized.as_deref().unwrap_or(text.as_bytes());
        let mut cancelled = false;
        let mut progress = |_: &tree_sitter::ParseState| {
            cancelled = deadline.passed();
            cancelled
        };
        let options = tree_sitter::ParseOptions::new().progress_callback(&mut progress);
        let tree = parser.parse_with_options(
            &mut |offset: usize, _: Point| bytes.get(offset..).unwrap_or_default(),
            old,
            Some(options),
        );
        if cancelled {
            // A cancelled parser would resume this parse on its next call.
            parser.reset();
            return Err(deadline.exceeded(budget::Phase::Parse));
        }
        Ok(tree)
    })
}

/// `text` with each `\r` not followed by `\n` replaced by `\n`, or `None` when it has none.
fn lone_carriage_returns_as_newlines(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let lone = |i: usize| bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n');
    let first = (0..bytes.len()).find(|&i| lone(i))?;
    let mut out = bytes.to_vec();
    for (i, b) in out.iter_mut().enumerate().skip(first) {
        if lone(i) {
            *b = b'\n';
        }
    }
    Some(out)
}

/// A parsed file: the one tree every rule reads.
pub struct ParsedFile<'s> {
    pub lang: Language,
    pub source: &'s SourceFile,
    pub tree: Tree,
    consts: std::sync::OnceLock<consts::ConstTable>,
    facts: FileFacts,
}

/// Facts shared helpers compute once per file, on first use.
#[derive(Default)]
pub struct FileFacts {
    /// Swift methods registered with `#selector` for background-entry notifications.
    pub selector_observers: std::sync::OnceLock<Vec<String>>,
    /// Identifier occurrences by name (start bytes), for resolving same-file callers.
    pub identifiers: std::sync::OnceLock<std::collections::HashMap<String, Vec<usize>>>,
    /// Pre-order indices of the call nodes of the whole file: several rules list every call,
    /// and finding them once spares each a walk over every node.
    pub call_indices: std::sync::OnceLock<Vec<u32>>,
}

impl<'s> ParsedFile<'s> {
    /// Parses `source`; `None` only when tree-sitter gives up entirely (it practically never does).
    pub fn parse(lang: Language, source: &'s SourceFile) -> Option<ParsedFile<'s>> {
        Self::reparse(lang, source, None)
    }

    /// Parses `source` reusing `old`, the previous tree of this file already adjusted with
    /// `Tree::edit` for every change since: tree-sitter then re-reads only what changed.
    pub fn reparse(lang: Language, source: &'s SourceFile, old: Option<&Tree>) -> Option<ParsedFile<'s>> {
        Self::parse_within(lang, source, old, budget::Deadline::per_file()).ok().flatten()
    }

    /// [`reparse`](Self::reparse) with an explicit deadline; `Err` when it ran out.
    pub fn parse_within(
        lang: Language,
        source: &'s SourceFile,
        old: Option<&Tree>,
        deadline: budget::Deadline,
    ) -> Result<Option<ParsedFile<'s>>, budget::OverBudget> {
        let Some(tree) = parse_within(lang, &source.text, old, deadline)? else { return Ok(None) };
        Ok(Some(ParsedFile { lang, source, tree, consts: std::sync::OnceLock::new(), facts: FileFacts::default() }))
    }

    pub fn text(&self) -> &'s str {
        &self.source.text
    }

    pub fn root(&self) -> Node<'_> {
        self.tree.root_node()
    }

    /// The source text of a node.
    pub fn node_text(&self, node: Node<'_>) -> &'s str {
        &self.source.text[node.byte_range()]
    }

    /// True when the grammar could not read part of the file (ERROR or MISSING nodes).
    pub fn has_syntax_errors(&self) -> bool {
        self.tree.root_node().has_error()
    }

    /// How deeply the syntax tree nests, counted without recursion (a full walk: for `stats`).
    pub fn max_depth(&self) -> usize {
        self.deepest(None)
    }

    /// Whether the tree nests deeper than `limit`. Cheap: a subtree of N nodes cannot nest
    /// deeper than N, and tree-sitter stores each node's descendant count, so only subtrees
    /// larger than the remaining budget are entered.
    pub fn nests_deeper_than(&self, limit: usize) -> bool {
        self.deepest(Some(limit)) > limit
    }

    /// The deepest level reached; with a `limit`, stops past it and skips subtrees that fit.
    fn deepest(&self, limit: Option<usize>) -> usize {
        let mut cursor = self.tree.walk();
        let (mut depth, mut max) = (0usize, 0usize);
        loop {
            let fits = limit.is_some_and(|l| depth + cursor.node().descendant_count().saturating_sub(1) <= l);
            if !fits && cursor.goto_first_child() {
                depth += 1;
                max = max.max(depth);
                if limit.is_some_and(|l| depth > l) {
                    return max;
                }
                continue;
            }
            loop {
                if cursor.goto_next_sibling() {
                    break;
                }
                if !cursor.goto_parent() {
                    return max;
                }
                depth -= 1;
            }
        }
    }

    /// Per-file facts the shared helpers cache.
    pub fn facts(&self) -> &FileFacts {
        &self.facts
    }

    /// Same-file constants (`const`, `static let`, `const val`, `static final`), collected on first use.
    pub fn consts(&self) -> &consts::ConstTable {
        self.consts.get_or_init(|| consts::ConstTable::collect(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_check_agrees_with_a_full_walk() {
        for n in [0usize, 5, 40, 200] {
            let code = format!("void f() {{ {}x();{} }}", "if (a) { ".repeat(n), " }".repeat(n));
            let src = SourceFile::new("t.dart", code);
            let file = ParsedFile::parse(Language::Dart, &src).unwrap();
            let depth = file.max_depth();
            assert!(depth > n, "nesting shows in the tree");
            assert!(!file.nests_deeper_than(depth), "n={n}");
            assert!(file.nests_deeper_than(depth - 1), "n={n}");
        }
    }
}
