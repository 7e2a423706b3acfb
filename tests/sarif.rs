//! `--format sarif`: the output validates against the official SARIF 2.1.0 schema (a local copy
//! in tests/schemas; no reference is ever fetched), agrees with `--format json` on positions,
//! and survives hostile text and paths.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use bglint::diagnostics::{Diagnostic, Edit, Fix, Label, RuleInfo, RunResult, Severity};
use bglint::engine::{Engine, Options};
use bglint::report;
use bglint::rules::Registry;
use bglint::source::SkipReason;
use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The official SARIF 2.1.0 schema, compiled once, with formats (`uri`, `uri-reference`,
/// `date-time`) asserted and no reference ever fetched.
fn validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let schema_text = std::fs::read_to_string(root().join("tests/schemas/sarif-schema-2.1.0.json")).unwrap();
        let mut schema: Value = serde_json::from_str(&schema_text).unwrap();
        // The official schema's two `language` patterns have a stray `]` that the draft-07
        // meta-schema's `regex` format check rejects; bglint never writes `language`, so the
        // patterns are repaired here rather than meta-validation turned off.
        for owner in ["run", "toolComponent"] {
            let pattern = &mut schema["definitions"][owner]["properties"]["language"]["pattern"];
            assert_eq!(pattern, "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$", "tests/schemas holds the official schema");
            *pattern = Value::from("^[a-zA-Z]{2}(-[a-zA-Z]{2})?$");
        }
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft7)
            .should_validate_formats(true)
            // Every $ref in the schema is local; refuse anything else rather than fetch it.
            .offline()
            .build(&schema)
            .expect("the SARIF schema compiles offline")
    })
}

/// What the schema says is wrong with `sarif` (which must be JSON).
fn schema_errors(sarif: &str) -> Vec<String> {
    let instance: Value = serde_json::from_str(sarif).unwrap_or_else(|e| panic!("not JSON ({e}):\n{sarif}"));
    validator().iter_errors(&instance).map(|e| format!("{}: {e}", e.instance_path())).collect()
}

/// Asserts `sarif` is JSON that the SARIF 2.1.0 schema accepts, and returns it parsed.
fn validated(sarif: &str) -> Value {
    let errors = schema_errors(sarif);
    assert!(errors.is_empty(), "SARIF fails the schema:\n{}\n\n{sarif}", errors.join("\n"));
    serde_json::from_str(sarif).unwrap()
}

/// The fixture run through the library, as the CLI would run it from the crate root.
fn check(paths: &[PathBuf]) -> RunResult {
    Engine::new(Registry::builtin().unwrap()).check_paths(paths, &Options::default()).unwrap()
}

fn crossfile() -> RunResult {
    // Integration tests run with the crate root as working directory, so paths display as the
    // CLI shows them there.
    assert_eq!(std::env::current_dir().unwrap(), root());
    check(&[PathBuf::from("fixtures/flutter-crossfile")])
}

