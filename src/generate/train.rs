//! Adversarial training of the DCGAN on scene-world images, with resumable checkpoints.
//!
//! One training step makes `critic_steps` discriminator updates, each on a fresh batch of real
//! images and a batch of generated ones (detached, so only the discriminator learns), then one
//! generator update on a new batch of latent vectors. Both networks use Adam. The losses are
//! those of [`crate::generate::loss`].
//!
//! All randomness of a step (latent vectors, WGAN-GP's interpolation fractions) is drawn from a
//! generator seeded by `(seed, step index)`, so a run resumed from a checkpoint draws exactly
//! what the uninterrupted run would have: the checkpoint holds both networks, both optimiser
//! states and those two numbers.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use burn::store::{BurnpackStore, ModuleSnapshot};
use burn::tensor::Bytes;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

use crate::digest::short_sha256;
use crate::error::{Error, Result};
use crate::generate::Generator;
use crate::generate::dcgan::{
    DcganDiscriminator, DcganDiscriminatorConfig, DcganGenerator, DcganGeneratorConfig,
};
use crate::generate::loss::{GanLoss, discriminator_loss, generator_loss};
use crate::io::{create_dir_all, write_atomic};

const GENERATOR_FILE: &str = "generator.bpk";
const DISCRIMINATOR_FILE: &str = "discriminator.bpk";
const GENERATOR_OPTIMIZER_FILE: &str = "generator_optimizer.bpk";
const DISCRIMINATOR_OPTIMIZER_FILE: &str = "discriminator_optimizer.bpk";
const STATE_FILE: &str = "trainer.json";
const STATE_FORMAT_VERSION: u32 = 1;

/// The `[gan]` table of an experiment file: architecture, loss and optimisation settings.
///
/// Every field has a default (those of DCGAN at 64×64), so `[gan]` may be empty. WGAN-GP's
/// authors used learning rate 1e-4, β₁ = 0, β₂ = 0.9 and 5 critic steps; set them explicitly
/// with `loss = { kind = "wgan_gp" }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GanTraining {
    /// Length of the latent vector.
    pub latent_dim: usize,
    /// Channels of the generator's last hidden map; see [`DcganGeneratorConfig`].
    pub generator_channels: usize,
    /// Channels of the discriminator's first map; see [`DcganDiscriminatorConfig`].
    pub discriminator_channels: usize,
    /// Side of the square images in pixels; a power of two, at least 8.
    pub image_size: usize,
    /// The adversarial objective.
    pub loss: GanLoss,
    /// Images per batch, real and generated alike.
    pub batch_size: usize,
    /// Number of training steps (generator updates) of a full run.
    pub steps: u64,
    /// Adam learning rate of the generator.
    pub generator_learning_rate: f64,
    /// Adam learning rate of the discriminator.
    pub discriminator_learning_rate: f64,
    /// Adam's β₁ (decay of the first-moment estimate), for both networks.
    pub adam_beta_1: f64,
    /// Adam's β₂ (decay of the second-moment estimate), for both networks.
    pub adam_beta_2: f64,
    /// Discriminator updates per generator update.
    pub critic_steps: usize,
    /// Seed of the weight initialisation and of every random draw during training.
    pub seed: u64,
}

impl Default for GanTraining {
    fn default() -> Self {
        Self {
            latent_dim: 64,
            generator_channels: 32,
            discriminator_channels: 32,
            image_size: 64,
            loss: GanLoss::NonSaturating,
            batch_size: 64,
            steps: 10_000,
            generator_learning_rate: 2e-4,
            discriminator_learning_rate: 2e-4,
            adam_beta_1: 0.5,
            adam_beta_2: 0.999,
            critic_steps: 1,
            seed: 0,
        }
    }
}

