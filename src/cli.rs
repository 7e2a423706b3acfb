//! The command line: `bglint check`, `bglint rules`, `bglint explain`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use codespan_reporting::term::termcolor::{ColorChoice, StandardStream, WriteColor};

use crate::engine::{Engine, Options};
use crate::report;
use crate::rules::Registry;

/// Exit codes: 0 no findings, 1 findings, 2 usage or I/O error.
pub const EXIT_CLEAN: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

/// The most worker threads `--threads` accepts: far more than any machine bglint runs on
/// needs, and few enough that a typo cannot exhaust memory or the process table.
pub const MAX_THREADS: usize = 256;

/// The largest `--max-file-size`: beyond it a single file would dominate memory and time.
pub const MAX_FILE_SIZE_LIMIT: u64 = 256 * 1024 * 1024;

fn parse_threads(s: &str) -> Result<usize, String> {
    let n: usize = s.trim().parse().map_err(|_| format!("`{s}` is not a number of threads"))?;
    if n > MAX_THREADS {
        return Err(format!("{n} is more than {MAX_THREADS} threads (0 means one per core)"));
    }
    Ok(n)
}

#[derive(Parser, Debug)]
#[command(
    name = "bglint",
    version,
    about = "Finds mobile background-execution mistakes in Dart, Swift, Kotlin and Java"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Analyse files and directories (default: the current directory).
    Check(CheckArgs),
    /// List every rule.
    Rules {
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Run the language server on stdin/stdout (for editors).
    Lsp,
    /// Write a commented bglint.toml in the current folder.
    Init {
        /// Overwrite an existing bglint.toml.
        #[arg(long)]
        force: bool,
    },
    /// Print the JSON schema of bglint.toml (for editors).
    ConfigSchema,
    /// Show a rule's documentation and examples.
    Explain {
        /// The rule id, e.g. `ios-background-task-not-ended`.
        rule: String,
    },
    /// List the projects bglint finds (Flutter, iOS, Android) and what their configuration
    /// declares: background modes, task identifiers, manifests, targetSdk, dependencies.
    Projects {
        #[arg(default_value = ".")]
        paths: Vec<PathBuf>,
        /// As for `check`.
        #[arg(long, value_name = "LEVEL", default_value_t = crate::project::discover::DEFAULT_ASSUMED_TARGET_SDK)]
        assume_target_sdk: u32,
    },
    /// Parse every source file (no prefilter, no rules) and report grammar health and
    /// parse throughput per language: the benchmark's baseline.
    Stats {
        #[arg(default_value = ".")]
        paths: Vec<PathBuf>,
        /// As for `check`.
        #[arg(long, default_value_t = 0, value_parser = parse_threads)]
        threads: usize,
    },
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Files or directories to analyse.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the report to this file instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// When to colour text output. `auto` follows the terminal, NO_COLOR and CLICOLOR_FORCE.
    #[arg(long, value_enum, default_value_t = ColorMode::Auto)]
    pub color: ColorMode,
    /// Worker threads, at most 256 (0: one per core).
    #[arg(long, default_value_t = 0, value_parser = parse_threads)]
    pub threads: usize,
    /// Skip files larger than this many bytes (1 to 268435456, i.e. 256 MiB).
    #[arg(long, default_value_t = crate::source::DEFAULT_MAX_FILE_BYTES,
          value_parser = clap::value_parser!(u64).range(1..=MAX_FILE_SIZE_LIMIT))]
    pub max_file_size: u64,
    /// Seconds one file may take to parse and check before it is skipped and the run reported
    /// incomplete (exit code 2). Real files take well under a second.
    #[arg(long, value_name = "SECONDS", default_value_t = crate::lang::budget::FILE_TIME_LIMIT.as_secs_f64(),
          value_parser = parse_time_limit)]
    pub file_time_limit: f64,
    /// The Android targetSdk to assume where Gradle names a value bglint cannot resolve
    /// (`flutter.targetSdkVersion`); findings that depend on it say so.
    /// (default 35, or `assume-target-sdk` in bglint.toml).
    #[arg(long, value_name = "LEVEL", value_parser = clap::value_parser!(u32).range(1..=100))]
    pub assume_target_sdk: Option<u32>,
    /// Report a `bglint-ignore` comment without a reason (`: why`) as an error
    /// (also `require-suppression-reason = true` in bglint.toml).
    #[arg(long)]
    pub require_suppression_reason: bool,
    /// Also analyse test code (Dart test/, integration_test/, test_driver/; Android src/test*/,
    /// src/androidTest*/; Swift *Tests/ and files importing XCTest or Testing), left out by
    /// default (or `include-tests = true` in bglint.toml).
    #[arg(long)]
    pub include_tests: bool,
    /// Use this bglint.toml for every file instead of the nearest one above each file.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The lowest severity that makes the run fail (exit code 1). `info` findings are hints,
    /// so by default only warnings and errors fail a build.
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,
    /// Analyse everything (cross-file facts need the whole project) but report only findings in
    /// files changed since this git ref (committed, staged, unstaged or untracked).
    #[arg(long, value_name = "GIT_REF")]
    pub changed_since: Option<String>,
    /// Report only findings that are not in this baseline file (see --write-baseline).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record every current finding in this baseline file (written atomically), then report
    /// as if it were given with --baseline.
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    pub write_baseline: Option<PathBuf>,
}

