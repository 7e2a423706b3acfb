//! Line/column positions of spans for the line-oriented reporters, with the line index of the
//! last file kept: diagnostics come grouped by file, and rebuilding the index for each one would
//! rescan a large file once per finding.

use std::sync::Arc;

use crate::source::{LineCol, LineIndex, Span};

#[derive(Default)]
pub(crate) struct Positions {
    last: Option<(Arc<str>, LineIndex)>,
}

impl Positions {
    /// 1-based start and end of `span` in `text` (columns count Unicode scalar values).
    pub(crate) fn of(&mut self, text: &Arc<str>, span: &Span) -> (LineCol, LineCol) {
        if self.last.as_ref().is_none_or(|(t, _)| !Arc::ptr_eq(t, text)) {
            self.last = Some((text.clone(), LineIndex::new(text)));
        }
        let index = &self.last.as_ref().expect("set above").1;
        (index.position(text, span.start), index.position(text, span.end))
    }
}
