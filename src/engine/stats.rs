//! `bglint stats`: parses every Dart, Swift, Kotlin and Java file, ignoring the prefilter, and
//! reports grammar health and parse throughput per language. It is how we measure the
//! grammars on real code and the cost the prefilter saves; rules do not run.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::lang::{self, Language};
use crate::source::SourceFile;
use crate::walk;

#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct LanguageStats {
    pub files: usize,
    pub bytes: u64,
    pub files_with_errors: usize,
    /// The deepest syntax tree seen, and where.
    pub max_depth: usize,
    pub deepest_file: Option<PathBuf>,
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
    pub java: LanguageStats,
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
            Language::Java => &mut self.java,
        }
    }
}

pub fn parse_stats(paths: &[PathBuf], threads: usize, max_file_bytes: u64) -> anyhow::Result<ParseStats> {
    let started = Instant::now();
    let stats = Mutex::new(ParseStats::default());
    let files = walk::collect(paths, threads, |p| Language::from_path(p).is_some() && !walk::is_generated(p));
    walk::parallel(files, threads, |walked| {
        let walk::Walked::File { path, .. } = walked else { return };
        let Some(lang) = Language::from_path(&path) else { return };
        let Ok(source) = SourceFile::load(&path, max_file_bytes) else {
            stats.lock().unwrap_or_else(|e| e.into_inner()).skipped += 1;
            return;
        };
        let t = Instant::now();
        let parsed = lang::ParsedFile::parse(lang, &source);
        let elapsed = t.elapsed();
        let errors = parsed.as_ref().is_none_or(|f| f.has_syntax_errors());
        let depth = parsed.as_ref().map_or(0, |f| f.max_depth());
        let mut s = stats.lock().unwrap_or_else(|e| e.into_inner());
        let l = s.of(lang);
        l.files += 1;
        l.bytes += source.text.len() as u64;
        l.files_with_errors += usize::from(errors);
        l.parse_time += elapsed;
        if depth > l.max_depth {
            l.max_depth = depth;
            l.deepest_file = Some(path.clone());
        }
    });
    let mut stats = stats.into_inner().unwrap_or_else(|e| e.into_inner());
    stats.wall_time = started.elapsed();
    Ok(stats)
}
