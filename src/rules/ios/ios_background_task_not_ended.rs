//! `ios-background-task-not-ended`: a `beginBackgroundTask` whose identifier is thrown away,
//! never handed to `endBackgroundTask`, or skipped by an early `return`/`throw` on a path that
//! otherwise ends it.
//!
//! Only what the file shows is judged. An identifier that is passed on, returned or read in any
//! way other than a comparison may be ended elsewhere, so it is never reported as "not ended".
//! Paths are checked only in the function that begins the task and in the one-shot closures it
//! hands to calls (a completion handler, not a `sink`), and only in those that themselves end
//! the task, so the author's intent is clear.

use std::collections::HashSet;

use crate::diagnostics::Finding;
use crate::lang::paths::{calls_run_by, functions_reaching, name_words, named_callable, unmet_exits, Goal};
use crate::lang::syntax::{
    ancestors, call_receiving_closure, calls_in, contains, descendants, enclosing_function, function_name, is_closure,
    is_function_decl, Call,
};
use crate::lang::{Language, Node, ParsedFile};

crate::declare_rule! {
    id: "ios-background-task-not-ended",
    platform: Ios,
    languages: [Swift],
    category: "background-tasks",
    severity: Error,
    summary: "Background task is not ended on every path",
    help: "Keep the identifier beginBackgroundTask returns and pass it to endBackgroundTask on every path, \
including errors and early returns (a `defer` right after the begin does this).",
    what: "A `UIApplication.beginBackgroundTask(expirationHandler:)` or \
`beginBackgroundTask(withName:expirationHandler:)` call whose identifier is discarded (a bare call or \
`_ = …`), or stored in a local variable or `private` property that is never read again (so it cannot \
reach `endBackgroundTask`), or a function or completion closure that ends the task but leaves through an \
earlier `return` or `throw` (a failed `guard`, an error branch, a `switch` case) without ending it. \
Identifiers handed to other code, returned, ended in another method of the same type, or kept in a \
property other files can reach are not reported.",
    why: "`beginBackgroundTask` asks iOS for extra running time after the app leaves the foreground and \
hands back an identifier for that request. The request stays open until `endBackgroundTask` is called \
with that same identifier: finishing the work, leaving the function or dropping the identifier does not \
close it. When the background allowance (about 30 seconds on current iOS versions) runs out with a \
request still open, iOS calls the expiration handler, and if the request is still not ended the app is \
terminated, which users see as a crash or lost work. Apple's notes on background tasks name leaked \
identifiers (a discarded return value, a stored identifier overwritten or forgotten before it was ended) \
as the most common cause of these terminations.",
    instead: "Keep the identifier and end it exactly once on every path. In synchronous code put \
`defer { UIApplication.shared.endBackgroundTask(id) }` right after the begin. In callback code end it in \
each branch of the completion handler, error branches included, and in the expiration handler. For work \
spread over several methods, wrap the identifier in a small type that ends it in `end()` or `deinit`, \
and give each task a name so leaks are easy to find in the logs.",
    sources: [
        "https://developer.apple.com/documentation/uikit/uiapplication/beginbackgroundtask(expirationhandler:)",
        "https://developer.apple.com/forums/thread/85066",
    ],
    fix: None,
    also_reported_by: None,
    keywords: ["beginBackgroundTask"],
    bad: [
        (Swift, r#"final class DraftUploader {
    func upload(_ draft: Draft) {
        var taskID = UIBackgroundTaskIdentifier.invalid
        taskID = UIApplication.shared.beginBackgroundTask(withName: "upload") {
            UIApplication.shared.endBackgroundTask(taskID)
            taskID = .invalid
        }
        api.send(draft) { result in
            guard case .success = result else { «return» }
            self.markSent(draft)
            UIApplication.shared.endBackgroundTask(taskID)
            taskID = .invalid
        }
    }
}
"#),
        (Swift, r#"func applicationDidEnterBackground(_ application: UIApplication) {
    _ = «application.beginBackgroundTask(expirationHandler: nil)»
    store.flushPendingWrites()
}
"#),
        (Swift, r#"final class Exporter {
    private var exportTask: UIBackgroundTaskIdentifier = .invalid

    func export(_ items: [Item]) {
        guard exportTask == .invalid else { return }
        exportTask = «UIApplication.shared.beginBackgroundTask(withName: "export")»
        writer.write(items)
    }
}
"#),
        (Swift, r#"func saveSnapshot(_ snapshot: Snapshot) throws {
    let taskID = UIApplication.shared.beginBackgroundTask(withName: "snapshot")
    guard let data = try? encoder.encode(snapshot) else {
        «throw SnapshotError.encoding»
    }
    try data.write(to: snapshotURL)
    UIApplication.shared.endBackgroundTask(taskID)
}
"#),
        (Swift, r#"func refresh(completion: @escaping () -> Void) {
    let taskID = UIApplication.shared.beginBackgroundTask(withName: "refresh")
    feed.reload { outcome in
        switch outcome {
        case .updated(let items):
            self.cache.store(items)
        case .unchanged:
            «return»
        case .failed(let error):
            self.log.error("refresh failed: \(error)")
        }
        UIApplication.shared.endBackgroundTask(taskID)
        completion()
    }
}
"#),
    ],
    good: [
        (Swift, r#"func saveActiveTrack() {
    let id = UIApplication.shared.beginBackgroundTask(withName: "save-track")
    defer { UIApplication.shared.endBackgroundTask(id) }
    guard store.hasPendingPoints else { return }
    store.flushPendingPoints()
}
"#),
        (Swift, r#"func upload(_ draft: Draft) {
    var taskID = UIBackgroundTaskIdentifier.invalid
    taskID = UIApplication.shared.beginBackgroundTask(withName: "upload") {
        UIApplication.shared.endBackgroundTask(taskID)
        taskID = .invalid
    }
    api.send(draft) { result in
        guard case .success = result else {
            UIApplication.shared.endBackgroundTask(taskID)
            return
        }
        self.markSent(draft)
        UIApplication.shared.endBackgroundTask(taskID)
    }
}
"#),
        (Swift, r#"final class BackgroundActivity {
    private var identifier: UIBackgroundTaskIdentifier = .invalid

    init(name: String) {
        identifier = UIApplication.shared.beginBackgroundTask(withName: name) { [weak self] in
            self?.end()
        }
    }

    func end() {
        guard identifier != .invalid else { return }
        UIApplication.shared.endBackgroundTask(identifier)
        identifier = .invalid
    }

    deinit { end() }
}
"#),
        (Swift, r#"final class ExportManager {
    private var taskID: UIBackgroundTaskIdentifier?

    func export(now: Date) {
        beginBackgroundTask()
        exporter.run(until: now) { [weak self] in
            guard let self else { return }
            self.endBackgroundTask()
        }
    }

    private func beginBackgroundTask() {
        taskID = UIApplication.shared.beginBackgroundTask { [weak self] in
            self?.endBackgroundTask()
        }
    }

    private func endBackgroundTask() {
        guard let taskID else { return }
        UIApplication.shared.endBackgroundTask(taskID)
        self.taskID = nil
    }
}
"#),
        (Swift, r#"extension SyncCoordinator {
    // `backgroundTask` is declared, and ended, in SyncCoordinator.swift.
    func beginSyncWindow() {
        backgroundTask = UIApplication.shared.beginBackgroundTask(withName: "sync") { [weak self] in
            self?.finishSyncWindow()
        }
    }
}
"#),
        (Swift, r#"func suspendSync() {
    var taskID = UIBackgroundTaskIdentifier.invalid
    taskID = UIApplication.shared.beginBackgroundTask(withName: "finish-sync") {
        UIApplication.shared.endBackgroundTask(taskID)
    }
    syncFinished = sync.$isInProgress
        .receive(on: DispatchQueue.main)
        .sink { inProgress in
            guard !inProgress else { return }
            UIApplication.shared.endBackgroundTask(taskID)
        }
}
"#),
        (Swift, r#"func beginTrackedTask(named name: String) -> UIBackgroundTaskIdentifier {
    let id = UIApplication.shared.beginBackgroundTask(withName: name)
    openTasks.append(id)
    return id
}
"#),
    ],
    check: check,
}

