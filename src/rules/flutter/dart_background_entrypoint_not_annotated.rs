//! `dart-background-entrypoint-not-annotated`: a function handed to a background plugin by name
//! whose declaration lacks `@pragma('vm:entry-point')`.
//!
//! The callback is resolved in the same file only: a top-level function, a static method of the
//! enclosing class, or `Class.method`. An imported callback, a local variable or parameter, an
//! instance member and a closure (rule `dart-background-entrypoint-not-top-level`) are not
//! reported: we cannot see their declaration, or the pragma is not the problem.

use crate::diagnostics::{Edit, Finding, Fix, Label};
use crate::lang::lifecycle::dart_background_callbacks;
use crate::lang::syntax::{ancestors, calls_in, compact, contains, descendants, enclosing_type, Call};
use crate::lang::{Node, ParsedFile};
use crate::rules::RuleContext;

crate::declare_rule! {
    id: "dart-background-entrypoint-not-annotated",
    platform: Both,
    languages: [Dart],
    config: [],
    category: "background-isolates",
    severity: Error,
    summary: "Background entry point is not annotated with @pragma('vm:entry-point')",
    help: "Put @pragma('vm:entry-point') on the line above the callback's declaration.",
    what: "A top-level function or static method, declared in the same file, that is passed by name as the \
background callback of `Workmanager().initialize`, `BackgroundFetch.registerHeadlessTask`, \
`FirebaseMessaging.onBackgroundMessage`, `AndroidAlarmManager.oneShot`/`oneShotAt`/`periodic`, \
`AndroidConfiguration(onStart:)`, `IosConfiguration(onForeground:/onBackground:)`, \
`FlutterForegroundTask.startService(callback:)`, `initialize(onDidReceiveBackgroundNotificationResponse:)`, \
`HomeWidget.registerInteractivityCallback`/`registerBackgroundCallback`, \
`BackgroundLocator.registerLocationUpdate` or `FlutterDownloader.registerCallback`, and whose declaration \
has no `@pragma('vm:entry-point')` annotation. Callbacks imported from another file are not checked.",
    why: "These plugins do not call the function from Dart. They store a handle to it, and later native code \
starts a fresh isolate and looks the function up by that handle when the OS wakes the app. In an AOT \
(release or profile) build the compiler only keeps what Dart code reaches, and it may drop, rename or \
strip the lookup metadata of a function that is only reached from native code, unless the function is \
marked `@pragma('vm:entry-point')`. Debug builds run on the JIT and keep everything, so the mistake \
only shows in release: the background isolate fails to start with errors such as \"Could not resolve \
main entrypoint function\" and the task, alarm, push handler or notification action silently never runs.",
    instead: "Annotate the callback's declaration with `@pragma('vm:entry-point')` (the automatic fix inserts \
it). Keep background callbacks top-level or static, never closures.",
    sources: [
        "https://github.com/dart-lang/sdk/blob/main/runtime/docs/compiler/aot/entry_point_pragma.md",
        "https://github.com/fluttercommunity/flutter_workmanager/issues/422",
    ],
    fix: Safe,
    also_reported_by: None,
    // A registration only matches when its receiver names the plugin (the table's hint), or,
    // for hint-less entries, when the call or label is itself specific; so these are exact.
    // A unit test keeps them in step with `DART_BACKGROUND_REGISTRATIONS`.
    keywords: [
        "Workmanager",
        "BackgroundFetch",
        "BackgroundGeolocation",
        "FirebaseMessaging",
        "AndroidAlarmManager",
        "onDidReceiveBackgroundNotificationResponse",
        "AndroidConfiguration",
        "IosConfiguration",
        "FlutterForegroundTask",
        "HomeWidget",
        "BackgroundLocator",
        "FlutterDownloader",
    ],
    signals: [],
    bad: [
        (Dart, r#"import 'package:flutter/material.dart';
import 'package:workmanager/workmanager.dart';

void «callbackDispatcher»() {
  Workmanager().executeTask((task, inputData) async {
    await SyncService().pull();
    return true;
  });
}

Future<void> main() async {
  WidgetsFlutterBinding.ensureInitialized();
  await Workmanager().initialize(callbackDispatcher);
  runApp(const App());
}
"#),
        (Dart, r#"import 'package:firebase_core/firebase_core.dart';
import 'package:firebase_messaging/firebase_messaging.dart';

/// Shows a notification for data-only pushes received while the app is terminated.
Future<void> «_onBackgroundMessage»(RemoteMessage message) async {
  await Firebase.initializeApp();
  await LocalAlerts.show(message.data);
}

Future<void> setUpPush() async {
  FirebaseMessaging.onBackgroundMessage(_onBackgroundMessage);
  await FirebaseMessaging.instance.requestPermission();
}
"#),
        (Dart, r#"import 'package:android_alarm_manager_plus/android_alarm_manager_plus.dart';

class ReminderAlarms {
  static const _dailyId = 42;

  @visibleForTesting
  static Future<void> «fire»() async {
    await ReminderStore.open().then((s) => s.notifyDue());
  }

  static Future<void> schedule() async {
    await AndroidAlarmManager.initialize();
    await AndroidAlarmManager.periodic(const Duration(days: 1), _dailyId, fire, exact: true);
  }
}
"#),
        (Dart, r#"import 'package:flutter_background_service/flutter_background_service.dart';

@pragma('vm:entry-point')
void onStart(ServiceInstance service) {
  service.on('stop').listen((_) => service.stopSelf());
}

bool «onIosBackground»(ServiceInstance service) {
  return true;
}

Future<void> startTracking() async {
  await FlutterBackgroundService().configure(
    androidConfiguration: AndroidConfiguration(onStart: onStart, isForegroundMode: true),
    iosConfiguration: IosConfiguration(onForeground: onStart, onBackground: onIosBackground),
  );
}
"#),
    ],
    good: [
        (Dart, r#"import 'package:workmanager/workmanager.dart';

@pragma('vm:entry-point')
void callbackDispatcher() {
  Workmanager().executeTask((task, inputData) async => true);
}

Future<void> main() async {
  await Workmanager().initialize(callbackDispatcher);
}
"#),
        (Dart, r#"import 'package:background_fetch/background_fetch.dart';

import 'headless.dart';

class FetchSetup {
  @pragma("vm:entry-point", "call")
  static void onAlarm() {}

  static Future<void> configure() async {
    // Declared (and annotated) in headless.dart: not visible from here.
    BackgroundFetch.registerHeadlessTask(backgroundFetchHeadlessTask);
    await AndroidAlarmManager.oneShot(const Duration(minutes: 30), 3, FetchSetup.onAlarm);
  }
}
"#),
        (Dart, r#"import 'package:firebase_messaging/firebase_messaging.dart';

typedef BackgroundHandler = Future<void> Function(RemoteMessage);

void handleMessages(RemoteMessage message) {}

/// Wraps the plugin so tests can swap it; the real handler is annotated where it is declared.
void registerBackgroundHandler(BackgroundHandler handleMessages) {
  FirebaseMessaging.onBackgroundMessage(handleMessages);
}
"#),
        (Dart, r#"import 'package:home_widget/home_widget.dart';

Future<void> initWidgets() async {
  // A closure cannot be an entry point at all: another rule reports this one.
  await HomeWidget.registerInteractivityCallback((Uri? uri) async {
    await HomeWidget.saveWidgetData('tapped', uri.toString());
  });
  await HomeWidget.setAppGroupId('group.example.widgets');
}
"#),
    ],
    bad_projects: [],
    good_projects: [],
    check: Some(check),
    project_check: None,
}

fn check(file: &ParsedFile<'_>, _cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    let mut reported: Vec<Node<'_>> = Vec::new();
    for call in calls_in(file, file.root()) {
        for argument in dart_background_callbacks(file, &call) {
            let Some(decl) = resolve(file, argument) else { continue };
            if reported.contains(&decl) || has_entry_point_pragma(file, decl) {
                continue;
            }
            let Some(name) = declared_name(decl) else { continue };
            reported.push(decl);
            out.push(finding(file, &call, argument, decl, name));
        }
    }
}

fn finding(file: &ParsedFile<'_>, call: &Call<'_>, argument: Node<'_>, decl: Node<'_>, name: Node<'_>) -> Finding {
    let function = file.node_text(name);
    let registration = describe_registration(file, call, argument);
    Finding::new(
        name.byte_range(),
        format!(
            "Background entry point `{function}`, registered with `{registration}`, is not annotated with \
             @pragma('vm:entry-point'); release builds can tree-shake it and the background work will never run."
        ),
    )
    .with_label(Label {
        path: file.source.path.clone(),
        text: file.source.text.clone(),
        span: argument.byte_range(),
        message: "registered as a background entry point here".to_string(),
    })
    .with_fix(insert_pragma(file, decl))
}

/// The same-file function or static method the callback argument names, if it names one.
fn resolve<'t>(file: &'t ParsedFile<'_>, argument: Node<'t>) -> Option<Node<'t>> {
    match argument.kind() {
        "identifier" => {
            let name = file.node_text(argument);
            if declared_locally(file, argument, name) {
                return None;
            }
            // Inside a class, a bare name means a member first: only a static method can be a callback.
            if let Some(ty) = enclosing_type(file.lang, argument) {
                if let Some(member) = member_named(file, ty, name) {
                    return is_static_method(member).then_some(member);
                }
            }
            file.root().named_children(&mut file.root().walk()).find(|d| {
                d.kind() == "function_declaration" && declared_name(*d).is_some_and(|n| file.node_text(n) == name)
            })
        }
        // `Class.staticMethod`; an import prefix (`tasks.callback`) finds no class here.
        "member_expression" => {
            let object = argument.child_by_field_name("object").filter(|o| o.kind() == "identifier")?;
            let property = file.node_text(argument.child_by_field_name("property")?);
            let class = file.root().named_children(&mut file.root().walk()).find(|d| {
                is_type_declaration(d.kind())
                    && d.child_by_field_name("name").is_some_and(|n| file.node_text(n) == file.node_text(object))
            })?;
            member_named(file, class, property).filter(|m| is_static_method(*m))
        }
        _ => None,
    }
}

/// True when a parameter, local variable or local function named `name` is declared in the
/// function (or initializer) around `usage`: the argument is then a value, not a declaration here.
fn declared_locally(file: &ParsedFile<'_>, usage: Node<'_>, name: &str) -> bool {
    let Some(scope) = ancestors(usage)
        .filter(|a| matches!(a.kind(), "function_declaration" | "method_declaration" | "member_declaration"))
        .last()
    else {
        return false;
    };
    descendants(scope).any(|n| {
        n.kind() == "identifier"
            && n != usage
            && file.node_text(n) == name
            && n.parent().is_some_and(|p| {
                p.kind() == "formal_parameter" || (p.kind() != "annotation" && p.child_by_field_name("name") == Some(n))
            })
    })
}

/// The member of a class, mixin, extension or enum body declared with `name`, if any.
fn member_named<'t>(file: &ParsedFile<'_>, ty: Node<'t>, name: &str) -> Option<Node<'t>> {
    let body = ty.child_by_field_name("body")?;
    let mut cursor = body.walk();
    let members: Vec<Node<'t>> =
        body.named_children(&mut cursor).filter(|m| m.kind() == "member_declaration").collect();
    for member in members {
        for decl in member.named_children(&mut member.walk()) {
            let declares = match decl.kind() {
                "method_declaration" => declared_name(decl).is_some_and(|n| file.node_text(n) == name),
                // Fields: `static final cb = …`, `void Function()? handler;`.
                _ => descendants(decl).any(|n| {
                    n.kind() == "identifier"
                        && file.node_text(n) == name
                        && n.parent().is_some_and(|p| {
                            matches!(p.kind(), "static_final_declaration" | "initialized_identifier")
                                && p.child_by_field_name("name") == Some(n)
                        })
                }),
            };
            if declares {
                return Some(decl);
            }
        }
    }
    None
}

fn is_type_declaration(kind: &str) -> bool {
    matches!(kind, "class_declaration" | "mixin_declaration" | "extension_declaration" | "enum_declaration")
}

/// A `static` method with a function signature (not a getter, setter or operator).
fn is_static_method(decl: Node<'_>) -> bool {
    let Some(sig) = decl.child_by_field_name("signature") else { return false };
    decl.kind() == "method_declaration"
        && (0..sig.child_count()).any(|i| sig.child(i).is_some_and(|c| c.kind() == "static"))
        && sig.named_children(&mut sig.walk()).any(|c| c.kind() == "function_signature")
}

/// The name identifier in a function's or method's own signature (never one inside its body).
fn declared_name(decl: Node<'_>) -> Option<Node<'_>> {
    let sig = decl.child_by_field_name("signature")?;
    let sig = match sig.kind() {
        "method_signature" => sig.named_children(&mut sig.walk()).find(|c| c.kind() == "function_signature")?,
        _ => sig,
    };
    (sig.kind() == "function_signature").then(|| sig.child_by_field_name("name"))?
}

/// `@pragma('vm:entry-point')` in any quoting or with extra arguments, or an annotation constant
/// named after it (`@entryPoint`). Annotations the grammar could not attach (left as a preceding
/// sibling, or inside an ERROR node) count too: when unsure, the function is taken as annotated.
fn has_entry_point_pragma(file: &ParsedFile<'_>, decl: Node<'_>) -> bool {
    let marks = |node: Node<'_>| {
        let text = compact(file.node_text(node)).to_ascii_lowercase();
        text.contains("vm:entry-point") || text.contains("entrypoint")
    };
    let unit = decl.parent().filter(|p| p.kind() == "member_declaration").unwrap_or(decl);
    let preceding = std::iter::successors(unit.prev_sibling(), |n| n.prev_sibling())
        .take_while(|n| matches!(n.kind(), "annotation" | "comment" | "documentation_comment" | "ERROR"));
    decl.named_children(&mut decl.walk()).filter(|c| c.kind() == "annotation").any(marks)
        || preceding.filter(|n| n.kind() != "comment" && n.kind() != "documentation_comment").any(marks)
}

/// `Workmanager().initialize`, `AndroidConfiguration(onStart:)`: how the message names the plugin call.
fn describe_registration(file: &ParsedFile<'_>, call: &Call<'_>, argument: Node<'_>) -> String {
    let callee = compact(file.node_text(call.callee));
    let callee = if callee.len() <= 60 { callee } else { call.name.to_string() };
    match call.args.iter().find(|a| contains(a.node, argument)).and_then(|a| a.label) {
        Some(label) => format!("{callee}({label}:)"),
        None => callee,
    }
}

/// Inserts the pragma on its own line above the declaration (above its other annotations),
/// with the declaration's indentation.
fn insert_pragma(file: &ParsedFile<'_>, decl: Node<'_>) -> Fix {
    let start = decl.start_byte();
    let line_start = file.text()[..start].rfind('\n').map_or(0, |i| i + 1);
    let indent = &file.text()[line_start..start];
    let replacement = if indent.chars().all(|c| c == ' ' || c == '\t') {
        format!("@pragma('vm:entry-point')\n{indent}")
    } else {
        "@pragma('vm:entry-point') ".to_string()
    };
    Fix {
        description: "Annotate the callback with @pragma('vm:entry-point')".to_string(),
        edits: vec![Edit { span: start..start, replacement }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::lifecycle::DART_BACKGROUND_REGISTRATIONS;
    use crate::lang::Language;

    fn run(code: &str) -> Vec<Finding> {
        RULE.check_code(Language::Dart, code)
    }

    fn apply(code: &str, fix: &Fix) -> String {
        let mut text = code.to_string();
        for edit in fix.edits.iter().rev() {
            text.replace_range(edit.span.clone(), &edit.replacement);
        }
        text
    }

    #[test]
    fn keywords_cover_every_registration() {
        use crate::lang::lifecycle::ArgPos;
        for (method, hint, pos) in DART_BACKGROUND_REGISTRATIONS {
            // What every matching call necessarily contains: the receiver hint, else the call
            // name or the callback's label.
            let must_contain: Vec<&str> = match (hint.is_empty(), pos) {
                (false, _) => vec![hint],
                (true, ArgPos::Label(label)) => vec![method, label],
                (true, ArgPos::Index(_)) => vec![method],
            };
            assert!(
                RULE.keywords.iter().any(|k| must_contain.iter().any(|m| m.contains(k))),
                "no keyword guarantees `{method}` ({hint}) is seen"
            );
        }
    }

    #[test]
    fn fix_inserts_the_pragma_above_annotations_with_indentation() {
        let code = "class A {\n  /// Doc.\n  @visibleForTesting\n  static void fire() {}\n  static void s() { AndroidAlarmManager.oneShot(d, 1, fire); }\n}\n";
        let found = run(code);
        let fixed = apply(code, found[0].fix.as_ref().unwrap());
        assert!(
            fixed.contains("  /// Doc.\n  @pragma('vm:entry-point')\n  @visibleForTesting\n  static void fire()"),
            "{fixed}"
        );
        assert!(run(&fixed).is_empty());
    }

    #[test]
    fn one_finding_per_function_and_message_names_the_plugin_call() {
        let code =
            "void cb(ServiceInstance s) {}\nvoid go() { IosConfiguration(onForeground: cb, onBackground: cb); }\n";
        let found = run(code);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.contains("`cb`, registered with `IosConfiguration(onForeground:)`"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn both_branches_of_a_conditional_callback_are_checked() {
        let code = "void cb(NotificationResponse r) {}\nvoid go() { p.initialize(s, onDidReceiveBackgroundNotificationResponse: isAndroid ? cb : null); }";
        let found = run(code);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.contains("`p.initialize(onDidReceiveBackgroundNotificationResponse:)`"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn values_and_instance_members_are_silent() {
        for code in [
            // A local variable, an instance method, a field holding a function, an import prefix.
            "void cb() {}\nvoid go() { final cb = pick(); Workmanager().initialize(cb); }",
            "void cb() {}\nclass A { void cb() {}\n void go() { Workmanager().initialize(cb); } }",
            "void cb() {}\nclass A { static final cb = other;\n static void go() { Workmanager().initialize(cb); } }",
            "void go() { Workmanager().initialize(tasks.cb); }",
            "@pragma('vm:entry-point')\nvoid cb(NotificationResponse r) {}\nvoid go() { p.initialize(s, onDidReceiveBackgroundNotificationResponse: isAndroid ? cb : null); }",
            "@entryPoint\nvoid cb() {}\nvoid go() { Workmanager().initialize(cb); }",
        ] {
            assert!(run(code).is_empty(), "{code}");
        }
    }
}
