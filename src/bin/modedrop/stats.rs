//! `modedrop stats`: segment an image source and write its statistics.

use std::path::{Path, PathBuf};

use burn::prelude::*;
use clap::Args;
use modedrop::data::source::{ImageSource, SceneSource};
use modedrop::data::{ImageFolder, Variant};
use modedrop::segment::{Segmenter, SegmenterChoice};
use modedrop::stats::collect::{Collected, collect_stats};
use modedrop::{Error, Result};

use crate::progress;

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Read every JPEG and PNG under this folder (recursively).
    #[arg(long, conflicts_with = "scenes")]
    folder: Option<PathBuf>,
    /// Render scenes of this variant of the built-in world: "real", "no-person",
    /// "half-fence", "no-person+half-fence", ...
    #[arg(long)]
    scenes: Option<String>,
    /// Scene seeds, as START..END.
    #[arg(long, default_value = "0..2000", value_parser = parse_seeds)]
    seeds: std::ops::Range<u64>,
    /// Fail on the first unreadable image instead of skipping it.
    #[arg(long)]
    strict: bool,
    /// compact (shipped weights), oracle (scene ground truth), compact:PATH or upernet:DIR.
    #[arg(long, default_value = "compact")]
    segmenter: String,
    /// Images per batch.
    #[arg(long, default_value_t = 64)]
    batch_size: usize,
    /// Where to write the statistics file.
    #[arg(long, short)]
    output: PathBuf,
}

/// Parses a seed range written `START..END`.
pub fn parse_seeds(text: &str) -> std::result::Result<std::ops::Range<u64>, String> {
    let (start, end) = text
        .split_once("..")
        .ok_or_else(|| format!("expected START..END, got {text:?}"))?;
    let start: u64 = start
        .parse()
        .map_err(|_| format!("bad start in {text:?}"))?;
    let end: u64 = end.parse().map_err(|_| format!("bad end in {text:?}"))?;
    if end <= start {
        return Err(format!("empty seed range {text:?}"));
    }
    Ok(start..end)
}

pub fn run(args: StatsArgs) -> Result<()> {
    let device = Device::default();
    let segmenter = args.segmenter.parse::<SegmenterChoice>()?.load(&device)?;
    let source: Box<dyn ImageSource> = match (&args.folder, &args.scenes) {
        (Some(folder), None) => Box::new(ImageFolder::open(folder, args.strict)?),
        (None, Some(variant)) => Box::new(SceneSource::new(Variant::parse(variant)?, args.seeds)),
        _ => {
            return Err(Error::Config(
                "give the images to analyse with --folder DIR or --scenes VARIANT".into(),
            ));
        }
    };
    compute_and_save(
        source.as_ref(),
        segmenter.as_ref(),
        &device,
        args.batch_size,
        &args.output,
    )?;
    Ok(())
}

/// Collects statistics with a progress bar, reports skipped images, and
/// writes the file.
pub fn compute_and_save(
    source: &dyn ImageSource,
    segmenter: &dyn Segmenter,
    device: &Device,
    batch_size: usize,
    output: &Path,
) -> Result<Collected> {
    let bar = progress::bar(source.len() as u64, "images");
    bar.set_message(source.description());
    let collected = collect_stats(source, segmenter, device, batch_size, &mut |step| {
        bar.set_position(step.done as u64)
    })?;
    bar.finish();

    if !collected.skipped.is_empty() {
        log::warn!(
            "skipped {} unreadable image(s) of {}; first: {}: {}",
            collected.skipped.len(),
            source.len(),
            collected.skipped[0].path.display(),
            collected.skipped[0].reason
        );
    }
    collected.stats.save(output)?;
    log::info!(
        "{} images -> {} ({:.0} images/s)",
        collected.stats.image_count(),
        output.display(),
        source.len() as f64 / bar.elapsed().as_secs_f64().max(1e-9)
    );
    Ok(collected)
}
