//! `modedrop train`: train a GAN on the scene world with the mode-drop
//! monitor attached.

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::prelude::*;
use clap::Args;
use modedrop::config::{GanExperiment, load_toml, save_toml};
use modedrop::data::Variant;
use modedrop::data::source::{ImageSource, SceneSource};
use modedrop::generate::train::GanTrainer;
use modedrop::monitor::{Evaluation, ModeDropMonitor};
use modedrop::report::{comparison_table, save_comparison_png};
use modedrop::stats::FrechetDistance;
use modedrop::{Error, Result};

use crate::progress;

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// The experiment file, such as configs/scenes.toml.
    config: PathBuf,
    /// Output folder (overrides the file's out_dir).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Training steps (overrides the file's gan.steps).
    #[arg(long)]
    steps: Option<u64>,
    /// Continue from the checkpoint in the output folder.
    #[arg(long)]
    resume: bool,
}

pub fn run(args: TrainArgs) -> Result<()> {
    let mut experiment: GanExperiment = load_toml(&args.config)?;
    if let Some(out) = args.out {
        experiment.out_dir = out;
    }
    if let Some(steps) = args.steps {
        experiment.gan.steps = steps;
    }
    experiment.validate()?;
    let out = experiment.out_dir.clone();
    modedrop::io::create_dir_all(&out)?;
    save_toml(&experiment, &out.join("config.toml"))?;

    let device = Device::default();
    let mut trainer = GanTrainer::new(&experiment.gan, &device)?;
    let checkpoint = out.join("checkpoint");
    let mut monitor = ModeDropMonitor::new(experiment.monitor.clone(), &out, &device)?;
    if args.resume {
        trainer.load_checkpoint(&checkpoint)?;
        monitor.resume_at(trainer.steps_done())?;
        log::info!("resumed at step {}", trainer.steps_done());
    } else if !monitor.history().is_empty() {
        return Err(Error::Config(format!(
            "{} already holds a run; pass --resume to continue it or choose another --out",
            out.display()
        )));
    }

    let (first_step, started) = (trainer.steps_done(), Instant::now());
    train_loop(
        &experiment,
        &mut trainer,
        &mut monitor,
        &checkpoint,
        &device,
    )?;
    report_overhead(&monitor, first_step, started.elapsed().as_secs_f64());
    write_final_report(&monitor, &out)
}

/// Logs the monitor's share of this run's wall time.
fn report_overhead(monitor: &ModeDropMonitor, first_step: u64, wall_seconds: f64) {
    let this_run = monitor
        .history()
        .iter()
        .filter(|evaluation| evaluation.step > first_step);
    let (count, seconds) = this_run.fold((0, 0.0), |(count, seconds), evaluation| {
        (count + 1, seconds + evaluation.seconds)
    });
    if count > 0 {
        log::info!(
            "monitor: {count} evaluation(s) took {seconds:.1} s of {wall_seconds:.1} s ({:.1}% of the run)",
            100.0 * seconds / wall_seconds
        );
    }
}

fn train_loop(
    experiment: &GanExperiment,
    trainer: &mut GanTrainer,
    monitor: &mut ModeDropMonitor,
    checkpoint: &Path,
    device: &Device,
) -> Result<()> {
    let gan = &experiment.gan;
    let variant = Variant::parse(&experiment.data.variant)?;
    let size = [gan.image_size, gan.image_size];
    let mut batches = trainer.steps_done() * gan.critic_steps as u64;
    let mut next_real = || -> Result<Tensor<4>> {
        let first = experiment.data.first_seed + batches * gan.batch_size as u64;
        batches += 1;
        let source = SceneSource::new(variant.clone(), first..first + gan.batch_size as u64);
        Ok(source
            .load(0..gan.batch_size, size)?
            .batch
            .to_device(device)
            .images)
    };

    let bar = progress::bar(gan.steps, "steps");
    bar.set_position(trainer.steps_done());
    while trainer.steps_done() < gan.steps {
        let losses = trainer.step(&mut next_real)?;
        let step = trainer.steps_done();
        bar.set_position(step);
        bar.set_message(format!(
            "D {:.3} G {:.3}",
            losses.discriminator, losses.generator
        ));
        if let Some(evaluation) = monitor.on_step(step, || trainer.inference_generator())? {
            // A hidden bar (output not a terminal) prints nothing: log instead.
            if bar.is_hidden() {
                log::info!("{}", summary_line(&evaluation));
            } else {
                bar.println(summary_line(&evaluation));
            }
        }
        if step.is_multiple_of(experiment.checkpoint_every) || step == gan.steps {
            trainer.save_checkpoint(checkpoint)?;
        }
    }
    bar.finish();
    Ok(())
}

/// One line per evaluation: FSD against the noise floor, the classes
/// furthest below their real area, and alarm changes.
fn summary_line(evaluation: &Evaluation) -> String {
    if let Some(error) = &evaluation.error {
        return format!("step {:>6}: evaluation failed: {error}", evaluation.step);
    }
    let total = |fsd: Option<FrechetDistance>| fsd.map_or(f64::NAN, |fsd| fsd.total);
    let (fsd, floor) = (total(evaluation.fsd), total(evaluation.noise_floor));
    let mut lowest: Vec<_> = evaluation
        .classes
        .iter()
        .filter_map(|c| Some((c.ratio?, c)))
        .collect();
    lowest.sort_by(|a, b| a.0.total_cmp(&b.0));
    let lowest: Vec<String> = lowest
        .iter()
        .take(3)
        .map(|(ratio, class)| format!("{} {:.2}", class.name, ratio))
        .collect();
    let mut line = format!(
        "step {:>6}: FSD {:>7.1} (floor {:.1}); lowest gen/real: {}",
        evaluation.step,
        fsd,
        floor,
        lowest.join(", ")
    );
    if !evaluation.new_alarms.is_empty() {
        line.push_str(&format!("; ALARM: {}", evaluation.new_alarms.join(", ")));
    }
    if !evaluation.recoveries.is_empty() {
        line.push_str(&format!(
            "; recovered: {}",
            evaluation.recoveries.join(", ")
        ));
    }
    line
}

/// Writes the last evaluation's comparison as `final/report.json` and
/// `final/comparison.png`, and prints its table.
fn write_final_report(monitor: &ModeDropMonitor, out: &Path) -> Result<()> {
    let Some(comparison) = monitor.last_comparison() else {
        log::warn!("no successful evaluation in this run: no final report");
        return Ok(());
    };
    println!("{}", comparison_table(comparison));
    println!("classes in alarm: {:?}", monitor.alarms());
    let dir = out.join("final");
    modedrop::io::create_dir_all(&dir)?;
    save_comparison_png(comparison, 30, &dir.join("comparison.png"))?;
    monitor
        .last_report()
        .expect("a comparison implies a report")
        .save(&dir.join("report.json"))?;
    log::info!("final report in {}", dir.display());
    Ok(())
}
