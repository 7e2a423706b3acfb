//! Does every path through a Swift function or closure body meet a goal before it leaves?
//! Rules ask this for obligations such as "end the background task" or "report the VoIP push
//! to CallKit".
//!
//! The analysis is structural and shallow on purpose. It walks statements in order through
//! `if`, `guard`, `switch`, loops, `do`/`catch` and `defer`, and lets the rule judge each
//! statement or condition whole. `break`, `continue` and `fallthrough` carry what is still owed
//! to where they land: the end of the innermost loop or switch (or of the labelled statement),
//! the loop's next round, the next case. Nested closures and functions are bodies of their own:
//! a `return` inside them leaves them, not this body. Where the shape defeats it (`#if … #else`,
//! a jump with nowhere to land) it gives no answer, so the rule can stay silent.

use std::collections::{HashMap, HashSet};

use super::syntax::{as_call, call_receiving_closure, descendants, function_name, is_function_decl, Call};
use super::{Language, Node, ParsedFile};

/// What a rule asks of every path.
pub trait Goal<'t> {
    /// True when running `node` (a statement or a condition) meets the goal.
    fn reached_by(&self, node: Node<'t>) -> bool;

    /// True when running `node` starts the obligation, so a body that begins a task is judged
    /// from that statement on.
    fn arms(&self, _node: Node<'t>) -> bool {
        false
    }

    /// True when a branch that leaves under this condition owes nothing: the condition tests
    /// the very thing the obligation is about (`guard type == .voIP else { return }`,
    /// `if taskID == .invalid { return }`).
    fn excuses(&self, _condition: &[Node<'t>]) -> bool {
        false
    }
}

/// The `return` and `throw` statements through which `body` (a function declaration or a
/// closure) can leave while the goal is unmet. `armed` says whether the obligation holds on
/// entry. `None` when the body's shape is beyond this analysis or the grammar could not read it.
pub fn unmet_exits<'t>(
    file: &'t ParsedFile<'_>,
    body: Node<'t>,
    armed: bool,
    goal: &dyn Goal<'t>,
) -> Option<Vec<Node<'t>>> {
    if body.has_error() {
        return None;
    }
    let stmts = body_statements(body);
    // `#if A … #else … #endif` puts both branches in one statement list. (The text test first
    // spares a tree walk per call in the common case.)
    let alternatives = stmts.is_some_and(|s| file.node_text(s).contains("#else"))
        && stmts
            .into_iter()
            .flat_map(descendants)
            .any(|n| n.kind() == "directive" && children(n).any(|c| matches!(c.kind(), "#else" | "#elseif")));
    if alternatives {
        return None;
    }
    let mut walker = Walker { file, goal, exits: Vec::new(), targets: Vec::new(), unsure: false };
    walker.block(stmts, armed, Ctx::default());
    (!walker.unsure).then_some(walker.exits)
}

/// The statement list of a function declaration's or closure's body (`None` when empty).
fn body_statements(callable: Node<'_>) -> Option<Node<'_>> {
    let body = if callable.kind() == "lambda_literal" { callable } else { callable.child_by_field_name("body")? };
    named_children(body).find(|c| c.kind() == "statements")
}

/// The calls that run when `node` runs: its own, and those in closures handed to a call that
/// `enter` accepts (a completion handler, `DispatchQueue.async`, `Task {}`). Closures that are
/// only stored and nested functions run at some other time, so their calls are left out.
pub fn calls_run_by<'t>(file: &'t ParsedFile<'_>, node: Node<'t>, enter: &dyn Fn(&Call<'t>) -> bool) -> Vec<Call<'t>> {
    let mut out = Vec::new();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if n != node {
            let nested = is_function_decl(Language::Swift, n) || n.kind() == "class_declaration";
            let skipped = n.kind() == "lambda_literal" && !call_receiving_closure(file, n).is_some_and(|c| enter(&c));
            if nested || skipped {
                continue;
            }
        }
        if let Some(call) = as_call(file, n) {
            out.push(call);
        }
        stack.extend(named_children(n));
    }
    out
}

/// Names of same-file functions, and of closures bound to a name (`let finish = { … }`), that
/// run a call `base` accepts, directly or through up to `depth` more of each other.
pub fn functions_reaching<'t>(
    file: &'t ParsedFile<'_>,
    base: &dyn Fn(&Call<'t>) -> bool,
    depth: usize,
) -> HashSet<&'t str> {
    Callables::new(file).reaching(base, depth)
}

