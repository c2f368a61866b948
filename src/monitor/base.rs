use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use burn::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::config::{FailurePolicy, MonitorConfig};
use super::history::{ClassDrift, DriftState, Evaluation, History};
use super::reference::load_or_compute;
use crate::data::batch::images_to_rgb;
use crate::error::{Error, Result};
use crate::generate::Sampler;
use crate::generate::train::sample_latent;
use crate::report::figure::render_comparison;
use crate::report::grid::{class_palette, sample_grid};
use crate::report::json::{ComparisonReport, SideSummary};
use crate::report::tensorboard::EventWriter;
use crate::segment::{Segmenter, SegmenterChoice};
use crate::stats::tally::{class_area_percent, to_host};
use crate::stats::{Comparison, SegmentationStats, StatsMeta, compare};

/// Classes drawn in the comparison figure logged at each evaluation.
const FIGURE_CLASSES: usize = 30;

/// Watches a generator during training and reports which classes it drops.
///
/// Call [`on_step`](ModeDropMonitor::on_step) from the training loop at every
/// step; it returns at once unless an evaluation is due (every
/// `every_steps` steps). An evaluation samples the configured number of
/// images from fixed latent vectors, segments them, compares their class
/// areas with the cached real reference, updates the per-class alarms,
/// appends a line to `history.jsonl`, logs scalars and images to
/// TensorBoard under `tensorboard/`, and saves the sample grid (samples
/// beside their segmentation) as `samples/step-NNNNNNN.png`.
///
/// Reopening a monitor on the same output folder continues its history and
/// alarm state; after resuming training from a checkpoint, call
/// [`resume_at`](ModeDropMonitor::resume_at) with the checkpoint's step.
pub struct ModeDropMonitor {
    config: MonitorConfig,
    out_dir: PathBuf,
    device: Device,
    segmenter: Box<dyn Segmenter>,
    reference: SegmentationStats,
    reference_path: PathBuf,
    latents: Option<Tensor<2>>,
    history: History,
    drift: DriftState,
    events: EventWriter,
    last_comparison: Option<Comparison>,
}

/// What one evaluation produced besides its history line.
struct Measured {
    comparison: Comparison,
    grid: image::RgbImage,
}

impl ModeDropMonitor {
    /// Opens a monitor writing into `out_dir`, computing (or loading from the
    /// cache) the reference statistics and reloading any earlier history.
    ///
    /// # Errors
    ///
    /// Invalid configuration, unreadable reference images or cache, a
    /// corrupt history file, or an output folder that cannot be written.
    pub fn new(config: MonitorConfig, out_dir: &Path, device: &Device) -> Result<Self> {
        config.validate()?;
        crate::io::create_dir_all(out_dir)?;
        let segmenter = config.segmenter.parse::<SegmenterChoice>()?.load(device)?;
        let (reference, reference_path) = load_or_compute(&config, segmenter.as_ref(), device)?;
        let history = History::open(&out_dir.join("history.jsonl"))?;
        let drift = DriftState::replay(history.evaluations());
        if !history.evaluations().is_empty() {
            log::info!(
                "continuing {} after {} evaluation(s); in alarm: {:?}",
                history.path().display(),
                history.evaluations().len(),
                drift.alarms()
            );
        }
        let events = EventWriter::create(&out_dir.join("tensorboard"))?;
        Ok(Self {
            config,
            out_dir: out_dir.to_path_buf(),
            device: device.clone(),
            segmenter,
            reference,
            reference_path,
            latents: None,
            history,
            drift,
            events,
            last_comparison: None,
        })
    }

    /// Whether an evaluation is due at `step`.
    pub fn is_due(&self, step: u64) -> bool {
        step.is_multiple_of(self.config.every_steps)
    }

    /// Evaluates if one is due at `step`, building the sampler only then
    /// (for example `|| generator.valid()`).
    ///
    /// # Errors
    ///
    /// Only when the evaluation fails and the failure policy is
    /// [`FailurePolicy::Stop`], or the history cannot be written.
    pub fn on_step<S: Sampler>(
        &mut self,
        step: u64,
        sampler: impl FnOnce() -> S,
    ) -> Result<Option<Evaluation>> {
        if !self.is_due(step) {
            return Ok(None);
        }
        self.evaluate(step, &sampler()).map(Some)
    }