impl GanTraining {
    /// Checks every field's range.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming the first offending field and its value.
    pub fn validate(&self) -> Result<()> {
        let fail = |message: String| Err(Error::Config(format!("gan.{message}")));
        if self.image_size < 8 || !self.image_size.is_power_of_two() {
            return fail(format!(
                "image_size must be a power of two >= 8, got {}",
                self.image_size
            ));
        }
        let counts = [
            ("latent_dim", self.latent_dim),
            ("generator_channels", self.generator_channels),
            ("discriminator_channels", self.discriminator_channels),
            ("batch_size", self.batch_size),
            ("critic_steps", self.critic_steps),
        ];
        if let Some((name, _)) = counts.iter().find(|(_, value)| *value == 0) {
            return fail(format!("{name} must be at least 1"));
        }
        if self.steps == 0 {
            return fail("steps must be at least 1".into());
        }
        let rates = [
            ("generator_learning_rate", self.generator_learning_rate),
            (
                "discriminator_learning_rate",
                self.discriminator_learning_rate,
            ),
        ];
        for (name, rate) in rates {
            if !(rate.is_finite() && rate > 0.0) {
                return fail(format!("{name} must be positive and finite, got {rate}"));
            }
        }
        for (name, beta) in [
            ("adam_beta_1", self.adam_beta_1),
            ("adam_beta_2", self.adam_beta_2),
        ] {
            if !(0.0..1.0).contains(&beta) {
                return fail(format!("{name} must lie in [0, 1), got {beta}"));
            }
        }
        if let GanLoss::WganGp { penalty_weight } = self.loss
            && !(penalty_weight.is_finite() && penalty_weight >= 0.0)
        {
            return fail(format!(
                "loss.penalty_weight must be finite and non-negative, got {penalty_weight}"
            ));
        }
        Ok(())
    }

    /// The generator this configuration describes.
    pub fn generator_config(&self) -> DcganGeneratorConfig {
        DcganGeneratorConfig::new()
            .with_latent_dim(self.latent_dim)
            .with_base_channels(self.generator_channels)
            .with_image_size(self.image_size)
    }

    /// The discriminator this configuration describes.
    pub fn discriminator_config(&self) -> DcganDiscriminatorConfig {
        DcganDiscriminatorConfig::new()
            .with_base_channels(self.discriminator_channels)
            .with_image_size(self.image_size)
    }

    fn optimizer(&self) -> ModuleOptimizer {
        AdamConfig::new()
            .with_beta_1(self.adam_beta_1 as f32)
            .with_beta_2(self.adam_beta_2 as f32)
            .init()
    }

    /// Whether two configurations build networks of the same shapes.
    fn same_architecture(&self, other: &GanTraining) -> bool {
        self.latent_dim == other.latent_dim
            && self.generator_channels == other.generator_channels
            && self.discriminator_channels == other.discriminator_channels
            && self.image_size == other.image_size
    }
}

/// The losses of one training step.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StepLosses {
    /// The discriminator's total loss (penalty included), averaged over the step's critic
    /// updates.
    pub discriminator: f64,
    /// The generator's loss.
    pub generator: f64,
    /// WGAN-GP only: the unweighted gradient penalty, averaged over the critic updates.
    pub penalty: Option<f64>,
}

/// What `trainer.json` holds: where training stands and which files belong to it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrainerState {
    format_version: u32,
    steps_done: u64,
    rng_seed: u64,
    training: GanTraining,
    /// Short SHA-256 of each weight and optimiser file, by file name.
    file_digests: BTreeMap<String, String>,
}

/// Owns the generator, the discriminator and their Adam optimisers on an autodiff device, and
/// advances them one [`step`](GanTrainer::step) at a time.
pub struct GanTrainer {
    config: GanTraining,
    device: Device,
    generator: DcganGenerator,
    discriminator: DcganDiscriminator,
    generator_optimizer: ModuleOptimizer,
    discriminator_optimizer: ModuleOptimizer,
    steps_done: u64,
    rng_seed: u64,
}

impl GanTrainer {
    /// Builds freshly initialised networks on `device` with autodiff enabled.
    ///
    /// The weight initialisation seeds the device's random generator with `config.seed`, which
    /// is shared by everything else on that device.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the configuration is invalid.
    pub fn new(config: &GanTraining, device: &Device) -> Result<Self> {
        config.validate()?;
        let device = device.clone().autodiff();
        device.seed(config.seed);
        Ok(Self {
            generator: config.generator_config().init(&device),
            discriminator: config.discriminator_config().init(&device),
            generator_optimizer: config.optimizer(),
            discriminator_optimizer: config.optimizer(),
            config: config.clone(),
            device,
            steps_done: 0,
            rng_seed: config.seed,
        })
    }

    /// The configuration it trains with.
    pub fn config(&self) -> &GanTraining {
        &self.config
    }

