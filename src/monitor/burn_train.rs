//! The monitor as burn-train metrics, for training run by Burn's `Learner`.
//!
//! burn-train computes metrics from each training step's output, through
//! [`Adaptor`]. Here the output hands over a [`GeneratorSnapshot`] (a cheap
//! handle to the generator as it is after the step), and two kinds of
//! [`ModeDropMetric`] share one [`SharedMonitor`]:
//!
//! - [`ModeDropMetric::fsd`] drives the monitor: at every training iteration
//!   it calls the monitor, which evaluates every `every_steps` iterations
//!   (sample, segment, compare with the real reference, append to
//!   `history.jsonl`), and it reports the latest FSD, in squared percent of
//!   image area.
//! - [`ModeDropMetric::class_ratio`] reports, for one class, the generated
//!   mean area over the real mean area at the latest evaluation (1 means
//!   the class is drawn as often and as large as in real images, 0 that it
//!   is never drawn). It never triggers an evaluation.
//!
//! Between evaluations both report the latest value, and "N/A" before the
//! first. The step given to the monitor counts training iterations across
//! epochs (burn-train restarts its iteration count at each epoch). Register
//! the FSD metric first, so that the ratios read the evaluation of the same
//! iteration, and on the training split only: on the validation split it
//! would evaluate at validation iterations.
//!
//! Attaching it (compiled in `tests/burn_train_adapter.rs`):
//!
//! ```ignore
//! // The training step output carries the generator.
//! impl Adaptor<GeneratorSnapshot> for GanOutput {
//!     fn adapt(&self) -> GeneratorSnapshot {
//!         self.generator.clone()
//!     }
//! }
//!
//! let monitor = ModeDropMonitor::new(config, &out_dir.join("modedrop"), &device)?;
//! let shared = SharedMonitor::new(monitor);
//! let result = SupervisedTraining::new(&out_dir, train_loader, valid_loader)
//!     .metric_train_numeric(ModeDropMetric::fsd(&shared))
//!     .metric_train_numeric(ModeDropMetric::class_ratio(&shared, "person"))
//!     .launch(learner);
//! ```

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use burn::tensor::TensorReadError;
use burn::train::metric::{
    Adaptor, Metric, MetricAttributes, MetricMetadata, MetricName, Numeric, NumericAttributes,
    NumericEntry, SerializedEntry, format_float,
};

use super::base::ModeDropMonitor;
use super::history::Evaluation;
use crate::generate::Sampler;

/// Digits after the point in the values shown by burn-train's renderers.
const DISPLAY_PRECISION: usize = 3;

/// What to evaluate: the generator as it is after a training step.
///
/// The metric input of [`ModeDropMetric`]; the training step's output
/// provides it through `Adaptor<GeneratorSnapshot>`. Cloning it clones an
/// [`Arc`]. For a Burn model, hand over the inference copy
/// (`model.generator.valid()`) so that sampling records no gradients.
#[derive(Clone)]
pub struct GeneratorSnapshot {
    sampler: Arc<dyn Sampler + Send + Sync>,
}

impl GeneratorSnapshot {
    /// Wraps a sampler.
    pub fn new(sampler: impl Sampler + Send + Sync + 'static) -> Self {
        Self {
            sampler: Arc::new(sampler),
        }
    }

    /// Wraps a sampler already behind an [`Arc`].
    pub fn from_arc(sampler: Arc<dyn Sampler + Send + Sync>) -> Self {
        Self { sampler }
    }

    /// The sampler.
    pub fn sampler(&self) -> &(dyn Sampler + Send + Sync) {
        self.sampler.as_ref()
    }
}

impl std::fmt::Debug for GeneratorSnapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeneratorSnapshot")
            .field("latent_dim", &self.sampler.latent_dim())
            .finish_non_exhaustive()
    }
}

impl Adaptor<GeneratorSnapshot> for GeneratorSnapshot {
    fn adapt(&self) -> GeneratorSnapshot {
        self.clone()
    }
}

