//! `ios-bgtask-registered-after-launch`: a `BGTaskScheduler` launch handler registered after the
//! app has finished launching.
//!
//! The question is *when* a `register(forTaskWithIdentifier:…)` call runs. The answer comes from
//! the enclosing function (a launch callback, a known later callback, or a helper whose
//! same-file callers decide) and from the closures in between (`DispatchQueue….async`, `Task {}`
//! defer their body; `.onAppear` and button actions run on user-visible events). Anything we
//! cannot place, such as a helper called from another file, an initializer or an unknown
//! closure, stays silent.

use crate::diagnostics::Finding;
use crate::lang::syntax::{
    ancestors, as_call, call_receiving_closure, calls_in, compact, contains, descendants, enclosing_type,
    function_name, is_closure, is_function_decl, Call,
};
use crate::lang::{Language, Node, ParsedFile};
use crate::rules::RuleContext;

crate::declare_rule! {
    id: "ios-bgtask-registered-after-launch",
    platform: Ios,
    languages: [Swift],
    config: [],
    category: "background-tasks",
    severity: Error,
    summary: "BGTaskScheduler launch handler registered after the app has finished launching",
    help: "Register every BGTaskScheduler launch handler synchronously in application(_:didFinishLaunchingWithOptions:) (or a SwiftUI App's init) before it returns.",
    what: "A `register(forTaskWithIdentifier:using:launchHandler:)` call that runs after launch: directly in a \
later callback (`viewDidLoad`, `viewWillAppear`, `viewDidAppear`, `scene(_:willConnectTo:options:)`, \
`sceneDidBecomeActive`, `sceneWillEnterForeground`, `applicationDidBecomeActive`, \
`applicationWillEnterForeground`, `…DidEnterBackground`, `…WillResignActive`), in an `.onAppear`, `.task` or \
button action, in a `DispatchQueue….async`/`asyncAfter`, `OperationQueue.addOperation` or `Task {}` block \
(even inside `didFinishLaunching`), or in a helper whose callers in the same file are all of those. \
A helper with no caller in the file, an initializer other than a SwiftUI `App.init`, and continued-processing \
tasks (iOS 26, which may be registered later) are not reported.",
    why: "The scheduler hands a background launch to the handler registered for the task's identifier, and it \
expects every handler to be in place by the time `application(_:didFinishLaunchingWithOptions:)` returns, on \
every launch, because each new process has to register again. When the system relaunches a terminated app \
to run a task, only what ran during launch has registered: a background launch connects no scene and shows \
no view, and a deferred block has not run yet, so the task is never delivered to a handler added there. \
Registering late also trips an assertion inside `BGTaskScheduler`, and callbacks such as \
`sceneDidBecomeActive` run many times per process, so registering the same identifier a second time raises \
an exception and crashes the app.",
    instead: "Call `BGTaskScheduler.shared.register(forTaskWithIdentifier:using:launchHandler:)` for every \
identifier synchronously in `application(_:willFinishLaunchingWithOptions:)` or \
`application(_:didFinishLaunchingWithOptions:)` before it returns, or in a SwiftUI `App`'s `init()`; scene \
and view code should only `submit` requests. In SwiftUI, the `.backgroundTask(.appRefresh(\"id\"))` scene \
modifier registers for you.",
    sources: [
        "https://developer.apple.com/documentation/backgroundtasks/bgtaskscheduler/register(fortaskwithidentifier:using:launchhandler:)",
        "https://developer.apple.com/forums/thread/728585",
    ],
    fix: None,
    also_reported_by: None,
    keywords: ["forTaskWithIdentifier"],
    signals: [],
    bad: [
        (Swift, r#"import UIKit
import BackgroundTasks

final class SceneDelegate: UIResponder, UIWindowSceneDelegate {
    var window: UIWindow?

    func sceneDidBecomeActive(_ scene: UIScene) {
        «BGTaskScheduler.shared.register(forTaskWithIdentifier: "com.example.feed.refresh", using: nil)» { task in
            FeedRefresher.shared.handle(task as! BGAppRefreshTask)
        }
        FeedRefresher.shared.scheduleNext()
    }
}
"#),
        (Swift, r#"import UIKit
import BackgroundTasks

@main
final class AppDelegate: UIResponder, UIApplicationDelegate {
    func application(_ application: UIApplication,
                     didFinishLaunchingWithOptions launchOptions: [UIApplication.LaunchOptionsKey: Any]?) -> Bool {
        Analytics.start()
        // Keep launch fast: set up the background work once the UI is up.
        DispatchQueue.main.async {
            «BGTaskScheduler.shared.register(forTaskWithIdentifier: "com.example.sync", using: nil)» { task in
                SyncEngine.shared.run(task as! BGProcessingTask)
            }
        }
        return true
    }
}
"#),
        (Swift, r#"import UIKit
import BackgroundTasks

final class InboxViewController: UIViewController {
    override func viewDidLoad() {
        super.viewDidLoad()
        registerBackgroundRefresh()
        tableView.reloadData()
    }

    private func registerBackgroundRefresh() {
        «BGTaskScheduler.shared.register(forTaskWithIdentifier: InboxSync.taskID, using: .main)» { [weak self] task in
            self?.refresh(task as! BGAppRefreshTask)
        }
    }
}
"#),
        (Swift, r#"import SwiftUI
import BackgroundTasks

struct RootView: View {
    var body: some View {
        TabView {
            HomeView()
            SettingsView()
        }
        .onAppear {
            «BGTaskScheduler.shared.register(forTaskWithIdentifier: "com.example.cleanup", using: nil)» { task in
                Cleanup.run(task as! BGProcessingTask)
            }
        }
    }
}
"#),
    ],
    good: [
        (Swift, r#"import UIKit
import BackgroundTasks

@main
final class AppDelegate: UIResponder, UIApplicationDelegate {
    func application(_ application: UIApplication,
                     didFinishLaunchingWithOptions launchOptions: [UIApplication.LaunchOptionsKey: Any]?) -> Bool {
        BGTaskScheduler.shared.register(forTaskWithIdentifier: "com.example.feed.refresh", using: nil) { task in
            FeedRefresher.shared.handle(task as! BGAppRefreshTask)
        }
        registerMaintenanceTasks()
        return true
    }

    private func registerMaintenanceTasks() {
        ["com.example.cleanup", "com.example.vacuum"].forEach { identifier in
            BGTaskScheduler.shared.register(forTaskWithIdentifier: identifier, using: nil) { task in
                Maintenance.run(task as! BGProcessingTask)
            }
        }
    }
}

final class SceneDelegate: UIResponder, UIWindowSceneDelegate {
    func sceneDidEnterBackground(_ scene: UIScene) {
        FeedRefresher.shared.scheduleNext()
    }
}
"#),
        (Swift, r#"import SwiftUI
import BackgroundTasks

@main
struct FieldNotesApp: App {
    init() {
        BGTaskScheduler.shared.register(forTaskWithIdentifier: "com.example.notes.upload", using: nil) { task in
            Uploader.shared.handle(task as! BGProcessingTask)
        }
    }

    var body: some Scene {
        WindowGroup { NotesList() }
    }
}
"#),
        (Swift, r#"import BackgroundTasks

/// Called by AppDelegate.application(_:didFinishLaunchingWithOptions:) in another file.
enum BackgroundRefresh {
    static func register() {
        BGTaskScheduler.shared.register(forTaskWithIdentifier: "com.example.refresh", using: .main) { task in
            handle(task as! BGAppRefreshTask)
        }
    }

    static func handle(_ task: BGAppRefreshTask) {
        task.setTaskCompleted(success: true)
    }
}
"#),
        (Swift, r#"import UIKit
import BackgroundTasks

final class ExportViewController: UIViewController {
    override func viewDidLoad() {
        super.viewDidLoad()
        // Continued-processing tasks (iOS 26) are registered when the user starts the work.
        BGTaskScheduler.shared.register(forTaskWithIdentifier: "com.example.export.*", using: nil) { task in
            Exporter.shared.run(task as! BGContinuedProcessingTask)
        }
    }
}
"#),
    ],
    bad_projects: [],
    good_projects: [],
    check: Some(check),
    project_check: None,
}

/// When a piece of code runs, relative to the end of `didFinishLaunching`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Timing {
    /// Synchronously during launch.
    Launch,
    /// After launch; the text names where, for the message (`` `sceneDidBecomeActive(_:)` ``).
    Late(String),
    /// Not known: no same-file caller, an initializer, a closure we cannot place.
    Unknown,
}

/// How far helper → caller chains are followed.
const MAX_HELPER_DEPTH: usize = 4;

/// Callbacks UIKit only calls once launch is over (or, for view controllers, that cannot be relied on
/// to run before it ends). A scene connects after `didFinishLaunching` returns.
const LATE_CALLBACKS: &[&str] = &[
    "viewDidLoad",
    "viewWillAppear",
    "viewDidAppear",
    "sceneDidBecomeActive",
    "sceneWillEnterForeground",
    "sceneDidEnterBackground",
    "sceneWillResignActive",
    "applicationDidBecomeActive",
    "applicationWillEnterForeground",
    "applicationDidEnterBackground",
    "applicationWillResignActive",
];

/// Launch callbacks named by their own function name (macOS/watchOS and the pre-iOS 3 UIKit form).
const LAUNCH_CALLBACKS: &[&str] = &["applicationDidFinishLaunching", "applicationWillFinishLaunching"];

/// Closure-taking calls that run the closure in place, before returning.
const INLINE_CLOSURE_CALLS: &[&str] =
    &["forEach", "map", "compactMap", "flatMap", "filter", "reduce", "sync", "autoreleasepool"];

fn check(file: &ParsedFile<'_>, _cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    // Continued-processing tasks (iOS 26) are exempt from the launch-time rule and are registered
    // when the user starts the work; their identifiers may be wildcards.
    if file.text().contains("BGContinuedProcessingTask") {
        return;
    }
    for call in calls_in(file, file.root()) {
        if call.name != "register" {
            continue;
        }
        let Some(identifier) = call.arg("forTaskWithIdentifier") else { continue };
        if file.node_text(identifier.value).contains('*') {
            continue;
        }
        if let Timing::Late(place) = timing(file, call.node, &mut Vec::new()) {
            // The call up to its argument list: the trailing launch handler would make the span a block.
            let end = call.arg_list.map_or(call.node.end_byte(), |a| a.end_byte());
            out.push(Finding::new(
                call.node.start_byte()..end,
                format!(
                    "BGTaskScheduler handlers must be registered before the app finishes launching, but this \
                     registration runs from {place}; registering this late asserts at runtime and background \
                     launches will not reach this handler."
                ),
            ));
        }
    }
}

/// When `node` runs. `helpers` holds the helper functions being resolved, against recursion.
fn timing<'t>(file: &'t ParsedFile<'_>, node: Node<'t>, helpers: &mut Vec<Node<'t>>) -> Timing {
    // The innermost closure that defers its body past the current run-loop turn, if any.
    let mut deferred: Option<String> = None;
    let mut unplaced_closure = false;
    for anc in ancestors(node) {
        if is_closure(Language::Swift, anc) {
            match closure_runs(file, anc) {
                ClosureRuns::OnEvent(place) => return Timing::Late(place),
                ClosureRuns::Deferred(place) => {
                    deferred.get_or_insert(place);
                }
                ClosureRuns::Inline => {}
                ClosureRuns::Unknown => unplaced_closure = true,
            }
        } else if is_function_decl(Language::Swift, anc) {
            // Everything lexically inside a late function runs late, whatever closures are in between.
            return match function_timing(file, anc, helpers) {
                Timing::Launch => match deferred {
                    Some(block) => Timing::Late(format!("{block} in {}", display_name(file, anc))),
                    None if unplaced_closure => Timing::Unknown,
                    None => Timing::Launch,
                },
                other => other,
            };
        }
    }
    // Top-level code, property initializers, `body` getters.
    Timing::Unknown
}

enum ClosureRuns {
    /// Runs on a later event: a view appearing, a button tap.
    OnEvent(String),
    /// Runs on a later run-loop turn or another thread: `DispatchQueue.main.async`, `Task {}`.
    Deferred(String),
    /// Runs before the call that takes it returns: `forEach`, `DispatchQueue.sync`.
    Inline,
    Unknown,
}

fn closure_runs(file: &ParsedFile<'_>, closure: Node<'_>) -> ClosureRuns {
    let Some(call) = call_receiving_closure(file, closure) else { return ClosureRuns::Unknown };
    match call.name {
        "onAppear" | "task" => ClosureRuns::OnEvent(format!("a `.{}` action", call.name)),
        "Button" => ClosureRuns::OnEvent("a button action".to_string()),
        "async" | "asyncAfter" | "addOperation" | "detached" | "Task" => {
            let callee = compact(file.node_text(call.callee));
            let callee = if callee.len() <= 40 { callee } else { call.name.to_string() };
            ClosureRuns::Deferred(format!("a `{callee}` block"))
        }
        name if INLINE_CLOSURE_CALLS.contains(&name) => ClosureRuns::Inline,
        _ => ClosureRuns::Unknown,
    }
}

/// When the body of the function declaration `decl` runs.
fn function_timing<'t>(file: &'t ParsedFile<'_>, decl: Node<'t>, helpers: &mut Vec<Node<'t>>) -> Timing {
    if decl.kind() == "init_declaration" {
        // A SwiftUI `App` is created during launch; any other type's init runs whenever it is created.
        return if conforms_to_app(file, decl) { Timing::Launch } else { Timing::Unknown };
    }
    let Some(name) = function_name(file, decl) else { return Timing::Unknown };
    let signature = signature_text(file, decl);
    if LATE_CALLBACKS.contains(&name) || (name == "scene" && signature.contains("willConnectTo")) {
        return Timing::Late(display_name(file, decl));
    }
    if LAUNCH_CALLBACKS.contains(&name) || (name == "application" && signature.contains("FinishLaunchingWithOptions")) {
        return Timing::Launch;
    }
    helper_timing(file, decl, name, helpers)
}

/// A helper runs when its callers do: launch if any same-file caller runs during launch, late if
/// every one of them is late, unknown otherwise (including no caller here: it may be called from
/// another file).
fn helper_timing<'t>(file: &'t ParsedFile<'_>, decl: Node<'t>, name: &str, helpers: &mut Vec<Node<'t>>) -> Timing {
    if helpers.len() >= MAX_HELPER_DEPTH || helpers.contains(&decl) {
        return Timing::Unknown;
    }
    let Some(callers) = same_file_callers(file, decl, name) else { return Timing::Unknown };
    if callers.is_empty() {
        return Timing::Unknown;
    }
    helpers.push(decl);
    let timings: Vec<Timing> = callers.into_iter().map(|c| timing(file, c, helpers)).collect();
    helpers.pop();
    if timings.contains(&Timing::Unknown) {
        return Timing::Unknown;
    }
    if timings.contains(&Timing::Launch) {
        return Timing::Launch;
    }
    match timings.into_iter().next() {
        Some(Timing::Late(place)) => {
            Timing::Late(format!("{}, which is only called from {place}", display_name(file, decl)))
        }
        _ => Timing::Unknown,
    }
}

/// The calls in this file that invoke the helper `decl` named `name`, outside the helper itself.
/// `None` when the name is also used some other way (`#selector(name)`, passed as a value, a
/// call on a receiver of unknown type): then we cannot see every caller.
fn same_file_callers<'t>(file: &'t ParsedFile<'_>, decl: Node<'t>, name: &str) -> Option<Vec<Node<'t>>> {
    let own_name = decl.child_by_field_name("name");
    let owner =
        enclosing_type(Language::Swift, decl).and_then(|t| t.child_by_field_name("name")).map(|n| file.node_text(n));
    let mut callers = Vec::new();
    for ident in descendants(file.root()) {
        if ident.kind() != "simple_identifier" || Some(ident) == own_name || file.node_text(ident) != name {
            continue;
        }
        if contains(decl, ident) {
            continue;
        }
        let call = callee_call(file, ident)?;
        let receiver_is_owner = call.receiver.is_none_or(|r| {
            let r = file.node_text(r);
            r == "self" || r == "Self" || owner.is_some_and(|o| r == o || r.starts_with(&format!("{o}.")))
        });
        if !receiver_is_owner {
            return None;
        }
        callers.push(call.node);
    }
    Some(callers)
}

/// The call whose callee ends in the identifier `ident` (`name()`, `self.name()`, `T.name()`).
fn callee_call<'t>(file: &'t ParsedFile<'_>, ident: Node<'t>) -> Option<Call<'t>> {
    let parent = ident.parent()?;
    let callee = match parent.kind() {
        "call_expression" => ident,
        "navigation_suffix" => parent.parent().filter(|n| n.kind() == "navigation_expression")?,
        _ => return None,
    };
    let call = as_call(file, callee.parent()?)?;
    (call.callee == callee).then_some(call)
}

