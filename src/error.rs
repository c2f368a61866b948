//! The crate's error type.
//!
//! Every fallible operation that touches the outside world (files, images,
//! weights, configurations) returns [`Result`]. Variants keep the path that
//! was being read or written and the underlying cause, so a message printed
//! by the command-line tool says which file is at fault and why.

use std::path::PathBuf;

/// Errors raised by modedrop.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or folder could not be read, written or created.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder involved.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },

    /// An image file could not be decoded or encoded.
    #[error("{}: not a readable image: {source}", path.display())]
    Image {
        /// The image file.
        path: PathBuf,
        /// The decoder's error.
        source: image::ImageError,
    },

    /// A file was read but its content is not what it should be: truncated,
    /// malformed, of the wrong version, or inconsistent.
    #[error("{}: {reason}", path.display())]
    InvalidFile {
        /// The file involved.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },

    /// A configuration value is out of range or inconsistent.
    #[error("invalid configuration: {0}")]
    Config(String),

    /// Two inputs cannot be compared or combined (different class
    /// vocabularies, different segmenters, different dimensions).
    #[error("incompatible inputs: {0}")]
    Incompatible(String),

    /// Too few samples for the requested statistic.
    #[error("not enough samples: {what} needs at least {needed}, got {got}")]
    NotEnoughSamples {
        /// The statistic that was asked for.
        what: &'static str,
        /// The minimum number of samples it needs.
        needed: u64,
        /// The number of samples available.
        got: u64,
    },

    /// A folder holds no usable input.
    #[error("{}: {reason}", path.display())]
    EmptyInput {
        /// The folder.
        path: PathBuf,
        /// What was looked for.
        reason: String,
    },

    /// Model weights could not be loaded into a module.
    #[error("{}: cannot load weights: {reason}", path.display())]
    Weights {
        /// The weights file.
        path: PathBuf,
        /// Missing, unexpected or mismatched parameters.
        reason: String,
    },

    /// A computation produced values that are not finite.
    #[error("non-finite values in {0}")]
    NonFinite(String),

    /// The operation is not supported in this build or for this input.
    #[error("unsupported: {0}")]
    Unsupported(String),
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An [`Error::Io`] for `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// An [`Error::InvalidFile`] for `path`.
    pub fn invalid_file(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        Error::InvalidFile {
            path: path.into(),
            reason: reason.into(),
        }
    }
}
