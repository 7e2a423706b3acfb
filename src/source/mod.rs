//! Source files: loading with guards (size, binary, UTF-8) and byte-offset ↔ line/column maps.
//!
//! Everything downstream works in byte offsets; only reporters convert to lines and columns,
//! through [`LineIndex`], so a multibyte character never shifts a finding.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Files larger than this are skipped with a note: generated or vendored blobs, not app code.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// A byte range into a file's text.
pub type Span = Range<usize>;

/// One file's text, shared cheaply between the engine and the reporters.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: Arc<str>,
}

/// Why a file was not analysed. Shown to the user; never a panic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    Unreadable(String),
    TooLarge {
        bytes: u64,
        limit: u64,
    },
    Binary,
    NotUtf8 {
        valid_up_to: usize,
    },
    /// Parsed, but nested deeper than any real source file: generated or hostile input.
    TooDeep {
        limit: usize,
    },
    /// Parsing or the rules took longer than the per-file budget: generated or hostile input.
    OverBudget(crate::lang::budget::OverBudget),
    /// A defect in bglint: a rule failed on this file. The run goes on without it.
    InternalError(String),
    /// Named on the command line, but not a file bglint reads: source in a language it does not
    /// parse (`Objective-C`), or not code or project configuration at all (`None`).
    NotRead {
        language: Option<&'static str>,
    },
}

impl SkipReason {
    /// Whether the file is code bglint should have analysed but could not, within its bounds
    /// or through a defect of its own: the run is then incomplete (exit code 2). Files that are
    /// not source text (binary, not UTF-8, over `--max-file-size`, unreadable) are only noted.
    pub fn leaves_run_incomplete(&self) -> bool {
        matches!(self, SkipReason::TooDeep { .. } | SkipReason::OverBudget(_) | SkipReason::InternalError(_))
    }
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SkipReason::Unreadable(e) => write!(f, "could not be read: {e}"),
            SkipReason::TooLarge { bytes, limit } => {
                write!(f, "is {bytes} bytes, over the {limit}-byte limit")
            }
            SkipReason::Binary => write!(f, "looks binary (contains NUL bytes)"),
            SkipReason::NotUtf8 { valid_up_to } => {
                write!(f, "is not valid UTF-8 (first bad byte at offset {valid_up_to})")
            }
            SkipReason::TooDeep { limit } => {
                write!(f, "nests more than {limit} levels deep (real source stays under 150); not analysed")
            }
            SkipReason::OverBudget(over) => write!(f, "not analysed: {over} (generated or hostile input?)"),
            SkipReason::InternalError(message) => {
                write!(f, "hit an internal error in bglint, please report it: {message}")
            }
            SkipReason::NotRead { language: Some(language) } => {
                write!(f, "is {language}, which bglint does not read (it reads Dart, Swift, Kotlin and Java)")
            }
            SkipReason::NotRead { language: None } => {
                write!(f, "is not a source or project file bglint reads")
            }
        }
    }
}

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, text: impl Into<Arc<str>>) -> Self {
        SourceFile { path: path.into(), text: text.into() }
    }

    /// Reads a file, refusing what a linter of source code should not try to parse.
    pub fn load(path: &Path, max_bytes: u64) -> Result<SourceFile, SkipReason> {
        let meta = std::fs::metadata(path).map_err(|e| SkipReason::Unreadable(e.to_string()))?;
        if meta.len() > max_bytes {
            return Err(SkipReason::TooLarge { bytes: meta.len(), limit: max_bytes });
        }
        let bytes = std::fs::read(path).map_err(|e| SkipReason::Unreadable(e.to_string()))?;
        Self::from_bytes(path, bytes)
    }

    pub fn from_bytes(path: &Path, bytes: Vec<u8>) -> Result<SourceFile, SkipReason> {
        // The same heuristic as git and ripgrep: a NUL in the first 8 KiB means binary.
        if bytes[..bytes.len().min(8192)].contains(&0) {
            return Err(SkipReason::Binary);
        }
        match String::from_utf8(bytes) {
            // A BOM stays in the text: spans then match the bytes editors see.
            Ok(text) => Ok(SourceFile::new(path, text)),
            Err(e) => Err(SkipReason::NotUtf8 { valid_up_to: e.utf8_error().valid_up_to() }),
        }
    }
}

/// 1-based line and column; the column counts Unicode scalar values, as editors do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

