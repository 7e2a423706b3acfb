//! Stable fingerprints for findings, so CI dashboards (GitLab Code Quality, SARIF baselines) can
//! tell a finding that moved from a new one.
//!
//! FNV-1a 64-bit, written out here because std's `DefaultHasher` may change between Rust releases
//! and a fingerprint must not. The line number is deliberately left out: a finding that moves
//! when code above it changes keeps its fingerprint; whitespace in the flagged text is collapsed
//! so that reformatting keeps it too.

use super::display_path;
use crate::diagnostics::{collapse_whitespace, Diagnostic, RunResult};

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

struct Fnv1a(u64);

impl Fnv1a {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(FNV_PRIME);
        }
    }
}

/// 16 lowercase hex digits over the rule id, the displayed path and the flagged text with every
/// run of whitespace collapsed to one space (and none at either end).
pub(crate) fn fingerprint(rule: &str, path: &str, flagged: &str) -> String {
    let mut h = Fnv1a(FNV_OFFSET);
    h.write(rule.as_bytes());
    // A separator that cannot occur in the fields, so ("ab", "c") and ("a", "bc") differ.
    h.write(&[0]);
    h.write(path.as_bytes());
    h.write(&[0]);
    h.write(collapse_whitespace(flagged).as_bytes());
    format!("{:016x}", h.0)
}

/// The fingerprint of one diagnostic, from its rule, displayed path and flagged text.
pub(crate) fn of_diagnostic(d: &Diagnostic) -> String {
    let flagged = d.text.get(d.span.clone()).unwrap_or_default();
    fingerprint(d.rule, &display_path(&d.path), flagged)
}

/// One fingerprint per diagnostic, in order, and unique within the run: GitLab shows only one
/// issue per fingerprint, so the second identical finding in a file (same rule, same text) gets
/// its occurrence number mixed in. The first keeps the plain fingerprint.
pub(crate) fn unique_per_run(result: &RunResult) -> Vec<String> {
    let mut seen = std::collections::HashMap::<String, usize>::new();
    result
        .diagnostics
        .iter()
        .map(|d| {
            let base = of_diagnostic(d);
            let n = seen.entry(base.clone()).or_insert(0);
            *n += 1;
            if *n == 1 {
                base
            } else {
                fingerprint(&format!("{base}#{n}"), "", "")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_the_published_fnv1a_64() {
        // Reference values of FNV-1a 64 for "" and "a" (the hash without our field separators).
        let mut h = Fnv1a(FNV_OFFSET);
        assert_eq!(h.0, 0xcbf2_9ce4_8422_2325);
        h.write(b"a");
        assert_eq!(h.0, 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn is_stable_hex() {
        let f = fingerprint("some-rule", "lib/a.dart", "foo(1)");
        assert_eq!(f.len(), 16);
        assert!(f.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_eq!(f, fingerprint("some-rule", "lib/a.dart", "foo(1)"));
    }

    #[test]
    fn ignores_whitespace_changes() {
        let a = fingerprint("some-rule", "lib/a.dart", "Duration(minutes: 1)");
        assert_eq!(a, fingerprint("some-rule", "lib/a.dart", "Duration(minutes:   1)"));
        assert_eq!(a, fingerprint("some-rule", "lib/a.dart", "  Duration(minutes:\n\t1)\r\n"));
        assert_ne!(a, fingerprint("some-rule", "lib/a.dart", "Duration(minutes: 2)"));
    }

    #[test]
    fn differs_by_rule_and_path() {
        let a = fingerprint("some-rule", "lib/a.dart", "x");
        assert_ne!(a, fingerprint("other-rule", "lib/a.dart", "x"));
        assert_ne!(a, fingerprint("some-rule", "lib/b.dart", "x"));
        // Field boundaries count: moving a character from one field to the next changes it.
        assert_ne!(fingerprint("ab", "c", "x"), fingerprint("a", "bc", "x"));
    }
}
