//! Lifecycle contexts (rules-catalog §1.2): is a node inside code that runs as the app leaves
//! the foreground (a *background-entry* callback), or inside code the OS runs while the app is
//! not visible (a *background-work* entry point)?
//!
//! Both questions walk a node's ancestors; a closure handed to an observer for some other
//! event ends the walk, because it runs at that other time.

use super::syntax::{
    ancestors, as_call, call_receiving_closure, calls_in, contains, descendants, find_descendant, function_name,
    is_closure, is_function_decl, Call,
};
use super::{Language, Node, ParsedFile};

/// A lifecycle context a rule can ask about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Context {
    /// Runs as the app moves to the background: `sceneDidEnterBackground`,
    /// `AppLifecycleState.paused` branches, `onStop`, …
    BackgroundEntry,
    /// Runs while the app is in the background: BGTask handlers, `Worker.doWork`,
    /// Dart callbacks handed to background plugins, …
    BackgroundWork,
}

pub fn is_inside(file: &ParsedFile<'_>, node: Node<'_>, context: Context) -> bool {
    match context {
        Context::BackgroundEntry => background_entry(file, node).is_some(),
        Context::BackgroundWork => background_work(file, node).is_some(),
    }
}

const SWIFT_ENTRY_FUNCTIONS: &[&str] = &[
    "applicationDidEnterBackground",
    "applicationWillResignActive",
    "applicationWillTerminate",
    "sceneDidEnterBackground",
    "sceneWillResignActive",
];

const SWIFT_ENTRY_NOTIFICATIONS: &[&str] = &[
    "didEnterBackgroundNotification",
    "willResignActiveNotification",
    "willTerminateNotification",
    "UIApplicationDidEnterBackground",
    "UIApplicationWillResignActive",
    "UIApplicationWillTerminate",
    "UISceneDidEnterBackground",
];

const DART_PAUSED_STATES: &[&str] = &[
    "AppLifecycleState.paused",
    "AppLifecycleState.hidden",
    "AppLifecycleState.inactive",
    "AppLifecycleState.detached",
];

const DART_LISTENER_CALLBACKS: &[&str] = &["onPause", "onHide", "onInactive", "onDetach"];

/// Android callbacks that run as a screen or the app leaves the foreground (Kotlin and Java).
const ANDROID_ENTRY_FUNCTIONS: &[&str] = &["onPause", "onStop", "onDestroy"];

/// How far the walk up from a node got.
enum Walk<'t> {
    /// Inside a background-entry context: the node that makes it one.
    Entry(Node<'t>),
    /// Certainly not (for instance, inside a handler for another event).
    Outside,
    /// Reached this ordinary named function with no closure in between: its callers decide.
    InFunction(Node<'t>),
}

/// How many levels of same-file helper calls a context is followed through.
const MAX_CALLER_DEPTH: usize = 3;

/// The innermost node that makes `node` part of a background-entry context, if any. Code in a
/// same-file helper counts when every reference to the helper is a call made from such a
/// context (`if (state == AppLifecycleState.paused) _startTimer();`).
pub fn background_entry<'t>(file: &'t ParsedFile<'_>, node: Node<'t>) -> Option<Node<'t>> {
    entry_within(file, node, 0)
}

fn entry_within<'t>(file: &'t ParsedFile<'_>, node: Node<'t>, depth: usize) -> Option<Node<'t>> {
    let walk = match file.lang {
        Language::Swift => swift_entry(file, node),
        Language::Dart => dart_entry(file, node),
        Language::Kotlin => kotlin_entry(file, node),
        Language::Java => java_entry(file, node),
    };
    match walk {
        Walk::Entry(n) => Some(n),
        Walk::InFunction(func) if depth < MAX_CALLER_DEPTH => called_only_from_entry(file, func, depth),
        Walk::InFunction(_) | Walk::Outside => None,
    }
}