/// A file's functions and named closures with the calls each runs, gathered in one walk so that
/// rules asking about many calls do not walk the file again for each.
pub struct Callables<'t> {
    /// (name, body, the calls it runs), in source order.
    entries: Vec<(&'t str, Node<'t>, Vec<Call<'t>>)>,
    /// Callee name → the entries that call it.
    callers: HashMap<&'t str, Vec<usize>>,
}

impl<'t> Callables<'t> {
    pub fn new(file: &'t ParsedFile<'_>) -> Self {
        let entries: Vec<(&'t str, Node<'t>, Vec<Call<'t>>)> = descendants(file.root())
            .filter_map(|n| named_callable(file, n))
            .map(|(name, body)| (name, body, calls_run_by(file, body, &|_| true)))
            .collect();
        let mut callers: HashMap<&'t str, Vec<usize>> = HashMap::new();
        for (i, (_, _, calls)) in entries.iter().enumerate() {
            for call in calls {
                let list = callers.entry(call.name).or_default();
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
        }
        Callables { entries, callers }
    }

    /// Every (name, body) pair, in source order.
    pub fn bodies(&self) -> impl Iterator<Item = (&'t str, Node<'t>)> + '_ {
        self.entries.iter().map(|(name, body, _)| (*name, *body))
    }

    /// Every (name, call it runs) pair.
    pub fn calls(&self) -> impl Iterator<Item = (&'t str, &Call<'t>)> + '_ {
        self.entries.iter().flat_map(|(name, _, calls)| calls.iter().map(move |c| (*name, c)))
    }

