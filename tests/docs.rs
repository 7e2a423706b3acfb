//! docs/rules/ is generated from each rule's metadata, so the docs users read (and the
//! docs URL every finding links to) can never drift from the rules.
//! Regenerate with: BGLINT_BLESS=1 cargo test --test docs

use std::path::Path;

use bglint::rules::Registry;

fn index(registry: &Registry) -> String {
    let mut out = String::from(
        "# bglint rules\n\nGenerated from the rules' metadata by `BGLINT_BLESS=1 cargo test --test docs`; do not edit by hand.\n\n| Rule | Platform | Languages | Severity | Summary |\n| --- | --- | --- | --- | --- |\n",
    );
    for r in &registry.rules {
        let m = r.meta();
        let langs: Vec<&str> = m.languages.iter().map(|l| l.name()).collect();
        out.push_str(&format!(
            "| [`{id}`]({id}.md) | {} | {} | {} | {} |\n",
            m.platform.as_str(),
            langs.join(", "),
            m.severity,
            m.summary,
            id = m.id
        ));
    }
    out
}

#[test]
fn rule_docs_are_generated_and_fresh() {
    let registry = Registry::builtin().unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules");
    let bless = std::env::var_os("BGLINT_BLESS").is_some();
    let mut expected: Vec<(String, String)> =
        registry.rules.iter().map(|r| (format!("{}.md", r.meta().id), r.meta().render_markdown())).collect();
    expected.push(("README.md".into(), index(registry)));
    if bless {
        std::fs::create_dir_all(&dir).unwrap();
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            std::fs::remove_file(entry.path()).unwrap();
        }
        for (name, text) in &expected {
            std::fs::write(dir.join(name), text).unwrap();
        }
    }
    let mut stale = Vec::new();
    for (name, text) in &expected {
        if std::fs::read_to_string(dir.join(name)).ok().as_deref() != Some(text.as_str()) {
            stale.push(name.clone());
        }
    }
    let on_disk = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
    assert!(stale.is_empty(), "docs/rules is stale for {stale:?}; run BGLINT_BLESS=1 cargo test --test docs");
    assert_eq!(on_disk, expected.len(), "docs/rules holds a file for a rule that no longer exists");
}
