//! `--format junit`: JUnit XML, for CI test dashboards (GitLab `reports: junit:`, Jenkins, Azure
//! DevOps) that show nothing but tests. Each rule that reported is a test suite and each finding a
//! failed test case; files that could not be analysed are skipped test cases.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::display_path;
use super::positions::Positions;
use super::xml::{escape_attr, escape_text};
use crate::diagnostics::{Diagnostic, RunResult};

/// The suite and class of results that belong to no rule.
const TOOL: &str = "bglint";

enum Outcome {
    Passed,
    Failed { message: String, kind: &'static str, body: String },
    Skipped { message: String },
}

struct Case {
    name: String,
    classname: String,
    outcome: Outcome,
}

struct Suite {
    name: String,
    cases: Vec<Case>,
}

impl Suite {
    fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.cases.iter().filter(|c| f(&c.outcome)).count()
    }
}

pub fn render(result: &RunResult) -> String {
    let mut suites = finding_suites(result);
    if !result.skipped.is_empty() {
        suites.push(Suite {
            name: format!("{TOOL}: skipped files"),
            cases: result
                .skipped
                .iter()
                .map(|(path, reason)| Case {
                    name: display_path(path),
                    classname: TOOL.to_string(),
                    outcome: Outcome::Skipped { message: reason.to_string() },
                })
                .collect(),
        });
    }
    write_suites(&suites)
}

/// One suite per rule, in `result.rules` order; a run without findings is one passing test, so a
/// dashboard shows a green run rather than an empty one.
fn finding_suites(result: &RunResult) -> Vec<Suite> {
    if result.diagnostics.is_empty() {
        let case = Case { name: "no findings".into(), classname: TOOL.into(), outcome: Outcome::Passed };
        return vec![Suite { name: TOOL.into(), cases: vec![case] }];
    }
    let mut by_rule: BTreeMap<&str, Vec<&Diagnostic>> = BTreeMap::new();
    for d in &result.diagnostics {
        by_rule.entry(d.rule).or_default().push(d);
    }
    let mut order: Vec<&str> = result.rules.iter().map(|r| r.id).collect();
    // A diagnostic whose rule is missing from `rules` still gets reported.
    order.extend(by_rule.keys().filter(|id| !result.rules.iter().any(|r| r.id == **id)));
    let mut positions = Positions::default();
    let mut label_positions = Positions::default();
    order
        .into_iter()
        .map(|rule| {
            let mut cases: Vec<Case> = by_rule
                .get(rule)
                .into_iter()
                .flatten()
                .map(|d| {
                    let (at, _) = positions.of(&d.text, &d.span);
                    let mut body = d.message.clone();
                    for l in &d.labels {
                        let (lat, _) = label_positions.of(&l.text, &l.span);
                        let _ = write!(
                            body,
                            "\nnote: {}:{}:{}: {}",
                            display_path(&l.path),
                            lat.line,
                            lat.column,
                            l.message
                        );
                    }
                    let _ = write!(body, "\nhelp: {}\ndocs: {}", d.help, d.docs_url);
                    Case {
                        name: format!("{}:{}:{}", display_path(&d.path), at.line, at.column),
                        classname: rule.to_string(),
                        outcome: Outcome::Failed { message: d.message.clone(), kind: d.severity.as_str(), body },
                    }
                })
                .collect();
            if cases.is_empty() {
                cases.push(Case { name: "no findings".into(), classname: rule.to_string(), outcome: Outcome::Passed });
            }
            Suite { name: rule.to_string(), cases }
        })
        .collect()
}

fn write_suites(suites: &[Suite]) -> String {
    let failed = |o: &Outcome| matches!(o, Outcome::Failed { .. });
    let skipped = |o: &Outcome| matches!(o, Outcome::Skipped { .. });
    let tests: usize = suites.iter().map(|s| s.cases.len()).sum();
    let failures: usize = suites.iter().map(|s| s.count(failed)).sum();
    let skips: usize = suites.iter().map(|s| s.count(skipped)).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"{TOOL}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skips}\">"
    );
    for s in suites {
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\">",
            escape_attr(&s.name),
            s.cases.len(),
            s.count(failed),
            s.count(skipped)
        );
        for c in &s.cases {
            let open =
                format!("    <testcase name=\"{}\" classname=\"{}\"", escape_attr(&c.name), escape_attr(&c.classname));
            match &c.outcome {
                Outcome::Passed => {
                    let _ = writeln!(out, "{open}/>");
                }
                Outcome::Failed { message, kind, body } => {
                    let _ = writeln!(
                        out,
                        "{open}>\n      <failure message=\"{}\" type=\"{kind}\">{}</failure>\n    </testcase>",
                        escape_attr(message),
                        escape_text(body)
                    );
                }
                Outcome::Skipped { message } => {
                    let _ = writeln!(
                        out,
                        "{open}>\n      <skipped message=\"{}\"/>\n    </testcase>",
                        escape_attr(message)
                    );
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
