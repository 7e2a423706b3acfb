//! The CI output formats (GitHub, GitLab, Checkstyle, JUnit, Xcode) carry the same findings as
//! the JSON report: each output is parsed back with a real parser (or, for GitHub's workflow
//! commands, one that unescapes the way the runner does) and compared finding by finding, on the
//! fixtures and on a project whose paths hold every character the formats must escape.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bglint::diagnostics::RunResult;
use bglint::report;
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};
use serde_json::Value;

fn run(path: &Path) -> RunResult {
    let engine = bglint::engine::Engine::new(bglint::rules::Registry::builtin().unwrap());
    engine.check_paths(&[path.to_path_buf()], &bglint::engine::Options::default()).unwrap()
}

/// What every format must agree on, taken from the JSON report.
#[derive(Debug, Clone, PartialEq)]
struct Finding {
    rule: String,
    severity: String,
    path: String,
    line: u64,
    column: u64,
    end_line: u64,
    end_column: u64,
    message: String,
    help: String,
    docs_url: String,
    /// (path, line, column, message) of each related location.
    related: Vec<(String, u64, u64, String)>,
}

fn json_findings(result: &RunResult) -> Vec<Finding> {
    let v: Value = serde_json::from_str(&report::json::render(result)).unwrap();
    let s = |v: &Value| v.as_str().unwrap().to_string();
    let n = |v: &Value| v.as_u64().unwrap();
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| Finding {
            rule: s(&f["rule"]),
            severity: s(&f["severity"]),
            path: s(&f["path"]),
            line: n(&f["start"]["line"]),
            column: n(&f["start"]["column"]),
            end_line: n(&f["end"]["line"]),
            end_column: n(&f["end"]["column"]),
            message: s(&f["message"]),
            help: s(&f["help"]),
            docs_url: s(&f["docs_url"]),
            related: f["related"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| (s(&r["path"]), n(&r["start"]["line"]), n(&r["start"]["column"]), s(&r["message"])))
                .collect(),
        })
        .collect()
}

fn fixture(name: &str) -> (RunResult, Vec<Finding>) {
    let result = run(&PathBuf::from("fixtures").join(name));
    let findings = json_findings(&result);
    assert!(findings.len() >= 5, "{name} has findings to compare");
    (result, findings)
}

/// A Dart file whose finding sits at a path with a space, a comma, `&`, `<`, `>`, quotes, `%` and
/// "é"; with `line_breaks`, a second one under a directory holding a tab and a line feed and a
/// file name holding a carriage return (all legal on Linux and macOS).
fn hostile_project(line_breaks: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let code =
        "void main() {\n  Workmanager().registerPeriodicTask('p', 'p', frequency: const Duration(minutes: 1));\n}\n";
    let plain = dir.path().join("we ird,dir&<x>%é");
    std::fs::create_dir_all(&plain).unwrap();
    std::fs::write(plain.join("a b,c&d<é>'q\".dart"), code).unwrap();
    if line_breaks {
        let broken = dir.path().join("t\tab\nnl");
        std::fs::create_dir_all(&broken).unwrap();
        std::fs::write(broken.join("x\ry.dart"), code).unwrap();
    }
    dir
}

fn hostile(line_breaks: bool) -> (tempfile::TempDir, RunResult, Vec<Finding>) {
    let dir = hostile_project(line_breaks);
    let result = run(dir.path());
    let findings = json_findings(&result);
    assert_eq!(findings.len(), if line_breaks { 2 } else { 1 }, "{findings:#?}");
    assert!(findings.iter().all(|f| f.rule == "flutter-periodic-task-under-15-min"));
    (dir, result, findings)
}

// ---------------------------------------------------------------------------------------------
// GitHub workflow commands

#[derive(Debug)]
struct Command {
    name: String,
    props: BTreeMap<String, String>,
    data: String,
}

