//! The monitor on stand-in generators whose defects are known: a scene
//! renderer that never draws persons must raise a person alarm within the
//! alarm window; a perfect scene renderer must raise nothing; the history
//! and alarm state must survive a crash between evaluations; a failing
//! evaluation must not stop training or corrupt the history.

use std::path::Path;

use burn::prelude::*;
use modedrop::data::Variant;
use modedrop::generate::{Sampler, SceneSampler};
use modedrop::monitor::{FailurePolicy, ModeDropMonitor, MonitorConfig, ReferenceSource};
use modedrop::segment::ImageBatch;
use modedrop::stats::Verdict;

fn config(cache: &Path) -> MonitorConfig {
    MonitorConfig {
        every_steps: 10,
        samples: 300,
        batch_size: 100,
        segmenter: "oracle".to_string(),
        reference: ReferenceSource::Scenes {
            variant: "real".to_string(),
            first_seed: 0,
        },
        reference_images: 600,
        cache_dir: cache.to_path_buf(),
        alarm_evaluations: 2,
        grid_images: 4,
        ..MonitorConfig::default()
    }
}

fn sampler(variant: &str) -> SceneSampler {
    SceneSampler::new(Variant::parse(variant).unwrap(), 64, 16).unwrap()
}

#[test]
fn generator_without_persons_raises_a_person_alarm_within_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let device = Device::default();
    let mut monitor =
        ModeDropMonitor::new(config(&dir.path().join("cache")), dir.path(), &device).unwrap();

    let mut alarms_at = Vec::new();
    for step in 1..=30 {
        if let Some(evaluation) = monitor.on_step(step, || sampler("no-person")).unwrap() {
            let person = evaluation
                .classes
                .iter()
                .find(|c| c.name == "person")
                .unwrap();
            assert_eq!(person.verdict, Verdict::Dropped);
            assert_eq!(person.ratio, Some(0.0));
            alarms_at.push((step, evaluation.new_alarms.clone()));
        }
    }
    assert_eq!(
        alarms_at,
        vec![(10, vec![]), (20, vec!["person".to_string()]), (30, vec![])]
    );
    assert_eq!(monitor.alarms(), vec!["person".to_string()]);
    let events = std::fs::read_dir(dir.path().join("tensorboard"))
        .unwrap()
        .count();
    assert_eq!(events, 1);

    let mut grids: Vec<String> = std::fs::read_dir(dir.path().join("samples"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    grids.sort();
    assert_eq!(
        grids,
        ["step-0000010.png", "step-0000020.png", "step-0000030.png"]
    );
    let grid = image::open(dir.path().join("samples/step-0000030.png")).unwrap();
    // Four 64x64 samples, each beside its segmentation, in one row, with
    // 2-pixel borders.
    assert_eq!((grid.width(), grid.height()), (8 * 66 + 2, 66 + 2));
}

#[test]
fn perfect_generator_raises_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut monitor = ModeDropMonitor::new(
        config(&dir.path().join("cache")),
        dir.path(),
        &Device::default(),
    )
    .unwrap();
    for step in [10, 20, 30] {
        let evaluation = monitor.evaluate(step, &sampler("real")).unwrap();
        let flagged: Vec<_> = evaluation
            .classes
            .iter()
            .filter(|class| class.verdict != Verdict::Consistent || class.alarm)
            .map(|class| &class.name)
            .collect();
        assert!(flagged.is_empty(), "step {step}: {flagged:?}");
        let fsd = evaluation.fsd.unwrap();
        assert!(
            fsd.total < 3.0 * evaluation.noise_floor.unwrap().total,
            "{fsd:?}"
        );
    }
    assert!(monitor.alarms().is_empty());
}

#[test]
fn history_and_alarms_survive_a_crash_between_evaluations() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let device = Device::default();
    {
        let mut monitor = ModeDropMonitor::new(config(&cache), dir.path(), &device).unwrap();
        for step in [10, 20] {
            monitor.evaluate(step, &sampler("no-person")).unwrap();
        }
        assert_eq!(monitor.alarms(), vec!["person".to_string()]);
        // The process dies here: nothing runs after the last evaluation.
        std::mem::forget(monitor);
    }

    let mut monitor = ModeDropMonitor::new(config(&cache), dir.path(), &device).unwrap();
    assert_eq!(monitor.history().len(), 2);
    assert_eq!(monitor.alarms(), vec!["person".to_string()]);
    // The alarm persists; a recovery is reported when persons come back.
    let evaluation = monitor.evaluate(30, &sampler("real")).unwrap();
    assert_eq!(evaluation.recoveries, vec!["person".to_string()]);
    assert_eq!(monitor.history().len(), 3);

    // Training resumed from the checkpoint of step 20: the step-30
    // evaluation is forgotten and the alarm is back.
    monitor.resume_at(20).unwrap();
    assert_eq!(monitor.history().len(), 2);
    assert_eq!(monitor.alarms(), vec!["person".to_string()]);
}

#[test]
fn reference_statistics_are_cached_and_keyed() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let device = Device::default();
    let first = ModeDropMonitor::new(config(&cache), &dir.path().join("a"), &device).unwrap();
    let second = ModeDropMonitor::new(config(&cache), &dir.path().join("b"), &device).unwrap();
    assert_eq!(first.reference().1, second.reference().1);
    assert_eq!(first.reference().0, second.reference().0);

    let mut other = config(&cache);
    other.reference_images = 400;
    let third = ModeDropMonitor::new(other, &dir.path().join("c"), &device).unwrap();
    assert_ne!(first.reference().1, third.reference().1);
    assert_eq!(third.reference().0.image_count(), 400);
}

/// A generator that has diverged: every pixel is NaN.
struct Diverged;

impl Sampler for Diverged {
    fn latent_dim(&self) -> usize {
        16
    }

    fn sample(&self, latent: Tensor<2>) -> ImageBatch {
        let [batch_size, _] = latent.dims();
        let images = Tensor::<4>::full([batch_size, 3, 64, 64], f32::NAN, &latent.device());
        ImageBatch {
            images,
            labels: None,
        }
    }
}

#[test]
fn failed_evaluation_is_recorded_and_training_goes_on_unless_told_to_stop() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let device = Device::default();
    let mut monitor = ModeDropMonitor::new(config(&cache), dir.path(), &device).unwrap();
    monitor.evaluate(10, &sampler("no-person")).unwrap();
    let failed = monitor.evaluate(20, &Diverged).unwrap();
    assert!(
        failed.error.as_deref().unwrap().contains("non-finite"),
        "{failed:?}"
    );
    monitor.evaluate(30, &sampler("no-person")).unwrap();
    // A failed evaluation neither counts towards nor breaks the streak.
    assert_eq!(monitor.alarms(), vec!["person".to_string()]);
    drop(monitor);

    let reopened = ModeDropMonitor::new(config(&cache), dir.path(), &device).unwrap();
    assert_eq!(reopened.history().len(), 3);

    let strict = MonitorConfig {
        on_failure: FailurePolicy::Stop,
        ..config(&cache)
    };
    let mut monitor = ModeDropMonitor::new(strict, &dir.path().join("strict"), &device).unwrap();
    assert!(monitor.evaluate(10, &Diverged).is_err());
    assert_eq!(monitor.history().len(), 0);
}