/// The severity at and above which findings fail the run.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOn {
    Error,
    Warning,
    Info,
}

impl FailOn {
    fn threshold(self) -> crate::diagnostics::Severity {
        use crate::diagnostics::Severity;
        match self {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Info => Severity::Info,
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Code frames for people (the default).
    Text,
    /// The stable JSON shape (see README).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands: annotations on the pull request.
    Github,
    /// GitLab Code Quality report.
    Gitlab,
    /// Checkstyle XML.
    Checkstyle,
    /// JUnit XML, one test suite per rule.
    Junit,
    /// `path:line:col: warning: message [rule]`, which Xcode shows inline from a build phase.
    Xcode,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListFormat {
    Table,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorMode {
    Auto,
    Always,
    Never,
}

fn color_choice(mode: ColorMode, is_tty: bool) -> ColorChoice {
    let env_set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty() && v != "0");
    match mode {
        ColorMode::Always => ColorChoice::Always,
        ColorMode::Never => ColorChoice::Never,
        ColorMode::Auto if env_set("NO_COLOR") => ColorChoice::Never,
        ColorMode::Auto if env_set("CLICOLOR_FORCE") => ColorChoice::Always,
        ColorMode::Auto if is_tty => ColorChoice::Auto,
        ColorMode::Auto => ColorChoice::Never,
    }
}

pub fn main() -> ExitCode {
    // A rule that panics on one file is caught and reported as an internal error for that
    // file; keep the worker's backtrace off the user's terminal.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() != Some("bglint-worker") {
            default_hook(info);
        }
    }));
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        // Standard output closed early (`bglint rules | head`): the reader has what it wanted.
        Err(e) if crate::fsio::is_broken_pipe(&e) => ExitCode::from(EXIT_CLEAN),
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

