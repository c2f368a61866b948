//! Small file helpers shared by every writer in the crate.

use std::fs;
use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Writes `bytes` to `path` atomically: the content goes to a temporary file
/// in the same folder, is flushed to disk, and is then renamed over `path`.
/// A reader sees either the old file or the new one, never a partial write,
/// and a crash midway leaves the old file intact.
///
/// # Errors
///
/// [`Error::Io`] naming the file that could not be written or renamed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| Error::invalid_file(path, "not a file path"))?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));

    let write = || -> std::io::Result<()> {
        let mut file = fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()
    };
    // Errors name `path`, the file the caller asked for: the temporary's
    // name would only puzzle a user (a missing folder fails here too).
    if let Err(source) = write() {
        let _ = fs::remove_file(&tmp);
        return Err(Error::io(path, source));
    }
    fs::rename(&tmp, path).map_err(|source| {
        let _ = fs::remove_file(&tmp);
        Error::io(path, source)
    })
}

/// Encodes `image` as PNG and writes it to `path` atomically.
///
/// # Errors
///
/// [`Error::Image`] when the PNG cannot be encoded, [`Error::Io`] when it
/// cannot be written; both name the file.
pub fn write_png(path: &Path, image: &image::DynamicImage) -> Result<()> {
    let mut bytes = Vec::new();
    image
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .map_err(|source| Error::Image {
            path: path.to_path_buf(),
            source,
        })?;
    write_atomic(path, &bytes)
}

/// Creates `dir` and its parents if they do not exist.
///
/// # Errors
///
/// [`Error::Io`] naming the folder.
pub fn create_dir_all(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).map_err(|source| Error::io(dir, source))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_content_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stats.json");
        write_atomic(&path, b"first").unwrap();
        write_atomic(&path, b"second").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second");
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn atomic_write_into_missing_folder_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("stats.json");
        let error = write_atomic(&path, b"x").unwrap_err().to_string();
        assert!(error.starts_with(&path.display().to_string()), "{error}");
        assert!(!error.contains(".tmp-"), "{error}");
    }
}