    /// Evaluates `sampler` now, as training step `step`.
    ///
    /// # Errors
    ///
    /// Only when the evaluation fails and the failure policy is
    /// [`FailurePolicy::Stop`], or the history cannot be written.
    pub fn evaluate(&mut self, step: u64, sampler: &dyn Sampler) -> Result<Evaluation> {
        let started = Instant::now();
        let evaluation = match self.measure(step, sampler) {
            Ok(measured) => self.record_success(step, measured, started),
            Err(error) => {
                log::error!("mode-drop evaluation at step {step} failed: {error}");
                if self.config.on_failure == FailurePolicy::Stop {
                    return Err(error);
                }
                failed_evaluation(step, &error, started)
            }
        };
        self.history.append(evaluation.clone())?;
        self.events.flush()?;
        Ok(evaluation)
    }

    /// Forgets evaluations after `step` (training resumed from a checkpoint
    /// taken then) and rebuilds the alarm state from what remains.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the history cannot be rewritten.
    pub fn resume_at(&mut self, step: u64) -> Result<()> {
        self.history.truncate_after(step)?;
        self.drift = DriftState::replay(self.history.evaluations());
        Ok(())
    }

    /// Every evaluation so far, this run and earlier ones.
    pub fn history(&self) -> &[Evaluation] {
        self.history.evaluations()
    }

    /// The classes in alarm now.
    pub fn alarms(&self) -> Vec<String> {
        self.drift.alarms()
    }

    /// The real reference statistics and the cache file they came from.
    pub fn reference(&self) -> (&SegmentationStats, &Path) {
        (&self.reference, &self.reference_path)
    }

    /// The comparison of the latest successful evaluation of this run.
    pub fn last_comparison(&self) -> Option<&Comparison> {
        self.last_comparison.as_ref()
    }

    /// The latest successful evaluation of this run as a report, ready to
    /// save as JSON.
    pub fn last_report(&self) -> Option<ComparisonReport> {
        let comparison = self.last_comparison.clone()?;
        let generated = SideSummary {
            source: "generator samples at the latest evaluation".to_string(),
            images: comparison.generated_images,
        };
        let real = SideSummary::of(&self.reference);
        Some(ComparisonReport {
            area_unit: "percent of image area".to_string(),
            segmenter: self.segmenter.identity(),
            real,
            generated,
            config: self.config.compare,
            comparison,
        })
    }

    /// The configuration the monitor runs with.
    pub fn config(&self) -> &MonitorConfig {
        &self.config
    }

    /// The monitor's output folder.
    pub fn out_dir(&self) -> &Path {
        &self.out_dir
    }

    /// The segmenter the monitor uses.
    pub fn segmenter(&self) -> &dyn Segmenter {
        self.segmenter.as_ref()
    }

    fn measure(&mut self, step: u64, sampler: &dyn Sampler) -> Result<Measured> {
        let latents = self.latents(sampler.latent_dim());
        let meta = StatsMeta {
            source: format!("generator samples at step {step}"),
            ..self.reference.meta().clone()
        };
        let mut generated = SegmentationStats::new(meta);
        let num_classes = self.segmenter.num_classes();
        let (mut grid_rgb, mut grid_labels) = (Vec::new(), Vec::new());
        let mut shape = [0, 0, 0];

        let total = self.config.samples;
        for start in (0..total).step_by(self.config.batch_size) {
            let end = (start + self.config.batch_size).min(total);
            let batch = sampler.sample(latents.clone().slice(start..end));
            check_finite(&batch.images, step)?;
            let class_map = self.segmenter.segment(&batch)?;
            let [count, height, width] = class_map.dims();
            shape = [shape[0], height, width];
            let wanted = self.config.grid_images.saturating_sub(shape[0]).min(count);
            if wanted > 0 {
                grid_rgb.extend(images_to_rgb(batch.images.clone().slice(0..wanted)));
                grid_labels.extend(class_indices(class_map.clone().slice(0..wanted)));
                shape[0] += wanted;
            }
            generated.push_rows(
                &to_host(class_area_percent(class_map, num_classes)),
                num_classes,
            );
        }

        let comparison = compare(&self.reference, &generated, &self.config.compare)?;
        let palette = class_palette(self.segmenter.class_names());
        let grid = sample_grid(&grid_rgb, &grid_labels, shape, 4, &palette);
        Ok(Measured { comparison, grid })
    }

    fn latents(&mut self, latent_dim: usize) -> Tensor<2> {
        let fits = |latents: &Tensor<2>| latents.dims() == [self.config.samples, latent_dim];
        if let Some(latents) = self.latents.as_ref().filter(|latents| fits(latents)) {
            return latents.clone();
        }
        // Drawn on the host from a seeded generator, so the same seed gives
        // the same latents on every device and in every run.
        let mut rng = StdRng::seed_from_u64(self.config.latent_seed);
        let latents = sample_latent(self.config.samples, latent_dim, &mut rng, &self.device);
        self.latents = Some(latents.clone());
        latents
    }

