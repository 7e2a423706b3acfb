//! Language-neutral views of the syntax rules care about: calls with their arguments,
//! enclosing functions and closures, and ancestors.
//!
//! Each grammar spells these differently (Swift `call_suffix`, Kotlin `value_arguments`,
//! Dart `arguments`, Java `argument_list`); rules see one [`Call`] shape instead.

use super::{Language, Node, ParsedFile};

/// One argument of a call: `label: value` (Swift, Dart), `label = value` (Kotlin) or positional.
#[derive(Debug, Clone, Copy)]
pub struct Arg<'t> {
    pub label: Option<&'t str>,
    /// The argument's expression.
    pub value: Node<'t>,
    /// The whole argument, label included.
    pub node: Node<'t>,
}

/// Every call of the file, found once per file and revisited by pre-order index.
fn file_calls<'t>(file: &'t ParsedFile<'_>) -> Vec<Call<'t>> {
    let root = file.root();
    let indices = file.facts().call_indices.get_or_init(|| {
        let mut cursor = root.walk();
        let mut found = Vec::new();
        loop {
            if is_call_kind(file.lang, cursor.node().kind()) {
                found.push(cursor.descendant_index() as u32);
            }
            if cursor.goto_first_child() {
                continue;
            }
            loop {
                if cursor.goto_next_sibling() {
                    break;
                }
                if !cursor.goto_parent() {
                    return found;
                }
            }
        }
    });
    let mut cursor = root.walk();
    indices
        .iter()
        .filter_map(|&i| {
            cursor.goto_descendant(i as usize);
            as_call(file, cursor.node())
        })
        .collect()
}

/// A call or constructor invocation, whatever the grammar calls it.
#[derive(Debug, Clone)]
pub struct Call<'t> {
    pub node: Node<'t>,
    /// The callee expression (`Timer.scheduledTimer`, `Duration`, `PeriodicWorkRequestBuilder<W>`).
    pub callee: Node<'t>,
    /// The last name of the callee: `scheduledTimer`, `Duration`, `PeriodicWorkRequestBuilder`.
    pub name: &'t str,
    /// The receiver of a member call (`Timer` in `Timer.periodic`), if any.
    pub receiver: Option<Node<'t>>,
    /// The parenthesised argument list node, if the call has one.
    pub arg_list: Option<Node<'t>>,
    pub args: Vec<Arg<'t>>,
    /// Trailing closures (Swift, Kotlin).
    pub trailing_closures: Vec<Node<'t>>,
}

impl<'t> Call<'t> {
    pub fn arg(&self, label: &str) -> Option<Arg<'t>> {
        self.args.iter().copied().find(|a| a.label == Some(label))
    }

    pub fn positional(&self, index: usize) -> Option<Arg<'t>> {
        self.args.iter().copied().filter(|a| a.label.is_none()).nth(index)
    }

    /// Every closure handed to the call, as an argument or trailing. A Java anonymous class
    /// argument (`new Runnable() { … }`) counts by its body.
    pub fn closures(&self, lang: Language) -> Vec<Node<'t>> {
        let mut out: Vec<Node<'t>> = self
            .args
            .iter()
            .map(|a| match a.value.kind() {
                "object_creation_expression" if lang == Language::Java => {
                    a.value.named_children(&mut a.value.walk()).find(|c| c.kind() == "class_body").unwrap_or(a.value)
                }
                _ => a.value,
            })
            .filter(|v| is_closure(lang, *v))
            .collect();
        out.extend(self.trailing_closures.iter().copied());
        out
    }
}

/// Reads `node` as a call, or `None` when it is not one.
pub fn as_call<'t>(file: &'t ParsedFile<'_>, node: Node<'t>) -> Option<Call<'t>> {
    match file.lang {
        Language::Swift => swift_call(file, node),
        Language::Kotlin => kotlin_call(file, node),
        Language::Dart => dart_call(file, node),
        Language::Java => java_call(file, node),
    }
}