/// `func` when it is declared once in the file, every reference to its name is a plain call
/// (no tear-off, no call on another receiver), and every such call is background-entry code.
fn called_only_from_entry<'t>(file: &'t ParsedFile<'_>, func: Node<'t>, depth: usize) -> Option<Node<'t>> {
    let lang = file.lang;
    let name = function_name(file, func)?;
    let mut declarations = 0;
    let mut calls = Vec::new();
    for ident in identifier_nodes(file, name) {
        let declares = ancestors(ident)
            .take(3)
            .find(|a| is_function_decl(lang, *a))
            .is_some_and(|decl| function_name_node(file, decl) == Some(ident));
        if declares {
            declarations += 1;
            continue;
        }
        let call = ancestors(ident).take(4).filter_map(|a| as_call(file, a)).find(|c| contains(c.callee, ident))?;
        // A Java method reference (`this::arm`) is a tear-off: it runs whenever it is invoked.
        if call.node.kind() == "method_reference" {
            return None;
        }
        let plain =
            call.name == name && call.receiver.is_none_or(|r| matches!(file.node_text(r), "self" | "this" | "super"));
        if !plain {
            return None;
        }
        calls.push(call.node);
    }
    if declarations != 1 || calls.is_empty() {
        return None;
    }
    calls.iter().all(|c| entry_within(file, *c, depth + 1).is_some()).then_some(func)
}

/// Every identifier node spelled `name`, from a per-file index built on first use.
fn identifier_nodes<'t>(file: &'t ParsedFile<'_>, name: &str) -> Vec<Node<'t>> {
    let kind = if file.lang == Language::Swift { "simple_identifier" } else { "identifier" };
    let index = file.facts().identifiers.get_or_init(|| {
        let mut index: std::collections::HashMap<String, Vec<usize>> = std::collections::HashMap::new();
        for n in descendants(file.root()).filter(|n| n.kind() == kind) {
            index.entry(file.node_text(n).to_string()).or_default().push(n.start_byte());
        }
        index
    });
    let starts = index.get(name).map_or(&[][..], Vec::as_slice);
    starts
        .iter()
        .filter_map(|&start| {
            let mut node = file.root().descendant_for_byte_range(start, start + name.len())?;
            while node.kind() != kind {
                node = node.parent()?;
            }
            Some(node)
        })
        .collect()
}

/// The identifier naming a function declaration.
fn function_name_node<'t>(file: &ParsedFile<'_>, decl: Node<'t>) -> Option<Node<'t>> {
    match file.lang {
        Language::Swift | Language::Kotlin | Language::Java => decl.child_by_field_name("name"),
        Language::Dart => find_descendant(decl, |n| n.kind() == "function_signature")?.child_by_field_name("name"),
    }
}

fn mentions_any(text: &str, needles: &[&str]) -> bool {
    needles.iter().any(|n| text.contains(n))
}

fn swift_entry<'t>(file: &'t ParsedFile<'_>, node: Node<'t>) -> Walk<'t> {
    let mut crossed_closure = false;
    for anc in ancestors(node) {
        if is_closure(Language::Swift, anc) {
            crossed_closure = true;
            let Some(call) = call_receiving_closure(file, anc) else {
                continue;
            };
            // What the observer listens to is in this call's own arguments (or, for Combine's
            // `sink`, in the `publisher(for:)` it subscribes to), never in a chained call before it.
            let own_args = call.arg_list.map_or("", |a| file.node_text(a));
            match call.name {
                "addObserver" | "sink" | "onReceive" => {
                    let subscribed = if call.name == "sink" {
                        let receiver = call.receiver.map_or("", |r| file.node_text(r));
                        receiver.rfind("publisher(for:").map_or("", |i| &receiver[i..])
                    } else {
                        own_args
                    };
                    if mentions_any(subscribed, SWIFT_ENTRY_NOTIFICATIONS) {
                        return Walk::Entry(anc);
                    }
                    // A handler for some other event runs at that other time.
                    return Walk::Outside;
                }
                "onChange" if own_args.contains("scenePhase") => {
                    return swift_scene_phase_branch(file, node, anc).map_or(Walk::Outside, Walk::Entry);
                }
                _ => {}
            }
        }
        if is_function_decl(Language::Swift, anc) {
            let Some(name) = function_name(file, anc) else { return Walk::Outside };
            if SWIFT_ENTRY_FUNCTIONS.contains(&name) || swift_selector_observers(file).iter().any(|s| s == name) {
                return Walk::Entry(anc);
            }
            // Callers decide only for code that runs when the function does: no closure between.
            return if crossed_closure { Walk::Outside } else { Walk::InFunction(anc) };
        }
    }
    Walk::Outside
}