    fn record_success(&mut self, step: u64, measured: Measured, started: Instant) -> Evaluation {
        let Measured { comparison, grid } = measured;
        let mut classes: Vec<ClassDrift> = comparison
            .classes
            .iter()
            .map(|class| ClassDrift {
                name: class.name.clone(),
                real_area_percent: class.real_mean_area_percent,
                generated_area_percent: class.generated_mean_area_percent,
                ratio: (class.real_mean_area_percent > 0.0)
                    .then(|| class.generated_mean_area_percent / class.real_mean_area_percent),
                verdict: class.verdict,
                streak: 0,
                alarm: false,
            })
            .collect();
        let (new_alarms, recoveries) = self.drift.update(
            &mut classes,
            self.config.alarm_ratio,
            self.config.alarm_evaluations,
            self.config.min_real_area_percent,
        );
        for name in &new_alarms {
            log::warn!(
                "step {step}: '{name}' dropped: below {:.0}% of its real area for {} evaluations",
                100.0 * self.config.alarm_ratio,
                self.config.alarm_evaluations
            );
        }
        for name in &recoveries {
            log::info!("step {step}: '{name}' recovered");
        }
        self.log_events(step, &comparison, &classes, &grid);
        self.save_grid(step, grid);

        let evaluation = Evaluation {
            step,
            wall_time: unix_seconds(),
            seconds: started.elapsed().as_secs_f64(),
            error: None,
            fsd: Some(comparison.fsd),
            noise_floor: Some(comparison.noise_floor),
            classes,
            new_alarms,
            recoveries,
        };
        self.last_comparison = Some(comparison);
        evaluation
    }

    /// Saves the sample grid of `step`; like TensorBoard logging, a failure
    /// is a warning.
    fn save_grid(&self, step: u64, grid: image::RgbImage) {
        let dir = self.out_dir.join("samples");
        let saved = crate::io::create_dir_all(&dir).and_then(|()| {
            crate::io::write_png(&dir.join(format!("step-{step:07}.png")), &grid.into())
        });
        if let Err(error) = saved {
            log::warn!("saving the sample grid of step {step} failed: {error}");
        }
    }

    /// Writes scalars and images to TensorBoard. A failure to log is a
    /// warning, not an evaluation failure: the history has the numbers.
    fn log_events(
        &mut self,
        step: u64,
        comparison: &Comparison,
        classes: &[ClassDrift],
        grid: &image::RgbImage,
    ) {
        let step = step as i64;
        let fsd = &comparison.fsd;
        let mut scalars = vec![
            ("fsd/total".to_string(), fsd.total),
            ("fsd/mean_term".to_string(), fsd.mean_term),
            ("fsd/cov_term".to_string(), fsd.covariance_term),
            ("fsd/noise_floor".to_string(), comparison.noise_floor.total),
        ];
        for class in classes {
            if let Some(ratio) = class.ratio {
                scalars.push((format!("class/{}/ratio", class.name), ratio));
            }
        }
        let scalars: Vec<(&str, f64)> = scalars
            .iter()
            .map(|(tag, value)| (tag.as_str(), *value))
            .collect();
        let logged = self.events.add_scalars(step, &scalars).and_then(|()| {
            self.events.add_image("samples", step, grid)?;
            let figure = render_comparison(comparison, FIGURE_CLASSES)?;
            self.events.add_image("class_areas", step, &figure)
        });
        if let Err(error) = logged {
            log::warn!("TensorBoard logging at step {step} failed: {error}");
        }
    }
}

fn failed_evaluation(step: u64, error: &Error, started: Instant) -> Evaluation {
    Evaluation {
        step,
        wall_time: unix_seconds(),
        seconds: started.elapsed().as_secs_f64(),
        error: Some(error.to_string()),
        fsd: None,
        noise_floor: None,
        classes: Vec::new(),
        new_alarms: Vec::new(),
        recoveries: Vec::new(),
    }
}

fn check_finite(images: &Tensor<4>, step: u64) -> Result<()> {
    let finite = images.clone().is_finite().all().into_scalar::<bool>();
    if !finite {
        return Err(Error::NonFinite(format!("generated images at step {step}")));
    }
    Ok(())
}

fn class_indices(class_map: Tensor<3, Int>) -> Vec<u16> {
    let values: Vec<i64> = class_map
        .into_data()
        .try_into_vec_as::<i64>()
        .expect("an int tensor converts to i64");
    values.into_iter().map(|v| v as u16).collect()
}

fn unix_seconds() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |elapsed| elapsed.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send>() {}

    #[test]
    fn monitor_can_be_shared_between_threads() {
        // burn-train's metrics are Send + Sync, so a monitor behind a
        // Mutex must be Send.
        assert_send::<ModeDropMonitor>();
    }
}
