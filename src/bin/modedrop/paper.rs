//! `modedrop paper`: the distribution-level analysis of a pretrained
//! generator against a folder of real images, as configured in
//! `configs/paper-*.toml`.

use std::path::PathBuf;

use burn::prelude::*;
use clap::Args;
use modedrop::Result;
use modedrop::config::load_toml;
use modedrop::data::ImageFolder;
use modedrop::data::source::Prefix;
use modedrop::generate::{GeneratorChoice, GeneratorSource};
use modedrop::segment::SegmenterChoice;
use modedrop::stats::CompareConfig;
use serde::Deserialize;

use crate::compare::write_report;
use crate::stats::compute_and_save;

#[derive(Debug, Args)]
pub struct PaperArgs {
    /// The experiment file, such as configs/paper-progan-church.toml.
    config: PathBuf,
}

/// A `configs/paper-*.toml` file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PaperExperiment {
    out_dir: PathBuf,
    segmenter: String,
    generator: String,
    real_folder: PathBuf,
    images: usize,
    latent_seed: u64,
    batch_size: usize,
}

pub fn run(args: PaperArgs) -> Result<()> {
    let experiment: PaperExperiment = load_toml(&args.config)?;
    let device = Device::default();
    // Everything that can be missing is opened before the long work starts.
    let segmenter = experiment
        .segmenter
        .parse::<SegmenterChoice>()?
        .load(&device)?;
    let choice: GeneratorChoice = experiment.generator.parse()?;
    let generator = choice.load(&device)?;
    let folder = ImageFolder::open(&experiment.real_folder, false)?;
    modedrop::io::create_dir_all(&experiment.out_dir)?;

    let real_source = Prefix::new(&folder, experiment.images);
    let real_path = experiment.out_dir.join("real.stats.json");
    let batch = experiment.batch_size;
    let real = compute_and_save(&real_source, segmenter.as_ref(), &device, batch, &real_path)?;

    let samples = GeneratorSource::new(
        generator,
        choice.to_string(),
        experiment.images,
        experiment.latent_seed,
        &device,
    );
    let generated_path = experiment.out_dir.join("generated.stats.json");
    let generated = compute_and_save(
        &samples,
        segmenter.as_ref(),
        &device,
        batch,
        &generated_path,
    )?;

    let report = experiment.out_dir.join("report");
    write_report(
        &real.stats,
        &generated.stats,
        &CompareConfig::default(),
        &report,
        30,
    )
}