/// In `.onChange(of: scenePhase) { phase in if phase == .background { … } }`, the branch.
fn swift_scene_phase_branch<'t>(file: &ParsedFile<'_>, node: Node<'t>, closure: Node<'t>) -> Option<Node<'t>> {
    let mut child = node;
    for anc in ancestors(node) {
        if anc == closure {
            return None;
        }
        // Only the condition or case patterns decide, and only when `node` is in the body.
        let tests: Vec<Node<'t>> = match anc.kind() {
            "if_statement" => {
                let mut cursor = anc.walk();
                anc.children_by_field_name("condition", &mut cursor).collect()
            }
            "switch_entry" => anc.named_children(&mut anc.walk()).filter(|c| c.kind() == "switch_pattern").collect(),
            _ => Vec::new(),
        };
        // The body a test guards: an `if`'s first statement block (not its `else`), a case's statements.
        let in_body = anc.named_children(&mut anc.walk()).find(|c| c.kind() == "statements") == Some(child);
        let text: String = tests.iter().map(|t| file.node_text(*t)).collect::<Vec<_>>().join(" ");
        let enters_background = names_case(&text, "background") || names_case(&text, "inactive");
        if !tests.is_empty() && in_body && !text.contains("!=") && enters_background {
            return Some(anc);
        }
        child = anc;
    }
    None
}

/// Whether `text` names the enum case `.case_name` as a whole word (`.background`, not
/// `.backgroundColor`).
fn names_case(text: &str, case_name: &str) -> bool {
    let needle = format!(".{case_name}");
    text.match_indices(&needle)
        .any(|(i, _)| !text[i + needle.len()..].chars().next().is_some_and(|c| c.is_alphanumeric() || c == '_'))
}

/// Names of methods registered with `#selector(name)` for a background-entry notification,
/// computed once per file (a file can hold thousands of timers to classify).
fn swift_selector_observers<'f>(file: &'f ParsedFile<'_>) -> &'f [String] {
    file.facts().selector_observers.get_or_init(|| {
        if !file.text().contains("#selector") {
            return Vec::new();
        }
        selector_observers(file)
    })
}

fn selector_observers(file: &ParsedFile<'_>) -> Vec<String> {
    calls_in(file, file.root())
        .into_iter()
        .filter(|c| c.name == "addObserver")
        .filter(|c| c.arg("name").is_some_and(|a| mentions_any(file.node_text(a.value), SWIFT_ENTRY_NOTIFICATIONS)))
        .filter_map(|c| {
            let sel = file.node_text(c.arg("selector")?.value);
            let inner = sel.strip_prefix("#selector(")?.strip_suffix(')')?;
            let inner = inner.rsplit('.').next()?;
            Some(inner.split('(').next().unwrap_or(inner).trim().to_string())
        })
        .collect()
}