    /// Names of the callables that run a call `base` accepts, directly or through up to `depth`
    /// more of each other.
    pub fn reaching(&self, base: &dyn Fn(&Call<'t>) -> bool, depth: usize) -> HashSet<&'t str> {
        let direct = self.entries.iter().filter(|(_, _, calls)| calls.iter().any(base)).map(|(name, _, _)| *name);
        self.with_callers(direct.collect(), depth)
    }

    /// `found` and the names of the callables that call one of them, through up to `depth` more
    /// of each other.
    pub fn with_callers(&self, mut found: HashSet<&'t str>, depth: usize) -> HashSet<&'t str> {
        let mut frontier: Vec<&'t str> = found.iter().copied().collect();
        for _ in 0..depth {
            let mut next = Vec::new();
            for callee in frontier {
                for &i in self.callers.get(callee).into_iter().flatten() {
                    let caller = self.entries[i].0;
                    if found.insert(caller) {
                        next.push(caller);
                    }
                }
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
        }
        found
    }
}

/// `func name(…) { … }` or `let name = { … }`, as (name, body).
pub fn named_callable<'t>(file: &'t ParsedFile<'_>, node: Node<'t>) -> Option<(&'t str, Node<'t>)> {
    match node.kind() {
        "function_declaration" => Some((function_name(file, node)?, node)),
        "property_declaration" => {
            let value = node.child_by_field_name("value").filter(|v| v.kind() == "lambda_literal")?;
            let pattern = node.child_by_field_name("name")?;
            let name = named_children(pattern).find(|c| c.kind() == "simple_identifier")?;
            Some((file.node_text(name), value))
        }
        _ => None,
    }
}

/// The lowercase words of a camelCase or snake_case name: `uploadDidFinish` → upload, did,
/// finish. Rules use them to recognise helpers they cannot see by what they are called.
pub fn name_words(name: &str) -> Vec<String> {
    let mut words = vec![String::new()];
    for ch in name.chars() {
        if ch.is_uppercase() || ch == '_' {
            words.push(String::new());
        }
        if ch != '_' {
            words.last_mut().expect("never empty").push(ch.to_ascii_lowercase());
        }
    }
    words.retain(|w| !w.is_empty());
    words
}

/// The blocks a statement owns, in order: `{ … }` pairs among its direct children, each as its
/// statement list (`None` for an empty block).
fn blocks(node: Node<'_>) -> Vec<Option<Node<'_>>> {
    let mut out = Vec::new();
    let mut open = None;
    for child in children(node) {
        match child.kind() {
            "{" => open = Some(None),
            "}" => out.extend(open.take()),
            "statements" if open.is_some() => open = Some(Some(child)),
            _ => {}
        }
    }
    out
}

/// The condition of an `if`, `guard`, `while` or `for`: what precedes its first block.
fn conditions(node: Node<'_>) -> Vec<Node<'_>> {
    children(node).take_while(|c| !matches!(c.kind(), "{" | "else")).filter(|c| c.is_named()).collect()
}

// Through a cursor: `Node::child(i)` counts from the first child, so indexing a long statement
// list would be quadratic.
fn children(node: Node<'_>) -> std::vec::IntoIter<Node<'_>> {
    node.children(&mut node.walk()).collect::<Vec<_>>().into_iter()
}

fn named_children(node: Node<'_>) -> std::vec::IntoIter<Node<'_>> {
    node.named_children(&mut node.walk()).collect::<Vec<_>>().into_iter()
}

/// Calls that never return, so a path through them owes nothing.
const NEVER_RETURNS: &[&str] = &["fatalError", "preconditionFailure"];

/// Whether control can fall out of the bottom of a statement or block, and if so whether the
/// goal may still be unmet there. `None`: every path left (or jumped out of the block).
type Flow = Option<bool>;

fn join(a: Flow, b: Flow) -> Flow {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some(p), Some(q)) => Some(p || q),
    }
}

#[derive(Clone, Copy, Default)]
struct Ctx {
    /// Inside a `do` with `catch` clauses: a `throw` lands there instead of leaving the body.
    catches: bool,
    /// A `defer` in this block meets the goal, so every exit from here on is covered.
    deferred: bool,
}

/// A statement that `break`, `continue` or `fallthrough` can jump out of.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// `for`, `while`, `repeat`: the target of an unlabelled `break` or `continue`.
    Loop,
    /// `switch`: the target of an unlabelled `break` and of `fallthrough`.
    Switch,
    /// A labelled `if`, `guard` or `do`: only `break label` leaves it.
    Labelled,
}

#[derive(Clone, Copy, PartialEq)]
enum Jump {
    Break,
    Continue,
    Fallthrough,
}

/// An enclosing statement that jumps land in, with the goal state they carry there (`None`
/// while nothing has jumped).
struct Target<'t> {
    kind: Kind,
    label: Option<&'t str>,
    /// Carried by `break` to the end of the statement.
    broken: Flow,
    /// Carried by `continue` to the loop's next round, or by `fallthrough` into the next case.
    carried: Flow,
}

struct Walker<'g, 't, 's> {
    file: &'t ParsedFile<'s>,
    goal: &'g dyn Goal<'t>,
    exits: Vec<Node<'t>>,
    /// The enclosing loops, switches and labelled statements, innermost last.
    targets: Vec<Target<'t>>,
    /// A jump this analysis cannot place: it gives no answer.
    unsure: bool,
}

impl<'t> Walker<'_, 't, '_> {
    fn block(&mut self, stmts: Option<Node<'t>>, mut pending: bool, mut ctx: Ctx) -> Flow {
        let mut label = None;
        for stmt in stmts.into_iter().flat_map(named_children) {
            match stmt.kind() {
                // `outer: for …` is a label followed by the statement it names.
                "statement_label" => label = Some(self.file.node_text(stmt).trim_end_matches(':').trim_end()),
                "comment" | "multiline_comment" => {}
                _ => pending = self.statement(stmt, pending, &mut ctx, label.take())?,
            }
        }
        Some(pending)
    }

    fn statement(&mut self, stmt: Node<'t>, pending: bool, ctx: &mut Ctx, label: Option<&'t str>) -> Flow {
        let pending = pending && !ctx.deferred;
        let c = *ctx;
        match stmt.kind() {
            "control_transfer_statement" => self.transfer(stmt, pending, c),
            // The grammar reads a `fallthrough` statement as a lone name.
            "simple_identifier" if self.file.node_text(stmt) == "fallthrough" => {
                self.jump(Jump::Fallthrough, None, pending)
            }
            "if_statement" => self.target(Kind::Labelled, label, |w| w.if_statement(stmt, pending, c)),
            "guard_statement" => self.target(Kind::Labelled, label, |w| {
                let conds = conditions(stmt);
                let pending = w.conditions(&conds, pending, c);
                let otherwise = blocks(stmt).first().copied().flatten();
                w.branch(w.goal.excuses(&conds), |w| w.block(otherwise, pending, c));
                Some(pending)
            }),
            "switch_statement" => self.target(Kind::Switch, label, |w| w.switch(stmt, pending, c)),
            "for_statement" | "while_statement" | "repeat_while_statement" => {
                self.target(Kind::Loop, label, |w| w.loop_body(stmt, pending, c))
            }
            "do_statement" => self.target(Kind::Labelled, label, |w| {
                let catches: Vec<Node<'t>> = named_children(stmt).filter(|n| n.kind() == "catch_block").collect();
                let inner = Ctx { catches: c.catches || !catches.is_empty(), ..c };
                let mut flow = w.block(blocks(stmt).first().copied().flatten(), pending, inner);
                for catch in catches {
                    flow = join(flow, w.block(blocks(catch).first().copied().flatten(), pending, c));
                }
                flow
            }),
            _ => match self.special_call(stmt) {
                Some("defer") if self.goal.reached_by(stmt) => {
                    ctx.deferred = true;
                    Some(false)
                }
                Some(name) if NEVER_RETURNS.contains(&name) => None,
                _ => Some(self.step(stmt, pending, c)),
            },
        }
    }

    /// Walks a statement that jumps can land in, joining what `break` carries to its end with
    /// what falls out of it. A labelled `if`, `guard` or `do` is a target only when labelled.
    fn target(&mut self, kind: Kind, label: Option<&'t str>, run: impl FnOnce(&mut Self) -> Flow) -> Flow {
        if kind == Kind::Labelled && label.is_none() {
            return run(self);
        }
        self.targets.push(Target { kind, label, broken: None, carried: None });
        let flow = run(self);
        let target = self.targets.pop().expect("pushed above");
        join(flow, target.broken)
    }

    /// The state after a loop (its `break`s are joined by [`Walker::target`]). The body is
    /// assumed to run at least once, so a goal met inside counts afterwards; the loop ends after
    /// a round that falls out of the body or `continue`s. `while true` ends only by `break`.
    fn loop_body(&mut self, stmt: Node<'t>, pending: bool, ctx: Ctx) -> Flow {
        let conds = conditions(stmt);
        let pending = self.conditions(&conds, pending, ctx);
        let body = blocks(stmt).first().copied().flatten();
        let flow = self.block(body, pending, ctx);
        let continued = self.targets.last_mut().and_then(|t| t.carried.take());
        let endless = match stmt.kind() {
            "while_statement" => matches!(conds.as_slice(), [c] if self.file.node_text(*c) == "true"),
            "repeat_while_statement" => named_children(stmt)
                .last()
                .is_some_and(|c| c.kind() == "boolean_literal" && self.file.node_text(c) == "true"),
            _ => false,
        };
        match join(flow, continued) {
            _ if endless => None,
            None => Some(pending),
            rounds => rounds,
        }
    }

    fn switch(&mut self, stmt: Node<'t>, pending: bool, ctx: Ctx) -> Flow {
        let subject: Vec<Node<'t>> = stmt.child_by_field_name("expr").into_iter().collect();
        let pending = self.conditions(&subject, pending, ctx);
        let excused = self.goal.excuses(&subject);
        let entries: Vec<Node<'t>> = named_children(stmt).filter(|c| c.kind() == "switch_entry").collect();
        if entries.is_empty() {
            return Some(pending);
        }
        let mut flow = None;
        for entry in entries {
            // A `fallthrough` in the case before runs this one next, with what it carries.
            let fell = self.targets.last_mut().and_then(|t| t.carried.take());
            let start = pending || fell == Some(true);
            let stmts = named_children(entry).find(|c| c.kind() == "statements");
            let entry_flow = self.branch(excused, |w| w.block(stmts, start, ctx));
            // The grammar may also keep a final `fallthrough` as a token of the case itself.
            match entry_flow {
                Some(p) if children(entry).any(|c| c.kind() == "fallthrough") => {
                    self.jump(Jump::Fallthrough, None, p);
                }
                _ => flow = join(flow, entry_flow),
            }
        }
        // A `fallthrough` out of the last case does not compile; stay silent about it.
        if self.targets.last().is_some_and(|t| t.carried.is_some()) {
            self.unsure = true;
        }
        flow
    }

    /// The name of `stmt` when it is a `defer` or a call that never returns. (The text test first
    /// spares reading every statement as a call.)
    fn special_call(&self, stmt: Node<'t>) -> Option<&'t str> {
        let text = self.file.node_text(stmt);
        let named = |word: &str| text.contains(word);
        if !named("defer") && !NEVER_RETURNS.iter().any(|w| named(w)) {
            return None;
        }
        as_call(self.file, stmt).map(|call| call.name)
    }

    /// The goal state after running `node` as a plain step.
    fn step(&self, node: Node<'t>, pending: bool, ctx: Ctx) -> bool {
        // Cheap test first: code before the obligation starts owes nothing.
        if ctx.deferred || !(pending || self.goal.arms(node)) {
            false
        } else {
            !self.goal.reached_by(node)
        }
    }

    fn conditions(&self, conds: &[Node<'t>], pending: bool, ctx: Ctx) -> bool {
        conds.iter().fold(pending, |p, c| self.step(*c, p, ctx))
    }

    /// `return` and `throw` leave the body; `break` and `continue` jump within it.
    fn transfer(&mut self, stmt: Node<'t>, pending: bool, ctx: Ctx) -> Flow {
        let keyword = stmt.child(0).map(|k| k.kind());
        let leaves = match keyword {
            Some("return") => true,
            Some("throw_keyword") => !ctx.catches,
            Some(jump @ ("break" | "continue")) => {
                let label = stmt.child_by_field_name("result").map(|l| self.file.node_text(l));
                let jump = if jump == "break" { Jump::Break } else { Jump::Continue };
                return self.jump(jump, label, pending);
            }
            _ => false,
        };
        if leaves && pending && !self.goal.reached_by(stmt) {
            self.exits.push(stmt);
        }
        None
    }

    /// Carries `pending` to where the jump lands: the end of the innermost loop or switch (or of
    /// the statement labelled `label`) for `break`, the next round of the loop for `continue`,
    /// the next case for `fallthrough`. A jump with nowhere to land makes the answer unsure.
    fn jump(&mut self, jump: Jump, label: Option<&str>, pending: bool) -> Flow {
        let lands = |t: &Target<'_>| match (jump, label) {
            (Jump::Fallthrough, _) => t.kind == Kind::Switch,
            (_, Some(label)) => t.label == Some(label),
            (Jump::Break, None) => t.kind != Kind::Labelled,
            (Jump::Continue, None) => t.kind == Kind::Loop,
        };
        match self.targets.iter_mut().rev().find(|t| lands(t)) {
            Some(t) if jump == Jump::Break => t.broken = join(t.broken, Some(pending)),
            Some(t) if jump == Jump::Fallthrough || t.kind == Kind::Loop => t.carried = join(t.carried, Some(pending)),
            _ => self.unsure = true,
        }
        None
    }

    fn if_statement(&mut self, stmt: Node<'t>, pending: bool, ctx: Ctx) -> Flow {
        let conds = conditions(stmt);
        let pending = self.conditions(&conds, pending, ctx);
        let excused = self.goal.excuses(&conds);
        let blocks = blocks(stmt);
        let then = blocks.first().copied().flatten();
        let then_flow = self.branch(excused, |w| w.block(then, pending, ctx));
        let else_if = named_children(stmt).find(|c| c.kind() == "if_statement");
        let else_flow = match (else_if, blocks.get(1)) {
            (Some(nested), _) => {
                let mut inner = ctx;
                self.branch(excused, |w| w.statement(nested, pending, &mut inner, None))
            }
            (None, Some(otherwise)) => self.branch(excused, |w| w.block(*otherwise, pending, ctx)),
            (None, None) => Some(pending),
        };
        join(then_flow, else_flow)
    }

    /// Runs one branch. Under an excusing condition, a branch that always leaves is the case the
    /// condition rules out (`if taskID == .invalid { return }`, `guard let task else { break }`),
    /// so its exits are dropped, and so are the states its jumps carried.
    fn branch(&mut self, excused: bool, run: impl FnOnce(&mut Self) -> Flow) -> Flow {
        let before = self.exits.len();
        let carried: Vec<(Flow, Flow)> =
            if excused { self.targets.iter().map(|t| (t.broken, t.carried)).collect() } else { Vec::new() };
        let flow = run(self);
        if excused && flow.is_none() {
            self.exits.truncate(before);
            for (t, (broken, carried)) in self.targets.iter_mut().zip(carried) {
                t.broken = broken;
                t.carried = carried;
            }
        }
        flow
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    /// A goal met by any call named `done`, armed by a call named `start`; conditions that
    /// mention `skip` excuse their branch.
    struct Done<'a, 't>(&'a ParsedFile<'t>);

    impl<'t> Goal<'t> for Done<'t, 't> {
        fn reached_by(&self, node: Node<'t>) -> bool {
            calls_run_by(self.0, node, &|_| true).iter().any(|c| c.name == "done")
        }
        fn arms(&self, node: Node<'t>) -> bool {
            calls_run_by(self.0, node, &|_| true).iter().any(|c| c.name == "start")
        }
        fn excuses(&self, condition: &[Node<'t>]) -> bool {
            condition.iter().any(|c| descendants(*c).any(|d| self.0.node_text(d) == "skip"))
        }
    }

    /// The lines of the unmet exits of the first function in `code` (`None`: unsure).
    fn unmet(code: &str, armed: bool) -> Option<Vec<usize>> {
        let src = SourceFile::new("t.swift", code);
        let file = ParsedFile::parse(Language::Swift, &src).unwrap();
        let func = descendants(file.root()).find(|n| n.kind() == "function_declaration").unwrap();
        let exits = unmet_exits(&file, func, armed, &Done(&file))?;
        Some(exits.iter().map(|e| e.start_position().row + 1).collect())
    }

    #[test]
    fn early_exits_before_the_goal_are_unmet() {
        let code = "func f() {
    guard a else { return }
    if b { throw E.x }
    done()
    return
}
";
        assert_eq!(unmet(code, true), Some(vec![2, 3]));
        assert_eq!(unmet(code, false), Some(vec![]));
    }

    #[test]
    fn branches_join() {
        let code = "func f() {
    if a { done() } else { log() }
    if b { return }
    switch c {
    case .x: done()
    default: return
    }
}
";
        assert_eq!(unmet(code, true), Some(vec![3, 6]));
        let code = "func f() {
    if a { done() } else if b { done() } else { done() }
    return
}
";
        assert_eq!(unmet(code, true), Some(vec![]));
    }

    #[test]
    fn defer_covers_the_rest_of_its_block() {
        let code = "func f() {
    if a { return }
    defer { done() }
    if b { return }
}
";
        assert_eq!(unmet(code, true), Some(vec![2]));
    }

    #[test]
    fn arming_starts_the_obligation() {
        let code = "func f() {
    guard a else { return }
    start()
    guard b else { return }
    q.async { done() }
    return
}
";
        assert_eq!(unmet(code, false), Some(vec![4]));
    }

