//! Same-file constants: `const`/`final` (Dart), `let` (Swift), `val` (Kotlin), `final` (Java).
//!
//! The duration evaluator resolves identifiers through this table. Scopes are not modelled, so
//! a constant is trusted only when its name is bound exactly once in the whole file: a parameter,
//! closure parameter, `if let`, loop or catch variable, or `var` of the same name anywhere makes
//! every use ambiguous, and evaluation stays silent rather than guess.

use std::collections::HashMap;

use super::syntax::descendants;
use super::{Language, Node, ParsedFile};

#[derive(Debug, Default)]
pub struct ConstTable {
    // name -> value expression location (start, end, kind id), or None when ambiguous.
    values: HashMap<String, Option<(usize, usize, u16)>>,
}

impl ConstTable {
    pub fn collect(file: &ParsedFile<'_>) -> ConstTable {
        let identifier = if file.lang == Language::Swift { "simple_identifier" } else { "identifier" };
        let mut table = ConstTable::default();
        for node in descendants(file.root()) {
            if node.kind() != identifier || !is_binding(file.lang, node) {
                continue;
            }
            let value = node.parent().and_then(|p| declaring(file.lang, p)).and_then(|d| constant_value(file, d, node));
            let loc = value.map(|v| (v.start_byte(), v.end_byte(), v.kind_id()));
            table.values.entry(file.node_text(node).to_string()).and_modify(|v| *v = None).or_insert(loc);
        }
        table
    }

    /// The value expression bound to `name`, when the file binds it exactly once, immutably.
    pub fn lookup<'t>(&self, file: &'t ParsedFile<'_>, name: &str) -> Option<Node<'t>> {
        let (start, end, kind) = (*self.values.get(name)?)?;
        let mut node = file.root().descendant_for_byte_range(start, end)?;
        while node.kind_id() != kind || node.start_byte() != start || node.end_byte() != end {
            node = node.parent()?;
        }
        Some(node)
    }
}

fn field_in_parent(node: Node<'_>) -> Option<&'static str> {
    let parent = node.parent()?;
    let index = (0..parent.child_count()).find(|&i| parent.child(i) == Some(node))?;
    parent.field_name_for_child(index as u32)
}

/// Whether this identifier introduces a name (rather than using one).
fn is_binding(lang: Language, ident: Node<'_>) -> bool {
    let Some(parent) = ident.parent() else { return false };
    let field = field_in_parent(ident);
    match lang {
        Language::Swift => {
            field == Some("bound_identifier")
                || (matches!(parent.kind(), "parameter" | "lambda_parameter") && field == Some("name"))
        }
        Language::Dart => match parent.kind() {
            "static_final_declaration" | "initialized_variable_declaration" | "initialized_identifier" => {
                field == Some("name")
            }
            "formal_parameter" => field == Some("name") || field.is_none(),
            "for_statement" => field == Some("name"),
            "catch_clause" => true,
            _ => false,
        },
        Language::Kotlin => match parent.kind() {
            "variable_declaration" | "parameter" | "class_parameter" | "catch_block" => {
                parent.named_children(&mut parent.walk()).find(|c| c.kind() == "identifier") == Some(ident)
            }
            _ => false,
        },
        Language::Java => match parent.kind() {
            "variable_declarator"
            | "formal_parameter"
            | "catch_formal_parameter"
            | "enhanced_for_statement"
            | "resource"
            | "instanceof_expression" => field == Some("name"),
            // `x -> …` and `(a, b) -> …`
            "lambda_expression" => field == Some("parameters"),
            "inferred_parameters" | "type_pattern" | "record_pattern_component" => true,
            _ => false,
        },
    }
}

/// The declaration a binding identifier's parent belongs to, for reading its initializer.
fn declaring<'t>(lang: Language, parent: Node<'t>) -> Option<Node<'t>> {
    match lang {
        // `let x = …`: identifier ← pattern ← property_declaration
        Language::Swift => (parent.kind() == "pattern").then(|| parent.parent()).flatten(),
        Language::Dart => Some(parent),
        // `val x = …`: identifier ← variable_declaration ← property_declaration
        Language::Kotlin => (parent.kind() == "variable_declaration").then(|| parent.parent()).flatten(),
        // `static final long X = …;`: identifier ← variable_declarator (holds the value)
        Language::Java => (parent.kind() == "variable_declarator").then_some(parent),
    }
}