fn run_of(sarif: &Value) -> &Value {
    let runs = sarif["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    &runs[0]
}

fn results(sarif: &Value) -> &Vec<Value> {
    run_of(sarif)["results"].as_array().expect("results")
}

fn region_of(location: &Value) -> [u64; 4] {
    let r = &location["physicalLocation"]["region"];
    ["startLine", "startColumn", "endLine", "endColumn"].map(|k| r[k].as_u64().unwrap_or_else(|| panic!("{k} in {r}")))
}

fn json_span(item: &Value) -> [u64; 4] {
    [&item["start"]["line"], &item["start"]["column"], &item["end"]["line"], &item["end"]["column"]]
        .map(|v| v.as_u64().unwrap())
}

#[test]
fn fixture_output_is_valid_sarif_with_consistent_rules() {
    let result = crossfile();
    assert!(!result.diagnostics.is_empty());
    let sarif = validated(&report::sarif::render(&result));

    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["$schema"], "https://json.schemastore.org/sarif-2.1.0.json");
    let run = run_of(&sarif);
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "bglint");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));

    let rules = driver["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let expected: Vec<&str> = result.rules.iter().map(|r| r.id).collect();
    assert_eq!(ids, expected, "one descriptor per rule, in the run's order");
    for (rule, info) in rules.iter().zip(&result.rules) {
        assert_eq!(rule["helpUri"], info.docs_url.as_str());
        assert!(rule["helpUri"].as_str().unwrap().starts_with("https://"), "{rule}");
        assert!(!rule["help"]["text"].as_str().unwrap().is_empty(), "{rule}");
        assert!(rule["help"]["markdown"].as_str().unwrap().contains(&info.docs_url), "{rule}");
        assert_eq!(rule["shortDescription"]["text"], info.summary.as_str());
        let name = rule["name"].as_str().unwrap();
        assert!(name.chars().all(|c| c.is_ascii_alphanumeric()) && name.starts_with(char::is_uppercase), "{name}");
        let level = match info.default_severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "note",
        };
        assert_eq!(rule["defaultConfiguration"]["level"], level);
    }

    let results = results(&sarif);
    assert_eq!(results.len(), result.diagnostics.len());
    let mut fingerprints = std::collections::HashSet::new();
    for (r, d) in results.iter().zip(&result.diagnostics) {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"], "ruleIndex points at the rule's descriptor");
        assert_eq!(r["ruleId"], d.rule);
        assert_eq!(r["message"]["text"], d.message.as_str());
        let artifact = &r["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(artifact["uriBaseId"], "%SRCROOT%");
        let uri = artifact["uri"].as_str().unwrap();
        assert!(uri.starts_with("fixtures/flutter-crossfile/"), "{uri}");
        let snippet = r["locations"][0]["physicalLocation"]["region"]["snippet"]["text"].as_str();
        assert_eq!(snippet, Some(&d.text[d.span.clone()]));
        let fingerprint = r["partialFingerprints"]["bglintFingerprint/v1"].as_str().expect("fingerprint");
        assert!(fingerprints.insert(fingerprint.to_string()), "fingerprints are distinct: {fingerprint}");
    }
}

#[test]
fn positions_match_the_json_reporter() {
    let result = crossfile();
    let sarif = validated(&report::sarif::render(&result));
    let json: Value = serde_json::from_str(&report::json::render(&result)).unwrap();
    let findings = json["findings"].as_array().unwrap();
    let results = results(&sarif);
    assert_eq!(results.len(), findings.len());
    for (r, f) in results.iter().zip(findings) {
        assert_eq!(r["ruleId"], f["rule"]);
        assert_eq!(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], f["path"]);
        assert_eq!(region_of(&r["locations"][0]), json_span(f), "{}", f["message"]);
        let related = r["relatedLocations"].as_array().map(Vec::as_slice).unwrap_or_default();
        let json_related = f["related"].as_array().unwrap();
        assert_eq!(related.len(), json_related.len());
        for (s, j) in related.iter().zip(json_related) {
            assert_eq!(region_of(s), json_span(j));
            assert_eq!(s["physicalLocation"]["artifactLocation"]["uri"], j["path"]);
            assert_eq!(s["message"]["text"], j["message"]);
        }
    }
}

#[test]
fn cross_file_findings_carry_related_locations() {
    let sarif = validated(&report::sarif::render(&crossfile()));
    let mut cross_file = 0;
    for r in results(&sarif) {
        let primary = &r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
        for (i, related) in r["relatedLocations"].as_array().into_iter().flatten().enumerate() {
            assert_eq!(related["id"], i as u64 + 1);
            assert!(!related["message"]["text"].as_str().unwrap().is_empty());
            if &related["physicalLocation"]["artifactLocation"]["uri"] != primary {
                cross_file += 1;
            }
        }
    }
    assert!(cross_file > 0, "a finding in one file points into another (Dart code ↔ Info.plist)");
}

