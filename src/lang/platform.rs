//! Platform gates (rules-catalog §1.3): Dart code under `if (Platform.isAndroid)` never runs
//! on iOS, and arguments of `AndroidSettings(…)` only matter on Android. Rules about one OS
//! ask [`may_run_on`] and stay silent for code gated to the other. Collection-`if` elements
//! (`if (Platform.isAndroid) ...[ … ]`) gate like statements; code under `if (kIsWeb)` and
//! files that import web-only libraries (`dart:html`, `package:web/web.dart`, …) run on neither.

use super::syntax::{ancestors, compact};
use super::{Language, Node, ParsedFile};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Os {
    Ios,
    Android,
}

impl Os {
    /// Spellings of "running on this OS" in Dart conditions.
    fn checks(self) -> &'static [&'static str] {
        match self {
            Os::Ios => &["Platform.isIOS", "TargetPlatform.iOS", "isIOS"],
            Os::Android => &["Platform.isAndroid", "TargetPlatform.android", "isAndroid"],
        }
    }

    fn other(self) -> Os {
        match self {
            Os::Ios => Os::Android,
            Os::Android => Os::Ios,
        }
    }

    /// Plugin settings objects whose arguments only apply to this OS.
    fn settings_types(self) -> &'static [&'static str] {
        match self {
            Os::Ios => &[
                "AppleSettings",
                "IosConfiguration",
                "DarwinInitializationSettings",
                "IOSInitializationSettings",
                "DarwinNotificationDetails",
                "IOSNotificationDetails",
            ],
            Os::Android => &[
                "AndroidSettings",
                "AndroidConfiguration",
                "AndroidInitializationSettings",
                "AndroidNotificationDetails",
                "AndroidNotificationOptions",
            ],
        }
    }
}

/// How a condition reads with respect to `os`: true when it holds only on `os`, false when it
/// holds only elsewhere, `None` when it says nothing about platforms (or too much to tell).
fn condition_means(text: &str, os: Os) -> Option<bool> {
    let text = compact(text);
    let bare = text.trim_start_matches('(').trim_end_matches(')');
    if bare == "kIsWeb" {
        return Some(false);
    }
    let mentions = |o: Os| o.checks().iter().any(|c| text.contains(c));
    let (this, other) = (mentions(os), mentions(os.other()));
    let negated = text.contains('!');
    let combined = text.contains("&&") || text.contains("||");
    if combined || (this && other) {
        return None;
    }
    match (this, other, negated) {
        (true, false, false) => Some(true),
        (true, false, true) => Some(false),
        (false, true, false) => Some(false),
        (false, true, true) => Some(true),
        _ => None,
    }
}

/// Whether the code at `node` can run on `os`. Only Dart is gated (Swift files build for iOS,
/// Kotlin for Android); unknown or mixed conditions count as "can run".
pub fn may_run_on(file: &ParsedFile<'_>, node: Node<'_>, os: Os) -> bool {
    if file.lang != Language::Dart {
        return true;
    }
    if imports_web_only_library(file.text()) {
        return false;
    }
    let mut child = node;
    for ancestor in ancestors(node) {
        match ancestor.kind() {
            "if_statement" | "if_element" | "conditional_expression" => {
                let condition = ancestor.child_by_field_name("condition").or_else(|| ancestor.named_child(0));
                if let Some(condition) = condition.filter(|c| *c != child) {
                    let in_consequence = ancestor.child_by_field_name("consequence") == Some(child);
                    let in_alternative = ancestor.child_by_field_name("alternative") == Some(child);
                    match condition_means(file.node_text(condition), os) {
                        Some(false) if in_consequence => return false,
                        Some(true) if in_alternative => return false,
                        _ => {}
                    }
                }
            }
            "block" if returns_early_unless(file, ancestor, child, os) => return false,
            "call_expression" | "new_expression" | "const_object_expression" => {
                let callee = file.node_text(ancestor);
                let name = callee.split('(').next().unwrap_or("").trim_start_matches("const ").trim();
                let name = name.rsplit('.').next().unwrap_or(name);
                if os.other().settings_types().contains(&name) {
                    return false;
                }
            }
            _ => {}
        }
        child = ancestor;
    }
    true
}

/// Libraries that exist only on the web: a file importing one is a web-only page.
const WEB_ONLY_LIBRARIES: &[&str] = &[
    "dart:html",
    "dart:js_util",
    "dart:js_interop",
    "dart:ui_web",
    "package:web/web.dart",
    "package:flutter_web_plugins/",
];

