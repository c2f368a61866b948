//! `modedrop segmenter`: train and score the compact segmenter.

use std::path::{Path, PathBuf};

use burn::prelude::*;
use clap::Subcommand;
use modedrop::Result;
use modedrop::config::{SegmenterExperiment, load_toml, save_toml};
use modedrop::data::Variant;
use modedrop::data::source::SceneSource;
use modedrop::digest::short_sha256;
use modedrop::segment::compact::save_weights;
use modedrop::segment::train::HELD_OUT_SEEDS;
use modedrop::segment::{
    CompactSegmenter, SegmentationScore, Segmenter, SegmenterChoice, evaluate_segmenter,
    train_segmenter,
};

use crate::progress;

#[derive(Debug, Subcommand)]
pub enum SegmenterCommand {
    /// Train the compact segmenter on the scene world, then score it on
    /// held-out scenes.
    Train {
        /// The experiment file, such as configs/segmenter.toml.
        config: PathBuf,
        /// Where to write the Burnpack weights; the score and the resolved
        /// configuration go beside it.
        #[arg(long, default_value = "weights/compact-scenes.bpk")]
        output: PathBuf,
    },
    /// Score a segmenter against the ground truth of held-out scenes.
    Evaluate {
        /// compact (shipped weights), oracle or compact:PATH.
        #[arg(long, default_value = "compact")]
        segmenter: String,
        /// Held-out scenes to score.
        #[arg(long, default_value_t = 512)]
        images: usize,
    },
}

pub fn run(command: SegmenterCommand) -> Result<()> {
    let device = Device::default();
    match command {
        SegmenterCommand::Train { config, output } => train(&config, &output, &device),
        SegmenterCommand::Evaluate { segmenter, images } => {
            let segmenter = segmenter.parse::<SegmenterChoice>()?.load(&device)?;
            let score = evaluate(segmenter.as_ref(), images, &device)?;
            print_score(&score, segmenter.class_names());
            Ok(())
        }
    }
}

fn train(config_path: &Path, output: &Path, device: &Device) -> Result<()> {
    let experiment: SegmenterExperiment = load_toml(config_path)?;
    let training = &experiment.training;
    training.validate()?;

    let bar = progress::bar(training.steps as u64, "steps");
    let network = train_segmenter(training, device, &mut |report| {
        bar.set_position(report.step as u64);
        bar.set_message(format!("loss {:.4}", report.loss));
        if report.step.is_multiple_of(100) {
            log::info!(
                "step {}/{}: loss {:.4} ({:.1} steps/s)",
                report.step,
                training.steps,
                report.loss,
                report.step as f64 / bar.elapsed().as_secs_f64()
            );
        }
    })?;
    bar.finish();
    if let Some(parent) = output.parent() {
        modedrop::io::create_dir_all(parent)?;
    }
    save_weights(&network, output)?;

    let bytes = std::fs::read(output).map_err(|source| modedrop::Error::io(output, source))?;
    let segmenter = CompactSegmenter::new(
        &network,
        modedrop::data::scene_class_names(),
        [training.image_size, training.image_size],
        &short_sha256(&bytes),
    );
    let score = evaluate(&segmenter, experiment.evaluation.images, device)?;
    print_score(&score, segmenter.class_names());

    save_toml(&experiment, &output.with_extension("toml"))?;
    let score_path = output.with_extension("score.json");
    let text = serde_json::to_string_pretty(&score).expect("scores serialise");
    modedrop::io::write_atomic(&score_path, text.as_bytes())?;
    log::info!("wrote {} and {}", output.display(), score_path.display());
    Ok(())
}

fn evaluate(
    segmenter: &dyn Segmenter,
    images: usize,
    device: &Device,
) -> Result<SegmentationScore> {
    let start = HELD_OUT_SEEDS.start;
    let source = SceneSource::new(Variant::default(), start..start + images as u64);
    evaluate_segmenter(segmenter, &source, device, 64)
}

fn print_score(score: &SegmentationScore, class_names: &[String]) {
    println!(
        "{} held-out scenes: pixel accuracy {:.2}%, mean IoU {:.3}",
        score.images,
        100.0 * score.pixel_accuracy,
        score.mean_iou
    );
    for (name, iou) in class_names.iter().zip(&score.class_iou) {
        match iou {
            Some(iou) => println!("  {name:<12} IoU {iou:.3}"),
            None => println!("  {name:<12} absent"),
        }
    }
}
