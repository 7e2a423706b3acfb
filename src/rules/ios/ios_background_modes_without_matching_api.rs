//! `ios-background-modes-without-matching-api`: a `UIBackgroundModes` entry for which nothing in
//! the project uses the feature it exists for.
//!
//! Collect, then check: the file pass records which of the signal words below occur in the
//! project's Dart, Swift, Kotlin and Java code; this project check then asks, per declared mode,
//! whether any of that mode's evidence was seen, also searching Objective-C sources and the
//! dependency lists (pubspec.yaml, Podfile, Package.resolved, package.json). Evidence is
//! deliberately broad (a mention is enough) so that the rule only speaks when nothing at all
//! in the project relates to the mode.

use crate::project::model::Project;
use crate::rules::{ProjectCode, ProjectFinding};

crate::declare_rule! {
    id: "ios-background-modes-without-matching-api",
    platform: Ios,
    languages: [],
    config: [InfoPlist, Pubspec],
    category: "keep-alive",
    severity: Warning,
    summary: "UIBackgroundModes declares a mode that nothing in the project uses",
    help: "Remove background modes the app does not use; each mode is granted for one purpose and does not make other code run in the background.",
    what: "A `UIBackgroundModes` entry in the app's Info.plist for which no code or dependency of the project uses \
the feature: `voip` without PushKit/CallKit, `audio` without any audio playback or recording API, `location` \
without Core Location, `fetch` without background refresh (BGAppRefreshTask, workmanager, background_fetch, …), \
`processing` without any BGTaskScheduler use (or a plugin that schedules tasks), `remote-notification` without push \
handling, `bluetooth-central` / `bluetooth-peripheral` without Core Bluetooth, `external-accessory` without \
ExternalAccessory, `nearby-interaction`, `network-authentication` or `push-to-talk` without their frameworks, and \
the obsolete `newsstand-content`. Swift, Objective-C, Dart and Kotlin sources are searched, as are the names of \
dependencies in pubspec.yaml, Podfile, Package.resolved and package.json. Evidence is deliberately broad: a \
plugin we do not know may use a mode natively, so any mention of the feature's vocabulary in the app's own code \
(`location`, `audio`, `player`, `push`, `bluetooth`, …) counts as use, and the rule only speaks when nothing in \
the project relates to the mode. When the Xcode project names its targets' plists (`INFOPLIST_FILE`), only those \
are read.",
    why: "Each background mode is granted for a specific purpose, and App Review guideline 2.5.4 rejects apps that \
declare modes they do not use. A mode by itself does not keep arbitrary code running: iOS still suspends the app \
unless the mode's own feature (playing audio, tracking location, a VoIP call) is active, so a mode declared \
\"just in case\" buys nothing and invites rejection.",
    instead: "Remove the unused mode from Info.plist (in Xcode: Signing & Capabilities → Background Modes). If a \
closed-source SDK needs it, keep it and suppress the finding with the SDK's name as the reason.",
    sources: [
        "https://developer.apple.com/app-store/review/guidelines/#software-requirements",
        "https://developer.apple.com/documentation/bundleresources/information-property-list/uibackgroundmodes",
        "https://developer.apple.com/forums/thread/685525",
    ],
    fix: None,
    also_reported_by: None,
    keywords: [],
    signals: [
        "PKPushRegistry", "PushKit", "CXProvider", "CallKit", "CXCallController", "VoIP", "voip", "Voip", "callkit",
        "CallKeep", "callkeep",
        "AVAudioSession", "AVAudioPlayer", "AVPlayer", "AVAudioEngine", "AVQueuePlayer", "AVSpeechSynthesizer",
        "MPNowPlayingInfoCenter", "MPRemoteCommandCenter", "AudioQueue", "AudioUnit", "AVAudioRecorder", "AVCaptureSession",
        "Audio", "audio", "Player", "player", "Sound", "sound", "Speech", "speech", "Music", "music",
        "CLLocationManager", "CLMonitor", "CLLocationUpdate", "CLBackgroundActivitySession", "Location", "location",
        "Geolocator", "geolocator",
        "BGAppRefreshTask", "BGTaskScheduler", "setMinimumBackgroundFetchInterval", "performFetchWithCompletionHandler",
        "performFetch", "appRefresh", "BackgroundFetch", "backgroundFetch", "Workmanager", "FlutterBackgroundService",
        "BGProcessingTask", "BGContinuedProcessingTask", "registerProcessingTask", "scheduleTask",
        "RemoteNotification", "remoteNotification", "FirebaseMessaging", "Messaging", "onBackgroundMessage", "OneSignal",
        "UNNotificationServiceExtension", "Push", "push", "APNS", "apns", "Apns",
        "CBCentralManager", "CBPeripheralManager", "CoreBluetooth", "Bluetooth", "bluetooth", "FlutterBlue",
        "flutter_blue", "reactive_ble",
        "EAAccessoryManager", "EASession", "ExternalAccessory", "Accessory", "accessory",
        "NISession", "NearbyInteraction", "NEHotspotHelper", "PTChannelManager", "PushToTalk",
    ],
    bad: [],
    good: [],
    bad_projects: [
        [
            ("Sample.xcodeproj/project.pbxproj", "// !$*UTF8*$!\n"),
            ("Sample/Info.plist", r#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0">
<dict>
    <key>UIBackgroundModes</key>
    <array>
        <string>fetch</string>
        «<string>voip</string>»
    </array>
</dict>
</plist>
"#),
            ("Sample/Refresh.swift", r#"import BackgroundTasks

func scheduleRefresh() {
    try? BGTaskScheduler.shared.submit(BGAppRefreshTaskRequest(identifier: "com.example.refresh"))
}
"#),
        ],
    ],
    good_projects: [
        [
            ("Sample.xcodeproj/project.pbxproj", "// !$*UTF8*$!\n"),
            ("Sample/Info.plist", r#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0">
<dict>
    <key>UIBackgroundModes</key>
    <array>
        <string>audio</string>
        <string>voip</string>
    </array>
</dict>
</plist>
"#),
            ("Sample/Calls.swift", r#"import PushKit
import AVFoundation

final class Calls { let registry = PKPushRegistry(queue: .main) }
"#),
            ("Sample/Legacy.m", "#import <AVFoundation/AVFoundation.h>\n// [[AVAudioSession sharedInstance] setCategory:AVAudioSessionCategoryPlayback error:nil];\n"),
        ],
        [
            ("pubspec.yaml", "name: radio\ndependencies:\n  just_audio: ^0.9.40\n  flutter_blue_plus: ^1.32.0\n"),
            ("ios/Runner/Info.plist", r#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0">
<dict>
    <key>UIBackgroundModes</key>
    <array>
        <string>audio</string>
        <string>bluetooth-central</string>
    </array>
</dict>
</plist>
"#),
            ("lib/main.dart", "void main() {}\n"),
        ],
    ],
    check: None,
    project_check: Some(check),
}

/// Per mode: API words whose mention counts as use, and dependency-name fragments (lower case)
/// that suggest a package providing the feature. An empty evidence list means the mode is
/// obsolete and reported whenever declared.
const MODES: &[(&str, &[&str], &[&str])] = &[
    (
        "voip",
        &[
            "PKPushRegistry",
            "PushKit",
            "CXProvider",
            "CallKit",
            "CXCallController",
            "VoIP",
            "voip",
            "Voip",
            "callkit",
            "CallKeep",
            "callkeep",
        ],
        &[
            "callkit",
            "voip",
            "twilio",
            "agora",
            "webrtc",
            "sip",
            "zego",
            "livekit",
            "jitsi",
            "vonage",
            "connectycube",
            "stream_video",
            "sendbird_calls",
            "linphone",
            "pjsip",
            "callkeep",
        ],
    ),
    (
        "audio",
        &[
            "AVAudioSession",
            "AVAudioPlayer",
            "AVPlayer",
            "AVAudioEngine",
            "AVQueuePlayer",
            "AVSpeechSynthesizer",
            "MPNowPlayingInfoCenter",
            "MPRemoteCommandCenter",
            "AudioQueue",
            "AudioUnit",
            "AVAudioRecorder",
            "AVCaptureSession",
            "Audio",
            "audio",
            "Player",
            "player",
            "Sound",
            "sound",
            "Speech",
            "speech",
            "Music",
            "music",
        ],
        &[
            "audio", "sound", "player", "music", "tts", "speech", "record", "radio", "podcast", "media", "video",
            "webrtc", "agora", "livekit", "callkit", "voip", "sip", "zego", "jitsi", "vlc", "mpv", "youtube",
            "spotify", "twilio",
        ],
    ),
    (
        "location",
        &[
            "CLLocationManager",
            "CLMonitor",
            "CLLocationUpdate",
            "CLBackgroundActivitySession",
            "Location",
            "location",
            "Geolocator",
            "geolocator",
        ],
        &["location", "geo", "gps", "tracking", "navigation", "beacon", "fence", "mapbox", "traccar"],
    ),
    (
        "fetch",
        &[
            "BGAppRefreshTask",
            "BGTaskScheduler",
            "setMinimumBackgroundFetchInterval",
            "performFetchWithCompletionHandler",
            "performFetch",
            "appRefresh",
            "Workmanager",
            "BackgroundFetch",
            "backgroundFetch",
            "FlutterBackgroundService",
        ],
        &["workmanager", "background", "fetch", "sync", "work_manager", "downloader"],
    ),
    (
        // Any BGTaskScheduler use counts: apps that adopt it often declare both modes, and an
        // unused `processing` mode is a harmless leftover rather than a keep-alive.
        "processing",
        &[
            "BGProcessingTask",
            "BGContinuedProcessingTask",
            "BGTaskScheduler",
            "registerProcessingTask",
            "scheduleTask",
            "Workmanager",
            "BackgroundFetch",
            "FlutterBackgroundService",
        ],
        &["workmanager", "work_manager", "background"],
    ),
    (
        "remote-notification",
        &[
            "didReceiveRemoteNotification",
            "RemoteNotification",
            "remoteNotification",
            "FirebaseMessaging",
            "Messaging",
            "onBackgroundMessage",
            "OneSignal",
            "UNNotificationServiceExtension",
            "PKPushRegistry",
            "Push",
            "push",
            "APNS",
            "apns",
            "Apns",
        ],
        &[
            "messaging",
            "push",
            "notification",
            "onesignal",
            "pusher",
            "airship",
            "braze",
            "intercom",
            "sendbird",
            "clevertap",
            "moengage",
            "iterable",
            "pushwoosh",
            "fcm",
            "apns",
            "firebase",
            "batch",
            "customer",
            "amplify",
        ],
    ),
    (
        "bluetooth-central",
        &["CBCentralManager", "CoreBluetooth", "Bluetooth", "bluetooth", "FlutterBlue", "flutter_blue", "reactive_ble"],
        &["ble", "blue", "beacon", "nearby"],
    ),
    (
        "bluetooth-peripheral",
        &[
            "CBPeripheralManager",
            "CoreBluetooth",
            "Bluetooth",
            "bluetooth",
            "FlutterBlue",
            "flutter_blue",
            "reactive_ble",
        ],
        &["ble", "blue", "beacon", "nearby"],
    ),
    (
        "external-accessory",
        &["EAAccessoryManager", "EASession", "ExternalAccessory", "Accessory", "accessory"],
        &["accessory", "mfi", "printer", "zebra", "scanner"],
    ),
    ("nearby-interaction", &["NISession", "NearbyInteraction"], &["nearby", "uwb"]),
    ("network-authentication", &["NEHotspotHelper"], &["hotspot", "wifi"]),
    ("push-to-talk", &["PTChannelManager", "PushToTalk"], &["ptt", "talk"]),
    ("newsstand-content", &[], &[]),
];

fn check(project: &Project, code: &ProjectCode<'_>, out: &mut Vec<ProjectFinding>) {
    let Some(ios) = project.ios_app() else { return };
    // Code we cannot read (React Native JavaScript, a Unity or Xamarin build) may use any mode.
    if code.has_foreign_code() {
        return;
    }
    let dependencies = code.dependency_names(project);
    for plist in ios.app_plists() {
        let Some(modes) = &plist.facts.background_modes else { continue };
        for item in &modes.items {
            let Some((mode, words, fragments)) = MODES.iter().find(|(m, _, _)| *m == item.value) else { continue };
            let obsolete = words.is_empty();
            let used = !obsolete
                && (code.mentions(words) || dependencies.iter().any(|d| fragments.iter().any(|f| d.contains(f))));
            if used {
                continue;
            }
            let message = if obsolete {
                format!(
                    "UIBackgroundModes declares `{mode}`, which iOS no longer supports (Newsstand was removed in \
                     iOS 13); remove it."
                )
            } else {
                format!(
                    "UIBackgroundModes declares `{mode}` but nothing in this project uses it; a mode without its \
                     feature grants no background time and risks App Review rejection (guideline 2.5.4)."
                )
            };
            out.push(ProjectFinding::in_config(&plist.file, item.span.clone(), message));
        }
    }
}