/// The runner's reading of a line (actions/runner `ActionCommand.TryParseV2`): the command info
/// runs to the first `::` after the leading one, properties are split on `,` and then on the
/// first `=`, and each escape is undone in order with `%25` last.
fn parse_command(line: &str) -> Command {
    let rest = line.strip_prefix("::").unwrap_or_else(|| panic!("not a workflow command: {line:?}"));
    let end = rest.find("::").unwrap_or_else(|| panic!("no data separator: {line:?}"));
    let (info, data) = (&rest[..end], &rest[end + 2..]);
    let (name, props) = info.split_once(' ').unwrap_or((info, ""));
    let props = props
        .split(',')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or_else(|| panic!("property without '=': {p:?} in {line:?}"));
            (k.to_string(), unescape(v, &[("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")]))
        })
        .collect();
    Command { name: name.to_string(), props, data: unescape(data, &[("%0D", "\r"), ("%0A", "\n"), ("%25", "%")]) }
}

fn unescape(s: &str, mappings: &[(&str, &str)]) -> String {
    mappings.iter().fold(s.to_string(), |acc, (from, to)| acc.replace(from, to))
}

fn github_level(severity: &str) -> &'static str {
    match severity {
        "error" => "error",
        "warning" => "warning",
        _ => "notice",
    }
}

fn check_github(result: &RunResult, expected: &[Finding]) {
    let out = report::github::render(result);
    let commands: Vec<Command> = out.lines().map(parse_command).collect();
    let findings: Vec<&Command> = commands.iter().filter(|c| c.props.contains_key("title")).collect();
    assert_eq!(findings.len(), expected.len(), "{out}");
    for (c, f) in findings.iter().zip(expected) {
        let prop = |k: &str| c.props.get(k).unwrap_or_else(|| panic!("no {k} in {c:?}"));
        assert_eq!(c.name, github_level(&f.severity));
        assert_eq!(prop("title"), &f.rule);
        assert_eq!(prop("file"), &f.path);
        assert_eq!(prop("line"), &f.line.to_string());
        assert_eq!(prop("endLine"), &f.end_line.to_string());
        if f.line == f.end_line {
            assert_eq!(prop("col"), &f.column.to_string());
            assert_eq!(prop("endColumn"), &f.end_column.to_string());
        } else {
            // The runner drops columns on a multi-line range, so none are sent.
            assert!(!c.props.contains_key("col") && !c.props.contains_key("endColumn"), "{c:?}");
        }
        let mut lines = c.data.split('\n');
        assert_eq!(lines.next(), Some(f.message.as_str()));
        for (path, line, column, message) in &f.related {
            assert_eq!(lines.next(), Some(format!("note: {path}:{line}:{column}: {message}").as_str()));
        }
        assert_eq!(lines.next(), Some(format!("help: {}", f.help).as_str()));
        assert_eq!(lines.next(), Some(format!("docs: {}", f.docs_url).as_str()));
        assert_eq!(lines.next(), None);
    }
    let skipped: Vec<&Command> = commands.iter().filter(|c| c.data.starts_with("skipped: ")).collect();
    assert_eq!(skipped.len(), result.skipped.len());
}

#[test]
fn github_round_trips_the_fixtures() {
    for name in ["flutter-crossfile", "ios-app"] {
        let (result, expected) = fixture(name);
        check_github(&result, &expected);
    }
}

#[test]
fn github_escapes_hostile_paths() {
    let (_dir, result, expected) = hostile(true);
    check_github(&result, &expected);
    let out = report::github::render(&result);
    assert_eq!(out.lines().count(), 2, "a line break in a path or message never starts a new line:\n{out}");
    assert!(out.contains("we ird%2Cdir&<x>%25é/a b%2Cc&d<é>'q\".dart,line=2,"), "{out}");
    assert!(out.contains("t\tab%0Anl/x%0Dy.dart,line=2,"), "{out}");
    // The message holds `:` and `,`, which stay as they are in the data; its line breaks do not.
    assert!(out.contains("is ignored; `frequency: 1 min` will not"), "{out}");
    assert!(out.contains("%0Ahelp: ") && out.contains("%0Adocs: https://"), "{out}");
}

