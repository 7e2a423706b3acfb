//! `ios-background-task-not-ended`: a `beginBackgroundTask` whose identifier is thrown away,
//! never handed to `endBackgroundTask`, or skipped by an early `return`/`throw` on a path that
//! otherwise ends it.
//!
//! Only what the file shows is judged. An identifier that is passed on, returned or read in any
//! way other than a comparison may be ended elsewhere, so it is never reported as "not ended".
//! Paths are checked only in the function that begins the task and in the one-shot closures it
//! hands to calls (a completion handler, not a `sink`), and only in those that themselves end
//! the task, so the author's intent is clear.

use std::collections::{HashMap, HashSet};

use crate::diagnostics::Finding;
use crate::lang::paths::{calls_run_by, name_words, unmet_exits, Callables, Goal};
use crate::lang::syntax::{
    ancestors, call_receiving_closure, calls_in, contains, descendants, enclosing_function, function_name, is_closure,
    is_function_decl, Call,
};
use crate::lang::{Language, Node, ParsedFile};
use crate::rules::RuleContext;

crate::declare_rule! {
    id: "ios-background-task-not-ended",
    platform: Ios,
    languages: [Swift],
    config: [],
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
    signals: [],
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
        (Swift, r#"func handle(_ event: SyncEvent) {
    let taskID = UIApplication.shared.beginBackgroundTask(withName: "sync-event")
    switch event {
    case .changes(let changes):
        store.apply(changes)
        UIApplication.shared.endBackgroundTask(taskID)
        return
    case .ping:
        break
    }
    guard store.needsRefresh else { «return» }
    store.refresh()
    UIApplication.shared.endBackgroundTask(taskID)
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
        (Swift, r#"func pollUntilDone() {
    let taskID = UIApplication.shared.beginBackgroundTask(withName: "poll")
    while true {
        if job.isFinished {
            UIApplication.shared.endBackgroundTask(taskID)
            break
        }
        Thread.sleep(forTimeInterval: 1)
    }
    guard job.succeeded else { return }
    notifyUser()
}
"#),
    ],
    bad_projects: [],
    good_projects: [],
    check: Some(check),
    project_check: None,
}

const SWIFT: Language = Language::Swift;

fn check(file: &ParsedFile<'_>, _cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    let Some(facts) = Facts::new(file) else { return };
    let mut memo = Memo::default();
    for begin in facts.calls.iter().filter(|c| is_uikit_begin(file, c, facts.wrapped)) {
        match binding(file, &facts, begin) {
            Binding::Discarded => out.push(Finding::new(
                begin.node.byte_range(),
                "The identifier beginBackgroundTask returns is discarded, so this background task can never \
                 be ended; iOS terminates apps that hold a background task past their allowance.",
            )),
            Binding::Named { name, scope: Some(scope) }
                if *memo
                    .only_stored
                    .entry((scope.id(), name))
                    .or_insert_with(|| only_stored(file, &facts, scope, name)) =>
            {
                out.push(Finding::new(
                    begin.node.byte_range(),
                    format!(
                        "The background task identifier stored in `{name}` is never passed to endBackgroundTask; \
                         iOS terminates apps that hold a background task past their allowance."
                    ),
                ))
            }
            Binding::Named { name, .. } => path_leaks(file, &facts, &mut memo, begin, name, out),
            Binding::Other => {}
        }
    }
}

/// What the rule asks of the whole file, gathered in one pass before any begin call is judged,
/// so that a file with many begin calls is not walked again for each (the rule stays linear).
struct Facts<'t> {
    /// Every call in the file, in source order.
    calls: Vec<Call<'t>>,
    /// The file defines its own `beginBackgroundTask`, called without a receiver or on `self`.
    wrapped: bool,
    callables: Callables<'t>,
    /// Every function and named closure the file declares.
    declared: HashSet<&'t str>,
    /// Property and variable declarations by the name they bind, in source order.
    decls: HashMap<&'t str, Vec<Node<'t>>>,
    /// Names declared as `private` or `fileprivate` properties.
    private: HashSet<&'t str>,
    /// Occurrences of each identifier, in source order.
    idents: HashMap<&'t str, Vec<Node<'t>>>,
    /// For each name, the `endBackgroundTask` calls (indices into `calls`) whose arguments mention it.
    ends: HashMap<&'t str, Vec<usize>>,
    /// For each name, the callables that run an `endBackgroundTask` call mentioning it.
    direct_enders: HashMap<&'t str, HashSet<&'t str>>,
}

