//! Gradle build files (Groovy `build.gradle` and Kotlin `build.gradle.kts`), read by a small
//! token scanner rather than a grammar: bglint only needs the SDK levels and whether the module
//! is an application, and both DSLs spell those in a handful of ways.
//!
//! The scanner skips comments and strings, tracks `{ }` blocks by the name before them
//! (`defaultConfig`, `ext`, …) and looks at statements that start with one of the SDK setters.
//! A value it can read becomes [`SdkLevel::Literal`], a name it cannot look up
//! [`SdkLevel::Symbolic`] (which [`GradleSymbols::resolve`] may turn into a literal later), and
//! anything else [`SdkLevel::Unknown`].

use std::collections::HashMap;

use crate::project::facts::{ConfigError, GradleFacts, Located, SdkLevel};
use crate::source::Span;

/// How many tokens a value expression may have; longer ones are not SDK levels anyway, and
/// the cap keeps unbalanced input from scanning to the end of the file for every statement.
const MAX_VALUE_TOKENS: usize = 256;
/// How many segments a dotted name may have (`android.defaultConfig.targetSdk`).
const MAX_CHAIN: usize = 32;
/// How far `resolve` follows names that refer to names.
const MAX_RESOLVE_STEPS: usize = 16;

/// Reads a module's build.gradle (Groovy) or build.gradle.kts (Kotlin DSL). Spans are byte
/// ranges into `text` and cover the value expression (`flutter.targetSdkVersion`).
///
/// When a level is set more than once, the one in the block where Gradle reads it wins:
/// `defaultConfig { }` for `targetSdk` and `minSdk`, `android { }` for `compileSdk` (the last
/// such assignment, as Gradle runs them in order); failing that, one nested somewhere inside
/// that block (an `if`), the first; failing that, the first anywhere (a flavor, a build type).
pub fn build_file(text: &str) -> GradleFacts {
    let scan = Scan::new(text);
    let mut found: [Vec<Candidate>; 3] = Default::default();
    let mut is_application = false;
    scan.statements(|scan, at, blocks| {
        if let Some((field, candidate)) = scan.sdk_setting(at, blocks) {
            found[field as usize].push(candidate);
        }
    });
    for i in 0..scan.tokens.len() {
        is_application |= scan.applies_application_plugin(i);
    }
    // Only application modules have an `applicationId`: this catches plugins applied through a
    // version-catalog alias or a convention plugin whose name says nothing (`alias(libs.plugins.android)`).
    is_application |= scan.mentions_identifier("applicationId");
    let locals = scan.locals();
    let mut take = |field: Field| {
        pick(std::mem::take(&mut found[field as usize]))
            .map(|c| Located::new(substitute_locals(c.level, &locals), c.span))
    };
    GradleFacts {
        target_sdk: take(Field::Target),
        min_sdk: take(Field::Min),
        compile_sdk: take(Field::Compile),
        is_application,
    }
}

/// Values a build can refer to by name: `[versions]` of gradle/libs.versions.toml,
/// `ext { targetSdkVersion = 34 }` / `ext.targetSdkVersion = 34` / `extra["targetSdk"] = 34`
/// in a root build script, and gradle.properties `key=value` lines.
#[derive(Debug, Default, Clone)]
pub struct GradleSymbols {
    /// Catalog versions by accessor path: `android-targetSdk` is stored as `android.targetSdk`.
    versions: HashMap<String, SdkLevel>,
    /// Extra properties; a Groovy map `ext.versions = [targetSdk: 34]` is stored as
    /// `versions.targetSdk`.
    extra: HashMap<String, SdkLevel>,
    properties: HashMap<String, SdkLevel>,
}

impl GradleSymbols {
    /// Adds the `[versions]` table of a version catalog (`libs.versions.toml`).
    pub fn add_version_catalog(&mut self, toml_text: &str) -> Result<(), ConfigError> {
        let skip = if toml_text.starts_with('\u{feff}') { '\u{feff}'.len_utf8() } else { 0 };
        let table = toml_text[skip..].parse::<toml::Table>().map_err(|e| {
            let span = e.span().map(|s| s.start + skip..s.end + skip);
            ConfigError::new(format!("the version catalog is not valid TOML: {}", e.message().trim()), span)
        })?;
        let versions = match table.get("versions") {
            None => return Ok(()),
            Some(toml::Value::Table(versions)) => versions,
            Some(_) => return Err(ConfigError::new("`versions` in the version catalog is not a table", None)),
        };
        for (key, value) in versions {
            self.versions.insert(catalog_path(key), catalog_level(value));
        }
        Ok(())
    }

    /// Adds gradle.properties `key=value` (or `key: value`, `key value`) lines.
    pub fn add_properties(&mut self, text: &str) {
        let mut logical = String::new();
        for line in text.lines() {
            let line = line.trim_start_matches([' ', '\t', '\u{c}', '\u{feff}']);
            if logical.is_empty() && (line.starts_with('#') || line.starts_with('!')) {
                continue;
            }
            // A line ending in an odd number of backslashes continues on the next one.
            let trailing = line.len() - line.trim_end_matches('\\').len();
            if trailing % 2 == 1 {
                logical.push_str(&line[..line.len() - 1]);
                continue;
            }
            logical.push_str(line);
            if let Some((key, value)) = property_line(&logical) {
                self.properties.insert(key, string_level(&value));
            }
            logical.clear();
        }
        if let Some((key, value)) = property_line(&logical) {
            self.properties.insert(key, string_level(&value));
        }
    }

    /// Adds the extra properties a (root) build script defines: `ext { name = value }`,
    /// `ext.name = value`, `project.ext.name`, `ext["name"]`, `extra["name"] = value`,
    /// `extra.set("name", value)`, `set("name", value)` inside `ext { }` / `extra.apply { }`,
    /// `val name by extra(value)`, and Groovy maps (`ext.versions = [targetSdk: 34]`).
    /// A later definition replaces an earlier one, as when Gradle runs the script.
    pub fn add_build_script(&mut self, text: &str) {
        let scan = Scan::new(text);
        let locals = scan.locals();
        let mut defined = Vec::new();
        scan.statements(|scan, at, blocks| scan.extra_definitions(at, blocks, &mut defined));
        for (name, level) in defined {
            self.extra.insert(name, substitute_locals(level, &locals));
        }
    }

    /// Turns a Symbolic level into a Literal when the symbol is known; anything else unchanged.
    ///
    /// `libs.versions.a.b` is looked up in the catalog (key `a-b`, `a_b` or `a.b`);
    /// `rootProject.ext.x`, `rootProject.x`, `project.ext.x`, `ext.x`, `extra.x` and a bare `x`
    /// in extra properties, then gradle.properties. A value that is itself a name is followed.
    /// `flutter.targetSdkVersion` (set by the Flutter Gradle plugin) and other names stay.
    pub fn resolve(&self, level: &SdkLevel) -> SdkLevel {
        let SdkLevel::Symbolic(name) = level else {
            return level.clone();
        };
        let mut name = name.as_str();
        for _ in 0..MAX_RESOLVE_STEPS {
            match self.lookup(name) {
                Some(SdkLevel::Literal(n)) => return SdkLevel::Literal(*n),
                Some(SdkLevel::Symbolic(next)) if next != name => name = next,
                _ => break,
            }
        }
        level.clone()
    }

    fn lookup(&self, name: &str) -> Option<&SdkLevel> {
        if let Some(path) = name.strip_prefix("libs.versions.") {
            return self.versions.get(path);
        }
        const PREFIXES: [&str; 9] = [
            "rootProject.ext.",
            "rootProject.extra.",
            "project.ext.",
            "project.extra.",
            "rootProject.",
            "project.",
            "ext.",
            "extra.",
            "providers.",
        ];
        let bare = PREFIXES.iter().find_map(|p| name.strip_prefix(p));
        let key = bare.unwrap_or(name);
        // A Groovy map entry (`versions.targetSdk`) can only be an extra property; a dotted
        // gradle.properties key is not reachable as a dotted expression.
        self.extra
            .get(key)
            .or_else(|| (bare.is_some() || !key.contains('.')).then(|| self.properties.get(key)).flatten())
    }
}

/// Catalog keys use `-`, `_` or `.` between words; Gradle's accessors use `.`.
fn catalog_path(key: &str) -> String {
    key.replace(['-', '_'], ".")
}

fn catalog_level(value: &toml::Value) -> SdkLevel {
    match value {
        toml::Value::Integer(n) => u32::try_from(*n).map_or(SdkLevel::Unknown, SdkLevel::Literal),
        toml::Value::String(s) => string_level(s),
        // Rich versions: `targetSdk = { strictly = "34" }`.
        toml::Value::Table(t) => {
            ["strictly", "require", "prefer"].iter().find_map(|k| t.get(*k)).map_or(SdkLevel::Unknown, catalog_level)
        }
        _ => SdkLevel::Unknown,
    }
}