#[test]
fn github_sends_no_columns_for_a_multi_line_range() {
    // The runner drops col and endColumn when line and endLine differ, so they are not sent.
    let dir = tempfile::tempdir().unwrap();
    let code = "void main() {\n  Workmanager().registerPeriodicTask('p', 'p', frequency: const Duration(\n    minutes: 1));\n}\n";
    std::fs::write(dir.path().join("a.dart"), code).unwrap();
    let result = run(dir.path());
    let expected = json_findings(&result);
    assert_eq!(expected.len(), 1);
    assert_eq!((expected[0].line, expected[0].end_line), (2, 3));
    check_github(&result, &expected);
    assert!(report::github::render(&result).contains(",line=2,endLine=3,title="));
}

// ---------------------------------------------------------------------------------------------
// GitLab Code Quality

fn gitlab_severity(severity: &str) -> &'static str {
    match severity {
        "error" => "major",
        "warning" => "minor",
        _ => "info",
    }
}

fn check_gitlab(result: &RunResult, expected: &[Finding]) -> Vec<Value> {
    let issues: Vec<Value> = serde_json::from_str(&report::gitlab::render(result)).unwrap();
    assert_eq!(issues.len(), expected.len());
    for (i, f) in issues.iter().zip(expected) {
        assert_eq!(i["type"], "issue");
        assert_eq!(i["check_name"], f.rule.as_str());
        assert_eq!(i["description"], f.message.as_str());
        assert_eq!(i["severity"], gitlab_severity(&f.severity));
        assert_eq!(i["categories"], serde_json::json!(["Bug Risk"]));
        let loc = &i["location"];
        assert_eq!(loc["path"], f.path.as_str());
        assert_eq!(loc["lines"]["begin"], f.line);
        assert_eq!(loc["lines"]["end"], f.end_line);
        assert_eq!(loc["positions"]["begin"], serde_json::json!({ "line": f.line, "column": f.column }));
        assert_eq!(loc["positions"]["end"], serde_json::json!({ "line": f.end_line, "column": f.end_column }));
        let body = i["content"]["body"].as_str().unwrap();
        assert!(body.contains(&f.help) && body.contains(&f.docs_url), "{body}");
        let fp = i["fingerprint"].as_str().unwrap();
        assert!(fp.len() == 16 && fp.chars().all(|c| c.is_ascii_hexdigit()), "{fp}");
    }
    let mut fingerprints: Vec<&str> = issues.iter().map(|i| i["fingerprint"].as_str().unwrap()).collect();
    fingerprints.sort();
    fingerprints.dedup();
    assert_eq!(fingerprints.len(), issues.len(), "GitLab shows one issue per fingerprint");
    issues
}

#[test]
fn gitlab_round_trips_the_fixtures() {
    for name in ["flutter-crossfile", "ios-app"] {
        let (result, expected) = fixture(name);
        check_gitlab(&result, &expected);
    }
}

#[test]
fn gitlab_keeps_hostile_paths() {
    let (_dir, result, expected) = hostile(true);
    check_gitlab(&result, &expected);
}

#[test]
fn gitlab_fingerprints_survive_moves_and_reformatting_and_stay_unique() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sync.dart");
    let call = "Workmanager().registerPeriodicTask('p', 'p', frequency: const Duration(minutes: 1));";
    std::fs::write(&file, format!("void main() {{\n  {call}\n}}\n")).unwrap();
    let before = check_gitlab(&run(dir.path()), &json_findings(&run(dir.path())));
    assert_eq!(before.len(), 1);

    // Moved down three lines and re-spaced: the same issue for GitLab.
    let respaced = "Workmanager().registerPeriodicTask('p', 'p', frequency: const Duration(minutes:   1));";
    std::fs::write(&file, format!("// a\n// b\n// c\nvoid main() {{\n    {respaced}\n}}\n")).unwrap();
    let after = check_gitlab(&run(dir.path()), &json_findings(&run(dir.path())));
    assert_eq!(after.len(), 1);
    assert_ne!(before[0]["location"]["lines"]["begin"], after[0]["location"]["lines"]["begin"]);
    assert_eq!(before[0]["fingerprint"], after[0]["fingerprint"]);

    // A different value is a different issue.
    std::fs::write(&file, format!("void main() {{\n  {}\n}}\n", call.replace("minutes: 1", "minutes: 2"))).unwrap();
    let other = check_gitlab(&run(dir.path()), &json_findings(&run(dir.path())));
    assert_ne!(before[0]["fingerprint"], other[0]["fingerprint"]);

    // The same call twice in one file: two issues, two fingerprints, the first unchanged.
    std::fs::write(&file, format!("void main() {{\n  {call}\n  {call}\n}}\n")).unwrap();
    let twice = check_gitlab(&run(dir.path()), &json_findings(&run(dir.path())));
    assert_eq!(twice.len(), 2);
    assert_eq!(twice[0]["fingerprint"], before[0]["fingerprint"]);
}