/// The initializer of an immutable declaration of `ident`, or `None` when the binding is
/// mutable, has no initializer, or is not a plain declaration.
fn constant_value<'t>(file: &ParsedFile<'_>, decl: Node<'t>, ident: Node<'t>) -> Option<Node<'t>> {
    let has_token = |n: Node<'_>, tokens: &[&str]| {
        (0..n.child_count()).filter_map(|i| n.child(i)).any(|c| tokens.contains(&c.kind()))
    };
    match file.lang {
        Language::Dart => match decl.kind() {
            // `static_final_declaration` only appears under const/final lists.
            "static_final_declaration" => decl.child_by_field_name("value"),
            "initialized_variable_declaration" | "initialized_identifier" => {
                let immutable = has_token(decl, &["const", "final"])
                    || decl.parent().is_some_and(|p| has_token(p, &["const", "final"]));
                if immutable {
                    decl.child_by_field_name("value")
                } else {
                    None
                }
            }
            _ => None,
        },
        Language::Swift => {
            if decl.kind() != "property_declaration" {
                return None;
            }
            let pattern = decl.named_children(&mut decl.walk()).find(|c| c.kind() == "value_binding_pattern")?;
            if file.node_text(pattern.child_by_field_name("mutability")?) != "let" {
                return None;
            }
            // `let a = 1, b = 2` has several name/value pairs: take the value after this name.
            let mut after_name = false;
            for i in 0..decl.child_count() {
                let c = decl.child(i)?;
                if c.start_byte() <= ident.start_byte() && ident.end_byte() <= c.end_byte() {
                    after_name = true;
                } else if after_name && decl.field_name_for_child(i as u32) == Some("value") {
                    return Some(c);
                }
            }
            None
        }
        Language::Kotlin => {
            if decl.kind() != "property_declaration" || !has_token(decl, &["val"]) {
                return None;
            }
            // The initializer follows `=`; a delegate (`by lazy`) or getter is not a constant.
            let mut saw_eq = false;
            for i in 0..decl.child_count() {
                let c = decl.child(i)?;
                if c.kind() == "=" {
                    saw_eq = true;
                } else if saw_eq && c.is_named() {
                    return Some(c);
                }
            }
            None
        }
        Language::Java => {
            // A `final` field or local (`static final` constants included), or an interface
            // constant (implicitly `static final`).
            let holder = decl.parent()?;
            let immutable = match holder.kind() {
                "constant_declaration" => true,
                "field_declaration" | "local_variable_declaration" => holder
                    .named_children(&mut holder.walk())
                    .find(|c| c.kind() == "modifiers")
                    .is_some_and(|m| has_token(m, &["final"])),
                _ => false,
            };
            if immutable {
                decl.child_by_field_name("value")
            } else {
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    fn resolves(lang: Language, code: &str, name: &str) -> Option<String> {
        let src = SourceFile::new("t", code);
        let file = ParsedFile::parse(lang, &src).unwrap();
        file.consts().lookup(&file, name).map(|n| file.node_text(n).to_string())
    }

    #[test]
    fn a_name_bound_once_immutably_resolves() {
        assert_eq!(resolves(Language::Swift, "let every = 30", "every").as_deref(), Some("30"));
        assert_eq!(resolves(Language::Swift, "let a = 1, every = 30", "every").as_deref(), Some("30"));
        assert_eq!(resolves(Language::Dart, "const every = 30;", "every").as_deref(), Some("30"));
        assert_eq!(resolves(Language::Dart, "void f() { final every = 30; }", "every").as_deref(), Some("30"));
        assert_eq!(resolves(Language::Kotlin, "private const val EVERY = 30L", "EVERY").as_deref(), Some("30L"));
        let java = "class C { private static final long EVERY = 30L, OTHER = 4; }";
        assert_eq!(resolves(Language::Java, java, "EVERY").as_deref(), Some("30L"));
        assert_eq!(resolves(Language::Java, java, "OTHER").as_deref(), Some("4"));
        assert_eq!(resolves(Language::Java, "interface K { long EVERY = 9; }", "EVERY").as_deref(), Some("9"));
        assert_eq!(
            resolves(Language::Java, "class C { void f() { final int every = 3; } }", "every").as_deref(),
            Some("3")
        );
    }

    #[test]
    fn any_other_binding_of_the_name_makes_it_ambiguous() {
        let swift = [
            "let interval = 3.0\nfunc f(every interval: TimeInterval) {}",
            "let interval = 3.0\nlet g = { (interval: Double) in interval }",
            "let interval = 3.0\nfunc f() { xs.map { interval in interval } }",
            "let interval = 3.0\nfunc f() { if let interval = o { } }",
            "let interval = 3.0\nfunc f() { for interval in xs { } }",
            "let interval = 3.0\nvar interval = 4.0",
        ];
        for code in swift {
            assert_eq!(resolves(Language::Swift, code, "interval"), None, "{code}");
        }
        let dart = [
            "const every = 3;\nvoid f(int every) {}",
            "const every = 3;\nfinal g = (every) => every;",
            "const every = 3;\nvoid f() { for (final every in xs) {} }",
            "const every = 3;\nvoid f() { var every = 4; }",
        ];
        for code in dart {
            assert_eq!(resolves(Language::Dart, code, "every"), None, "{code}");
        }
        let kotlin = [
            "val every = 3L\nfun f(every: Long) {}",
            "val every = 3L\nfun f() { xs.map { every -> every } }",
            "val every = 3L\nfun f() { for (every in xs) {} }",
            "val every = 3L\nclass C(val every: Long)",
            "val every by lazy { 3L }",
        ];
        for code in kotlin {
            assert_eq!(resolves(Language::Kotlin, code, "every"), None, "{code}");
        }
        let java = [
            "class C { static final long every = 3; void f(long every) {} }",
            "class C { static final long every = 3; void f() { xs.forEach(every -> g(every)); } }",
            "class C { static final long every = 3; void f() { xs.forEach((a, every) -> g(every)); } }",
            "class C { static final long every = 3; void f() { for (long every : xs) {} } }",
            "class C { static final long every = 3; void f() { try { } catch (Exception every) {} } }",
            "class C { static final long every = 3; void f() { if (o instanceof Long every) {} } }",
            "class C { static long every = 3; }",
            "class C { static final long every = 3; void f() { long every = 4; } }",
        ];
        for code in java {
            assert_eq!(resolves(Language::Java, code, "every"), None, "{code}");
        }
    }
}
