//! Reads an `Info.plist` or `*.entitlements` file into [`InfoPlistFacts`] / [`EntitlementsFacts`]
//! (rules-catalog §1.3).
//!
//! Three formats are read: XML (through roxmltree, with byte-range spans for code frames), binary
//! `bplist00` and the old OpenStep/ASCII format (both through the `plist` crate, with empty
//! spans). Only the top-level dictionary is looked at: a nested dictionary's `UIBackgroundModes`
//! (say, in `NSExtension`) is not the app's.
//!
//! Hostile input is refused with a [`ConfigError`], never a panic: XML entity declarations (bombs),
//! binary plists whose shared objects expand exponentially, and binary/OpenStep nesting deeper
//! than [`MAX_DEPTH`] (the serde walk recurses). XML nesting is not limited: roxmltree parses
//! without recursion and only the top-level dictionary's children are visited.
//!
//! Leniency, so one odd entry does not hide the rest of the file:
//! - a list key (`UIBackgroundModes`, `BGTaskSchedulerPermittedIdentifiers`) whose value is not an
//!   array is treated as absent (`None`): it declares no list, and guessing one would make rules
//!   report on modes nobody wrote; non-string items in the array are skipped;
//! - keys and string values are trimmed of surrounding whitespace;
//! - a duplicated key: the last value wins (as when a dictionary is built from the file);
//! - an XML `<key>` with no value element after it still counts as present (location keys,
//!   `NSExtension`, entitlement keys) but has no value.

use std::cell::Cell;

use roxmltree::{Document, Node, ParsingOptions};

use super::xml::{is_element, parse_error, start_tag_span, written_tag_name};
use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::project::facts::{ConfigError, EntitlementsFacts, InfoPlistFacts, Located, StringList};
use crate::source::Span;

const BACKGROUND_MODES: &str = "UIBackgroundModes";
const PERMITTED_IDENTIFIERS: &str = "BGTaskSchedulerPermittedIdentifiers";
const LOCATION_USAGE_KEYS: [&str; 3] = [
    "NSLocationAlwaysAndWhenInUseUsageDescription",
    "NSLocationAlwaysUsageDescription",
    "NSLocationWhenInUseUsageDescription",
];
const EXTENSION: &str = "NSExtension";
const PACKAGE_TYPE: &str = "CFBundlePackageType";
const APS_ENVIRONMENT: &str = "aps-environment";

/// A binary plist may share one object between many parents, so a small file can describe an
/// exponentially large tree. Real Info.plists have a few thousand values; stop well past that.
const MAX_VALUES: usize = 1 << 18;
/// Same guard for the text those values carry (a shared long string repeated many times).
const MAX_DECODED_BYTES: usize = 1 << 26;

/// Reads an Info.plist (XML or binary). Spans are byte ranges into `bytes` (which for XML is the
/// UTF-8 text shown in code frames); binary plists give empty spans 0..0, and so do OpenStep-format
/// ones (read for completeness; Xcode no longer writes them).
pub fn info_plist(bytes: &[u8]) -> Result<InfoPlistFacts, ConfigError> {
    let mut facts = InfoPlistFacts::default();
    let (entries, dict_span) = top_level_entries(bytes)?;
    facts.top_dict_span = dict_span;
    for entry in entries {
        let name = entry.key.value.as_str();
        if name == BACKGROUND_MODES || name == PERMITTED_IDENTIFIERS {
            // Not an array (or no value at all): no list was declared, so the key counts as absent.
            let list = match entry.value {
                Some(Value::Array(items)) => Some(StringList { key_span: entry.key.span, items }),
                _ => None,
            };
            if name == BACKGROUND_MODES {
                facts.background_modes = list;
            } else {
                facts.permitted_task_ids = list;
            }
        } else if LOCATION_USAGE_KEYS.contains(&name) {
            push_unique(&mut facts.location_usage_keys, entry.key);
        } else if name == EXTENSION {
            facts.is_extension = true;
        } else if name == PACKAGE_TYPE {
            if let Some(Value::String(value)) = entry.value {
                facts.bundle_package_type = Some(value.value);
            }
        }
    }
    Ok(facts)
}

/// Reads a *.entitlements file (same formats).
pub fn entitlements(bytes: &[u8]) -> Result<EntitlementsFacts, ConfigError> {
    let mut facts = EntitlementsFacts::default();
    for entry in top_level_entries(bytes)?.0 {
        if entry.key.value == APS_ENVIRONMENT {
            facts.aps_environment = match entry.value {
                Some(Value::String(value)) => Some(value),
                _ => None,
            };
        }
        push_unique(&mut facts.keys, entry.key);
    }
    Ok(facts)
}

/// true when the bytes are a binary plist (start with b"bplist00") so the caller knows there is no
/// text for code frames.
pub fn is_binary(bytes: &[u8]) -> bool {
    bytes.starts_with(b"bplist00")
}

/// One key of the top-level dictionary and what the facts need of its value.
struct Entry {
    key: Located<String>,
    /// `None` only for an XML `<key>` with no value element after it.
    value: Option<Value>,
}

enum Value {
    String(Located<String>),
    /// The array's string items; other items are dropped.
    Array(Vec<Located<String>>),
    Other,
}

/// A repeated key keeps its first position in the list and its last span (the value that wins).
fn push_unique(list: &mut Vec<Located<String>>, key: Located<String>) {
    match list.iter_mut().find(|k| k.value == key.value) {
        Some(existing) => existing.span = key.span,
        None => list.push(key),
    }
}

