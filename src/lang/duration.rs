//! Folds an expression to a duration in milliseconds: literals, arithmetic, same-file
//! constants and SDK constants, per language (rules-catalog §1.1).
//!
//! Anything that depends on runtime input evaluates to `None`, and rules stay silent.

use super::syntax::{as_call, Arg};
use super::{Language, Node, ParsedFile};

/// How deep constant resolution may go (`a = b`, `b = c`, …) before giving up: guards cycles.
const MAX_DEPTH: u8 = 16;

const SECOND: f64 = 1_000.0;
const MINUTE: f64 = 60.0 * SECOND;
const HOUR: f64 = 60.0 * MINUTE;
const DAY: f64 = 24.0 * HOUR;

/// What a bare number means where a duration is expected (`TimeInterval` is seconds,
/// `setPeriodic` milliseconds, `minimumFetchInterval` minutes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unit {
    Nanoseconds,
    Microseconds,
    Milliseconds,
    Seconds,
    Minutes,
    Hours,
    Days,
}

impl Unit {
    pub fn millis(self) -> f64 {
        match self {
            Unit::Nanoseconds => 1e-6,
            Unit::Microseconds => 1e-3,
            Unit::Milliseconds => 1.0,
            Unit::Seconds => SECOND,
            Unit::Minutes => MINUTE,
            Unit::Hours => HOUR,
            Unit::Days => DAY,
        }
    }

    fn from_time_unit(name: &str) -> Option<Unit> {
        Some(match name {
            "NANOSECONDS" => Unit::Nanoseconds,
            "MICROSECONDS" => Unit::Microseconds,
            "MILLISECONDS" => Unit::Milliseconds,
            "SECONDS" => Unit::Seconds,
            "MINUTES" => Unit::Minutes,
            "HOURS" => Unit::Hours,
            "DAYS" => Unit::Days,
            _ => return None,
        })
    }
}

/// An evaluated expression: a plain number (unit decided by context) or a duration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Quantity {
    Number(f64),
    Millis(f64),
}

impl Quantity {
    /// Milliseconds, reading a plain number in `unit`.
    pub fn to_millis(self, unit: Unit) -> f64 {
        match self {
            Quantity::Number(n) => n * unit.millis(),
            Quantity::Millis(ms) => ms,
        }
    }
}

/// Evaluates `node` to milliseconds, reading bare numbers in `unit`.
pub fn millis(file: &ParsedFile<'_>, node: Node<'_>, unit: Unit) -> Option<f64> {
    let q = eval(file, node, 0)?;
    let ms = q.to_millis(unit);
    ms.is_finite().then_some(ms)
}

/// Evaluates the duration given by the argument at `index` of an argument list.
///
/// With `unit_follows`, the API takes `(amount, TimeUnit)` or a duration object (WorkManager's
/// `PeriodicWorkRequestBuilder`): a plain number then needs the next argument to resolve to a
/// `TimeUnit`, or the value is unknown. Without it, a plain number is read in `unit`.
pub fn millis_of_args(
    file: &ParsedFile<'_>,
    args: &[Arg<'_>],
    index: usize,
    unit: Unit,
    unit_follows: bool,
) -> Option<f64> {
    let value = args.get(index)?;
    let q = eval(file, value.value, 0)?;
    match q {
        Quantity::Millis(ms) => Some(ms),
        Quantity::Number(n) if unit_follows => {
            let u = time_unit_constant(file, args.get(index + 1)?.value, 0)?;
            Some(n * u.millis())
        }
        Quantity::Number(n) => Some(n * unit.millis()),
    }
}

/// `TimeUnit.MINUTES`, a statically imported `MINUTES`, or a same-file constant bound to one.
fn time_unit_constant(file: &ParsedFile<'_>, node: Node<'_>, depth: u8) -> Option<Unit> {
    if depth > MAX_DEPTH {
        return None;
    }
    let text = file.node_text(node);
    let name = text.rsplit('.').next()?;
    let qualifier = text.strip_suffix(name)?.trim_end_matches('.');
    if qualifier.is_empty() || qualifier == "TimeUnit" || qualifier.ends_with(".TimeUnit") {
        if let Some(unit) = Unit::from_time_unit(name) {
            return Some(unit);
        }
    }
    let bound = file.consts().lookup(file, name)?;
    time_unit_constant(file, bound, depth + 1)
}

/// Renders milliseconds the way a person writes an interval: "30 s", "5 min", "1 h 30 min".
pub fn human(ms: f64) -> String {
    if ms < SECOND {
        return format!("{} ms", trim(ms));
    }
    let secs = ms / SECOND;
    if secs < 60.0 {
        return format!("{} s", trim(secs));
    }
    let mins = (secs / 60.0).floor();
    let rest = secs - mins * 60.0;
    if mins < 60.0 {
        return if rest >= 0.5 { format!("{mins} min {} s", trim(rest)) } else { format!("{mins} min") };
    }
    let hours = (mins / 60.0).floor();
    let rem_min = mins - hours * 60.0;
    if rem_min > 0.0 {
        format!("{hours} h {rem_min} min")
    } else {
        format!("{hours} h")
    }
}

fn trim(v: f64) -> String {
    let rounded = (v * 100.0).round() / 100.0;
    let s = format!("{rounded}");
    s
}

/// Parses a threshold written in rule files: `15m`, `60s`, `25s`, `900000ms`, `1h`.
pub fn parse_threshold(text: &str) -> Option<f64> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit() && c != '.')?;
    let (num, unit) = text.split_at(split);
    let n: f64 = num.parse().ok()?;
    let factor = match unit {
        "ms" => 1.0,
        "s" => SECOND,
        "m" | "min" => MINUTE,
        "h" => HOUR,
        "d" => DAY,
        _ => return None,
    };
    Some(n * factor)
}

