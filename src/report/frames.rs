//! The source codespan draws code frames from: each file's text as it is, except that a lone
//! `\r` (old Mac line ending) becomes `\n` so lines are counted as everywhere else, and a line
//! longer than [`MAX_LINE_BYTES`] (minified code) keeps only a window around each span that
//! touches it, with `…` for the rest. A 4 MB line then prints a few hundred characters, and
//! line and column numbers stay those of the file on disk.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use codespan_reporting::files::{self, Files};

use crate::source::LineIndex;

/// Lines up to this long are shown whole.
pub(crate) const MAX_LINE_BYTES: usize = 400;
/// Characters kept on each side of a span's start and end on a longer line.
const WINDOW_CHARS: usize = 80;
const ELLIPSIS: &str = "…";

/// A kept piece of the original text: `original` bytes appear at `view_start` in the view.
#[derive(Debug, Clone)]
struct Piece {
    original: Range<usize>,
    view_start: usize,
}

struct FrameFile {
    name: String,
    original: Arc<str>,
    index: LineIndex,
    view: String,
    view_lines: Vec<usize>,
    /// `None` when the view is the original text byte for byte (offsets map to themselves).
    pieces: Option<Vec<Piece>>,
}

/// Every file a report draws frames from, added once each.
#[derive(Default)]
pub(crate) struct FrameFiles {
    files: Vec<FrameFile>,
    by_path: HashMap<PathBuf, usize>,
}

impl FrameFiles {
    /// Adds `text` under `path`; `offsets` are every span start and end any frame will show in
    /// it (windows are kept around those).
    pub(crate) fn add(&mut self, path: &Path, name: String, text: &Arc<str>, offsets: &[usize]) -> usize {
        if let Some(&id) = self.by_path.get(path) {
            return id;
        }
        let index = LineIndex::new(text);
        let (view, pieces) = view_of(text, &index, offsets);
        let view_lines = files::line_starts(&view).collect();
        self.files.push(FrameFile { name, original: text.clone(), index, view, view_lines, pieces });
        let id = self.files.len() - 1;
        self.by_path.insert(path.to_path_buf(), id);
        id
    }

    /// Where an original byte range appears in the view of file `id`.
    pub(crate) fn map(&self, id: usize, span: &Range<usize>) -> Range<usize> {
        let file = &self.files[id];
        let start = file.to_view(span.start);
        let end = file.to_view(span.end).max(start);
        start..end
    }
}

impl FrameFile {
    fn to_view(&self, offset: usize) -> usize {
        let offset = offset.min(self.original.len());
        let Some(pieces) = &self.pieces else { return offset };
        // The last piece starting at or before `offset`; offsets between pieces (in an elided
        // run) land on the ellipsis that replaced it.
        let i = pieces.partition_point(|p| p.original.start <= offset).saturating_sub(1);
        let p = &pieces[i];
        if offset <= p.original.end {
            p.view_start + (offset - p.original.start)
        } else {
            p.view_start + p.original.len()
        }
    }

    fn to_original(&self, view_offset: usize) -> usize {
        let Some(pieces) = &self.pieces else { return view_offset };
        let i = pieces.partition_point(|p| p.view_start <= view_offset).saturating_sub(1);
        let p = &pieces[i];
        (p.original.start + (view_offset - p.view_start)).min(p.original.end)
    }
}