fn dart_entry<'t>(file: &'t ParsedFile<'_>, node: Node<'t>) -> Walk<'t> {
    let mut child = node;
    let mut crossed_closure = false;
    for anc in ancestors(node) {
        crossed_closure |= is_closure(Language::Dart, anc);
        match anc.kind() {
            "if_statement" => {
                let cond = anc.child_by_field_name("condition").map(|c| file.node_text(c)).unwrap_or("");
                let consequence = anc.child_by_field_name("consequence");
                let in_consequence = consequence.is_some_and(|c| c == child);
                let in_else = !in_consequence && anc.child_by_field_name("condition") != Some(child);
                // `!=` or a negated group flips the test; `&& !_loggedOut` does not.
                let negated = cond.contains("!=") || cond.contains("!(");
                let tests_paused = mentions_any(cond, DART_PAUSED_STATES) && !negated;
                let not_resumed =
                    cond.contains("AppLifecycleState.resumed") && cond.contains("!=") && !cond.contains("&&");
                let is_resumed = cond.contains("AppLifecycleState.resumed") && !negated && !cond.contains("||");
                if (in_consequence && (tests_paused || not_resumed)) || (in_else && is_resumed) {
                    return Walk::Entry(anc);
                }
            }
            "switch_statement_case" => {
                let head_end = anc
                    .named_children(&mut anc.walk())
                    .find(|c| c.kind().ends_with("_statement") || c.kind() == "block")
                    .map(|c| c.start_byte())
                    .unwrap_or(anc.end_byte());
                let head = &file.text()[anc.start_byte()..head_end];
                if mentions_any(head, DART_PAUSED_STATES) {
                    return Walk::Entry(anc);
                }
            }
            "named_argument" => {
                let label = anc.named_child(0).map(|l| file.node_text(l)).unwrap_or("");
                let label = label.trim_end_matches(':').trim();
                if DART_LISTENER_CALLBACKS.contains(&label) {
                    let owner = ancestors(anc).find_map(|a| as_call(file, a));
                    if owner.is_some_and(|c| c.name == "AppLifecycleListener") {
                        return Walk::Entry(anc);
                    }
                }
            }
            _ => {}
        }
        if is_function_decl(Language::Dart, anc) {
            return if crossed_closure { Walk::Outside } else { Walk::InFunction(anc) };
        }
        child = anc;
    }
    Walk::Outside
}

fn kotlin_entry<'t>(file: &'t ParsedFile<'_>, node: Node<'t>) -> Walk<'t> {
    let mut crossed_closure = false;
    let Some(func) = ancestors(node).find(|a| {
        crossed_closure |= is_closure(Language::Kotlin, *a);
        a.kind() == "function_declaration"
    }) else {
        return Walk::Outside;
    };
    let Some(name) = function_name(file, func) else { return Walk::Outside };
    let text = file.node_text(func);
    // The signature: up to the body (`{`) or an expression body (`=`).
    let head = &text[..text.find(['{', '=']).unwrap_or(text.len())];
    let lifecycle_annotation = head.contains("Lifecycle.Event.ON_STOP") || head.contains("Lifecycle.Event.ON_PAUSE");
    let overrides = head.contains("override");
    if (overrides && ANDROID_ENTRY_FUNCTIONS.contains(&name)) || lifecycle_annotation {
        Walk::Entry(func)
    } else if crossed_closure {
        Walk::Outside
    } else {
        Walk::InFunction(func)
    }
}

/// Java: an `@Override` of `onPause`/`onStop`/`onDestroy` (Activity, Fragment,
/// DefaultLifecycleObserver), or a method annotated `@OnLifecycleEvent(Lifecycle.Event.ON_STOP)`
/// or `ON_PAUSE`. A lambda or anonymous class handed to a listener or callback registration
/// (`setOnClickListener`, `addListener`, `registerReceiver`, `observe`) runs at another time.
fn java_entry<'t>(file: &'t ParsedFile<'_>, node: Node<'t>) -> Walk<'t> {
    let mut crossed_closure = false;
    let mut for_other_event = false;
    let Some(func) = ancestors(node).find(|a| {
        if is_closure(Language::Java, *a) {
            crossed_closure = true;
            for_other_event |= java_registers_for_event(file, *a);
        }
        is_function_decl(Language::Java, *a)
    }) else {
        return Walk::Outside;
    };
    if for_other_event {
        return Walk::Outside;
    }
    let Some(name) = function_name(file, func) else { return Walk::Outside };
    let modifiers = func.named_children(&mut func.walk()).find(|c| c.kind() == "modifiers");
    let head = modifiers.map_or("", |m| file.node_text(m));
    let lifecycle_annotation = head.contains("Lifecycle.Event.ON_STOP") || head.contains("Lifecycle.Event.ON_PAUSE");
    let overrides = head.contains("@Override");
    if (overrides && ANDROID_ENTRY_FUNCTIONS.contains(&name)) || lifecycle_annotation {
        Walk::Entry(func)
    } else if crossed_closure {
        Walk::Outside
    } else {
        Walk::InFunction(func)
    }
}

