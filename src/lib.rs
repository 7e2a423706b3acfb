//! bglint: finds mobile background-execution mistakes in Dart (Flutter), Swift (iOS) and
//! Kotlin (Android) before they ship. See ARCHITECTURE.md for the map of the layers.

pub mod baseline;
pub mod changed;
pub mod cli;
pub mod config;
pub mod diagnostics;
pub mod engine;
pub mod fsio;
#[doc(hidden)]
pub mod fuzzing;
pub mod lang;
pub mod lsp;
pub mod project;
pub mod report;
pub mod rules;
pub mod source;
pub mod suppress;
pub mod walk;