const SWIFT: Language = Language::Swift;

fn check(file: &ParsedFile<'_>, out: &mut Vec<Finding>) {
    let root = file.root();
    // An app-defined `beginBackgroundTask` wrapper is called without a receiver or on `self`.
    let wrapped = descendants(root)
        .any(|n| n.kind() == "function_declaration" && function_name(file, n) == Some("beginBackgroundTask"));
    for begin in calls_in(file, root).into_iter().filter(|c| is_uikit_begin(file, c, wrapped)) {
        match binding(file, &begin) {
            Binding::Discarded => out.push(Finding::new(
                begin.node.byte_range(),
                "The identifier beginBackgroundTask returns is discarded, so this background task can never \
                 be ended; iOS terminates apps that hold a background task past their allowance.",
            )),
            Binding::Named { name, scope: Some(scope) } if only_stored(file, scope, name) => out.push(Finding::new(
                begin.node.byte_range(),
                format!(
                    "The background task identifier stored in `{name}` is never passed to endBackgroundTask; \
                     iOS terminates apps that hold a background task past their allowance."
                ),
            )),
            Binding::Named { name, .. } => path_leaks(file, &begin, name, out),
            Binding::Other => {}
        }
    }
}

/// `UIApplication.beginBackgroundTask(expirationHandler:)` or `(withName:expirationHandler:)`.
fn is_uikit_begin(file: &ParsedFile<'_>, call: &Call<'_>, wrapped: bool) -> bool {
    call.name == "beginBackgroundTask"
        && call.args.iter().all(|a| matches!(a.label, Some("withName" | "expirationHandler")))
        && !(wrapped && call.receiver.is_none_or(|r| file.node_text(r) == "self"))
}

