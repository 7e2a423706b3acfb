//! Runs every rule's own examples: each bad example fires exactly at its «marked» span, each
//! good example stays silent, and mutations catch classic bugs: a multibyte comment on top
//! (byte vs column offsets), and the bad code inside a comment or a string (must not fire).

use std::ops::Range;
use std::path::PathBuf;

use bglint::engine::Options;
use bglint::engine::{check_text, Engine};
use bglint::lang::Language;
use bglint::rules::meta::{Example, ProjectExample};
use bglint::rules::Registry;

fn engine() -> Engine {
    Engine::new(Registry::builtin().expect("built-in rules load"))
}

fn path_for(lang: Language) -> PathBuf {
    PathBuf::from(match lang {
        Language::Dart => "lib/example.dart",
        Language::Swift => "Sources/Example.swift",
        Language::Kotlin => "app/src/main/java/Example.kt",
        Language::Java => "app/src/main/java/Example.java",
    })
}

/// Strips «» markers, returning the code and the marked byte ranges.
fn unmark(code: &str) -> (String, Vec<Range<usize>>) {
    let mut out = String::with_capacity(code.len());
    let mut spans = Vec::new();
    let mut open = None;
    for ch in code.chars() {
        match ch {
            '«' => open = Some(out.len()),
            '»' => spans.push(open.take().expect("» without «")..out.len()),
            _ => out.push(ch),
        }
    }
    assert!(open.is_none(), "« without »");
    (out, spans)
}

fn spans_of(engine: &Engine, rule: &str, lang: Language, code: &str) -> Vec<Range<usize>> {
    let outcome = check_text(engine, &path_for(lang), code).expect("analysis runs");
    outcome.diagnostics.into_iter().filter(|d| d.rule == rule).map(|d| d.span).collect()
}

fn commented_out(lang: Language, code: &str) -> String {
    let _ = lang; // `//` comments are valid in all four languages
    code.lines().map(|l| format!("// {l}\n")).collect()
}

fn in_string(lang: Language, code: &str) -> Option<String> {
    match lang {
        Language::Dart if !code.contains("'''") => Some(format!("const example = r'''\n{code}\n''';\n")),
        Language::Swift if !code.contains("\"\"\"#") => Some(format!("let example = #\"\"\"\n{code}\n\"\"\"#\n")),
        // Kotlin raw strings still interpolate `$x`, which is code; skip those examples.
        Language::Kotlin if !code.contains('$') && !code.contains("\"\"\"") => {
            Some(format!("val example = \"\"\"\n{code}\n\"\"\"\n"))
        }
        // A Java text block (no interpolation at all).
        Language::Java if !code.contains("\"\"\"") => {
            Some(format!("class Example {{\n    String example = \"\"\"\n{code}\n\"\"\";\n}}\n"))
        }
        _ => None,
    }
}

/// (rule, span) of every finding, with or without the keyword prefilter.
fn findings(engine: &Engine, path: &std::path::Path, code: &str, prefilter: bool) -> Vec<(String, Range<usize>)> {
    let lang = Language::from_path(path).unwrap();
    let source = bglint::source::SourceFile::new(path, code);
    let outcome = if prefilter {
        engine.check_source(lang, &source)
    } else {
        engine.analyze(lang, &source, &engine.all_rules(lang), &Default::default())
    };
    outcome.expect("analysis runs").diagnostics.into_iter().map(|d| (d.rule.to_string(), d.span)).collect()
}

/// The prefilter must be exact: a rule must never miss a file it would match because a keyword
/// it declared is absent. Compared on every example, every fixture file and a few layouts that
/// split a call across lines.
#[test]
fn the_prefilter_never_changes_what_is_found() {
    let engine = engine();
    let mut inputs: Vec<(PathBuf, String)> = Vec::new();
    for rule in &engine.registry().rules {
        let m = rule.meta();
        for ex in m.bad.iter().chain(&m.good) {
            inputs.push((path_for(ex.lang), unmark(&ex.code).0));
        }
    }
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut stack = vec![fixtures];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if Language::from_path(&p).is_some() {
                inputs.push((p.clone(), std::fs::read_to_string(&p).unwrap()));
            }
        }
    }
    inputs.push((
        path_for(Language::Dart),
        "void f(AppLifecycleState s) {\n  if (s == AppLifecycleState.paused) {\n    Future\n        .delayed(const Duration(minutes: 2), lock);\n  }\n}\n".into(),
    ));
    assert!(inputs.len() > 60, "examples and fixtures were found");
    let mut found_any = 0;
    for (path, code) in &inputs {
        let with = findings(&engine, path, code, true);
        let without = findings(&engine, path, code, false);
        assert_eq!(with, without, "{}: the prefilter changed the findings\n{code}", path.display());
        found_any += usize::from(!with.is_empty());
    }
    assert!(found_any > 20, "the comparison ran on inputs with findings");
}

