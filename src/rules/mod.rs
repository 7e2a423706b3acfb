//! Rules: one metadata shape ([`meta::RuleMeta`]), declarative rules loaded from `rules/`,
//! Rust rules under `ios/`, `android/` and `flutter/`, and the registry that lists them all.

pub mod declarative;
pub mod meta;
pub mod native;
pub mod registry;

pub mod android;
pub mod flutter;
pub mod ios;

pub use registry::{Registry, RuleImpl};