/// What happens to the identifier a begin call returns.
enum Binding<'t> {
    Discarded,
    /// Stored in `name`. `scope` covers every place that can read it when this file shows them
    /// all: the function for a local, the file for a `private` property; `None` otherwise.
    Named {
        name: &'t str,
        scope: Option<Node<'t>>,
    },
    /// Passed on, returned, or stored somewhere not followed.
    Other,
}

fn binding<'t>(file: &'t ParsedFile<'_>, begin: &Call<'t>) -> Binding<'t> {
    let mut node = begin.node;
    while let Some(wrapper) = node.parent().filter(|p| matches!(p.kind(), "try_expression" | "await_expression")) {
        node = wrapper;
    }
    let Some(parent) = node.parent() else { return Binding::Other };
    match parent.kind() {
        "statements" if !is_implicit_return(parent) => Binding::Discarded,
        "assignment"
            if parent.child_by_field_name("result") == Some(node)
                && parent.child_by_field_name("operator").is_some_and(|o| o.kind() == "=") =>
        {
            let Some(target) = parent.child_by_field_name("target").and_then(|t| t.named_child(0)) else {
                return Binding::Other;
            };
            match target.kind() {
                "simple_identifier" if file.node_text(target) == "_" => Binding::Discarded,
                "simple_identifier" => {
                    let name = file.node_text(target);
                    let local = enclosing_function(SWIFT, begin.node)
                        .filter(|f| descendants(*f).any(|n| declares(file, n, name) && is_local(n)));
                    Binding::Named { name, scope: local.or_else(|| private_scope(file, name)) }
                }
                "navigation_expression" => match self_member(file, target) {
                    Some(name) => Binding::Named { name, scope: private_scope(file, name) },
                    None => Binding::Other,
                },
                _ => Binding::Other,
            }
        }
        "property_declaration" if parent.child_by_field_name("value") == Some(node) => {
            let Some(pattern) = parent.child_by_field_name("name") else { return Binding::Other };
            let bound: Vec<Node<'t>> = pattern.named_children(&mut pattern.walk()).collect();
            match bound.as_slice() {
                [only] if only.kind() == "wildcard_pattern" => Binding::Discarded,
                [only] if only.kind() == "simple_identifier" => {
                    let name = file.node_text(*only);
                    let scope =
                        if is_local(parent) { enclosing_function(SWIFT, parent) } else { private_scope(file, name) };
                    Binding::Named { name, scope }
                }
                _ => Binding::Other,
            }
        }
        _ => Binding::Other,
    }
}

