//! The project model: which projects the analysed paths contain, and what their configuration
//! files (Info.plist, entitlements, AndroidManifest.xml, Gradle, pubspec.yaml) declare.

pub mod facts;
