//! Hostile paths and arguments: bglint never writes over an input, never replaces a device,
//! FIFO or symlink target with a regular file, reads named files only when they are small
//! regular files, runs nothing the analysed repository configures, reports names as they are on
//! disk, and ends quietly when its reader goes away.
#![cfg(unix)]

use std::io::Read;
use std::os::unix::fs::{symlink, FileTypeExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BAD_DART: &str =
    "void schedule() {\n  Workmanager().registerPeriodicTask('p', 'p', frequency: const Duration(minutes: 1));\n}\n";

fn bglint() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bglint"));
    cmd.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    cmd
}

/// Runs `cmd` and fails the test if it takes longer than `limit` (a hang or a runaway read).
fn run_within(mut cmd: Command, limit: Duration) -> Output {
    let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("bglint took longer than {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn run(args: &[&str], cwd: &Path) -> Output {
    let mut cmd = bglint();
    cmd.args(args).current_dir(cwd);
    run_within(cmd, Duration::from_secs(60))
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("lib")).unwrap();
    std::fs::write(dir.path().join("lib/a.dart"), BAD_DART).unwrap();
    dir
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().expect("mkfifo runs");
    assert!(status.success());
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

#[test]
fn output_never_overwrites_an_input() {
    let dir = project();
    let source = dir.path().join("lib/a.dart");
    for args in [
        // The analysed file itself, named as input and as output.
        &["check", "lib/a.dart", "--output", "lib/a.dart"][..],
        // A file the walk of an analysed folder reads.
        &["check", ".", "--output", "lib/a.dart", "--format", "json"],
        &["check", ".", "--write-baseline", "lib/a.dart"],
        // Through a different spelling.
        &["check", "lib", "--output", "./lib/../lib/a.dart"],
    ] {
        let o = run(args, dir.path());
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("refusing to overwrite"), "{args:?}: {}", stderr(&o));
        assert_eq!(std::fs::read_to_string(&source).unwrap(), BAD_DART, "{args:?} changed the source");
    }
    // Through a symlink that points at a source.
    symlink("lib/a.dart", dir.path().join("innocent.json")).unwrap();
    let o = run(&["check", ".", "--output", "innocent.json"], dir.path());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&source).unwrap(), BAD_DART);
    std::fs::remove_file(dir.path().join("innocent.json")).unwrap();
    // The configuration and the baseline read are inputs too.
    std::fs::write(dir.path().join("bglint.toml"), "ignore = []\n").unwrap();
    let o = run(&["check", "lib", "--config", "bglint.toml", "--output", "bglint.toml"], dir.path());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(dir.path().join("bglint.toml")).unwrap(), "ignore = []\n");
    let o = run(&["check", "lib", "--write-baseline", "base.json"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let baseline = std::fs::read_to_string(dir.path().join("base.json")).unwrap();
    let o = run(&["check", "lib", "--baseline", "base.json", "--output", "base.json"], dir.path());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(dir.path().join("base.json")).unwrap(), baseline);
    // A report beside the sources is fine.
    let o = run(&["check", ".", "--output", "report.txt"], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(std::fs::read_to_string(dir.path().join("report.txt")).unwrap().contains("lib/a.dart"));
}

#[test]
fn devices_are_written_through_not_replaced() {
    let dir = project();
    let o = run(&["check", ".", "--output", "/dev/null"], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(std::fs::metadata("/dev/null").unwrap().file_type().is_char_device());

    // A symlink to standard output: the report arrives on the pipe, the link stays a link.
    let link = dir.path().join("out");
    symlink("/dev/stdout", &link).unwrap();
    let o = run(&["check", ".", "--format", "json", "--output", "out"], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("\"path\": \"lib/a.dart\""));
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());

    // A socket cannot be written to as a file: refused, and still a socket.
    let _listener = std::os::unix::net::UnixListener::bind(dir.path().join("sock")).unwrap();
    let o = run(&["check", "lib", "--output", "sock"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("socket"), "{}", stderr(&o));
    assert!(std::fs::metadata(dir.path().join("sock")).unwrap().file_type().is_socket());

    // `--output /dev/stdout` with standard output appended to a file: the file is kept and
    // appended to, not replaced.
    let log = dir.path().join("log.txt");
    std::fs::write(&log, "earlier line\n").unwrap();
    let appended = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    let o = bglint()
        .args(["check", "lib", "--format", "json", "--output", "/dev/stdout"])
        .current_dir(dir.path())
        .stdout(appended)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.starts_with("earlier line\n{"), "{text}");
    assert!(text.contains("\"path\": \"lib/a.dart\""), "{text}");
}

#[test]
fn a_fifo_is_written_through_or_refused_quickly() {
    let dir = project();
    let fifo = dir.path().join("pipe");
    mkfifo(&fifo);
    // Nobody reads it: a clear error, not a hang.
    let o = run(&["check", ".", "--output", "pipe"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("named pipe nobody is reading"), "{}", stderr(&o));
    // With a reader, the report goes through the pipe.
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut text = String::new();
            std::fs::File::open(fifo).unwrap().read_to_string(&mut text).unwrap();
            text
        })
    };
    // The reader must have opened the FIFO before bglint looks for one.
    let started = Instant::now();
    let mut o = run(&["check", ".", "--format", "json", "--output", "pipe"], dir.path());
    while o.status.code() == Some(2) && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
        o = run(&["check", ".", "--format", "json", "--output", "pipe"], dir.path());
    }
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(reader.join().unwrap().contains("flutter-periodic-task-under-15-min"));
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
}