/// Picks the format by its first bytes and reads the top-level dictionary's entries in order.
/// Also returns the top-level `<dict>` start tag's span (empty for binary and OpenStep files).
fn top_level_entries(bytes: &[u8]) -> Result<(Vec<Entry>, Span), ConfigError> {
    if bytes.is_empty() {
        return Err(ConfigError::new("the property list is empty", None));
    }
    if is_binary(bytes) {
        return serde_entries("binary property list", || plist::from_bytes(bytes)).map(|e| (e, 0..0));
    }
    if bytes.starts_with(b"bplist") {
        let version = String::from_utf8_lossy(&bytes[..bytes.len().min(8)]).into_owned();
        return Err(ConfigError::new(
            format!("unsupported binary property list format `{version}` (only bplist00 is read)"),
            None,
        ));
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(ConfigError::new("UTF-16 property lists are not supported: save the file as UTF-8", None));
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = body.iter().position(|b| !b.is_ascii_whitespace());
    match start.map(|i| body[i]) {
        None => Err(ConfigError::new("the property list is empty", None)),
        Some(b'<') => xml_entries(bytes),
        // Neither XML nor binary: the OpenStep format (`{ UIBackgroundModes = (fetch); }`).
        Some(_) => serde_entries("OpenStep-format property list", || plist::from_reader_ascii(body)).map(|e| (e, 0..0)),
    }
}

// ---------------------------------------------------------------------------------------------
// XML

fn xml_entries(bytes: &[u8]) -> Result<(Vec<Entry>, Span), ConfigError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        ConfigError::new(format!("the property list is not valid UTF-8 (invalid byte at offset {at})"), Some(at..at))
    })?;
    // Plists never declare entities. roxmltree stops nested "billion laughs" expansions itself,
    // but not one large entity referenced many times from the document (memory grows with the
    // product), so declarations are refused before parsing.
    if let Some(at) = text.find("<!ENTITY") {
        return Err(ConfigError::new(
            "the property list declares XML entities (<!ENTITY …>), which plists never use; refusing to expand them",
            Some(at..at + "<!ENTITY".len()),
        ));
    }
    // Apple's plists carry `<!DOCTYPE plist PUBLIC …>`, which roxmltree only accepts with DTDs on.
    let options = ParsingOptions { allow_dtd: true, ..ParsingOptions::default() };
    let doc = Document::parse_with_options(text, options)
        .map_err(|e| parse_error(&e, text, "plists only use Apple's DOCTYPE"))?;

    let root = doc.root_element();
    if !is_element(root, "plist") {
        let name = written_tag_name(root, text);
        return Err(ConfigError::new(
            format!("not a property list: the root element is <{name}>, not <plist>"),
            Some(start_tag_span(root, text)),
        ));
    }
    let Some(dict) = root.children().find(Node::is_element) else {
        return Err(ConfigError::new(
            "not a property list: <plist> is empty, it should hold a <dict>",
            Some(start_tag_span(root, text)),
        ));
    };
    if !is_element(dict, "dict") {
        let name = written_tag_name(dict, text);
        return Err(ConfigError::new(
            format!("not a property list: <plist> holds <{name}>, not a <dict>"),
            Some(start_tag_span(dict, text)),
        ));
    }

    // Keys and values alternate as sibling elements; comments and whitespace between them are
    // not elements, so they are skipped.
    let mut entries = Vec::new();
    let mut pending_key: Option<Located<String>> = None;
    for child in dict.children().filter(Node::is_element) {
        if is_element(child, "key") {
            if let Some(key) = pending_key.replace(Located::new(element_text(child), child.range())) {
                entries.push(Entry { key, value: None });
            }
        } else if let Some(key) = pending_key.take() {
            entries.push(Entry { key, value: Some(xml_value(child)) });
        }
        // A value without a key before it is malformed; it cannot be attributed, so it is skipped.
    }
    if let Some(key) = pending_key {
        entries.push(Entry { key, value: None });
    }
    Ok((entries, start_tag_span(dict, text)))
}

fn xml_value(node: Node) -> Value {
    if is_element(node, "string") {
        Value::String(Located::new(element_text(node), node.range()))
    } else if is_element(node, "array") {
        let items = node
            .children()
            .filter(|n| is_element(*n, "string"))
            .map(|n| Located::new(element_text(n), n.range()))
            .collect();
        Value::Array(items)
    } else {
        Value::Other
    }
}