/// `var name` / `let name` (any declaration of `name`).
fn declares(file: &ParsedFile<'_>, node: Node<'_>, name: &str) -> bool {
    node.kind() == "property_declaration" && node.child_by_field_name("name").is_some_and(|p| file.node_text(p) == name)
}

/// A declaration inside a function body rather than a type.
fn is_local(decl: Node<'_>) -> bool {
    decl.parent().is_some_and(|p| p.kind() == "statements")
}

/// The whole file, when it declares `name` as a `private` or `fileprivate` property: then no
/// other file can end the task through it.
fn private_scope<'t>(file: &'t ParsedFile<'_>, name: &str) -> Option<Node<'t>> {
    let private = descendants(file.root()).any(|n| {
        declares(file, n, name)
            && !is_local(n)
            && n.named_children(&mut n.walk()).filter(|c| c.kind() == "modifiers").any(|m| {
                m.named_children(&mut m.walk()).any(|v| {
                    v.kind() == "visibility_modifier" && matches!(file.node_text(v), "private" | "fileprivate")
                })
            })
    });
    private.then(|| file.root())
}

/// A lone expression that is the value of its closure, function or getter, not a discarded one.
fn is_implicit_return(statements: Node<'_>) -> bool {
    let lone = statements.named_children(&mut statements.walk()).filter(|c| !c.kind().contains("comment")).count() == 1;
    lone && statements.parent().is_some_and(|body| match body.kind() {
        "function_body" => {
            body.parent().is_some_and(|f| (0..f.child_count()).any(|i| f.child(i).is_some_and(|c| c.kind() == "->")))
        }
        "lambda_literal" | "computed_property" | "computed_getter" => true,
        _ => false,
    })
}

/// `name` in `self.name`.
fn self_member<'t>(file: &'t ParsedFile<'_>, nav: Node<'t>) -> Option<&'t str> {
    let target = nav.child_by_field_name("target")?;
    let member = nav.child_by_field_name("suffix")?.child_by_field_name("suffix")?;
    (target.kind() == "self_expression").then(|| file.node_text(member))
}

/// True when `name` is only ever declared, assigned and compared in `scope`: nothing can end it.
/// A scope the grammar could not fully read may hide a use.
fn only_stored(file: &ParsedFile<'_>, scope: Node<'_>, name: &str) -> bool {
    !scope.has_error()
        && descendants(scope)
            .filter(|n| n.kind() == "simple_identifier" && file.node_text(*n) == name)
            .all(|n| declared_plainly(n) || value_of(file, n).is_some_and(|e| assigned_to(e) || compared(file, e)))
}

/// The declaration of a stored property or variable without observers (`didSet` could end it).
fn declared_plainly(name: Node<'_>) -> bool {
    let decl = name.parent().filter(|p| p.kind() == "pattern").and_then(|p| p.parent());
    decl.is_some_and(|d| {
        d.kind() == "property_declaration"
            && !d
                .named_children(&mut d.walk())
                .any(|c| matches!(c.kind(), "willset_didset_block" | "computed_property"))
    })
}

/// The expression an identifier occurrence stands for: itself, or `self.name`.
fn value_of<'t>(file: &ParsedFile<'_>, name: Node<'t>) -> Option<Node<'t>> {
    match name.parent() {
        Some(suffix) if suffix.kind() == "navigation_suffix" => {
            let nav = suffix.parent()?;
            (self_member(file, nav).is_some()).then_some(nav)
        }
        _ => Some(name),
    }
}

fn assigned_to(expr: Node<'_>) -> bool {
    expr.parent().is_some_and(|t| {
        t.kind() == "directly_assignable_expression"
            && t.parent().is_some_and(|a| a.kind() == "assignment" && a.child_by_field_name("target") == Some(t))
    })
}