/// A `.properties` line split at the first unescaped `=`, `:` or blank.
fn property_line(line: &str) -> Option<(String, String)> {
    let line = line.trim_start();
    if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
        return None;
    }
    let mut key = String::new();
    let mut chars = line.char_indices();
    let mut rest = "";
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                if let Some((_, escaped)) = chars.next() {
                    key.push(escaped);
                }
            }
            '=' | ':' | ' ' | '\t' => {
                rest = &line[i..];
                break;
            }
            c => key.push(c),
        }
    }
    let rest = rest.trim_start_matches([' ', '\t']);
    let rest = rest.strip_prefix(['=', ':']).unwrap_or(rest);
    Some((key, rest.trim().to_string()))
}

/// A level written as text: `"34"`, `'android-34'`; `"${x}"` / `"$x"` name `x`.
fn string_level(s: &str) -> SdkLevel {
    let s = s.trim();
    if let Some(name) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}')).or_else(|| s.strip_prefix('$')) {
        let name = strip_conversion_suffixes(name);
        return if is_dotted_name(name) { SdkLevel::Symbolic(name.to_string()) } else { SdkLevel::Unknown };
    }
    let digits = s.strip_prefix("android-").unwrap_or(s);
    number_level(digits)
}

fn number_level(s: &str) -> SdkLevel {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().map_or(SdkLevel::Unknown, SdkLevel::Literal)
    } else {
        SdkLevel::Unknown
    }
}

/// `x.toInt()` → `x` inside a string template.
fn strip_conversion_suffixes(mut name: &str) -> &str {
    loop {
        let before = name;
        for suffix in [".get()", ".toInt()", ".toInteger()", ".intValue()", ".toString()", "!!"] {
            name = name.strip_suffix(suffix).unwrap_or(name);
        }
        if name == before {
            return name;
        }
    }
}

fn is_dotted_name(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|part| part.chars().next().is_some_and(is_ident_start) && part.chars().all(is_ident_char))
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == '$'
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// A bare name that a `def`/`val` in the same file gives a value: its value instead.
fn substitute_locals(level: SdkLevel, locals: &HashMap<String, SdkLevel>) -> SdkLevel {
    let mut level = level;
    for _ in 0..MAX_RESOLVE_STEPS {
        match &level {
            SdkLevel::Symbolic(name) if !name.contains('.') => match locals.get(name) {
                Some(value) if *value != level => level = value.clone(),
                _ => break,
            },
            _ => break,
        }
    }
    level
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Target = 0,
    Min = 1,
    Compile = 2,
}

impl Field {
    fn of(name: &str) -> Option<Field> {
        match name {
            "targetSdk" | "targetSdkVersion" | "setTargetSdkVersion" => Some(Field::Target),
            "minSdk" | "minSdkVersion" | "setMinSdkVersion" => Some(Field::Min),
            "compileSdk" | "compileSdkVersion" | "setCompileSdkVersion" => Some(Field::Compile),
            _ => None,
        }
    }

    /// The block Gradle reads the level from.
    fn home(self) -> &'static str {
        match self {
            Field::Target | Field::Min => "defaultConfig",
            Field::Compile => "android",
        }
    }
}

struct Candidate {
    /// 0: directly in the home block (last wins), 1: nested inside it, 2: elsewhere.
    rank: u8,
    level: SdkLevel,
    span: Span,
}

fn pick(candidates: Vec<Candidate>) -> Option<Candidate> {
    let mut best: Option<Candidate> = None;
    for c in candidates {
        let better = match &best {
            None => true,
            Some(b) => c.rank < b.rank || (c.rank == 0 && b.rank == 0),
        };
        if better {
            best = Some(c);
        }
    }
    best
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ident,
    Number,
    Str,
    Punct,
    Newline,
}

#[derive(Debug, Clone, Copy)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
    /// For strings, the text between the quotes (up to the end for an unclosed one).
    inner: (usize, usize),
}

/// A build file as tokens, with the partner of each bracket.
struct Scan<'t> {
    text: &'t str,
    tokens: Vec<Token>,
    /// For each bracket token, the index of its partner (`usize::MAX` when unbalanced).
    partner: Vec<usize>,
}

impl<'t> Scan<'t> {
    fn new(text: &'t str) -> Self {
        let tokens = tokenize(text);
        let partner = match_brackets(text, &tokens);
        Scan { text, tokens, partner }
    }

