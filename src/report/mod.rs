//! Reporters turn generic diagnostics into what a person or a tool reads. They never know
//! about specific rules.

pub mod json;
pub mod sarif;
pub mod text;

use std::path::Path;

/// A path as shown to users: relative to the working directory when it is inside it.
pub fn display_path(path: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    let shown = cwd.as_deref().and_then(|c| path.strip_prefix(c).ok()).unwrap_or(path);
    let s = shown.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

pub mod checkstyle;
pub(crate) mod fingerprint;
mod frames;
pub mod github;
pub mod gitlab;
pub mod junit;
mod positions;
pub mod xcode;
mod xml;