pub fn run(cli: Cli) -> anyhow::Result<u8> {
    let registry = Registry::builtin()?;
    match cli.command {
        Command::Check(args) => check(registry, args),
        Command::Lsp => {
            crate::lsp::serve_stdio()?;
            Ok(EXIT_CLEAN)
        }
        Command::Init { force } => {
            let path = PathBuf::from(crate::config::FILE_NAME);
            if path.exists() && !force {
                anyhow::bail!("{} already exists (use --force to overwrite it)", path.display());
            }
            write_output(Some(&path), INIT_TEMPLATE.as_bytes())?;
            writeln!(std::io::stdout().lock(), "wrote {}", path.display())?;
            Ok(EXIT_CLEAN)
        }
        Command::ConfigSchema => {
            write!(std::io::stdout().lock(), "{}", crate::config::schema::json_schema())?;
            Ok(EXIT_CLEAN)
        }
        Command::Rules { format } => {
            let mut out = std::io::stdout().lock();
            match format {
                ListFormat::Json => {
                    let metas: Vec<_> = registry.rules.iter().map(|r| r.meta()).collect();
                    writeln!(out, "{}", serde_json::to_string_pretty(&metas)?)?;
                }
                ListFormat::Table => {
                    writeln!(out, "{:<44} {:<12} {:<22} {:<8} SUMMARY", "ID", "PLATFORM", "LANGUAGES", "SEVERITY")?;
                    for r in &registry.rules {
                        let m = r.meta();
                        let langs: Vec<&str> = m.languages.iter().map(|l| l.name()).collect();
                        writeln!(
                            out,
                            "{:<44} {:<12} {:<22} {:<8} {}",
                            m.id,
                            m.platform.as_str(),
                            langs.join(","),
                            m.severity.as_str(),
                            m.summary
                        )?;
                    }
                }
            }
            Ok(EXIT_CLEAN)
        }
        Command::Projects { paths, assume_target_sdk } => {
            for p in &paths {
                if !p.exists() {
                    anyhow::bail!("{}: no such file or directory", p.display());
                }
            }
            let options = crate::project::discover::DiscoveryOptions { assumed_target_sdk: assume_target_sdk };
            let workspace = crate::project::discover::discover_paths(&paths, &options);
            let mut out = std::io::stdout().lock();
            if workspace.projects.is_empty() {
                writeln!(out, "No Flutter, iOS or Android project found.")?;
            }
            for project in &workspace.projects {
                write!(out, "{}", project.describe())?;
            }
            Ok(EXIT_CLEAN)
        }
        Command::Stats { paths, threads } => {
            for p in &paths {
                if !p.exists() {
                    anyhow::bail!("{}: no such file or directory", p.display());
                }
            }
            let stats = crate::engine::stats::parse_stats(&paths, threads, crate::source::DEFAULT_MAX_FILE_BYTES)?;
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "{:<8} {:>8} {:>10} {:>12} {:>10} {:>10} {:>10}",
                "LANG", "FILES", "MB", "WITH ERRORS", "CLEAN %", "PARSE s", "MAX DEPTH"
            )?;
            let languages =
                [("dart", &stats.dart), ("swift", &stats.swift), ("kotlin", &stats.kotlin), ("java", &stats.java)];
            for (name, l) in languages {
                let clean =
                    if l.files == 0 { 100.0 } else { 100.0 * (l.files - l.files_with_errors) as f64 / l.files as f64 };
                writeln!(
                    out,
                    "{name:<8} {:>8} {:>10.1} {:>12} {:>9.1}% {:>10.2} {:>10}",
                    l.files,
                    l.bytes as f64 / 1e6,
                    l.files_with_errors,
                    clean,
                    l.parse_time.as_secs_f64(),
                    l.max_depth
                )?;
            }
            writeln!(out, "wall time {:.2}s, {} files skipped", stats.wall_time.as_secs_f64(), stats.skipped)?;
            Ok(EXIT_CLEAN)
        }
        Command::Explain { rule } => match registry.get(&rule) {
            Some(r) => {
                write!(std::io::stdout().lock(), "{}", r.meta().render_markdown())?;
                Ok(EXIT_CLEAN)
            }
            None => {
                let ids: Vec<&str> = registry.rules.iter().map(|r| r.meta().id.as_str()).collect();
                anyhow::bail!("unknown rule `{rule}`; `bglint rules` lists them ({})", ids.join(", "))
            }
        },
    }
}

/// A configuration problem: a code frame into bglint.toml on stderr, exit code 2.
fn config_error(e: &crate::config::ConfigError) -> anyhow::Result<u8> {
    let stderr = std::io::stderr();
    let mut stream = StandardStream::stderr(color_choice(ColorMode::Auto, stderr.is_terminal()));
    report::text::render_problem(&e.path, &e.text, e.span.clone(), &e.message, &mut stream)?;
    Ok(EXIT_ERROR)
}