// ---------------------------------------------------------------------------------------------
// XML (Checkstyle, JUnit)

#[derive(Debug, Default)]
struct Element {
    name: String,
    attrs: BTreeMap<String, String>,
    text: String,
    children: Vec<Element>,
}

impl Element {
    fn attr(&self, name: &str) -> &str {
        self.attrs.get(name).unwrap_or_else(|| panic!("<{}> has no {name}: {:?}", self.name, self.attrs))
    }

    fn all(&self, name: &str) -> Vec<&Element> {
        self.children.iter().filter(|c| c.name == name).collect()
    }
}

fn start(e: &BytesStart) -> Element {
    let attrs = e
        .attributes()
        .map(|a| {
            let a = a.unwrap();
            // normalized_value applies XML's attribute-value normalisation, as every consumer does.
            (a.key.as_ref().to_string(), a.normalized_value(XmlVersion::Explicit1_0).unwrap().into_owned())
        })
        .collect();
    Element { name: e.name().as_ref().to_string(), attrs, ..Element::default() }
}

/// A whole document as a tree; panics on anything a conforming parser would reject.
fn parse_xml(xml: &str) -> Element {
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"), "{xml}");
    let mut reader = Reader::from_str(xml);
    let mut stack = vec![Element::default()];
    loop {
        match reader.read_event().unwrap_or_else(|e| panic!("{e}: {xml}")) {
            Event::Decl(_) => {}
            Event::Start(e) => stack.push(start(&e)),
            Event::Empty(e) => {
                let el = start(&e);
                stack.last_mut().unwrap().children.push(el);
            }
            Event::End(_) => {
                let el = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(el);
            }
            Event::Text(t) => stack.last_mut().unwrap().text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => {
                let s = match r.resolve_char_ref().unwrap() {
                    Some(c) => c.to_string(),
                    None => quick_xml::escape::resolve_predefined_entity(&r).unwrap().to_string(),
                };
                stack.last_mut().unwrap().text.push_str(&s);
            }
            Event::Eof => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    let mut root = stack.pop().unwrap();
    assert!(stack.is_empty());
    assert_eq!(root.children.len(), 1, "one root element");
    root.children.pop().unwrap()
}

fn check_checkstyle(result: &RunResult, expected: &[Finding]) {
    let root = parse_xml(&report::checkstyle::render(result));
    assert_eq!(root.name, "checkstyle");
    assert_eq!(root.attr("version"), "4.3");
    let files = root.all("file");
    let names: Vec<&str> = files.iter().map(|f| f.attr("name")).collect();
    let mut sorted = names.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(names, sorted, "one <file> per path, sorted");
    // Grouped by path; within a file, in the engine's order.
    let mut want = expected.to_vec();
    want.sort_by(|a, b| a.path.cmp(&b.path));
    let got: Vec<(&str, &Element)> =
        files.iter().flat_map(|f| f.all("error").into_iter().map(move |e| (f.attr("name"), e))).collect();
    assert_eq!(got.len(), want.len());
    for ((path, e), f) in got.iter().zip(&want) {
        assert_eq!(*path, f.path);
        assert_eq!(e.attr("source"), format!("bglint.{}", f.rule));
        assert_eq!(e.attr("line"), f.line.to_string());
        assert_eq!(e.attr("column"), f.column.to_string());
        assert_eq!(e.attr("severity"), f.severity);
        assert_eq!(e.attr("message"), f.message);
    }
}

#[test]
fn checkstyle_round_trips_the_fixtures() {
    for name in ["flutter-crossfile", "ios-app"] {
        let (result, expected) = fixture(name);
        check_checkstyle(&result, &expected);
    }
}

#[test]
fn checkstyle_escapes_hostile_paths() {
    let (_dir, result, expected) = hostile(true);
    check_checkstyle(&result, &expected);
    let out = report::checkstyle::render(&result);
    assert!(out.contains("we ird,dir&amp;&lt;x&gt;%é/a b,c&amp;d&lt;é&gt;&apos;q&quot;.dart\">"), "{out}");
    // Literal line breaks in an attribute would be read back as spaces.
    assert!(out.contains("t&#9;ab&#10;nl/x&#13;y.dart\">"), "{out}");
}

fn check_junit(result: &RunResult, expected: &[Finding]) {
    let root = parse_xml(&report::junit::render(result));
    assert_eq!(root.name, "testsuites");
    assert_eq!(root.attr("name"), "bglint");
    let suites = root.all("testsuite");
    let cases: Vec<(&Element, &Element)> =
        suites.iter().flat_map(|s| s.all("testcase").into_iter().map(move |c| (*s, c))).collect();
    let skipped = cases.iter().filter(|(_, c)| !c.all("skipped").is_empty()).count();
    assert_eq!(skipped, result.skipped.len());
    assert_eq!(root.attr("tests"), cases.len().to_string());
    assert_eq!(root.attr("failures"), expected.len().to_string());
    assert_eq!(root.attr("skipped"), skipped.to_string());
    for s in &suites {
        assert_eq!(s.attr("tests"), s.all("testcase").len().to_string());
    }
    // One suite per rule, in rule order; within a suite, in the engine's order.
    let mut want = expected.to_vec();
    want.sort_by(|a, b| a.rule.cmp(&b.rule));
    let failed: Vec<&(&Element, &Element)> = cases.iter().filter(|(_, c)| !c.all("failure").is_empty()).collect();
    assert_eq!(failed.len(), want.len());
    for ((suite, case), f) in failed.iter().zip(&want) {
        assert_eq!(suite.attr("name"), f.rule);
        assert_eq!(case.attr("classname"), f.rule);
        // name is path:line:col, and the path may itself hold colons.
        let mut parts = case.attr("name").rsplitn(3, ':');
        let (column, line, path) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
        assert_eq!((path, line, column), (f.path.as_str(), f.line.to_string().as_str(), f.column.to_string().as_str()));
        let failure = &case.all("failure")[0];
        assert_eq!(failure.attr("message"), f.message);
        assert_eq!(failure.attr("type"), f.severity);
        let mut body = failure.text.split('\n');
        assert_eq!(body.next(), Some(f.message.as_str()));
        for (path, line, column, message) in &f.related {
            assert_eq!(body.next(), Some(format!("note: {path}:{line}:{column}: {message}").as_str()));
        }
        assert_eq!(body.next(), Some(format!("help: {}", f.help).as_str()));
        assert_eq!(body.next(), Some(format!("docs: {}", f.docs_url).as_str()));
    }
}

#[test]
fn junit_round_trips_the_fixtures() {
    for name in ["flutter-crossfile", "ios-app"] {
        let (result, expected) = fixture(name);
        check_junit(&result, &expected);
    }
}

#[test]
fn junit_escapes_hostile_paths() {
    let (_dir, result, expected) = hostile(true);
    check_junit(&result, &expected);
}

#[test]
fn a_clean_run_is_one_passing_test_and_empty_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ok.dart"), "void main() {}\n").unwrap();
    let result = run(dir.path());
    assert!(result.diagnostics.is_empty());
    let root = parse_xml(&report::junit::render(&result));
    assert_eq!((root.attr("tests"), root.attr("failures")), ("1", "0"));
    let suites = root.all("testsuite");
    assert_eq!(suites.len(), 1);
    assert_eq!(suites[0].attr("name"), "bglint");
    let cases = suites[0].all("testcase");
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].attr("name"), "no findings");
    assert!(cases[0].children.is_empty(), "it passes");

    assert_eq!(report::github::render(&result), "");
    assert_eq!(report::xcode::render(&result), "");
    assert_eq!(serde_json::from_str::<Value>(&report::gitlab::render(&result)).unwrap(), serde_json::json!([]));
    assert!(parse_xml(&report::checkstyle::render(&result)).children.is_empty());
}