    /// The generator being trained, on the autodiff device and in training mode: its batch
    /// norm uses (and updates) batch statistics. For drawing images use
    /// [`inference_generator`](GanTrainer::inference_generator).
    pub fn generator(&self) -> &DcganGenerator {
        &self.generator
    }

    /// A copy of the generator for inference: no autodiff, batch norm on running statistics.
    pub fn inference_generator(&self) -> DcganGenerator {
        self.generator.valid()
    }

    /// The discriminator being trained.
    pub fn discriminator(&self) -> &DcganDiscriminator {
        &self.discriminator
    }

    /// Number of completed training steps (generator updates).
    pub fn steps_done(&self) -> u64 {
        self.steps_done
    }

    /// Whether `steps_done` has reached the configured number of steps.
    pub fn is_finished(&self) -> bool {
        self.steps_done >= self.config.steps
    }

    /// Runs one training step: `critic_steps` discriminator updates, each on a batch from
    /// `next_real`, then one generator update. `next_real` is called exactly `critic_steps`
    /// times and must return `[batch_size, 3, image_size, image_size]` images in [-1, 1]
    /// (any batch size, on this trainer's device with or without autodiff).
    ///
    /// # Errors
    ///
    /// What `next_real` returns; [`Error::Incompatible`] for a real batch of the wrong shape;
    /// [`Error::NonFinite`] when a loss is not finite. The update whose loss was not finite is
    /// not applied, but earlier critic updates of the same step are; `steps_done` only counts
    /// completed steps.
    pub fn step(&mut self, mut next_real: impl FnMut() -> Result<Tensor<4>>) -> Result<StepLosses> {
        let mut rng = self.step_rng();
        let mut discriminator_sum = 0.0;
        let mut penalty_sum = None;
        for _ in 0..self.config.critic_steps {
            let real = next_real()?;
            self.check_real_batch(&real)?;
            let (total, penalty) = self.discriminator_update(real, &mut rng)?;
            discriminator_sum += total;
            if let Some(penalty) = penalty {
                *penalty_sum.get_or_insert(0.0) += penalty;
            }
        }
        let generator = self.generator_update(&mut rng)?;

        self.steps_done += 1;
        let critic_steps = self.config.critic_steps as f64;
        Ok(StepLosses {
            discriminator: discriminator_sum / critic_steps,
            generator,
            penalty: penalty_sum.map(|sum| sum / critic_steps),
        })
    }