/// Java: `recv.name(args)`, `name(args)`, `new T(args)` / `new T(args) { … }` (named after the
/// type's last segment, with the qualifier as receiver: `Builder` with `PeriodicWorkRequest`),
/// `super(…)`/`this(…)`, and method references `Type::name` (a call without arguments: the
/// method runs when the reference is invoked). Java has no argument labels.
fn java_call<'t>(file: &'t ParsedFile<'_>, node: Node<'t>) -> Option<Call<'t>> {
    let (callee, name, receiver, arg_list) = match node.kind() {
        "method_invocation" => {
            let name = node.child_by_field_name("name")?;
            (name, file.node_text(name), node.child_by_field_name("object"), node.child_by_field_name("arguments"))
        }
        "object_creation_expression" => {
            let ty = node.child_by_field_name("type")?;
            // `new Outer.Inner<T>(…)`: the name is the last type segment, its qualifier the receiver.
            let base = if ty.kind() == "generic_type" { ty.named_child(0)? } else { ty };
            let (name, receiver) = match base.kind() {
                "scoped_type_identifier" => {
                    let last = base.named_child(base.named_child_count().checked_sub(1)?)?;
                    (file.node_text(last), base.named_child(0))
                }
                _ => (file.node_text(base), None),
            };
            (ty, name, receiver, node.child_by_field_name("arguments"))
        }
        "explicit_constructor_invocation" => {
            let ctor = node.child_by_field_name("constructor")?;
            (ctor, file.node_text(ctor), node.child_by_field_name("object"), node.child_by_field_name("arguments"))
        }
        "method_reference" => {
            let count = node.child_count();
            let last = node.child(count.checked_sub(1)?)?;
            let target = node.named_child(0).filter(|t| *t != last);
            (last, file.node_text(last), target, None)
        }
        _ => return None,
    };
    let mut args = Vec::new();
    if let Some(list) = arg_list {
        for arg in list.named_children(&mut list.walk()) {
            if !matches!(arg.kind(), "line_comment" | "block_comment") {
                args.push(Arg { label: None, value: arg, node: arg });
            }
        }
    }
    Some(Call { node, callee, name, receiver, arg_list, args, trailing_closures: Vec::new() })
}

fn swift_call<'t>(file: &'t ParsedFile<'_>, node: Node<'t>) -> Option<Call<'t>> {
    if node.kind() != "call_expression" || is_trailing_closure_wrapper(node) {
        return None;
    }
    let callee = node.named_child(0)?;
    let suffix = node.named_children(&mut node.walk()).find(|c| c.kind() == "call_suffix")?;
    let (name, receiver) = swift_callee_name(file, callee)?;
    let mut args = Vec::new();
    let mut arg_list = None;
    let mut trailing = Vec::new();
    for part in suffix.named_children(&mut suffix.walk()) {
        match part.kind() {
            "value_arguments" => {
                arg_list = Some(part);
                for arg in part.named_children(&mut part.walk()) {
                    if arg.kind() != "value_argument" {
                        continue;
                    }
                    let label = arg.child_by_field_name("name").map(|n| file.node_text(n));
                    if let Some(value) = arg.child_by_field_name("value") {
                        args.push(Arg { label, value, node: arg });
                    }
                }
            }
            "lambda_literal" => trailing.push(part),
            "annotated_lambda" => trailing.extend(part.named_child(0)),
            _ => {}
        }
    }
    // The wrapper around this call (see `is_trailing_closure_wrapper`) holds its closures.
    if let Some(parent) = node.parent().filter(|p| is_trailing_closure_wrapper(*p) && p.named_child(0) == Some(node)) {
        for part in parent.named_children(&mut parent.walk()).filter(|c| c.kind() == "call_suffix") {
            trailing.extend(part.named_children(&mut part.walk()).filter(|c| c.kind() == "lambda_literal"));
        }
    }
    Some(Call { node, callee, name, receiver, arg_list, args, trailing_closures: trailing })
}

