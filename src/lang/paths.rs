//! Does every path through a Swift function or closure body meet a goal before it leaves?
//! Rules ask this for obligations such as "end the background task" or "report the VoIP push
//! to CallKit".
//!
//! The analysis is structural and shallow on purpose. It walks statements in order through
//! `if`, `guard`, `switch`, loops, `do`/`catch` and `defer`, and lets the rule judge each
//! statement or condition whole. Nested closures and functions are bodies of their own: a
//! `return` inside them leaves them, not this body. Where the shape defeats it
//! (`#if … #else`) it gives no answer, so the rule can stay silent.

use std::collections::HashSet;

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
    // `#if A … #else … #endif` puts both branches in one statement list.
    let alternatives = stmts
        .into_iter()
        .flat_map(descendants)
        .any(|n| n.kind() == "directive" && children(n).any(|c| matches!(c.kind(), "#else" | "#elseif")));
    if alternatives {
        return None;
    }
    let mut walker = Walker { file, goal, exits: Vec::new() };
    walker.block(stmts, armed, Ctx::default());
    Some(walker.exits)
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
    let named: Vec<(&str, Node<'t>)> = descendants(file.root()).filter_map(|n| named_callable(file, n)).collect();
    let mut found: HashSet<&str> = HashSet::new();
    for _ in 0..=depth {
        let next: Vec<&str> = named
            .iter()
            .filter(|(name, body)| {
                !found.contains(name)
                    && calls_run_by(file, *body, &|_| true).iter().any(|c| base(c) || found.contains(c.name))
            })
            .map(|(name, _)| *name)
            .collect();
        if next.is_empty() {
            break;
        }
        found.extend(next);
    }
    found
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

fn children(node: Node<'_>) -> impl Iterator<Item = Node<'_>> {
    (0..node.child_count()).filter_map(move |i| node.child(i))
}

fn named_children(node: Node<'_>) -> impl Iterator<Item = Node<'_>> {
    (0..node.named_child_count()).filter_map(move |i| node.named_child(i))
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

struct Walker<'g, 't, 's> {
    file: &'t ParsedFile<'s>,
    goal: &'g dyn Goal<'t>,
    exits: Vec<Node<'t>>,
}

impl<'t> Walker<'_, 't, '_> {
    fn block(&mut self, stmts: Option<Node<'t>>, mut pending: bool, mut ctx: Ctx) -> Flow {
        for stmt in stmts.into_iter().flat_map(named_children) {
            pending = self.statement(stmt, pending, &mut ctx)?;
        }
        Some(pending)
    }

    fn statement(&mut self, stmt: Node<'t>, pending: bool, ctx: &mut Ctx) -> Flow {
        let pending = pending && !ctx.deferred;
        match stmt.kind() {
            "control_transfer_statement" => self.transfer(stmt, pending, *ctx),
            "if_statement" => self.if_statement(stmt, pending, *ctx),
            "guard_statement" => {
                let conds = conditions(stmt);
                let pending = self.conditions(&conds, pending, *ctx);
                let otherwise = blocks(stmt).first().copied().flatten();
                self.branch(self.goal.excuses(&conds), |w| w.block(otherwise, pending, *ctx));
                Some(pending)
            }
            "switch_statement" => {
                let subject: Vec<Node<'t>> = stmt.child_by_field_name("expr").into_iter().collect();
                let pending = self.conditions(&subject, pending, *ctx);
                let excused = self.goal.excuses(&subject);
                let mut flow = None;
                let mut entries = named_children(stmt).filter(|c| c.kind() == "switch_entry").peekable();
                if entries.peek().is_none() {
                    return Some(pending);
                }
                for entry in entries {
                    let stmts = named_children(entry).find(|c| c.kind() == "statements");
                    flow = join(flow, self.branch(excused, |w| w.block(stmts, pending, *ctx)));
                }
                flow
            }
            // A loop body is assumed to run at least once: a goal met inside counts afterwards.
            "for_statement" | "while_statement" | "repeat_while_statement" => {
                let pending = self.conditions(&conditions(stmt), pending, *ctx);
                let body = blocks(stmt).first().copied().flatten();
                Some(self.block(body, pending, *ctx).unwrap_or(pending))
            }
            "do_statement" => {
                let catches: Vec<Node<'t>> = named_children(stmt).filter(|c| c.kind() == "catch_block").collect();
                let inner = Ctx { catches: ctx.catches || !catches.is_empty(), ..*ctx };
                let mut flow = self.block(blocks(stmt).first().copied().flatten(), pending, inner);
                for catch in catches {
                    flow = join(flow, self.block(blocks(catch).first().copied().flatten(), pending, *ctx));
                }
                flow
            }
            _ => match as_call(self.file, stmt).map(|c| c.name) {
                Some("defer") if self.goal.reached_by(stmt) => {
                    ctx.deferred = true;
                    Some(false)
                }
                Some(name) if NEVER_RETURNS.contains(&name) => None,
                _ => Some(self.step(stmt, pending, *ctx)),
            },
        }
    }

    /// The goal state after running `node` as a plain step.
    fn step(&self, node: Node<'t>, pending: bool, ctx: Ctx) -> bool {
        if ctx.deferred || self.goal.reached_by(node) {
            false
        } else {
            pending || self.goal.arms(node)
        }
    }

    fn conditions(&self, conds: &[Node<'t>], pending: bool, ctx: Ctx) -> bool {
        conds.iter().fold(pending, |p, c| self.step(*c, p, ctx))
    }

    /// `return` and `throw` leave the body; `break`, `continue` and `fallthrough` leave the block.
    fn transfer(&mut self, stmt: Node<'t>, pending: bool, ctx: Ctx) -> Flow {
        let keyword = stmt.child(0).map(|k| k.kind());
        let leaves = match keyword {
            Some("return") => true,
            Some("throw_keyword") => !ctx.catches,
            _ => false,
        };
        if leaves && pending && !self.goal.reached_by(stmt) {
            self.exits.push(stmt);
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
                self.branch(excused, |w| w.statement(nested, pending, &mut inner))
            }
            (None, Some(otherwise)) => self.branch(excused, |w| w.block(*otherwise, pending, ctx)),
            (None, None) => Some(pending),
        };
        join(then_flow, else_flow)
    }

    /// Runs one branch. Under an excusing condition, a branch that always leaves is the case the
    /// condition rules out (`if taskID == .invalid { return }`), so its exits are dropped.
    fn branch(&mut self, excused: bool, run: impl FnOnce(&mut Self) -> Flow) -> Flow {
        let before = self.exits.len();
        let flow = run(self);
        if excused && flow.is_none() {
            self.exits.truncate(before);
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
    for x in xs { if x { continue }; done() }
    return
}
";
        assert_eq!(unmet(code, true), Some(vec![]));
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
    }
}