    fn str(&self, i: usize) -> &'t str {
        let t = &self.tokens[i];
        &self.text[t.start..t.end]
    }

    fn is(&self, i: usize, s: &str) -> bool {
        i < self.tokens.len() && self.tokens[i].kind != Kind::Str && self.str(i) == s
    }

    fn kind(&self, i: usize) -> Option<Kind> {
        self.tokens.get(i).map(|t| t.kind)
    }

    fn string_content(&self, i: usize) -> &'t str {
        let (start, end) = self.tokens[i].inner;
        &self.text[start..end]
    }

    fn partner(&self, i: usize) -> Option<usize> {
        self.partner.get(i).copied().filter(|p| *p != usize::MAX)
    }

    /// Calls `visit(scan, index, enclosing blocks)` at each name that starts a statement.
    fn statements(&self, mut visit: impl FnMut(&Self, usize, &Blocks)) {
        let mut blocks = Blocks::default();
        let mut at_start = true;
        for i in 0..self.tokens.len() {
            let tok = self.tokens[i];
            if at_start && tok.kind == Kind::Ident {
                visit(self, i, &blocks);
            }
            at_start = match tok.kind {
                Kind::Newline => true,
                Kind::Punct => match self.str(i) {
                    "{" => {
                        blocks.push(&self.block_header(i));
                        true
                    }
                    "}" => {
                        blocks.pop();
                        true
                    }
                    ";" | "->" => true,
                    _ => false,
                },
                Kind::Ident => self.str(i) == "else",
                _ => false,
            };
        }
    }

    /// The dotted name before a `{` (`android`, `defaultConfig`, `rootProject.ext`), looking
    /// past call arguments (`create("free") {` → `create`, `if (x) {` → `if`).
    fn block_header(&self, open: usize) -> String {
        let mut end = open;
        if end > 0 && self.is(end - 1, ")") {
            match self.partner(end - 1) {
                Some(p) => end = p,
                None => return String::new(),
            }
        }
        let mut segments = Vec::new();
        let mut i = end;
        while i > 0 && self.kind(i - 1) == Some(Kind::Ident) && segments.len() < MAX_CHAIN {
            segments.push(self.str(i - 1));
            if i >= 2 && (self.is(i - 2, ".") || self.is(i - 2, "?.")) {
                i -= 2;
            } else {
                break;
            }
        }
        segments.reverse();
        segments.join(".")
    }

    /// A dotted name starting at `i`: its segments and the index after it.
    fn chain(&self, i: usize) -> (Vec<&'t str>, usize) {
        let mut segments = Vec::new();
        let mut j = i;
        while self.kind(j) == Some(Kind::Ident) && segments.len() < MAX_CHAIN {
            segments.push(self.str(j));
            j += 1;
            if (self.is(j, ".") || self.is(j, "?.")) && self.kind(j + 1) == Some(Kind::Ident) {
                j += 1;
            } else {
                break;
            }
        }
        (segments, j)
    }

    /// A dotted name at the start of `t` (token indices without newlines, so a name may
    /// continue on the next line): its segments and how many of `t` it takes.
    fn chain_in(&self, t: &[usize]) -> (Vec<&'t str>, usize) {
        let mut segments = Vec::new();
        let mut k = 0;
        while k < t.len() && self.kind(t[k]) == Some(Kind::Ident) && segments.len() < MAX_CHAIN {
            segments.push(self.str(t[k]));
            k += 1;
            if k + 1 < t.len()
                && (self.is(t[k], ".") || self.is(t[k], "?."))
                && self.kind(t[k + 1]) == Some(Kind::Ident)
            {
                k += 1;
            } else {
                break;
            }
        }
        (segments, k)
    }

    /// `targetSdk = 35`, `targetSdkVersion 34`, `targetSdkVersion(34)`,
    /// `compileSdk { version = release(36) }`, `android.defaultConfig.minSdk = 24`.
    fn sdk_setting(&self, at: usize, blocks: &Blocks) -> Option<(Field, Candidate)> {
        let (segments, after) = self.chain(at);
        let (&name, receiver) = segments.split_last()?;
        let field = Field::of(name)?;
        if receiver.iter().any(|s| matches!(*s, "ext" | "extra" | "rootProject" | "libs" | "versions" | "properties"))
            || blocks.extra > 0
        {
            return None;
        }
        let (level, span) = match self.tokens.get(after).map(|t| (t.kind, self.str(after))) {
            Some((Kind::Punct, "=")) => self.value(after + 1)?,
            Some((Kind::Punct, "(")) => {
                let close = self.partner(after)?;
                self.arguments(after + 1, close)?
            }
            Some((Kind::Punct, "{")) => self.version_block(after)?,
            Some((Kind::Number | Kind::Str | Kind::Ident, _)) if !matches!(self.str(after), "in" | "as" | "is") => {
                self.value(after)?
            }
            _ => return None,
        };
        let home = field.home();
        let rank = if receiver.last() == Some(&home) || (receiver.is_empty() && blocks.innermost() == Some(home)) {
            0
        } else if receiver.contains(&home) || blocks.inside(home) {
            1
        } else {
            2
        };
        Some((field, Candidate { rank, level, span }))
    }

    /// AGP 9's `compileSdk { version = release(36) }`.
    fn version_block(&self, open: usize) -> Option<(SdkLevel, Span)> {
        let close = self.partner(open)?;
        let mut i = open + 1;
        while i < close && i < open + MAX_VALUE_TOKENS {
            if self.is(i, "version") && self.is(i + 1, "=") {
                return self.value(i + 2);
            }
            i += 1;
        }
        Some((SdkLevel::Unknown, self.tokens[open].start..self.tokens[close].end))
    }

    /// The single argument of a call between `from` and the closing `)` at `close`.
    fn arguments(&self, from: usize, close: usize) -> Option<(SdkLevel, Span)> {
        if close.saturating_sub(from) > MAX_VALUE_TOKENS {
            return Some((SdkLevel::Unknown, self.tokens[from].start..self.tokens[close - 1].end));
        }
        let toks: Vec<usize> = (from..close).filter(|i| self.tokens[*i].kind != Kind::Newline).collect();
        let (&first, &last) = (toks.first()?, toks.last()?);
        let span = self.tokens[first].start..self.tokens[last].end;
        let mut i = from;
        while i < close {
            if self.is(i, ",") {
                return Some((SdkLevel::Unknown, span));
            }
            i = self.partner(i).filter(|p| *p > i && self.is_opener(i)).map_or(i + 1, |p| p + 1);
        }
        Some((self.classify(&toks), span))
    }

    fn is_opener(&self, i: usize) -> bool {
        self.tokens[i].kind == Kind::Punct && matches!(self.str(i), "(" | "[" | "{")
    }

    /// The expression starting at `from` up to the end of its statement: its level and span.
    fn value(&self, from: usize) -> Option<(SdkLevel, Span)> {
        let toks = self.expression(from);
        let (&first, &last) = (toks.first()?, toks.last()?);
        Some((self.classify(&toks), self.tokens[first].start..self.tokens[last].end))
    }

    /// Token indices (newlines left out) of the expression starting at `from`: up to a line
    /// break, `;`, or a bracket that closes an enclosing block. A line ending in an operator,
    /// or a next line starting with `.`, `?.` or `?:`, continues it.
    fn expression(&self, from: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut i = from;
        while i < self.tokens.len() && out.len() < MAX_VALUE_TOKENS {
            let tok = self.tokens[i];
            if tok.kind == Kind::Newline {
                let continues_before = out.last().is_none_or(|&last: &usize| {
                    self.tokens[last].kind == Kind::Punct
                        && matches!(
                            self.str(last),
                            "+" | "-" | "*" | "/" | "?:" | "?" | ":" | "." | "?." | "&&" | "||" | "=" | ","
                        )
                });
                let mut next = i;
                while self.kind(next) == Some(Kind::Newline) {
                    next += 1;
                }
                let continues_after = self.is(next, ".") || self.is(next, "?.") || self.is(next, "?:");
                if continues_before || continues_after {
                    i = next;
                    continue;
                }
                break;
            }
            if tok.kind == Kind::Punct {
                match self.str(i) {
                    ";" | "}" | ")" | "]" => break,
                    "(" | "[" | "{" => {
                        let Some(close) = self.partner(i) else { break };
                        for j in i..=close {
                            if out.len() == MAX_VALUE_TOKENS {
                                break;
                            }
                            if self.tokens[j].kind != Kind::Newline {
                                out.push(j);
                            }
                        }
                        i = close + 1;
                        continue;
                    }
                    _ => {}
                }
            }
            out.push(i);
            i += 1;
        }
        out
    }

    /// What an expression (token indices, no newlines) says about an SDK level.
    fn classify(&self, toks: &[usize]) -> SdkLevel {
        let mut t = toks;
        // Peel conversions and wrappers: `(x)`, `x.get()`, `x.toInt()`, `x as Integer`, `x!!`,
        // `Integer.parseInt(x)`.
        loop {
            let n = t.len();
            if n >= 2 && self.is(t[0], "(") && self.partner(t[0]) == Some(t[n - 1]) {
                t = &t[1..n - 1];
                continue;
            }
            if n >= 4
                && (self.is(t[n - 4], ".") || self.is(t[n - 4], "?."))
                && matches!(
                    self.str(t[n - 3]),
                    "get" | "toInt" | "toInteger" | "intValue" | "toString" | "trim" | "toIntOrNull" | "getOrNull"
                )
                && self.is(t[n - 2], "(")
                && self.is(t[n - 1], ")")
            {
                t = &t[..n - 4];
                continue;
            }
            if n >= 3 && self.is(t[n - 2], ".") && self.is(t[n - 1], "orNull") {
                t = &t[..n - 2];
                continue;
            }
            if n >= 2 && self.is(t[n - 1], "!!") {
                t = &t[..n - 1];
                continue;
            }
            if n >= 3 && self.is(t[n - 2], "as") && self.kind(t[n - 1]) == Some(Kind::Ident) {
                t = &t[..n - 2];
                continue;
            }
            if n >= 4 && self.is(t[n - 3], "as") && self.is(t[n - 2], "?") && self.kind(t[n - 1]) == Some(Kind::Ident) {
                t = &t[..n - 3];
                continue;
            }
            if let Some(inner) = self.call_argument(
                t,
                &[
                    "Integer.parseInt",
                    "Integer.valueOf",
                    "java.lang.Integer.parseInt",
                    "java.lang.Integer.valueOf",
                    "Integer.decode",
                ],
            ) {
                t = inner;
                continue;
            }
            break;
        }
        let n = t.len();
        if n == 0 {
            return SdkLevel::Unknown;
        }
        if n == 1 {
            return match self.tokens[t[0]].kind {
                Kind::Number => number_level(&self.str(t[0]).replace('_', "")),
                Kind::Str => string_level(self.string_content(t[0])),
                Kind::Ident if matches!(self.str(t[0]), "true" | "false" | "null" | "this") => SdkLevel::Unknown,
                Kind::Ident => SdkLevel::Symbolic(self.str(t[0]).to_string()),
                _ => SdkLevel::Unknown,
            };
        }
        let (segments, consumed) = self.chain_in(t);
        if segments.is_empty() {
            return SdkLevel::Unknown;
        }
        match &t[consumed..] {
            [] => SdkLevel::Symbolic(segments.join(".")),
            // `rootProject.ext["targetSdk"]`, `project.properties["x"]`
            [open, key, close] if self.is(*open, "[") && self.kind(*key) == Some(Kind::Str) && self.is(*close, "]") => {
                let mut receiver = segments.clone();
                if receiver.last() == Some(&"properties") {
                    receiver.pop();
                }
                lookup_name(&receiver, self.string_content(*key))
            }
            // `project.property("x")`, `findProperty("x")`, `providers.gradleProperty("x")`,
            // `localProperties.getProperty("x", "21")`, `extra.get("x")`; `release(36)`.
            [open, args @ .., close] if self.is(*open, "(") && self.is(*close, ")") => {
                let (&method, receiver) = segments.split_last().expect("a chain has a segment");
                let key = args.first().filter(|k| self.kind(**k) == Some(Kind::Str));
                let extra_args_ok = args.len() == 1 || (args.len() >= 2 && self.is(args[1], ","));
                match (method, key) {
                    ("property" | "findProperty" | "getProperty" | "gradleProperty" | "get", Some(key))
                        if extra_args_ok =>
                    {
                        let receiver: Vec<&str> =
                            if receiver == ["providers"] { Vec::new() } else { receiver.to_vec() };
                        lookup_name(&receiver, self.string_content(*key))
                    }
                    ("release", _) if receiver.is_empty() && args.len() == 1 => match self.kind(args[0]) {
                        Some(Kind::Number) => number_level(self.str(args[0])),
                        _ => SdkLevel::Unknown,
                    },
                    _ => SdkLevel::Unknown,
                }
            }
            // `release(36) { minorApiLevel = 1 }`
            [open, arg, close, brace, ..]
                if segments == ["release"] && self.is(*open, "(") && self.is(*close, ")") && self.is(*brace, "{") =>
            {
                match self.kind(*arg) {
                    Some(Kind::Number) => number_level(self.str(*arg)),
                    _ => SdkLevel::Unknown,
                }
            }
            _ => SdkLevel::Unknown,
        }
    }

    /// `Integer.parseInt(x)` (any of `names`) spanning all of `t`: the tokens of `x`.
    fn call_argument<'a>(&self, t: &'a [usize], names: &[&str]) -> Option<&'a [usize]> {
        let (segments, consumed) = self.chain_in(t);
        let name = segments.join(".");
        if !names.contains(&name.as_str()) || consumed + 2 > t.len() {
            return None;
        }
        let open = t[consumed];
        (self.is(open, "(") && self.partner(open) == t.last().copied()).then(|| &t[consumed + 1..t.len() - 1])
    }

    /// `def x = 34`, `val x = libs.versions.x.get().toInt()`, `val x: Int = 34`, `int x = 34`:
    /// the first value of each local name.
    fn locals(&self) -> HashMap<String, SdkLevel> {
        let mut locals = HashMap::new();
        self.statements(|scan, at, _| {
            let mut i = at;
            while scan.kind(i) == Some(Kind::Ident)
                && matches!(
                    scan.str(i),
                    "def" | "val" | "var" | "final" | "private" | "static" | "int" | "Integer" | "String"
                )
            {
                i += 1;
            }
            if i == at || scan.kind(i) != Some(Kind::Ident) {
                return;
            }
            let name = scan.str(i);
            let mut j = i + 1;
            if scan.is(j, ":") {
                j += 1;
                while scan.kind(j) == Some(Kind::Ident) || scan.is(j, ".") || scan.is(j, "?") {
                    j += 1;
                }
            }
            if scan.is(j, "=") {
                if let Some((level, _)) = scan.value(j + 1) {
                    locals.entry(name.to_string()).or_insert(level);
                }
            }
        });
        locals
    }

    /// Extra properties defined by the statement at `at`, pushed onto `out`.
    fn extra_definitions(&self, at: usize, blocks: &Blocks, out: &mut Vec<(String, SdkLevel)>) {
        let (segments, after) = self.chain(at);
        if segments.is_empty() {
            return;
        }
        let in_extra_block = blocks.stack.last().is_some_and(|(_, extra)| *extra);
        // `val targetSdk by extra(34)`, `val targetSdk: Int by rootProject.extra(34)`
        if matches!(segments.as_slice(), ["val"] | ["var"]) && self.kind(after) == Some(Kind::Ident) {
            let name = self.str(after);
            let mut j = after + 1;
            if self.is(j, ":") {
                j += 1;
                while self.kind(j) == Some(Kind::Ident) && !self.is(j, "by") || self.is(j, ".") || self.is(j, "?") {
                    j += 1;
                }
            }
            if self.is(j, "by") {
                let (delegate, open) = self.chain(j + 1);
                if delegate.last().is_some_and(|s| *s == "extra") && self.is(open, "(") {
                    if let Some(close) = self.partner(open) {
                        if let Some((level, _)) = self.arguments(open + 1, close) {
                            out.push((name.to_string(), level));
                        }
                    }
                }
            }
            return;
        }
        // `set("name", value)` in `ext { }`, `ext.set(…)`, `extra.set(…)`
        let (&last, receiver) = segments.split_last().expect("non-empty");
        if last == "set"
            && self.is(after, "(")
            && (in_extra_block && receiver.is_empty() || receiver.last().is_some_and(|s| is_extra_word(s)))
        {
            if let (Some(close), Some(Kind::Str)) = (self.partner(after), self.kind(after + 1)) {
                if self.is(after + 2, ",") {
                    if let Some((level, _)) = self.arguments(after + 3, close) {
                        out.push((self.string_content(after + 1).to_string(), level));
                    }
                }
            }
            return;
        }
        // `ext["name"] = value`, `rootProject.extra["name"] = value`
        if is_extra_word(last)
            && self.is(after, "[")
            && self.kind(after + 1) == Some(Kind::Str)
            && self.is(after + 2, "]")
        {
            if self.is(after + 3, "=") {
                self.define(self.string_content(after + 1), after + 4, out);
            }
            return;
        }
        // `name = value` inside `ext { }`; `ext.name = value`, `project.ext.name = value`
        let name = if in_extra_block && segments.len() == 1 {
            Some(last)
        } else {
            match segments.iter().rposition(|s| is_extra_word(s)) {
                Some(k) if k + 2 == segments.len() => Some(last),
                _ => None,
            }
        };
        if let (Some(name), true) = (name, self.is(after, "=")) {
            self.define(name, after + 1, out);
        }
    }

    /// `name = value`, where a Groovy map `[targetSdk: 34, minSdk: 21]` defines `name.targetSdk`.
    fn define(&self, name: &str, value: usize, out: &mut Vec<(String, SdkLevel)>) {
        if self.is(value, "[") {
            if let Some(close) = self.partner(value) {
                let close = close.min(value + MAX_VALUE_TOKENS);
                let mut i = value + 1;
                while i < close {
                    while i < close && self.kind(i) == Some(Kind::Newline) {
                        i += 1;
                    }
                    let key = match self.kind(i) {
                        Some(Kind::Ident) => self.str(i),
                        Some(Kind::Str) => self.string_content(i),
                        _ => break,
                    };
                    if !self.is(i + 1, ":") {
                        break;
                    }
                    let mut end = i + 2;
                    let mut toks = Vec::new();
                    while end < close && !self.is(end, ",") && toks.len() < MAX_VALUE_TOKENS {
                        // A nested bracket is taken whole, commas inside it included.
                        let last =
                            self.partner(end).filter(|p| *p > end && *p < close && self.is_opener(end)).unwrap_or(end);
                        toks.extend((end..=last).filter(|t| self.tokens[*t].kind != Kind::Newline));
                        end = last + 1;
                    }
                    out.push((format!("{name}.{key}"), self.classify(&toks)));
                    i = end + 1;
                }
                return;
            }
        }
        if let Some((level, _)) = self.value(value) {
            out.push((name.to_string(), level));
        }
    }

    /// Token `i` names the Android application plugin where plugins are applied:
    /// `id 'com.android.application'`, `id("…")`, `apply plugin: '…'`, `apply(plugin = "…")`,
    /// `alias(libs.plugins.android.application)`, and not followed by `apply false`.
    /// Convention plugins named `….android.application` count too: they apply it.
    /// Whether an identifier token (not text in a comment or string) is `name`.
    fn mentions_identifier(&self, name: &str) -> bool {
        (0..self.tokens.len()).any(|i| self.tokens[i].kind == Kind::Ident && self.str(i) == name)
    }

    fn applies_application_plugin(&self, i: usize) -> bool {
        let tok = self.tokens[i];
        let (named, after) = match tok.kind {
            Kind::Str => {
                let context = i >= 1
                    && (self.is(i - 1, "id")
                        || (self.is(i - 1, "(") && i >= 2 && (self.is(i - 2, "id") || self.is(i - 2, "apply")))
                        || ((self.is(i - 1, ":") || self.is(i - 1, "=")) && i >= 2 && self.is(i - 2, "plugin")));
                if !context {
                    return false;
                }
                (self.string_content(i).to_string(), i + 1)
            }
            Kind::Ident if self.str(i) == "alias" && self.is(i + 1, "(") => {
                let (segments, end) = self.chain(i + 2);
                let path = match segments.as_slice() {
                    [_, "plugins", rest @ ..] => rest.join("."),
                    other => other.join("."),
                };
                (path, end)
            }
            _ => return false,
        };
        let flat: String =
            named.chars().filter(|c| !matches!(c, '.' | '-' | '_')).flat_map(char::to_lowercase).collect();
        if !(named == "com.android.application" || flat.ends_with("androidapplication")) {
            return false;
        }
        // `id("com.android.application") version "8.7.0" apply false`
        let mut j = after;
        while j < self.tokens.len()
            && j < after + 16
            && !matches!(self.tokens[j].kind, Kind::Newline)
            && !self.is(j, ";")
            && !self.is(j, "}")
        {
            if self.is(j, "apply") && self.is(j + 1, "false") {
                return false;
            }
            j += 1;
        }
        true
    }
}

