//! `bglint stats`: parses every Dart, Swift and Kotlin file, ignoring the prefilter, and
//! reports grammar health and parse throughput per language. It is how we measure the
//! grammars on real code and the cost the prefilter saves; rules do not run.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::walk;
use crate::lang::{self, Language};
use crate::source::SourceFile;

#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct LanguageStats {
    pub files: usize,
    pub bytes: u64,
    pub files_with_errors: usize,
    #[serde(serialize_with = "secs")]
    pub parse_time: Duration,
}

fn secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct ParseStats {
    pub dart: LanguageStats,
    pub swift: LanguageStats,
    pub kotlin: LanguageStats,
    pub skipped: usize,
    #[serde(serialize_with = "secs")]
    pub wall_time: Duration,
}

impl ParseStats {
    fn of(&mut self, lang: Language) -> &mut LanguageStats {
        match lang {
            Language::Dart => &mut self.dart,
            Language::Swift => &mut self.swift,
            Language::Kotlin => &mut self.kotlin,
        }
    }
}

pub fn parse_stats(paths: &[PathBuf], threads: usize, max_file_bytes: u64) -> anyhow::Result<ParseStats> {
    let started = Instant::now();
    let stats = Mutex::new(ParseStats::default());
    walk::walker(paths, threads).run(|| {
        Box::new(|entry| {
            let Ok(entry) = entry else { return ignore::WalkState::Continue };
            let path = entry.path();
            if !entry.file_type().is_some_and(|t| t.is_file()) || walk::is_generated(path) {
                return ignore::WalkState::Continue;
            }
            let Some(lang) = Language::from_path(path) else { return ignore::WalkState::Continue };
            let Ok(source) = SourceFile::load(path, max_file_bytes) else {
                stats.lock().unwrap().skipped += 1;
                return ignore::WalkState::Continue;
            };
            let t = Instant::now();
            let errors = lang::parse(lang, &source.text, None).is_none_or(|tree| tree.root_node().has_error());
            let elapsed = t.elapsed();
            let mut s = stats.lock().unwrap();
            let l = s.of(lang);
            l.files += 1;
            l.bytes += source.text.len() as u64;
            l.files_with_errors += usize::from(errors);
            l.parse_time += elapsed;
            ignore::WalkState::Continue
        })
    });
    let mut stats = stats.into_inner().unwrap();
    stats.wall_time = started.elapsed();
    Ok(stats)
}
