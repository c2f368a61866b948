//! Experiment files: TOML tables read into checked Rust structs.
//!
//! Each experiment (training the segmenter, training a GAN with the monitor)
//! is described by one TOML file under `configs/`. Unknown keys are errors,
//! so a misspelt option never silently falls back to its default.

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::segment::SegmenterTraining;

/// Reads a TOML file into `T`.
///
/// # Errors
///
/// [`Error::Io`] when the file cannot be read, [`Error::InvalidFile`] with
/// the parser's message (line, column, key) when it does not match `T`.
pub fn load_toml<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::io(path, source))?;
    toml::from_str(&text).map_err(|error| Error::invalid_file(path, error.to_string()))
}

/// Writes `value` as TOML to `path`, atomically: used to record the
/// resolved configuration next to a run's results.
///
/// # Errors
///
/// [`Error::Io`] when the file cannot be written.
pub fn save_toml<T: Serialize>(value: &T, path: &Path) -> Result<()> {
    let text = toml::to_string_pretty(value)
        .map_err(|error| Error::invalid_file(path, format!("cannot serialise: {error}")))?;
    crate::io::write_atomic(path, text.as_bytes())
}

/// `configs/segmenter.toml`: how the shipped compact segmenter is trained
/// and scored.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmenterExperiment {
    /// The training run.
    pub training: SegmenterTraining,
    /// The held-out evaluation after training.
    pub evaluation: SegmenterEvaluation,
}

/// The `[evaluation]` table of `configs/segmenter.toml`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmenterEvaluation {
    /// Held-out scenes scored after training.
    pub images: usize,
}

/// The real training images of a GAN experiment: scenes of the built-in
/// world, rendered fresh for every batch.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SceneTrainingData {
    /// The scene variant the GAN learns from, usually `"real"`.
    pub variant: String,
    /// Batch `b` of training uses seeds `first_seed + b * batch_size ..`.
    pub first_seed: u64,
}

/// `configs/scenes.toml`: a GAN trained on the scene world with the monitor
/// attached.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GanExperiment {
    /// Where everything is written.
    pub out_dir: std::path::PathBuf,
    /// Save a checkpoint every this many steps (and at the end).
    pub checkpoint_every: u64,
    /// The real images.
    pub data: SceneTrainingData,
    /// The GAN and its training.
    pub gan: crate::generate::train::GanTraining,
    /// The mode-drop monitor.
    pub monitor: crate::monitor::MonitorConfig,
}

impl GanExperiment {
    /// Checks every table.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming the first problem.
    pub fn validate(&self) -> Result<()> {
        if self.checkpoint_every == 0 {
            return Err(Error::Config("checkpoint_every must be positive".into()));
        }
        crate::data::Variant::parse(&self.data.variant)?;
        self.gan.validate()?;
        self.monitor.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_segmenter_config_parses_and_validates() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/segmenter.toml");
        let experiment: SegmenterExperiment = load_toml(&path).unwrap();
        experiment.training.validate().unwrap();
    }

    #[test]
    fn unknown_key_is_an_error_naming_the_file_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, "[evaluation]\nimages = 3\nimagez = 4\n").unwrap();
        let error = load_toml::<SegmenterEvaluationFile>(&path)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("bad.toml") && error.contains("imagez"),
            "{error}"
        );
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct SegmenterEvaluationFile {
        evaluation: SegmenterEvaluation,
    }
}
