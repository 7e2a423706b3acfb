//! `ios-voip-push-without-callkit-report`: a PushKit `pushRegistry(_:didReceiveIncomingPushWith:for:…)`
//! handler that never reports a call to CallKit, or leaves through a `return` before it does.
//!
//! Reporting is recognised by name: `reportNewIncomingCall` on any receiver, the wrappers apps
//! and plugins use (`showCallkitIncoming`, `displayIncomingCall`, `reportIncomingCall`, …) and
//! same-file functions that call one of those. A handler that hands its payload or completion
//! handler to code this file does not show is not judged at all: that code may report.

use std::collections::HashMap;

use crate::diagnostics::Finding;
use crate::lang::paths::{calls_run_by, name_words, unmet_exits, Callables, Goal};
use crate::lang::syntax::{calls_in, descendants, function_name, Call};
use crate::lang::{Node, ParsedFile};
use crate::rules::RuleContext;

crate::declare_rule! {
    id: "ios-voip-push-without-callkit-report",
    platform: Ios,
    languages: [Swift],
    config: [],
    category: "voip",
    severity: Error,
    summary: "VoIP push handler does not report a call to CallKit on every path",
    help: "Report every VoIP push to CallKit with reportNewIncomingCall before the handler finishes (end the \
call right away if it is stale); send non-call messages as regular pushes.",
    what: "An implementation of `pushRegistry(_:didReceiveIncomingPushWith:for:completion:)` (or its async \
or completion-less variant) that never calls `CXProvider.reportNewIncomingCall`, or that leaves through a \
`return` before reporting: a failed `guard`, a \"missed call\" or \"call ended\" branch, a malformed \
payload. Calls through `showCallkitIncoming` (flutter_callkit_incoming), `RNCallKeep.reportNewIncomingCall` \
and same-file helpers that report count as reporting. A handler that passes its payload or completion \
handler to code in another file is not checked, and neither are branches taken when the push is not a \
VoIP push.",
    why: "PushKit VoIP pushes exist only to announce incoming calls. Since the iOS 13 SDK, iOS requires the \
app to report every VoIP push to CallKit as a new incoming call before the delegate callback finishes. \
When it does not, the system terminates the app (crash logs name the reason: the app never posted an \
incoming call after a PushKit VoIP push), and if that keeps happening iOS stops delivering VoIP pushes \
to the app altogether, so real calls stop ringing. A push that only says a call was missed, cancelled or \
answered elsewhere is still a VoIP push and still has to be reported.",
    instead: "Call `reportNewIncomingCall(with:update:completion:)` on every path, and call PushKit's \
completion handler from its completion. When the push is stale or the call is already over, report it \
and then end it at once with `reportCall(with:endedAt:reason:)`. Send missed-call and other non-call \
messages as regular (or Notification Service Extension) pushes instead of VoIP pushes.",
    sources: [
        "https://developer.apple.com/documentation/pushkit/pkpushregistrydelegate/pushregistry(_:didreceiveincomingpushwith:for:completion:)",
        "https://developer.apple.com/documentation/pushkit/responding-to-voip-notifications-from-pushkit",
    ],
    fix: None,
    also_reported_by: None,
    keywords: ["didReceiveIncomingPushWith"],
    signals: [],
    bad: [
        (Swift, r#"import CallKit
import PushKit

final class CallPushHandler: NSObject, PKPushRegistryDelegate {
    func pushRegistry(_ registry: PKPushRegistry, didReceiveIncomingPushWith payload: PKPushPayload,
                      for type: PKPushType, completion: @escaping () -> Void) {
        guard payload.dictionaryPayload["kind"] as? String == "call" else {
            completion()
            «return»
        }
        let update = CXCallUpdate()
        update.remoteHandle = CXHandle(type: .generic, value: payload.dictionaryPayload["from"] as? String ?? "")
        provider.reportNewIncomingCall(with: UUID(), update: update) { _ in completion() }
    }
}
"#),
        (Swift, r#"import CallKit
import PushKit

extension AppDelegate: PKPushRegistryDelegate {
    func pushRegistry(_ registry: PKPushRegistry, didUpdate pushCredentials: PKPushCredentials, for type: PKPushType) {
        api.register(voipToken: pushCredentials.token)
    }

    func «pushRegistry»(_ registry: PKPushRegistry, didReceiveIncomingPushWith payload: PKPushPayload, for type: PKPushType, completion: @escaping () -> Void) {
        // TODO: show the incoming call screen
        completion()
    }
}
"#),
        (Swift, r#"import CallKit
import PushKit
import flutter_callkit_incoming

func pushRegistry(_ registry: PKPushRegistry, didReceiveIncomingPushWith payload: PKPushPayload, for type: PKPushType, completion: @escaping () -> Void) {
    guard type == .voIP else { return }
    let info = payload.dictionaryPayload
    if info["status"] as? String == "missed" {
        notifications.showMissedCall(from: info["caller"] as? String ?? "")
        completion()
        «return»
    }
    let data = flutter_callkit_incoming.Data(id: info["id"] as? String ?? UUID().uuidString,
                                             nameCaller: info["caller"] as? String ?? "", handle: "", type: 0)
    SwiftFlutterCallkitIncomingPlugin.sharedInstance?.showCallkitIncoming(data, fromPushKit: true) {
        completion()
    }
}
"#),
        (Swift, r#"import CallKit

func pushRegistry(_ registry: PKPushRegistry, didReceiveIncomingPushWith payload: PKPushPayload, for type: PKPushType) async {
    guard let callID = payload.dictionaryPayload["call_id"] as? String,
          !answeredElsewhere.contains(callID) else {
        «return»
    }
    let update = CXCallUpdate()
    update.remoteHandle = CXHandle(type: .generic, value: callID)
    try? await provider.reportNewIncomingCall(with: UUID(), update: update)
}
"#),
    ],
    good: [
        (Swift, r#"import CallKit

func pushRegistry(_ registry: PKPushRegistry, didReceiveIncomingPushWith payload: PKPushPayload, for type: PKPushType, completion: @escaping () -> Void) {
    let uuid = UUID()
    let update = CXCallUpdate()
    guard let caller = payload.dictionaryPayload["caller"] as? String else {
        // Malformed push: report a call and end it straight away.
        provider.reportNewIncomingCall(with: uuid, update: update) { _ in
            self.provider.reportCall(with: uuid, endedAt: Date(), reason: .failed)
            completion()
        }
        return
    }
    update.remoteHandle = CXHandle(type: .generic, value: caller)
    provider.reportNewIncomingCall(with: uuid, update: update) { _ in completion() }
}
"#),
        (Swift, r#"import CallKit

final class CallService: NSObject, PKPushRegistryDelegate {
    func pushRegistry(_ registry: PKPushRegistry, didReceiveIncomingPushWith payload: PKPushPayload, for type: PKPushType, completion: @escaping () -> Void) {
        guard type == .voIP else { return }
        guard let roomID = payload.dictionaryPayload["room_id"] as? String else {
            reportEndedCall(reason: .failed, completion: completion)
            return
        }
        startRinging(roomID: roomID, completion: completion)
    }

    private func reportEndedCall(reason: CXCallEndedReason, completion: @escaping () -> Void) {
        let id = UUID()
        provider.reportNewIncomingCall(with: id, update: CXCallUpdate()) { _ in
            self.provider.reportCall(with: id, endedAt: nil, reason: reason)
            completion()
        }
    }

    private func startRinging(roomID: String, completion: @escaping () -> Void) {
        let update = CXCallUpdate()
        update.remoteHandle = CXHandle(type: .generic, value: roomID)
        provider.reportNewIncomingCall(with: UUID(), update: update) { _ in completion() }
    }
}
"#),
        (Swift, r#"import CallKit
import PushKit

extension AppDelegate: PKPushRegistryDelegate {
    func pushRegistry(_ registry: PKPushRegistry, didReceiveIncomingPushWith payload: PKPushPayload, for type: PKPushType, completion: @escaping () -> Void) {
        guard let callID = payload.dictionaryPayload["call_id"] as? String else {
            callCoordinator.reportInvalidPush(payload, completion: completion)
            return
        }
        callCoordinator.ring(callID: callID, completion: completion)
    }
}
"#),
        (Swift, r#"import PushKit
import FileProvider

final class SyncPushHandler: NSObject, PKPushRegistryDelegate {
    func pushRegistry(_ registry: PKPushRegistry, didReceiveIncomingPushWith payload: PKPushPayload, for type: PKPushType, completion: @escaping () -> Void) {
        NSFileProviderManager.default.signalEnumerator(for: .workingSet) { _ in completion() }
    }
}
"#),
    ],
    bad_projects: [],
    good_projects: [],
    check: Some(check),
    project_check: None,
}

const CONSEQUENCE: &str = "apps built with the iOS 13 SDK or later are killed when a VoIP push is not reported \
as an incoming call, and after repeated misses iOS stops delivering VoIP pushes to the app.";

fn check(file: &ParsedFile<'_>, _cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    // PushKit also delivers File Provider and watch complication pushes, which need no call.
    if !file.text().contains("voIP") && !file.text().contains("CallKit") {
        return;
    }
    let root = file.root();
    let handlers: Vec<Node<'_>> = descendants(root)
        .filter(|n| {
            n.kind() == "function_declaration"
                && function_name(file, *n) == Some("pushRegistry")
                && parameter(file, *n, "didReceiveIncomingPushWith").is_some()
                && n.child_by_field_name("body").is_some()
        })
        .collect();
    if handlers.is_empty() {
        return;
    }
    let callables = Callables::new(file);
    let mut declared: HashMap<&str, Vec<Node<'_>>> = HashMap::new();
    for (name, body) in callables.bodies() {
        declared.entry(name).or_default().push(body);
    }
    let reporters = callables.reaching(&|c| names_report(c.name), 3);
    let reports = |c: &Call<'_>| c.name != "pushRegistry" && (names_report(c.name) || reporters.contains(c.name));
    // Looser, for the claim that a handler never reports: a function defined elsewhere and named
    // for call handling (`providerDelegate.incomingCall()`) may report for it.
    let may_report = |c: &Call<'_>| names_report(c.name) || (!declared.contains_key(c.name) && may_handle_call(c.name));
    let maybe_reporters = callables.reaching(&may_report, 3);
    let delegation = Delegation { file, declared: &declared, reports: &reports };
    let mut helpers_delegate = HashMap::new();
    for handler in handlers {
        let passed: Vec<&str> =
            ["didReceiveIncomingPushWith", "completion"].iter().filter_map(|p| parameter(file, handler, p)).collect();
        if delegation.delegates(handler, &passed, 2, &mut helpers_delegate) {
            continue;
        }
        let calls = calls_in(file, handler);
        if !calls.iter().any(reports) {
            // Code the grammar could not read, or a helper named for call handling, might report.
            let maybe = handler.has_error()
                || calls
                    .iter()
                    .any(|c| c.name != "pushRegistry" && (may_report(c) || maybe_reporters.contains(c.name)));
            if !maybe {
                let name = handler.child_by_field_name("name").unwrap_or(handler);
                out.push(Finding::new(
                    name.byte_range(),
                    format!("This VoIP push handler never reports a call to CallKit; {CONSEQUENCE}"),
                ));
            }
            continue;
        }
        let goal = Reports { file, reports: &reports, push_type: push_type_parameter(file, handler) };
        for exit in unmet_exits(file, handler, true, &goal).unwrap_or_default() {
            out.push(Finding::new(
                exit.byte_range(),
                format!("This path returns without reporting the VoIP push to CallKit; {CONSEQUENCE}"),
            ));
        }
    }
}

/// The internal name of the parameter labelled `label` (or, unlabelled, named `label`).
/// The internal name of the parameter labelled `label`.
fn parameter<'t>(file: &'t ParsedFile<'_>, decl: Node<'t>, label: &str) -> Option<&'t str> {
    decl.named_children(&mut decl.walk()).filter(|p| p.kind() == "parameter").find_map(|p| {
        let name = p.child_by_field_name("name")?;
        let external = p.child_by_field_name("external_name").unwrap_or(name);
        (file.node_text(external) == label).then(|| file.node_text(name))
    })
}

/// The internal name of the `PKPushType` parameter, whatever its label (`for type:` today,
/// `forType type:` in Swift 3-era handlers).
fn push_type_parameter<'t>(file: &'t ParsedFile<'_>, decl: Node<'t>) -> Option<&'t str> {
    decl.named_children(&mut decl.walk())
        .filter(|p| p.kind() == "parameter" && file.node_text(*p).trim_end().ends_with("PKPushType"))
        .find_map(|p| p.child_by_field_name("name").map(|n| file.node_text(n)))
}

/// Calls that report an incoming call by their name: `reportNewIncomingCall`,
/// `showCallkitIncoming`, `displayIncomingCall`, `reportIncomingCall`, `handleIncomingCall`, …
/// (a verb, then "incoming" or "CallKit").
fn names_report(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    (lower.contains("incoming") || lower.contains("callkit"))
        && ["report", "show", "display", "present", "handle"].iter().any(|verb| lower.starts_with(verb))
}

/// Words in the name of a function defined elsewhere (`callManager.handleIncoming()`,
/// `processVoipPush()`) that suggest it might report the call itself.
const CALL_HANDLING_WORDS: &[&str] = &["call", "calls", "callkit", "incoming", "voip", "push"];

fn may_handle_call(name: &str) -> bool {
    name_words(name).iter().any(|w| CALL_HANDLING_WORDS.contains(&w.as_str()))
}

/// Callees that take a payload or a completion handler without reporting a call: logging and
/// dispatching.
const PASSIVE: &[&str] = &[
    "print",
    "debugPrint",
    "NSLog",
    "os_log",
    "dump",
    "log",
    "debug",
    "info",
    "notice",
    "warning",
    "error",
    "fault",
    "critical",
    "trace",
    "verbose",
    "assert",
    "assertionFailure",
    "precondition",
    "async",
    "asyncAfter",
    "sync",
];

/// What [`Delegation::delegates`] needs about the file.
struct Delegation<'a, 't, 's> {
    file: &'t ParsedFile<'s>,
    /// Same-file functions and named closures by name.
    declared: &'a HashMap<&'t str, Vec<Node<'t>>>,
    reports: &'a dyn Fn(&Call<'t>) -> bool,
}

impl<'t> Delegation<'_, 't, '_> {
    /// True when `callable` hands one of `passed` to code that is not in this file (or nested
    /// too deep to follow), which may report the call for it. `helpers` remembers the answer for
    /// each same-file helper (by node id and depth), so a handler that forwards its completion
    /// at many call sites walks each helper once.
    fn delegates(
        &self,
        callable: Node<'t>,
        passed: &[&str],
        depth: usize,
        helpers: &mut HashMap<(usize, usize), bool>,
    ) -> bool {
        let file = self.file;
        calls_in(file, callable).iter().any(|call| {
            let subscript = call.arg_list.and_then(|l| l.child(0)).is_some_and(|t| t.kind() == "[");
            if (self.reports)(call)
                || subscript
                || PASSIVE.contains(&call.name)
                || passed.contains(&call.name)
                || !call.args.iter().any(|a| forwards(file, a.value, passed))
            {
                return false;
            }
            let on_super = call.receiver.is_some_and(|r| file.node_text(r) == "super");
            match self.declared.get(call.name) {
                Some(bodies) if depth > 0 && !on_super && call.name != "pushRegistry" => bodies.iter().any(|h| {
                    if let Some(known) = helpers.get(&(h.id(), depth - 1)) {
                        return *known;
                    }
                    let params: Vec<&str> = h
                        .named_children(&mut h.walk())
                        .filter(|p| p.kind() == "parameter")
                        .filter_map(|p| p.child_by_field_name("name").map(|n| file.node_text(n)))
                        .collect();
                    let answer = self.delegates(*h, &params, depth - 1, helpers);
                    helpers.insert((h.id(), depth - 1), answer);
                    answer
                }),
                _ => true,
            }
        })
    }
}

/// True when an argument hands over one of `passed` as it is (`payload`, `payload.dictionaryPayload`,
/// `completion`, `{ completion() }`), rather than a value read from it.
fn forwards(file: &ParsedFile<'_>, value: Node<'_>, passed: &[&str]) -> bool {
    let mut v = value;
    while let Some(inner) = match v.kind() {
        "as_expression" | "try_expression" | "await_expression" => v.child_by_field_name("expr"),
        "postfix_expression" => v.child_by_field_name("target"),
        _ => None,
    } {
        v = inner;
    }
    let named = |n: Node<'_>| n.kind() == "simple_identifier" && passed.contains(&file.node_text(n));
    match v.kind() {
        "simple_identifier" => named(v),
        "navigation_expression" => v.child_by_field_name("target").is_some_and(named),
        "lambda_literal" => descendants(v).any(named),
        _ => false,
    }
}

/// The obligation to report the push to CallKit.
struct Reports<'a, 't, 's> {
    file: &'t ParsedFile<'s>,
    reports: &'a dyn Fn(&Call<'t>) -> bool,
    /// The `for type: PKPushType` parameter.
    push_type: Option<&'t str>,
}

