//! Reads an `AndroidManifest.xml` into [`ManifestFacts`] (rules-catalog §1.3).
//!
//! Only the parts rules look at are read: the package, permissions, `<service>` and
//! `<receiver>` components and `<property>` elements. Everything else (unknown elements,
//! `<queries>`, activities) is skipped. Values are kept as written, placeholders such as
//! `${applicationId}` included, because they are only resolved by the Gradle manifest merger.

use roxmltree::{Document, Node, ParsingOptions};

use super::xml::{is_element, parse_error, start_tag_span, written_tag_name};

use crate::project::facts::{Component, ConfigError, Located, ManifestFacts, Permission, Property};

const ANDROID_NS: &str = "http://schemas.android.com/apk/res/android";
const TOOLS_NS: &str = "http://schemas.android.com/tools";

/// Reads an AndroidManifest.xml. Spans are byte ranges into `text`.
pub fn manifest(text: &str) -> Result<ManifestFacts, ConfigError> {
    if text.trim_start_matches('\u{feff}').trim().is_empty() {
        return Err(ConfigError::new("the manifest is empty", None));
    }
    // Manifests never have a DTD; refusing one also refuses entity-expansion bombs outright
    // (roxmltree would otherwise stop them with its entity loop detector).
    let options = ParsingOptions { allow_dtd: false, ..ParsingOptions::default() };
    let doc =
        Document::parse_with_options(text, options).map_err(|e| parse_error(&e, text, "a manifest has no DTD"))?;

    let root = doc.root_element();
    if !is_element(root, "manifest") {
        let name = written_tag_name(root, text);
        return Err(ConfigError::new(
            format!("not an Android manifest: the root element is <{name}>"),
            Some(start_tag_span(root, text)),
        ));
    }

    let package = root.attribute("package").filter(|p| !p.trim().is_empty()).map(str::to_string);
    let mut facts = ManifestFacts { manifest_span: start_tag_span(root, text), ..ManifestFacts::default() };

    for child in root.children().filter(Node::is_element) {
        if is_element(child, "uses-permission") || is_element(child, "uses-permission-sdk-23") {
            facts.permissions.extend(permission(child, text));
        } else if is_element(child, "application") {
            facts.application_span.get_or_insert_with(|| start_tag_span(child, text));
            for item in child.children().filter(Node::is_element) {
                if is_element(item, "service") {
                    facts.services.push(component(item, package.as_deref(), text));
                } else if is_element(item, "receiver") {
                    facts.receivers.push(component(item, package.as_deref(), text));
                } else if is_element(item, "property") {
                    facts.properties.extend(property(item, text));
                }
            }
        }
    }
    facts.package = package;
    Ok(facts)
}

fn android<'a>(node: Node<'a, '_>, name: &str) -> Option<&'a str> {
    node.attribute((ANDROID_NS, name))
}

fn tools<'a>(node: Node<'a, '_>, name: &str) -> Option<&'a str> {
    node.attribute((TOOLS_NS, name))
}