/// Answers worked out for one begin call that later ones with the same name or body reuse.
#[derive(Default)]
struct Memo<'t> {
    /// (scope, name) → `only_stored`.
    only_stored: HashMap<(usize, &'t str), bool>,
    /// Name → the callables that end it (see [`EndsTask::enders`]).
    enders: HashMap<&'t str, HashSet<&'t str>>,
    /// Body → it holds a `return` or `throw` somewhere.
    can_leave: HashMap<usize, bool>,
}

impl<'t> Facts<'t> {
    /// `None` when the file calls no `beginBackgroundTask` (the keyword may be in a comment).
    fn new(file: &'t ParsedFile<'_>) -> Option<Self> {
        let root = file.root();
        let calls = calls_in(file, root);
        if !calls.iter().any(|c| c.name == "beginBackgroundTask") {
            return None;
        }
        let mut wrapped = false;
        let mut decls: HashMap<&'t str, Vec<Node<'t>>> = HashMap::new();
        let mut private = HashSet::new();
        let mut idents: HashMap<&'t str, Vec<Node<'t>>> = HashMap::new();
        for n in descendants(root) {
            match n.kind() {
                "simple_identifier" => idents.entry(file.node_text(n)).or_default().push(n),
                "function_declaration" => wrapped |= function_name(file, n) == Some("beginBackgroundTask"),
                "property_declaration" => {
                    let Some(name) = n.child_by_field_name("name").map(|p| file.node_text(p)) else { continue };
                    decls.entry(name).or_default().push(n);
                    if !is_local(n) && is_private(file, n) {
                        private.insert(name);
                    }
                }
                _ => {}
            }
        }
        let mut ends: HashMap<&'t str, Vec<usize>> = HashMap::new();
        for (i, call) in calls.iter().enumerate() {
            for name in ended_names(file, call) {
                let list = ends.entry(name).or_default();
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
        }
        let callables = Callables::new(file);
        let mut direct_enders: HashMap<&'t str, HashSet<&'t str>> = HashMap::new();
        for (callable, call) in callables.calls() {
            for name in ended_names(file, call) {
                direct_enders.entry(name).or_default().insert(callable);
            }
        }
        let declared = callables.bodies().map(|(name, _)| name).collect();
        Some(Facts { calls, wrapped, callables, declared, decls, private, idents, ends, direct_enders })
    }

    /// The declarations of `name` inside `scope`.
    fn decls_in(&self, scope: Node<'t>, name: &str) -> impl Iterator<Item = Node<'t>> + '_ {
        within(self.decls.get(name).map_or(&[], Vec::as_slice), scope)
    }

    /// Same-file functions and named closures that end the task named `name`, directly or
    /// through up to two more of each other.
    fn enders(&self, name: &str) -> HashSet<&'t str> {
        self.callables.with_callers(self.direct_enders.get(name).cloned().unwrap_or_default(), 2)
    }
}

/// The nodes of `sorted` (in source order) that lie inside `scope`.
fn within<'a, 't>(sorted: &'a [Node<'t>], scope: Node<'t>) -> impl Iterator<Item = Node<'t>> + 'a {
    let from = sorted.partition_point(|n| n.start_byte() < scope.start_byte());
    sorted[from..]
        .iter()
        .copied()
        .take_while(move |n| n.start_byte() < scope.end_byte())
        .filter(move |n| contains(scope, *n))
}

/// The identifiers the arguments of an `endBackgroundTask` call mention (none for other calls).
fn ended_names<'t>(file: &'t ParsedFile<'_>, call: &Call<'t>) -> Vec<&'t str> {
    if call.name != "endBackgroundTask" {
        return Vec::new();
    }
    let mut names: Vec<&'t str> = call
        .args
        .iter()
        .flat_map(|a| descendants(a.value))
        .filter(|d| d.kind() == "simple_identifier")
        .map(|d| file.node_text(d))
        .collect();
    names.sort_unstable();
    names.dedup();
    names
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

