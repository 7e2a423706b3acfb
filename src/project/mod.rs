//! The project model: which projects the analysed paths contain, and what their configuration
//! files (Info.plist, entitlements, AndroidManifest.xml, Gradle, pubspec.yaml) declare.

pub mod discover;
pub mod enclosing;
pub mod facts;
pub mod gradle;
pub mod manifest;
pub mod model;
pub mod plist;
pub mod pubspec;
pub mod test_code;
pub mod xml;