fn eval(file: &ParsedFile<'_>, node: Node<'_>, depth: u8) -> Option<Quantity> {
    if depth > MAX_DEPTH {
        return None;
    }
    match file.lang {
        Language::Dart => eval_dart(file, node, depth),
        Language::Swift => eval_swift(file, node, depth),
        Language::Kotlin => eval_kotlin(file, node, depth),
        Language::Java => eval_java(file, node, depth),
    }
}

fn number_literal(text: &str) -> Option<f64> {
    let cleaned: String = text.chars().filter(|c| *c != '_').collect();
    // Hex first: `f`/`F` are digits there, only Kotlin's `L`/`u`/`U` are suffixes.
    if let Some(hex) = cleaned.strip_prefix("0x").or_else(|| cleaned.strip_prefix("0X")) {
        let hex = hex.trim_end_matches(['L', 'l', 'u', 'U']);
        return i64::from_str_radix(hex, 16).ok().map(|v| v as f64);
    }
    cleaned.trim_end_matches(['L', 'l', 'f', 'F', 'u', 'U']).parse::<f64>().ok()
}

/// Arithmetic on two quantities; mixing a duration with a number reads the number in `unit`
/// (Swift adds seconds to a `DispatchTime`, for instance).
fn combine(op: &str, a: Quantity, b: Quantity, unit: Unit) -> Option<Quantity> {
    use Quantity::*;
    Some(match (op, a, b) {
        ("*", Number(x), Number(y)) => Number(x * y),
        ("*", Millis(x), Number(y)) | ("*", Number(y), Millis(x)) => Millis(x * y),
        ("/", Number(x), Number(y)) if y != 0.0 => Number(x / y),
        ("/", Millis(x), Number(y)) if y != 0.0 => Millis(x / y),
        ("~/", Number(x), Number(y)) if y != 0.0 => Number((x / y).trunc()),
        ("+", Number(x), Number(y)) => Number(x + y),
        ("-", Number(x), Number(y)) => Number(x - y),
        ("+", x, y) => Millis(x.to_millis(unit) + y.to_millis(unit)),
        ("-", x, y) => Millis(x.to_millis(unit) - y.to_millis(unit)),
        _ => return None,
    })
}

