//! Running a segmenter over an image source and accumulating the statistics.

use std::time::Instant;

use burn::prelude::*;

use super::SegmentationStats;
use super::file::StatsMeta;
use super::tally::{class_area_percent, to_host};
use crate::data::source::{ImageSource, Skipped};
use crate::error::{Error, Result};
use crate::segment::Segmenter;

/// How much of a statistics run is done, passed to the progress callback
/// after each batch.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// Images processed so far (loaded or skipped).
    pub done: usize,
    /// Images in the source.
    pub total: usize,
    /// Seconds since the run started.
    pub elapsed_seconds: f64,
}

/// The statistics of a source and the images that could not be read.
#[derive(Debug)]
pub struct Collected {
    /// The accumulated statistics.
    pub stats: SegmentationStats,
    /// Images left out because they could not be loaded.
    pub skipped: Vec<Skipped>,
}

/// Segments every image of `source` in batches of `batch_size` on `device`
/// and accumulates their class areas. `progress` is called after each batch.
///
/// # Errors
///
/// Loading errors the source does not tolerate, segmenter errors, and
/// [`Error::EmptyInput`]-like failure when no image at all could be read.
pub fn collect_stats(
    source: &dyn ImageSource,
    segmenter: &dyn Segmenter,
    device: &Device,
    batch_size: usize,
    progress: &mut dyn FnMut(Progress),
) -> Result<Collected> {
    let size = segmenter.input_size();
    let meta = StatsMeta {
        class_names: segmenter.class_names().to_vec(),
        segmenter: segmenter.identity(),
        source: source.description(),
        height: size[0] as u32,
        width: size[1] as u32,
    };
    let mut stats = SegmentationStats::new(meta);
    let mut skipped = Vec::new();
    let started = Instant::now();
    let total = source.len();

    let mut start = 0;
    while start < total {
        let end = (start + batch_size.max(1)).min(total);
        let loaded = source.load(start..end, size)?;
        skipped.extend(loaded.skipped);
        if !loaded.batch.is_empty() {
            let batch = loaded.batch.to_device(device);
            let class_map = segmenter.segment(&batch)?;
            let areas = to_host(class_area_percent(class_map, segmenter.num_classes()));
            stats.push_rows(&areas, segmenter.num_classes());
        }
        start = end;
        progress(Progress {
            done: end,
            total,
            elapsed_seconds: started.elapsed().as_secs_f64(),
        });
    }

    if stats.image_count() == 0 {
        return Err(Error::NotEnoughSamples {
            what: "a statistics file",
            needed: 1,
            got: 0,
        });
    }
    Ok(Collected { stats, skipped })
}
