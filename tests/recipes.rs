//! The integration recipes in docs/ci.md and .pre-commit-hooks.yaml: every YAML block parses,
//! and every `bglint …` command in them is accepted by the CLI and runs on a fixture.

use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Fenced code blocks of a Markdown text: (language, body).
fn code_blocks(markdown: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in markdown.lines() {
        if let Some(lang) = line.strip_prefix("```") {
            match current.take() {
                Some(block) => blocks.push(block),
                None => current = Some((lang.trim().to_string(), String::new())),
            }
        } else if let Some((_, body)) = current.as_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    blocks
}

/// The arguments of a `bglint …` command line, with shell variables and GitHub expressions
/// replaced by a fixture path or a ref, and quotes removed.
fn bglint_args(line: &str, out_dir: &Path) -> Option<Vec<String>> {
    let start = line.find("bglint check")?;
    let command = &line[start + "bglint ".len()..];
    let command = command.split('#').next().unwrap_or(command);
    // A GitHub expression (`origin/${{ github.base_ref }}`) becomes a ref git knows.
    let mut command = command.to_string();
    while let (Some(open), Some(close)) = (command.find("${{"), command.find("}}")) {
        let word_start = command[..open].rfind(char::is_whitespace).map_or(0, |i| i + 1);
        command.replace_range(word_start..close + 2, "HEAD");
    }
    let mut args = Vec::new();
    let mut words = command.split_whitespace().peekable();
    while let Some(word) = words.next() {
        let word = word.trim_matches('"').trim_end_matches(',');
        let word = match word {
            "." | "${SRCROOT}" | "$SRCROOT" => "fixtures/flutter-app".to_string(),
            w => w.to_string(),
        };
        if word == "--output" {
            words.next();
            args.push(word);
            args.push(out_dir.join("report.out").display().to_string());
            continue;
        }
        args.push(word);
    }
    Some(args)
}

#[test]
fn every_recipe_parses_and_its_commands_run() {
    let docs = std::fs::read_to_string(root().join("docs/ci.md")).unwrap();
    let hooks = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut yaml_blocks = 0;
    let mut commands = 0;
    let mut sources: Vec<String> = code_blocks(&docs)
        .into_iter()
        .map(|(lang, body)| {
            if lang == "yaml" {
                marked_yaml::parse_yaml(0, &body)
                    .unwrap_or_else(|e| panic!("docs/ci.md YAML does not parse: {e}\n{body}"));
                yaml_blocks += 1;
            }
            body
        })
        .collect();
    // A hook file is a top-level list; the YAML reader we have wants a mapping, so nest it.
    let nested: String =
        std::iter::once("hooks:\n".to_string()).chain(hooks.lines().map(|l| format!("  {l}\n"))).collect();
    marked_yaml::parse_yaml(0, &nested).expect(".pre-commit-hooks.yaml parses");
    assert!(hooks.contains("id: bglint") && hooks.contains("entry: bglint check"));
    sources.push(hooks);
    for source in &sources {
        for line in source.lines() {
            let Some(args) = bglint_args(line, out.path()) else { continue };
            let o = Command::new(env!("CARGO_BIN_EXE_bglint")).args(&args).current_dir(root()).output().unwrap();
            let code = o.status.code();
            assert!(
                matches!(code, Some(0) | Some(1)),
                "`bglint {}` from the recipes failed with {code:?}: {}",
                args.join(" "),
                String::from_utf8_lossy(&o.stderr)
            );
            commands += 1;
        }
    }
    assert!(yaml_blocks >= 3, "the GitHub, GitLab and pre-commit YAML were found");
    assert!(commands >= 7, "the recipe commands were found and run ({commands})");
}