/// Whether a Java lambda or anonymous class body is handed to a call that registers it for some
/// event (a listener, callback, observer or receiver), rather than run now or soon (`post`, `execute`).
fn java_registers_for_event(file: &ParsedFile<'_>, closure: Node<'_>) -> bool {
    // An anonymous class is the argument as a whole: `new View.OnClickListener() { … }`.
    let handed = if closure.kind() == "class_body" { closure.parent().unwrap_or(closure) } else { closure };
    let Some(call) =
        ancestors(handed).take(3).filter_map(|a| as_call(file, a)).find(|c| c.args.iter().any(|a| a.value == handed))
    else {
        return false;
    };
    let name = call.name;
    (name.starts_with("set") || name.starts_with("add") || name.starts_with("register"))
        && (name.ends_with("Listener")
            || name.ends_with("Callback")
            || name.ends_with("Receiver")
            || name.ends_with("Observer"))
        || matches!(name, "observe" | "observeForever" | "registerReceiver" | "addObserver")
}

// ------------------------------------------------------------------ background work

/// Dart calls whose function argument the OS runs in a background isolate, and which argument
/// is the callback: `(method, receiver hint, label or positional index)`.
pub const DART_BACKGROUND_REGISTRATIONS: &[(&str, &str, ArgPos)] = &[
    ("initialize", "Workmanager", ArgPos::Index(0)),
    ("registerHeadlessTask", "BackgroundFetch", ArgPos::Index(0)),
    ("registerHeadlessTask", "BackgroundGeolocation", ArgPos::Index(0)),
    ("onBackgroundMessage", "FirebaseMessaging", ArgPos::Index(0)),
    ("oneShot", "AndroidAlarmManager", ArgPos::Index(2)),
    ("oneShotAt", "AndroidAlarmManager", ArgPos::Index(2)),
    ("periodic", "AndroidAlarmManager", ArgPos::Index(2)),
    ("initialize", "", ArgPos::Label("onDidReceiveBackgroundNotificationResponse")),
    ("AndroidConfiguration", "", ArgPos::Label("onStart")),
    ("IosConfiguration", "", ArgPos::Label("onForeground")),
    ("IosConfiguration", "", ArgPos::Label("onBackground")),
    ("startService", "FlutterForegroundTask", ArgPos::Label("callback")),
    ("registerInteractivityCallback", "HomeWidget", ArgPos::Index(0)),
    ("registerBackgroundCallback", "HomeWidget", ArgPos::Index(0)),
    ("registerLocationUpdate", "BackgroundLocator", ArgPos::Index(0)),
    ("registerCallback", "FlutterDownloader", ArgPos::Index(0)),
];