/// A [`ModeDropMonitor`] shared by the metrics that report it, with its
/// latest successful evaluation.
///
/// Cloning it shares the same monitor.
#[derive(Clone)]
pub struct SharedMonitor {
    state: Arc<Mutex<MonitorState>>,
}

struct MonitorState {
    monitor: ModeDropMonitor,
    latest: Option<Evaluation>,
    steps: StepCounter,
}

impl SharedMonitor {
    /// Shares `monitor`. The metrics report nothing until its first
    /// evaluation in this run.
    pub fn new(monitor: ModeDropMonitor) -> Self {
        let state = MonitorState {
            monitor,
            latest: None,
            steps: StepCounter::default(),
        };
        Self {
            state: Arc::new(Mutex::new(state)),
        }
    }

    /// The latest successful evaluation of this run, if any.
    pub fn latest(&self) -> Option<Evaluation> {
        self.lock().latest.clone()
    }

    /// Runs `action` on the monitor, for example to read its history or
    /// alarms once training is over.
    pub fn with_monitor<R>(&self, action: impl FnOnce(&mut ModeDropMonitor) -> R) -> R {
        action(&mut self.lock().monitor)
    }

    /// Gives the monitor the training iteration `iteration` (1-based, within
    /// an epoch), evaluating `snapshot` if an evaluation is due, and returns
    /// the latest successful evaluation. A failed evaluation is logged and
    /// leaves the latest one in place.
    fn step(&self, iteration: Option<usize>, snapshot: &GeneratorSnapshot) -> Option<Evaluation> {
        let mut state = self.lock();
        let step = state.steps.global_step(iteration);
        if state.monitor.is_due(step) {
            match state.monitor.evaluate(step, snapshot.sampler()) {
                Ok(evaluation) if evaluation.error.is_none() => state.latest = Some(evaluation),
                // The monitor has logged the failure and recorded it in the history.
                Ok(_) => {}
                Err(error) => log::error!("mode-drop evaluation at step {step} failed: {error}"),
            }
        }
        state.latest.clone()
    }

    fn lock(&self) -> MutexGuard<'_, MonitorState> {
        // A panic while holding the lock leaves a monitor whose history is
        // on disk line by line; reporting from it is still sound.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Turns burn-train's per-epoch iteration numbers into steps counted from
/// the start of training: when the iteration does not increase, a new epoch
/// has begun and the previous epoch's iterations are added to an offset.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct StepCounter {
    offset: u64,
    last_iteration: u64,
}

impl StepCounter {
    fn global_step(&mut self, iteration: Option<usize>) -> u64 {
        let iteration = iteration.map_or(self.last_iteration + 1, |iteration| iteration as u64);
        if iteration <= self.last_iteration {
            self.offset += self.last_iteration;
        }
        self.last_iteration = iteration;
        self.offset + iteration
    }
}

/// What a [`ModeDropMetric`] reports.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Reported {
    Fsd,
    ClassRatio(String),
}

/// A burn-train numeric metric reporting the [`SharedMonitor`]'s latest
/// evaluation: the FSD (which also drives the evaluations) or one class's
/// generated/real area ratio.
#[derive(Clone)]
pub struct ModeDropMetric {
    shared: SharedMonitor,
    reported: Reported,
    name: MetricName,
    latest: Option<f64>,
}

impl ModeDropMetric {
    /// The FSD of the latest evaluation, in squared percent of image area,
    /// named "ModeDrop FSD". Its updates run the monitor's evaluations.
    pub fn fsd(shared: &SharedMonitor) -> Self {
        Self {
            shared: shared.clone(),
            reported: Reported::Fsd,
            name: Arc::new("ModeDrop FSD".to_string()),
            latest: None,
        }
    }