/// A Groovy/Kotlin name for extra properties.
fn is_extra_word(s: &str) -> bool {
    matches!(s, "ext" | "extra")
}

/// `ext { }`, `rootProject.ext { }`, `extra.apply { }`, `ext.with { }`.
fn is_extra_block(header: &str) -> bool {
    let segments: Vec<&str> = header.split('.').collect();
    match segments.as_slice() {
        [.., last] if is_extra_word(last) => true,
        [.., word, "apply" | "run" | "with"] => is_extra_word(word),
        _ => false,
    }
}

/// The `{ }` blocks around a statement. Counts answer "inside some `defaultConfig`" without
/// walking the stack, which unbalanced input can make as deep as the file is long.
#[derive(Default)]
struct Blocks {
    /// Per open block: the last segment of its header and whether it holds extra properties.
    stack: Vec<(String, bool)>,
    extra: usize,
    default_config: usize,
    android: usize,
}

impl Blocks {
    fn push(&mut self, header: &str) {
        let extra = is_extra_block(header);
        let last = header.rsplit('.').next().unwrap_or_default();
        self.extra += usize::from(extra);
        *self.counter(last).unwrap_or(&mut 0) += 1;
        self.stack.push((last.to_string(), extra));
    }

    fn pop(&mut self) {
        if let Some((last, extra)) = self.stack.pop() {
            self.extra -= usize::from(extra);
            if let Some(count) = self.counter(&last) {
                *count -= 1;
            }
        }
    }