fn check(registry: &'static Registry, args: CheckArgs) -> anyhow::Result<u8> {
    // Never write over what this run reads; refuse before any work.
    let inputs = crate::fsio::Inputs {
        roots: args.paths.clone(),
        files: args.config.iter().chain(&args.baseline).cloned().collect(),
    };
    if let Some(path) = &args.output {
        inputs.refuse("--output", path)?;
    }
    if let Some(path) = &args.write_baseline {
        inputs.refuse("--write-baseline", path)?;
    }
    if let (Some(output), Some(baseline)) = (&args.output, &args.write_baseline) {
        if crate::fsio::same_path(output, baseline) {
            anyhow::bail!("--output and --write-baseline name the same file, {}", output.display());
        }
    }
    let engine = Engine::new(registry);
    let metas: Vec<&crate::rules::meta::RuleMeta> = registry.rules.iter().map(|r| r.meta()).collect();
    let mut configs = crate::config::Configs::new(&metas);
    // The run-wide settings come from the configuration of the first path (or --config).
    let explicit = match &args.config {
        Some(path) => match configs.load(path) {
            Ok(c) => Some(std::sync::Arc::new(c)),
            Err(e) => return config_error(&e),
        },
        None => None,
    };
    let first = args.paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
    let folder = if first.is_dir() { first.clone() } else { first.parent().map(PathBuf::from).unwrap_or_default() };
    let run_config = match &explicit {
        Some(c) => Some(c.clone()),
        None => match configs.for_folder(&crate::config::absolute(&folder)) {
            Ok(c) => c,
            Err(e) => return config_error(&e),
        },
    };
    let options = Options {
        threads: args.threads,
        max_file_bytes: args.max_file_size,
        file_time_limit: std::time::Duration::from_secs_f64(args.file_time_limit),
        assumed_target_sdk: args
            .assume_target_sdk
            .or(run_config.as_ref().and_then(|c| c.assume_target_sdk))
            .unwrap_or(crate::project::discover::DEFAULT_ASSUMED_TARGET_SDK),
        require_suppression_reason: args.require_suppression_reason
            || run_config.as_ref().and_then(|c| c.require_suppression_reason).unwrap_or(false),
        include_tests: args.include_tests || run_config.as_ref().and_then(|c| c.include_tests).unwrap_or(false),
        ..Options::default()
    };
    // Ask git first: a bad ref or a missing repository is a usage error, before any work.
    let changed = match &args.changed_since {
        Some(base) => Some(crate::changed::changed_files(&args.paths[0], base)?),
        None => None,
    };
    let baseline = match &args.baseline {
        Some(path) => {
            let text =
                crate::fsio::read_bounded(path).map_err(|e| anyhow::anyhow!("--baseline {}: {e}", path.display()))?;
            Some(
                crate::baseline::Baseline::from_json(&text)
                    .map_err(|e| anyhow::anyhow!("--baseline {}: {e}", path.display()))?,
            )
        }
        None => None,
    };
    let mut result = engine.check_paths(&args.paths, &options)?;
    // Configuration decides which findings are kept and at which severity (nearest file wins).
    if let Err(e) = configs.filter(&mut result, explicit.as_deref()) {
        return config_error(&e);
    }
    if let Some(path) = &args.write_baseline {
        let recorded = crate::baseline::record(&result, report::display_path);
        write_output(Some(path), recorded.to_json().as_bytes())?;
        result.notes.push(format!(
            "wrote {} baseline entries for {} findings to {}",
            recorded.entries.len(),
            result.diagnostics.len(),
            path.display()
        ));
        crate::baseline::apply(&mut result, &recorded, report::display_path);
    }
    if let Some(baseline) = &baseline {
        let fixed = crate::baseline::apply(&mut result, baseline, report::display_path);
        if !fixed.is_empty() {
            for e in &fixed {
                let place = if e.context.is_empty() { e.path.clone() } else { format!("{} ({})", e.path, e.context) };
                result
                    .notes
                    .push(format!("baseline entry fixed: {} in {place}: `{}` (×{})", e.rule, e.snippet, e.count));
            }
            result.notes.push(format!(
                "{} baseline entries no longer match anything; run with --write-baseline to prune them",
                fixed.len()
            ));
        }
    }
    if let Some(changed) = &changed {
        result.retain_diagnostics(|d| crate::changed::is_changed(changed, &d.path));
    }
    let to_file = args.output.is_some();
    match args.format {
        Format::Json
        | Format::Sarif
        | Format::Github
        | Format::Gitlab
        | Format::Checkstyle
        | Format::Junit
        | Format::Xcode => {
            let rendered = match args.format {
                Format::Json => report::json::render(&result),
                Format::Sarif => report::sarif::render(&result),
                Format::Github => report::github::render(&result),
                Format::Gitlab => report::gitlab::render(&result),
                Format::Checkstyle => report::checkstyle::render(&result),
                Format::Junit => report::junit::render(&result),
                _ => report::xcode::render(&result),
            };
            write_output(args.output.as_deref(), rendered.as_bytes())?;
        }
        Format::Text => {
            if let Some(path) = &args.output {
                let mut buf = codespan_reporting::term::termcolor::NoColor::new(Vec::new());
                report::text::render(&result, &mut buf)?;
                write_output(Some(path), &buf.into_inner())?;
            } else {
                let stdout = std::io::stdout();
                let choice = color_choice(args.color, stdout.is_terminal() && !to_file);
                let mut stream = StandardStream::stdout(choice);
                // `bglint check | head`: a reader that went away is not an error.
                crate::fsio::quiet_pipe(report::text::render(&result, &mut stream).and_then(|()| stream.reset()))?;
            }
        }
    }
    if result.incomplete_files() > 0 {
        // Some code was not checked at all: CI must not pass on that.
        let internal = result.internal_errors();
        let bounded = result.incomplete_files() - internal;
        let mut why = Vec::new();
        if bounded > 0 {
            why.push(format!("{bounded} file(s) exceeded bglint's per-file bounds"));
        }
        if internal > 0 {
            why.push(format!("bglint failed on {internal} file(s), please report it"));
        }
        let _ =
            writeln!(std::io::stderr(), "error: the analysis is incomplete: {} (see the notes above)", why.join("; "));
        return Ok(EXIT_ERROR);
    }
    let threshold = args.fail_on.threshold();
    Ok(if result.diagnostics.iter().any(|d| d.severity >= threshold) { EXIT_FINDINGS } else { EXIT_CLEAN })
}

