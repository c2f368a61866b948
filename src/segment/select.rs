use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use burn::prelude::*;

use super::{CompactSegmenter, OracleSegmenter, Segmenter};
use crate::error::{Error, Result};
use crate::models::upernet::UperNetSegmenter;

/// A segmenter named in a configuration file or on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SegmenterChoice {
    /// `compact`: the compact U-Net with the weights shipped in the crate.
    Compact,
    /// `oracle`: the scene world's ground truth.
    Oracle,
    /// `compact:PATH`: the compact U-Net with weights from a Burnpack file.
    CompactWeights(PathBuf),
    /// `upernet:DIR`: the Unified Perceptual Parsing network (336 object
    /// classes) from a folder holding the released `encoder_epoch_40.pth`,
    /// `decoder_epoch_40.pth` and `labels.json`.
    UperNet(PathBuf),
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
            SegmenterChoice::UperNet(dir) => {
                Box::new(UperNetSegmenter::from_release_dir(dir, device)?)
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
            _ => match text.split_once(':') {
                Some(("compact", path)) if !path.is_empty() => {
                    Ok(SegmenterChoice::CompactWeights(path.into()))
                }
                Some(("upernet", dir)) if !dir.is_empty() => {
                    Ok(SegmenterChoice::UperNet(dir.into()))
                }
                _ => Err(Error::Config(format!(
                    "unknown segmenter {text:?}: expected compact, oracle, compact:PATH or \
                     upernet:DIR"
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
            SegmenterChoice::UperNet(dir) => write!(f, "upernet:{}", dir.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_parse_and_print_back() {
        for text in ["compact", "oracle", "compact:w.bpk", "upernet:/models/upp"] {
            assert_eq!(text.parse::<SegmenterChoice>().unwrap().to_string(), text);
        }
        assert!("upernet:".parse::<SegmenterChoice>().is_err());
        assert!("segformer".parse::<SegmenterChoice>().is_err());
    }

    #[test]
    fn missing_upernet_release_names_the_file() {
        let choice: SegmenterChoice = "upernet:/nonexistent/upp".parse().unwrap();
        let error = choice.load(&Device::default()).err().unwrap().to_string();
        assert!(error.contains("/nonexistent/upp"), "{error}");
    }
}
