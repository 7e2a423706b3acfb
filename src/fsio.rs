//! Every file bglint reads because a flag or a configuration names it, and every file it writes,
//! goes through here, so the rules for hostile paths live in one place:
//!
//! - A named input (bglint.toml and its `extend` chain, `--config`, `--baseline`) must be a
//!   regular file of at most [`MAX_INPUT_BYTES`]; a device, FIFO or directory is refused before
//!   anything blocks (opened non-blocking, checked again on the open file, read with a limit).
//! - A report or baseline is never written to a path bglint was given as input. A regular file
//!   (or a symlink to one) is replaced atomically: a temporary file with an unpredictable name,
//!   created exclusively beside the resolved target, then renamed over it; on failure nothing is
//!   left behind. A device, FIFO or terminal (`/dev/null`, `/dev/stdout`, a named pipe) is
//!   written through, never replaced. A directory or block device is refused.
//! - A closed standard output (`bglint check | head`) ends the writing quietly.

use std::fs::{File, Metadata, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The most bglint reads from a file a flag or configuration names (4 MiB: a thousand times a
/// large bglint.toml, and a baseline of some 20,000 findings).
pub const MAX_INPUT_BYTES: u64 = 4 * 1024 * 1024;

/// Reads a named input file as UTF-8: a regular file of at most [`MAX_INPUT_BYTES`].
/// The error says why, without the path (callers name the file and the flag).
pub fn read_bounded(path: &Path) -> Result<String, String> {
    read_bounded_with(path, MAX_INPUT_BYTES)
}

pub fn read_bounded_with(path: &Path, limit: u64) -> Result<String, String> {
    // Look before opening: opening a FIFO for reading would wait for a writer.
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read it: {e}"))?;
    check_input(&meta, limit)?;
    let file = open_nonblocking(path).map_err(|e| format!("cannot read it: {e}"))?;
    // Again on what was opened: the path may have been swapped in between.
    check_input(&file.metadata().map_err(|e| format!("cannot read it: {e}"))?, limit)?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(|e| format!("cannot read it: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(too_large(limit));
    }
    String::from_utf8(bytes)
        .map_err(|e| format!("it is not UTF-8 text (invalid byte at offset {})", e.utf8_error().valid_up_to()))
}

fn check_input(meta: &Metadata, limit: u64) -> Result<(), String> {
    if !meta.is_file() {
        return Err(format!("it is {}, not a regular file", kind(meta)));
    }
    if meta.len() > limit {
        return Err(too_large(limit));
    }
    Ok(())
}

fn too_large(limit: u64) -> String {
    format!("it is larger than {} MiB, more than bglint reads from such a file", limit / (1024 * 1024))
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    File::open(path)
}

/// What kind of file `meta` describes, for messages.
fn kind(meta: &Metadata) -> &'static str {
    if meta.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_file() {
        "a regular file"
    } else {
        "a special file"
    }
}

/// The same file, by identity (device and inode on Unix), whatever the path spelling.
fn same_file(a: &Metadata, b: &Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        a.dev() == b.dev() && a.ino() == b.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = (a, b);
        false
    }
}

/// What a run reads, so that it is never written to.
#[derive(Default)]
pub struct Inputs {
    /// Files and folders named on the command line.
    pub roots: Vec<PathBuf>,
    /// Other files read: `--config`, `--baseline`.
    pub files: Vec<PathBuf>,
}

impl Inputs {
    /// Refuses `target` (given as `flag`) if it is an input: a named file or folder, a file the
    /// walk of a named folder would analyse, or a bglint.toml inside one.
    pub fn refuse(&self, flag: &str, target: &Path) -> anyhow::Result<()> {
        let Ok(meta) = std::fs::metadata(target) else { return Ok(()) };
        if !meta.is_file() && !meta.is_dir() {
            // Devices and pipes are written through; `/dev/null` as input and output is fine.
            return Ok(());
        }
        let named = self.roots.iter().chain(&self.files);
        if named.filter_map(|p| std::fs::metadata(p).ok()).any(|m| same_file(&m, &meta)) {
            anyhow::bail!("{flag} {}: that is one of bglint's inputs; refusing to overwrite it", target.display());
        }
        let Ok(canonical) = target.canonicalize() else { return Ok(()) };
        if canonical.file_name().is_some_and(|n| n == crate::config::FILE_NAME) {
            anyhow::bail!("{flag} {}: that is a bglint configuration file; refusing to overwrite it", target.display());
        }
        if meta.is_file() && crate::engine::is_relevant(&canonical) {
            for root in &self.roots {
                let Ok(root) = root.canonicalize() else { continue };
                if root.is_dir() && canonical.starts_with(&root) {
                    anyhow::bail!(
                        "{flag} {}: that file is analysed by this run (it is under {}); refusing to overwrite it",
                        target.display(),
                        root.display()
                    );
                }
            }
        }
        Ok(())
    }
}

/// Whether two paths name the same file (by identity if both exist, else spelled the same
/// once made absolute).
pub fn same_path(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => same_file(&x, &y),
        _ => crate::config::absolute(a) == crate::config::absolute(b),
    }
}