fn binding<'t>(file: &'t ParsedFile<'_>, facts: &Facts<'t>, begin: &Call<'t>) -> Binding<'t> {
    let mut node = trailing_closure_wrapper(begin.node).unwrap_or(begin.node);
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
                    let local =
                        enclosing_function(SWIFT, begin.node).filter(|f| facts.decls_in(*f, name).any(is_local));
                    Binding::Named { name, scope: local.or_else(|| private_scope(file, facts, name)) }
                }
                "navigation_expression" => match self_member(file, target) {
                    Some(name) => Binding::Named { name, scope: private_scope(file, facts, name) },
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
                    let scope = if is_local(parent) {
                        enclosing_function(SWIFT, parent)
                    } else {
                        private_scope(file, facts, name)
                    };
                    Binding::Named { name, scope }
                }
                _ => Binding::Other,
            }
        }
        _ => Binding::Other,
    }
}

/// `let id = begin(withName: n) { … }` reads as the begin call wrapped in a second call that
/// holds only the trailing closure (`syntax::as_call` gives the closure to the begin call);
/// the binding is found above that wrapper.
fn trailing_closure_wrapper(call: Node<'_>) -> Option<Node<'_>> {
    let outer = call.parent().filter(|p| p.kind() == "call_expression" && p.named_child(0) == Some(call))?;
    outer
        .named_children(&mut outer.walk())
        .skip(1)
        .all(|c| c.kind() == "call_suffix" && c.named_children(&mut c.walk()).all(|p| p.kind() == "lambda_literal"))
        .then_some(outer)
}

/// A declaration inside a function body rather than a type.
fn is_local(decl: Node<'_>) -> bool {
    decl.parent().is_some_and(|p| p.kind() == "statements")
}

/// The whole file, when it declares `name` as a `private` or `fileprivate` property: then no
/// other file can end the task through it.
fn private_scope<'t>(file: &'t ParsedFile<'_>, facts: &Facts<'t>, name: &str) -> Option<Node<'t>> {
    facts.private.contains(name).then(|| file.root())
}