/// Folds `a op b op c …` for grammars that lay binary expressions out as flat children.
fn eval_binary(file: &ParsedFile<'_>, node: Node<'_>, depth: u8, unit: Unit) -> Option<Quantity> {
    let mut acc: Option<Quantity> = None;
    let mut op: Option<String> = None;
    for i in 0..node.child_count() {
        let child = node.child(i)?;
        let text = file.node_text(child);
        let is_operator = matches!(text, "*" | "/" | "+" | "-" | "~/") || child.kind().ends_with("_operator");
        if is_operator && acc.is_some() && op.is_none() {
            op = Some(text.to_string());
            continue;
        }
        if !child.is_named() {
            continue;
        }
        let value = eval(file, child, depth + 1)?;
        acc = Some(match (acc, op.take()) {
            (None, _) => value,
            (Some(left), Some(o)) => combine(&o, left, value, unit)?,
            (Some(_), None) => return None,
        });
    }
    acc
}

// ---------------------------------------------------------------- Dart

fn eval_dart(file: &ParsedFile<'_>, node: Node<'_>, depth: u8) -> Option<Quantity> {
    match node.kind() {
        "decimal_integer_literal" | "decimal_floating_point_literal" | "hex_integer_literal" => {
            number_literal(file.node_text(node)).map(Quantity::Number)
        }
        "parenthesized_expression" => eval(file, node.named_child(0)?, depth + 1),
        "multiplicative_expression" | "additive_expression" => eval_binary(file, node, depth, Unit::Milliseconds),
        "unary_expression" => {
            let text = file.node_text(node);
            let inner = eval(file, node.named_child(node.named_child_count().checked_sub(1)?)?, depth + 1)?;
            if text.starts_with('-') {
                return Some(match inner {
                    Quantity::Number(n) => Quantity::Number(-n),
                    Quantity::Millis(m) => Quantity::Millis(-m),
                });
            }
            None
        }
        "identifier" => resolve_const(file, file.node_text(node), depth),
        "member_expression" => {
            let text = file.node_text(node);
            match text {
                "Duration.zero" => Some(Quantity::Millis(0.0)),
                _ => resolve_qualified_const(file, text, depth),
            }
        }
        "call_expression" | "const_object_expression" | "new_expression" => {
            let call = as_call(file, node)?;
            if call.name != "Duration" || call.receiver.is_some() {
                return None;
            }
            let mut total = 0.0;
            for arg in &call.args {
                let factor = match arg.label? {
                    "days" => DAY,
                    "hours" => HOUR,
                    "minutes" => MINUTE,
                    "seconds" => SECOND,
                    "milliseconds" => 1.0,
                    "microseconds" => 1e-3,
                    _ => return None,
                };
                match eval(file, arg.value, depth + 1)? {
                    Quantity::Number(n) => total += n * factor,
                    Quantity::Millis(_) => return None,
                }
            }
            Some(Quantity::Millis(total))
        }
        _ => None,
    }
}

/// `Type.constant`: resolve the member through the same-file table when the receiver looks like
/// a type name (capitalised, no call), e.g. `Reminder.nudgeInterval`, `Config.SYNC_MINUTES`.
fn resolve_qualified_const(file: &ParsedFile<'_>, text: &str, depth: u8) -> Option<Quantity> {
    let (owner, member) = text.rsplit_once('.')?;
    let owner_ok = owner.split('.').all(|seg| seg.chars().next().is_some_and(|c| c.is_ascii_uppercase()))
        && owner.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '.');
    if !owner_ok || !member.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return None;
    }
    resolve_const(file, member, depth)
}

fn resolve_const(file: &ParsedFile<'_>, name: &str, depth: u8) -> Option<Quantity> {
    let value = file.consts().lookup(file, name)?;
    eval(file, value, depth + 1)
}

// ---------------------------------------------------------------- Swift