#[test]
fn a_symlink_to_a_file_replaces_the_target_and_keeps_the_link() {
    let dir = project();
    std::fs::create_dir(dir.path().join("reports")).unwrap();
    std::fs::write(dir.path().join("reports/real.json"), "old").unwrap();
    symlink("reports/real.json", dir.path().join("link.json")).unwrap();
    let o = run(&["check", "lib", "--format", "json", "--output", "link.json"], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(std::fs::symlink_metadata(dir.path().join("link.json")).unwrap().file_type().is_symlink());
    assert!(std::fs::read_to_string(dir.path().join("reports/real.json")).unwrap().contains("lib/a.dart"));
    assert_eq!(names(&dir.path().join("reports")), ["real.json"], "a temporary file was left behind");
}

#[test]
fn a_planted_symlink_at_the_old_temporary_name_is_not_followed() {
    let dir = project();
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    // The fixed names earlier versions used, planted in advance.
    symlink(&victim, dir.path().join(".report.json.bglint-tmp")).unwrap();
    symlink(&victim, dir.path().join(".bglint-tmp")).unwrap();
    let o = run(&["check", "lib", "--format", "json", "--output", "report.json"], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert!(std::fs::read_to_string(dir.path().join("report.json")).unwrap().contains("lib/a.dart"));
    assert_eq!(names(dir.path()), [".bglint-tmp", ".report.json.bglint-tmp", "lib", "report.json", "victim.txt"]);
}

#[test]
fn output_naming_a_directory_is_an_error_and_leaves_nothing() {
    let dir = project();
    std::fs::create_dir(dir.path().join("reports")).unwrap();
    let o = run(&["check", "lib", "--output", "reports"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is a directory"), "{}", stderr(&o));
    assert_eq!(names(dir.path()), ["lib", "reports"]);
    assert!(names(&dir.path().join("reports")).is_empty());
    // A folder that does not exist: an error, nothing created.
    let o = run(&["check", "lib", "--output", "missing/report.txt"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(names(dir.path()), ["lib", "reports"]);
    // A dangling symlink: refused, not created through.
    symlink(dir.path().join("nowhere/x"), dir.path().join("dangling")).unwrap();
    let o = run(&["check", "lib", "--output", "dangling"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("does not exist"), "{}", stderr(&o));
}

#[test]
fn named_inputs_must_be_small_regular_files() {
    let dir = project();
    let fifo = dir.path().join("fifo");
    mkfifo(&fifo);
    let limit = Duration::from_secs(10);
    let check = |args: &[&str], expect: &str| {
        let mut cmd = bglint();
        cmd.args(args).current_dir(dir.path());
        let o = run_within(cmd, limit);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(expect), "{args:?}: {}", stderr(&o));
    };
    check(&["check", "lib", "--config", "/dev/zero"], "character device, not a regular file");
    check(&["check", "lib", "--baseline", "/dev/zero"], "character device, not a regular file");
    check(&["check", "lib", "--config", "fifo"], "named pipe (FIFO), not a regular file");
    check(&["check", "lib", "--baseline", "fifo"], "named pipe (FIFO), not a regular file");
    check(&["check", "lib", "--config", "lib"], "a directory, not a regular file");
    // An over-large file is refused without reading it all.
    let big = dir.path().join("big.json");
    std::fs::File::create(&big).unwrap().set_len(5 * 1024 * 1024).unwrap();
    check(&["check", "lib", "--baseline", "big.json"], "larger than 4 MiB");
    // The `extend` chain of a bglint.toml, found or named.
    for target in ["/dev/zero", "fifo", "big.json"] {
        std::fs::write(dir.path().join("bglint.toml"), format!("extend = \"{target}\"\n")).unwrap();
        check(&["check", "lib"], "`extend` names");
        check(&["check", "lib", "--config", "bglint.toml"], "`extend` names");
    }
}

#[test]
fn threads_and_file_size_are_bounded() {
    let dir = project();
    for (args, expect) in [
        (&["check", "lib", "--threads", "10000"][..], "more than 256 threads"),
        (&["check", "lib", "--threads", "18446744073709551615"], "more than 256 threads"),
        (&["check", "lib", "--threads", "99999999999999999999999"], "not a number of threads"),
        (&["stats", "lib", "--threads", "257"], "more than 256 threads"),
        (&["check", "lib", "--max-file-size", "0"], "--max-file-size"),
        (&["check", "lib", "--max-file-size", "1000000000000"], "--max-file-size"),
    ] {
        let o = run(args, dir.path());
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains(expect), "{args:?}: {}", stderr(&o));
    }
    let o = run(&["check", "lib", "--threads", "256"], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git").args(args).current_dir(dir).status().unwrap();
    assert!(status.success(), "git {args:?}");
}

#[test]
fn changed_since_runs_nothing_the_repository_configures() {
    if Command::new("git").arg("--version").output().is_err() {
        eprintln!("git is not installed; skipping");
        return;
    }
    let dir = project();
    let root = dir.path();
    git(root, &["init", "-q"]);
    git(root, &["-c", "user.email=t@t", "-c", "user.name=t", "add", "."]);
    git(root, &["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "one"]);
    // Every command the repository could make git run writes a marker file.
    let markers = tempfile::tempdir().unwrap();
    let script = markers.path().join("evil.sh");
    std::fs::write(&script, "#!/bin/sh\ntouch \"$(dirname \"$0\")/ran-$1\"\ncat\n").unwrap();
    Command::new("chmod").arg("755").arg(&script).status().unwrap();
    let s = script.display();
    git(root, &["config", "core.fsmonitor", &format!("{s} fsmonitor")]);
    git(root, &["config", "filter.evil.clean", &format!("{s} clean")]);
    git(root, &["config", "filter.evil.required", "true"]);
    git(root, &["config", "diff.evil.textconv", &format!("{s} textconv")]);
    git(root, &["config", "diff.evil.command", &format!("{s} diffcommand")]);
    git(root, &["config", "diff.external", &format!("{s} external")]);
    git(root, &["config", "core.hooksPath", "hooks"]);
    std::fs::create_dir(root.join("hooks")).unwrap();
    std::fs::write(root.join("hooks/post-index-change"), format!("#!/bin/sh\n{s} hook\n")).unwrap();
    Command::new("chmod").arg("755").arg(root.join("hooks/post-index-change")).status().unwrap();
    std::fs::write(root.join(".gitattributes"), "*.dart filter=evil diff=evil\n").unwrap();
    // Same content, new modification time: git must look at the file through its filter.
    std::fs::write(root.join("lib/a.dart"), BAD_DART).unwrap();
    std::fs::write(root.join("lib/b.dart"), BAD_DART).unwrap();
    let sanity = Command::new("git").args(["diff", "--name-only", "HEAD"]).current_dir(root).output().unwrap();
    assert!(sanity.status.success());
    assert!(markers.path().join("ran-fsmonitor").exists(), "the test's trap does not work: plain git ran no fsmonitor");
    // A long-running filter too (plain git would fail on this script, so it comes after).
    git(root, &["config", "filter.evil.process", &format!("{s} process")]);
    for entry in std::fs::read_dir(markers.path()).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() != "evil.sh" {
            std::fs::remove_file(entry.path()).unwrap();
        }
    }

    let o = run(&["check", "--changed-since", "HEAD", "--format", "json", "."], root);
    let ran: Vec<String> = names(markers.path()).into_iter().filter(|n| n != "evil.sh").collect();
    assert!(ran.is_empty(), "bglint made git run the repository's commands: {ran:?}");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    // Still correct: the untracked file is reported, the untouched one is not.
    let report = String::from_utf8_lossy(&o.stdout);
    assert!(report.contains("lib/b.dart"), "{report}");
    assert!(!report.contains("lib/a.dart"), "{report}");

    // A configuration that makes git wait forever stops with an error, not a hang.
    let fifo = markers.path().join("config-pipe");
    mkfifo(&fifo);
    git(root, &["config", "include.path", fifo.to_str().unwrap()]);
    let mut cmd = bglint();
    cmd.args(["check", "--changed-since", "HEAD", "."]).current_dir(root).env("BGLINT_GIT_TIMEOUT", "2");
    let o = run_within(cmd, Duration::from_secs(30));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("did not finish"), "{}", stderr(&o));
    let config = std::fs::read_to_string(root.join(".git/config")).unwrap();
    std::fs::write(root.join(".git/config"), config.replace("[include]", "[x]")).unwrap();

    // A ref that looks like an option is not passed to git as one.
    let o = run(&["check", "--changed-since=--output=x", "."], root);
    assert_eq!(o.status.code(), Some(2));
    assert!(!root.join("x").exists());
}

fn json_paths(o: &Output) -> Vec<String> {
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON report");
    let mut paths: Vec<String> =
        report["findings"].as_array().unwrap().iter().map(|d| d["path"].as_str().unwrap().to_string()).collect();
    paths.sort();
    paths
}

#[test]
fn file_names_are_reported_as_they_are_on_disk() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("lib")).unwrap();
    std::fs::write(dir.path().join("lib/back\\slash.dart"), BAD_DART).unwrap();
    let odd = PathBuf::from(std::ffi::OsStr::from_bytes(b"lib/caf\xe9.dart"));
    if std::fs::write(dir.path().join(&odd), BAD_DART).is_err() {
        eprintln!("this file system refuses non-UTF-8 names; skipping that part");
    }
    let o = run(&["check", ".", "--format", "json"], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let paths = json_paths(&o);
    assert!(paths.contains(&"lib/back\\slash.dart".to_string()), "{paths:?}");
    if dir.path().join(&odd).exists() {
        assert!(paths.contains(&"lib/caf\\xE9.dart".to_string()), "{paths:?}");
        assert!(!paths.iter().any(|p| p.contains('\u{FFFD}')), "{paths:?}");
        let sarif = run(&["check", ".", "--format", "sarif"], dir.path());
        let text = String::from_utf8_lossy(&sarif.stdout);
        assert!(text.contains("\"uri\": \"lib/caf%E9.dart\""), "{text}");
        assert!(text.contains("\"uri\": \"lib/back%5Cslash.dart\""), "{text}");
    }
    let text = run(&["check", "."], dir.path());
    assert!(String::from_utf8_lossy(&text.stdout).contains("lib/back\\slash.dart:2:"));
}

#[test]
fn a_closed_output_pipe_ends_the_run_quietly() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("lib")).unwrap();
    // Enough output to fill a pipe several times over.
    for i in 0..150 {
        std::fs::write(dir.path().join(format!("lib/f{i}.dart")), BAD_DART.repeat(4)).unwrap();
    }
    for format in ["text", "json", "sarif"] {
        let mut child = bglint()
            .args(["check", ".", "--format", format])
            .current_dir(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Read a little, as `head -c` would, then go away.
        let mut out = child.stdout.take().unwrap();
        let mut first = [0u8; 16];
        out.read_exact(&mut first).unwrap();
        drop(out);
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(1), "{format}: {}", stderr(&o));
        assert!(!stderr(&o).contains("Broken pipe"), "{format}: {}", stderr(&o));
        assert!(stderr(&o).is_empty(), "{format}: {}", stderr(&o));
    }
    let mut child = bglint().args(["rules"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
}
