//! Same-file constants: `const`/`final` (Dart), `let` (Swift), `val` (Kotlin).
//!
//! The duration evaluator resolves identifiers through this table. A name bound more than
//! once in a file is ambiguous and resolves to nothing, so evaluation stays silent rather
//! than guess which binding a use refers to.

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
        let mut table = ConstTable::default();
        for node in descendants(file.root()) {
            if let Some((name, value)) = binding(file, node) {
                let loc = (value.start_byte(), value.end_byte(), value.kind_id());
                table.values.entry(file.node_text(name).to_string()).and_modify(|v| *v = None).or_insert(Some(loc));
            } else if let Some(name) = mutable_binding(file, node) {
                // A `var` with the same name makes every binding of that name untrustworthy.
                table.values.insert(file.node_text(name).to_string(), None);
            }
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

fn binding<'t>(file: &ParsedFile<'_>, node: Node<'t>) -> Option<(Node<'t>, Node<'t>)> {
    match file.lang {
        Language::Dart => match node.kind() {
            // `static_final_declaration` only appears under const/final lists.
            "static_final_declaration" => Some((node.child_by_field_name("name")?, node.child_by_field_name("value")?)),
            "initialized_variable_declaration" | "initialized_identifier" => {
                let immutable = (0..node.child_count())
                    .filter_map(|i| node.child(i))
                    .any(|c| matches!(c.kind(), "const" | "final"))
                    || node.parent().is_some_and(|p| {
                        (0..p.child_count()).filter_map(|i| p.child(i)).any(|c| matches!(c.kind(), "const" | "final"))
                    });
                if !immutable {
                    return None;
                }
                Some((node.child_by_field_name("name")?, node.child_by_field_name("value")?))
            }
            _ => None,
        },
        Language::Swift => {
            if node.kind() != "property_declaration" {
                return None;
            }
            let pattern = node
                .child_by_field_name("value_binding_pattern")
                .or_else(|| node.named_children(&mut node.walk()).find(|c| c.kind() == "value_binding_pattern"))?;
            let mutability = pattern.child_by_field_name("mutability")?;
            if file.node_text(mutability) != "let" {
                return None;
            }
            let name = node.child_by_field_name("name")?;
            let ident = name.child_by_field_name("bound_identifier").unwrap_or(name);
            Some((ident, node.child_by_field_name("value")?))
        }
        Language::Kotlin => {
            if node.kind() != "property_declaration" {
                return None;
            }
            let is_val = (0..node.child_count()).filter_map(|i| node.child(i)).any(|c| c.kind() == "val");
            if !is_val {
                return None;
            }
            let decl = node.named_children(&mut node.walk()).find(|c| c.kind() == "variable_declaration")?;
            let ident = decl.named_child(0)?;
            // The initializer follows `=`; a delegate (`by lazy`) or getter is not a constant.
            let mut saw_eq = false;
            for i in 0..node.child_count() {
                let c = node.child(i)?;
                if c.kind() == "=" {
                    saw_eq = true;
                } else if saw_eq && c.is_named() {
                    return Some((ident, c));
                }
            }
            None
        }
    }
}

fn mutable_binding<'t>(file: &ParsedFile<'_>, node: Node<'t>) -> Option<Node<'t>> {
    match file.lang {
        Language::Dart if node.kind() == "initialized_variable_declaration" => node.child_by_field_name("name"),
        Language::Swift if node.kind() == "property_declaration" => {
            let name = node.child_by_field_name("name")?;
            Some(name.child_by_field_name("bound_identifier").unwrap_or(name))
        }
        Language::Kotlin if node.kind() == "property_declaration" => {
            let decl = node.named_children(&mut node.walk()).find(|c| c.kind() == "variable_declaration")?;
            decl.named_child(0)
        }
        _ => None,
    }
}