/// Start offsets of every line, for converting byte offsets to positions. `\n`, `\r\n` and a
/// lone `\r` (old Mac files) each end a line, as in editors.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
    /// Per line, whether it holds only ASCII: its columns are then byte differences, so a
    /// position on a 4 MB minified line costs O(1), not a count of the characters before it.
    ascii: Vec<bool>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut ascii = Vec::new();
        let mut line_ascii = true;
        for (i, &b) in bytes.iter().enumerate() {
            let ends_line = b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
            line_ascii &= b.is_ascii();
            if ends_line {
                starts.push(i + 1);
                ascii.push(line_ascii);
                line_ascii = true;
            }
        }
        ascii.push(line_ascii);
        LineIndex { starts, ascii }
    }

    /// The 0-based line holding `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    /// The byte range of 0-based `line`, without its line break.
    pub fn line_range(&self, text: &str, line: usize) -> Span {
        let start = self.starts.get(line).copied().unwrap_or(text.len()).min(text.len());
        let mut end = self.starts.get(line + 1).copied().unwrap_or(text.len()).min(text.len());
        let bytes = text.as_bytes();
        while end > start && matches!(bytes[end - 1], b'\n' | b'\r') {
            end -= 1;
        }
        start..end
    }

    /// How many lines the text has (a final line break starts an empty last line).
    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    pub fn position(&self, text: &str, offset: usize) -> LineCol {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.line_of(offset);
        let mut start = self.starts[line];
        // Editors do not show a byte-order mark, so it takes no column.
        if line == 0 && text.starts_with('\u{feff}') && offset >= 3 {
            start = 3;
        }
        let column = if self.ascii.get(line).copied().unwrap_or(false) {
            offset - start + 1
        } else {
            text[start..offset].chars().count() + 1
        };
        LineCol { line: line + 1, column }
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_not_bytes() {
        let text = "// é😀\nlet x = 1\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(text, 0), LineCol { line: 1, column: 1 });
        let x = text.find('x').unwrap();
        assert_eq!(idx.position(text, x), LineCol { line: 2, column: 5 });
        let after_emoji = text.find('\n').unwrap();
        assert_eq!(idx.position(text, after_emoji), LineCol { line: 1, column: 6 });
    }

    #[test]
    fn a_byte_order_mark_takes_no_column_and_crlf_ends_lines() {
        let text = "\u{feff}val x = 1\r\nval y = 2\r\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(text, text.find('x').unwrap()), LineCol { line: 1, column: 5 });
        assert_eq!(idx.position(text, text.find('y').unwrap()), LineCol { line: 2, column: 5 });
    }

    #[test]
    fn lone_carriage_returns_end_lines_too() {
        let text = "a\rbb\r\ncc\nd\r\ré";
        let idx = LineIndex::new(text);
        let at = |needle: &str| idx.position(text, text.find(needle).unwrap());
        assert_eq!(at("bb"), LineCol { line: 2, column: 1 });
        assert_eq!(at("cc"), LineCol { line: 3, column: 1 });
        assert_eq!(at("d"), LineCol { line: 4, column: 1 });
        assert_eq!(at("é"), LineCol { line: 6, column: 1 });
        assert_eq!(idx.position(text, text.len()), LineCol { line: 6, column: 2 });
        assert_eq!(&text[idx.line_range(text, 1)], "bb");
        assert_eq!(idx.line_count(), 6);
    }

    #[test]
    fn columns_on_ascii_and_non_ascii_lines_agree_with_character_counts() {
        let text = "x = 1\n// ü ü\nlet y = \"é\" + z\n";
        let idx = LineIndex::new(text);
        for (offset, _) in text.char_indices() {
            let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
            let expected = text[line_start..offset].chars().count() + 1;
            assert_eq!(idx.position(text, offset).column, expected, "at {offset}");
        }
    }

    #[test]
    fn binary_and_invalid_utf8_are_refused() {
        let p = Path::new("a.dart");
        assert_eq!(SourceFile::from_bytes(p, b"ab\0cd".to_vec()).unwrap_err(), SkipReason::Binary);
        assert!(matches!(
            SourceFile::from_bytes(p, vec![b'a', 0xff, b'b']).unwrap_err(),
            SkipReason::NotUtf8 { valid_up_to: 1 }
        ));
    }
}
