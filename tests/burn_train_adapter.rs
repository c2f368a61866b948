//! The monitor inside a real burn-train `Learner` run: a toy model whose
//! training output carries a scene renderer that never draws persons. The
//! FSD and person-ratio metrics must reach burn-train's metric files, the
//! person ratio must be 0 (the renderer draws no person pixel, and the
//! oracle segmenter reads the true labels), and the monitor's history must
//! hold one evaluation per `every_steps` iterations, counted across epochs.

use std::path::Path;
use std::sync::Arc;

use burn::data::dataloader::batcher::Batcher;
use burn::data::dataloader::{DataLoader, DataLoaderBuilder};
use burn::data::dataset::InMemDataset;
use burn::module::{Module, Param};
use burn::optim::SgdConfig;
use burn::optim::lr_scheduler::constant::ConstantLr;
use burn::prelude::*;
use burn::tensor::Distribution;
use burn::tensor::ExecutionError;
use burn::train::metric::{Adaptor, ItemLazy, LossInput, LossMetric};
use burn::train::renderer::CliMetricsRenderer;
use burn::train::{InferenceStep, Learner, SupervisedTraining, TrainOutput, TrainStep};
use modedrop::data::Variant;
use modedrop::generate::SceneSampler;
use modedrop::monitor::burn_train::{GeneratorSnapshot, ModeDropMetric, SharedMonitor};
use modedrop::monitor::{ModeDropMonitor, MonitorConfig, ReferenceSource};

/// Training batches per epoch (8 items, 2 per batch).
const ITERATIONS_PER_EPOCH: u64 = 4;
const EPOCHS: usize = 2;
const EVERY_STEPS: u64 = 3;

#[derive(Module, Debug)]
struct ToyModel {
    weight: Param<Tensor<2>>,
}

#[derive(Clone, Debug)]
struct ToyBatch {
    target: Tensor<2>,
    generator: GeneratorSnapshot,
}

struct ToyBatcher {
    generator: GeneratorSnapshot,
}

impl Batcher<(), ToyBatch> for ToyBatcher {
    fn batch(&self, _items: Vec<()>, device: &Device) -> ToyBatch {
        ToyBatch {
            target: Tensor::zeros([1, 2], device),
            generator: self.generator.clone(),
        }
    }
}

struct ToyOutput {
    loss: Tensor<1>,
    generator: GeneratorSnapshot,
}

impl ItemLazy for ToyOutput {
    fn sync(self) -> Result<Self, ExecutionError> {
        Ok(Self {
            loss: self.loss.without_autodiff(),
            generator: self.generator,
        })
    }
}

impl Adaptor<LossInput> for ToyOutput {
    fn adapt(&self) -> LossInput {
        LossInput::new(self.loss.clone())
    }
}

impl Adaptor<GeneratorSnapshot> for ToyOutput {
    fn adapt(&self) -> GeneratorSnapshot {
        self.generator.clone()
    }
}

impl ToyModel {
    fn forward(&self, batch: ToyBatch) -> ToyOutput {
        let loss = (self.weight.val() - batch.target).powi_scalar(2).mean();
        ToyOutput {
            loss,
            generator: batch.generator,
        }
    }
}

impl TrainStep for ToyModel {
    type Input = ToyBatch;
    type Output = ToyOutput;

    fn step(&self, item: ToyBatch) -> TrainOutput<ToyOutput> {
        let output = self.forward(item);
        TrainOutput::new(self, output.loss.backward(), output)
    }
}

impl InferenceStep for ToyModel {
    type Input = ToyBatch;
    type Output = ToyOutput;

    fn step(&self, item: ToyBatch) -> ToyOutput {
        self.forward(item)
    }
}

fn monitor_config(cache: &Path) -> MonitorConfig {
    MonitorConfig {
        every_steps: EVERY_STEPS,
        samples: 60,
        batch_size: 30,
        segmenter: "oracle".to_string(),
        reference: ReferenceSource::Scenes {
            variant: "real".to_string(),
            first_seed: 0,
        },
        reference_images: 120,
        cache_dir: cache.to_path_buf(),
        grid_images: 4,
        ..MonitorConfig::default()
    }
}

fn loader(generator: &GeneratorSnapshot, items: usize) -> Arc<dyn DataLoader<ToyBatch>> {
    let batcher = ToyBatcher {
        generator: generator.clone(),
    };
    DataLoaderBuilder::new(batcher)
        .batch_size(2)
        .build(InMemDataset::new(vec![(); items]))
}

