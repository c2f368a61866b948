//! What the mode-drop monitor costs a training run: one training step of the
//! main job's GAN, one monitor evaluation at the default sample count, and
//! the per-step check when nothing is due.
//!
//! The monitor's share of training wall time at a cadence of one
//! evaluation of K samples every N steps is `E / (N * S + E)`, with `S` the
//! step time and `E` the evaluation time measured here.
//!
//! Run with `cargo bench --bench monitor` (about five minutes on two cores).

use std::time::Duration;

use burn::prelude::*;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use modedrop::config::{GanExperiment, load_toml};
use modedrop::data::Variant;
use modedrop::data::source::{ImageSource, SceneSource};
use modedrop::generate::train::GanTrainer;
use modedrop::monitor::{ModeDropMonitor, MonitorConfig, ReferenceSource};

/// The main job's experiment, so the benchmark follows the shipped settings.
fn main_job() -> GanExperiment {
    load_toml("configs/scenes.toml".as_ref()).expect("configs/scenes.toml loads")
}

fn real_batch(experiment: &GanExperiment, device: &Device) -> Tensor<4> {
    let (batch_size, size) = (experiment.gan.batch_size, experiment.gan.image_size);
    SceneSource::new(Variant::real(), 0..batch_size as u64)
        .load(0..batch_size, [size, size])
        .expect("scenes render")
        .batch
        .to_device(device)
        .images
}

fn bench_training_step(c: &mut Criterion) {
    let experiment = main_job();
    let device = Device::default();
    let mut trainer = GanTrainer::new(&experiment.gan, &device).expect("valid GAN config");
    let mut group = c.benchmark_group("training");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(15));
    // Scene rendering is part of a step of the main job, so it is timed too.
    group.bench_function("step (configs/scenes.toml)", |bench| {
        bench.iter(|| {
            trainer
                .step(|| Ok(real_batch(&experiment, &device)))
                .expect("finite losses")
        })
    });
    group.finish();
}

fn bench_evaluation(c: &mut Criterion) {
    let device = Device::default();
    let trainer = GanTrainer::new(&main_job().gan, &device).expect("valid GAN config");
    let generator = trainer.inference_generator();
    let out = tempfile::tempdir().expect("temporary folder");
    // The default cadence and sample count; a smaller reference than the
    // default, since it is computed once and only its statistics matter.
    let config = MonitorConfig {
        reference: ReferenceSource::Scenes {
            variant: "real".into(),
            first_seed: 0,
        },
        reference_images: 400,
        cache_dir: out.path().join("cache"),
        ..MonitorConfig::default()
    };
    let samples = config.samples;
    let mut monitor = ModeDropMonitor::new(config, out.path(), &device).expect("monitor starts");

    let mut group = c.benchmark_group("monitor");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(120));
    group.throughput(Throughput::Elements(samples as u64));
    let mut step = 0;
    // Everything an evaluation does: sample, segment, tally, compare, append
    // the history, write TensorBoard scalars, the figure and the grid.
    group.bench_function(format!("evaluation ({samples} samples)"), |bench| {
        bench.iter(|| {
            step += monitor.config().every_steps;
            monitor.evaluate(step, &generator).expect("evaluation runs")
        })
    });
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("on_step when not due", |bench| {
        bench.iter(|| {
            monitor
                .on_step(step + 1, || -> modedrop::generate::dcgan::DcganGenerator {
                    unreachable!("no evaluation is due")
                })
                .expect("nothing to do")
        })
    });
    group.finish();
}

criterion_group!(benches, bench_training_step, bench_evaluation);
criterion_main!(benches);