/// The view of `text`: unchanged when no line is too long and no lone `\r` occurs.
fn view_of(text: &str, index: &LineIndex, offsets: &[usize]) -> (String, Option<Vec<Piece>>) {
    let has_lone_cr =
        text.as_bytes().iter().enumerate().any(|(i, &b)| b == b'\r' && text.as_bytes().get(i + 1) != Some(&b'\n'));
    let long_lines: Vec<usize> =
        (0..index.line_count()).filter(|&n| index.line_range(text, n).len() > MAX_LINE_BYTES).collect();
    if !has_lone_cr && long_lines.is_empty() {
        return (text.to_string(), None);
    }
    // Kept ranges: everything outside long lines, and windows around offsets on them.
    let mut kept: Vec<Range<usize>> = Vec::new();
    let mut cursor = 0;
    let mut sorted: Vec<usize> = offsets.iter().map(|&o| o.min(text.len())).collect();
    sorted.sort_unstable();
    for n in long_lines {
        let line = index.line_range(text, n);
        kept.push(cursor..line.start);
        let first = sorted.partition_point(|&o| o < line.start);
        let last = sorted.partition_point(|&o| o <= line.end);
        let mut windows: Vec<Range<usize>> = sorted[first..last]
            .iter()
            .map(|&o| {
                back_chars(text, o, WINDOW_CHARS).max(line.start)..forward_chars(text, o, WINDOW_CHARS).min(line.end)
            })
            .collect();
        if windows.is_empty() {
            windows.push(line.start..forward_chars(text, line.start, 2 * WINDOW_CHARS).min(line.end));
        }
        for w in windows {
            match kept.last_mut() {
                Some(last) if w.start <= last.end => last.end = last.end.max(w.end),
                _ => kept.push(w),
            }
        }
        cursor = line.end;
    }
    kept.push(cursor..text.len());
    kept.retain(|r| !r.is_empty());
    let mut view = String::with_capacity(kept.iter().map(|r| r.len() + ELLIPSIS.len()).sum());
    let mut pieces = Vec::with_capacity(kept.len());
    let mut previous_end = 0;
    for range in kept {
        if range.start > previous_end {
            view.push_str(ELLIPSIS);
        }
        pieces.push(Piece { original: range.clone(), view_start: view.len() });
        view.push_str(&text[range.clone()]);
        previous_end = range.end;
    }
    if previous_end < text.len() {
        view.push_str(ELLIPSIS);
    }
    if pieces.is_empty() {
        pieces.push(Piece { original: 0..0, view_start: 0 });
    }
    // A lone `\r` ends a line: show it as `\n` (same length, so offsets hold).
    let bytes = view.as_bytes();
    let lone: Vec<usize> =
        (0..bytes.len()).filter(|&i| bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n')).collect();
    if !lone.is_empty() {
        let mut bytes = view.into_bytes();
        for i in lone {
            bytes[i] = b'\n';
        }
        view = String::from_utf8(bytes).expect("ASCII for ASCII keeps UTF-8 valid");
    }
    (view, Some(pieces))
}

fn back_chars(text: &str, offset: usize, n: usize) -> usize {
    text[..offset].char_indices().rev().nth(n.saturating_sub(1)).map_or(0, |(i, _)| i)
}

fn forward_chars(text: &str, offset: usize, n: usize) -> usize {
    text[offset..].char_indices().nth(n).map_or(text.len(), |(i, _)| offset + i)
}

impl<'a> Files<'a> for FrameFiles {
    type FileId = usize;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: usize) -> Result<&'a str, files::Error> {
        self.files.get(id).map(|f| f.name.as_str()).ok_or(files::Error::FileMissing)
    }

    fn source(&'a self, id: usize) -> Result<&'a str, files::Error> {
        self.files.get(id).map(|f| f.view.as_str()).ok_or(files::Error::FileMissing)
    }

    fn line_index(&'a self, id: usize, byte_index: usize) -> Result<usize, files::Error> {
        let file = self.files.get(id).ok_or(files::Error::FileMissing)?;
        Ok(file.view_lines.binary_search(&byte_index).unwrap_or_else(|next| next - 1))
    }

    fn line_range(&'a self, id: usize, line_index: usize) -> Result<Range<usize>, files::Error> {
        let file = self.files.get(id).ok_or(files::Error::FileMissing)?;
        let start = *file
            .view_lines
            .get(line_index)
            .ok_or(files::Error::LineTooLarge { given: line_index, max: file.view_lines.len() - 1 })?;
        let end = file.view_lines.get(line_index + 1).copied().unwrap_or(file.view.len());
        Ok(start..end)
    }

    /// The column in the file on disk (characters, a byte-order mark not counted).
    fn column_number(&'a self, id: usize, _line_index: usize, byte_index: usize) -> Result<usize, files::Error> {
        let file = self.files.get(id).ok_or(files::Error::FileMissing)?;
        Ok(file.index.position(&file.original, file.to_original(byte_index)).column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_lines_are_kept_byte_for_byte() {
        let text: Arc<str> = "val a = 1\nval b = 2\n".into();
        let mut files = FrameFiles::default();
        let id = files.add(Path::new("a.kt"), "a.kt".into(), &text, &[4, 5]);
        assert_eq!(files.source(id).unwrap(), &*text);
        assert_eq!(files.map(id, &(14..15)), 14..15);
    }

    #[test]
    fn a_long_line_keeps_windows_around_spans() {
        let text: Arc<str> = format!("x\n{}TARGET{}\ny\n", "a".repeat(100_000), "b".repeat(100_000)).into();
        let at = text.find("TARGET").unwrap();
        let mut files = FrameFiles::default();
        let id = files.add(Path::new("m.js"), "m.js".into(), &text, &[at, at + 6]);
        let view = files.source(id).unwrap();
        assert!(view.len() < 2 * MAX_LINE_BYTES, "{}", view.len());
        let mapped = files.map(id, &(at..at + 6));
        assert_eq!(&view[mapped.clone()], "TARGET");
        assert!(view.starts_with("x\n…") && view.ends_with("…\ny\n"), "{view}");
        // Lines and columns are those of the original.
        assert_eq!(files.line_index(id, mapped.start).unwrap(), 1);
        assert_eq!(files.column_number(id, 1, mapped.start).unwrap(), 100_001);
    }

    #[test]
    fn lone_carriage_returns_become_line_breaks() {
        let text: Arc<str> = "a\rb\rc".into();
        let mut files = FrameFiles::default();
        let id = files.add(Path::new("a.kt"), "a.kt".into(), &text, &[4]);
        assert_eq!(files.source(id).unwrap(), "a\nb\nc");
        assert_eq!(files.line_index(id, 4).unwrap(), 2);
    }
}
