use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use burn::prelude::*;

use super::{CompactSegmenter, OracleSegmenter, Segmenter};
use crate::error::{Error, Result};

/// A segmenter named in a configuration file or on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SegmenterChoice {
    /// `compact`: the compact U-Net with the weights shipped in the crate.
    Compact,
    /// `oracle`: the scene world's ground truth.
    Oracle,
    /// `compact:PATH`: the compact U-Net with weights from a Burnpack file.
    CompactWeights(PathBuf),
}

impl SegmenterChoice {
    /// Builds the segmenter on `device`.
    ///
    /// # Errors
    ///
    /// When a weights file cannot be read or does not fit the network.
    pub fn load(&self, device: &Device) -> Result<Box<dyn Segmenter>> {
        Ok(match self {
            SegmenterChoice::Compact => Box::new(CompactSegmenter::shipped(device)),
            SegmenterChoice::Oracle => Box::new(OracleSegmenter::new([64, 64])),
            SegmenterChoice::CompactWeights(path) => {
                Box::new(CompactSegmenter::from_file(path, device)?)
            }
        })
    }
}

impl FromStr for SegmenterChoice {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        match text {
            "compact" => Ok(SegmenterChoice::Compact),
            "oracle" => Ok(SegmenterChoice::Oracle),
            _ => match text.strip_prefix("compact:") {
                Some(path) if !path.is_empty() => Ok(SegmenterChoice::CompactWeights(path.into())),
                _ => Err(Error::Config(format!(
                    "unknown segmenter {text:?}: expected compact, oracle or compact:PATH"
                ))),
            },
        }
    }
}

impl fmt::Display for SegmenterChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SegmenterChoice::Compact => write!(f, "compact"),
            SegmenterChoice::Oracle => write!(f, "oracle"),
            SegmenterChoice::CompactWeights(path) => write!(f, "compact:{}", path.display()),
        }
    }
}