/// A run built by hand: every string a reporter copies out is hostile, and the path is relative
/// with a space, an accent and URI delimiters.
fn hostile_run(prefix: &str) -> RunResult {
    let nasty = "quote \" backslash \\ newline\nand tab\t, é😀 </script> {\"json\": [1]} \u{0}\u{1b}[31m";
    let text: Arc<str> = format!("{prefix}// é😀 \"q\" \\\nfinal x = /* ü */ bad(\"a\\\\b\", 1);\n").into();
    let start = text.find("bad(").unwrap();
    let span = start..start + text[start..].find(";\n").unwrap();
    let path = PathBuf::from("lib dir é/50% #1?.dart");
    RunResult {
        diagnostics: vec![Diagnostic {
            rule: "test-hostile-rule",
            severity: Severity::Info,
            path: path.clone(),
            text: text.clone(),
            span: span.clone(),
            message: nasty.to_string(),
            help: nasty.to_string(),
            docs_url: "https://example.com/docs/é?q=\"x\"".replace('é', "%C3%A9").replace('"', "%22"),
            labels: vec![Label {
                path: PathBuf::from("ios/Runner/Info \"plist\".plist"),
                text: "<key>é</key>\n<string>\\\"</string>\n".into(),
                span: 14..33,
                message: nasty.to_string(),
            }],
            fix: Some(Fix {
                description: nasty.to_string(),
                edits: vec![Edit { span: span.clone(), replacement: nasty.to_string() }],
            }),
            context: String::new(),
        }],
        rules: vec![RuleInfo {
            id: "test-hostile-rule",
            summary: nasty.to_string(),
            help: nasty.to_string(),
            // Not a URI: the descriptor must leave `helpUri` out rather than fail the schema.
            docs_url: "docs/\"rule\" é.md".to_string(),
            default_severity: Severity::Info,
        }],
        skipped: vec![
            (PathBuf::from("odd \"name\"\n.dart"), SkipReason::Unreadable(nasty.to_string())),
            (PathBuf::from("lib/crash.dart"), SkipReason::InternalError(nasty.to_string())),
        ],
        syntax_error_files: vec![path],
        ..RunResult::default()
    }
}