fn imports_web_only_library(text: &str) -> bool {
    text.lines().map(str::trim_start).filter(|l| l.starts_with("import ")).any(|line| {
        // A conditional import (`import 'stub.dart' if (dart.library.html) 'web.dart'`) is not web-only.
        let uri = line["import ".len()..].trim_start().trim_start_matches(['\'', '"']);
        !line.contains(" if ") && WEB_ONLY_LIBRARIES.iter().any(|w| uri.starts_with(w))
    })
}

/// `if (Platform.isIOS) return;` before `child` in `block`: the rest of the block is not `os`'s.
fn returns_early_unless(file: &ParsedFile<'_>, block: Node<'_>, child: Node<'_>, os: Os) -> bool {
    let mut cursor = block.walk();
    for statement in block.named_children(&mut cursor) {
        if statement.start_byte() >= child.start_byte() {
            break;
        }
        if statement.kind() != "if_statement" || statement.child_by_field_name("alternative").is_some() {
            continue;
        }
        let (Some(condition), Some(consequence)) =
            (statement.child_by_field_name("condition"), statement.child_by_field_name("consequence"))
        else {
            continue;
        };
        let exits = {
            let body = compact(file.node_text(consequence));
            let body = body.trim_start_matches('{');
            body.starts_with("return") || body.starts_with("throw")
        };
        // Leaving when the condition holds only on `os` means what follows never runs on `os`.
        if exits && condition_means(file.node_text(condition), os) == Some(true) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    /// Whether the call to `target()` may run on `os`.
    fn runs(code: &str, os: Os) -> bool {
        let source = SourceFile::new("t.dart", code);
        let file = ParsedFile::parse(Language::Dart, &source).unwrap();
        let at = code.find("target(").unwrap();
        let node = file.root().descendant_for_byte_range(at, at + 6).unwrap();
        may_run_on(&file, node, os)
    }

    #[test]
    fn dart_platform_gates() {
        assert!(runs("void f() { target(); }", Os::Ios));
        assert!(!runs("void f() { if (Platform.isAndroid) { target(); } }", Os::Ios));
        assert!(runs("void f() { if (Platform.isAndroid) { target(); } }", Os::Android));
        assert!(runs("void f() { if (Platform.isAndroid) { a(); } else { target(); } }", Os::Ios));
        assert!(!runs("void f() { if (Platform.isIOS) { a(); } else { target(); } }", Os::Ios));
        assert!(!runs("void f() { if (!Platform.isIOS) { target(); } }", Os::Ios));
        assert!(!runs("void f() { if (defaultTargetPlatform != TargetPlatform.iOS) { target(); } }", Os::Ios));
        assert!(!runs("void f() { if (Platform.isIOS) return; target(); }", Os::Ios));
        assert!(runs("void f() { if (!Platform.isIOS) return; target(); }", Os::Ios));
        assert!(!runs("void f() { if (!Platform.isAndroid) { return; } target(); }", Os::Ios));
        assert!(!runs("void f() { final x = Platform.isAndroid ? target() : 1; }", Os::Ios));
        assert!(runs("void f() { if (Platform.isAndroid || Platform.isIOS) { target(); } }", Os::Ios));
        assert!(!runs("void f() { x(AndroidSettings(a: target())); }", Os::Ios));
        assert!(runs("void f() { x(AppleSettings(a: target())); }", Os::Ios));
    }

    #[test]
    fn collection_if_web_gates_and_web_only_files() {
        let list = "List<Widget> f() => [ if (Platform.isAndroid) ...[ target() ], a() ];";
        assert!(!runs(list, Os::Ios));
        assert!(runs(list, Os::Android));
        assert!(runs("List<Widget> f() => [ if (Platform.isAndroid) a() else target() ];", Os::Ios));
        assert!(!runs("void f() { if (kIsWeb) { target(); } }", Os::Ios));
        assert!(runs("void f() { if (kIsWeb) { a(); } else { target(); } }", Os::Ios));
        assert!(runs("void f() { if (!kIsWeb) { target(); } }", Os::Ios));
        let web = "import 'dart:html' as html;\nvoid f() { target(); }";
        assert!(!runs(web, Os::Ios) && !runs(web, Os::Android));
        assert!(runs("import 'a.dart' if (dart.library.html) 'b.dart';\nvoid f() { target(); }", Os::Ios));
    }
}
