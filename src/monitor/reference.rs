//! The real reference statistics, computed once and cached on disk.
//!
//! The cache file is named after a digest of everything that determines its
//! content: the source description, the segmenter identity, the image size
//! and the image count. Change any of them and a new file is computed; keep
//! them and every run (and every resumed run) reuses the same statistics.

use std::path::{Path, PathBuf};

use burn::prelude::*;

use super::config::{MonitorConfig, ReferenceSource};
use crate::data::source::{ImageSource, Prefix, SceneSource};
use crate::data::{ImageFolder, Variant};
use crate::error::{Error, Result};
use crate::segment::Segmenter;
use crate::stats::SegmentationStats;
use crate::stats::collect::collect_stats;

/// The reference source named by a monitor configuration.
///
/// # Errors
///
/// An unknown scene variant, or a folder that cannot be listed or is empty.
pub fn reference_source(config: &MonitorConfig) -> Result<Box<dyn ImageSource>> {
    let images = config.reference_images as u64;
    Ok(match &config.reference {
        ReferenceSource::Scenes {
            variant,
            first_seed,
        } => Box::new(SceneSource::new(
            Variant::parse(variant)?,
            *first_seed..first_seed + images,
        )),
        ReferenceSource::Folder { path } => Box::new(ImageFolder::open(path, false)?),
    })
}

/// The digest that names the cache file of `source` analysed by
/// `segmenter`.
pub fn reference_key(source: &dyn ImageSource, segmenter: &dyn Segmenter) -> String {
    let [height, width] = segmenter.input_size();
    let identity = format!(
        "source={}\nsegmenter={}\nsize={height}x{width}\nimages={}\n",
        source.description(),
        segmenter.identity(),
        source.len()
    );
    crate::digest::short_sha256(identity.as_bytes())
}

/// Loads the cached reference statistics, or computes and caches them.
/// Returns the statistics and the cache file's path.
///
/// # Errors
///
/// Loading or segmentation errors; a cache file that exists but cannot be
/// read is reported, not silently recomputed.
pub fn load_or_compute(
    config: &MonitorConfig,
    segmenter: &dyn Segmenter,
    device: &Device,
) -> Result<(SegmentationStats, PathBuf)> {
    let full = reference_source(config)?;
    let source = Prefix::new(full.as_ref(), config.reference_images);
    if source.len() < config.reference_images {
        log::warn!(
            "{} has {} images, fewer than the {} asked for",
            full.description(),
            source.len(),
            config.reference_images
        );
    }
    let key = reference_key(&source, segmenter);
    let path = config.cache_dir.join(format!("reference-{key}.stats.json"));
    if path.exists() {
        let stats = SegmentationStats::load(&path)?;
        check_cached(&stats, &source, segmenter, &path)?;
        log::info!("reference statistics from cache {}", path.display());
        return Ok((stats, path));
    }

    log::info!(
        "computing reference statistics of {} ({} images)",
        source.description(),
        source.len()
    );
    let mut last_logged = 0;
    let collected = collect_stats(&source, segmenter, device, config.batch_size, &mut |p| {
        if p.done * 10 / p.total.max(1) > last_logged {
            last_logged = p.done * 10 / p.total.max(1);
            log::info!("reference: {}/{} images", p.done, p.total);
        }
    })?;
    if !collected.skipped.is_empty() {
        log::warn!(
            "reference: skipped {} unreadable images",
            collected.skipped.len()
        );
    }
    crate::io::create_dir_all(&config.cache_dir)?;
    collected.stats.save(&path)?;
    Ok((collected.stats, path))
}

fn check_cached(
    stats: &SegmentationStats,
    source: &dyn ImageSource,
    segmenter: &dyn Segmenter,
    path: &Path,
) -> Result<()> {
    let meta = stats.meta();
    if meta.segmenter != segmenter.identity() || meta.source != source.description() {
        return Err(Error::invalid_file(
            path,
            format!(
                "cached statistics are of {} by {}, expected {} by {}; delete the file",
                meta.source,
                meta.segmenter,
                source.description(),
                segmenter.identity()
            ),
        ));
    }
    Ok(())
}
