//! `android-fgs-type-permission-missing`: a `<service android:foregroundServiceType="…">` whose
//! type-specific `FOREGROUND_SERVICE_<TYPE>` permission no manifest of the app declares.
//!
//! A project check over the merged view of the app's manifests (app and library modules,
//! flavours). Types we do not know (placeholders, typos) are left alone, and so is a permission
//! declared with `maxSdkVersion`: apps do that on purpose when they drop the type at runtime.
//! When the code shows which types it starts services with (`startForeground(id, n, type)`,
//! `ServiceCompat.startForeground(…, type)`, flutter_foreground_task `serviceTypes: [...]`), a
//! declared type never started needs no permission; a call without a type (or with one we cannot
//! read) starts every declared type. Several missing permissions of one attribute are one finding.

use crate::diagnostics::Label;
use crate::project::model::Project;
use crate::rules::{ProjectCode, ProjectFinding};

crate::declare_rule! {
    id: "android-fgs-type-permission-missing",
    platform: Android,
    languages: [],
    config: [Manifest, Gradle],
    category: "foreground-services",
    severity: Error,
    summary: "Foreground service type declared without its FOREGROUND_SERVICE_<TYPE> permission",
    help: "Add <uses-permission android:name=\"android.permission.FOREGROUND_SERVICE_<TYPE>\"/> for each type the service declares.",
    what: "A `<service>` whose `android:foregroundServiceType` lists a type (`dataSync`, `location`, `mediaPlayback`, \
`connectedDevice`, `specialUse`, …) while no manifest of the app declares the matching \
`android.permission.FOREGROUND_SERVICE_<TYPE>` permission, in an app targeting Android 14 (API 34) or later (or \
assumed to). `shortService` needs no type-specific permission and is not checked; a permission declared with \
`android:maxSdkVersion` counts as declared. A service whose class is in the project is skipped when nothing in the \
project calls `startForeground` (the type is declared but never used, so nothing throws). When the code shows which \
types it starts services with (`startForeground(id, notification, ServiceInfo.FOREGROUND_SERVICE_TYPE_…)`, \
`ServiceCompat.startForeground(…)`, flutter_foreground_task `serviceTypes: [ForegroundServiceTypes.…]`), only those \
types need their permission; a `startForeground` without a type, or with one bglint cannot read, starts every \
declared type. Several missing permissions of one attribute are reported once, listed together.",
    why: "From Android 14, starting a foreground service of a type requires both `FOREGROUND_SERVICE` and the \
type's own permission (`FOREGROUND_SERVICE_LOCATION` for `location`, and so on); without it `startForeground()` \
throws `SecurityException` and the service never reaches the foreground.",
    instead: "Declare the type-specific permission next to `FOREGROUND_SERVICE`. Some types also need a runtime \
permission before the service starts (location, camera, microphone, health sensors).",
    sources: [
        "https://developer.android.com/develop/background-work/services/fgs/service-types",
        "https://developer.android.com/about/versions/14/changes/fgs-types-required",
    ],
    fix: None,
    also_reported_by: Some("AndroidLint:ForegroundServicePermission"),
    keywords: [],
    signals: ["startForeground", "ForegroundServiceTypes"],
    bad: [],
    good: [],
    bad_projects: [
        [
            ("settings.gradle.kts", "include(\":app\")\n"),
            ("app/build.gradle.kts", "plugins { id(\"com.android.application\") }\nandroid { defaultConfig { targetSdk = 35 } }\n"),
            ("app/src/main/AndroidManifest.xml", r#"<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="com.example.run">
    <uses-permission android:name="android.permission.FOREGROUND_SERVICE" />
    <application>
        <service android:name=".RunTracker" «android:foregroundServiceType="location"» />
    </application>
</manifest>
"#),
        ],
        [
            ("settings.gradle.kts", "include(\":app\")\n"),
            ("app/build.gradle.kts", "plugins { id(\"com.android.application\") }\nandroid { defaultConfig { targetSdk = 35 } }\n"),
            ("app/src/main/AndroidManifest.xml", r#"<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="com.example.run">
    <uses-permission android:name="android.permission.FOREGROUND_SERVICE" />
    <application>
        <service android:name=".RunTracker" «android:foregroundServiceType="location|dataSync"» />
    </application>
</manifest>
"#),
            ("app/src/main/kotlin/com/example/run/RunTracker.kt", r#"package com.example.run

class RunTracker : Service() {
    override fun onStartCommand(intent: Intent?, flags: Int, startId: Int): Int {
        // No type: every type the manifest declares is started, so both permissions are needed.
        startForeground(1, buildNotification())
        return START_STICKY
    }
}
"#),
        ],
        [
            ("settings.gradle", "include ':app'\n"),
            ("app/build.gradle", "apply plugin: 'com.android.application'\nandroid { defaultConfig { targetSdkVersion 34 } }\n"),
            ("app/src/main/AndroidManifest.xml", r#"<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="com.example.run">
    <uses-permission android:name="android.permission.FOREGROUND_SERVICE" />
    <application>
        <service android:name=".RunTracker" «android:foregroundServiceType="location"» />
    </application>
</manifest>
"#),
            ("app/src/main/java/com/example/run/RunTracker.java", r#"package com.example.run;

// The app's own service promotes itself (seen in the Java file pass).
public class RunTracker extends Service {
    @Override
    public int onStartCommand(Intent intent, int flags, int startId) {
        startForeground(1, notification());
        return START_STICKY;
    }
}
"#),
        ],
    ],
    good_projects: [
        [
            ("settings.gradle", "include ':app'\n"),
            ("app/build.gradle", "apply plugin: 'com.android.application'\nandroid { defaultConfig { targetSdkVersion 34 } }\n"),
            ("app/src/main/AndroidManifest.xml", r#"<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="com.example.gallery">
    <application>
        <service android:name=".MediaPlaybackService" android:foregroundServiceType="mediaPlayback" />
    </application>
</manifest>
"#),
            ("app/src/main/java/com/example/gallery/MediaPlaybackService.java", r#"package com.example.gallery;

// A media browser for Android Auto; it never promotes itself to the foreground.
public class MediaPlaybackService extends MediaBrowserServiceCompat {
}
"#),
        ],
        [
            ("settings.gradle.kts", "include(\":app\")\n"),
            ("app/build.gradle.kts", "plugins { id(\"com.android.application\") }\nandroid { defaultConfig { targetSdk = 35 } }\n"),
            ("app/src/main/AndroidManifest.xml", r#"<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="com.example.gallery">
    <application>
        <service android:name=".MediaPlaybackService" android:foregroundServiceType="mediaPlayback" />
    </application>
</manifest>
"#),
            ("app/src/main/kotlin/com/example/gallery/MediaPlaybackService.kt", r#"package com.example.gallery

// A media browser for Android Auto; it never promotes itself to the foreground.
class MediaPlaybackService : MediaBrowserServiceCompat()
"#),
        ],
        [
            ("settings.gradle.kts", "include(\":app\")\n"),
            ("app/build.gradle.kts", "plugins { id(\"com.android.application\") }\nandroid { defaultConfig { targetSdk = 35 } }\n"),
            ("app/src/main/AndroidManifest.xml", r#"<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="com.example.run">
    <uses-permission android:name="android.permission.FOREGROUND_SERVICE" />
    <uses-permission android:name="android.permission.FOREGROUND_SERVICE_LOCATION" />
    <uses-permission android:name="android.permission.FOREGROUND_SERVICE_DATA_SYNC" android:maxSdkVersion="33" />
    <application>
        <service android:name=".RunTracker" android:foregroundServiceType="location" />
        <service android:name=".Uploader" android:foregroundServiceType="dataSync" />
        <service android:name=".Quick" android:foregroundServiceType="shortService" />
    </application>
</manifest>
"#),
        ],
        [
            ("settings.gradle.kts", "include(\":app\", \":player\")\n"),
            ("app/build.gradle.kts", "plugins { id(\"com.android.application\") }\nandroid { defaultConfig { targetSdk = 35 } }\n"),
            ("app/src/main/AndroidManifest.xml", r#"<manifest xmlns:android="http://schemas.android.com/apk/res/android">
    <uses-permission android:name="android.permission.FOREGROUND_SERVICE_MEDIA_PLAYBACK" />
    <application />
</manifest>
"#),
            ("player/src/main/AndroidManifest.xml", r#"<manifest xmlns:android="http://schemas.android.com/apk/res/android">
    <application>
        <service android:name="com.example.player.PlaybackService" android:foregroundServiceType="mediaPlayback" />
    </application>
</manifest>
"#),
        ],
        [
            ("settings.gradle.kts", "include(\":app\")\n"),
            ("app/build.gradle.kts", "plugins { id(\"com.android.application\") }\nandroid { defaultConfig { targetSdk = 35 } }\n"),
            ("app/src/main/AndroidManifest.xml", r#"<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="com.example.run">
    <uses-permission android:name="android.permission.FOREGROUND_SERVICE_LOCATION" />
    <application>
        <service android:name=".RunTracker" android:foregroundServiceType="location|dataSync" />
    </application>
</manifest>
"#),
            ("app/src/main/kotlin/com/example/run/RunTracker.kt", r#"package com.example.run

class RunTracker : Service() {
    fun promote() {
        // dataSync is declared for a future upload feature but never started.
        ServiceCompat.startForeground(this, 1, buildNotification(), ServiceInfo.FOREGROUND_SERVICE_TYPE_LOCATION)
    }
}
"#),
        ],
        [
            ("pubspec.yaml", "name: walk\ndependencies:\n  flutter_foreground_task: ^8.0.0\n"),
            ("android/settings.gradle", "include ':app'\n"),
            ("android/app/build.gradle", "plugins { id 'com.android.application' }\nandroid { defaultConfig { targetSdk 35 } }\n"),
            ("android/app/src/main/AndroidManifest.xml", r#"<manifest xmlns:android="http://schemas.android.com/apk/res/android">
    <uses-permission android:name="android.permission.FOREGROUND_SERVICE_LOCATION" />
    <application>
        <service android:name="com.pravera.flutter_foreground_task.service.ForegroundService"
            android:foregroundServiceType="location|microphone" />
    </application>
</manifest>
"#),
            ("lib/walk.dart", r#"import 'package:flutter_foreground_task/flutter_foreground_task.dart';

Future<void> startWalk() => FlutterForegroundTask.startService(
      serviceId: 7,
      serviceTypes: [ForegroundServiceTypes.location],
      notificationTitle: 'Walking',
      notificationText: 'Recording your route',
    );
"#),
        ],
    ],
    check: None,
    project_check: Some(check),
}

/// Each foreground service type and the permission it needs (`None`: only FOREGROUND_SERVICE).
const TYPE_PERMISSIONS: &[(&str, Option<&str>)] = &[
    ("camera", Some("FOREGROUND_SERVICE_CAMERA")),
    ("connectedDevice", Some("FOREGROUND_SERVICE_CONNECTED_DEVICE")),
    ("dataSync", Some("FOREGROUND_SERVICE_DATA_SYNC")),
    ("health", Some("FOREGROUND_SERVICE_HEALTH")),
    ("location", Some("FOREGROUND_SERVICE_LOCATION")),
    ("mediaPlayback", Some("FOREGROUND_SERVICE_MEDIA_PLAYBACK")),
    ("mediaProcessing", Some("FOREGROUND_SERVICE_MEDIA_PROCESSING")),
    ("mediaProjection", Some("FOREGROUND_SERVICE_MEDIA_PROJECTION")),
    ("microphone", Some("FOREGROUND_SERVICE_MICROPHONE")),
    ("phoneCall", Some("FOREGROUND_SERVICE_PHONE_CALL")),
    ("remoteMessaging", Some("FOREGROUND_SERVICE_REMOTE_MESSAGING")),
    ("specialUse", Some("FOREGROUND_SERVICE_SPECIAL_USE")),
    ("systemExempted", Some("FOREGROUND_SERVICE_SYSTEM_EXEMPTED")),
    ("shortService", None),
];

/// Android 14 (API 34) introduced the type-specific permissions.
const PERMISSIONS_REQUIRED_FROM: u32 = 34;

fn check(project: &Project, code: &ProjectCode<'_>, out: &mut Vec<ProjectFinding>) {
    let Some(android) = project.android_app() else { return };
    if !android.targets_at_least(PERMISSIONS_REQUIRED_FROM) {
        return;
    }
    let target = android.target_sdk.describe();
    let mut started: Option<Started> = None;
    for service in android.services() {
        if service.item.tools_node.as_deref() == Some("remove") {
            continue;
        }
        let Some(types) = &service.item.foreground_service_types else { continue };
        // The app's own service class, and nothing in the project ever calls startForeground:
        // the type is declared but never used (a media browser service, say), so nothing throws.
        let simple = service.item.qualified_name.rsplit('.').next().unwrap_or("");
        if code.has_source_named(simple) && !code.mentions(&["startForeground"]) {
            continue;
        }
        let mut missing: Vec<(&str, &str)> = Vec::new();
        for ty in &types.value {
            let Some((_, Some(permission))) = TYPE_PERMISSIONS.iter().find(|(t, _)| t == ty) else { continue };
            if android.permission(permission).is_some() || missing.iter().any(|(_, p)| p == permission) {
                continue;
            }
            missing.push((ty, permission));
        }
        if missing.is_empty() {
            continue;
        }
        // Only now read the code for the types it starts services with (rarely needed).
        let started = started.get_or_insert_with(|| started_types(code));
        missing.retain(|(ty, _)| started.includes(ty));
        let Some(&(first_type, first_permission)) = missing.first() else { continue };
        let main = android.main_manifest();
        let message = if missing.len() == 1 {
            format!(
                "foregroundServiceType '{first_type}' requires android.permission.{first_permission}, which no \
                 manifest declares; with {target}, starting this service throws SecurityException."
            )
        } else {
            let types: Vec<String> = missing.iter().map(|(t, _)| format!("'{t}'")).collect();
            let permissions: Vec<String> = missing.iter().map(|(_, p)| format!("android.permission.{p}")).collect();
            format!(
                "foregroundServiceType {} requires {}, which no manifest declares; with {target}, starting this \
                 service throws SecurityException.",
                types.join(", "),
                permissions.join(", ")
            )
        };
        let names: Vec<&str> = missing.iter().map(|(_, p)| *p).collect();
        out.push(ProjectFinding::in_config(service.file, types.span.clone(), message).with_label(Label::in_config(
            &main.file,
            main.facts.manifest_span.clone(),
            format!("no {} among this manifest's permissions", names.join(", ")),
        )));
    }
}

/// The foreground service types the code starts services with, as far as it can be read.
#[derive(Debug, Default)]
struct Started {
    /// Some start names no type, or one we cannot read: every declared type may be started.
    all: bool,
    types: Vec<String>,
}

impl Started {
    fn includes(&self, ty: &str) -> bool {
        self.all || self.types.iter().any(|t| t == ty)
    }
}

/// Reads the project's Kotlin, Java and Dart sources for `startForeground` calls and
/// flutter_foreground_task `ForegroundServiceTypes`. No evidence at all means "unknown": every
/// declared type counts.
fn started_types(code: &ProjectCode<'_>) -> Started {
    let mut started = Started::default();
    let mut evidence = false;
    for path in &code.source_files {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !matches!(ext, "kt" | "java" | "dart") {
            continue;
        }
        let Ok(bytes) = (code.load)(path) else { continue };
        let text = String::from_utf8_lossy(&bytes);
        if ext == "dart" {
            for (at, _) in text.match_indices("ForegroundServiceTypes.") {
                let rest = &text[at + "ForegroundServiceTypes.".len()..];
                let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
                if !name.is_empty() {
                    evidence = true;
                    started.types.push(name);
                }
            }
            continue;
        }
        for (at, _) in text.match_indices("startForeground(") {
            let before = text[..at].trim_end();
            // A declaration (`fun startForeground(`, `void startForeground(`) is not a start.
            if before.ends_with("fun") || before.ends_with("void") {
                continue;
            }
            let Some(args) = call_arguments(&text[at + "startForeground".len()..]) else {
                started.all = true;
                continue;
            };
            evidence = true;
            let type_index = if before.ends_with("ServiceCompat.") { 3 } else { 2 };
            let Some(arg) = args.get(type_index) else {
                started.all = true;
                continue;
            };
            let constants = type_constants(arg);
            if constants.is_empty() || constants.iter().any(|c| c == "manifest") {
                started.all = true;
            }
            started.types.extend(constants);
        }
    }
    started.all |= !evidence;
    started
}

/// The top-level arguments of a call, given the text from its `(`; `None` when unbalanced.
fn call_arguments(text: &str) -> Option<Vec<&str>> {
    let mut depth = 0usize;
    let mut args = Vec::new();
    let mut start = 1;
    for (i, c) in text.char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    let last = text[start..i].trim();
                    if !last.is_empty() || !args.is_empty() {
                        args.push(last);
                    }
                    return Some(args);
                }
            }
            ',' if depth == 1 => {
                args.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
        if i > 2000 {
            return None;
        }
    }
    None
}

/// `FOREGROUND_SERVICE_TYPE_DATA_SYNC` and friends in an expression, as manifest type names
/// (`dataSync`); `manifest` for `FOREGROUND_SERVICE_TYPE_MANIFEST`.
fn type_constants(expression: &str) -> Vec<String> {
    const PREFIX: &str = "FOREGROUND_SERVICE_TYPE_";
    expression
        .match_indices(PREFIX)
        .map(|(at, _)| {
            let snake: String = expression[at + PREFIX.len()..]
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            let mut camel = String::new();
            for (i, part) in snake.split('_').filter(|p| !p.is_empty()).enumerate() {
                let lower = part.to_ascii_lowercase();
                if i == 0 {
                    camel.push_str(&lower);
                } else {
                    camel.push_str(&lower[..1].to_ascii_uppercase());
                    camel.push_str(&lower[1..]);
                }
            }
            camel
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_arguments_are_read_as_manifest_names() {
        assert_eq!(
            type_constants(
                "ServiceInfo.FOREGROUND_SERVICE_TYPE_DATA_SYNC or ServiceInfo.FOREGROUND_SERVICE_TYPE_LOCATION"
            ),
            ["dataSync", "location"]
        );
        assert_eq!(type_constants("FOREGROUND_SERVICE_TYPE_MANIFEST"), ["manifest"]);
        assert!(type_constants("type").is_empty());
        assert_eq!(call_arguments("(1, build(a, b), T)"), Some(vec!["1", "build(a, b)", "T"]));
        assert_eq!(call_arguments("()"), Some(vec![]));
        assert_eq!(call_arguments("(1, n"), None);
    }
}
