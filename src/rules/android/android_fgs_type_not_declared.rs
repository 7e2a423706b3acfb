//! `android-fgs-type-not-declared`: a foreground service started from Kotlin, Java or through a Dart
//! plugin whose manifest declaration has no `android:foregroundServiceType`, in an app that
//! targets Android 14 (API 34) or later.
//!
//! Kotlin and Java services are matched to their `<service>` by class name; a service no manifest
//! declares (a library's manifest we did not see) stays silent. Plugin services ship without a
//! type, so the app must override their declaration with one.

use crate::diagnostics::{Finding, Label};
use crate::lang::platform::{may_run_on, Os};
use crate::lang::syntax::{calls_in, class_name, enclosing_class, package_name, Call};
use crate::lang::{Language, ParsedFile};
use crate::project::facts::Component;
use crate::project::model::{AndroidSide, InManifest};
use crate::rules::RuleContext;

crate::declare_rule! {
    id: "android-fgs-type-not-declared",
    platform: Android,
    languages: [Kotlin, Java, Dart],
    config: [Manifest, Gradle, Pubspec],
    category: "foreground-services",
    severity: Error,
    summary: "Foreground service started without an android:foregroundServiceType when targeting Android 14+",
    help: "Declare android:foregroundServiceType on the service in AndroidManifest.xml (overriding a plugin's declaration with tools:node=\"merge\") and add the matching FOREGROUND_SERVICE_<TYPE> permission.",
    what: "A foreground service started while its `<service>` declaration has no `android:foregroundServiceType`, \
in an app whose targetSdk is 34 or higher (or assumed to be, when Gradle names a value bglint cannot read, such as \
`flutter.targetSdkVersion`). Kotlin and Java: a class calling `startForeground(…)` or `ServiceCompat.startForeground(this, …)` \
whose manifest declaration (matched by class name) lacks the type. Dart: flutter_background_service \
`AndroidConfiguration(isForegroundMode: true)`, flutter_local_notifications `startForegroundService(…)` and \
flutter_foreground_task `FlutterForegroundTask.startService(…)`, when the app manifest does not declare the plugin's \
service with a type.",
    why: "Apps targeting Android 14 must give every foreground service a type. `startForeground()` on a service \
declared without one throws `MissingForegroundServiceTypeException`, so the service crashes instead of running. \
The Flutter plugins above declare their services without a type, because only the app knows which type fits \
its work; the app must override the declaration.",
    instead: "Pick the type that matches the work (`dataSync`, `location`, `mediaPlayback`, `connectedDevice`, …) and \
declare it, with the matching permission (see android-fgs-type-permission-missing). For a plugin's service, add \
`<service android:name=\"…\" android:foregroundServiceType=\"…\" tools:node=\"merge\"/>` to the app manifest. If no type \
fits, move the work to WorkManager or a user-initiated data transfer job.",
    sources: [
        "https://developer.android.com/about/versions/14/changes/fgs-types-required",
        "https://developer.android.com/develop/background-work/services/fgs/service-types",
        "https://github.com/ekasetiawans/flutter_background_service#android",
    ],
    fix: None,
    also_reported_by: Some("AndroidLint:ForegroundServiceType"),
    keywords: ["startForeground", "AndroidConfiguration", "FlutterForegroundTask"],
    signals: [],
    bad: [],
    good: [],
    bad_projects: [
        [
            ("settings.gradle.kts", "include(\":app\")\n"),
            ("app/build.gradle.kts", "plugins { id(\"com.android.application\") }\nandroid {\n    defaultConfig {\n        targetSdk = 34\n    }\n}\n"),
            ("app/src/main/AndroidManifest.xml", r#"<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="com.example.pantry">
    <uses-permission android:name="android.permission.FOREGROUND_SERVICE" />
    <application>
        <service android:name=".sync.SyncService" android:exported="false" />
    </application>
</manifest>
"#),
            ("app/src/main/kotlin/com/example/pantry/sync/SyncService.kt", r#"package com.example.pantry.sync

class SyncService : Service() {
    override fun onStartCommand(intent: Intent?, flags: Int, startId: Int): Int {
        «startForeground(1, buildNotification())»
        return START_NOT_STICKY
    }
}
"#),
        ],
        [
            ("pubspec.yaml", "name: tracker\ndependencies:\n  flutter_background_service: ^5.0.10\n"),
            ("android/app/build.gradle.kts", "plugins { id(\"com.android.application\") }\nandroid { defaultConfig { targetSdk = flutter.targetSdkVersion } }\n"),
            ("android/app/src/main/AndroidManifest.xml", r#"<manifest xmlns:android="http://schemas.android.com/apk/res/android">
    <application android:label="tracker" />
</manifest>
"#),
            ("lib/service.dart", r#"import 'package:flutter_background_service/flutter_background_service.dart';

Future<void> startTracking() async {
  await FlutterBackgroundService().configure(
    androidConfiguration: «AndroidConfiguration»(onStart: onStart, isForegroundMode: true),
    iosConfiguration: IosConfiguration(),
  );
}
"#),
        ],
        [
            ("settings.gradle", "include ':app'\n"),
            ("app/build.gradle", "apply plugin: 'com.android.application'\nandroid {\n    namespace 'com.example.radio'\n    defaultConfig { targetSdkVersion 34 }\n}\n"),
            ("app/src/main/AndroidManifest.xml", r#"<manifest xmlns:android="http://schemas.android.com/apk/res/android">
    <uses-permission android:name="android.permission.FOREGROUND_SERVICE" />
    <application>
        <service android:name=".player.PlayerService" android:exported="false" />
    </application>
</manifest>
"#),
            ("app/src/main/java/com/example/radio/player/PlayerService.java", r#"package com.example.radio.player;

public class PlayerService extends Service {
    @Override
    public int onStartCommand(Intent intent, int flags, int startId) {
        «ServiceCompat.startForeground(this, 1, buildNotification(), 0)»;
        return START_STICKY;
    }
}
"#),
        ],
        [
            ("settings.gradle", "include ':app'\n"),
            ("app/build.gradle", "apply plugin: 'com.android.application'\nandroid {\n    namespace 'com.example.radio'\n    defaultConfig { targetSdkVersion 34 }\n}\n"),
            ("app/src/main/AndroidManifest.xml", r#"<manifest xmlns:android="http://schemas.android.com/apk/res/android">
    <application>
        <service android:name=".player.PlayerService" android:foregroundServiceType="mediaPlayback" />
        <service android:name=".player.PlayerService$Prefetch" android:exported="false" />
    </application>
</manifest>
"#),
            ("app/src/main/java/com/example/radio/player/PlayerService.java", r#"package com.example.radio.player;

public class PlayerService extends Service {
    // A nested service: `PlayerService$Prefetch` in the manifest, declared without a type.
    public static class Prefetch extends Service {
        @Override
        public int onStartCommand(Intent intent, int flags, int startId) {
            «startForeground(2, buildNotification())»;
            return START_NOT_STICKY;
        }
    }
}
"#),
        ],
    ],
    good_projects: [
        [
            ("settings.gradle", "include ':app'\n"),
            ("app/build.gradle", "apply plugin: 'com.android.application'\nandroid {\n    namespace 'com.example.radio'\n    defaultConfig { targetSdkVersion 34 }\n}\n"),
            ("app/src/main/AndroidManifest.xml", r#"<manifest xmlns:android="http://schemas.android.com/apk/res/android">
    <uses-permission android:name="android.permission.FOREGROUND_SERVICE_MEDIA_PLAYBACK" />
    <application>
        <service android:name=".player.PlayerService" android:foregroundServiceType="mediaPlayback" android:exported="false" />
        <service android:name=".player.Helper" android:exported="false" />
    </application>
</manifest>
"#),
            ("app/src/main/java/com/example/radio/player/PlayerService.java", r#"package com.example.radio.player;

public class PlayerService extends Service {
    @Override
    public int onStartCommand(Intent intent, int flags, int startId) {
        startForeground(1, buildNotification());
        return START_STICKY;
    }
}

// Starts another object's service, not its own: nothing to match against this class.
class Helper {
    void promote(Service other) { other.startForeground(2, notification); }
}
"#),
        ],
        [
            ("pubspec.yaml", "name: chat\ndependencies:\n  flutter_local_notifications: ^17.2.0\n"),
            ("android/app/build.gradle", "apply plugin: 'com.android.application'\nandroid { defaultConfig { targetSdkVersion 35 } }\n"),
            ("android/app/src/main/AndroidManifest.xml", r#"<manifest xmlns:android="http://schemas.android.com/apk/res/android">
    <application android:label="chat" />
</manifest>
"#),
            ("lib/keep_alive.dart", r#"// The app's own method channel, not flutter_local_notifications' Android implementation.
Future<void> run() => MethodChannels.actions.startForegroundService();
"#),
        ],
        [
            ("settings.gradle.kts", "include(\":app\")\n"),
            ("app/build.gradle.kts", "plugins { id(\"com.android.application\") }\nandroid {\n    defaultConfig {\n        targetSdk = 34\n    }\n}\n"),
            ("app/src/main/AndroidManifest.xml", r#"<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="com.example.pantry">
    <uses-permission android:name="android.permission.FOREGROUND_SERVICE_DATA_SYNC" />
    <application>
        <service android:name=".sync.SyncService" android:foregroundServiceType="dataSync" android:exported="false" />
    </application>
</manifest>
"#),
            ("app/src/main/kotlin/com/example/pantry/sync/SyncService.kt", r#"package com.example.pantry.sync

class SyncService : Service() {
    override fun onStartCommand(intent: Intent?, flags: Int, startId: Int): Int {
        startForeground(1, buildNotification())
        return START_NOT_STICKY
    }
}
"#),
        ],
        [
            ("settings.gradle", "include ':app'\n"),
            ("app/build.gradle", "apply plugin: 'com.android.application'\nandroid { defaultConfig { targetSdkVersion 33 } }\n"),
            ("app/src/main/AndroidManifest.xml", r#"<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="com.example.legacy">
    <application>
        <service android:name=".PlayerService" />
    </application>
</manifest>
"#),
            ("app/src/main/java/com/example/legacy/PlayerService.kt", r#"package com.example.legacy

// targetSdk 33: types are not required yet.
class PlayerService : Service() {
    fun promote() { startForeground(7, notification) }
}
"#),
        ],
        [
            ("pubspec.yaml", "name: tracker\ndependencies:\n  flutter_background_service: ^5.0.10\n"),
            ("android/app/build.gradle.kts", "plugins { id(\"com.android.application\") }\nandroid { defaultConfig { targetSdk = 35 } }\n"),
            ("android/app/src/main/AndroidManifest.xml", r#"<manifest xmlns:android="http://schemas.android.com/apk/res/android" xmlns:tools="http://schemas.android.com/tools">
    <uses-permission android:name="android.permission.FOREGROUND_SERVICE_LOCATION" />
    <application android:label="tracker">
        <service
            android:name="id.flutter.flutter_background_service.BackgroundService"
            android:foregroundServiceType="location"
            tools:node="merge" />
    </application>
</manifest>
"#),
            ("lib/service.dart", r#"import 'package:flutter_background_service/flutter_background_service.dart';

Future<void> startTracking() async {
  await FlutterBackgroundService().configure(
    androidConfiguration: AndroidConfiguration(onStart: onStart, isForegroundMode: true),
    iosConfiguration: IosConfiguration(),
  );
}
"#),
        ],
    ],
    check: Some(check),
    project_check: None,
}

/// Android 14 (API 34) made foreground service types mandatory.
const TYPES_REQUIRED_FROM: u32 = 34;

/// A Dart plugin API that starts a plugin-declared foreground service.
struct PluginService {
    package: &'static str,
    call: &'static str,
    /// The receiver the call must have, or "" for any.
    receiver: &'static str,
    /// Text the file must contain, so a same-named method of the app is not taken for the plugin's.
    file_mentions: &'static str,
    class: &'static str,
}

const PLUGIN_SERVICES: &[PluginService] = &[
    PluginService {
        package: "flutter_background_service",
        call: "AndroidConfiguration",
        receiver: "",
        file_mentions: "AndroidConfiguration",
        class: "id.flutter.flutter_background_service.BackgroundService",
    },
    PluginService {
        package: "flutter_local_notifications",
        call: "startForegroundService",
        receiver: "",
        // Called on the plugin's Android implementation, obtained by this type name.
        file_mentions: "AndroidFlutterLocalNotificationsPlugin",
        class: "com.dexterous.flutterlocalnotifications.ForegroundService",
    },
    PluginService {
        package: "flutter_foreground_task",
        call: "startService",
        receiver: "FlutterForegroundTask",
        file_mentions: "FlutterForegroundTask",
        class: "com.pravera.flutter_foreground_task.service.ForegroundService",
    },
];

fn check(file: &ParsedFile<'_>, cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    let Some(project) = cx.project else { return };
    let Some(android) = project.android_app() else { return };
    if !android.targets_at_least(TYPES_REQUIRED_FROM) {
        return;
    }
    let target = android.target_sdk.describe();
    match file.lang {
        Language::Kotlin | Language::Java => check_jvm(file, android, &target, out),
        Language::Dart => {
            for call in calls_in(file, file.root()) {
                let Some(PluginService { package, class, .. }) = PLUGIN_SERVICES.iter().find(|p| {
                    call.name == p.call
                        && (p.receiver.is_empty() || call.receiver.is_some_and(|r| file.node_text(r) == p.receiver))
                        && file.text().contains(p.file_mentions)
                }) else {
                    continue;
                };
                if !project.depends_on(package) || !starts_foreground(file, &call) {
                    continue;
                }
                if !may_run_on(file, call.node, Os::Android) {
                    continue;
                }
                let declarations = android.service_declarations(class);
                if declarations.iter().any(|d| has_type(d.item)) {
                    continue;
                }
                let short = class.rsplit('.').next().unwrap_or(class);
                let label = match declarations.first() {
                    Some(d) => untyped_label(d),
                    None => {
                        let main = android.main_manifest();
                        let span = main.facts.application_span.clone().unwrap_or(main.facts.manifest_span.clone());
                        Label::in_config(&main.file, span, format!("no typed declaration of {short} here"))
                    }
                };
                out.push(
                    Finding::new(
                        call.callee.byte_range(),
                        format!(
                            "This starts {package}'s foreground service `{short}`, which the plugin declares without \
                             android:foregroundServiceType; with {target} it throws \
                             MissingForegroundServiceTypeException unless the app manifest declares a type for it."
                        ),
                    )
                    .with_label(label),
                );
            }
        }
        Language::Swift => {}
    }
}

/// `AndroidConfiguration(isForegroundMode: false)` runs the plugin's service in the background;
/// every other listed call starts it in the foreground.
fn starts_foreground(file: &ParsedFile<'_>, call: &Call<'_>) -> bool {
    call.name != "AndroidConfiguration"
        || call.arg("isForegroundMode").is_none_or(|a| file.node_text(a.value).trim() == "true")
}

fn has_type(service: &Component) -> bool {
    service.foreground_service_types.as_ref().is_some_and(|t| !t.value.is_empty())
}

fn untyped_label(declaration: &InManifest<'_, Component>) -> Label {
    Label::in_config(
        declaration.file,
        declaration.item.span.clone(),
        "declared here without android:foregroundServiceType",
    )
}

fn check_jvm(file: &ParsedFile<'_>, android: &AndroidSide, target: &str, out: &mut Vec<Finding>) {
    let package = package_name(file);
    let mut reported: Vec<usize> = Vec::new();
    for call in calls_in(file, file.root()) {
        // `startForeground(…)`, `this.startForeground(…)` or `ServiceCompat.startForeground(this, …)`.
        let own = call.name == "startForeground"
            && match call.receiver.map(|r| file.node_text(r)) {
                None | Some("this") => true,
                Some("ServiceCompat") => call.positional(0).is_some_and(|a| file.node_text(a.value) == "this"),
                Some(_) => false,
            };
        if !own {
            continue;
        }
        let Some(class) = enclosing_class(file.lang, call.node) else { continue };
        if reported.contains(&class.start_byte()) {
            continue;
        }
        let Some(name) = class_name(file, class) else { continue };
        // A nested service is `Outer$Inner` in the manifest (its binary name).
        let mut binary_name = name.to_string();
        let mut outer = class;
        while let Some(next) = enclosing_class(file.lang, outer) {
            binary_name = format!("{}${binary_name}", class_name(file, next).unwrap_or_default());
            outer = next;
        }
        let declarations: Vec<_> = android.services().filter(|s| names_class(s.item, package, &binary_name)).collect();
        // Undeclared (or declared only in a manifest we did not read): nothing to compare with.
        let Some(untyped) = declarations.iter().find(|d| !has_type(d.item)) else { continue };
        if declarations.iter().any(|d| has_type(d.item)) {
            continue;
        }
        reported.push(class.start_byte());
        out.push(
            Finding::new(
                call.node.byte_range(),
                format!(
                    "`{name}` is declared without android:foregroundServiceType; with {target}, startForeground() \
                     throws MissingForegroundServiceTypeException."
                ),
            )
            .with_label(untyped_label(untyped)),
        );
    }
}

/// Whether a manifest `<service android:name>` names the Kotlin or Java class `package.name`.
fn names_class(service: &Component, package: Option<&str>, name: &str) -> bool {
    let written = service.name.as_str();
    match package {
        Some(package) => {
            let qualified = format!("{package}.{name}");
            // `.sync.SyncService` in a manifest whose package lives in Gradle's `namespace`.
            service.qualified_name == qualified || (written.starts_with('.') && qualified.ends_with(written))
        }
        None => written == name,
    }
}
