//! `ios-bgtask-identifier-not-permitted`: a BGTaskScheduler identifier used in Swift or through
//! a Dart plugin that the app's Info.plist does not list in `BGTaskSchedulerPermittedIdentifiers`.
//!
//! Only identifiers known at analysis time are checked (literals and same-file constants);
//! entries with a trailing `.*` or a build setting (`$(PRODUCT_BUNDLE_IDENTIFIER).refresh`) match
//! as patterns. Without an app Info.plist the rule is silent: no plist found is not an empty list.

use crate::diagnostics::{Finding, Label};
use crate::lang::platform::{may_run_on, Os};
use crate::lang::strings::string_value;
use crate::lang::syntax::{calls_in, Call};
use crate::lang::{Language, Node, ParsedFile};
use crate::project::model::{IosSide, Project};
use crate::rules::RuleContext;

crate::declare_rule! {
    id: "ios-bgtask-identifier-not-permitted",
    platform: Ios,
    languages: [Swift, Dart],
    config: [InfoPlist, Pubspec],
    category: "background-tasks",
    severity: Error,
    summary: "BGTaskScheduler task identifier missing from BGTaskSchedulerPermittedIdentifiers",
    help: "Add the identifier to BGTaskSchedulerPermittedIdentifiers in the app's Info.plist, or use one that is listed there.",
    what: "A task identifier that the app's Info.plist does not list in `BGTaskSchedulerPermittedIdentifiers`, used in \
Swift (`BGTaskScheduler.shared.register(forTaskWithIdentifier:)`, `BGAppRefreshTaskRequest(identifier:)`, \
`BGProcessingTaskRequest(identifier:)`, `BGContinuedProcessingTaskRequest(identifier:…)`, \
`BGHealthResearchTaskRequest(identifier:)`, SwiftUI `.backgroundTask(.appRefresh(\"…\"))`, the workmanager plugin's \
`WorkmanagerPlugin.registerPeriodicTask(withIdentifier:)` / `registerBGProcessingTask(withIdentifier:)`) or in Dart \
(workmanager `registerPeriodicTask` / `registerProcessingTask`'s unique name, background_fetch \
`TaskConfig(taskId:)`, and flutter_background_service's `IosConfiguration(onBackground:)`, which needs \
`dev.flutter.background.refresh` — reported only when the plist lists no identifier at all, since AppDelegate can \
rename it). `BackgroundFetch.configure` is not checked: without `com.transistorsoft.fetch` the plugin falls back to \
the older background-fetch API. \
Identifiers are literals or same-file constants; list entries ending in `.*` and entries built from build settings \
(`$(PRODUCT_BUNDLE_IDENTIFIER).refresh`) match as patterns. Dart code gated to Android is not checked, and Dart calls \
are only checked when the plist shows some background-task setup (a permitted-identifier list, or the `fetch` or \
`processing` mode): apps often use these plugins on Android only, behind a setting the UI offers there.",
    why: "iOS only launches background tasks whose identifiers appear in `BGTaskSchedulerPermittedIdentifiers`. \
Submitting a request with any other identifier fails with `BGTaskScheduler.Error.Code.notPermitted` \
(BGTaskSchedulerErrorDomain code 3), and registering a handler for it does nothing useful: the task never runs. \
The Flutter plugins build on the same API, so their identifiers must be listed too.",
    instead: "Add the identifier to the array in the app target's Info.plist (Xcode: Info tab, \"Permitted background \
task scheduler identifiers\"), or change the code to use an identifier that is listed. Keep one constant for each \
identifier so the code and the plist cannot drift apart.",
    sources: [
        "https://developer.apple.com/documentation/backgroundtasks/bgtaskscheduler/error/notpermitted",
        "https://developer.apple.com/documentation/bundleresources/information-property-list/bgtaskschedulerpermittedidentifiers",
        "https://github.com/fluttercommunity/flutter_workmanager/blob/main/docs/quickstart.mdx",
        "https://github.com/transistorsoft/flutter_background_fetch/blob/master/help/INSTALL-IOS.md",
    ],
    fix: None,
    also_reported_by: None,
    keywords: [
        "forTaskWithIdentifier", "TaskRequest", "WorkmanagerPlugin", "appRefresh",
        "registerPeriodicTask", "registerProcessingTask", "BackgroundFetch", "TaskConfig", "IosConfiguration",
    ],
    signals: [],
    bad: [],
    good: [],
    bad_projects: [
        [
            ("Sample/Info.plist", r#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0">
<dict>
    <key>BGTaskSchedulerPermittedIdentifiers</key>
    <array>
        <string>com.example.notes.refresh</string>
    </array>
    <key>UIBackgroundModes</key>
    <array><string>fetch</string></array>
</dict>
</plist>
"#),
            ("Sample.xcodeproj/project.pbxproj", "// !$*UTF8*$!\n"),
            ("Sample/Scheduler.swift", r#"import BackgroundTasks

func scheduleRefresh() {
    let request = BGAppRefreshTaskRequest(identifier: «"com.example.notes.sync"»)
    try? BGTaskScheduler.shared.submit(request)
}
"#),
        ],
        [
            ("pubspec.yaml", "name: notes\ndependencies:\n  workmanager: ^0.7.0\n"),
            ("ios/Runner/Info.plist", r#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0">
<dict>
    <key>BGTaskSchedulerPermittedIdentifiers</key>
    <array>
        <string>com.example.notes.periodic</string>
    </array>
</dict>
</plist>
"#),
            ("lib/sync.dart", r#"import 'package:workmanager/workmanager.dart';

Future<void> scheduleSync() async {
  await Workmanager().registerPeriodicTask(«'notes_sync'», 'sync', frequency: const Duration(hours: 1));
}
"#),
        ],
        [
            ("pubspec.yaml", "name: relay\ndependencies:\n  flutter_background_service: ^5.1.0\n"),
            ("ios/Runner/Info.plist", r#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0">
<dict>
    <key>UIBackgroundModes</key>
    <array><string>fetch</string></array>
</dict>
</plist>
"#),
            ("lib/service.dart", r#"import 'package:flutter_background_service/flutter_background_service.dart';

Future<void> init() => FlutterBackgroundService().configure(
      iosConfiguration: IosConfiguration(«onBackground: onIosBackground»),
      androidConfiguration: AndroidConfiguration(onStart: onStart, isForegroundMode: false),
    );
"#),
        ],
    ],
    good_projects: [
        [
            ("Sample/Info.plist", r#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0">
<dict>
    <key>BGTaskSchedulerPermittedIdentifiers</key>
    <array>
        <string>$(PRODUCT_BUNDLE_IDENTIFIER).refresh</string>
        <string>com.example.export.*</string>
    </array>
</dict>
</plist>
"#),
            ("Sample.xcodeproj/project.pbxproj", "// !$*UTF8*$!\n"),
            ("Sample/Scheduler.swift", r#"import BackgroundTasks

enum TaskID { static let refresh = "com.example.notes.refresh" }

func scheduleRefresh(dynamic: String) {
    try? BGTaskScheduler.shared.submit(BGAppRefreshTaskRequest(identifier: TaskID.refresh))
    try? BGTaskScheduler.shared.submit(BGContinuedProcessingTaskRequest(identifier: "com.example.export.photos", title: "Export", subtitle: ""))
    try? BGTaskScheduler.shared.submit(BGProcessingTaskRequest(identifier: dynamic))
}
"#),
        ],
        [
            ("pubspec.yaml", "name: notes\ndependencies:\n  workmanager: ^0.7.0\n"),
            ("ios/Runner/Info.plist", r#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0">
<dict>
    <key>BGTaskSchedulerPermittedIdentifiers</key>
    <array>
        <string>com.example.notes.periodic</string>
    </array>
</dict>
</plist>
"#),
            ("lib/sync.dart", r#"import 'dart:io';
import 'package:workmanager/workmanager.dart';

Future<void> scheduleSync() async {
  await Workmanager().registerPeriodicTask('com.example.notes.periodic', 'sync');
  if (Platform.isAndroid) {
    await Workmanager().registerPeriodicTask('notes_sync', 'sync');
  }
  await Workmanager().registerOneOffTask('upload', 'upload');
}
"#),
        ],
        [
            ("pubspec.yaml", "name: reader\ndependencies:\n  background_fetch: ^1.3.0\n"),
            ("ios/Runner/Info.plist", r#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0">
<dict>
    <key>CFBundleName</key>
    <string>reader</string>
</dict>
</plist>
"#),
            ("lib/poll.dart", r#"import 'package:background_fetch/background_fetch.dart';

// Offered only on Android by the settings screen; the iOS app has no background setup at all.
Future<void> enablePolling() => BackgroundFetch.configure(BackgroundFetchConfig(minimumFetchInterval: 15), onFetch);
"#),
        ],
        [
            ("pubspec.yaml", "name: notes\ndependencies:\n  workmanager: ^0.7.0\n"),
            ("lib/sync.dart", r#"import 'package:workmanager/workmanager.dart';

// No ios/Runner/Info.plist among the analysed files: the list is unknown, so nothing is reported.
Future<void> scheduleSync() => Workmanager().registerPeriodicTask('notes_sync', 'sync');
"#),
        ],
        [
            ("pubspec.yaml", "name: notes\ndependencies:\n  workmanager: ^0.7.0\n"),
            ("ios/Runner/Info.plist", r#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0">
<dict>
    <key>BGTaskSchedulerPermittedIdentifiers</key>
    <array>
        <string>com.example.notes.periodic</string>
    </array>
</dict>
</plist>
"#),
            ("lib/settings_page.dart", r#"import 'dart:io';
import 'package:flutter/material.dart';
import 'package:workmanager/workmanager.dart';

// The Android-only switch sits behind a collection-if: it is never built on iOS.
List<Widget> syncOptions() => [
      const Text('Sync'),
      if (Platform.isAndroid) ...[
        TextButton(
          onPressed: () => Workmanager().registerPeriodicTask('notes_android_sync', 'sync'),
          child: const Text('Sync in the background'),
        ),
      ],
    ];
"#),
            ("lib/web/export_page.dart", r#"import 'dart:html' as html;
import 'package:workmanager/workmanager.dart';

// A page of the web build only.
void exportLater() {
  html.window.console.log('export');
  Workmanager().registerOneOffTask('notes_web_export', 'export');
}
"#),
        ],
    ],
    check: Some(check),
    project_check: None,
}

/// An identifier the code uses, and the node to report.
struct Use<'t> {
    id: String,
    at: Node<'t>,
}

fn check(file: &ParsedFile<'_>, cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    let Some(project) = cx.project else { return };
    let Some(ios) = project.ios_app() else { return };
    for call in calls_in(file, file.root()) {
        let used = match file.lang {
            Language::Swift => swift_use(file, &call),
            // Apps often use these plugins on Android only; without any iOS background setup
            // in the plist, a Dart call is not taken as iOS work.
            Language::Dart if ios.configures_background_tasks() => dart_use(file, project, ios, &call),
            Language::Dart | Language::Kotlin | Language::Java => None,
        };
        let Some(used) = used else { continue };
        if ios.identifier_permitted(&used.id) {
            continue;
        }
        out.push(
            Finding::new(
                used.at.byte_range(),
                format!(
                    "Task identifier '{}' is not listed in BGTaskSchedulerPermittedIdentifiers; submitting it fails \
                     with BGTaskSchedulerErrorDomain code 3 (notPermitted) and the task never runs.",
                    used.id
                ),
            )
            .with_label(identifiers_label(ios, &used.id)),
        );
    }
}

fn identifiers_label(ios: &IosSide, id: &str) -> Label {
    let (file, span) = ios.identifiers_anchor();
    let listed = ios.app_plists().any(|p| p.facts.permitted_task_ids.is_some());
    let message = if listed {
        format!("BGTaskSchedulerPermittedIdentifiers here does not include '{id}'")
    } else {
        "this Info.plist has no BGTaskSchedulerPermittedIdentifiers".to_string()
    };
    Label::in_config(file, span, message)
}

/// Swift: the identifier argument of the BackgroundTasks APIs (and the workmanager plugin's).
fn swift_use<'t>(file: &'t ParsedFile<'_>, call: &Call<'t>) -> Option<Use<'t>> {
    let arg = match call.name {
        "register" => call.arg("forTaskWithIdentifier"),
        "BGAppRefreshTaskRequest"
        | "BGProcessingTaskRequest"
        | "BGContinuedProcessingTaskRequest"
        | "BGHealthResearchTaskRequest" => call.arg("identifier"),
        "registerPeriodicTask" | "registerBGProcessingTask"
            if call.receiver.is_some_and(|r| file.node_text(r) == "WorkmanagerPlugin") =>
        {
            call.arg("withIdentifier")
        }
        "appRefresh" if file.text().contains("backgroundTask") => call.positional(0),
        _ => None,
    }?;
    Some(Use { id: string_value(file, arg.value)?, at: arg.value })
}

/// Dart: plugin calls whose identifiers iOS must permit, in code that can run on iOS.
fn dart_use<'t>(file: &'t ParsedFile<'_>, project: &Project, ios: &IosSide, call: &Call<'t>) -> Option<Use<'t>> {
    let (package, used) = match call.name {
        "registerPeriodicTask" | "registerProcessingTask" => {
            let arg = call.positional(0).or_else(|| call.arg("uniqueName"))?;
            ("workmanager", Use { id: string_value(file, arg.value)?, at: arg.value })
        }
        "TaskConfig" => {
            let arg = call.arg("taskId")?;
            ("background_fetch", Use { id: string_value(file, arg.value)?, at: arg.value })
        }
        // `BackgroundFetch.configure` is not checked: without `com.transistorsoft.fetch` listed,
        // the plugin falls back to the older background-fetch API, which still runs.
        // flutter_background_service's identifier can be renamed in AppDelegate
        // (`SwiftFlutterBackgroundServicePlugin.taskIdentifier`), so only a plist that lists no
        // identifier at all is known to lack it.
        "IosConfiguration" if !ios.app_plists().any(|p| p.facts.permitted_task_ids.is_some()) => {
            let arg = call.arg("onBackground")?;
            if file.node_text(arg.value) == "null" {
                return None;
            }
            ("flutter_background_service", Use { id: "dev.flutter.background.refresh".to_string(), at: arg.node })
        }
        _ => return None,
    };
    (project.depends_on(package) && may_run_on(file, call.node, Os::Ios)).then_some(used)
}