#[test]
fn skipped_files_are_reported_where_the_format_has_room() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bin & <ary>.dart"), b"void main() {}\0\n").unwrap();
    let result = run(dir.path());
    assert_eq!(result.skipped.len(), 1, "{:?}", result.skipped);
    let shown = report::display_path(&result.skipped[0].0);

    let github: Vec<Command> = report::github::render(&result).lines().map(parse_command).collect();
    assert_eq!(github.len(), 1);
    assert_eq!((github[0].name.as_str(), github[0].props["file"].as_str()), ("warning", shown.as_str()));
    assert!(github[0].data.starts_with("skipped: "), "{:?}", github[0]);

    check_junit(&result, &[]);
    let root = parse_xml(&report::junit::render(&result));
    let skipped: Vec<&Element> = root.all("testsuite").into_iter().flat_map(|s| s.all("testcase")).collect();
    let skipped: Vec<&&Element> = skipped.iter().filter(|c| !c.all("skipped").is_empty()).collect();
    assert_eq!(skipped[0].attr("name"), shown);

    let xcode = report::xcode::render(&result);
    assert!(xcode.ends_with(": warning: skipped: looks binary (contains NUL bytes)\n"), "{xcode}");
}

// ---------------------------------------------------------------------------------------------
// Xcode

/// `path:line:col: kind: message`, where the path may hold colons.
fn parse_xcode(line: &str) -> (String, u64, u64, String, String) {
    let (at, kind, message) = ["error", "warning", "note"]
        .iter()
        .filter_map(|k| line.find(&format!(": {k}: ")).map(|i| (i, *k)))
        .min()
        .map(|(i, k)| (&line[..i], k, &line[i + k.len() + 4..]))
        .unwrap_or_else(|| panic!("not an Xcode issue line: {line:?}"));
    let mut parts = at.rsplitn(3, ':');
    let column = parts.next().unwrap().parse().unwrap();
    let line_no = parts.next().unwrap().parse().unwrap();
    (parts.next().unwrap().to_string(), line_no, column, kind.to_string(), message.to_string())
}

