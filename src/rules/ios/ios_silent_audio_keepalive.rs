//! `ios-silent-audio-keepalive`: a looping, silent (or near-silent) audio player in an app that
//! declares the `audio` background mode: the classic trick to avoid suspension.
//!
//! Three things must hold: the player loops forever, it is silent (volume at most 0.05, or a
//! resource named like silence), and the app's Info.plist declares `audio` (without the mode the
//! trick does nothing). Volume and resource are looked for in the same type (Swift) or class
//! (Dart) as the loop, since players are usually configured in one place.

use crate::diagnostics::{Finding, Label};
use crate::lang::strings::string_value;
use crate::lang::syntax::{calls_in, descendants, enclosing_type};
use crate::lang::{Language, Node, ParsedFile};
use crate::rules::RuleContext;

crate::declare_rule! {
    id: "ios-silent-audio-keepalive",
    platform: Ios,
    languages: [Swift, Dart],
    config: [InfoPlist],
    category: "keep-alive",
    severity: Error,
    summary: "Looping silent audio used to keep the app running in the background",
    help: "Remove the silent player; use BGTaskScheduler, a background URLSession, push or a local notification for what it was keeping alive.",
    what: "An audio player set to loop forever (`numberOfLoops = -1`, `AVPlayerLooper`; just_audio \
`setLoopMode(LoopMode.one|all)`, audioplayers `setReleaseMode(ReleaseMode.loop)`) that is silent — volume at most \
0.05, or a resource whose name says silence (`silence`, `silent`, `blank`, `empty`, `mute`, `quiet`) — in an app whose \
Info.plist declares the `audio` background mode.",
    why: "The `audio` background mode is for apps that play audible content the user wants while the app is in \
the background. Playing silence to avoid suspension misuses it: App Review rejects such apps under guideline 2.5.4, \
and iOS can still suspend or terminate the app (an interruption such as a phone call stops the player, and the \
app is suspended).",
    instead: "Remove the player and choose the mechanism made for the real goal: BGTaskScheduler for deferrable \
work, a background URLSession for transfers, push notifications for server events, a local notification for \
something the user must see at a time.",
    sources: [
        "https://developer.apple.com/app-store/review/guidelines/#software-requirements",
        "https://developer.apple.com/forums/thread/685525",
        "https://developer.apple.com/documentation/avfaudio/avaudioplayer/numberofloops",
    ],
    fix: None,
    also_reported_by: None,
    keywords: ["numberOfLoops", "AVPlayerLooper", "setLoopMode", "setReleaseMode"],
    signals: [],
    bad: [],
    good: [],
    bad_projects: [
        [
            ("Sample.xcodeproj/project.pbxproj", "// !$*UTF8*$!\n"),
            ("Sample/Info.plist", r#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0">
<dict>
    <key>UIBackgroundModes</key>
    <array><string>audio</string></array>
</dict>
</plist>
"#),
            ("Sample/KeepAlive.swift", r#"import AVFoundation

final class BackgroundKeeper {
    private var player: AVAudioPlayer?

    func start() throws {
        let url = Bundle.main.url(forResource: "silence", withExtension: "wav")!
        let player = try AVAudioPlayer(contentsOf: url)
        «player.numberOfLoops = -1»
        player.volume = 0
        player.play()
        self.player = player
    }
}
"#),
        ],
        [
            ("pubspec.yaml", "name: keeper\ndependencies:\n  just_audio: ^0.9.40\n"),
            ("ios/Runner/Info.plist", r#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0">
<dict>
    <key>UIBackgroundModes</key>
    <array><string>audio</string><string>fetch</string></array>
</dict>
</plist>
"#),
            ("lib/keep_alive.dart", r#"import 'package:just_audio/just_audio.dart';

class KeepAlive {
  final _player = AudioPlayer();

  Future<void> start() async {
    await _player.setAsset('assets/audio/blank.mp3');
    await _player.setVolume(0);
    await «_player.setLoopMode(LoopMode.one)»;
    await _player.play();
  }
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
    <array><string>audio</string></array>
</dict>
</plist>
"#),
            ("Sample/Ambience.swift", r#"import AVFoundation

// Rain sounds the user chose, looping at an audible volume.
final class Ambience {
    func play(_ player: AVAudioPlayer) {
        player.numberOfLoops = -1
        player.volume = 0.6
        player.play()
    }
}
"#),
        ],
        [
            ("Sample.xcodeproj/project.pbxproj", "// !$*UTF8*$!\n"),
            ("Sample/Info.plist", r#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0">
<dict>
    <key>UIBackgroundModes</key>
    <array><string>fetch</string></array>
</dict>
</plist>
"#),
            ("Sample/Preview.swift", r#"import AVFoundation

// No audio background mode: the loop stops with the app, which is what a muted preview wants.
final class MutedPreview {
    func play(_ player: AVAudioPlayer) {
        player.numberOfLoops = -1
        player.volume = 0
        player.play()
    }
}
"#),
        ],
    ],
    check: Some(check),
    project_check: None,
}

/// The most a player may be turned down to and still count as audible.
const MAX_SILENT_VOLUME: f64 = 0.05;

/// Resource names that say "this file is silence".
const SILENT_NAMES: &[&str] = &["silen", "blank", "empty", "mute", "quiet"];

fn check(file: &ParsedFile<'_>, cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    let Some(ios) = cx.project.and_then(|p| p.ios_app()) else { return };
    let Some(mode) = ios.mode("audio") else { return };
    for looping in loops(file) {
        let scope = enclosing_type(file.lang, looping).unwrap_or(file.root());
        if !is_silent(file, scope) {
            continue;
        }
        out.push(
            Finding::new(
                looping.byte_range(),
                "Looping silent audio to avoid suspension misuses the audio background mode and is grounds for App \
                 Store rejection (guideline 2.5.4); iOS can still suspend or terminate the app.",
            )
            .with_label(Label::in_config(
                mode.file,
                mode.item.span.clone(),
                "the `audio` mode this relies on",
            )),
        );
    }
}

/// Nodes that make a player loop forever.
fn loops<'t>(file: &'t ParsedFile<'_>) -> Vec<Node<'t>> {
    let mut found = Vec::new();
    match file.lang {
        Language::Swift => {
            for node in descendants(file.root()) {
                if node.kind() == "assignment" {
                    let (Some(target), Some(value)) =
                        (node.child_by_field_name("target"), node.child_by_field_name("result"))
                    else {
                        continue;
                    };
                    if file.node_text(target).ends_with("numberOfLoops") && compact(file.node_text(value)) == "-1" {
                        found.push(node);
                    }
                }
            }
            found
                .extend(calls_in(file, file.root()).into_iter().filter(|c| c.name == "AVPlayerLooper").map(|c| c.node));
        }
        Language::Dart => {
            for call in calls_in(file, file.root()) {
                let arg = call.positional(0).map(|a| compact(file.node_text(a.value)));
                let loops = match call.name {
                    "setLoopMode" => matches!(arg.as_deref(), Some("LoopMode.one" | "LoopMode.all")),
                    "setReleaseMode" => arg.as_deref() == Some("ReleaseMode.loop"),
                    _ => false,
                };
                if loops {
                    found.push(call.node);
                }
            }
        }
        Language::Kotlin | Language::Java => {}
    }
    found
}

/// Whether `scope` turns a player down to silence or loads a silence-named resource.
fn is_silent(file: &ParsedFile<'_>, scope: Node<'_>) -> bool {
    let quiet_number =
        |node: Node<'_>| compact(file.node_text(node)).parse::<f64>().is_ok_and(|v| v <= MAX_SILENT_VOLUME);
    let silent_name = |node: Node<'_>| {
        string_value(file, node).is_some_and(|s| {
            let name = s.rsplit('/').next().unwrap_or(&s).to_lowercase();
            SILENT_NAMES.iter().any(|w| name.contains(w))
        })
    };
    for node in descendants(scope) {
        if file.lang == Language::Swift && node.kind() == "assignment" {
            if let (Some(target), Some(value)) =
                (node.child_by_field_name("target"), node.child_by_field_name("result"))
            {
                if file.node_text(target).ends_with("volume") && quiet_number(value) {
                    return true;
                }
            }
        }
    }
    calls_in(file, scope).iter().any(|call| {
        let volume = match call.name {
            "setVolume" => call.positional(0),
            _ => call.arg("volume"),
        };
        if volume.is_some_and(|a| quiet_number(a.value)) {
            return true;
        }
        call.args.iter().any(|a| {
            matches!(a.label, None | Some("forResource" | "named" | "contentsOf" | "url" | "path"))
                && silent_name(a.value)
        })
    })
}

fn compact(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}