/// A declaration marked `private` or `fileprivate`.
fn is_private(file: &ParsedFile<'_>, decl: Node<'_>) -> bool {
    decl.named_children(&mut decl.walk()).filter(|c| c.kind() == "modifiers").any(|m| {
        m.named_children(&mut m.walk())
            .any(|v| v.kind() == "visibility_modifier" && matches!(file.node_text(v), "private" | "fileprivate"))
    })
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
fn only_stored<'t>(file: &'t ParsedFile<'_>, facts: &Facts<'t>, scope: Node<'t>, name: &str) -> bool {
    !scope.has_error()
        && within(facts.idents.get(name).map_or(&[], Vec::as_slice), scope)
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
fn path_leaks<'t>(
    file: &'t ParsedFile<'_>,
    facts: &Facts<'t>,
    memo: &mut Memo<'t>,
    begin: &Call<'t>,
    name: &'t str,
    out: &mut Vec<Finding>,
) {
    let Some(home) = enclosing_function(SWIFT, begin.node) else { return };
    let handlers = begin.closures(SWIFT);
    // The `endBackgroundTask` calls in `home` handed the identifier.
    let ends = facts.ends.get(name).map_or(&[][..], Vec::as_slice);
    let first = ends.partition_point(|&i| facts.calls[i].node.start_byte() < home.start_byte());
    let mut bodies: Vec<Node<'t>> = Vec::new();
    for end in ends[first..].iter().map(|&i| &facts.calls[i]).take_while(|c| c.node.start_byte() < home.end_byte()) {
        if !contains(home, end.node) || handlers.iter().any(|h| contains(*h, end.node)) {
            continue;
        }
        for body in bodies_up_to(file, end.node, home).unwrap_or_default() {
            if !bodies.contains(&body) {
                bodies.push(body);
            }
        }
    }
    // Only a `return` or `throw` can leave early.
    bodies.retain(|b| *memo.can_leave.entry(b.id()).or_insert_with(|| descendants(*b).any(leaves)));
    if bodies.is_empty() {
        return;
    }
    let goal = EndsTask {
        file,
        name,
        begin: begin.node,
        enders: memo.enders.entry(name).or_insert_with(|| facts.enders(name)),
        declared: &facts.declared,
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

/// A `return` or `throw` statement.
fn leaves(node: Node<'_>) -> bool {
    node.kind() == "control_transfer_statement"
        && node.child(0).is_some_and(|k| matches!(k.kind(), "return" | "throw_keyword"))
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
struct EndsTask<'a, 't, 's> {
    file: &'t ParsedFile<'s>,
    name: &'t str,
    begin: Node<'t>,
    /// Same-file functions and named closures that end it.
    enders: &'a HashSet<&'t str>,
    /// Every function and named closure the file declares.
    declared: &'a HashSet<&'t str>,
}

impl<'t> Goal<'t> for EndsTask<'_, 't, '_> {
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

impl<'t> EndsTask<'_, 't, '_> {
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

    /// The code of the rule's own example that contains `marker`, span markers removed.
    fn example(examples: &[(Language, &str)], marker: &str) -> String {
        let (_, code) = examples.iter().find(|(_, c)| c.contains(marker)).expect("example exists");
        crate::rules::meta::strip_markers(code)
    }

    #[test]
    fn a_break_that_skips_the_end_is_followed() {
        // The rule's switch-break bad example, without its span markers.
        let code = &example(RULE.bad, "sync-event");
        let leak = code.find("else { return }").unwrap() + "else { ".len();
        let found = RULE.check_code(SWIFT, code);
        assert_eq!(found.iter().map(|f| f.span.clone()).collect::<Vec<_>>(), vec![leak..leak + "return".len()]);
        let ended =
            code.replace("        break\n", "        UIApplication.shared.endBackgroundTask(taskID)\n        return\n");
        assert!(reported(&ended).is_empty());
        // The reviewer's shape: the quick case breaks out before the end.
        let quick = "func sync(kind: Kind, c: Bool) {
    let id = UIApplication.shared.beginBackgroundTask(withName: \"sync\") { }
    switch kind {
    case .quick: break
    default: UIApplication.shared.endBackgroundTask(id)
    }
    if c { return }
    UIApplication.shared.endBackgroundTask(id)
}";
        assert_eq!(reported(quick), vec!["return"]);
    }

    #[test]
    fn a_trailing_closure_after_arguments_belongs_to_the_begin() {
        // `let id = begin(withName:) { … }` parses as a call inside a call; both are the begin.
        let code = |handler: &str, rest: &str| {
            format!(
                "func sync() {{\n    let id = UIApplication.shared.beginBackgroundTask(withName: \"s\") {{ {handler} }}\n{rest}}}\n"
            )
        };
        let begin = "UIApplication.shared.beginBackgroundTask(withName: \"s\")";
        assert_eq!(reported(&code("", "    work()\n")), vec![begin]);
        // Ending it in the expiration handler is a use, and that handler is not a normal path.
        assert!(reported(&code("UIApplication.shared.endBackgroundTask(id)", "    work()\n")).is_empty());
        let leaky = "    guard ready else { return }\n    UIApplication.shared.endBackgroundTask(id)\n";
        assert_eq!(reported(&code("UIApplication.shared.endBackgroundTask(id)", leaky)), vec!["return"]);
        assert_eq!(reported(&code("", "").replace("let id", "let _")), vec![begin]);
    }

    #[test]
    fn loops_that_end_the_task_then_break_are_followed() {
        // The rule's end-then-break polling good example.
        let polling = &example(RULE.good, "pollUntilDone");
        assert!(reported(polling).is_empty());
        let skipping = "func upload(_ photos: [Photo]) {
    let taskID = UIApplication.shared.beginBackgroundTask(withName: \"upload\")
    for photo in photos {
        if photo.isTooLarge { break }
        uploader.send(photo)
        UIApplication.shared.endBackgroundTask(taskID)
    }
    guard uploader.hasFailures else { return }
    uploader.retry()
}";
        assert_eq!(reported(skipping), vec!["return"]);
    }

    #[test]
    fn many_begin_calls_in_one_file_each_get_their_finding() {
        // Whole-file facts are gathered once per file, not once per begin call.
        let mut code = String::from("final class Worker {\n");
        for i in 0..400 {
            code.push_str(&format!(
                "    func work{i}(c: Bool) {{
        let id{i} = UIApplication.shared.beginBackgroundTask {{ }}
        if c {{ return }}
        UIApplication.shared.endBackgroundTask(id{i})
    }}
"
            ));
        }
        code.push_str("}\n");
        // Speed is measured in benchmarks (the closing notes give 1,000 begins in 0.12 s);
        // here the per-file facts must still give every function its own finding.
        assert_eq!(reported(&code).len(), 400);
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