    fn counter(&mut self, segment: &str) -> Option<&mut usize> {
        match segment {
            "defaultConfig" => Some(&mut self.default_config),
            "android" => Some(&mut self.android),
            _ => None,
        }
    }

    fn innermost(&self) -> Option<&str> {
        self.stack.last().map(|(last, _)| last.as_str())
    }

    fn inside(&self, segment: &str) -> bool {
        match segment {
            "defaultConfig" => self.default_config > 0,
            "android" => self.android > 0,
            _ => false,
        }
    }
}

/// The name a string-keyed lookup stands for: `rootProject.ext` + `x` → `rootProject.ext.x`;
/// no receiver (`property("x")`) → `project.x`.
fn lookup_name(receiver: &[&str], key: &str) -> SdkLevel {
    if key.is_empty() {
        return SdkLevel::Unknown;
    }
    if receiver.is_empty() {
        SdkLevel::Symbolic(format!("project.{key}"))
    } else {
        SdkLevel::Symbolic(format!("{}.{key}", receiver.join(".")))
    }
}

/// Splits Groovy/Kotlin source into identifiers, numbers, strings, punctuation and line breaks,
/// dropping blanks and comments. Every boundary falls on an ASCII byte, so slicing is safe.
fn tokenize(text: &str) -> Vec<Token> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let punct = |out: &mut Vec<Token>, start: usize, end: usize| {
        out.push(Token { kind: Kind::Punct, start, end, inner: (start, end) });
    };
    while i < b.len() {
        let c = b[i];
        let start = i;
        match c {
            b'\n' => {
                out.push(Token { kind: Kind::Newline, start, end: i + 1, inner: (start, i + 1) });
                i += 1;
            }
            b' ' | b'\t' | b'\r' | 0x0c => i += 1,
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = memchr(b, i, b'\n').unwrap_or(b.len());
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = find(b, i + 2, b"*/").map_or(b.len(), |p| p + 2);
            }
            b'"' | b'\'' => {
                let (end, inner) = scan_string(b, i);
                out.push(Token { kind: Kind::Str, start, end, inner });
                i = end;
            }
            b'0'..=b'9' => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                if i + 1 < b.len() && b[i] == b'.' && b[i + 1].is_ascii_digit() {
                    i += 1;
                    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                        i += 1;
                    }
                }
                out.push(Token { kind: Kind::Number, start, end: i, inner: (start, i) });
            }
            b'`' => {
                // A Kotlin backquoted name.
                let end = memchr(b, i + 1, b'`').filter(|e| !b[i + 1..*e].contains(&b'\n')).map_or(i + 1, |e| e + 1);
                out.push(Token { kind: Kind::Ident, start, end, inner: (start, end) });
                i = end;
            }
            c if c.is_ascii_alphabetic() || c == b'_' || c == b'$' || c >= 0x80 => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'$' || b[i] >= 0x80) {
                    i += 1;
                }
                out.push(Token { kind: Kind::Ident, start, end: i, inner: (start, i) });
            }
            _ => {
                const TWO: [&[u8]; 14] =
                    [b"==", b"!=", b"<=", b">=", b"?:", b"?.", b"!!", b"->", b"+=", b"-=", b"&&", b"||", b"::", b".."];
                let len = if TWO.iter().any(|t| b[i..].starts_with(t)) { 2 } else { 1 };
                punct(&mut out, start, i + len);
                i += len;
            }
        }
    }
    out
}

/// A string literal starting at `start` (`'…'`, `"…"`, `'''…'''`, `"""…"""`): where it ends and
/// the byte range of its content. A single-line string stops at the line end if unclosed.
/// `${…}` templates are skipped whole, quotes inside them included.
fn scan_string(b: &[u8], start: usize) -> (usize, (usize, usize)) {
    let q = b[start];
    let triple = b[start..].starts_with(&[q, q, q]);
    let open = if triple { 3 } else { 1 };
    let mut i = start + open;
    let mut depth = 0usize;
    while i < b.len() {
        let c = b[i];
        if depth > 0 {
            match c {
                b'{' => depth += 1,
                b'}' => depth -= 1,
                b'"' | b'\'' => {
                    // A string inside a template: skip to its closing quote on this line.
                    let mut j = i + 1;
                    while j < b.len() && b[j] != c && b[j] != b'\n' {
                        j += if b[j] == b'\\' { 2 } else { 1 };
                    }
                    i = j;
                }
                b'\n' if !triple => return (i, (start + open, i)),
                _ => {}
            }
            i += 1;
            continue;
        }
        match c {
            b'\\' => i += 2,
            b'\n' if !triple => return (i, (start + open, i)),
            b'$' if q == b'"' && b.get(i + 1) == Some(&b'{') => {
                depth = 1;
                i += 2;
            }
            c if c == q && (!triple || b[i..].starts_with(&[q, q, q])) => {
                return (i + open, (start + open, i));
            }
            _ => i += 1,
        }
    }
    let end = b.len();
    (end, (start + open, end))
}

fn memchr(b: &[u8], from: usize, needle: u8) -> Option<usize> {
    b.get(from..)?.iter().position(|c| *c == needle).map(|p| from + p)
}

fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    b.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| from + p)
}

/// Partners of `( )`, `[ ]`, `{ }`. A closer that does not match the innermost opener closes
/// the nearest matching one within a few levels (the ones skipped stay unmatched), or nothing.
fn match_brackets(text: &str, tokens: &[Token]) -> Vec<usize> {
    const LOOKBACK: usize = 64;
    let mut partner = vec![usize::MAX; tokens.len()];
    let mut stack: Vec<(usize, u8)> = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        if t.kind != Kind::Punct {
            continue;
        }
        let c = text.as_bytes()[t.start];
        let want = match c {
            b'(' | b'[' | b'{' => {
                stack.push((i, c));
                continue;
            }
            b')' => b'(',
            b']' => b'[',
            b'}' => b'{',
            _ => continue,
        };
        let floor = stack.len().saturating_sub(LOOKBACK);
        if let Some(k) = stack[floor..].iter().rposition(|(_, open)| *open == want) {
            let (open, _) = stack[floor + k];
            stack.truncate(floor + k);
            partner[open] = i;
            partner[i] = open;
        }
    }
    partner
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Flutter app template's android/app/build.gradle.kts, in its current shape.
    const FLUTTER_KTS: &str = r#"plugins {
    id("com.android.application")
    id("kotlin-android")
    // The Flutter Gradle Plugin must be applied after the Android and Kotlin Gradle plugins.
    id("dev.flutter.flutter-gradle-plugin")
}

android {
    namespace = "com.example.field_notes"
    compileSdk = flutter.compileSdkVersion
    ndkVersion = flutter.ndkVersion

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_11
        targetCompatibility = JavaVersion.VERSION_11
    }

    defaultConfig {
        // TODO: Specify your own unique Application ID.
        applicationId = "com.example.field_notes"
        // You can update the following values to match your application needs.
        minSdk = flutter.minSdkVersion
        targetSdk = flutter.targetSdkVersion
        versionCode = flutter.versionCode
        versionName = flutter.versionName
    }

    buildTypes {
        release {
            signingConfig = signingConfigs.getByName("debug")
        }
    }
}

flutter {
    source = "../.."
}
"#;

    /// An older Groovy Flutter app build.gradle with `def localProperties`.
    const FLUTTER_GROOVY: &str = r#"def localProperties = new Properties()
def localPropertiesFile = rootProject.file('local.properties')
if (localPropertiesFile.exists()) {
    localPropertiesFile.withReader('UTF-8') { reader ->
        localProperties.load(reader)
    }
}

def flutterRoot = localProperties.getProperty('flutter.sdk')
if (flutterRoot == null) {
    throw new GradleException("Flutter SDK not found. Define location with flutter.sdk in the local.properties file.")
}

def flutterVersionCode = localProperties.getProperty('flutter.versionCode')
if (flutterVersionCode == null) {
    flutterVersionCode = '1'
}

apply plugin: 'com.android.application'
apply plugin: 'kotlin-android'
apply from: "$flutterRoot/packages/flutter_tools/gradle/flutter.gradle"