#[test]
fn hostile_text_and_paths_render_valid_sarif() {
    let run = hostile_run("");
    let sarif = validated(&report::sarif::render(&run));
    let d = &run.diagnostics[0];
    let r = &results(&sarif)[0];
    assert_eq!(r["message"]["text"], d.message.as_str(), "text round-trips exactly");
    assert_eq!(r["level"], "note");
    let rule = &run_of(&sarif)["tool"]["driver"]["rules"][0];
    assert!(rule.get("helpUri").is_none(), "{rule}");
    assert_eq!(rule["help"]["text"], d.help.as_str());
    let location = &r["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "lib%20dir%20%C3%A9/50%25%20%231%3F.dart");
    assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    // Line 2, after `final x = /* ü */ `: 18 characters but 19 bytes.
    assert_eq!(region_of(&r["locations"][0]), [2, 19, 2, 33]);
    assert_eq!(location["region"]["snippet"]["text"], &d.text[d.span.clone()]);
    assert_eq!(r["relatedLocations"][0]["message"]["text"], d.message.as_str());
    assert_eq!(
        r["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "ios/Runner/Info%20%22plist%22.plist"
    );
    assert_eq!(region_of(&r["relatedLocations"][0]), [2, 1, 2, 20]);
    let replacement = &r["fixes"][0]["artifactChanges"][0]["replacements"][0];
    assert_eq!(replacement["insertedContent"]["text"], d.message.as_str());
    assert_eq!(
        ["startLine", "startColumn", "endLine", "endColumn"].map(|k| replacement["deletedRegion"][k].as_u64().unwrap()),
        [2, 19, 2, 33]
    );
    let invocation = &run_of(&sarif)["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false, "an internal error fails the run");
    let levels: Vec<&str> = invocation["toolExecutionNotifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["warning", "error", "note"]);
    assert!(invocation["toolExecutionNotifications"][0]["message"]["text"].as_str().unwrap().contains(&d.message));
}

#[test]
fn fingerprints_survive_moved_code_but_not_changed_code() {
    let fingerprint = |run: &RunResult| {
        let sarif = validated(&report::sarif::render(run));
        results(&sarif)[0]["partialFingerprints"]["bglintFingerprint/v1"].as_str().unwrap().to_string()
    };
    let before = fingerprint(&hostile_run(""));
    assert!(before.len() == 16 && before.chars().all(|c| c.is_ascii_hexdigit()), "{before}");
    let moved = hostile_run("import 'x.dart';\n\n\n");
    assert_ne!(region_of(&results(&validated(&report::sarif::render(&moved)))[0]["locations"][0])[0], 2);
    assert_eq!(fingerprint(&moved), before, "lines added above do not change the fingerprint");

    let mut reflowed = hostile_run("");
    let d = &mut reflowed.diagnostics[0];
    let flagged = d.text[d.span.clone()].replace(", ", ",\n        ");
    let text = format!("{}{flagged}{}", &d.text[..d.span.start], &d.text[d.span.end..]);
    d.span = d.span.start..d.span.start + flagged.len();
    d.text = text.into();
    assert_eq!(fingerprint(&reflowed), before, "re-indenting the flagged code does not change it");

    let mut changed = hostile_run("");
    let d = &mut changed.diagnostics[0];
    d.text = d.text.replace("bad(", "bar(").into();
    assert_ne!(fingerprint(&changed), before, "different flagged code is a different finding");
}

#[test]
fn real_findings_under_a_path_with_a_space_and_an_accent() {
    let dir = tempfile::Builder::new().prefix("bglint sarif é ").tempdir().unwrap();
    let lib = dir.path().join("lib");
    std::fs::create_dir_all(&lib).unwrap();
    std::fs::write(
        lib.join("a.dart"),
        "// Ünïcode before the finding: é😀\n\
         void main() {\n  /* ü😀 */ Workmanager().registerPeriodicTask('p', 'p', frequency: const Duration(minutes: 1));\n}\n",
    )
    .unwrap();
    let result = check(&[dir.path().to_path_buf()]);
    assert!(!result.diagnostics.is_empty(), "the 1-minute periodic task is flagged");
    let sarif = validated(&report::sarif::render(&result));
    let json: Value = serde_json::from_str(&report::json::render(&result)).unwrap();
    for (r, f) in results(&sarif).iter().zip(json["findings"].as_array().unwrap()) {
        assert_eq!(region_of(&r["locations"][0]), json_span(f));
        let artifact = &r["locations"][0]["physicalLocation"]["artifactLocation"];
        let uri = artifact["uri"].as_str().unwrap();
        // Outside the working directory: an absolute file URI, percent-encoded.
        assert!(uri.starts_with("file:///") && uri.ends_with("/lib/a.dart"), "{uri}");
        assert!(uri.contains("bglint%20sarif%20%C3%A9%20"), "{uri}");
        assert!(artifact.get("uriBaseId").is_none());
    }
    // Columns count characters: on line 3, `  /* ü😀 */ ` is 11 characters but 15 bytes.
    let d = &result.diagnostics[0];
    let line_start = d.text[..d.span.start].rfind('\n').map_or(0, |i| i + 1);
    let chars = d.text[line_start..d.span.start].chars().count() as u64;
    assert!(chars < (d.span.start - line_start) as u64, "non-ASCII text precedes the finding");
    let first = region_of(&results(&sarif)[0]["locations"][0]);
    assert_eq!([first[0], first[1]], [3, chars + 1]);
}

/// The CLI flag gives what the library renders.
#[test]
fn cli_format_sarif_matches_the_library() {
    let out = Command::new(env!("CARGO_BIN_EXE_bglint"))
        .args(["check", "fixtures/flutter-crossfile", "--format", "sarif"])
        .current_dir(root())
        .output()
        .expect("bglint runs");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "findings exit 1; stderr: {}", String::from_utf8_lossy(&out.stderr));
    let cli = validated(&stdout);
    let library = validated(&report::sarif::render(&crossfile()));
    assert_eq!(results(&cli), results(&library));
    assert_eq!(run_of(&cli)["tool"], run_of(&library)["tool"]);
}

/// The validation above is not vacuous: formats and enums are checked.
#[test]
fn the_schema_check_rejects_broken_sarif() {
    let good = report::sarif::render(&hostile_run(""));
    for (from, to) in [
        (r#""level": "note""#, r#""level": "fatal""#),
        ("lib%20dir%20%C3%A9", "lib dir é"),
        (r#""startLine": 2"#, r#""startLine": 0"#),
        (r#""version": "2.1.0""#, r#""version": "2.0.0""#),
    ] {
        assert!(good.contains(from), "{from}");
        assert!(!schema_errors(&good.replacen(from, to, 1)).is_empty(), "{from} → {to} passes the schema");
    }
}