/// In some positions (`let t = f(x) { … }`) tree-sitter-swift reads a call with a trailing
/// closure as `call(call(f, (x)), { … })`, as tree-sitter-kotlin-ng always does. The outer node
/// is not a second call: the inner one owns the closure.
fn is_trailing_closure_wrapper(node: Node<'_>) -> bool {
    node.kind() == "call_expression"
        && node.named_child(0).is_some_and(|c| c.kind() == "call_expression")
        && node
            .named_children(&mut node.walk())
            .skip(1)
            .all(|c| c.kind() == "call_suffix" && c.named_children(&mut c.walk()).all(|p| p.kind() == "lambda_literal"))
}

fn swift_callee_name<'t>(file: &'t ParsedFile<'_>, callee: Node<'t>) -> Option<(&'t str, Option<Node<'t>>)> {
    match callee.kind() {
        "simple_identifier" => Some((file.node_text(callee), None)),
        "navigation_expression" => {
            let suffix = callee.child_by_field_name("suffix")?;
            let name = suffix.child_by_field_name("suffix").unwrap_or(suffix);
            Some((file.node_text(name), callee.child_by_field_name("target")))
        }
        // `.now()`, `.seconds(5)`: an implicit member.
        "prefix_expression" => {
            let target = callee.child_by_field_name("target")?;
            Some((file.node_text(target), None))
        }
        // `Foo<Bar>(…)`
        "user_type" | "type_identifier" => {
            let last = last_named_descendant_of_kind(callee, "type_identifier").unwrap_or(callee);
            Some((file.node_text(last), None))
        }
        _ => None,
    }
}

fn kotlin_call<'t>(file: &'t ParsedFile<'_>, node: Node<'t>) -> Option<Call<'t>> {
    if node.kind() != "call_expression" {
        return None;
    }
    let callee = node.named_child(0)?;
    let mut arg_list = None;
    let mut trailing = Vec::new();
    for part in node.named_children(&mut node.walk()).skip(1) {
        match part.kind() {
            "value_arguments" => arg_list = Some(part),
            "annotated_lambda" => trailing.extend(lambda_of(part)),
            _ => {}
        }
    }
    // `foo(a) { … }` parses as call(call(foo, (a)), { … }): the inner call is the real one and
    // owns the trailing lambda, so the outer wrapper is not reported as a second call.
    if arg_list.is_none() && callee.kind() == "call_expression" {
        return None;
    }
    if let Some(parent) = node.parent() {
        if parent.kind() == "call_expression" && parent.named_child(0) == Some(node) {
            let owns_args = parent.named_children(&mut parent.walk()).any(|c| c.kind() == "value_arguments");
            if !owns_args {
                for part in parent.named_children(&mut parent.walk()) {
                    if part.kind() == "annotated_lambda" {
                        trailing.extend(lambda_of(part));
                    }
                }
            }
        }
    }
    let (name, receiver) = match callee.kind() {
        "identifier" | "simple_identifier" => (file.node_text(callee), None),
        "navigation_expression" => {
            let last = callee.named_child(callee.named_child_count().checked_sub(1)?)?;
            (file.node_text(last), callee.named_child(0))
        }
        _ => return None,
    };
    let mut args = Vec::new();
    if let Some(list) = arg_list {
        for arg in list.named_children(&mut list.walk()) {
            if arg.kind() != "value_argument" {
                continue;
            }
            // Named: `identifier = expr`; positional: `expr` (optionally `*expr`).
            let has_eq = (0..arg.child_count()).any(|i| arg.child(i).is_some_and(|c| c.kind() == "="));
            let named: Vec<Node<'t>> = arg.named_children(&mut arg.walk()).collect();
            if has_eq && named.len() >= 2 {
                args.push(Arg { label: Some(file.node_text(named[0])), value: named[named.len() - 1], node: arg });
            } else if let Some(value) = named.last() {
                args.push(Arg { label: None, value: *value, node: arg });
            }
        }
    }
    Some(Call { node, callee, name, receiver, arg_list, args, trailing_closures: trailing })
}

