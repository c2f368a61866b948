//! The JSON report of a comparison.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::stats::SegmentationStats;
use crate::stats::compare::{CompareConfig, Comparison};

/// Where one side of a comparison came from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SideSummary {
    /// The source description recorded in the statistics file.
    pub source: String,
    /// Images accumulated.
    pub images: u64,
}

/// The machine-readable record of a comparison, as written to
/// `report.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ComparisonReport {
    /// Always `"percent of image area"`: the unit of every area and of FSD.
    pub area_unit: String,
    /// The segmenter both statistics were made with.
    pub segmenter: String,
    /// The real side.
    pub real: SideSummary,
    /// The generated side.
    pub generated: SideSummary,
    /// The thresholds used for the verdicts.
    pub config: CompareConfig,
    /// FSD, noise floor and the per-class table.
    pub comparison: Comparison,
}

impl SideSummary {
    /// The summary of a statistics file.
    pub fn of(stats: &SegmentationStats) -> Self {
        Self {
            source: stats.meta().source.clone(),
            images: stats.image_count(),
        }
    }
}

impl ComparisonReport {
    /// Gathers the report of comparing `real` with `generated`.
    pub fn new(
        real: &SegmentationStats,
        generated: &SegmentationStats,
        config: &CompareConfig,
        comparison: Comparison,
    ) -> Self {
        Self {
            area_unit: "percent of image area".to_string(),
            segmenter: real.meta().segmenter.clone(),
            real: SideSummary::of(real),
            generated: SideSummary::of(generated),
            config: *config,
            comparison,
        }
    }

    /// Writes the report as pretty-printed JSON, atomically.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the file cannot be written.
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self)
            .map_err(|error| Error::invalid_file(path, format!("cannot serialise: {error}")))?;
        crate::io::write_atomic(path, text.as_bytes())
    }
}