    /// The generated over real mean area of `class` at the latest
    /// evaluation, named "ModeDrop ratio {class}". N/A while the class is
    /// unknown to the segmenter or absent from the reference.
    pub fn class_ratio(shared: &SharedMonitor, class: &str) -> Self {
        Self {
            shared: shared.clone(),
            reported: Reported::ClassRatio(class.to_string()),
            name: Arc::new(format!("ModeDrop ratio {class}")),
            latest: None,
        }
    }

    fn value_of(&self, evaluation: &Evaluation) -> Option<f64> {
        match &self.reported {
            Reported::Fsd => evaluation.fsd.as_ref().map(|fsd| fsd.total),
            Reported::ClassRatio(name) => evaluation
                .classes
                .iter()
                .find(|class| &class.name == name)
                .and_then(|class| class.ratio),
        }
    }

    fn entry(&self, final_entry: bool) -> SerializedEntry {
        let Some(value) = self.latest else {
            return SerializedEntry::not_available(None);
        };
        let numeric = if final_entry {
            NumericEntry::Final(value)
        } else {
            NumericEntry::Value(value)
        };
        SerializedEntry::new(format_float(value, DISPLAY_PRECISION), numeric.serialize())
    }
}

impl Metric for ModeDropMetric {
    type Input = GeneratorSnapshot;

    fn name(&self) -> MetricName {
        self.name.clone()
    }

    fn description(&self) -> Option<String> {
        let description = match &self.reported {
            Reported::Fsd => "Fréchet Segmentation Distance of generated against real class \
                              areas, in squared percent of image area"
                .to_string(),
            Reported::ClassRatio(name) => format!(
                "Mean area of '{name}' in generated over real images (1 is ideal, 0 dropped)"
            ),
        };
        Some(description)
    }

    fn attributes(&self) -> MetricAttributes {
        let unit = match self.reported {
            Reported::Fsd => Some("%²".to_string()),
            Reported::ClassRatio(_) => None,
        };
        NumericAttributes {
            unit,
            higher_is_better: matches!(self.reported, Reported::ClassRatio(_)),
        }
        .into()
    }

    fn update(
        &mut self,
        item: &GeneratorSnapshot,
        metadata: &MetricMetadata,
    ) -> Result<SerializedEntry, TensorReadError> {
        let evaluation = match self.reported {
            Reported::Fsd => self.shared.step(metadata.iteration, item),
            Reported::ClassRatio(_) => self.shared.latest(),
        };
        if let Some(value) = evaluation.as_ref().and_then(|e| self.value_of(e)) {
            self.latest = Some(value);
        }
        Ok(self.entry(false))
    }

    fn compute(&mut self) -> Result<SerializedEntry, TensorReadError> {
        Ok(self.entry(true))
    }

    fn clear(&mut self) {
        // The latest value is kept across epochs: evaluations are rarer than
        // epochs can be, and the value stays valid until the next one.
    }
}

impl Numeric for ModeDropMetric {
    fn value(&self) -> Option<NumericEntry> {
        self.latest.map(NumericEntry::Value)
    }

    fn running_value(&self) -> Option<NumericEntry> {
        self.value()
    }

    fn final_value(&self) -> NumericEntry {
        // burn-train asks for a final value even when none exists; NaN is
        // what its own numeric metrics give for an empty epoch.
        NumericEntry::Final(self.latest.unwrap_or(f64::NAN))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_continue_across_epochs() {
        let mut counter = StepCounter::default();
        let steps: Vec<u64> = [1, 2, 3, 1, 2, 3, 1]
            .into_iter()
            .map(|iteration| counter.global_step(Some(iteration)))
            .collect();
        assert_eq!(steps, vec![1, 2, 3, 4, 5, 6, 7]);
    }

    #[test]
    fn missing_iteration_counts_one_on() {
        let mut counter = StepCounter::default();
        assert_eq!(counter.global_step(Some(4)), 4);
        assert_eq!(counter.global_step(None), 5);
    }

    #[test]
    fn metrics_are_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<ModeDropMetric>();
        assert_send_sync::<GeneratorSnapshot>();
    }
}