    #[test]
    fn closures_and_catches_are_not_exits() {
        let code = "func f() {
    let g = { return }
    work { r in return }
    do { throw E.x } catch { return }
}
";
        assert_eq!(unmet(code, true), Some(vec![4]));
    }

    #[test]
    fn stored_closures_do_not_reach_the_goal() {
        let code = "func f() {
    let g = { done() }
    return
}
";
        assert_eq!(unmet(code, true), Some(vec![3]));
    }

    #[test]
    fn excused_branches_that_leave_are_dropped() {
        let code = "func f() {
    guard skip else { return }
    if skip == 1 { return }
    if x { return }
    done()
}
";
        assert_eq!(unmet(code, true), Some(vec![4]));
    }

    #[test]
    fn never_returning_calls_and_loops() {
        let code = "func f() {
    guard a else { fatalError() }
    for x in xs { done(); if x { continue } }
    return
}
";
        assert_eq!(unmet(code, true), Some(vec![]));
    }

    #[test]
    fn break_in_a_switch_carries_the_obligation_past_the_switch() {
        let code = "func f(kind: Kind, c: Bool) {
    switch kind {
    case .quick: break
    default: done()
    }
    if c { return }
    done()
}
";
        assert_eq!(unmet(code, true), Some(vec![6]));
        assert_eq!(unmet(&code.replace("case .quick: break", "case .quick: done(); break"), true), Some(vec![]));
        // The only case that falls out of the switch is the one that breaks.
        let code = "func f(kind: Kind, c: Bool) {
    switch kind {
    case .quick: break
    default:
        done()
        return
    }
    if c { return }
    done()
}
";
        assert_eq!(unmet(code, true), Some(vec![8]));
        // Inside a loop, `break` leaves the switch, not the loop.
        let code = "func f() {
    for x in xs {
        switch x {
        case .a: break
        default: log()
        }
        done()
    }
    return
}
";
        assert_eq!(unmet(code, true), Some(vec![]));
    }

    #[test]
    fn break_and_continue_carry_the_obligation_out_of_a_loop() {
        let code = "func f(c: Bool) {
    for x in xs {
        if x.last { break }
        done()
    }
    if c { return }
    done()
}
";
        assert_eq!(unmet(code, true), Some(vec![6]));
        assert_eq!(unmet(&code.replace("break", "continue"), true), Some(vec![6]));
        // Jumps after the goal owe nothing.
        let after = code.replace("if x.last { break }\n        done()", "done()\n        if x.last { break }");
        assert_eq!(unmet(&after, true), Some(vec![]));
        assert_eq!(unmet(&after.replace("break", "continue"), true), Some(vec![]));
        // `while true` ends only through its `break`s.
        let code = "func f() {
    while true {
        if a { done(); break }
        wait()
    }
    return
}
";
        assert_eq!(unmet(code, true), Some(vec![]));
        assert_eq!(unmet(&code.replace("while true", "while more"), true), Some(vec![6]));
        assert_eq!(unmet(&code.replace("done(); break", "break"), true), Some(vec![6]));
    }

    #[test]
    fn labelled_jumps_land_at_their_statement() {
        let code = "func f() {
    outer: for x in xs {
        for y in x {
            if y { break outer }
        }
        done()
    }
    return
}
";
        assert_eq!(unmet(code, true), Some(vec![8]));
        assert_eq!(unmet(&code.replace("break outer", "continue outer"), true), Some(vec![8]));
        // Unlabelled, the jump only leaves the inner loop, and `done()` runs.
        assert_eq!(unmet(&code.replace("break outer", "break"), true), Some(vec![]));
        let code = "func f() {
    check: if a {
        if b { break check }
        done()
    } else {
        done()
    }
    return
}
";
        assert_eq!(unmet(code, true), Some(vec![8]));
    }

    #[test]
    fn jumps_it_cannot_place_give_no_answer() {
        let nowhere = "func f() {\n    for x in xs { if x { break nowhere } }\n    return\n}\n";
        assert_eq!(unmet(nowhere, true), None);
        let no_loop = "func f() {\n    switch a {\n    default: continue\n    }\n    return\n}\n";
        assert_eq!(unmet(no_loop, true), None);
    }

    #[test]
    fn excused_jumps_carry_nothing() {
        let code = "func f() {
    for x in xs {
        guard skip else { break }
        done()
    }
    return
}
";
        assert_eq!(unmet(code, true), Some(vec![]));
        assert_eq!(unmet(&code.replace("skip", "ok"), true), Some(vec![6]));
    }

    #[test]
    fn fallthrough_runs_the_next_case() {
        let code = "func f() {
    switch k {
    case .a: fallthrough
    case .b: done()
    default: done()
    }
    return
}
";
        assert_eq!(unmet(code, true), Some(vec![]));
        // What a case carries into the next one counts there.
        let code = "func f() {
    switch k {
    case .a:
        start()
        fallthrough
    case .b: log()
    default: break
    }
    return
}
";
        assert_eq!(unmet(code, false), Some(vec![9]));
    }

    #[test]
    fn long_bodies_are_walked_to_the_end() {
        let mut code = String::from("func f() {\n    start()\n");
        for _ in 0..20_000 {
            code.push_str("    log()\n");
        }
        code.push_str("    return\n}\n");
        // Speed is a benchmark matter; here a 20,000-statement body is walked to its last line.
        assert_eq!(unmet(&code, false), Some(vec![20_003]));
    }

    #[test]
    fn conditional_compilation_with_else_is_beyond_it() {
        let code = "func f() {
    #if DEBUG
    return
    #else
    done()
    #endif
}
";
        assert_eq!(unmet(code, true), None);
    }

    #[test]
    fn words_of_names() {
        assert_eq!(name_words("uploadDidFinish"), vec!["upload", "did", "finish"]);
        assert_eq!(name_words("clean_up"), vec!["clean", "up"]);
        assert_eq!(name_words("URLTask"), vec!["u", "r", "l", "task"]);
    }

    #[test]
    fn functions_reaching_follows_same_file_helpers() {
        let code = "func a() { b() }\nfunc b() { done() }\nfunc c() { let k = { a() }; k() }\nfunc d() { log() }\n";
        let src = SourceFile::new("t.swift", code);
        let file = ParsedFile::parse(Language::Swift, &src).unwrap();
        let mut found: Vec<&str> = functions_reaching(&file, &|c| c.name == "done", 3).into_iter().collect();
        found.sort();
        assert_eq!(found, vec!["a", "b", "c", "k"]);
        let callables = Callables::new(&file);
        let mut near: Vec<&str> = callables.reaching(&|c| c.name == "done", 1).into_iter().collect();
        near.sort();
        assert_eq!(near, vec!["a", "b"]);
        let mut callers: Vec<&str> = callables.with_callers(HashSet::from(["a"]), 2).into_iter().collect();
        callers.sort();
        assert_eq!(callers, vec!["a", "c", "k"]);
    }
}