/// The numbers burn-train wrote for `metric` in `epoch`, one per logged
/// entry (the epoch-end entry is tagged `,final` and read like the others).
fn logged_values(artifacts: &Path, epoch: usize, metric: &str) -> Vec<f64> {
    let file = artifacts
        .join("train")
        .join(format!("epoch-{epoch}"))
        .join(format!("{}.log", metric.replace(' ', "_")));
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|error| panic!("{}: {error}", file.display()));
    text.lines()
        .map(|line| line.split(',').next().unwrap().parse::<f64>().unwrap())
        .collect()
}

#[test]
fn learner_run_reports_fsd_and_person_ratio_to_burn_train() {
    let dir = tempfile::tempdir().unwrap();
    let artifacts = dir.path().join("train");
    let monitor_dir = dir.path().join("modedrop");
    let device = Device::default();

    let monitor = ModeDropMonitor::new(
        monitor_config(&dir.path().join("cache")),
        &monitor_dir,
        &device,
    )
    .unwrap();
    let shared = SharedMonitor::new(monitor);
    let sampler = SceneSampler::new(Variant::parse("no-person").unwrap(), 64, 16).unwrap();
    let generator = GeneratorSnapshot::new(sampler);

    let train_device = device.clone().autodiff();
    let model = ToyModel {
        weight: Param::from_tensor(Tensor::random([1, 2], Distribution::Default, &train_device)),
    };
    let learner = Learner::new(model, SgdConfig::new().init(), ConstantLr::new(1e-3));
    let items = 2 * ITERATIONS_PER_EPOCH as usize;
    SupervisedTraining::new(&artifacts, loader(&generator, items), loader(&generator, 2))
        .metric_train_numeric(LossMetric::new())
        .metric_train_numeric(ModeDropMetric::fsd(&shared))
        .metric_train_numeric(ModeDropMetric::class_ratio(&shared, "person"))
        .num_epochs(EPOCHS)
        .renderer(Box::new(CliMetricsRenderer::new()))
        .with_application_logger(None)
        .launch(learner);

    let total_steps = ITERATIONS_PER_EPOCH * EPOCHS as u64;
    let steps: Vec<u64> = shared.with_monitor(|m| m.history().iter().map(|e| e.step).collect());
    let expected: Vec<u64> = (1..=total_steps).filter(|s| s % EVERY_STEPS == 0).collect();
    assert_eq!(steps, expected);
    let history = std::fs::read_to_string(monitor_dir.join("history.jsonl")).unwrap();
    assert_eq!(history.lines().count(), expected.len());
    let latest = shared.latest().unwrap();
    assert_eq!(latest.step, *expected.last().unwrap());
    let latest_fsd = latest.fsd.unwrap().total;

    // Epoch 1: N/A (not written) before step 3, then the step-3 value for
    // iterations 3 and 4, then the epoch-end value.
    let fsd_epoch_1 = logged_values(&artifacts, 1, "ModeDrop FSD");
    assert_eq!(fsd_epoch_1.len(), 3, "{fsd_epoch_1:?}");
    assert!(
        fsd_epoch_1.iter().all(|fsd| fsd.is_finite() && *fsd > 0.0),
        "{fsd_epoch_1:?}"
    );
    // Epoch 2 (steps 5 to 8, an evaluation at step 6): every iteration
    // and the epoch end; the last values are the latest evaluation's.
    let fsd_epoch_2 = logged_values(&artifacts, 2, "ModeDrop FSD");
    assert_eq!(
        fsd_epoch_2.len(),
        ITERATIONS_PER_EPOCH as usize + 1,
        "{fsd_epoch_2:?}"
    );
    assert_eq!(*fsd_epoch_2.last().unwrap(), latest_fsd);
    assert_eq!(
        fsd_epoch_2[0], fsd_epoch_1[0],
        "step 5 still reports step 3"
    );

    let person_epoch_2 = logged_values(&artifacts, 2, "ModeDrop ratio person");
    assert_eq!(person_epoch_2.len(), ITERATIONS_PER_EPOCH as usize + 1);
    assert!(
        person_epoch_2.iter().all(|ratio| *ratio == 0.0),
        "{person_epoch_2:?}"
    );
}