fn compared(file: &ParsedFile<'_>, expr: Node<'_>) -> bool {
    expr.parent().is_some_and(|p| match p.kind() {
        "equality_expression" => true,
        "infix_expression" => p.child_by_field_name("op").is_some_and(|op| matches!(file.node_text(op), "!=" | "!==")),
        _ => false,
    })
}

fn mentions(file: &ParsedFile<'_>, node: Node<'_>, name: &str) -> bool {
    descendants(node).any(|d| d.kind() == "simple_identifier" && file.node_text(d) == name)
}

/// Reports `return`/`throw` statements that skip ending the task in the bodies that end it.
fn path_leaks<'t>(file: &'t ParsedFile<'_>, begin: &Call<'t>, name: &'t str, out: &mut Vec<Finding>) {
    let Some(home) = enclosing_function(SWIFT, begin.node) else { return };
    let handlers = begin.closures(SWIFT);
    let ends_directly =
        |c: &Call<'_>| c.name == "endBackgroundTask" && c.args.iter().any(|a| mentions(file, a.value, name));
    let mut bodies: Vec<Node<'t>> = Vec::new();
    for end in calls_in(file, home) {
        if !ends_directly(&end) || handlers.iter().any(|h| contains(*h, end.node)) {
            continue;
        }
        for body in bodies_up_to(file, end.node, home).unwrap_or_default() {
            if !bodies.contains(&body) {
                bodies.push(body);
            }
        }
    }
    if bodies.is_empty() {
        return;
    }
    let goal = EndsTask {
        file,
        name,
        begin: begin.node,
        enders: functions_reaching(file, &ends_directly, 2),
        declared: descendants(file.root()).filter_map(|n| named_callable(file, n)).map(|(n, _)| n).collect(),
    };
    for body in bodies {
        let armed = !contains(body, begin.node);
        for exit in unmet_exits(file, body, armed, &goal).unwrap_or_default() {
            let keyword = exit.child(0).map_or("return", |k| file.node_text(k));
            out.push(Finding::new(
                exit.byte_range(),
                format!(
                    "This `{keyword}` leaves before `endBackgroundTask({name})` runs, so the background task \
                     stays open on this path; iOS terminates apps that hold a background task past their allowance."
                ),
            ));
        }
    }
}

/// Calls whose closure runs once per element or event (`.sink { done in guard done else { return } … }`):
/// a `return` there waits for the next one rather than abandoning the task.
const PER_EVENT: &[&str] = &[
    "sink",
    "onReceive",
    "subscribe",
    "observe",
    "addObserver",
    "addPeriodicTimeObserver",
    "scheduledTimer",
    "forEach",
    "map",
    "compactMap",
    "flatMap",
    "filter",
];

/// The function and closures from `end` out to `home`, innermost first: each runs the end call
/// on some path. `None` when a closure on the way is only stored (it may run at any time) or a
/// nested function intervenes. `defer` blocks and per-event closures are passed through.
fn bodies_up_to<'t>(file: &'t ParsedFile<'_>, end: Node<'t>, home: Node<'t>) -> Option<Vec<Node<'t>>> {
    let mut chain = Vec::new();
    for a in ancestors(end) {
        if a == home {
            chain.push(a);
            return Some(chain);
        }
        if is_closure(SWIFT, a) {
            let call = call_receiving_closure(file, a)?;
            if call.name != "defer" && !PER_EVENT.contains(&call.name) {
                chain.push(a);
            }
        } else if is_function_decl(SWIFT, a) {
            return None;
        }
    }
    None
}

/// The obligation to end the task named `name` that `begin` started.
struct EndsTask<'t, 's> {
    file: &'t ParsedFile<'s>,
    name: &'t str,
    begin: Node<'t>,
    /// Same-file functions and named closures that end it.
    enders: HashSet<&'t str>,
    /// Every function and named closure the file declares.
    declared: HashSet<&'t str>,
}