/// Writes `bytes` to `path`: atomically for a regular file, through a device or pipe (see the
/// module documentation).
pub fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let shown = path.display();
    let followed = std::fs::metadata(path);
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    match followed {
        Ok(meta) if meta.is_dir() => anyhow::bail!("cannot write {shown}: it is a directory"),
        Ok(meta) if !meta.is_file() => {
            if kind(&meta) == "a block device" {
                anyhow::bail!("cannot write {shown}: it is a block device");
            }
            write_through(path, bytes).map_err(|e| anyhow::anyhow!("cannot write {shown}: {e}"))
        }
        Ok(_) if is_link && goes_through_proc_or_dev(path) => {
            // `/dev/stdout` redirected to a file: write to the open file, do not replace it.
            write_through(path, bytes).map_err(|e| anyhow::anyhow!("cannot write {shown}: {e}"))
        }
        Ok(_) if is_link => {
            let target = path.canonicalize().map_err(|e| anyhow::anyhow!("cannot write {shown}: {e}"))?;
            write_atomic(&target, bytes)
                .map_err(|e| anyhow::anyhow!("cannot write {shown} ({}): {e}", target.display()))
        }
        Ok(_) => write_atomic(path, bytes).map_err(|e| anyhow::anyhow!("cannot write {shown}: {e}")),
        Err(_) if is_link => anyhow::bail!("cannot write {shown}: it is a symbolic link to a file that does not exist"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            write_atomic(path, bytes).map_err(|e| anyhow::anyhow!("cannot write {shown}: {e}"))
        }
        Err(e) => anyhow::bail!("cannot write {shown}: {e}"),
    }
}

/// Whether a symlink chain leads through `/dev` or `/proc` (`/dev/stdout`, `/proc/self/fd/1`).
fn goes_through_proc_or_dev(path: &Path) -> bool {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        if current.starts_with("/dev") || current.starts_with("/proc") {
            return true;
        }
        match std::fs::read_link(&current) {
            Ok(next) => current = current.parent().map(|p| p.join(&next)).unwrap_or(next),
            Err(_) => return false,
        }
    }
    false
}

fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".bglint-").suffix(".tmp");
    #[cfg(unix)]
    let permissions;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // The target keeps its mode; a new file gets the usual 0666 less the umask.
        let mode = std::fs::metadata(path).map(|m| m.permissions().mode() & 0o7777).unwrap_or(0o666);
        permissions = std::fs::Permissions::from_mode(mode);
        builder.permissions(permissions);
    }
    // Exclusive creation under a random name: a planted file or symlink is never followed.
    let mut tmp = builder.tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    // On error the temporary file is removed when `tmp` (or the error holding it) is dropped.
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

fn write_through(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    // A regular file reached through `/dev/stdout` is the shell's redirect target: append, as a
    // write to the inherited descriptor would (`>` emptied it already, `>>` must keep it).
    let append = std::fs::metadata(path).is_ok_and(|m| m.is_file());
    let mut file = open_for_write_through(path, append)?;
    file.write_all(bytes)?;
    file.flush()
}

#[cfg(unix)]
fn open_for_write_through(path: &Path, append: bool) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    use std::os::unix::io::AsRawFd;
    // Non-blocking, so a FIFO nobody reads is an error rather than a hang; then blocking again
    // so a slow reader gets every byte.
    let file =
        OpenOptions::new().write(true).append(append).custom_flags(libc::O_NONBLOCK).open(path).map_err(|e| {
            use std::os::unix::fs::FileTypeExt;
            let fifo = std::fs::metadata(path).is_ok_and(|m| m.file_type().is_fifo());
            if e.raw_os_error() == Some(libc::ENXIO) && fifo {
                std::io::Error::other("it is a named pipe nobody is reading")
            } else if e.raw_os_error() == Some(libc::ENXIO) {
                std::io::Error::other("it is a socket or a device nothing can be written to")
            } else {
                e
            }
        })?;
    let fd = file.as_raw_fd();
    // SAFETY: fcntl on a file descriptor this function owns, with integer arguments only.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags >= 0 {
            libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK);
        }
    }
    Ok(file)
}

#[cfg(not(unix))]
fn open_for_write_through(path: &Path, append: bool) -> std::io::Result<File> {
    OpenOptions::new().write(true).append(append).open(path)
}

/// Writes to standard output; a reader that went away (`| head`) is not an error.
pub fn write_stdout(bytes: &[u8]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    quiet_pipe(out.write_all(bytes).and_then(|()| out.flush()))
}

/// `Ok` for a closed pipe: the reader has what it wanted.
pub fn quiet_pipe(result: std::io::Result<()>) -> std::io::Result<()> {
    match result {
        Err(e) if io_broken_pipe(&e) => Ok(()),
        other => other,
    }
}

/// A closed pipe, also when wrapped (the text reporter's library wraps write errors).
fn io_broken_pipe(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(e);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::BrokenPipe {
                return true;
            }
            if let Some(inner) = io.get_ref() {
                if io_broken_pipe(inner) {
                    return true;
                }
            }
        }
        current = e.source();
    }
    false
}

/// Whether an error (anywhere in its chain) is a closed pipe.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(io_broken_pipe)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_read_refuses_big_and_special_files() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("small.toml");
        std::fs::write(&small, "a = 1\n").unwrap();
        assert_eq!(read_bounded_with(&small, 16).unwrap(), "a = 1\n");
        let big = dir.path().join("big.toml");
        std::fs::write(&big, vec![b'#'; 17]).unwrap();
        assert!(read_bounded_with(&big, 16).unwrap_err().contains("larger than"));
        assert!(read_bounded(dir.path()).unwrap_err().contains("a directory"));
        #[cfg(unix)]
        assert!(read_bounded(Path::new("/dev/zero")).unwrap_err().contains("character device"));
    }

    #[test]
    fn atomic_write_leaves_no_temporary_file_and_keeps_the_mode() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("report.json");
        write_file(&target, b"one").unwrap();
        write_file(&target, b"two").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("report.json")]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).unwrap();
            write_file(&target, b"three").unwrap();
            assert_eq!(std::fs::metadata(&target).unwrap().permissions().mode() & 0o777, 0o640);
        }
    }
}