impl<'t> Goal<'t> for Reports<'_, 't, '_> {
    fn reached_by(&self, node: Node<'t>) -> bool {
        calls_run_by(self.file, node, &|_| true).iter().any(|c| (self.reports)(c))
    }

    /// Branches on the push type (`guard type == .voIP else { return }`) or the OS version owe no
    /// report when they leave.
    fn excuses(&self, condition: &[Node<'t>]) -> bool {
        condition.iter().flat_map(|c| descendants(*c)).any(|d| {
            d.kind() == "availability_condition"
                || (d.kind() == "simple_identifier"
                    && Some(self.file.node_text(d)) == self.push_type
                    && d.parent().is_none_or(|p| p.kind() != "navigation_suffix"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Language;

    /// The source text of each finding `check` reports in a CallKit file whose handler has `body`,
    /// followed by `helpers`.
    fn reported(body: &str, helpers: &str) -> Vec<String> {
        let code = format!(
            "import CallKit\n\nfinal class Calls: NSObject, PKPushRegistryDelegate {{\n    func pushRegistry(\
             _ registry: PKPushRegistry, didReceiveIncomingPushWith payload: PKPushPayload, for type: PKPushType, \
             completion: @escaping () -> Void) {{\n{body}\n    }}\n{helpers}\n}}\n"
        );
        RULE.check_code(Language::Swift, &code).iter().map(|f| code[f.span.clone()].to_string()).collect()
    }

    #[test]
    fn same_file_helpers_are_followed() {
        let body = "        guard let id = payload.dictionaryPayload[\"id\"] as? String else { completion(); return }
        ring(id, completion)";
        let reporting = "    func ring(_ id: String, _ done: @escaping () -> Void) { announce(id); done() }
    func announce(_ id: String) { provider.reportNewIncomingCall(with: UUID(), update: CXCallUpdate()) { _ in } }";
        assert_eq!(reported(body, reporting), vec!["return"]);
        // A helper that hands the completion on to code elsewhere may report: stay silent.
        let forwarding = "    func ring(_ id: String, _ done: @escaping () -> Void) { router.route(id, then: done) }";
        assert!(reported(body, forwarding).is_empty());
    }

    #[test]
    fn a_guard_on_the_push_type_is_excused_whatever_the_label() {
        let legacy = "import CallKit\nfinal class D: NSObject, PKPushRegistryDelegate {\n    func pushRegistry(_ registry: PKPushRegistry, didReceiveIncomingPushWith payload: PKPushPayload, forType type: PKPushType) {\n        guard type == .voIP else { return }\n        provider.reportNewIncomingCall(with: UUID(), update: update) { _ in }\n    }\n}\n";
        assert!(RULE.check_code(Language::Swift, legacy).is_empty());
    }

    #[test]
    fn helpers_forwarded_to_from_many_places_are_judged_once_each() {
        let mut body = String::new();
        for i in 0..200 {
            body.push_str(&format!("        if k == {i} {{ note(payload, completion) }}\n"));
        }
        body.push_str("        guard k > 0 else { return }\n        ring(payload, completion)");
        let ring = "    func note(_ p: PKPushPayload, _ done: @escaping () -> Void) { log(p) }
    func ring(_ p: PKPushPayload, _ done: @escaping () -> Void) { announce(p, done) }
    func announce(_ p: PKPushPayload, _ done: @escaping () -> Void) {
        provider.reportNewIncomingCall(with: UUID(), update: CXCallUpdate()) { _ in done() }
    }";
        assert_eq!(reported(&body, ring), vec!["return"]);
        // One helper that hands the completion on to code elsewhere is enough to stay silent.
        let elsewhere = format!(
            "{ring}\n    func relay(_ p: PKPushPayload, _ done: @escaping () -> Void) {{ router.route(p, done) }}"
        );
        assert!(reported(&format!("{body}\n        relay(payload, completion)"), &elsewhere).is_empty());
    }

    #[test]
    fn never_reports_unless_something_might() {
        let body = "        refreshInbox()\n        completion()";
        assert_eq!(reported(body, "    func refreshInbox() { inbox.reload() }"), vec!["pushRegistry"]);
        let via_provider = "    func refreshInbox() { providerDelegate.incomingCall() }";
        assert!(reported(body, via_provider).is_empty());
    }

    #[test]
    fn reporting_is_recognised_by_name() {
        assert!(names_report("reportNewIncomingCall"));
        assert!(names_report("showCallkitIncoming"));
        assert!(!names_report("clearIncomingCallState"));
        assert!(!names_report("showMissedCallNotification"));
    }
}