android {
    compileSdkVersion flutter.compileSdkVersion
    ndkVersion flutter.ndkVersion

    /* targetSdkVersion 19 was the old default */
    defaultConfig {
        applicationId "com.example.field_notes"
        minSdkVersion flutter.minSdkVersion
        targetSdkVersion flutter.targetSdkVersion // keep in step with Flutter
        versionCode flutterVersionCode.toInteger()
    }

    buildTypes {
        release {
            signingConfig signingConfigs.debug
        }
    }
}

flutter {
    source '../..'
}
"#;

    /// A native app module that reads its levels from the version catalog.
    const NATIVE_KTS: &str = r#"plugins {
    alias(libs.plugins.android.application)
    alias(libs.plugins.kotlin.android)
}

android {
    namespace = "com.acme.tracker"
    compileSdk = libs.versions.compileSdk.get().toInt()

    defaultConfig {
        applicationId = "com.acme.tracker"
        minSdk = libs.versions.minSdk.get().toInt()
        targetSdk = libs.versions.targetSdk.get().toInt()
        versionCode = 7
        testInstrumentationRunner = "androidx.test.runner.AndroidJUnitRunner"
    }
}

dependencies {
    implementation(libs.androidx.work.runtime.ktx)
}
"#;

    const CATALOG: &str = r#"[versions]
agp = "8.7.3"
compileSdk = "35"
minSdk = "26"
targetSdk = 35
android-maxSdk = { strictly = "36" }
work = "2.10.0"

[libraries]
androidx-work-runtime-ktx = { group = "androidx.work", name = "work-runtime-ktx", version.ref = "work" }

[plugins]
android-application = { id = "com.android.application", version.ref = "agp" }
"#;

    /// A root build.gradle that shares its levels through `ext`.
    const ROOT_GROOVY: &str = r#"buildscript {
    ext {
        kotlin_version = '2.0.21'
        compileSdkVersion = 35
        targetSdkVersion = 34
        minSdkVersion = 23
        previewSdk = compileSdkVersion
    }
    repositories {
        google()
        mavenCentral()
    }
}

ext.versionCodeBase = 1000
ext.sdk = [min: 24, target: "34"]