    /// The random generator of the current step, a function of `(seed, step index)` alone.
    fn step_rng(&self) -> StdRng {
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&self.rng_seed.to_le_bytes());
        key[8..16].copy_from_slice(&self.steps_done.to_le_bytes());
        StdRng::from_seed(key)
    }

    fn check_real_batch(&self, real: &Tensor<4>) -> Result<()> {
        let [batch_size, channels, height, width] = real.dims();
        let size = self.config.image_size;
        if batch_size == 0 || channels != 3 || height != size || width != size {
            return Err(Error::Incompatible(format!(
                "real batch has shape {:?}, expected [batch_size >= 1, 3, {size}, {size}]",
                real.dims()
            )));
        }
        Ok(())
    }

    fn discriminator_update(
        &mut self,
        real: Tensor<4>,
        rng: &mut StdRng,
    ) -> Result<(f64, Option<f64>)> {
        let batch_size = real.dims()[0];
        let latent = sample_latent(batch_size, self.config.latent_dim, rng, &self.device);
        let fake = self.generator.generate(latent).detach();
        let loss = discriminator_loss(&self.discriminator, real, fake, &self.config.loss, rng);

        let total = self.finite(scalar(loss.total.clone()), "discriminator loss")?;
        let penalty = loss.penalty.map(scalar);
        let grads = GradientsParams::from_grads(loss.total.backward(), &self.discriminator);
        self.discriminator = self.discriminator_optimizer.step(
            self.config.discriminator_learning_rate,
            self.discriminator.clone(),
            grads,
        );
        Ok((total, penalty))
    }

    fn generator_update(&mut self, rng: &mut StdRng) -> Result<f64> {
        let latent = sample_latent(
            self.config.batch_size,
            self.config.latent_dim,
            rng,
            &self.device,
        );
        let fake = self.generator.generate(latent);
        let loss = generator_loss(&self.discriminator, fake, &self.config.loss);

        let value = self.finite(scalar(loss.clone()), "generator loss")?;
        let grads = GradientsParams::from_grads(loss.backward(), &self.generator);
        self.generator = self.generator_optimizer.step(
            self.config.generator_learning_rate,
            self.generator.clone(),
            grads,
        );
        Ok(value)
    }

    fn finite(&self, value: f64, what: &str) -> Result<f64> {
        if value.is_finite() {
            return Ok(value);
        }
        Err(Error::NonFinite(format!(
            "{what} at step {} ({value})",
            self.steps_done
        )))
    }

    /// Writes both networks, both optimiser states and `trainer.json` into `dir` (created if
    /// missing).
    ///
    /// Each file is replaced atomically and `trainer.json`, written last, records a digest of
    /// every other file, so a save interrupted halfway is detected by
    /// [`load_checkpoint`](GanTrainer::load_checkpoint) instead of mixing two checkpoints.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] naming the file that could not be serialised or written.
    pub fn save_checkpoint(&self, dir: &Path) -> Result<()> {
        create_dir_all(dir)?;
        // Batch norm's running statistics lag one update behind until they are synchronised,
        // which `valid` does and saving does not; the copies keep the parameter ids that the
        // optimiser states refer to.
        let generator = self.generator.valid();
        let discriminator = self.discriminator.valid();
        let files = [
            (
                GENERATOR_FILE,
                module_bytes(&generator, &dir.join(GENERATOR_FILE))?,
            ),
            (
                DISCRIMINATOR_FILE,
                module_bytes(&discriminator, &dir.join(DISCRIMINATOR_FILE))?,
            ),
            (
                GENERATOR_OPTIMIZER_FILE,
                optimizer_bytes(
                    &self.generator_optimizer,
                    &dir.join(GENERATOR_OPTIMIZER_FILE),
                )?,
            ),
            (
                DISCRIMINATOR_OPTIMIZER_FILE,
                optimizer_bytes(
                    &self.discriminator_optimizer,
                    &dir.join(DISCRIMINATOR_OPTIMIZER_FILE),
                )?,
            ),
        ];
        let mut file_digests = BTreeMap::new();
        for (name, bytes) in &files {
            write_atomic(&dir.join(name), bytes)?;
            file_digests.insert(name.to_string(), short_sha256(bytes));
        }

        let state = TrainerState {
            format_version: STATE_FORMAT_VERSION,
            steps_done: self.steps_done,
            rng_seed: self.rng_seed,
            training: self.config.clone(),
            file_digests,
        };
        let path = dir.join(STATE_FILE);
        let json = serde_json::to_vec_pretty(&state)
            .map_err(|source| Error::io(&path, std::io::Error::other(source)))?;
        write_atomic(&path, &json)?;
        log::info!(
            "saved GAN checkpoint at step {} to {}",
            self.steps_done,
            dir.display()
        );
        Ok(())
    }

    /// Restores a checkpoint written by [`save_checkpoint`](GanTrainer::save_checkpoint):
    /// weights, optimiser states, `steps_done` and the random seed, so that training continues
    /// as if it had not stopped. The trainer's own settings (learning rates, loss, steps) are
    /// kept; the architecture must match the checkpoint's. On error the trainer is unchanged.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] for a file that cannot be read; [`Error::InvalidFile`] for a malformed
    /// `trainer.json`, a different architecture or a file whose digest does not match;
    /// [`Error::Weights`] for weights or optimiser states that do not fit the networks.
    pub fn load_checkpoint(&mut self, dir: &Path) -> Result<()> {
        let state = self.read_state(&dir.join(STATE_FILE))?;
        let read = |name: &str| read_checked(&dir.join(name), &state);

        // Fresh modules, so that no running-statistics update pending in the current ones
        // overwrites the loaded values later.
        let mut generator = self.config.generator_config().init(&self.device);
        load_module(
            &mut generator,
            read(GENERATOR_FILE)?,
            &dir.join(GENERATOR_FILE),
        )?;
        let mut discriminator = self.config.discriminator_config().init(&self.device);
        load_module(
            &mut discriminator,
            read(DISCRIMINATOR_FILE)?,
            &dir.join(DISCRIMINATOR_FILE),
        )?;
        let generator_optimizer = load_optimizer(
            self.config.optimizer(),
            read(GENERATOR_OPTIMIZER_FILE)?,
            &dir.join(GENERATOR_OPTIMIZER_FILE),
        )?;
        let discriminator_optimizer = load_optimizer(
            self.config.optimizer(),
            read(DISCRIMINATOR_OPTIMIZER_FILE)?,
            &dir.join(DISCRIMINATOR_OPTIMIZER_FILE),
        )?;

        self.generator = generator;
        self.discriminator = discriminator;
        self.generator_optimizer = generator_optimizer;
        self.discriminator_optimizer = discriminator_optimizer;
        self.steps_done = state.steps_done;
        self.rng_seed = state.rng_seed;
        log::info!(
            "resumed GAN training at step {} from {}",
            self.steps_done,
            dir.display()
        );
        Ok(())
    }

    fn read_state(&self, path: &Path) -> Result<TrainerState> {
        let bytes = fs::read(path).map_err(|source| Error::io(path, source))?;
        let state: TrainerState = serde_json::from_slice(&bytes)
            .map_err(|source| Error::invalid_file(path, source.to_string()))?;
        if state.format_version != STATE_FORMAT_VERSION {
            return Err(Error::invalid_file(
                path,
                format!(
                    "format version {}, expected {STATE_FORMAT_VERSION}",
                    state.format_version
                ),
            ));
        }
        if !state.training.same_architecture(&self.config) {
            return Err(Error::invalid_file(
                path,
                format!(
                    "checkpoint networks (latent_dim {}, channels {}/{}, image_size {}) differ \
                     from this trainer's (latent_dim {}, channels {}/{}, image_size {})",
                    state.training.latent_dim,
                    state.training.generator_channels,
                    state.training.discriminator_channels,
                    state.training.image_size,
                    self.config.latent_dim,
                    self.config.generator_channels,
                    self.config.discriminator_channels,
                    self.config.image_size,
                ),
            ));
        }
        Ok(state)
    }
}