#[test]
fn every_rule_has_documentation_and_examples() {
    let registry = Registry::builtin().unwrap();
    assert!(registry.rules.len() >= 9, "the nine foundation rules are registered");
    for rule in &registry.rules {
        let m = rule.meta();
        let kebab = !m.id.is_empty() && m.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        assert!(kebab, "{}: ids are kebab-case", m.id);
        assert!(!m.summary.trim().is_empty() && !m.help.trim().is_empty(), "{}: summary and help", m.id);
        for (part, text) in [("what", &m.docs.what), ("why", &m.docs.why), ("instead", &m.docs.instead)] {
            assert!(text.trim().len() > 20, "{}: docs.{part} is missing or too short", m.id);
        }
        assert!(m.docs.sources.iter().any(|s| s.starts_with("https://")), "{}: needs a source link", m.id);
        let (bad, good) = (m.bad.len() + m.bad_projects.len(), m.good.len() + m.good_projects.len());
        assert!(bad > 0 && good > 0, "{}: needs bad and good examples", m.id);
        for lang in &m.languages {
            let in_project = |p: &ProjectExample| {
                p.files.iter().any(|f| Language::from_path(std::path::Path::new(&f.path)) == Some(*lang))
            };
            assert!(
                m.bad.iter().any(|e| e.lang == *lang) || m.bad_projects.iter().any(in_project),
                "{}: no bad example in {}",
                m.id,
                lang.name()
            );
        }
        for ex in &m.bad {
            assert!(!unmark(&ex.code).1.is_empty(), "{}: a bad example marks no span with «»", m.id);
        }
        for ex in &m.bad_projects {
            let marked = ex.files.iter().filter(|f| !unmark(&f.text).1.is_empty()).count();
            assert_eq!(marked, 1, "{}: a bad project example marks its finding in exactly one file", m.id);
        }
    }
}

#[test]
fn examples_fire_exactly_where_marked_and_nowhere_else() {
    let engine = engine();
    let registry = engine.registry();
    let mut failures = Vec::new();
    let mut checked = 0;
    for rule in &registry.rules {
        let m = rule.meta();
        for (i, Example { lang, code }) in m.bad.iter().enumerate() {
            let (code, expected) = unmark(code);
            let label = format!("{} bad #{}", m.id, i + 1);
            let got = spans_of(&engine, &m.id, *lang, &code);
            if got != expected {
                failures.push(format!("{label}: expected findings at {expected:?}, got {got:?}\n{code}"));
            }
            // A multibyte comment on top shifts byte offsets, not the finding.
            let prefix = "// Ünïcödé — 日本語 😀 prelude\n";
            let shifted: Vec<_> = expected.iter().map(|r| r.start + prefix.len()..r.end + prefix.len()).collect();
            let got = spans_of(&engine, &m.id, *lang, &format!("{prefix}{code}"));
            if got != shifted {
                failures.push(format!("{label} with a multibyte prefix: expected {shifted:?}, got {got:?}"));
            }
            // A `bglint-ignore` at the end of each finding's first line silences it, and is used.
            let mut suppressed = code.clone();
            let mut line_ends: Vec<usize> =
                expected.iter().map(|r| code[r.start..].find('\n').map_or(code.len(), |i| r.start + i)).collect();
            line_ends.sort_unstable();
            line_ends.dedup();
            for end in line_ends.into_iter().rev() {
                suppressed.insert_str(end, &format!(" // bglint-ignore {}: example", m.id));
            }
            let files = vec![(path_for(*lang), suppressed)];
            let result = engine.check_files(&files, &Options::default()).expect("analysis runs");
            let left: Vec<&str> = result
                .diagnostics
                .iter()
                .map(|d| d.rule)
                .filter(|r| *r == m.id || *r == "unused-suppression")
                .collect();
            if !left.is_empty() {
                failures.push(format!("{label} with a bglint-ignore comment still reports {left:?}"));
            }
            let got = spans_of(&engine, &m.id, *lang, &commented_out(*lang, &code));
            if !got.is_empty() {
                failures.push(format!("{label} fires inside a comment: {got:?}"));
            }
            if let Some(s) = in_string(*lang, &code) {
                let got = spans_of(&engine, &m.id, *lang, &s);
                if !got.is_empty() {
                    failures.push(format!("{label} fires inside a string literal: {got:?}"));
                }
            }
            checked += 1;
        }
        for (i, Example { lang, code }) in m.good.iter().enumerate() {
            let got = spans_of(&engine, &m.id, *lang, code);
            if !got.is_empty() {
                failures.push(format!("{} good #{} fires at {got:?}:\n{code}", m.id, i + 1));
            }
            checked += 1;
        }
    }
    assert!(failures.is_empty(), "{} example failures:\n\n{}", failures.len(), failures.join("\n\n"));
    assert!(checked >= 18, "examples were found and run");
}