/// What Xcode needs: the absolute path of a path as the JSON report shows it.
fn absolute(shown: &str) -> String {
    let p = Path::new(shown);
    let p = if p.is_absolute() { p.to_path_buf() } else { std::env::current_dir().unwrap().join(p) };
    p.canonicalize().unwrap().to_string_lossy().into_owned()
}

fn check_xcode(result: &RunResult, expected: &[Finding]) {
    let out = report::xcode::render(result);
    let mut lines = out.lines().map(parse_xcode);
    for f in expected {
        let (path, line, column, kind, message) = lines.next().expect("a line per finding");
        assert!(Path::new(&path).is_absolute(), "{path}");
        assert_eq!(path, absolute(&f.path));
        assert_eq!((line, column), (f.line, f.column));
        let want_kind = match f.severity.as_str() {
            "error" => "error",
            "warning" => "warning",
            _ => "note",
        };
        assert_eq!(kind, want_kind);
        assert_eq!(message, format!("{} [{}]", f.message, f.rule));
        for (rpath, rline, rcolumn, rmessage) in &f.related {
            assert_eq!(lines.next(), Some((absolute(rpath), *rline, *rcolumn, "note".into(), rmessage.clone())));
        }
    }
    assert_eq!(lines.count(), result.skipped.len());
}

#[test]
fn xcode_round_trips_the_fixtures() {
    for name in ["flutter-crossfile", "ios-app"] {
        let (result, expected) = fixture(name);
        assert!(expected.iter().any(|f| !f.related.is_empty()), "{name} has related locations");
        check_xcode(&result, &expected);
    }
}

#[test]
fn xcode_keeps_hostile_paths_whole() {
    let (dir, result, expected) = hostile(false);
    check_xcode(&result, &expected);
    let out = report::xcode::render(&result);
    let file = dir.path().join("we ird,dir&<x>%é").join("a b,c&d<é>'q\".dart").canonicalize().unwrap();
    assert!(out.starts_with(&format!("{}:2:59: warning: ", file.display())), "{out}");
}