#[derive(Debug, Clone, Copy)]
pub enum ArgPos {
    Index(usize),
    Label(&'static str),
}

/// Every background-callback argument of `call`, if `call` is a known registration. One call
/// can carry two callbacks (`IosConfiguration(onForeground: a, onBackground: b)`), and
/// `Platform.isAndroid ? handler : null` registers either branch.
pub fn dart_background_callbacks<'t>(file: &ParsedFile<'_>, call: &Call<'t>) -> Vec<Node<'t>> {
    let receiver = call.receiver.map_or("", |r| file.node_text(r));
    DART_BACKGROUND_REGISTRATIONS
        .iter()
        .filter(|(method, hint, _)| call.name == *method && receiver.contains(hint))
        .filter_map(|(_, _, pos)| match pos {
            ArgPos::Index(i) => call.positional(*i),
            ArgPos::Label(l) => call.arg(l),
        })
        .flat_map(|arg| match arg.value.kind() {
            "conditional_expression" => ["consequence", "alternative"]
                .into_iter()
                .filter_map(|branch| arg.value.child_by_field_name(branch))
                .collect(),
            _ => vec![arg.value],
        })
        .collect()
}

const SWIFT_WORK_FUNCTION_MARKERS: &[&str] =
    &["performFetchWithCompletionHandler", "fetchCompletionHandler", "handleEventsForBackgroundURLSession"];
/// Android entry points the OS calls while the app may be in the background (Kotlin and Java):
/// `Worker.doWork`, `Service.onStartCommand`, `BroadcastReceiver.onReceive`,
/// `JobIntentService.onHandleWork`, `JobService.onStartJob`.
const ANDROID_WORK_FUNCTIONS: &[&str] = &["doWork", "onStartCommand", "onReceive", "onHandleWork", "onStartJob"];

/// The innermost node that makes `node` part of background work, if any.
pub fn background_work<'t>(file: &'t ParsedFile<'_>, node: Node<'t>) -> Option<Node<'t>> {
    for anc in ancestors(node) {
        match file.lang {
            Language::Swift => {
                if is_closure(Language::Swift, anc) {
                    if let Some(call) = call_receiving_closure(file, anc) {
                        if call.name == "register" && call.arg("forTaskWithIdentifier").is_some() {
                            return Some(anc);
                        }
                    }
                }
                if is_function_decl(Language::Swift, anc) {
                    let head = file.node_text(anc);
                    let head = &head[..head.find('{').unwrap_or(head.len())];
                    return mentions_any(head, SWIFT_WORK_FUNCTION_MARKERS).then_some(anc);
                }
            }
            Language::Kotlin => {
                if anc.kind() == "function_declaration" {
                    let name = function_name(file, anc)?;
                    return ANDROID_WORK_FUNCTIONS.contains(&name).then_some(anc);
                }
            }
            Language::Java => {
                if is_function_decl(Language::Java, anc) {
                    let name = function_name(file, anc)?;
                    return ANDROID_WORK_FUNCTIONS.contains(&name).then_some(anc);
                }
            }
            Language::Dart => {
                if is_closure(Language::Dart, anc) {
                    if let Some(call) = call_receiving_closure(file, anc) {
                        if call.name == "executeTask" || dart_background_callbacks(file, &call).contains(&anc) {
                            return Some(anc);
                        }
                    }
                }
                if is_function_decl(Language::Dart, anc) {
                    let name = function_name(file, anc)?;
                    let registered = calls_in(file, file.root())
                        .iter()
                        .any(|c| dart_background_callbacks(file, c).iter().any(|cb| file.node_text(*cb) == name));
                    return registered.then_some(anc);
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::syntax::descendants;
    use crate::source::SourceFile;

    fn context_of(lang: Language, code: &str, marker: &str, ctx: Context) -> bool {
        let src = SourceFile::new("t", code);
        let file = ParsedFile::parse(lang, &src).unwrap();
        let at = code.find(marker).unwrap();
        let node = descendants(file.root()).filter(|n| n.start_byte() == at).last().unwrap();
        is_inside(&file, node, ctx)
    }

    #[test]
    fn swift_contexts() {
        let entry = |c: &str| context_of(Language::Swift, c, "probe", Context::BackgroundEntry);
        assert!(entry("func sceneDidEnterBackground(_ s: UIScene) { probe() }"));
        assert!(entry("func sceneDidEnterBackground(_ s: UIScene) { DispatchQueue.main.async { probe() } }"));
        assert!(!entry("func sceneWillEnterForeground(_ s: UIScene) { probe() }"));
        assert!(entry("func sceneDidEnterBackground(_ s: UIScene) { self.arm() }\nfunc arm() { probe() }"));
        assert!(!entry("func sceneDidEnterBackground(_ s: UIScene) { arm() }\nfunc viewDidLoad() { arm() }\nfunc arm() { probe() }"));
        assert!(entry(
            "func f() { NotificationCenter.default.addObserver(forName: UIApplication.didEnterBackgroundNotification, object: nil, queue: .main) { _ in probe() } }"
        ));
        assert!(!entry(
            "func sceneDidEnterBackground(_ s: UIScene) { NotificationCenter.default.addObserver(forName: UIApplication.willEnterForegroundNotification, object: nil, queue: .main) { _ in probe() } }"
        ));
        assert!(entry(
            "class A { func start() { NotificationCenter.default.addObserver(self, selector: #selector(onBg), name: UIApplication.didEnterBackgroundNotification, object: nil) }\n @objc func onBg() { probe() } }"
        ));
        // A stored observer token (`let t = …addObserver(…) { }`) wraps the call in the grammar.
        assert!(!entry(
            "func sceneDidEnterBackground(_ s: UIScene) { let t = NotificationCenter.default.addObserver(forName: UIApplication.willEnterForegroundNotification, object: nil, queue: .main) { _ in probe() } }"
        ));
        assert!(entry(
            "func start() { token = NotificationCenter.default.addObserver(forName: UIApplication.didEnterBackgroundNotification, object: nil, queue: .main) { _ in probe() } }"
        ));
        // A SwiftUI chain: the second observer is for the foreground, whatever came before it.
        assert!(!entry(
            "var body: some View { Text(\"\").onReceive(NotificationCenter.default.publisher(for: UIApplication.didEnterBackgroundNotification)) { _ in save() }.onReceive(NotificationCenter.default.publisher(for: UIApplication.willEnterForegroundNotification)) { _ in probe() } }"
        ));
        assert!(entry(
            "func f() { c = NotificationCenter.default.publisher(for: UIApplication.didEnterBackgroundNotification).sink { _ in probe() } }"
        ));
        let phase = |branch: &str| {
            format!("var body: some View {{ Text(\"\").onChange(of: scenePhase) {{ phase in {branch} }} }}")
        };
        assert!(entry(&phase("if phase == .background { probe() }")));
        assert!(!entry(&phase("if phase == .background { save() } else { probe() }")), "the else runs on other phases");
        assert!(!entry(&phase(
            "switch phase { case .active: DispatchQueue.global(qos: .background).async { }; probe() default: break }"
        )));
        assert!(entry(&phase("switch phase { case .background: probe() default: break }")));
        assert!(!entry(&phase("if phase == .active, color == .backgroundColor { probe() }")));
        // Multibyte text where a byte cut would land mid-character must not panic.
        let long = format!(
            "func sceneDidEnterBackground(_ s: UIScene) {{ DispatchQueue.main.async {{ let t = \"{}é\"; probe() }} }}",
            "a".repeat(380)
        );
        assert!(entry(&long));
        let work = |c: &str| context_of(Language::Swift, c, "probe", Context::BackgroundWork);
        assert!(work("BGTaskScheduler.shared.register(forTaskWithIdentifier: \"a\", using: nil) { task in probe() }"));
    }

    #[test]
    fn dart_contexts() {
        let entry = |c: &str| context_of(Language::Dart, c, "probe", Context::BackgroundEntry);
        assert!(entry("void f(AppLifecycleState s) { if (s == AppLifecycleState.paused) { probe(); } }"));
        assert!(!entry("void f(AppLifecycleState s) { if (s == AppLifecycleState.resumed) { probe(); } }"));
        assert!(entry(
            "void f(AppLifecycleState s) { if (s == AppLifecycleState.resumed) { a(); } else { probe(); } }"
        ));
        assert!(!entry("void f(AppLifecycleState s) { if (s != AppLifecycleState.paused) { probe(); } }"));
        assert!(entry(
            "void f(AppLifecycleState s) { if (s == AppLifecycleState.paused && !_loggedOut) { probe(); } }"
        ));
        assert!(!entry("void f(AppLifecycleState s) { if (!(s == AppLifecycleState.paused)) { probe(); } }"));
        assert!(entry(
            "void f(AppLifecycleState s) { switch (s) { case AppLifecycleState.paused: probe(); break; default: } }"
        ));
        assert!(!entry(
            "void f(AppLifecycleState s) { switch (s) { case AppLifecycleState.resumed: probe(); break; default: } }"
        ));
        assert!(entry("final l = AppLifecycleListener(onPause: () { probe(); });"));
        // Same-file helpers count when every reference is a call from background-entry code.
        let helper = "void s(AppLifecycleState st) { if (st == AppLifecycleState.paused) { _start(); } }\nvoid _start() { probe(); }";
        assert!(entry(helper));
        assert!(!entry(&format!("{helper}\nvoid initState() {{ _start(); }}")), "also called on start");
        assert!(!entry(&format!("{helper}\nfinal b = Button(onTap: _start);")), "a tear-off runs at another time");
        assert!(!entry(
            "void s(AppLifecycleState st) { if (st == AppLifecycleState.paused) { _arm(); } }\nvoid _arm() { button.onTap = () { probe(); }; }"
        ), "a closure inside the helper runs later");
        assert!(!entry("void _start() { probe(); _start(); }"), "recursion alone is no context");
        assert!(!entry("final l = AppLifecycleListener(onResume: () { probe(); });"));
    }

    #[test]
    fn kotlin_contexts() {
        let entry = |c: &str| context_of(Language::Kotlin, c, "probe", Context::BackgroundEntry);
        assert!(entry("class A : Activity() { override fun onStop() { probe() } }"));
        assert!(!entry("class A : Activity() { override fun onStart() { probe() } }"));
        assert!(entry("class A : Activity() { override fun onStop() = probe() }"));
        assert!(entry(
            "class A : Activity() { override fun onStop() { super.onStop(); arm() }\n private fun arm() { probe() } }"
        ));
        let work = |c: &str| context_of(Language::Kotlin, c, "probe", Context::BackgroundWork);
        assert!(work("class W : Worker() { override fun doWork(): Result { probe(); return Result.success() } }"));
    }

    #[test]
    fn java_contexts() {
        let entry = |c: &str| context_of(Language::Java, c, "probe", Context::BackgroundEntry);
        assert!(entry("class A extends Activity { @Override protected void onStop() { super.onStop(); probe(); } }"));
        assert!(!entry("class A extends Activity { @Override protected void onStart() { probe(); } }"));
        assert!(!entry("class A { void onStop() { probe(); } }"), "not an override: just a method of that name");
        assert!(entry(
            "class A implements LifecycleObserver { @OnLifecycleEvent(Lifecycle.Event.ON_STOP) void bg() { probe(); } }"
        ));
        assert!(entry(
            "class A extends Activity { @Override public void onPause() { super.onPause(); arm(); }\n private void arm() { probe(); } }"
        ));
        assert!(!entry(
            "class A extends Activity { @Override public void onPause() { arm(); }\n @Override public void onResume() { arm(); }\n private void arm() { probe(); } }"
        ));
        assert!(!entry(
            "class A extends Activity { @Override public void onPause() { arm(); handler.post(this::arm); }\n private void arm() { probe(); } }"
        ), "a method reference is a tear-off, run whenever it is invoked");
        assert!(!entry(
            "class A extends Activity { @Override public void onStop() { button.setOnClickListener(v -> probe()); } }"
        ), "a listener runs on a click, not on stop");
        assert!(!entry(
            "class A extends Activity { @Override public void onStop() { button.setOnClickListener(new View.OnClickListener() { @Override public void onClick(View v) { probe(); } }); } }"
        ));
        let work = |c: &str| context_of(Language::Java, c, "probe", Context::BackgroundWork);
        assert!(work(
            "class W extends Worker { @Override public Result doWork() { probe(); return Result.success(); } }"
        ));
        assert!(work(
            "class S extends Service { @Override public int onStartCommand(Intent i, int f, int id) { probe(); return START_STICKY; } }"
        ));
        assert!(!work("class S extends Service { @Override public void onCreate() { probe(); } }"));
    }
}