/// `"true"` / `"false"`; a resource reference (`@bool/x`) or placeholder is unknown.
fn boolean(value: Option<&str>) -> Option<bool> {
    match value?.trim() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// A `<uses-permission>` without `android:name` declares nothing and is skipped.
fn permission(node: Node, text: &str) -> Option<Permission> {
    Some(Permission {
        name: android(node, "name")?.to_string(),
        max_sdk: android(node, "maxSdkVersion").and_then(|v| v.trim().parse().ok()),
        removed: tools(node, "node").is_some_and(|v| v.trim() == "remove"),
        span: start_tag_span(node, text),
    })
}

/// A component is kept even without `android:name`, so rules can still point at it.
fn component(node: Node, package: Option<&str>, text: &str) -> Component {
    let name = android(node, "name").unwrap_or_default().to_string();
    let foreground_service_types = node.attribute_node((ANDROID_NS, "foregroundServiceType")).map(|attr| {
        let types = attr.value().split('|').map(str::trim).filter(|t| !t.is_empty()).map(str::to_string);
        Located::new(types.collect(), attr.range())
    });
    let mut actions = Vec::new();
    let mut properties = Vec::new();
    for child in node.children().filter(Node::is_element) {
        if is_element(child, "intent-filter") {
            for action in child.children().filter(|n| is_element(*n, "action")) {
                if let Some(value) = android(action, "name") {
                    actions.push(Located::new(value.to_string(), start_tag_span(action, text)));
                }
            }
        } else if is_element(child, "property") {
            properties.extend(property(child, text));
        }
    }
    Component {
        qualified_name: qualify(&name, package),
        name,
        span: start_tag_span(node, text),
        foreground_service_types,
        stop_with_task: boolean(android(node, "stopWithTask")),
        exported: boolean(android(node, "exported")),
        tools_node: tools(node, "node").map(str::to_string),
        actions,
        properties,
    }
}

/// `<property android:name android:value>`; `android:resource` values are not resolved (`None`).
fn property(node: Node, text: &str) -> Option<Property> {
    Some(Property {
        name: android(node, "name")?.to_string(),
        value: android(node, "value").map(str::to_string),
        span: start_tag_span(node, text),
    })
}

/// Android's rule for class names: `.Sync` and `Sync` are relative to the package.
fn qualify(name: &str, package: Option<&str>) -> String {
    match package {
        Some(package) if name.starts_with('.') => format!("{package}{name}"),
        Some(package) if !name.is_empty() && !name.contains('.') => format!("{package}.{name}"),
        _ => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::xml::byte_offset;
    use roxmltree::TextPos;

    fn parse(text: &str) -> ManifestFacts {
        manifest(text).unwrap_or_else(|e| panic!("{e:?}"))
    }

    fn error(text: &str) -> ConfigError {
        manifest(text).expect_err("expected a ConfigError")
    }

    const REALISTIC: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android"
    xmlns:tools="http://schemas.android.com/tools"
    package="com.acme.tracker">

    <uses-permission android:name="android.permission.INTERNET" />
    <uses-permission android:name="android.permission.FOREGROUND_SERVICE" />
    <uses-permission android:name="android.permission.FOREGROUND_SERVICE_DATA_SYNC" android:maxSdkVersion="33" />
    <uses-permission android:name="android.permission.FOREGROUND_SERVICE_SPECIAL_USE" />
    <uses-permission android:name="android.permission.RECEIVE_BOOT_COMPLETED" />
    <uses-permission-sdk-23 android:name="android.permission.ACCESS_BACKGROUND_LOCATION" />
    <uses-permission android:name="android.permission.ACCESS_FINE_LOCATION" tools:node="remove" />

    <queries>
        <intent>
            <action android:name="android.intent.action.BOOT_COMPLETED" />
        </intent>
        <package android:name="com.other.app" />
    </queries>

    <application
        android:name="${applicationName}"
        android:label="Tracker > Pro"
        android:icon="@mipmap/ic_launcher">
        <property android:name="android.window.PROPERTY_ACTIVITY_EMBEDDING_SPLITS_ENABLED" android:value="true" />
        <activity android:name=".MainActivity" android:exported="true">
            <intent-filter>
                <action android:name="android.intent.action.MAIN" />
                <category android:name="android.intent.category.LAUNCHER" />
            </intent-filter>
        </activity>

        <service
            android:name="id.flutter.flutter_background_service.BackgroundService"
            android:foregroundServiceType="dataSync | specialUse"
            android:exported="false"
            android:stopWithTask="false"
            tools:node="merge">
            <property
                android:name="android.app.PROPERTY_SPECIAL_USE_FGS_SUBTYPE"
                android:value="Uploads GPS tracks the user recorded" />
        </service>

        <service
            android:name=".SyncService"
            android:foregroundServiceType="location"
            tools:replace="android:foregroundServiceType"
            tools:node="replace" />

        <receiver android:name="BootReceiver" android:exported="true" android:enabled="true">
            <intent-filter>
                <action android:name="android.intent.action.BOOT_COMPLETED" />
                <action android:name="android.intent.action.QUICKBOOT_POWERON" />
                <category android:name="android.intent.category.DEFAULT" />
            </intent-filter>
        </receiver>
    </application>
</manifest>
"#;

    #[test]
    fn realistic_manifest() {
        let text = REALISTIC;
        let facts = parse(text);
        assert_eq!(facts.package.as_deref(), Some("com.acme.tracker"));
        assert_eq!(
            &text[facts.manifest_span.clone()],
            "<manifest xmlns:android=\"http://schemas.android.com/apk/res/android\"\n    \
             xmlns:tools=\"http://schemas.android.com/tools\"\n    package=\"com.acme.tracker\">"
        );
        // The `>` inside the label does not end the start tag.
        assert_eq!(
            &text[facts.application_span.clone().unwrap()],
            "<application\n        android:name=\"${applicationName}\"\n        \
             android:label=\"Tracker > Pro\"\n        android:icon=\"@mipmap/ic_launcher\">"
        );

        let names: Vec<_> = facts.permissions.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "android.permission.INTERNET",
                "android.permission.FOREGROUND_SERVICE",
                "android.permission.FOREGROUND_SERVICE_DATA_SYNC",
                "android.permission.FOREGROUND_SERVICE_SPECIAL_USE",
                "android.permission.RECEIVE_BOOT_COMPLETED",
                "android.permission.ACCESS_BACKGROUND_LOCATION",
                "android.permission.ACCESS_FINE_LOCATION",
            ]
        );
        let data_sync = facts.permission("FOREGROUND_SERVICE_DATA_SYNC").unwrap();
        assert_eq!(data_sync.max_sdk, Some(33));
        assert!(!data_sync.removed);
        assert_eq!(
            &text[data_sync.span.clone()],
            r#"<uses-permission android:name="android.permission.FOREGROUND_SERVICE_DATA_SYNC" android:maxSdkVersion="33" />"#
        );
        assert_eq!(facts.permission("INTERNET").unwrap().max_sdk, None);
        let sdk23 = facts.permission("ACCESS_BACKGROUND_LOCATION").unwrap();
        assert_eq!(
            &text[sdk23.span.clone()],
            r#"<uses-permission-sdk-23 android:name="android.permission.ACCESS_BACKGROUND_LOCATION" />"#
        );
        assert!(facts.permissions[6].removed);
        assert!(facts.permission("ACCESS_FINE_LOCATION").is_none(), "removed permissions are not declared");

        assert_eq!(facts.services.len(), 2);
        let plugin = &facts.services[0];
        assert_eq!(plugin.name, "id.flutter.flutter_background_service.BackgroundService");
        assert_eq!(plugin.qualified_name, plugin.name);
        assert!(text[plugin.span.clone()].starts_with("<service\n            android:name=\"id.flutter."));
        assert!(text[plugin.span.clone()].ends_with("tools:node=\"merge\">"));
        let types = plugin.foreground_service_types.as_ref().unwrap();
        assert_eq!(types.value, ["dataSync", "specialUse"]);
        assert_eq!(&text[types.span.clone()], r#"android:foregroundServiceType="dataSync | specialUse""#);
        assert_eq!(plugin.exported, Some(false));
        assert_eq!(plugin.stop_with_task, Some(false));
        assert_eq!(plugin.tools_node.as_deref(), Some("merge"));
        assert!(plugin.actions.is_empty());
        assert_eq!(plugin.properties.len(), 1);
        let subtype = &plugin.properties[0];
        assert_eq!(subtype.name, "android.app.PROPERTY_SPECIAL_USE_FGS_SUBTYPE");
        assert_eq!(subtype.value.as_deref(), Some("Uploads GPS tracks the user recorded"));
        assert!(text[subtype.span.clone()].starts_with("<property\n"));
        assert!(text[subtype.span.clone()].ends_with("recorded\" />"));

        let sync = &facts.services[1];
        assert_eq!(sync.name, ".SyncService");
        assert_eq!(sync.qualified_name, "com.acme.tracker.SyncService");
        assert_eq!(sync.tools_node.as_deref(), Some("replace"));
        assert_eq!(sync.exported, None);
        assert_eq!(sync.stop_with_task, None);
        assert!(text[sync.span.clone()].ends_with("tools:node=\"replace\" />"));

        assert_eq!(facts.receivers.len(), 1);
        let boot = &facts.receivers[0];
        assert_eq!(boot.qualified_name, "com.acme.tracker.BootReceiver");
        assert_eq!(boot.exported, Some(true));
        assert_eq!(boot.foreground_service_types, None);
        assert_eq!(
            &text[boot.span.clone()],
            r#"<receiver android:name="BootReceiver" android:exported="true" android:enabled="true">"#
        );
        let actions: Vec<_> = boot.actions.iter().map(|a| a.value.as_str()).collect();
        assert_eq!(actions, ["android.intent.action.BOOT_COMPLETED", "android.intent.action.QUICKBOOT_POWERON"]);
        assert_eq!(
            &text[boot.actions[1].span.clone()],
            r#"<action android:name="android.intent.action.QUICKBOOT_POWERON" />"#
        );

        // Only the <property> directly under <application>, not the service's.
        assert_eq!(facts.properties.len(), 1);
        assert_eq!(facts.properties[0].name, "android.window.PROPERTY_ACTIVITY_EMBEDDING_SPLITS_ENABLED");
        assert_eq!(facts.properties[0].value.as_deref(), Some("true"));
        assert_eq!(
            &text[facts.properties[0].span.clone()],
            r#"<property android:name="android.window.PROPERTY_ACTIVITY_EMBEDDING_SPLITS_ENABLED" android:value="true" />"#
        );
    }

    #[test]
    fn queries_and_unknown_elements_are_not_components() {
        let text = r#"<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="p">
  <queries>
    <intent><action android:name="android.intent.action.BOOT_COMPLETED"/></intent>
    <service android:name=".NotAComponent"/>
    <receiver android:name=".NotAComponent"/>
    <uses-permission android:name="NOT_A_PERMISSION"/>
  </queries>
  <dist:module xmlns:dist="http://schemas.android.com/apk/distribution"/>
  <made-up><service android:name=".Nested"/></made-up>
  <service android:name=".OutsideApplication"/>
  <application>
    <made-up/>
    <activity android:name=".A"><property android:name="x" android:value="y"/></activity>
    <provider android:name=".P"/>
  </application>
</manifest>"#;
        let facts = parse(text);
        assert!(facts.services.is_empty());
        assert!(facts.receivers.is_empty());
        assert!(facts.permissions.is_empty());
        assert!(facts.properties.is_empty());
        assert_eq!(&text[facts.application_span.unwrap()], "<application>");
    }

    #[test]
    fn namespaces_are_matched_by_uri_not_prefix() {
        let text = r#"<manifest xmlns:a="http://schemas.android.com/apk/res/android"
          xmlns:t="http://schemas.android.com/tools" xmlns:android="urn:not-android" package="com.acme">
  <uses-permission a:name="android.permission.WAKE_LOCK" t:node="remove"/>
  <uses-permission android:name="wrong.namespace"/>
  <application>
    <service a:name="Svc" a:foregroundServiceType="health" a:exported="true" t:node="merge"/>
  </application>
</manifest>"#;
        let facts = parse(text);
        assert_eq!(facts.permissions.len(), 1, "an attribute in another namespace is not android:name");
        assert!(facts.permissions[0].removed);
        let svc = &facts.services[0];
        assert_eq!(svc.qualified_name, "com.acme.Svc");
        assert_eq!(svc.exported, Some(true));
        assert_eq!(svc.tools_node.as_deref(), Some("merge"));
        let types = svc.foreground_service_types.as_ref().unwrap();
        assert_eq!(&text[types.span.clone()], r#"a:foregroundServiceType="health""#);
    }

    #[test]
    fn qualified_names() {
        assert_eq!(qualify(".Sync", Some("com.acme")), "com.acme.Sync");
        assert_eq!(qualify("Sync", Some("com.acme")), "com.acme.Sync");
        assert_eq!(qualify("org.other.Sync", Some("com.acme")), "org.other.Sync");
        assert_eq!(qualify(".Sync", None), ".Sync");
        assert_eq!(qualify("Sync", None), "Sync");
        assert_eq!(qualify("", Some("com.acme")), "");
        assert_eq!(qualify("${applicationId}.Sync", Some("com.acme")), "${applicationId}.Sync");
    }

    #[test]
    fn no_package_keeps_names_as_written() {
        let text = r#"<manifest xmlns:android="http://schemas.android.com/apk/res/android">
  <application><service android:name=".Sync"/><receiver android:name="Boot"/></application>
</manifest>"#;
        let facts = parse(text);
        assert_eq!(facts.package, None);
        assert_eq!(facts.services[0].qualified_name, ".Sync");
        assert_eq!(facts.receivers[0].qualified_name, "Boot");
    }

    #[test]
    fn placeholders_are_kept_as_written() {
        let text = r#"<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="${applicationId}">
  <uses-permission android:name="${applicationId}.permission.C2D" android:maxSdkVersion="${maxSdk}"/>
  <application>
    <service android:name="${serviceName}" android:foregroundServiceType="${fgsType}"
             android:exported="${exported}">
      <property android:name="p" android:value="${value}"/>
    </service>
  </application>
</manifest>"#;
        let facts = parse(text);
        assert_eq!(facts.package.as_deref(), Some("${applicationId}"));
        assert_eq!(facts.permissions[0].name, "${applicationId}.permission.C2D");
        assert_eq!(facts.permissions[0].max_sdk, None);
        let svc = &facts.services[0];
        assert_eq!(svc.name, "${serviceName}");
        assert_eq!(svc.foreground_service_types.as_ref().unwrap().value, ["${fgsType}"]);
        assert_eq!(svc.exported, None);
        assert_eq!(svc.properties[0].value.as_deref(), Some("${value}"));
    }

    #[test]
    fn attribute_edge_cases() {
        let text = r#"<manifest xmlns:android="http://schemas.android.com/apk/res/android"
    xmlns:tools="http://schemas.android.com/tools" package="com.acme">
  <uses-permission android:name="A" android:maxSdkVersion="-1"/>
  <uses-permission android:name="B" android:maxSdkVersion="thirty"/>
  <uses-permission android:name="C" android:maxSdkVersion=" 28 " tools:node="merge"/>
  <uses-permission android:maxSdkVersion="28"/>
  <application>
    <service android:foregroundServiceType="" android:stopWithTask="@bool/stop" android:exported="TRUE"/>
    <service android:name="S" android:foregroundServiceType="camera||microphone|" android:stopWithTask="true">
      <intent-filter><action/><action android:name="x.Y"/></intent-filter>
      <property android:name="r" android:resource="@xml/r"/>
      <property android:value="no name"/>
    </service>
  </application>
</manifest>"#;
        let facts = parse(text);
        let max: Vec<_> = facts.permissions.iter().map(|p| p.max_sdk).collect();
        assert_eq!(max, [None, None, Some(28)], "a permission without a name is skipped");
        assert!(!facts.permissions[2].removed, "only tools:node=\"remove\" removes");

        let unnamed = &facts.services[0];
        assert_eq!(unnamed.name, "");
        assert_eq!(unnamed.qualified_name, "");
        let declared_empty = unnamed.foreground_service_types.as_ref().unwrap();
        assert!(declared_empty.value.is_empty());
        assert_eq!(&text[declared_empty.span.clone()], r#"android:foregroundServiceType="""#);
        assert_eq!(unnamed.stop_with_task, None);
        assert_eq!(unnamed.exported, None, "booleans are case-sensitive in the manifest");

        let s = &facts.services[1];
        assert_eq!(s.foreground_service_types.as_ref().unwrap().value, ["camera", "microphone"]);
        assert_eq!(s.stop_with_task, Some(true));
        assert_eq!(s.actions.len(), 1);
        assert_eq!(s.actions[0].value, "x.Y");
        assert_eq!(s.properties.len(), 1);
        assert_eq!(s.properties[0].name, "r");
        assert_eq!(s.properties[0].value, None);
    }

    #[test]
    fn start_tag_span_skips_quoted_angle_brackets() {
        let text = r#"<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="p">
<application android:label='a > b "quoted" >' android:description="it's > fine"><service
    android:name="S"/></application></manifest>"#;
        let facts = parse(text);
        assert_eq!(
            &text[facts.application_span.unwrap()],
            r#"<application android:label='a > b "quoted" >' android:description="it's > fine">"#
        );
        assert_eq!(&text[facts.services[0].span.clone()], "<service\n    android:name=\"S\"/>");
    }

    #[test]
    fn bom_and_crlf() {
        let text = "\u{feff}<?xml version=\"1.0\"?>\r\n<manifest xmlns:android=\"http://schemas.android.com/apk/res/android\"\r\n    package=\"com.acme\">\r\n  <uses-permission android:name=\"android.permission.WAKE_LOCK\"/>\r\n  <application\r\n    android:label=\"é\">\r\n    <service android:name=\".S\"\r\n      android:foregroundServiceType=\"dataSync|\r\n location\"/>\r\n  </application>\r\n</manifest>\r\n";
        let facts = parse(text);
        assert_eq!(facts.package.as_deref(), Some("com.acme"));
        assert_eq!(
            &text[facts.manifest_span.clone()],
            "<manifest xmlns:android=\"http://schemas.android.com/apk/res/android\"\r\n    package=\"com.acme\">"
        );
        assert_eq!(
            &text[facts.permissions[0].span.clone()],
            "<uses-permission android:name=\"android.permission.WAKE_LOCK\"/>"
        );
        assert_eq!(&text[facts.application_span.unwrap()], "<application\r\n    android:label=\"é\">");
        let types = facts.services[0].foreground_service_types.as_ref().unwrap();
        // Attribute-value normalisation turns the line break into a space; trimming drops it.
        assert_eq!(types.value, ["dataSync", "location"]);
        assert_eq!(&text[types.span.clone()], "android:foregroundServiceType=\"dataSync|\r\n location\"");
    }

    #[test]
    fn root_must_be_manifest() {
        let text = "<?xml version=\"1.0\"?>\n<resources>\n  <string name=\"a\">b</string>\n</resources>";
        let e = error(text);
        assert_eq!(e.message, "not an Android manifest: the root element is <resources>");
        assert_eq!(&text[e.span.unwrap()], "<resources>");

        let e = error(r#"<x:manifest xmlns:x="urn:x"/>"#);
        assert_eq!(e.message, "not an Android manifest: the root element is <x:manifest>");
    }

    #[test]
    fn empty_text_is_an_error() {
        for text in ["", "  \n\t", "\u{feff}", "\u{feff}\r\n"] {
            let e = error(text);
            assert_eq!(e.message, "the manifest is empty");
            assert_eq!(e.span, None);
        }
        // Only a declaration and a comment: no root element.
        let text = "<?xml version=\"1.0\"?>\n<!-- nothing -->\n";
        let e = error(text);
        assert!(e.message.starts_with("malformed XML: "), "{}", e.message);
        assert_eq!(e.span, Some(text.len()..text.len()));
    }

    #[test]
    fn malformed_xml_points_where_parsing_stopped() {
        let text = "<manifest package=\"p\">\n  <application>\n    <service/>\n  </applicaton>\n</manifest>";
        let e = error(text);
        assert!(e.message.starts_with("malformed XML: "), "{}", e.message);
        assert!(e.message.contains("'applicaton' at 4:3"), "roxmltree's message is kept: {}", e.message);
        let at = e.span.unwrap();
        assert_eq!(at.start, at.end);
        assert!(text[at.start..].starts_with("</applicaton>"), "{at:?}");

        // Multibyte text before the error on a CRLF line.
        let text = "<manifest>\r\n  <é>ü &amp x</é></manifest>";
        let e = error(text);
        assert!(e.message.contains("malformed entity reference at 2:8"), "{}", e.message);
        assert!(text[e.span.unwrap().start..].starts_with("&amp x"));
    }

    #[test]
    fn error_offset_counts_chars_and_crlf() {
        // An undeclared prefix on line 3, after multibyte text on the same line.
        let text = "\u{feff}<manifest>\r\n<!-- ééé -->\r\n<é é=\"1\" bad:x=\"1\"/></manifest>";
        let e = error(text);
        let at = e.span.unwrap();
        assert!(e.message.contains("unknown namespace prefix 'bad' at 3:10"), "{}", e.message);
        assert!(text[at.start..].starts_with("bad:x"), "{at:?}");

        // Bytes and positions round-trip on a multibyte, CRLF, BOM text.
        assert_eq!(byte_offset(text, TextPos::new(1, 1)), 0);
        assert_eq!(byte_offset(text, TextPos::new(1, 2)), 3, "the BOM is one char, three bytes");
        let line3 = text.rfind('\n').unwrap() + 1;
        assert_eq!(byte_offset(text, TextPos::new(3, 1)), line3);
        assert_eq!(byte_offset(text, TextPos::new(3, 3)), line3 + 3, "é is two bytes");
        let line2 = text.find("<!--").unwrap();
        let line2_end = text[line2..].find('\n').unwrap() + line2;
        assert_eq!(byte_offset(text, TextPos::new(2, 1000)), line2_end, "a column past the line clamps");
        assert_eq!(byte_offset(text, TextPos::new(99, 1)), text.len(), "a row past the end clamps");
        assert_eq!(byte_offset("", TextPos::new(1, 1)), 0);
    }

    #[test]
    fn truncated_text_points_at_the_end() {
        let text = "<manifest xmlns:android=\"http://schemas.android.com/apk/res/android\">\n  <application>";
        let e = error(text);
        assert!(e.message.starts_with("malformed XML: "), "{}", e.message);
        assert_eq!(e.span, Some(text.len()..text.len()));

        let text = "<manifest package=\"p";
        let e = error(text);
        assert_eq!(e.message, "malformed XML: unexpected end of stream");
        assert_eq!(e.span, Some(text.len()..text.len()));
    }

    const BILLION_LAUGHS: &str = r#"<?xml version="1.0"?>
<!DOCTYPE manifest [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<manifest package="&lol9;">&lol9;</manifest>"#;

    #[test]
    fn billion_laughs_is_an_error() {
        let text = BILLION_LAUGHS;
        let e = error(text);
        assert!(e.message.contains("DTD"), "{}", e.message);
        let at = e.span.unwrap();
        assert!(text[at.start..].starts_with("<!DOCTYPE"));

        // Even with DTDs allowed, roxmltree's entity loop detector refuses the expansion.
        let options = ParsingOptions { allow_dtd: true, ..ParsingOptions::default() };
        let err = Document::parse_with_options(text, options).unwrap_err();
        assert!(matches!(err, roxmltree::Error::EntityReferenceLoop(_)), "{err:?}");
    }

    #[test]
    fn any_dtd_is_refused() {
        let text = "<!DOCTYPE manifest>\n<manifest package=\"p\"/>";
        let e = error(text);
        assert_eq!(e.span, Some(0..0));
    }

    #[test]
    fn deep_nesting_does_not_overflow_the_stack() {
        const DEPTH: usize = 100_000;
        let mut text = String::from(
            "<manifest xmlns:android=\"http://schemas.android.com/apk/res/android\" package=\"p\">\
             <application><service android:name=\".S\"><intent-filter>",
        );
        let nested = format!("{}{}", "<a>".repeat(DEPTH), "</a>".repeat(DEPTH));
        text.push_str(&nested);
        text.push_str("<action android:name=\"x.Y\"/></intent-filter></service></application>");
        text.push_str(&nested);
        text.push_str("</manifest>");
        let unclosed = format!("<manifest>{}", "<a>".repeat(DEPTH));

        let handle = std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || {
                let facts = manifest(&text).map(|f| (f.services.len(), f.services[0].actions.len()));
                let unclosed_is_error = manifest(&unclosed).is_err();
                (facts, unclosed_is_error)
            })
            .unwrap();
        let (facts, unclosed_is_error) = handle.join().expect("the parser overflowed a 2 MiB stack");
        assert_eq!(facts, Ok((1, 1)));
        assert!(unclosed_is_error);
    }
}
