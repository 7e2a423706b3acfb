//! Hostile input through the command line: per-file bounds, encodings and line endings that
//! must never lose a finding silently, and output that stays small and linear.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs bglint, failing the test (instead of hanging it) if the run does not end in `limit`.
fn bglint_within(args: &[&str], cwd: &Path, limit: Duration) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bglint"))
        .args(args)
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bglint runs");
    // Drain the pipes on threads so a large report cannot block the child.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut v).unwrap();
        v
    });
    let err = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut err, &mut v).unwrap();
        v
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            child.kill().unwrap();
            panic!("bglint {args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Output { status, stdout: out.join().unwrap(), stderr: err.join().unwrap() }
}

fn bglint(args: &[&str], cwd: &Path) -> Output {
    bglint_within(args, cwd, Duration::from_secs(300))
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn project(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    dir
}

const BAD_DART: &str =
    "void schedule() {\n  Workmanager().registerPeriodicTask('p', 'p', frequency: const Duration(minutes: 1));\n}\n";

/// Text every language's rules look at (so the prefilter lets the file through to the parser).
fn keywords(ext: &str) -> &'static str {
    match ext {
        "dart" => BAD_DART,
        "swift" => "import BackgroundTasks\nfunc f() { let r = BGAppRefreshTaskRequest(identifier: \"x\"); Timer.scheduledTimer(withTimeInterval: 1, repeats: true) { _ in }; UIApplication.shared.beginBackgroundTask {} }\n",
        _ => "import androidx.work.*\nval r = PeriodicWorkRequestBuilder<W>(5, TimeUnit.MINUTES).build()\nfun f() { WorkManager.getInstance(c).enqueue(r); AlarmManager; setExact }\n",
    }
}

#[test]
fn unclosed_brackets_are_skipped_at_the_time_limit_and_the_run_is_incomplete() {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for ext in ["dart", "swift", "kt"] {
        for (i, open) in ["(", "{", "["].iter().enumerate() {
            files.push((format!("lib/b{i}.{ext}"), format!("{}{}", keywords(ext), open.repeat(300_000)).into_bytes()));
        }
    }
    files.push(("lib/bad.dart".to_string(), BAD_DART.as_bytes().to_vec()));
    let refs: Vec<(&str, &[u8])> = files.iter().map(|(p, b)| (p.as_str(), b.as_slice())).collect();
    let dir = project(&refs);
    let o = bglint(&["check", "--color", "never", "--file-time-limit", "1", "--threads", "2"], dir.path());
    let out = stdout(&o);
    let skipped = out.lines().filter(|l| l.contains("per-file limit")).count();
    // Each file either finished within the limit or was skipped with a note naming it.
    assert!(out.contains("lib/bad.dart:2:"), "the run goes on past hostile files: {out}");
    if skipped > 0 {
        assert_eq!(o.status.code(), Some(2), "an incomplete run fails: {out}");
        assert!(out.contains("analysis incomplete"), "{out}");
        assert!(String::from_utf8_lossy(&o.stderr).contains("analysis is incomplete"));
        assert!(
            out.lines().any(|l| l.starts_with("note: skipped lib/b") && l.contains("took longer than the 1 s")),
            "{out}"
        );
    }
    // Dart's `{` and `[` take minutes without the bound (their scanner re-reads the rest of the
    // file at each bracket), so at least those are skipped.
    assert!(skipped >= 2, "{out}");
}

#[test]
fn the_json_summary_counts_incomplete_files() {
    let text = format!("{}{}", keywords("kt"), "(".repeat(300_000));
    let dir = project(&[("a.kt", text.as_bytes()), ("b.dart", BAD_DART.as_bytes())]);
    let o = bglint(&["check", "--format", "json", "--file-time-limit", "1"], dir.path());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["summary"]["files_incomplete"], 1, "{v}");
    assert_eq!(v["skipped"][0]["path"], "a.kt");
    assert!(v["skipped"][0]["reason"].as_str().unwrap().contains("per-file limit"), "{v}");
    assert_eq!(v["findings"].as_array().unwrap().len(), 1, "the other file is still checked");
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn time_limits_out_of_range_are_usage_errors() {
    let dir = project(&[("b.dart", BAD_DART.as_bytes())]);
    for bad in ["0", "-1", "nan", "1e9", "x"] {
        let o = bglint(&["check", "--file-time-limit", bad], dir.path());
        assert_eq!(o.status.code(), Some(2), "{bad}");
    }
}