/// The element's text with entities and CDATA resolved, trimmed. roxmltree may split text
/// around CDATA sections or comments, so every direct text child is joined.
fn element_text(node: Node) -> String {
    let mut text = String::new();
    for part in node.children().filter(Node::is_text).filter_map(|n| n.text()) {
        text.push_str(part);
    }
    match text.trim() {
        trimmed if trimmed.len() == text.len() => text,
        trimmed => trimmed.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Binary and OpenStep: no text, so empty spans

// The `plist` crate's event readers are only public behind an unstable feature, and a
// `plist::Value` drops recursively, so its serde deserializer is driven with a visitor that keeps
// only what the facts need, bounds the nesting depth and counts values as it goes.

thread_local! {
    /// Why [`Walk`] stopped, in plain words: serde errors can only carry it Debug-escaped.
    static REFUSAL: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Runs `read` (one of the `plist` crate's serde readers) and words its errors; `format` names the
/// file's format in messages.
fn serde_entries(
    format: &str,
    read: impl FnOnce() -> Result<TopLevel, plist::Error>,
) -> Result<Vec<Entry>, ConfigError> {
    REFUSAL.with_borrow_mut(Option::take);
    let error = match read() {
        Ok(TopLevel(entries)) => return Ok(entries),
        Err(error) => error,
    };
    let message = match REFUSAL.with_borrow_mut(Option::take) {
        Some(refusal) => refusal,
        None if error.is_eof() || error.is_io() => format!("the {format} is truncated or corrupt: {error}"),
        None => format!("could not read the {format}: {error}"),
    };
    Err(ConfigError::new(message, None))
}

/// The top-level dictionary's entries, read through serde.
struct TopLevel(Vec<Entry>);

impl<'de> Deserialize<'de> for TopLevel {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let budget = Budget::default();
        match deserializer.deserialize_any(Walk { budget: &budget, depth: 0, role: Role::Top })? {
            Kept::Entries(entries) => Ok(TopLevel(entries)),
            _ => Err(refuse("not a property list: the top level is not a dictionary".to_string())),
        }
    }
}

/// Values seen so far (see [`MAX_VALUES`]).
#[derive(Default)]
struct Budget {
    values: Cell<usize>,
    bytes: Cell<usize>,
}

/// Records a plain-words reason and returns the error that unwinds the deserializer.
fn refuse<E: de::Error>(message: String) -> E {
    let error = E::custom(&message);
    REFUSAL.with_borrow_mut(|refusal| *refusal = Some(message));
    error
}

/// Where a value sits, which decides what is kept of it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    /// The plist's root: must be a dictionary.
    Top,
    /// A key of the top-level dictionary: must be a string.
    Key,
    /// A value of the top-level dictionary: strings and arrays of strings are kept.
    Value,
    /// An item of such an array: strings are kept.
    Item,
    /// Anything deeper: only walked.
    Skip,
}

enum Kept {
    Entries(Vec<Entry>),
    String(String),
    Strings(Vec<Located<String>>),
    Nothing,
}

/// Nesting deeper than this is refused: serde's walk recurses, and no real plist comes close.
const MAX_DEPTH: usize = 64;

struct Walk<'b> {
    budget: &'b Budget,
    depth: usize,
    role: Role,
}

impl Walk<'_> {
    fn child(&self, role: Role) -> Self {
        Walk { budget: self.budget, depth: self.depth + 1, role }
    }

    /// Counts one value of `kind` (and its text) and checks what may stand in this role.
    fn visit<E: de::Error>(&self, kind: &str, text_len: usize) -> Result<(), E> {
        let values = self.budget.values.get() + 1;
        let bytes = self.budget.bytes.get() + text_len;
        self.budget.values.set(values);
        self.budget.bytes.set(bytes);
        if values > MAX_VALUES || bytes > MAX_DECODED_BYTES {
            return Err(refuse(format!(
                "the property list expands to more than {MAX_VALUES} values or {} MiB of text; refusing to \
                 read further (its objects are probably shared many times over)",
                MAX_DECODED_BYTES >> 20
            )));
        }
        match self.role {
            Role::Top if kind != "a dictionary" => {
                Err(refuse(format!("not a property list: the top level is {kind}, not a dictionary")))
            }
            Role::Key if kind != "a string" => {
                Err(refuse(format!("a key of the top-level dictionary is {kind}, not a string")))
            }
            _ if self.depth >= MAX_DEPTH && (kind == "an array" || kind == "a dictionary") => {
                Err(refuse(format!("the property list is nested more than {MAX_DEPTH} levels deep")))
            }
            _ => Ok(()),
        }
    }

    fn scalar<E: de::Error>(&self, kind: &str) -> Result<Kept, E> {
        self.visit(kind, 0)?;
        Ok(Kept::Nothing)
    }
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = Kept;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Kept, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = Kept;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a property-list value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Kept, E> {
        self.scalar("a boolean")
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Kept, E> {
        self.scalar("an integer")
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Kept, E> {
        self.scalar("an integer")
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Kept, E> {
        self.scalar("a real number")
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Kept, E> {
        self.visit("data", v.len())?;
        Ok(Kept::Nothing)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Kept, E> {
        self.visit("a string", v.len())?;
        Ok(match self.role {
            Role::Key | Role::Value | Role::Item => Kept::String(v.trim().to_string()),
            Role::Top | Role::Skip => Kept::Nothing,
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Kept, A::Error> {
        self.visit("an array", 0)?;
        let mut items = Vec::new();
        let role = if self.role == Role::Value { Role::Item } else { Role::Skip };
        while let Some(item) = seq.next_element_seed(self.child(role))? {
            if let Kept::String(item) = item {
                items.push(Located::new(item, 0..0));
            }
        }
        Ok(if self.role == Role::Value { Kept::Strings(items) } else { Kept::Nothing })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Kept, A::Error> {
        self.visit("a dictionary", 0)?;
        if self.role != Role::Top {
            while map.next_key_seed(self.child(Role::Skip))?.is_some() {
                map.next_value_seed(self.child(Role::Skip))?;
            }
            return Ok(Kept::Nothing);
        }
        let mut entries = Vec::new();
        while let Some(key) = map.next_key_seed(self.child(Role::Key))? {
            let Kept::String(key) = key else { unreachable!("Role::Key only accepts strings") };
            let value = match map.next_value_seed(self.child(Role::Value))? {
                Kept::String(value) => Value::String(Located::new(value, 0..0)),
                Kept::Strings(items) => Value::Array(items),
                Kept::Entries(_) | Kept::Nothing => Value::Other,
            };
            entries.push(Entry { key: Located::new(key, 0..0), value: Some(value) });
        }
        Ok(Kept::Entries(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::xml::byte_offset;
    use roxmltree::TextPos;

    const HEADER: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
        <!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n";

    fn xml(body: &str) -> String {
        format!("{HEADER}<plist version=\"1.0\">\n<dict>\n{body}\n</dict>\n</plist>\n")
    }

    fn info(text: &str) -> InfoPlistFacts {
        info_plist(text.as_bytes()).unwrap_or_else(|e| panic!("{e:?}"))
    }

    fn err(bytes: &[u8]) -> ConfigError {
        match info_plist(bytes) {
            Ok(facts) => panic!("expected an error, got {facts:?}"),
            Err(e) => e,
        }
    }

    fn values(list: &StringList) -> Vec<&str> {
        list.items.iter().map(|i| i.value.as_str()).collect()
    }

    #[test]
    fn apple_xml_plist_with_spans() {
        let text = xml(
            "  <key>CFBundleName</key>\n  <string>Runner</string>\n\
               <key>UIBackgroundModes</key>\n  <array>\n    <string>fetch</string>\n    <string>processing</string>\n  </array>\n\
               <key>BGTaskSchedulerPermittedIdentifiers</key>\n  <array>\n    <string>com.acme.refresh</string>\n  </array>\n\
               <key>NSLocationWhenInUseUsageDescription</key>\n  <string>Maps</string>\n\
               <key>NSLocationAlwaysAndWhenInUseUsageDescription</key>\n  <string>Tracking</string>",
        );
        let facts = info(&text);
        let modes = facts.background_modes.as_ref().unwrap();
        assert_eq!(values(modes), ["fetch", "processing"]);
        assert_eq!(&text[modes.key_span.clone()], "<key>UIBackgroundModes</key>");
        assert_eq!(&text[modes.items[0].span.clone()], "<string>fetch</string>");
        assert_eq!(&text[modes.items[1].span.clone()], "<string>processing</string>");
        assert!(facts.has_mode("fetch") && !facts.has_mode("location"));

        let ids = facts.permitted_task_ids.as_ref().unwrap();
        assert_eq!(values(ids), ["com.acme.refresh"]);
        assert_eq!(&text[ids.key_span.clone()], "<key>BGTaskSchedulerPermittedIdentifiers</key>");
        assert_eq!(&text[ids.items[0].span.clone()], "<string>com.acme.refresh</string>");

        let keys: Vec<_> = facts.location_usage_keys.iter().map(|k| k.value.as_str()).collect();
        assert_eq!(keys, ["NSLocationWhenInUseUsageDescription", "NSLocationAlwaysAndWhenInUseUsageDescription"]);
        assert_eq!(
            &text[facts.location_usage_keys[1].span.clone()],
            "<key>NSLocationAlwaysAndWhenInUseUsageDescription</key>"
        );
        assert!(!facts.is_extension);
        assert!(!is_binary(text.as_bytes()));
    }

    #[test]
    fn absent_keys_are_none() {
        let facts = info(&xml("<key>CFBundleName</key><string>Runner</string>"));
        assert!(facts.background_modes.is_none());
        assert!(facts.permitted_task_ids.is_none());
        assert!(facts.location_usage_keys.is_empty());
        assert!(!facts.is_extension);
        // An empty top-level dict is a valid plist too.
        assert!(info(&xml("")).background_modes.is_none());
        assert!(info("<plist><dict/></plist>").background_modes.is_none());
    }

    #[test]
    fn empty_array_is_declared_empty() {
        let text =
            xml("<key>UIBackgroundModes</key><array/>\n<key>BGTaskSchedulerPermittedIdentifiers</key><array></array>");
        let facts = info(&text);
        let modes = facts.background_modes.unwrap();
        assert!(modes.items.is_empty());
        assert_eq!(&text[modes.key_span], "<key>UIBackgroundModes</key>");
        assert!(facts.permitted_task_ids.unwrap().items.is_empty());
    }

    #[test]
    fn non_array_value_is_absent_and_non_string_items_are_skipped() {
        let facts = info(&xml(
            "<key>UIBackgroundModes</key><string>fetch</string>\n\
             <key>BGTaskSchedulerPermittedIdentifiers</key>\n<array><integer>1</integer><string>a</string>\
             <dict><key>x</key><string>b</string></dict><array><string>c</string></array><true/><string>d</string></array>",
        ));
        assert!(facts.background_modes.is_none());
        assert_eq!(values(facts.permitted_task_ids.as_ref().unwrap()), ["a", "d"]);

        let facts = info(&xml("<key>UIBackgroundModes</key><dict/>"));
        assert!(facts.background_modes.is_none());
    }

    #[test]
    fn comments_and_whitespace_between_key_and_value() {
        let text = xml(
            "<key>UIBackgroundModes</key>\n  <!-- modes the app needs -->\n\n  <array>\n<!-- first -->\n<string>fetch</string>\n  </array>",
        );
        let modes = info(&text).background_modes.unwrap();
        assert_eq!(values(&modes), ["fetch"]);
        assert_eq!(&text[modes.items[0].span.clone()], "<string>fetch</string>");
    }

    #[test]
    fn entities_and_cdata_in_strings() {
        let text = xml("<key>BGTaskSchedulerPermittedIdentifiers</key><array>\
             <string>com.acme.a&amp;b</string><string><![CDATA[com.acme.<c>]]></string>\
             <string>com.&#x61;cme.d</string><string>x<!-- c -->y</string></array>");
        let ids = info(&text).permitted_task_ids.unwrap();
        assert_eq!(values(&ids), ["com.acme.a&b", "com.acme.<c>", "com.acme.d", "xy"]);
        assert_eq!(&text[ids.items[0].span.clone()], "<string>com.acme.a&amp;b</string>");
        assert_eq!(&text[ids.items[1].span.clone()], "<string><![CDATA[com.acme.<c>]]></string>");
    }

    #[test]
    fn utf8_bom_keeps_spans_into_the_bytes() {
        let text = format!("\u{feff}{}", xml("<key>UIBackgroundModes</key><array><string>fetch</string></array>"));
        let modes = info(&text).background_modes.unwrap();
        assert_eq!(&text[modes.key_span.clone()], "<key>UIBackgroundModes</key>");
        assert_eq!(&text[modes.items[0].span.clone()], "<string>fetch</string>");
        // A BOM before an OpenStep plist is skipped too.
        assert!(info("\u{feff}{ UIBackgroundModes = (fetch); }").has_mode("fetch"));
    }

    #[test]
    fn crlf_line_endings() {
        let text = xml("<key>UIBackgroundModes</key>\r\n<array>\r\n<string>\r\nfetch\r\n</string>\r\n</array>")
            .replace('\n', "\r\n")
            .replace("\r\r\n", "\r\n");
        assert!(text.contains("\r\n") && !text.contains("\r\r"));
        let modes = info(&text).background_modes.unwrap();
        assert_eq!(values(&modes), ["fetch"]);
        assert_eq!(&text[modes.items[0].span.clone()], "<string>\r\nfetch\r\n</string>");
    }

    #[test]
    fn nested_dicts_do_not_count() {
        let text = xml(
            "<key>NSExtension</key>\n<dict>\n  <key>UIBackgroundModes</key><array><string>audio</string></array>\n\
               <key>NSLocationWhenInUseUsageDescription</key><string>x</string>\n</dict>\n\
             <key>Other</key><array><dict><key>UIBackgroundModes</key><array><string>voip</string></array></dict></array>",
        );
        let facts = info(&text);
        assert!(facts.background_modes.is_none());
        assert!(facts.location_usage_keys.is_empty());
        assert!(facts.is_extension);
    }

    #[test]
    fn surrounding_whitespace_is_trimmed() {
        let text = xml(
            "<key> UIBackgroundModes\n</key><array><string>  fetch \n</string><string>\tprocessing</string></array>",
        );
        let modes = info(&text).background_modes.unwrap();
        assert_eq!(values(&modes), ["fetch", "processing"]);
        assert_eq!(&text[modes.items[0].span.clone()], "<string>  fetch \n</string>");
    }

    #[test]
    fn extension_plist() {
        let facts =
            info(&xml("<key>NSExtension</key><dict><key>NSExtensionPointIdentifier</key><string>x</string></dict>"));
        assert!(facts.is_extension);
    }

    #[test]
    fn duplicate_key_last_wins() {
        let text = xml("<key>UIBackgroundModes</key><array><string>audio</string></array>\n\
             <key>NSLocationAlwaysUsageDescription</key><string>a</string>\n\
             <key>UIBackgroundModes</key><array><string>fetch</string></array>\n\
             <key>NSLocationAlwaysUsageDescription</key><string>b</string>");
        let facts = info(&text);
        let modes = facts.background_modes.unwrap();
        assert_eq!(values(&modes), ["fetch"]);
        assert_eq!(modes.key_span.start, text.rfind("<key>UIBackgroundModes").unwrap());
        assert_eq!(facts.location_usage_keys.len(), 1);
        assert_eq!(facts.location_usage_keys[0].span.start, text.rfind("<key>NSLocationAlways").unwrap());
    }

    #[test]
    fn key_without_value() {
        let text = xml("<key>NSLocationAlwaysUsageDescription</key>\n<key>UIBackgroundModes</key>");
        let facts = info(&text);
        assert_eq!(facts.location_usage_keys.len(), 1);
        assert!(facts.background_modes.is_none());
        // A stray value with no key is skipped.
        let facts =
            info(&xml("<string>stray</string><key>UIBackgroundModes</key><array><string>fetch</string></array>"));
        assert!(facts.has_mode("fetch"));
    }

    #[test]
    fn malformed_xml_points_where_the_parser_stopped() {
        // Multibyte characters before the error on the same line: the column counts chars.
        let text = xml("<key>UIBackgroundModes</key><array><string>héllo 日本</strin></array>");
        let e = err(text.as_bytes());
        assert!(e.message.starts_with("malformed XML: "), "{}", e.message);
        assert!(e.message.contains("expected 'string' tag, not 'strin'"), "{}", e.message);
        let at = e.span.clone().unwrap();
        assert_eq!(at.start, at.end);
        assert!(text.is_char_boundary(at.start));
        let close = text.find("</strin>").unwrap();
        assert_eq!(at.start, close);

        // An unclosed document points at its end, not at 1:1.
        let text = xml("<key>UIBackgroundModes</key><array>");
        let text = &text[..text.len() - "</dict>\n</plist>\n".len()];
        let e = err(text.as_bytes());
        assert!(e.message.starts_with("malformed XML"), "{}", e.message);
        assert_eq!(e.span, Some(text.len()..text.len()));

        // An unknown entity reference.
        let text = xml("<key>a</key><string>&nbsp;</string>");
        let e = err(text.as_bytes());
        assert!(e.message.contains("unknown entity reference 'nbsp'"), "{}", e.message);
        assert_eq!(&text[e.span.unwrap().start..][..6], "&nbsp;");
    }

    #[test]
    fn byte_offset_inverts_text_pos() {
        let text = "a\r\nbé日c\nxyz";
        assert_eq!(byte_offset(text, TextPos::new(1, 1)), 0);
        assert_eq!(byte_offset(text, TextPos::new(1, 2)), 1); // the '\r'
        assert_eq!(byte_offset(text, TextPos::new(2, 3)), text.find('日').unwrap());
        assert_eq!(byte_offset(text, TextPos::new(2, 4)), text.find('c').unwrap());
        assert_eq!(byte_offset(text, TextPos::new(3, 3)), text.find('z').unwrap());
        assert_eq!(byte_offset(text, TextPos::new(3, 99)), text.len());
        assert_eq!(byte_offset(text, TextPos::new(9, 1)), text.len());
    }

    #[test]
    fn not_a_property_list() {
        let e = err(b"<manifest package=\"x\"><application/></manifest>");
        assert!(e.message.starts_with("not a property list: the root element is <manifest>"), "{}", e.message);
        assert_eq!(e.span, Some(0..22));

        let text = format!("{HEADER}<plist version=\"1.0\"><array><string>x</string></array></plist>");
        let e = err(text.as_bytes());
        assert_eq!(e.message, "not a property list: <plist> holds <array>, not a <dict>");
        assert_eq!(&text[e.span.unwrap()], "<array>");

        let e = err(b"<plist version=\"1.0\"> <!-- nothing --> </plist>");
        assert!(e.message.starts_with("not a property list: <plist> is empty"), "{}", e.message);

        // A namespaced <plist> is not Apple's.
        let e = err(b"<p:plist xmlns:p=\"urn:x\"><dict/></p:plist>");
        assert!(e.message.contains("<p:plist>"), "{}", e.message);
    }

    #[test]
    fn entity_declarations_are_refused() {
        let bomb = "<?xml version=\"1.0\"?>\n<!DOCTYPE plist [\n\
            <!ENTITY lol \"lol\">\n\
            <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n\
            <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n\
            <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n\
            <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n\
            <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n\
            <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n\
            <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n\
            <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n\
            <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n\
            ]>\n<plist><dict><key>a</key><string>&lol9;</string></dict></plist>";
        let e = err(bomb.as_bytes());
        assert!(e.message.contains("declares XML entities"), "{}", e.message);
        assert_eq!(&bomb[e.span.unwrap()], "<!ENTITY");

        // roxmltree alone also refuses this one (its loop detector caps nested references) …
        let options = ParsingOptions { allow_dtd: true, ..ParsingOptions::default() };
        let e = Document::parse_with_options(bomb, options).unwrap_err();
        assert!(matches!(e, roxmltree::Error::EntityReferenceLoop(_)), "{e}");

        // … but not one flat entity referenced again and again, which grows memory by the product.
        let big = "x".repeat(1000);
        let refs = "&a;".repeat(1000);
        let flat = format!(
            "<!DOCTYPE plist [<!ENTITY a \"{big}\">]><plist><dict><key>k</key><string>{refs}</string></dict></plist>"
        );
        let doc = Document::parse_with_options(&flat, ParsingOptions { allow_dtd: true, ..ParsingOptions::default() });
        let doc = doc.unwrap();
        assert_eq!(
            doc.descendants().filter(Node::is_text).filter_map(|n| n.text()).map(str::len).sum::<usize>(),
            1_000_001
        );
        assert!(err(flat.as_bytes()).message.contains("declares XML entities"));
    }

    /// Runs `f` on a thread with the default 2 MiB stack, as the analyzer's worker threads have.
    fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        std::thread::Builder::new().stack_size(2 << 20).spawn(f).unwrap().join().expect("overflowed the stack")
    }

    #[test]
    fn deep_nesting_does_not_overflow_the_stack() {
        const DEPTH: usize = 100_000;
        on_small_stack(|| {
            // Deep inside a value of the top-level dict: read, and the list is just skipped items.
            let body = format!(
                "<key>UIBackgroundModes</key><array><string>fetch</string>{}{}</array><key>NSExtension</key><true/>",
                "<array><dict><key>k</key>".repeat(DEPTH),
                "<true/></dict></array>".repeat(DEPTH)
            );
            let facts = info_plist(xml(&body).as_bytes()).unwrap();
            assert_eq!(values(facts.background_modes.as_ref().unwrap()), ["fetch"]);
            assert!(facts.is_extension);

            // Unclosed deep nesting: a parse error, not a crash.
            let text = format!("<plist><dict><key>k</key>{}", "<dict><key>k</key>".repeat(DEPTH));
            assert!(info_plist(text.as_bytes()).unwrap_err().message.starts_with("malformed XML"));

            // The OpenStep and binary readers recurse through serde, so their depth is bounded.
            let deep = |depth: usize| {
                format!("{{ a = {}{}; UIBackgroundModes = (fetch); }}", "(".repeat(depth), ")".repeat(depth))
            };
            assert!(info_plist(deep(MAX_DEPTH - 2).as_bytes()).unwrap().has_mode("fetch"));
            let e = info_plist(deep(DEPTH).as_bytes()).unwrap_err();
            assert_eq!(e.message, format!("the property list is nested more than {MAX_DEPTH} levels deep"));

            // A binary chain of one-element arrays.
            let chain = |depth: usize| {
                let mut objects = vec![dict_object(&[(1, 2)]), ascii_string("UIBackgroundModes")];
                for i in 0..depth {
                    objects.push(array_object(&[3 + i as u32]));
                }
                objects.push(array_object(&[]));
                binary_plist(&objects)
            };
            assert!(info_plist(&chain(MAX_DEPTH - 2)).unwrap().background_modes.unwrap().items.is_empty());
            let e = info_plist(&chain(DEPTH)).unwrap_err();
            assert!(e.message.contains("nested more than"), "{}", e.message);
        });
    }

    #[test]
    fn invalid_utf8_in_xml() {
        let mut bytes = xml("<key>UIBackgroundModes</key><array><string>fetch</string></array>").into_bytes();
        let at = bytes.len() - 20;
        bytes[at] = 0xFF;
        let e = err(&bytes);
        assert!(e.message.contains("not valid UTF-8"), "{}", e.message);
        assert_eq!(e.span, Some(at..at));
    }

    #[test]
    fn empty_and_blank_files() {
        assert_eq!(err(b"").message, "the property list is empty");
        assert_eq!(err(b" \r\n\t").message, "the property list is empty");
        assert_eq!(err(b"\xEF\xBB\xBF\n").message, "the property list is empty");
        assert!(err(b"\xFF\xFE<\0p\0").message.contains("UTF-16"));
    }

    fn binary(value: &plist::Value) -> Vec<u8> {
        let mut bytes = Vec::new();
        value.to_writer_binary(&mut bytes).unwrap();
        bytes
    }

    fn dict(entries: Vec<(&str, plist::Value)>) -> plist::Value {
        plist::Value::Dictionary(entries.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    fn strings(items: &[&str]) -> plist::Value {
        plist::Value::Array(items.iter().map(|s| plist::Value::String(s.to_string())).collect())
    }

    #[test]
    fn binary_info_plist() {
        let value = dict(vec![
            ("CFBundleName", "Runner".into()),
            ("UIBackgroundModes", strings(&["fetch", " processing "])),
            ("BGTaskSchedulerPermittedIdentifiers", plist::Value::Array(vec![1.into(), "com.acme.r".into()])),
            ("NSLocationAlwaysUsageDescription", "x".into()),
            ("NSExtension", dict(vec![("UIBackgroundModes", strings(&["audio"]))])),
        ]);
        let bytes = binary(&value);
        assert!(is_binary(&bytes));
        let facts = info_plist(&bytes).unwrap();
        let modes = facts.background_modes.as_ref().unwrap();
        assert_eq!(values(modes), ["fetch", "processing"]);
        assert_eq!(modes.key_span, 0..0);
        assert!(modes.items.iter().all(|i| i.span == (0..0)));
        assert_eq!(values(facts.permitted_task_ids.as_ref().unwrap()), ["com.acme.r"]);
        assert_eq!(facts.location_usage_keys, [Located::new("NSLocationAlwaysUsageDescription".to_string(), 0..0)]);
        assert!(facts.is_extension);

        let bytes = binary(&dict(vec![("UIBackgroundModes", "fetch".into())]));
        assert!(info_plist(&bytes).unwrap().background_modes.is_none());
        let bytes = binary(&dict(vec![("UIBackgroundModes", strings(&[]))]));
        assert!(info_plist(&bytes).unwrap().background_modes.unwrap().items.is_empty());
    }

    #[test]
    fn broken_binary_plists() {
        let bytes = binary(&dict(vec![("UIBackgroundModes", strings(&["fetch"]))]));
        for len in [8, 9, bytes.len() / 2, bytes.len() - 1] {
            let e = err(&bytes[..len]);
            assert!(e.message.contains("binary property list"), "{len}: {}", e.message);
            assert_eq!(e.span, None);
        }
        let e = err(&binary(&strings(&["fetch"])));
        assert_eq!(e.message, "not a property list: the top level is an array, not a dictionary");
        assert!(err(b"bplist15\0\0\0").message.contains("unsupported binary property list format `bplist15`"));
    }

    // A hand-made binary plist: object payloads in order, 4-byte offsets and references.
    fn binary_plist(objects: &[Vec<u8>]) -> Vec<u8> {
        let mut bytes = b"bplist00".to_vec();
        let mut offsets = Vec::new();
        for object in objects {
            offsets.push(bytes.len() as u32);
            bytes.extend_from_slice(object);
        }
        let table = bytes.len() as u64;
        for offset in offsets {
            bytes.extend_from_slice(&offset.to_be_bytes());
        }
        bytes.extend_from_slice(&[0, 0, 0, 0, 0, 0, 4, 4]);
        bytes.extend_from_slice(&(objects.len() as u64).to_be_bytes());
        bytes.extend_from_slice(&0u64.to_be_bytes());
        bytes.extend_from_slice(&table.to_be_bytes());
        bytes
    }

    /// An object's marker byte with its length: inline below 15, else a following 1-byte integer.
    fn marker(kind: u8, len: usize) -> Vec<u8> {
        match len {
            0..15 => vec![kind | len as u8],
            _ => vec![kind | 0x0F, 0x10, u8::try_from(len).unwrap()],
        }
    }

    fn collection(kind: u8, refs: &[u32]) -> Vec<u8> {
        let mut bytes = marker(kind, refs.len());
        refs.iter().for_each(|r| bytes.extend_from_slice(&r.to_be_bytes()));
        bytes
    }

    fn array_object(refs: &[u32]) -> Vec<u8> {
        collection(0xA0, refs)
    }

    fn dict_object(pairs: &[(u32, u32)]) -> Vec<u8> {
        let keys: Vec<u32> = pairs.iter().map(|p| p.0).collect();
        let mut bytes = collection(0xD0, &keys);
        pairs.iter().for_each(|p| bytes.extend_from_slice(&p.1.to_be_bytes()));
        bytes
    }

    fn ascii_string(s: &str) -> Vec<u8> {
        let mut bytes = marker(0x50, s.len());
        bytes.extend_from_slice(s.as_bytes());
        bytes
    }

    #[test]
    fn hand_made_binary_plist_reads() {
        let objects = [dict_object(&[(1, 2)]), ascii_string("NSExtension"), vec![0x09]];
        assert!(info_plist(&binary_plist(&objects)).unwrap().is_extension);
    }

    #[test]
    fn shared_objects_cannot_expand_exponentially() {
        // Each array holds the next one twice: 2^60 values from a few hundred bytes.
        let mut objects = vec![dict_object(&[(1, 2)]), ascii_string("UIBackgroundModes")];
        for i in 0..60 {
            objects.push(array_object(&[3 + i, 3 + i]));
        }
        objects.push(ascii_string("fetch"));
        let e = err(&binary_plist(&objects));
        assert!(e.message.contains("refusing to read further"), "{}", e.message);
    }

    #[test]
    fn openstep_plist() {
        let text = "// Info.plist\n{\n  UIBackgroundModes = (fetch, \"remote-notification\");\n  \
                    BGTaskSchedulerPermittedIdentifiers = ();\n  NSExtension = { UIBackgroundModes = (audio); };\n  \
                    NSLocationWhenInUseUsageDescription = \"Maps\";\n}\n";
        let facts = info(text);
        let modes = facts.background_modes.as_ref().unwrap();
        assert_eq!(values(modes), ["fetch", "remote-notification"]);
        assert_eq!(modes.key_span, 0..0);
        assert!(facts.permitted_task_ids.unwrap().items.is_empty());
        assert!(facts.is_extension);
        assert_eq!(facts.location_usage_keys.len(), 1);
        assert!(!is_binary(text.as_bytes()));
    }

    #[test]
    fn unreadable_text() {
        let e = err(b"hello world");
        assert!(e.message.starts_with("not a property list"), "{}", e.message);
        let e = err(b"{ UIBackgroundModes = (fetch); ");
        assert!(e.message.contains("could not read the OpenStep-format property list"), "{}", e.message);
        let e = err(b"{ UIBackgroundModes = \"fetch");
        assert!(e.message.contains("could not read the OpenStep-format property list"), "{}", e.message);
        let e = err(b"{ (a) = b; }");
        assert!(e.message.contains("is an array, not a string"), "{}", e.message);
        let e = err(b"{ a }");
        assert!(e.message.contains("could not read the OpenStep-format property list"), "{}", e.message);
        let e = err(b"{ a = b; } trailing");
        assert!(e.message.contains("could not read the OpenStep-format property list"), "{}", e.message);
        let e = err(b"{ a = \"\xFF\"; }");
        assert!(e.message.contains("OpenStep"), "{}", e.message);
    }

    #[test]
    fn xml_entitlements() {
        let text = xml("<key>aps-environment</key>\n<string> development </string>\n\
             <key>com.apple.developer.backgroundtasks.healthresearch</key>\n<true/>\n\
             <key>com.apple.security.application-groups</key>\n<array><string>group.acme</string></array>");
        let facts = entitlements(text.as_bytes()).unwrap();
        let aps = facts.aps_environment.as_ref().unwrap();
        assert_eq!(aps.value, "development");
        assert_eq!(&text[aps.span.clone()], "<string> development </string>");
        let keys: Vec<_> = facts.keys.iter().map(|k| k.value.as_str()).collect();
        assert_eq!(
            keys,
            [
                "aps-environment",
                "com.apple.developer.backgroundtasks.healthresearch",
                "com.apple.security.application-groups"
            ]
        );
        assert_eq!(&text[facts.keys[1].span.clone()], "<key>com.apple.developer.backgroundtasks.healthresearch</key>");
        assert!(facts.has_key("com.apple.security.application-groups"));

        // A non-string aps-environment has no value, but the key is there.
        let facts = entitlements(xml("<key>aps-environment</key><true/>").as_bytes()).unwrap();
        assert!(facts.aps_environment.is_none());
        assert!(facts.has_key("aps-environment"));

        // Keys of nested dicts are not entitlements.
        let facts =
            entitlements(xml("<key>a</key><dict><key>aps-environment</key><string>x</string></dict>").as_bytes());
        let facts = facts.unwrap();
        assert!(facts.aps_environment.is_none() && !facts.has_key("aps-environment"));
        assert!(entitlements(b"").is_err());
    }

    #[test]
    fn binary_entitlements() {
        let bytes = binary(&dict(vec![
            ("aps-environment", "production".into()),
            ("com.apple.developer.associated-domains", strings(&["applinks:acme.com"])),
        ]));
        let facts = entitlements(&bytes).unwrap();
        assert_eq!(facts.aps_environment, Some(Located::new("production".to_string(), 0..0)));
        assert!(facts.has_key("com.apple.developer.associated-domains"));
        assert_eq!(facts.keys.len(), 2);
    }
}
