//! Line/column positions of spans for reporters, with one line index per file text: a
//! reporter asks for positions of findings and of their related locations, which may
//! alternate between files, and rebuilding an index per position would rescan a large file
//! once per location (quadratic in findings × file size).

use std::collections::HashMap;
use std::sync::Arc;

use crate::source::{LineCol, LineIndex, Span};

#[derive(Default)]
pub(crate) struct Positions {
    /// Keyed by the address of the shared text: every diagnostic and label of a file shares
    /// one `Arc<str>`; the `Arc` kept here keeps that address from being reused.
    indexes: HashMap<usize, (Arc<str>, LineIndex)>,
}

impl Positions {
    /// 1-based start and end of `span` in `text` (columns count Unicode scalar values).
    pub(crate) fn of(&mut self, text: &Arc<str>, span: &Span) -> (LineCol, LineCol) {
        let index = self.index(text);
        (index.position(text, span.start), index.position(text, span.end))
    }

    /// The line index of `text`, built on first use.
    pub(crate) fn index(&mut self, text: &Arc<str>) -> &LineIndex {
        let key = Arc::as_ptr(text) as *const u8 as usize;
        &self.indexes.entry(key).or_insert_with(|| (text.clone(), LineIndex::new(text))).1
    }
}