/// A small deterministic generator (xorshift) for the mangled-file test.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

#[test]
fn mangled_kotlin_files_finish_and_never_crash() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let original =
        std::fs::read(here.join("fixtures/android-app/app/src/main/java/com/example/pantry/reminders/ReminderJobs.kt"))
            .unwrap();
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let mut files = Vec::new();
    for n in 0..60 {
        let mut bytes = original.clone();
        for _ in 0..1 + rng.below(5) {
            let at = rng.below(bytes.len());
            let end = (at + 1 + rng.below(12)).min(bytes.len());
            if rng.below(2) == 0 {
                bytes.drain(at..end);
            } else {
                let copy = bytes[at..end].to_vec();
                bytes.splice(at..at, copy);
            }
        }
        files.push((format!("app/src/main/java/m{n}.kt"), bytes));
    }
    let manifest = std::fs::read(here.join("fixtures/android-app/app/src/main/AndroidManifest.xml")).unwrap();
    files.push(("app/src/main/AndroidManifest.xml".to_string(), manifest));
    let refs: Vec<(&str, &[u8])> = files.iter().map(|(p, b)| (p.as_str(), b.as_slice())).collect();
    let dir = project(&refs);
    let o = bglint(&["check", "--format", "json"], dir.path());
    assert!(matches!(o.status.code(), Some(0..=2)), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["summary"]["files_analyzed"], 60, "{}", v["summary"]);
    assert!(v["summary"]["files_parsed"].as_u64().unwrap() > 0);
    assert!(!String::from_utf8_lossy(&o.stderr).contains("panicked"));
}

#[test]
fn a_finding_on_a_minified_line_prints_a_short_frame_at_the_right_column() {
    let call = "Workmanager().registerPeriodicTask('p', 'p', frequency: const Duration(minutes: 1));";
    let pad = "var a = 1; ".repeat(10_000);
    let text = format!("void f() {{\n{pad}{call}{pad}\n}}\n");
    let dir = project(&[("lib/min.dart", text.as_bytes())]);
    let o = bglint(&["check", "--color", "never"], dir.path());
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{}", &out[..out.len().min(2000)]);
    assert!(out.len() < 4_000, "the frame is cut around the span: {} bytes", out.len());
    let column = pad.chars().count() + call.find("const Duration").unwrap() + 1;
    assert!(out.contains(&format!("lib/min.dart:2:{column}")), "{out}");
    assert!(out.contains("…") && out.contains("registerPeriodicTask"), "{out}");
    for format in ["json", "sarif"] {
        let o = bglint(&["check", "--format", format], dir.path());
        assert!(o.stdout.len() < 20_000, "{format}: {} bytes", o.stdout.len());
    }
    // The baseline stays small too.
    let o = bglint(&["check", "--write-baseline", "b.json"], dir.path());
    assert_eq!(o.status.code(), Some(0));
    assert!(std::fs::metadata(dir.path().join("b.json")).unwrap().len() < 4_000);
}

#[test]
fn old_mac_line_endings_report_the_right_line_and_honour_suppressions() {
    let cr = BAD_DART.replace('\n', "\r");
    let suppressed = cr.replace(
        "void schedule() {\r",
        "void schedule() {\r// bglint-ignore flutter-periodic-task-under-15-min: tested\r",
    );
    let dir = project(&[("lib/cr.dart", cr.as_bytes()), ("lib/quiet.dart", suppressed.as_bytes())]);
    let o = bglint(&["check", "--color", "never"], dir.path());
    let out = stdout(&o);
    assert!(out.contains("lib/cr.dart:2:59"), "{out}");
    assert!(!out.contains("lib/quiet.dart:"), "the suppression on the line above applies: {out}");
    assert!(out.contains("2 │   Workmanager()"), "the frame shows line 2 alone: {out}");
    let o = bglint(&["check", "--format", "json"], dir.path());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["findings"][0]["start"]["line"], 2, "{v}");
    assert_eq!(v["findings"][0]["start"]["column"], 59, "{v}");
}