fn lambda_of(annotated: Node<'_>) -> Option<Node<'_>> {
    annotated.named_children(&mut annotated.walk()).find(|c| c.kind() == "lambda_literal")
}

fn dart_call<'t>(file: &'t ParsedFile<'_>, node: Node<'t>) -> Option<Call<'t>> {
    let (callee, arg_list) = match node.kind() {
        "call_expression" => (node.child_by_field_name("function")?, node.child_by_field_name("arguments")?),
        "const_object_expression" | "new_expression" => {
            (node.child_by_field_name("type")?, node.child_by_field_name("arguments")?)
        }
        // `Future<void>.delayed(…)`: a named constructor with type arguments.
        "constructor_invocation" => (node.child_by_field_name("type")?, node.child_by_field_name("arguments")?),
        _ => return None,
    };
    let (name, receiver) = match callee.kind() {
        "type_identifier" if node.kind() == "constructor_invocation" => {
            (file.node_text(node.child_by_field_name("constructor")?), Some(callee))
        }
        "identifier" => (file.node_text(callee), None),
        "member_expression" => {
            let prop = callee.child_by_field_name("property")?;
            (file.node_text(prop), callee.child_by_field_name("object"))
        }
        "type" => {
            let id = callee.named_children(&mut callee.walk()).find(|c| c.kind() == "type_identifier")?;
            // `const Foo.named(…)` keeps the constructor name after the type.
            match node.child_by_field_name("name") {
                Some(ctor) => (file.node_text(ctor), Some(id)),
                None => (file.node_text(id), None),
            }
        }
        _ => return None,
    };
    let mut args = Vec::new();
    for arg in arg_list.named_children(&mut arg_list.walk()) {
        if arg.kind() == "named_argument" {
            let label = arg.named_child(0).and_then(|l| l.named_child(0)).map(|n| file.node_text(n));
            if let Some(value) = arg.named_child(1) {
                args.push(Arg { label, value, node: arg });
            }
        } else if arg.kind() != "comment" {
            args.push(Arg { label: None, value: arg, node: arg });
        }
    }
    Some(Call { node, callee, name, receiver, arg_list: Some(arg_list), args, trailing_closures: Vec::new() })
}

/// Node kinds that start a call in each grammar (cheap pre-check before [`as_call`]).
pub fn is_call_kind(lang: Language, kind: &str) -> bool {
    match lang {
        Language::Dart => {
            matches!(kind, "call_expression" | "const_object_expression" | "new_expression" | "constructor_invocation")
        }
        Language::Swift | Language::Kotlin => kind == "call_expression",
        Language::Java => matches!(
            kind,
            "method_invocation" | "object_creation_expression" | "explicit_constructor_invocation" | "method_reference"
        ),
    }
}

/// The call a closure is handed to, as an argument or as a trailing closure.
pub fn call_receiving_closure<'t>(file: &'t ParsedFile<'_>, closure: Node<'t>) -> Option<Call<'t>> {
    ancestors(closure)
        .take(4)
        // A trailing-closure wrapper is not a call itself; the call it wraps owns the closure.
        .filter_map(|a| as_call(file, a).or_else(|| as_call(file, a.named_child(0)?)))
        .find(|c| c.closures(file.lang).contains(&closure))
}

/// Every call in the subtree under `root`, in source order.
pub fn calls_in<'t>(file: &'t ParsedFile<'_>, root: Node<'t>) -> Vec<Call<'t>> {
    if root == file.root() {
        return file_calls(file);
    }
    let mut out = Vec::new();
    for node in descendants(root) {
        if is_call_kind(file.lang, node.kind()) {
            if let Some(call) = as_call(file, node) {
                out.push(call);
            }
        }
    }
    out
}

/// A closure literal (Swift `{ … }`, Kotlin lambda or anonymous function, Dart function expression).
pub fn is_closure(lang: Language, node: Node<'_>) -> bool {
    match lang {
        Language::Swift => node.kind() == "lambda_literal",
        Language::Kotlin => matches!(node.kind(), "lambda_literal" | "anonymous_function" | "annotated_lambda"),
        Language::Dart => node.kind() == "function_expression",
        // A lambda, or an anonymous class (`new Runnable() { … }`): both run later, elsewhere.
        Language::Java => {
            matches!(node.kind(), "lambda_expression" | "class_body")
                && (node.kind() == "lambda_expression"
                    || node.parent().is_some_and(|p| p.kind() == "object_creation_expression"))
        }
    }
}