/// The declaration up to its body: the name, parameters and return type.
fn signature_text<'s>(file: &ParsedFile<'s>, decl: Node<'_>) -> &'s str {
    let end = decl.child_by_field_name("body").map_or(decl.end_byte(), |b| b.start_byte());
    &file.text()[decl.start_byte()..end]
}

/// Swift's selector-style name: `` `application(_:didFinishLaunchingWithOptions:)` ``.
fn display_name(file: &ParsedFile<'_>, decl: Node<'_>) -> String {
    let name = function_name(file, decl).unwrap_or("init");
    let labels: String = decl
        .named_children(&mut decl.walk())
        .filter(|c| c.kind() == "parameter")
        .filter_map(|p| p.child_by_field_name("external_name").or_else(|| p.child_by_field_name("name")))
        .map(|l| format!("{}:", file.node_text(l)))
        .collect();
    format!("`{name}({labels})`")
}

/// True when the initializer belongs to a type that conforms to SwiftUI's `App`.
fn conforms_to_app(file: &ParsedFile<'_>, init: Node<'_>) -> bool {
    let Some(ty) = enclosing_type(Language::Swift, init) else { return false };
    ty.named_children(&mut ty.walk())
        .filter(|c| c.kind() == "inheritance_specifier")
        .any(|c| matches!(file.node_text(c), "App" | "SwiftUI.App"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn findings(code: &str) -> Vec<String> {
        RULE.check_code(Language::Swift, code).into_iter().map(|f| f.message).collect()
    }

    const REGISTER: &str = "BGTaskScheduler.shared.register(forTaskWithIdentifier: \"a\", using: nil) { t in run(t) }";

    #[test]
    fn launch_contexts_are_silent() {
        for code in [
            format!("class A {{ func application(_ a: UIApplication, willFinishLaunchingWithOptions o: [UIApplication.LaunchOptionsKey: Any]?) -> Bool {{ {REGISTER}; return true }} }}"),
            format!("class A {{ func applicationDidFinishLaunching(_ n: Notification) {{ {REGISTER} }} }}"),
            format!("class A {{ func application(_ a: UIApplication, didFinishLaunchingWithOptions o: [UIApplication.LaunchOptionsKey: Any]?) -> Bool {{ DispatchQueue.main.sync {{ {REGISTER} }}; return true }} }}"),
            format!("class A {{ func application(_ a: UIApplication, didFinishLaunchingWithOptions o: [UIApplication.LaunchOptionsKey: Any]?) -> Bool {{ helper(); return true }}\n func helper() {{ {REGISTER} }}\n func sceneDidBecomeActive(_ s: UIScene) {{ helper() }} }}"),
        ] {
            assert!(findings(&code).is_empty(), "{code}");
        }
    }

    #[test]
    fn unknown_contexts_are_silent() {
        for code in [
            // An initializer of an ordinary type, a helper without callers, an unknown closure.
            format!("final class Tasks {{ init() {{ {REGISTER} }} }}"),
            format!("final class Tasks {{ func setUp() {{ {REGISTER} }} }}"),
            format!("class A {{ func application(_ a: UIApplication, didFinishLaunchingWithOptions o: [UIApplication.LaunchOptionsKey: Any]?) -> Bool {{ Config.load {{ {REGISTER} }}; return true }} }}"),
            // A helper also reached through a selector or through another object.
            format!("class A {{ func viewDidLoad() {{ setUp(); perform(#selector(setUp)) }}\n @objc func setUp() {{ {REGISTER} }} }}"),
            format!("class A {{ func viewDidLoad() {{ other.setUp() }}\n func setUp() {{ {REGISTER} }} }}"),
            // A helper whose only caller is itself.
            format!("class A {{ func setUp(retry: Bool) {{ {REGISTER}; if retry {{ setUp(retry: false) }} }} }}"),
        ] {
            assert!(findings(&code).is_empty(), "{code}");
        }
    }

    #[test]
    fn late_contexts_fire_and_say_where() {
        let msg = findings(&format!(
            "class S {{ func scene(_ scene: UIScene, willConnectTo session: UISceneSession, options o: UIScene.ConnectionOptions) {{ {REGISTER} }} }}"
        ));
        assert!(msg[0].contains("`scene(_:willConnectTo:options:)`"), "{msg:?}");
        let msg = findings(&format!(
            "@main struct MyApp: App {{ init() {{ Task {{ {REGISTER} }} }}\n var body: some Scene {{ WindowGroup {{ Text(\"\") }} }} }}"
        ));
        assert!(msg[0].contains("a `Task` block in `init()`"), "{msg:?}");
        let msg = findings(&format!(
            "class V: UIViewController {{ override func viewWillAppear(_ animated: Bool) {{ super.viewWillAppear(animated); a() }}\n func a() {{ self.b() }}\n func b() {{ {REGISTER} }} }}"
        ));
        assert!(
            msg[0].contains("`b()`, which is only called from `a()`, which is only called from `viewWillAppear(_:)`"),
            "{msg:?}"
        );
        let msg = findings(&format!("struct V: View {{ var body: some View {{ Button(\"Go\") {{ {REGISTER} }} }} }}"));
        assert!(msg[0].contains("a button action"), "{msg:?}");
    }
}