allprojects {
    repositories {
        google()
    }
}
"#;

    fn located(text: &str, level: &Option<Located<SdkLevel>>) -> (SdkLevel, String) {
        let l = level.as_ref().expect("the level is found");
        (l.value.clone(), text[l.span.clone()].to_string())
    }

    fn sym(s: &str) -> SdkLevel {
        SdkLevel::Symbolic(s.to_string())
    }

    fn target(text: &str) -> Option<(SdkLevel, String)> {
        build_file(text).target_sdk.map(|l| (l.value, text[l.span].to_string()))
    }

    #[test]
    fn application_id_marks_an_application_module() {
        let app = "plugins { alias(libs.plugins.android) }\nandroid { defaultConfig { applicationId = \"org.example.clock\" } }\n";
        assert!(build_file(app).is_application);
        let library = "plugins { alias(libs.plugins.android.library) }\n// applicationId is not set in libraries\n";
        assert!(!build_file(library).is_application);
    }

    #[test]
    fn flutter_kotlin_template() {
        let facts = build_file(FLUTTER_KTS);
        assert!(facts.is_application);
        assert_eq!(
            located(FLUTTER_KTS, &facts.target_sdk),
            (sym("flutter.targetSdkVersion"), "flutter.targetSdkVersion".into())
        );
        assert_eq!(
            located(FLUTTER_KTS, &facts.min_sdk),
            (sym("flutter.minSdkVersion"), "flutter.minSdkVersion".into())
        );
        assert_eq!(
            located(FLUTTER_KTS, &facts.compile_sdk),
            (sym("flutter.compileSdkVersion"), "flutter.compileSdkVersion".into())
        );
    }

    #[test]
    fn flutter_groovy_template() {
        let facts = build_file(FLUTTER_GROOVY);
        assert!(facts.is_application);
        assert_eq!(
            located(FLUTTER_GROOVY, &facts.target_sdk),
            (sym("flutter.targetSdkVersion"), "flutter.targetSdkVersion".into())
        );
        assert_eq!(located(FLUTTER_GROOVY, &facts.min_sdk).0, sym("flutter.minSdkVersion"));
        assert_eq!(located(FLUTTER_GROOVY, &facts.compile_sdk).0, sym("flutter.compileSdkVersion"));
        // flutter.targetSdkVersion comes from the Flutter SDK, which bglint does not read.
        let symbols = GradleSymbols::default();
        assert_eq!(symbols.resolve(&sym("flutter.targetSdkVersion")), sym("flutter.targetSdkVersion"));
    }

    #[test]
    fn native_app_with_catalog() {
        let facts = build_file(NATIVE_KTS);
        assert!(facts.is_application);
        let (level, text) = located(NATIVE_KTS, &facts.target_sdk);
        assert_eq!(level, sym("libs.versions.targetSdk"));
        assert_eq!(text, "libs.versions.targetSdk.get().toInt()");
        let mut symbols = GradleSymbols::default();
        symbols.add_version_catalog(CATALOG).unwrap();
        assert_eq!(symbols.resolve(&level), SdkLevel::Literal(35), "an integer value");
        assert_eq!(symbols.resolve(&facts.min_sdk.unwrap().value), SdkLevel::Literal(26), "a string value");
        assert_eq!(symbols.resolve(&facts.compile_sdk.unwrap().value), SdkLevel::Literal(35));
        assert_eq!(symbols.resolve(&sym("libs.versions.android.maxSdk")), SdkLevel::Literal(36), "rich version");
        assert_eq!(symbols.resolve(&sym("libs.versions.work")), sym("libs.versions.work"), "not a number");
        assert_eq!(symbols.resolve(&sym("libs.versions.nothing")), sym("libs.versions.nothing"));
    }

    #[test]
    fn catalog_key_separators() {
        let mut symbols = GradleSymbols::default();
        symbols
            .add_version_catalog(
                "[versions]\nandroid-targetSdk = \"34\"\nandroid_minSdk = 24\n\"android.compileSdk\" = 35\n",
            )
            .unwrap();
        assert_eq!(symbols.resolve(&sym("libs.versions.android.targetSdk")), SdkLevel::Literal(34));
        assert_eq!(symbols.resolve(&sym("libs.versions.android.minSdk")), SdkLevel::Literal(24));
        assert_eq!(symbols.resolve(&sym("libs.versions.android.compileSdk")), SdkLevel::Literal(35));
    }

    #[test]
    fn catalog_errors() {
        let mut symbols = GradleSymbols::default();
        let error = symbols.add_version_catalog("[versions]\ntargetSdk = \n").unwrap_err();
        assert!(error.message.starts_with("the version catalog is not valid TOML"), "{}", error.message);
        assert!(error.span.is_some());
        let error = symbols.add_version_catalog("versions = 3\n").unwrap_err();
        assert!(error.message.contains("not a table"));
        assert!(symbols.add_version_catalog("").is_ok());
        assert!(symbols.add_version_catalog("\u{feff}[versions]\nx = 1\n").is_ok());
        let text = "\u{feff}[versions]\nx = = 1\n";
        let span = symbols.add_version_catalog(text).unwrap_err().span.unwrap();
        assert!(span.start >= "\u{feff}[versions]\n".len(), "{span:?}");
        let deep = format!("[versions]\nx = {}1{}\n", "[".repeat(100_000), "]".repeat(100_000));
        assert!(std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || GradleSymbols::default().add_version_catalog(&deep).is_err())
            .unwrap()
            .join()
            .unwrap());
    }

    #[test]
    fn root_ext_block_resolves_module_references() {
        let mut symbols = GradleSymbols::default();
        symbols.add_build_script(ROOT_GROOVY);
        let module = "android {\n    compileSdkVersion rootProject.ext.compileSdkVersion\n    defaultConfig {\n        targetSdkVersion rootProject.ext.targetSdkVersion\n        minSdkVersion rootProject.minSdkVersion\n    }\n}\n";
        let facts = build_file(module);
        assert_eq!(
            located(module, &facts.target_sdk),
            (sym("rootProject.ext.targetSdkVersion"), "rootProject.ext.targetSdkVersion".into())
        );
        assert_eq!(symbols.resolve(&facts.target_sdk.unwrap().value), SdkLevel::Literal(34));
        assert_eq!(symbols.resolve(&facts.min_sdk.unwrap().value), SdkLevel::Literal(23));
        assert_eq!(symbols.resolve(&facts.compile_sdk.unwrap().value), SdkLevel::Literal(35));
        assert!(!facts.is_application);
        assert_eq!(symbols.resolve(&sym("ext.targetSdkVersion")), SdkLevel::Literal(34));
        assert_eq!(symbols.resolve(&sym("targetSdkVersion")), SdkLevel::Literal(34), "Groovy reads ext by bare name");
        assert_eq!(symbols.resolve(&sym("rootProject.ext.previewSdk")), SdkLevel::Literal(35), "a name naming a name");
        assert_eq!(symbols.resolve(&sym("rootProject.ext.sdk.min")), SdkLevel::Literal(24), "a Groovy map");
        assert_eq!(symbols.resolve(&sym("sdk.target")), SdkLevel::Literal(34));
        assert_eq!(symbols.resolve(&sym("rootProject.ext.kotlin_version")), sym("rootProject.ext.kotlin_version"));
        assert_eq!(symbols.resolve(&SdkLevel::Unknown), SdkLevel::Unknown);
        assert_eq!(symbols.resolve(&SdkLevel::Literal(3)), SdkLevel::Literal(3));
    }

    #[test]
    fn kotlin_extra_forms() {
        let root = r#"
val targetSdkLevel by extra(34)
val minSdkLevel: Int by extra(24)
extra["compileSdkLevel"] = 35
rootProject.extra["maxSdk"] = "36"
extra.set("ndkLevel", 27)
extra.apply {
    set("wearSdk", 30)
}
project.ext.tvSdk = 31
ext {
    set('autoSdk', 29)
    def unused = 1
}
"#;
        let mut symbols = GradleSymbols::default();
        symbols.add_build_script(root);
        for (name, n) in [
            ("rootProject.extra.targetSdkLevel", 34),
            ("rootProject.extra.minSdkLevel", 24),
            ("project.compileSdkLevel", 35),
            ("extra.maxSdk", 36),
            ("ndkLevel", 27),
            ("wearSdk", 30),
            ("rootProject.ext.tvSdk", 31),
            ("autoSdk", 29),
        ] {
            assert_eq!(symbols.resolve(&sym(name)), SdkLevel::Literal(n), "{name}");
        }
    }

    #[test]
    fn properties_file() {
        let mut symbols = GradleSymbols::default();
        symbols.add_properties(
            "# Project-wide Gradle settings.\norg.gradle.jvmargs=-Xmx2048m\nandroid.useAndroidX=true\ntargetSdk=34\nminSdk : 24\ncompileSdk 35\nlong=3\\\n5\n! comment\nflutter.targetSdkVersion=33\n",
        );
        assert_eq!(symbols.resolve(&sym("project.targetSdk")), SdkLevel::Literal(34));
        assert_eq!(symbols.resolve(&sym("minSdk")), SdkLevel::Literal(24));
        assert_eq!(symbols.resolve(&sym("rootProject.compileSdk")), SdkLevel::Literal(35));
        assert_eq!(symbols.resolve(&sym("long")), SdkLevel::Literal(35), "continued line");
        assert_eq!(symbols.resolve(&sym("android.useAndroidX")), sym("android.useAndroidX"));
        assert_eq!(
            symbols.resolve(&sym("flutter.targetSdkVersion")),
            sym("flutter.targetSdkVersion"),
            "a dotted expression does not read a dotted property"
        );
        assert_eq!(
            symbols.resolve(&sym("project.flutter.targetSdkVersion")),
            SdkLevel::Literal(33),
            "property(\"…\") does"
        );
    }

    #[test]
    fn ext_wins_over_properties() {
        let mut symbols = GradleSymbols::default();
        symbols.add_properties("targetSdk=33\n");
        symbols.add_build_script("ext.targetSdk = 35\n");
        assert_eq!(symbols.resolve(&sym("targetSdk")), SdkLevel::Literal(35));
    }

    #[test]
    fn literal_forms() {
        for (text, value) in [
            ("targetSdk = 35", "35"),
            ("targetSdkVersion 34", "34"),
            ("targetSdk 34", "34"),
            ("targetSdkVersion(34)", "34"),
            ("setTargetSdkVersion(34)", "34"),
            ("targetSdkVersion \"34\"", "\"34\""),
            ("targetSdkVersion '34'", "'34'"),
            ("targetSdk = 35;", "35"),
            ("android.defaultConfig.targetSdk = 35", "35"),
            ("defaultConfig { targetSdk 35 }", "35"),
            ("targetSdk =\n    35", "35"),
            ("targetSdkVersion(\n    34\n)", "34"),
        ] {
            let got = target(text).unwrap_or_else(|| panic!("{text:?}"));
            assert_eq!(got.1, value, "{text:?}");
            assert!(matches!(got.0, SdkLevel::Literal(34 | 35)), "{text:?}: {:?}", got.0);
        }
        let compile = build_file("android { compileSdkVersion 'android-34' }").compile_sdk.unwrap();
        assert_eq!(compile.value, SdkLevel::Literal(34));
        let text = "android {\n  compileSdk {\n    version = release(36)\n  }\n}\n";
        let compile = build_file(text).compile_sdk.unwrap();
        assert_eq!((compile.value, &text[compile.span]), (SdkLevel::Literal(36), "release(36)"));
        let text = "compileSdk {\n  version = release(36) {\n    minorApiLevel = 1\n  }\n}\n";
        assert_eq!(build_file(text).compile_sdk.unwrap().value, SdkLevel::Literal(36));
        let text = "compileSdk {\n  version = preview(\"Baklava\")\n}\n";
        assert_eq!(build_file(text).compile_sdk.unwrap().value, SdkLevel::Unknown);
        let text = "minSdk { version = release(24) }";
        assert_eq!(build_file(text).min_sdk.unwrap().value, SdkLevel::Literal(24));
    }

    #[test]
    fn symbolic_forms() {
        for (text, name, value) in [
            ("targetSdkVersion flutter.targetSdkVersion", "flutter.targetSdkVersion", "flutter.targetSdkVersion"),
            (
                "targetSdk = libs.versions.targetSdk.get().toInt()",
                "libs.versions.targetSdk",
                "libs.versions.targetSdk.get().toInt()",
            ),
            (
                "targetSdk libs.versions.targetSdk.get().toInteger()",
                "libs.versions.targetSdk",
                "libs.versions.targetSdk.get().toInteger()",
            ),
            (
                "targetSdkVersion libs.versions.targetSdk.get() as Integer",
                "libs.versions.targetSdk",
                "libs.versions.targetSdk.get() as Integer",
            ),
            (
                "targetSdkVersion rootProject.ext.targetSdkVersion",
                "rootProject.ext.targetSdkVersion",
                "rootProject.ext.targetSdkVersion",
            ),
            (
                "targetSdkVersion rootProject.targetSdkVersion",
                "rootProject.targetSdkVersion",
                "rootProject.targetSdkVersion",
            ),
            (
                "targetSdkVersion project.property(\"targetSdk\")",
                "project.targetSdk",
                "project.property(\"targetSdk\")",
            ),
            (
                "targetSdk = (property(\"targetSdk\") as String).toInt()",
                "project.targetSdk",
                "(property(\"targetSdk\") as String).toInt()",
            ),
            (
                "targetSdk = providers.gradleProperty(\"targetSdk\").get().toInt()",
                "project.targetSdk",
                "providers.gradleProperty(\"targetSdk\").get().toInt()",
            ),
            (
                "targetSdk = findProperty(\"targetSdk\")!!.toString().toInt()",
                "project.targetSdk",
                "findProperty(\"targetSdk\")!!.toString().toInt()",
            ),
            (
                "targetSdkVersion Integer.parseInt(project.property('targetSdk'))",
                "project.targetSdk",
                "Integer.parseInt(project.property('targetSdk'))",
            ),
            (
                "targetSdkVersion Integer.parseInt(rootProject.ext.targetSdk as String)",
                "rootProject.ext.targetSdk",
                "Integer.parseInt(rootProject.ext.targetSdk as String)",
            ),
            (
                "targetSdkVersion rootProject.ext[\"targetSdk\"]",
                "rootProject.ext.targetSdk",
                "rootProject.ext[\"targetSdk\"]",
            ),
            (
                "targetSdk = rootProject.extra[\"targetSdk\"] as Int",
                "rootProject.extra.targetSdk",
                "rootProject.extra[\"targetSdk\"] as Int",
            ),
            ("targetSdk = Versions.targetSdk", "Versions.targetSdk", "Versions.targetSdk"),
            ("targetSdk = BuildConfig.TARGET_SDK", "BuildConfig.TARGET_SDK", "BuildConfig.TARGET_SDK"),
            ("targetSdk = AndroidSdk\n    .target", "AndroidSdk.target", "AndroidSdk\n    .target"),
            (
                "targetSdkVersion \"${rootProject.ext.targetSdk}\"",
                "rootProject.ext.targetSdk",
                "\"${rootProject.ext.targetSdk}\"",
            ),
            ("targetSdkVersion targetSdk", "targetSdk", "targetSdk"),
        ] {
            let got = target(text).unwrap_or_else(|| panic!("{text:?}"));
            assert_eq!(got, (sym(name), value.to_string()), "{text:?}");
        }
    }

    #[test]
    fn unknown_forms() {
        for (text, value) in [
            ("targetSdk = 33 + 1", "33 + 1"),
            (
                "targetSdk = localProperties.getProperty('flutter.targetSdkVersion') ?: 34",
                "localProperties.getProperty('flutter.targetSdkVersion') ?: 34",
            ),
            ("targetSdkVersion \"UpsideDownCake\"", "\"UpsideDownCake\""),
            ("targetSdk = if (ci) 35 else 34", "if (ci) 35 else 34"),
            ("targetSdk = 99999999999", "99999999999"),
            ("targetSdkVersion(34, 35)", "34, 35"),
            ("targetSdk = null", "null"),
        ] {
            assert_eq!(target(text), Some((SdkLevel::Unknown, value.to_string())), "{text:?}");
        }
    }

    #[test]
    fn skips_comments_strings_and_lookalikes() {
        let text = r#"
// targetSdk = 20
/* targetSdkVersion 21
   targetSdk 22 */
println("targetSdk 23")
def message = """
targetSdk = 24
"""
android {
    defaultConfig {
        targetSdkPreview "UpsideDownCake"
        compileSdkPreview = "Baklava"
        if (targetSdk == 30) { println('x') }
        val x = targetSdk
        ext.targetSdk = 25
        targetSdk = 35
    }
}
"#;
        let facts = build_file(text);
        let target = facts.target_sdk.unwrap();
        assert_eq!((target.value, &text[target.span]), (SdkLevel::Literal(35), "35"));
        assert!(facts.compile_sdk.is_none());
        assert!(build_file("targetSdkPreview \"UpsideDownCake\"").target_sdk.is_none());
        assert!(build_file("println(\"targetSdk 1\")").target_sdk.is_none());
        assert!(build_file("val targetSdk = 34").target_sdk.is_none(), "a local, not the setting");
        assert!(build_file("ext { targetSdk = 34 }").target_sdk.is_none(), "an extra property");
        assert!(build_file("targetSdk").target_sdk.is_none());
    }

    #[test]
    fn prefers_default_config() {
        let text = r#"
android {
    compileSdk = 33
    productFlavors {
        create("legacy") {
            targetSdk = 28
        }
    }
    defaultConfig {
        if (project.hasProperty("beta")) {
            minSdk = 21
        }
        targetSdk = 34
        minSdk = 24
        targetSdk = 35
    }
    compileSdk = 35
}
"#;
        let facts = build_file(text);
        assert_eq!(facts.target_sdk.unwrap().value, SdkLevel::Literal(35), "the last in defaultConfig");
        assert_eq!(facts.min_sdk.unwrap().value, SdkLevel::Literal(24), "direct beats nested");
        assert_eq!(facts.compile_sdk.unwrap().value, SdkLevel::Literal(35), "compileSdk lives in android");
        let text = "android {\n  buildTypes {\n    debug { targetSdk 33 }\n    release { targetSdk 34 }\n  }\n}\n";
        assert_eq!(build_file(text).target_sdk.unwrap().value, SdkLevel::Literal(33), "else the first");
        let text = "defaultConfig {\n  if (x) {\n    targetSdk 33\n  } else {\n    targetSdk 34\n  }\n}\n";
        assert_eq!(build_file(text).target_sdk.unwrap().value, SdkLevel::Literal(33), "nested: the first");
    }

    #[test]
    fn local_definitions_are_substituted() {
        let text = "def sdk = 34\nval minLevel: Int = libs.versions.minSdk.get().toInt()\nandroid {\n  defaultConfig {\n    targetSdkVersion sdk\n    minSdk = minLevel\n  }\n}\n";
        let facts = build_file(text);
        let target = facts.target_sdk.unwrap();
        assert_eq!((target.value, &text[target.span]), (SdkLevel::Literal(34), "sdk"));
        assert_eq!(facts.min_sdk.unwrap().value, sym("libs.versions.minSdk"));
        let text = "def level = localProperties.getProperty('flutter.targetSdk')\ntargetSdkVersion level.toInteger()\n";
        assert_eq!(build_file(text).target_sdk.unwrap().value, sym("localProperties.flutter.targetSdk"));
    }

    #[test]
    fn application_plugin_forms() {
        for text in [
            "apply plugin: 'com.android.application'",
            "apply plugin: \"com.android.application\"",
            "plugins {\n    id(\"com.android.application\")\n}",
            "plugins {\n    id 'com.android.application'\n}",
            "plugins { id \"com.android.application\" }",
            "plugins {\n    alias(libs.plugins.android.application)\n}",
            "plugins {\n    alias(libs.plugins.androidApplication)\n}",
            "apply(plugin = \"com.android.application\")",
            "pluginManager.apply(\"com.android.application\")",
            "plugins {\n    id(\"nowinandroid.android.application\")\n}",
        ] {
            assert!(build_file(text).is_application, "{text:?}");
        }
        for text in [
            "apply plugin: 'com.android.library'",
            "plugins {\n    alias(libs.plugins.android.library)\n}",
            "plugins {\n    id(\"com.android.application\") version \"8.7.3\" apply false\n}",
            "plugins {\n    alias(libs.plugins.android.application) apply false\n}",
            "// apply plugin: 'com.android.application'",
            "// android { defaultConfig { applicationId \"com.example.app\" } }",
            "println(\"com.android.application\")",
        ] {
            assert!(!build_file(text).is_application, "{text:?}");
        }
    }

    #[test]
    fn every_prefix_never_panics() {
        let texts = [FLUTTER_KTS, FLUTTER_GROOVY, NATIVE_KTS, ROOT_GROOVY, CATALOG];
        for text in texts {
            for end in (0..=text.len()).filter(|i| text.is_char_boundary(*i)) {
                let prefix = &text[..end];
                let facts = build_file(prefix);
                for level in [&facts.target_sdk, &facts.min_sdk, &facts.compile_sdk].into_iter().flatten() {
                    assert!(prefix.get(level.span.clone()).is_some(), "{:?} in {prefix:?}", level.span);
                }
                let mut symbols = GradleSymbols::default();
                symbols.add_build_script(prefix);
                symbols.add_properties(prefix);
                let _ = symbols.add_version_catalog(prefix);
                let _ = symbols.resolve(&sym("rootProject.ext.targetSdkVersion"));
            }
        }
    }

    #[test]
    fn noise_and_unbalanced_input_never_panic() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let pieces = [
            "targetSdk",
            "minSdkVersion",
            "compileSdk",
            "ext",
            "extra",
            "=",
            " ",
            "\n",
            "(",
            ")",
            "{",
            "}",
            "[",
            "]",
            "\"",
            "'",
            "\"\"\"",
            "${",
            "/*",
            "*/",
            "//",
            ".",
            "?.",
            "as",
            "34",
            "release",
            "set",
            ",",
            ":",
            "é",
            "`",
            "\\",
            "alias",
            "id",
            "apply",
            "false",
            "val",
            "by",
            "def",
        ];
        for _ in 0..2_000 {
            let mut text = String::new();
            for _ in 0..(seed % 60) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push_str(pieces[(seed % pieces.len() as u64) as usize]);
            }
            let facts = build_file(&text);
            for level in [&facts.target_sdk, &facts.min_sdk, &facts.compile_sdk].into_iter().flatten() {
                assert!(text.get(level.span.clone()).is_some());
            }
            let mut symbols = GradleSymbols::default();
            symbols.add_build_script(&text);
            symbols.add_properties(&text);
            let _ = symbols.add_version_catalog(&text);
        }
        let bytes: Vec<u8> = (0..20_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        let text = String::from_utf8_lossy(&bytes);
        let _ = build_file(&text);
        GradleSymbols::default().add_build_script(&text);
    }

    #[test]
    fn huge_and_pathological_files() {
        let big = FLUTTER_GROOVY.repeat(2_000);
        assert!(build_file(&big).target_sdk.is_some());
        for unit in ["targetSdk = (\n", "{", "(", "targetSdk = [\n", "ext.a = [\n", "a.", "\"${", "targetSdk {\n"] {
            let text = unit.repeat(200_000);
            let _ = build_file(&text);
            GradleSymbols::default().add_build_script(&text);
        }
        // The same nestings closed again: every statement's brackets then span the rest.
        for (open, close) in [
            ("targetSdkVersion(\n", ")"),
            ("targetSdk = (\n", ")"),
            ("ext.a = [\n", "]"),
            ("ext.a = [b: [\n", "]]"),
            ("ext {\n", "}"),
            ("extra.set(\"a\", \n", ")"),
            ("val a by extra(\n", ")"),
            ("targetSdk {\n", "}"),
        ] {
            let text = format!("{}{}", open.repeat(50_000), close.repeat(50_000));
            let _ = build_file(&text);
            GradleSymbols::default().add_build_script(&text);
        }
    }
}