/// A named function, method, initializer or constructor declaration.
pub fn is_function_decl(lang: Language, node: Node<'_>) -> bool {
    match lang {
        Language::Swift => matches!(node.kind(), "function_declaration" | "init_declaration" | "deinit_declaration"),
        Language::Kotlin => matches!(
            node.kind(),
            "function_declaration" | "secondary_constructor" | "anonymous_initializer" | "getter" | "setter"
        ),
        Language::Dart => {
            matches!(node.kind(), "function_declaration" | "method_declaration" | "local_function_declaration")
        }
        Language::Java => matches!(node.kind(), "method_declaration" | "constructor_declaration"),
    }
}

/// The name of a function declaration (`init` for Swift initializers).
pub fn function_name<'t>(file: &'t ParsedFile<'_>, decl: Node<'t>) -> Option<&'t str> {
    match (file.lang, decl.kind()) {
        (Language::Swift, "init_declaration") => Some("init"),
        (Language::Swift, _) | (Language::Kotlin, _) | (Language::Java, _) => {
            decl.child_by_field_name("name").map(|n| file.node_text(n))
        }
        (Language::Dart, _) => {
            let sig = find_descendant(decl, |n| n.kind() == "function_signature" || n.kind() == "getter_signature")?;
            sig.child_by_field_name("name").map(|n| file.node_text(n))
        }
    }
}

/// The nearest enclosing named function declaration (closures are looked through).
pub fn enclosing_function<'t>(lang: Language, node: Node<'t>) -> Option<Node<'t>> {
    ancestors(node).find(|n| is_function_decl(lang, *n))
}

/// The nearest enclosing type declaration (class, struct, extension, object).
pub fn enclosing_type<'t>(lang: Language, node: Node<'t>) -> Option<Node<'t>> {
    ancestors(node).find(|n| is_type_decl(lang, *n))
}

/// The declarations around a byte offset, outermost first: `AppDelegate.application`,
/// `_HomeState.didChangeAppLifecycleState`. Empty at the top level. Used to key findings by
/// where they are rather than by line number (baselines), so moving code keeps the key.
pub fn declaration_path(file: &ParsedFile<'_>, offset: usize) -> String {
    let Some(node) = file.root().descendant_for_byte_range(offset, offset) else { return String::new() };
    let mut names: Vec<&str> = Vec::new();
    for n in std::iter::once(node).chain(ancestors(node)) {
        if is_function_decl(file.lang, n) {
            names.extend(function_name(file, n));
        } else if is_type_decl(file.lang, n) {
            let name = n
                .child_by_field_name("name")
                .or_else(|| {
                    let mut cursor = n.walk();
                    let found = n.named_children(&mut cursor).find(|c| {
                        matches!(c.kind(), "type_identifier" | "identifier" | "simple_identifier" | "user_type")
                    });
                    found
                })
                .map(|c| file.node_text(c));
            names.extend(name);
        }
    }
    names.reverse();
    names.join(".")
}

fn is_type_decl(lang: Language, n: Node<'_>) -> bool {
    match lang {
        Language::Swift => matches!(n.kind(), "class_declaration" | "protocol_declaration"),
        Language::Kotlin => matches!(n.kind(), "class_declaration" | "object_declaration" | "companion_object"),
        Language::Dart => {
            matches!(n.kind(), "class_declaration" | "mixin_declaration" | "extension_declaration" | "enum_declaration")
        }
        Language::Java => matches!(
            n.kind(),
            "class_declaration" | "interface_declaration" | "enum_declaration" | "record_declaration"
        ),
    }
}

/// The named class (Kotlin class or object, Java class, enum or record) a node is in; anonymous
/// classes (`new Runnable() { … }`, `object : Runnable { … }`) are looked through.
pub fn enclosing_class<'t>(lang: Language, node: Node<'t>) -> Option<Node<'t>> {
    ancestors(node).find(|n| match lang {
        Language::Kotlin => matches!(n.kind(), "class_declaration" | "object_declaration"),
        Language::Java => matches!(n.kind(), "class_declaration" | "enum_declaration" | "record_declaration"),
        _ => is_type_decl(lang, *n),
    })
}