fn eval_swift(file: &ParsedFile<'_>, node: Node<'_>, depth: u8) -> Option<Quantity> {
    match node.kind() {
        "integer_literal" | "real_literal" | "hex_literal" => {
            number_literal(file.node_text(node)).map(Quantity::Number)
        }
        "tuple_expression" if node.named_child_count() == 1 => eval(file, node.named_child(0)?, depth + 1),
        "multiplicative_expression" | "additive_expression" => eval_binary(file, node, depth, Unit::Seconds),
        "prefix_expression" => {
            // `.now`, `-5`
            let text = file.node_text(node);
            if text == ".now" {
                return Some(Quantity::Millis(0.0));
            }
            if let Some(rest) = text.strip_prefix('-') {
                return number_literal(rest).map(|n| Quantity::Number(-n));
            }
            None
        }
        "simple_identifier" => resolve_const(file, file.node_text(node), depth),
        "navigation_expression" => match file.node_text(node) {
            "Date.now" => Some(Quantity::Millis(0.0)),
            text => resolve_qualified_const(file, text, depth),
        },
        "call_expression" => {
            // The grammar reads `.now() + .seconds(30)` as `(.now() + .seconds)(30)`: re-associate.
            if let Some(callee) = node.named_child(0).filter(|c| c.kind() == "additive_expression") {
                let lhs = eval(file, callee.child_by_field_name("lhs")?, depth + 1)?;
                let rhs = callee.child_by_field_name("rhs")?;
                let unit_name = rhs.child_by_field_name("target").map(|t| file.node_text(t))?;
                let suffix = node.named_child(1)?;
                let arg = super::syntax::find_descendant(suffix, |n| n.kind() == "value_argument")?;
                let n = match eval(file, arg.child_by_field_name("value")?, depth + 1)? {
                    Quantity::Number(n) => n,
                    Quantity::Millis(_) => return None,
                };
                let op = file.node_text(callee.child_by_field_name("op")?);
                return combine(op, lhs, Quantity::Millis(n * swift_unit_factor(unit_name)?), Unit::Seconds);
            }
            let call = as_call(file, node)?;
            let receiver = call.receiver.map(|r| file.node_text(r));
            let single = || call.args.first().and_then(|a| eval(file, a.value, depth + 1));
            match (receiver, call.name) {
                // Time origins: an offset added to "now" is the interval.
                (None | Some("DispatchTime" | "DispatchWallTime"), "now") if call.args.is_empty() => {
                    Some(Quantity::Millis(0.0))
                }
                (None, "Date") if call.args.is_empty() => Some(Quantity::Millis(0.0)),
                (None, "Date") => {
                    let arg = call.arg("timeIntervalSinceNow")?;
                    Some(Quantity::Millis(eval(file, arg.value, depth + 1)?.to_millis(Unit::Seconds)))
                }
                (Some(_), "addingTimeInterval") => {
                    let base = eval(file, call.receiver?, depth + 1)?;
                    let offset = eval(file, call.args.first()?.value, depth + 1)?;
                    combine("+", base, offset, Unit::Seconds)
                }
                (None, "TimeInterval" | "Double" | "Int") => single(),
                // DispatchTimeInterval and Swift.Duration cases.
                (None | Some("DispatchTimeInterval" | "Duration"), unit_name) => {
                    let factor = swift_unit_factor(unit_name)?;
                    match single()? {
                        Quantity::Number(n) => Some(Quantity::Millis(n * factor)),
                        Quantity::Millis(_) => None,
                    }
                }
                (Some(r), "date") if r.ends_with("Calendar.current") || r == "Calendar.current" => {
                    let component = file.node_text(call.arg("byAdding")?.value);
                    let factor = match component.trim_start_matches('.') {
                        "second" => SECOND,
                        "minute" => MINUTE,
                        "hour" => HOUR,
                        "day" => DAY,
                        _ => return None,
                    };
                    match eval(file, call.arg("value")?.value, depth + 1)? {
                        Quantity::Number(n) => Some(Quantity::Millis(n * factor)),
                        Quantity::Millis(_) => None,
                    }
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// `DispatchTimeInterval` and `Swift.Duration` cases (neither has minutes).
fn swift_unit_factor(name: &str) -> Option<f64> {
    Some(match name {
        "seconds" => SECOND,
        "milliseconds" => 1.0,
        "microseconds" => 1e-3,
        "nanoseconds" => 1e-6,
        _ => return None,
    })
}

// ---------------------------------------------------------------- Kotlin

/// Android SDK interval constants (plain `long` milliseconds), shared by Kotlin and Java.
fn android_sdk_constant(text: &str) -> Option<f64> {
    let name = text.rsplit('.').next()?;
    let owner = text.strip_suffix(name)?.trim_end_matches('.');
    let owner = owner.rsplit('.').next().unwrap_or(owner);
    Some(match (owner, name) {
        ("AlarmManager", "INTERVAL_FIFTEEN_MINUTES") => 15.0 * MINUTE,
        ("AlarmManager", "INTERVAL_HALF_HOUR") => 30.0 * MINUTE,
        ("AlarmManager", "INTERVAL_HOUR") => HOUR,
        ("AlarmManager", "INTERVAL_HALF_DAY") => 12.0 * HOUR,
        ("AlarmManager", "INTERVAL_DAY") => DAY,
        ("DateUtils", "SECOND_IN_MILLIS") => SECOND,
        ("DateUtils", "MINUTE_IN_MILLIS") => MINUTE,
        ("DateUtils", "HOUR_IN_MILLIS") => HOUR,
        ("DateUtils", "DAY_IN_MILLIS") => DAY,
        ("DateUtils", "WEEK_IN_MILLIS") => 7.0 * DAY,
        ("PeriodicWorkRequest", "MIN_PERIODIC_INTERVAL_MILLIS") => 15.0 * MINUTE,
        ("PeriodicWorkRequest", "MIN_PERIODIC_FLEX_MILLIS") => 5.0 * MINUTE,
        _ => return None,
    })
}

fn eval_kotlin(file: &ParsedFile<'_>, node: Node<'_>, depth: u8) -> Option<Quantity> {
    match node.kind() {
        "number_literal" | "integer_literal" | "long_literal" | "real_literal" | "hex_literal" => {
            number_literal(file.node_text(node)).map(Quantity::Number)
        }
        "parenthesized_expression" => eval(file, node.named_child(0)?, depth + 1),
        "binary_expression" | "multiplicative_expression" | "additive_expression" => {
            eval_binary(file, node, depth, Unit::Milliseconds)
        }
        "identifier" | "simple_identifier" => resolve_const(file, file.node_text(node), depth),
        "navigation_expression" => {
            let text = file.node_text(node);
            if let Some(ms) = android_sdk_constant(text) {
                // SDK interval constants are plain `long` milliseconds.
                return Some(Quantity::Number(ms));
            }
            let target = node.named_child(0)?;
            let last = node.named_child(node.named_child_count().checked_sub(1)?)?;
            let member = file.node_text(last);
            // kotlin.time: `15.minutes`, `(x).seconds`
            let factor = match member {
                "days" => Some(DAY),
                "hours" => Some(HOUR),
                "minutes" => Some(MINUTE),
                "seconds" => Some(SECOND),
                "milliseconds" => Some(1.0),
                "microseconds" => Some(1e-3),
                "nanoseconds" => Some(1e-6),
                _ => None,
            };
            if let Some(f) = factor {
                return match eval(file, target, depth + 1)? {
                    Quantity::Number(n) => Some(Quantity::Millis(n * f)),
                    Quantity::Millis(_) => None,
                };
            }
            match member {
                // Conversions that keep the value: `d.inWholeMilliseconds`, `d.toJavaDuration()` (call).
                "inWholeMilliseconds" => match eval(file, target, depth + 1)? {
                    Quantity::Millis(ms) => Some(Quantity::Number(ms)),
                    Quantity::Number(_) => None,
                },
                _ => resolve_qualified_const(file, text, depth),
            }
        }
        "call_expression" => eval_jvm_call(file, node, depth),
        _ => None,
    }
}

/// Calls that make or convert a duration, the same in Kotlin and Java: `Duration.ofMinutes(15)`,
/// `TimeUnit.MINUTES.toMillis(15)`, `d.toMillis()`, `JobInfo.getMinPeriodMillis()`.
fn eval_jvm_call(file: &ParsedFile<'_>, node: Node<'_>, depth: u8) -> Option<Quantity> {
    let call = as_call(file, node)?;
    let receiver_text = call.receiver.map(|r| file.node_text(r));
    let first = || call.args.first().and_then(|a| eval(file, a.value, depth + 1));
    let as_millis = |q: Quantity, f: f64| match q {
        Quantity::Number(n) => Some(Quantity::Millis(n * f)),
        Quantity::Millis(_) => None,
    };
    match (receiver_text, call.name) {
        (Some(r), name) if r == "Duration" || r.ends_with(".Duration") => {
            let f = match name {
                "ofDays" => DAY,
                "ofHours" => HOUR,
                "ofMinutes" => MINUTE,
                "ofSeconds" => SECOND,
                "ofMillis" => 1.0,
                "ofNanos" => 1e-6,
                _ => return None,
            };
            as_millis(first()?, f)
        }
        (Some(r), "toMillis") if r.starts_with("TimeUnit.") => {
            let unit = time_unit_constant(file, call.receiver?, depth + 1)?;
            match first()? {
                Quantity::Number(n) => Some(Quantity::Number(n * unit.millis())),
                Quantity::Millis(_) => None,
            }
        }
        (Some(_), "toMillis" | "toJavaDuration") if call.args.is_empty() => {
            match eval(file, call.receiver?, depth + 1)? {
                Quantity::Millis(ms) if call.name == "toMillis" => Some(Quantity::Number(ms)),
                q => Some(q),
            }
        }
        (Some("JobInfo"), "getMinPeriodMillis") => Some(Quantity::Number(15.0 * MINUTE)),
        (Some("JobInfo"), "getMinFlexMillis") => Some(Quantity::Number(5.0 * MINUTE)),
        (Some(_), "toDuration") if file.lang == Language::Kotlin => {
            let unit_text = file.node_text(call.args.first()?.value);
            let unit = Unit::from_time_unit(unit_text.rsplit('.').next()?)?;
            as_millis(eval(file, call.receiver?, depth + 1)?, unit.millis())
        }
        _ => None,
    }
}

// ---------------------------------------------------------------- Java

fn eval_java(file: &ParsedFile<'_>, node: Node<'_>, depth: u8) -> Option<Quantity> {
    match node.kind() {
        "decimal_integer_literal" | "hex_integer_literal" | "octal_integer_literal" | "binary_integer_literal" => {
            let text = file.node_text(node);
            // Java's octal (`017`) and binary (`0b1`) literals: only plain decimal and hex are read.
            if node.kind() == "octal_integer_literal" || node.kind() == "binary_integer_literal" {
                return None;
            }
            number_literal(text).map(Quantity::Number)
        }
        "decimal_floating_point_literal" => {
            number_literal(file.node_text(node).trim_end_matches(['d', 'D'])).map(Quantity::Number)
        }
        "parenthesized_expression" => eval(file, node.named_child(0)?, depth + 1),
        // `(long) x`
        "cast_expression" => eval(file, node.child_by_field_name("value")?, depth + 1),
        "binary_expression" => eval_binary(file, node, depth, Unit::Milliseconds),
        "unary_expression" => {
            let operand = node.child_by_field_name("operand")?;
            match (file.node_text(node.child_by_field_name("operator")?), eval(file, operand, depth + 1)?) {
                ("-", Quantity::Number(n)) => Some(Quantity::Number(-n)),
                ("+", q) => Some(q),
                _ => None,
            }
        }
        "identifier" => resolve_const(file, file.node_text(node), depth),
        "field_access" => {
            let text = file.node_text(node);
            if let Some(ms) = android_sdk_constant(text) {
                return Some(Quantity::Number(ms));
            }
            resolve_qualified_const(file, text, depth)
        }
        "method_invocation" => eval_jvm_call(file, node, depth),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::syntax::descendants;
    use crate::source::SourceFile;

    /// Evaluates the initializer of the binding named `probe`.
    fn eval_probe(lang: Language, code: &str, unit: Unit) -> Option<f64> {
        let src = SourceFile::new("t", code);
        let file = ParsedFile::parse(lang, &src).unwrap();
        let value = file.consts().lookup(&file, "probe");
        let value = value
            .or_else(|| descendants(file.root()).find(|n| file.node_text(*n) == "probe").and_then(|n| n.parent()))?;
        millis(&file, value, unit)
    }

    #[test]
    fn dart_forms() {
        let d = |c: &str| eval_probe(Language::Dart, c, Unit::Milliseconds);
        assert_eq!(d("const probe = Duration(minutes: 15);"), Some(900_000.0));
        assert_eq!(d("const probe = const Duration(hours: 1, minutes: 30);"), Some(5_400_000.0));
        assert_eq!(d("const k = 5; final probe = Duration(seconds: k * 6);"), Some(30_000.0));
        assert_eq!(d("const probe = Duration(minutes: 1) * 2;"), Some(120_000.0));
        assert_eq!(d("const probe = Duration.zero;"), Some(0.0));
        assert_eq!(d("const k = Duration(seconds: 5); const probe = k + Duration(seconds: 1);"), Some(6_000.0));
        assert_eq!(d("final probe = Duration(minutes: settings.interval);"), None);
        assert_eq!(d("var k = 5; final probe = Duration(minutes: k);"), None);
        assert_eq!(d("class C { static const every = Duration(seconds: 9); }\nfinal probe = C.every;"), Some(9_000.0));
    }

    #[test]
    fn swift_forms() {
        let s = |c: &str| eval_probe(Language::Swift, c, Unit::Seconds);
        assert_eq!(s("let probe = 15 * 60"), Some(900_000.0));
        assert_eq!(s("let probe = 1_800"), Some(1_800_000.0));
        assert_eq!(s("let probe = (5 * 60)"), Some(300_000.0));
        assert_eq!(s("let m = 60.0\nlet probe = 2 * m"), Some(120_000.0));
        assert_eq!(s("let probe = Date(timeIntervalSinceNow: 90)"), Some(90_000.0));
        assert_eq!(s("let probe = Date().addingTimeInterval(60 * 5)"), Some(300_000.0));
        assert_eq!(s("let probe = DispatchTime.now() + 30"), Some(30_000.0));
        assert_eq!(s("let probe = .now() + .seconds(30)"), Some(30_000.0));
        assert_eq!(s("let probe = .now() + .milliseconds(500)"), Some(500.0));
        assert_eq!(s("let probe = Calendar.current.date(byAdding: .minute, value: 15, to: Date())"), Some(900_000.0));
        assert_eq!(s("let probe = settings.interval"), None);
        assert_eq!(s("let probe = 0x3F"), Some(63_000.0), "hex digits are not suffixes");
        assert_eq!(s("let probe = 0xFF"), Some(255_000.0));
        assert_eq!(s("enum R { static let every: TimeInterval = 30 }\nlet probe = R.every"), Some(30_000.0));
    }

    #[test]
    fn kotlin_forms() {
        let k = |c: &str| eval_probe(Language::Kotlin, c, Unit::Milliseconds);
        assert_eq!(k("val probe = 15 * 60 * 1000L"), Some(900_000.0));
        assert_eq!(k("val probe = 900_000L"), Some(900_000.0));
        assert_eq!(k("val probe = Duration.ofMinutes(15)"), Some(900_000.0));
        assert_eq!(k("val probe = java.time.Duration.ofSeconds(30)"), Some(30_000.0));
        assert_eq!(k("val probe = 15.minutes"), Some(900_000.0));
        assert_eq!(k("val probe = TimeUnit.MINUTES.toMillis(15)"), Some(900_000.0));
        assert_eq!(k("val probe = AlarmManager.INTERVAL_HALF_HOUR"), Some(1_800_000.0));
        assert_eq!(k("val probe = 2 * DateUtils.MINUTE_IN_MILLIS"), Some(120_000.0));
        assert_eq!(k("val probe = JobInfo.getMinPeriodMillis()"), Some(900_000.0));
        assert_eq!(k("const val M = 5L\nval probe = Duration.ofMinutes(M)"), Some(300_000.0));
        assert_eq!(k("val probe = prefs.getLong(\"interval\", 30)"), None);
        assert_eq!(k("object Sync { const val EVERY = 5L }\nval probe = Sync.EVERY * 60_000"), Some(300_000.0));
    }

    #[test]
    fn java_forms() {
        let j = |c: &str| eval_probe(Language::Java, &format!("class C {{ {c} }}"), Unit::Milliseconds);
        assert_eq!(j("static final long probe = 15 * 60 * 1000L;"), Some(900_000.0));
        assert_eq!(j("static final long probe = 900_000L;"), Some(900_000.0));
        assert_eq!(j("static final long probe = (long) 2.5e3;"), Some(2_500.0));
        assert_eq!(j("static final long probe = 0x10;"), Some(16.0));
        assert_eq!(j("static final long probe = 017;"), None, "octal is not read as decimal");
        assert_eq!(j("static final Duration probe = Duration.ofMinutes(15);"), Some(900_000.0));
        assert_eq!(j("static final Duration probe = java.time.Duration.ofSeconds(30);"), Some(30_000.0));
        assert_eq!(j("static final long probe = TimeUnit.MINUTES.toMillis(15);"), Some(900_000.0));
        assert_eq!(j("static final long probe = Duration.ofHours(1).toMillis();"), Some(3_600_000.0));
        assert_eq!(j("static final long probe = AlarmManager.INTERVAL_HALF_HOUR;"), Some(1_800_000.0));
        assert_eq!(j("static final long probe = 2 * DateUtils.MINUTE_IN_MILLIS;"), Some(120_000.0));
        assert_eq!(j("static final long probe = PeriodicWorkRequest.MIN_PERIODIC_INTERVAL_MILLIS;"), Some(900_000.0));
        assert_eq!(j("static final long probe = JobInfo.getMinPeriodMillis();"), Some(900_000.0));
        assert_eq!(j("private static final int M = 5; static final long probe = M * 60_000L;"), Some(300_000.0));
        assert_eq!(j("static final long probe = -5;"), Some(-5.0));
        assert_eq!(j("long probe = prefs.getLong(\"interval\", 30);"), None);
        assert_eq!(j("static long M = 5; static final long probe = M;"), None, "not final: may change");
    }

    fn java_args(code: &str) -> Option<f64> {
        let src = SourceFile::new("t.java", code);
        let file = ParsedFile::parse(Language::Java, &src).unwrap();
        let call = descendants(file.root()).filter_map(|n| as_call(&file, n)).find(|c| c.name == "probe")?;
        millis_of_args(&file, &call.args, 0, Unit::Milliseconds, true)
    }

    #[test]
    fn java_amount_and_time_unit_pairs() {
        assert_eq!(java_args("class C { Object r = probe(15, TimeUnit.MINUTES); }"), Some(900_000.0));
        assert_eq!(
            java_args("import static java.util.concurrent.TimeUnit.HOURS;\nclass C { Object r = probe(2, HOURS); }"),
            Some(7_200_000.0)
        );
        assert_eq!(
            java_args("class C { static final TimeUnit U = TimeUnit.SECONDS; Object r = new probe(30, U); }"),
            Some(30_000.0)
        );
        assert_eq!(java_args("class C { Object r = probe(1, config.unit); }"), None);
        assert_eq!(java_args("class C { Object r = probe(Duration.ofMinutes(20)); }"), Some(1_200_000.0));
    }

    fn kotlin_args(code: &str, unit_follows: bool) -> Option<f64> {
        let src = SourceFile::new("t.kt", code);
        let file = ParsedFile::parse(Language::Kotlin, &src).unwrap();
        let call = descendants(file.root()).filter_map(|n| as_call(&file, n)).find(|c| c.name == "probe")?;
        millis_of_args(&file, &call.args, 0, Unit::Milliseconds, unit_follows)
    }

    #[test]
    fn kotlin_amount_and_time_unit_pairs() {
        assert_eq!(kotlin_args("val r = probe(15, TimeUnit.MINUTES)", true), Some(900_000.0));
        assert_eq!(
            kotlin_args("import java.util.concurrent.TimeUnit.DAYS\nval r = probe(1, DAYS)", true),
            Some(86_400_000.0)
        );
        assert_eq!(
            kotlin_args("private const val N = 3L\nprivate val U = TimeUnit.HOURS\nval r = probe(N, U)", true),
            Some(10_800_000.0)
        );
        // A unit we cannot resolve makes the amount meaningless: unknown, not milliseconds.
        assert_eq!(kotlin_args("val r = probe(1, config.unit)", true), None);
        assert_eq!(kotlin_args("val r = probe(Duration.ofMinutes(20))", true), Some(1_200_000.0));
        assert_eq!(kotlin_args("val r = probe(60_000L, 5_000L)", false), Some(60_000.0));
    }

    #[test]
    fn humanises() {
        assert_eq!(human(30_000.0), "30 s");
        assert_eq!(human(300_000.0), "5 min");
        assert_eq!(human(5_400_000.0), "1 h 30 min");
        assert_eq!(human(500.0), "500 ms");
        assert_eq!(parse_threshold("15m"), Some(900_000.0));
        assert_eq!(parse_threshold("25s"), Some(25_000.0));
    }
}
