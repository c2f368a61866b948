//! The monitor's configuration: the `[monitor]` table of an experiment file.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::stats::CompareConfig;

/// What the monitor does when an evaluation fails (say, the generator
/// produced NaN images).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailurePolicy {
    /// Log the error, record it in the history and let training go on.
    #[default]
    Continue,
    /// Return the error to the training loop.
    Stop,
}

/// Where the real reference images come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ReferenceSource {
    /// Scenes of the built-in world.
    Scenes {
        /// The scene variant, usually `"real"`.
        variant: String,
        /// The first seed; the reference uses `images` consecutive seeds.
        first_seed: u64,
    },
    /// A folder of JPEG and PNG images.
    Folder {
        /// The folder, searched recursively.
        path: PathBuf,
    },
}

/// The `[monitor]` table of an experiment file: how often to evaluate, on
/// how many samples, against which reference, and when to raise alarms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MonitorConfig {
    /// Evaluate every this many training steps.
    pub every_steps: u64,
    /// Generated images per evaluation.
    pub samples: usize,
    /// Seed of the fixed latent vectors; the same latents are used at every
    /// evaluation, so evaluations differ only by the generator.
    pub latent_seed: u64,
    /// Images per batch when sampling and segmenting.
    pub batch_size: usize,
    /// The segmenter: `compact`, `oracle` or `compact:PATH`.
    pub segmenter: String,
    /// The real reference images.
    pub reference: ReferenceSource,
    /// How many reference images to analyse (once; the result is cached).
    pub reference_images: usize,
    /// Folder of cached reference statistics, shared between runs.
    pub cache_dir: PathBuf,
    /// A class is below target when its generated mean area is less than
    /// this fraction of its real mean area.
    pub alarm_ratio: f64,
    /// Raise an alarm when a class has been below target this many
    /// evaluations in a row.
    pub alarm_evaluations: usize,
    /// Classes whose real mean area is below this (percent of image) are
    /// tracked in the logs but never raise alarms: their ratio is noise.
    pub min_real_area_percent: f64,
    /// Thresholds of the per-class verdicts.
    pub compare: CompareConfig,
    /// Sample images drawn in the grid written at each evaluation.
    pub grid_images: usize,
    /// What to do when an evaluation fails.
    pub on_failure: FailurePolicy,
}

impl Default for MonitorConfig {
    fn default() -> Self {
        Self {
            every_steps: 500,
            samples: 500,
            latent_seed: 0,
            batch_size: 50,
            segmenter: "compact".to_string(),
            reference: ReferenceSource::Scenes {
                variant: "real".to_string(),
                first_seed: 0,
            },
            reference_images: 2000,
            cache_dir: PathBuf::from("out/cache"),
            alarm_ratio: 0.5,
            alarm_evaluations: 3,
            min_real_area_percent: 0.1,
            compare: CompareConfig::default(),
            grid_images: 16,
            on_failure: FailurePolicy::Continue,
        }
    }
}

impl MonitorConfig {
    /// Checks ranges.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming the first field out of range.
    pub fn validate(&self) -> Result<()> {
        let fail = |message: &str| Err(Error::Config(format!("monitor: {message}")));
        if self.every_steps == 0 {
            return fail("every_steps must be positive");
        }
        if self.samples < 4 {
            return fail("samples must be at least 4 (the comparison needs a spread)");
        }
        if self.batch_size == 0 {
            return fail("batch_size must be positive");
        }
        if self.reference_images < 4 {
            return fail("reference_images must be at least 4 (two halves of two)");
        }
        if !(self.alarm_ratio > 0.0 && self.alarm_ratio <= 1.0) {
            return fail("alarm_ratio must be in (0, 1]");
        }
        if self.alarm_evaluations == 0 {
            return fail("alarm_evaluations must be positive");
        }
        self.compare.validate()
    }
}