/// An in-memory project: (path, text) pairs.
type Files = Vec<(PathBuf, String)>;
/// Findings as (path, span).
type Places = Vec<(PathBuf, Range<usize>)>;

/// A project example's files with markers removed, and the expected (path, span) findings.
fn unmark_project(example: &ProjectExample) -> (Files, Places) {
    let mut files = Vec::new();
    let mut expected = Vec::new();
    for f in &example.files {
        let (text, spans) = unmark(&f.text);
        expected.extend(spans.into_iter().map(|s| (PathBuf::from(&f.path), s)));
        files.push((PathBuf::from(&f.path), text));
    }
    (files, expected)
}

fn project_findings(
    engine: &Engine,
    rule: &str,
    files: &[(PathBuf, String)],
    prefilter: bool,
) -> Vec<(PathBuf, Range<usize>)> {
    let options = Options { prefilter, ..Options::default() };
    let result = engine.check_files(files, &options).expect("analysis runs");
    result.diagnostics.into_iter().filter(|d| d.rule == rule).map(|d| (d.path, d.span)).collect()
}

fn is_config(path: &std::path::Path, names: &[&str]) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    names.iter().any(|n| name.ends_with(n))
}

/// Cross-file rules: each bad project fires exactly where marked (also with a multibyte comment
/// on top of a marked code file, and not when that code is commented out); each good project
/// stays silent; without the Info.plist or the manifests a code finding needs, the rule is
/// silent (unknown is not "declared nothing"); and the prefilter changes nothing.
#[test]
fn project_examples_fire_exactly_where_marked_and_nowhere_else() {
    let engine = engine();
    let mut failures = Vec::new();
    let mut checked = 0;
    for rule in &engine.registry().rules {
        let m = rule.meta();
        for (i, example) in m.bad_projects.iter().enumerate() {
            let label = format!("{} bad project #{}", m.id, i + 1);
            let (files, expected) = unmark_project(example);
            let got = project_findings(&engine, &m.id, &files, true);
            if got != expected {
                failures.push(format!("{label}: expected {expected:?}, got {got:?}"));
            }
            if project_findings(&engine, &m.id, &files, false) != got {
                failures.push(format!("{label}: the prefilter changed the findings"));
            }
            let (marked_path, marked_span) = expected[0].clone();
            // A suppression comment stays a comment when commented out: that mutation does not apply.
            let marks_directive = files
                .iter()
                .find(|(p, _)| *p == marked_path)
                .is_some_and(|(_, t)| t[marked_span.clone()].starts_with("bglint-ignore"));
            if Language::from_path(&marked_path).is_some() && !marks_directive {
                let prefix = "// Ünïcödé — 日本語 😀 prelude\n";
                let mutate = |f: &dyn Fn(&str) -> String| -> Vec<(PathBuf, String)> {
                    files.iter().map(|(p, t)| (p.clone(), if *p == marked_path { f(t) } else { t.clone() })).collect()
                };
                let shifted =
                    vec![(marked_path.clone(), marked_span.start + prefix.len()..marked_span.end + prefix.len())];
                let got = project_findings(&engine, &m.id, &mutate(&|t| format!("{prefix}{t}")), true);
                if got != shifted {
                    failures.push(format!("{label} with a multibyte prefix: expected {shifted:?}, got {got:?}"));
                }
                let lang = Language::from_path(&marked_path).unwrap();
                let got = project_findings(&engine, &m.id, &mutate(&|t| commented_out(lang, t)), true);
                if !got.is_empty() {
                    failures.push(format!("{label} fires inside a comment: {got:?}"));
                }
                for facts in [&["Info.plist"][..], &["AndroidManifest.xml"][..]] {
                    let fewer: Vec<_> = files.iter().filter(|(p, _)| !is_config(p, facts)).cloned().collect();
                    if fewer.len() < files.len() && !project_findings(&engine, &m.id, &fewer, true).is_empty() {
                        failures.push(format!("{label} still fires without its {}", facts[0]));
                    }
                }
            }
            checked += 1;
        }
        for (i, example) in m.good_projects.iter().enumerate() {
            let (files, _) = unmark_project(example);
            let got = project_findings(&engine, &m.id, &files, true);
            if !got.is_empty() {
                failures.push(format!("{} good project #{} fires at {got:?}", m.id, i + 1));
            }
            checked += 1;
        }
    }
    assert!(failures.is_empty(), "{} project example failures:\n\n{}", failures.len(), failures.join("\n\n"));
    assert!(checked >= 16, "project examples were found and run");
}