/// A per-file time limit: a positive number of seconds, at most an hour.
fn parse_time_limit(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(secs) if secs > 0.0 && secs <= 3600.0 => Ok(secs),
        _ => Err(format!("`{text}` is not a number of seconds between 0 and 3600")),
    }
}

/// Writes a report to standard output (a closed pipe is not an error) or to a file
/// (see [`crate::fsio::write_file`]).
fn write_output(path: Option<&std::path::Path>, bytes: &[u8]) -> anyhow::Result<()> {
    match path {
        None => {
            let mut out = std::io::stdout().lock();
            crate::fsio::quiet_pipe(
                out.write_all(bytes).and_then(|()| out.write_all(b"\n")).and_then(|()| out.flush()),
            )?;
            Ok(())
        }
        Some(path) => crate::fsio::write_file(path, bytes),
    }
}

/// The commented bglint.toml `bglint init` writes.
pub const INIT_TEMPLATE: &str = r#"# bglint configuration. bglint uses the nearest bglint.toml above each file it analyses.
# Editors can validate this file with bglint.schema.json from the bglint repository.

# Inherit settings from another file (relative to this one); settings here win.
# extend = "../bglint.toml"

# Which rules run: rule ids, "all", a platform ("ios", "android", "both") or "category:<name>".
# select = ["all"]

# Rules not to run, with the same selectors.
# ignore = ["category:keep-alive"]

# Files not to analyse (globs relative to this file).
# exclude = ["legacy/**", "**/generated/**"]

# Test code (Dart test/, integration_test/, test_driver/; Android src/test*/, src/androidTest*/;
# Swift *Tests/ and files importing XCTest or Testing) is left out unless this is true.
# include-tests = false

# The Android targetSdk to assume where Gradle names a value bglint cannot read
# (for example `flutter.targetSdkVersion`).
# assume-target-sdk = 35

# Make a `bglint-ignore` comment without a reason (`: why`) an error.
# require-suppression-reason = true

# Severity per rule: "error", "warning" or "info".
# [severity]
# flutter-periodic-task-under-15-min = "error"

# Rules ignored in some files only.
# [[per-path]]
# paths = ["lib/debug/**"]
# ignore = ["dart-timer-on-app-pause"]
"#;