/// Draws `[batch_size, latent_dim]` independent standard normal values from `rng`.
pub fn sample_latent(
    batch_size: usize,
    latent_dim: usize,
    rng: &mut impl Rng,
    device: &Device,
) -> Tensor<2> {
    let values: Vec<f32> = (0..batch_size * latent_dim)
        .map(|_| rng.sample(StandardNormal))
        .collect();
    Tensor::from_data(TensorData::new(values, [batch_size, latent_dim]), device)
}

fn scalar(x: Tensor<1>) -> f64 {
    x.into_scalar::<f32>() as f64
}

fn write_error(path: &Path, reason: impl std::fmt::Display) -> Error {
    Error::io(path, std::io::Error::other(reason.to_string()))
}

fn module_bytes<M: ModuleSnapshot>(module: &M, path: &Path) -> Result<Vec<u8>> {
    let mut store = BurnpackStore::from_bytes(None);
    module
        .save_into(&mut store)
        .map_err(|source| write_error(path, source))?;
    let bytes = store
        .get_bytes()
        .map_err(|source| write_error(path, source))?;
    Ok(bytes.to_vec())
}

fn optimizer_bytes(optimizer: &ModuleOptimizer, path: &Path) -> Result<Vec<u8>> {
    let bytes = optimizer
        .into_bytes()
        .map_err(|source| write_error(path, source))?;
    Ok(bytes.to_vec())
}

/// Reads `path` and checks its digest against the one `state` recorded for it.
fn read_checked(path: &Path, state: &TrainerState) -> Result<Vec<u8>> {
    let bytes = fs::read(path).map_err(|source| Error::io(path, source))?;
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let recorded = state.file_digests.get(name.as_ref()).map(String::as_str);
    let actual = short_sha256(&bytes);
    if recorded != Some(actual.as_str()) {
        return Err(Error::invalid_file(
            path,
            format!(
                "digest {actual} does not match the {STATE_FILE} next to it ({}); \
                 was a save interrupted?",
                recorded.unwrap_or("no entry")
            ),
        ));
    }
    Ok(bytes)
}

/// Loads Burnpack bytes into `module`, refusing missing, unused or mismatched tensors.
fn load_module<M: ModuleSnapshot>(module: &mut M, bytes: Vec<u8>, path: &Path) -> Result<()> {
    let weights_error = |reason: String| Error::Weights {
        path: path.to_path_buf(),
        reason,
    };
    let mut store = BurnpackStore::from_bytes(Some(Bytes::from_bytes_vec(bytes)));
    let applied = module
        .load_from(&mut store)
        .map_err(|source| weights_error(source.to_string()))?;
    if !applied.unused.is_empty() {
        return Err(weights_error(format!(
            "unexpected tensors {:?}",
            applied.unused
        )));
    }
    Ok(())
}