impl<'t> Goal<'t> for EndsTask<'t, '_> {
    /// The expiration handler handed to the begin call does not run on the normal path.
    fn reached_by(&self, node: Node<'t>) -> bool {
        calls_run_by(self.file, node, &|c| c.node != self.begin).iter().any(|c| self.may_end(c))
    }

    fn arms(&self, node: Node<'t>) -> bool {
        contains(node, self.begin)
    }

    /// `if taskID == .invalid { return }` and `guard let self else { return }` leave when there is
    /// nothing (left) to end.
    fn excuses(&self, condition: &[Node<'t>]) -> bool {
        condition.iter().any(|c| self.file.node_text(*c) == "self" || mentions(self.file, *c, self.name))
    }
}

impl<'t> EndsTask<'t, '_> {
    /// A call that ends the task or may: it is handed the identifier, it is a same-file helper
    /// that ends it, or it is defined elsewhere and named like a finisher (`finishUpload()`).
    fn may_end(&self, call: &Call<'t>) -> bool {
        call.args.iter().any(|a| mentions(self.file, a.value, self.name))
            || self.enders.contains(call.name)
            || (!self.declared.contains(call.name) && sounds_final(call.name))
    }
}

/// Words that name the end of a piece of work in a camelCase function name.
const FINISHING_WORDS: &[&str] = &[
    "end",
    "ended",
    "finish",
    "finished",
    "complete",
    "completed",
    "stop",
    "stopped",
    "cancel",
    "cancelled",
    "cleanup",
    "clean",
    "invalidate",
    "done",
    "teardown",
    "tear",
];

fn sounds_final(name: &str) -> bool {
    name_words(name).iter().any(|w| FINISHING_WORDS.contains(&w.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The source text of each finding `check` reports in `code`.
    fn reported(code: &str) -> Vec<String> {
        RULE.check_code(SWIFT, code).iter().map(|f| code[f.span.clone()].to_string()).collect()
    }

    #[test]
    fn a_returned_identifier_is_not_discarded() {
        let wrapper = "final class AppMediator {
    func beginBackgroundTask(expirationHandler handler: (() -> Void)?) -> UIBackgroundTaskIdentifier {
        application.beginBackgroundTask(expirationHandler: handler)
    }
}";
        assert!(reported(wrapper).is_empty());
        let discarded = "func flush() {\n    UIApplication.shared.beginBackgroundTask(expirationHandler: nil)\n}";
        assert_eq!(reported(discarded), vec!["UIApplication.shared.beginBackgroundTask(expirationHandler: nil)"]);
    }

    #[test]
    fn app_defined_wrappers_are_not_uikit() {
        let code = "final class Exporter {
    func export() { beginBackgroundTask(); run() }
    private func beginBackgroundTask() { taskID = UIApplication.shared.beginBackgroundTask { } }
    private var taskID: UIBackgroundTaskIdentifier?
}";
        // The bare `beginBackgroundTask()` is the wrapper; only the UIKit call inside is judged.
        assert_eq!(reported(code), vec!["UIApplication.shared.beginBackgroundTask { }"]);
        // Labels UIKit does not have: an app helper declared in another file.
        assert!(reported("func f() async {\n    await beginBackgroundTask(name: \"x\")\n    work()\n}").is_empty());
    }

    #[test]
    fn only_private_properties_are_judged_as_never_ended() {
        let code = |visibility: &str| {
            format!(
                "final class Cache {{
    {visibility}var task: UIBackgroundTaskIdentifier = .invalid
    func save() {{ task = UIApplication.shared.beginBackgroundTask(withName: \"save\") }}
}}"
            )
        };
        assert_eq!(reported(&code("private ")).len(), 1);
        assert!(reported(&code("")).is_empty());
    }

    #[test]
    fn finisher_names() {
        assert!(sounds_final("endTask"));
        assert!(sounds_final("uploadDidFinish"));
        assert!(sounds_final("cleanUp"));
        assert!(sounds_final("mark_done"));
        assert!(!sounds_final("completion"));
        assert!(!sounds_final("sendEvents"));
        assert!(!sounds_final("appendPending"));
    }
}
