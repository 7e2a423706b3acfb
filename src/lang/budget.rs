//! The per-file budget: how long the grammar and the rules may work on one file before bglint
//! gives up on it (ARCHITECTURE.md, "Per-file bounds").
//!
//! Tree-sitter's own loops (parsing, query matching) ask a progress callback every hundred
//! steps whether to go on; Rust rules call [`checkpoint`] from the shared tree walks. Past the
//! deadline the parse or query is cancelled, or the rule unwinds with an [`OverBudget`] payload
//! that the engine's per-file `catch_unwind` turns into a skipped file.

use std::cell::Cell;
use std::time::{Duration, Instant};

/// Wall time one file may take, parse and rules together. The slowest real file (a 1.2 MB
/// generated Swift file) parses in under 0.3 s in a release build and under 2 s in a debug
/// build; hostile input (300,000 unclosed brackets) would take minutes.
pub const FILE_TIME_LIMIT: Duration = Duration::from_secs(10);

/// Which phase ran out of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Parse,
    Rules,
}

/// A file's work stopped at its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverBudget {
    pub phase: Phase,
    pub limit: Duration,
}

impl std::fmt::Display for OverBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let phase = match self.phase {
            Phase::Parse => "parsing",
            Phase::Rules => "running the rules",
        };
        write!(f, "{phase} took longer than the {} s per-file limit", self.limit.as_secs_f64())
    }
}

/// When a file's budget runs out.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    at: Instant,
    limit: Duration,
}

impl Deadline {
    pub fn after(limit: Duration) -> Deadline {
        Deadline { at: Instant::now() + limit, limit }
    }

    /// The default budget, starting now.
    pub fn per_file() -> Deadline {
        Deadline::after(FILE_TIME_LIMIT)
    }

    pub fn passed(&self) -> bool {
        Instant::now() >= self.at
    }

    pub fn exceeded(&self, phase: Phase) -> OverBudget {
        OverBudget { phase, limit: self.limit }
    }
}

thread_local! {
    static CURRENT: Cell<Option<Deadline>> = const { Cell::new(None) };
    static TICKS: Cell<u32> = const { Cell::new(0) };
}

/// Runs `f` with `deadline` as this thread's budget for [`checkpoint`] (the previous one is
/// restored afterwards, also when `f` unwinds).
pub fn with_deadline<R>(deadline: Deadline, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Deadline>);
    impl Drop for Restore {
        fn drop(&mut self) {
            CURRENT.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(CURRENT.with(|c| c.replace(Some(deadline))));
    f()
}

/// Called by tree walks that rules use: unwinds with an [`OverBudget`] payload once the
/// thread's deadline has passed. The clock is read every 256 calls only.
pub fn checkpoint() {
    let tick = TICKS.with(|t| {
        let n = t.get().wrapping_add(1);
        t.set(n);
        n
    });
    if tick % 256 != 0 {
        return;
    }
    if let Some(deadline) = CURRENT.with(Cell::get) {
        if deadline.passed() {
            std::panic::panic_any(deadline.exceeded(Phase::Rules));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoint_unwinds_only_past_the_deadline() {
        let ok = std::panic::catch_unwind(|| {
            with_deadline(Deadline::after(Duration::from_secs(3600)), || (0..1000).for_each(|_| checkpoint()))
        });
        assert!(ok.is_ok());
        let late = std::panic::catch_unwind(|| {
            with_deadline(Deadline::after(Duration::ZERO), || (0..1000).for_each(|_| checkpoint()))
        });
        let payload = late.unwrap_err();
        assert_eq!(payload.downcast_ref::<OverBudget>().map(|o| o.phase), Some(Phase::Rules));
        // Outside `with_deadline` there is no budget.
        (0..1000).for_each(|_| checkpoint());
    }
}
