//! `android-fgs-type-permission-missing`: a `<service android:foregroundServiceType="…">` whose
//! type-specific `FOREGROUND_SERVICE_<TYPE>` permission no manifest of the app declares.
//!
//! A project check over the merged view of the app's manifests (app and library modules,
//! flavours). Types we do not know (placeholders, typos) are left alone, and so is a permission
//! declared with `maxSdkVersion`: apps do that on purpose when they drop the type at runtime.

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
project calls `startForeground` (the type is declared but never used, so nothing throws).",
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
    signals: ["startForeground"],
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
        for ty in &types.value {
            let Some((_, Some(permission))) = TYPE_PERMISSIONS.iter().find(|(t, _)| t == ty) else { continue };
            if android.permission(permission).is_some() {
                continue;
            }
            let main = android.main_manifest();
            out.push(
                ProjectFinding::in_config(
                    service.file,
                    types.span.clone(),
                    format!(
                        "foregroundServiceType '{ty}' requires android.permission.{permission}, which no manifest \
                         declares; with {target}, starting this service throws SecurityException."
                    ),
                )
                .with_label(Label::in_config(
                    &main.file,
                    main.facts.manifest_span.clone(),
                    format!("no {permission} among this manifest's permissions"),
                )),
            );
        }
    }
}