/// The declared name of a class node from [`enclosing_class`].
pub fn class_name<'t>(file: &'t ParsedFile<'_>, class: Node<'t>) -> Option<&'t str> {
    class.child_by_field_name("name").map(|n| file.node_text(n))
}

/// The simple names of the types a Kotlin or Java class extends or implements, as written
/// (`Service`, `Worker`, `Runnable`; `androidx.work.Worker` gives `Worker`; type arguments
/// dropped). Same-file only: what those types extend in turn is not known.
pub fn supertypes<'t>(file: &'t ParsedFile<'_>, class: Node<'t>) -> Vec<&'t str> {
    let simple = |node: Node<'t>| {
        let text = file.node_text(node);
        let text = text.split('<').next().unwrap_or(text).trim();
        text.rsplit('.').next().unwrap_or(text).trim()
    };
    let mut out = Vec::new();
    match file.lang {
        Language::Kotlin => {
            for spec in descendants(class).take_while(|n| n.start_byte() < class_body_start(class)) {
                if spec.kind() == "delegation_specifier" {
                    if let Some(ty) = find_descendant(spec, |n| n.kind() == "user_type") {
                        out.push(simple(ty));
                    }
                }
            }
        }
        Language::Java => {
            for part in class.named_children(&mut class.walk()) {
                match part.kind() {
                    "superclass" => out.extend(part.named_child(0).map(simple)),
                    "super_interfaces" | "extends_interfaces" => {
                        if let Some(list) = part.named_child(0) {
                            out.extend(list.named_children(&mut list.walk()).map(simple));
                        }
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
    out
}

fn class_body_start(class: Node<'_>) -> usize {
    class
        .named_children(&mut class.walk())
        .find(|c| matches!(c.kind(), "class_body" | "enum_class_body"))
        .map_or(class.end_byte(), |b| b.start_byte())
}

/// The file's `package` (Kotlin and Java), without the keyword and `;`.
pub fn package_name<'s>(file: &ParsedFile<'s>) -> Option<&'s str> {
    let kind = match file.lang {
        Language::Kotlin => "package_header",
        Language::Java => "package_declaration",
        _ => return None,
    };
    let mut cursor = file.root().walk();
    let header = file.root().children(&mut cursor).find(|n| n.kind() == kind)?;
    let text = file.node_text(header).trim();
    Some(text.strip_prefix("package").unwrap_or(text).trim().trim_end_matches(';').trim())
}

/// Strict ancestors of `node`, nearest first.
pub fn ancestors(node: Node<'_>) -> impl Iterator<Item = Node<'_>> {
    std::iter::successors(node.parent(), |n| n.parent())
}

/// `node` and everything under it, in document order (iterative: deep files cannot overflow).
pub fn descendants(root: Node<'_>) -> impl Iterator<Item = Node<'_>> {
    let mut cursor = root.walk();
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        super::budget::checkpoint();
        let node = cursor.node();
        if cursor.goto_first_child() {
            return Some(node);
        }
        loop {
            if cursor.node() == root {
                done = true;
                return Some(node);
            }
            if cursor.goto_next_sibling() {
                return Some(node);
            }
            if !cursor.goto_parent() {
                done = true;
                return Some(node);
            }
        }
    })
}

pub fn find_descendant<'t>(root: Node<'t>, pred: impl Fn(Node<'t>) -> bool) -> Option<Node<'t>> {
    descendants(root).find(|n| pred(*n))
}

fn last_named_descendant_of_kind<'t>(root: Node<'t>, kind: &str) -> Option<Node<'t>> {
    descendants(root).filter(|n| n.kind() == kind).last()
}

/// True when `inner` lies within `outer` (or is it).
pub fn contains(outer: Node<'_>, inner: Node<'_>) -> bool {
    outer.start_byte() <= inner.start_byte() && inner.end_byte() <= outer.end_byte()
}

/// The text of an expression with all whitespace removed, for comparing `self.id` with `id`-ish forms.
pub fn compact(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    fn calls(code: &str) -> Vec<(String, Option<String>, usize)> {
        let src = SourceFile::new("T.java", code);
        let file = ParsedFile::parse(Language::Java, &src).unwrap();
        calls_in(&file, file.root())
            .into_iter()
            .map(|c| (c.name.to_string(), c.receiver.map(|r| file.node_text(r).to_string()), c.args.len()))
            .collect()
    }

    #[test]
    fn java_calls_constructors_and_method_references() {
        let found = calls(
            "class A { void f() { new PeriodicWorkRequest.Builder(W.class, 15, TimeUnit.MINUTES).build(); \
             startForeground(1, n); this.stopSelf(); handler.post(this::tick); new Intent(this, S.class); } }",
        );
        let names: Vec<&str> = found.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(names, ["build", "Builder", "startForeground", "stopSelf", "post", "tick", "Intent"]);
        assert_eq!(found[1], ("Builder".to_string(), Some("PeriodicWorkRequest".to_string()), 3));
        assert_eq!(found[2].1, None);
        assert_eq!(found[3].1.as_deref(), Some("this"));
        assert_eq!(found[5], ("tick".to_string(), Some("this".to_string()), 0));
        assert_eq!(found[6], ("Intent".to_string(), None, 2));
    }

    #[test]
    fn java_closures_are_lambdas_and_anonymous_classes() {
        let code = "class A { void f() { handler.postDelayed(() -> tick(), 5000); handler.post(new Runnable() { @Override public void run() { tock(); } }); } }";
        let src = SourceFile::new("T.java", code);
        let file = ParsedFile::parse(Language::Java, &src).unwrap();
        let all = calls_in(&file, file.root());
        for (inner, outer) in [("tick", "postDelayed"), ("tock", "post")] {
            let call = all.iter().find(|c| c.name == inner).unwrap();
            let closure = ancestors(call.node).find(|a| is_closure(Language::Java, *a)).unwrap();
            assert_eq!(call_receiving_closure(&file, closure).map(|c| c.name), Some(outer));
        }
    }

    #[test]
    fn java_class_context() {
        let code = "package com.acme.sync;\nimport x.Y;\npublic class SyncService extends android.app.Service implements Runnable, Callback<String> {\n  @Override public int onStartCommand(Intent i, int f, int id) { probe(); return 1; }\n  void g() { new Thread(new Runnable() { public void run() { inner(); } }); }\n}";
        let src = SourceFile::new("T.java", code);
        let file = ParsedFile::parse(Language::Java, &src).unwrap();
        assert_eq!(package_name(&file), Some("com.acme.sync"));
        let inner = calls_in(&file, file.root()).into_iter().find(|c| c.name == "inner").unwrap();
        let class = enclosing_class(Language::Java, inner.node).unwrap();
        assert_eq!(class_name(&file, class), Some("SyncService"));
        assert_eq!(supertypes(&file, class), ["Service", "Runnable", "Callback"]);
        let probe = calls_in(&file, file.root()).into_iter().find(|c| c.name == "probe").unwrap();
        assert_eq!(declaration_path(&file, probe.node.start_byte()), "SyncService.onStartCommand");
    }

    #[test]
    fn kotlin_class_context() {
        let code = "package com.acme\nclass SyncWorker(ctx: Context, p: WorkerParameters) : CoroutineWorker(ctx, p), Foo<Bar> {\n  override suspend fun doWork(): Result { probe(); return Result.success() }\n}";
        let src = SourceFile::new("T.kt", code);
        let file = ParsedFile::parse(Language::Kotlin, &src).unwrap();
        assert_eq!(package_name(&file), Some("com.acme"));
        let probe = calls_in(&file, file.root()).into_iter().find(|c| c.name == "probe").unwrap();
        let class = enclosing_class(Language::Kotlin, probe.node).unwrap();
        assert_eq!(class_name(&file, class), Some("SyncWorker"));
        assert_eq!(supertypes(&file, class), ["CoroutineWorker", "Foo"]);
    }
}
