//! Invariants of our own source, checked by parsing src/ with syn:
//! - every Rust rule file declares exactly one rule, whose id matches its file name;
//! - every Rust rule is registered in src/rules/registry.rs and documented (what/why/instead/sources);
//! - reporters, the editor server, configuration and diagnostics never import a specific rule.

use std::path::{Path, PathBuf};

use syn::visit::Visit;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return out };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn parse(path: &Path) -> syn::File {
    let text = std::fs::read_to_string(path).unwrap();
    syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The rule files: every .rs under src/rules/{ios,android,flutter} but mod.rs.
fn rule_files() -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for platform in ["ios", "android", "flutter"] {
        for f in rust_files(&src().join("rules").join(platform)) {
            if f.file_name().unwrap() != "mod.rs" {
                out.push((platform.to_string(), f));
            }
        }
    }
    out
}

/// `field: "literal"` pairs and bare field names at the top level of a macro body.
fn macro_fields(tokens: &proc_macro2::TokenStream) -> Vec<(String, Option<String>)> {
    let toks: Vec<proc_macro2::TokenTree> = tokens.clone().into_iter().collect();
    let mut out = Vec::new();
    for w in toks.windows(3) {
        if let (proc_macro2::TokenTree::Ident(name), proc_macro2::TokenTree::Punct(p)) = (&w[0], &w[1]) {
            if p.as_char() == ':' {
                let value = match &w[2] {
                    proc_macro2::TokenTree::Literal(l) => {
                        syn::parse_str::<syn::LitStr>(&l.to_string()).ok().map(|s| s.value())
                    }
                    _ => None,
                };
                out.push((name.to_string(), value));
            }
        }
    }
    out
}

#[test]
fn each_rule_file_declares_one_rule_named_after_the_file() {
    let files = rule_files();
    assert!(files.len() >= 4, "the Rust rules are found");
    for (_, path) in &files {
        let file = parse(path);
        let decls: Vec<&syn::ItemMacro> = file
            .items
            .iter()
            .filter_map(|i| match i {
                syn::Item::Macro(m) if m.mac.path.segments.last().is_some_and(|s| s.ident == "declare_rule") => Some(m),
                _ => None,
            })
            .collect();
        assert_eq!(decls.len(), 1, "{}: exactly one declare_rule! per file", path.display());
        let fields = macro_fields(&decls[0].mac.tokens);
        let id = fields.iter().find(|(n, _)| n == "id").and_then(|(_, v)| v.clone()).expect("id literal");
        let stem = path.file_stem().unwrap().to_str().unwrap();
        assert_eq!(id.replace('-', "_"), stem, "{}: the rule id must match the file name", path.display());
        for doc in ["summary", "help", "what", "why", "instead"] {
            let text = fields.iter().find(|(n, _)| n == doc).and_then(|(_, v)| v.clone());
            assert!(
                text.is_some_and(|t| t.trim().len() > 15 && !t.contains("todo")),
                "{}: `{doc}` must be written",
                path.display()
            );
        }
    }
}

#[test]
fn each_rule_is_registered_with_one_line() {
    let registry = std::fs::read_to_string(src().join("rules/registry.rs")).unwrap();
    let file = parse(&src().join("rules/registry.rs"));
    let list = file
        .items
        .iter()
        .find_map(|i| match i {
            syn::Item::Static(s) if s.ident == "NATIVE_RULES" => Some(quote_tokens(&s.expr)),
            _ => None,
        })
        .expect("NATIVE_RULES exists");
    for (platform, path) in rule_files() {
        let stem = path.file_stem().unwrap().to_str().unwrap();
        let entry = format!("{platform}::{stem}::RULE");
        assert!(list.contains(&entry), "{entry} is not in NATIVE_RULES");
        assert_eq!(registry.matches(&format!("{stem}::RULE")).count(), 1, "{stem} is registered once");
        let module = std::fs::read_to_string(path.parent().unwrap().join("mod.rs")).unwrap();
        assert!(module.contains(&format!("pub mod {stem};")), "{stem} is declared in its mod.rs");
    }
}

fn quote_tokens(expr: &syn::Expr) -> String {
    use quote::ToTokens;
    expr.to_token_stream().to_string().replace(' ', "")
}

struct PathCollector {
    forbidden: Vec<String>,
    found: Vec<String>,
}

impl<'a> Visit<'a> for PathCollector {
    fn visit_path(&mut self, p: &'a syn::Path) {
        let segs: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
        if segs.iter().any(|s| self.forbidden.contains(s)) {
            self.found.push(segs.join("::"));
        }
        syn::visit::visit_path(self, p);
    }

    fn visit_use_tree(&mut self, t: &'a syn::UseTree) {
        let mut names = Vec::new();
        collect_use_names(t, &mut names);
        for n in names {
            if self.forbidden.contains(&n) {
                self.found.push(format!("use …{n}"));
            }
        }
    }
}

fn collect_use_names(t: &syn::UseTree, out: &mut Vec<String>) {
    match t {
        syn::UseTree::Path(p) => {
            out.push(p.ident.to_string());
            collect_use_names(&p.tree, out);
        }
        syn::UseTree::Name(n) => out.push(n.ident.to_string()),
        syn::UseTree::Rename(r) => out.push(r.ident.to_string()),
        syn::UseTree::Group(g) => g.items.iter().for_each(|i| collect_use_names(i, out)),
        syn::UseTree::Glob(_) => {}
    }
}

/// Ids of every rule: Rust rule files and the declarative TOML files under rules/.
fn all_rule_ids() -> Vec<String> {
    let mut ids: Vec<String> =
        rule_files().iter().map(|(_, p)| p.file_stem().unwrap().to_str().unwrap().replace('_', "-")).collect();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("rules")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "toml") {
                ids.push(p.file_stem().unwrap().to_str().unwrap().to_string());
            }
        }
    }
    assert!(ids.len() >= 9, "every rule id is collected");
    ids
}

#[test]
fn reporters_config_lsp_and_diagnostics_never_name_a_rule() {
    // Rule modules, platform rule folders and the declarative engine are off limits.
    let mut forbidden: Vec<String> =
        vec!["ios".into(), "android".into(), "flutter".into(), "declarative".into(), "native".into()];
    forbidden.extend(rule_files().iter().map(|(_, p)| p.file_stem().unwrap().to_str().unwrap().to_string()));
    let mut checked = 0;
    for layer in ["report", "lsp", "config", "diagnostics"] {
        for f in rust_files(&src().join(layer)) {
            let text = std::fs::read_to_string(&f).unwrap();
            let mut c = PathCollector { forbidden: forbidden.clone(), found: Vec::new() };
            c.visit_file(&parse(&f));
            assert!(c.found.is_empty(), "{} names a specific rule: {:?}", f.display(), c.found);
            // Rule ids are data too: a reporter must not special-case one, Rust or TOML.
            for id in all_rule_ids() {
                assert!(!text.contains(&id), "{} mentions rule id {id}", f.display());
            }
            checked += 1;
        }
    }
    assert!(checked >= 3, "the layers exist");
}