fn load_optimizer(
    optimizer: ModuleOptimizer,
    bytes: Vec<u8>,
    path: &Path,
) -> Result<ModuleOptimizer> {
    optimizer
        .from_bytes(Bytes::from_bytes_vec(bytes))
        .map_err(|source| Error::Weights {
            path: path.to_path_buf(),
            reason: format!("not an optimiser state: {source}"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny_config(loss: GanLoss, critic_steps: usize) -> GanTraining {
        GanTraining {
            latent_dim: 8,
            generator_channels: 8,
            discriminator_channels: 8,
            image_size: 16,
            loss,
            batch_size: 4,
            steps: 3,
            critic_steps,
            seed: 5,
            ..GanTraining::default()
        }
    }

    /// A fixed batch of "real" images: a horizontal ramp in [-1, 1], the same for every call.
    fn real_batch(device: &Device) -> Tensor<4> {
        let ramp: Vec<f32> = (0..4 * 3 * 16 * 16)
            .map(|i| (i % 16) as f32 / 7.5 - 1.0)
            .collect();
        Tensor::from_data(TensorData::new(ramp, [4, 3, 16, 16]), device)
    }

    fn values<const D: usize>(x: Tensor<D>) -> Vec<f32> {
        x.into_data().try_to_vec::<f32>().unwrap()
    }

    #[test]
    fn both_losses_train_without_non_finite_values() {
        let device = Device::default();
        let losses = [
            (GanLoss::NonSaturating, 1),
            (
                GanLoss::WganGp {
                    penalty_weight: 10.0,
                },
                2,
            ),
        ];
        for (loss, critic_steps) in losses {
            let config = tiny_config(loss, critic_steps);
            let mut trainer = GanTrainer::new(&config, &device).unwrap();
            let mut calls = 0;
            while !trainer.is_finished() {
                let step = trainer
                    .step(|| {
                        calls += 1;
                        Ok(real_batch(&device))
                    })
                    .unwrap();
                assert!(
                    step.discriminator.is_finite() && step.generator.is_finite(),
                    "{step:?}"
                );
                assert_eq!(
                    step.penalty.is_some(),
                    matches!(loss, GanLoss::WganGp { .. })
                );
            }
            assert_eq!(trainer.steps_done(), 3);
            assert_eq!(calls, 3 * critic_steps);
        }
    }

    #[test]
    fn checkpoint_resumes_exactly_where_training_stopped() {
        let device = Device::default();
        let config = tiny_config(
            GanLoss::WganGp {
                penalty_weight: 10.0,
            },
            1,
        );
        let dir = tempfile::tempdir().unwrap();
        let latent = sample_latent(2, 8, &mut StdRng::seed_from_u64(9), &device);

        let mut original = GanTrainer::new(&config, &device).unwrap();
        for _ in 0..2 {
            original.step(|| Ok(real_batch(&device))).unwrap();
        }
        original.save_checkpoint(dir.path()).unwrap();
        let saved_images = values(original.inference_generator().generate(latent.clone()));
        let next_losses = original.step(|| Ok(real_batch(&device))).unwrap();
        let next_images = values(original.inference_generator().generate(latent.clone()));

        let other_seed = GanTraining { seed: 6, ..config };
        let mut resumed = GanTrainer::new(&other_seed, &device).unwrap();
        let fresh_images = values(resumed.inference_generator().generate(latent.clone()));
        assert_ne!(fresh_images, saved_images);
        resumed.load_checkpoint(dir.path()).unwrap();
        assert_eq!(resumed.steps_done(), 2);
        assert_eq!(
            values(resumed.inference_generator().generate(latent.clone())),
            saved_images
        );

        // The next step needs the Adam moments and the random stream to be restored as well.
        let resumed_losses = resumed.step(|| Ok(real_batch(&device))).unwrap();
        assert_eq!(resumed_losses, next_losses);
        assert_eq!(
            values(resumed.inference_generator().generate(latent)),
            next_images
        );
    }

    #[test]
    fn tampered_checkpoint_file_is_named() {
        let device = Device::default();
        let config = tiny_config(GanLoss::NonSaturating, 1);
        let dir = tempfile::tempdir().unwrap();
        let mut trainer = GanTrainer::new(&config, &device).unwrap();
        trainer.save_checkpoint(dir.path()).unwrap();
        fs::write(dir.path().join(DISCRIMINATOR_FILE), b"not burnpack").unwrap();

        let error = trainer.load_checkpoint(dir.path()).unwrap_err();
        assert!(error.to_string().contains(DISCRIMINATOR_FILE), "{error}");

        let wider = GanTraining {
            generator_channels: 16,
            ..config
        };
        let mut other = GanTrainer::new(&wider, &device).unwrap();
        let error = other.load_checkpoint(dir.path()).unwrap_err();
        assert!(error.to_string().contains(STATE_FILE), "{error}");
    }

    #[test]
    fn non_finite_loss_is_an_error_and_the_step_is_not_counted() {
        let device = Device::default();
        let mut trainer =
            GanTrainer::new(&tiny_config(GanLoss::NonSaturating, 1), &device).unwrap();
        let nan_batch = real_batch(&device).mul_scalar(f32::NAN);
        let error = trainer.step(|| Ok(nan_batch.clone())).unwrap_err();
        assert!(matches!(error, Error::NonFinite(_)), "{error}");
        assert_eq!(trainer.steps_done(), 0);
    }

    #[test]
    fn wrong_real_batch_shape_is_rejected() {
        let device = Device::default();
        let mut trainer =
            GanTrainer::new(&tiny_config(GanLoss::NonSaturating, 1), &device).unwrap();
        let error = trainer
            .step(|| Ok(Tensor::zeros([4, 3, 8, 8], &device)))
            .unwrap_err();
        assert!(matches!(error, Error::Incompatible(_)), "{error}");
    }

    #[test]
    fn gan_table_parses_from_toml_with_defaults() {
        #[derive(Deserialize)]
        struct File {
            gan: GanTraining,
        }
        let text = "[gan]\nimage_size = 32\ncritic_steps = 5\nloss = { kind = \"wgan_gp\" }\n";
        let gan = toml::from_str::<File>(text).unwrap().gan;
        assert_eq!(
            gan.loss,
            GanLoss::WganGp {
                penalty_weight: 10.0
            }
        );
        assert_eq!(
            (gan.image_size, gan.critic_steps, gan.batch_size),
            (32, 5, 64)
        );
        gan.validate().unwrap();

        assert!(toml::from_str::<File>("[gan]\nlearning_rate = 1.0\n").is_err());
        assert!(toml::from_str::<File>("[gan]\nloss = { kind = \"hinge\" }\n").is_err());
        let text = "[gan]\nloss = { kind = \"wgan_gp\", penalty = 1.0 }\n";
        assert!(toml::from_str::<File>(text).is_err());
    }

    #[test]
    fn validation_names_the_bad_field() {
        let bad = [
            GanTraining {
                image_size: 24,
                ..GanTraining::default()
            },
            GanTraining {
                critic_steps: 0,
                ..GanTraining::default()
            },
            GanTraining {
                adam_beta_1: 1.0,
                ..GanTraining::default()
            },
            GanTraining {
                generator_learning_rate: f64::NAN,
                ..GanTraining::default()
            },
        ];
        let fields = [
            "image_size",
            "critic_steps",
            "adam_beta_1",
            "generator_learning_rate",
        ];
        for (config, field) in bad.iter().zip(fields) {
            let error = config.validate().unwrap_err().to_string();
            assert!(error.contains(field), "{error}");
        }
        GanTraining::default().validate().unwrap();
    }

    #[test]
    fn latent_vectors_are_standard_normal() {
        let latent = sample_latent(1000, 8, &mut StdRng::seed_from_u64(4), &Device::default());
        let values = values(latent);
        let mean = values.iter().map(|&v| v as f64).sum::<f64>() / values.len() as f64;
        let variance = values
            .iter()
            .map(|&v| (v as f64 - mean).powi(2))
            .sum::<f64>()
            / values.len() as f64;
        // Standard errors for 8000 draws: 0.011 for the mean, 0.016 for the variance.
        assert!(mean.abs() < 0.05, "{mean}");
        assert!((variance - 1.0).abs() < 0.07, "{variance}");
    }
}
