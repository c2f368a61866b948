//! Training the compact segmenter on the scene world.
//!
//! Every step renders a fresh batch of scenes (the world is unbounded, so the
//! network never sees an image twice) and minimises per-pixel cross-entropy
//! against the exact labels, with Adam and a cosine-decayed learning rate.
//! Training seeds start at [`SegmenterTraining::first_seed`]; evaluation uses
//! [`HELD_OUT_SEEDS`], which training never reaches.

use std::ops::Range;

use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use serde::{Deserialize, Serialize};

use super::compact::{CompactUnet, CompactUnetConfig};
use crate::data::source::{ImageSource, SceneSource};
use crate::data::{Variant, scene_class_names};
use crate::error::{Error, Result};

/// Seeds reserved for evaluation. Training configurations that would reach
/// them are rejected.
pub const HELD_OUT_SEEDS: Range<u64> = 1 << 40..(1 << 40) + (1 << 30);

/// How to train the compact segmenter: the `[training]` table of
/// `configs/segmenter.toml`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmenterTraining {
    /// Channels at full resolution in the U-Net.
    pub base_channels: usize,
    /// Height and width of the training scenes, in pixels.
    pub image_size: usize,
    /// Optimiser steps.
    pub steps: usize,
    /// Scenes per step.
    pub batch_size: usize,
    /// Adam's initial learning rate, decayed to zero on a cosine.
    pub learning_rate: f64,
    /// Seed of the weight initialisation.
    pub seed: u64,
    /// The first scene seed; step `s` uses the next `batch_size` seeds.
    pub first_seed: u64,
}

impl SegmenterTraining {
    /// Checks ranges and that the training seeds stay clear of the held-out
    /// ones.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] describing the first problem found.
    pub fn validate(&self) -> Result<()> {
        if self.steps == 0 || self.batch_size == 0 {
            return Err(Error::Config(
                "steps and batch_size must be positive".into(),
            ));
        }
        if self.image_size < 16 || !self.image_size.is_multiple_of(4) {
            return Err(Error::Config(format!(
                "image_size must be a multiple of 4 and at least 16, got {}",
                self.image_size
            )));
        }
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return Err(Error::Config("learning_rate must be positive".into()));
        }
        let last = self.first_seed + (self.steps * self.batch_size) as u64;
        if self.first_seed < HELD_OUT_SEEDS.end && last > HELD_OUT_SEEDS.start {
            return Err(Error::Config(format!(
                "training seeds {}..{last} overlap the held-out seeds {HELD_OUT_SEEDS:?}",
                self.first_seed
            )));
        }
        Ok(())
    }

    /// The learning rate at `step`: cosine decay from the initial rate to
    /// zero at the last step.
    pub fn learning_rate_at(&self, step: usize) -> f64 {
        let progress = step as f64 / self.steps as f64;
        0.5 * self.learning_rate * (1.0 + (std::f64::consts::PI * progress).cos())
    }
}

/// One training step's outcome, passed to the progress callback.
#[derive(Debug, Clone, Copy)]
pub struct StepReport {
    /// Steps done, starting at 1.
    pub step: usize,
    /// Mean per-pixel cross-entropy of this step's batch.
    pub loss: f64,
}

/// Trains a [`CompactUnet`] from scratch; `progress` is called after each
/// step.
///
/// # Errors
///
/// [`Error::Config`] for an invalid configuration, [`Error::NonFinite`] when
/// the loss diverges.
pub fn train_segmenter(
    config: &SegmenterTraining,
    device: &Device,
    progress: &mut dyn FnMut(StepReport),
) -> Result<CompactUnet> {
    config.validate()?;
    let device = device.clone().autodiff();
    device.seed(config.seed);
    let num_classes = scene_class_names().len();
    let mut network = CompactUnetConfig::new(num_classes)
        .with_base_channels(config.base_channels)
        .init(&device);
    let mut optimizer = AdamConfig::new().init();
    let loss_function = CrossEntropyLossConfig::new().init(&device);
    let size = [config.image_size, config.image_size];

    for step in 0..config.steps {
        let first = config.first_seed + (step * config.batch_size) as u64;
        let source = SceneSource::new(Variant::default(), first..first + config.batch_size as u64);
        let batch = source
            .load(0..config.batch_size, size)?
            .batch
            .to_device(&device);
        let labels = batch.labels.expect("scene batches carry labels");

        let logits = network.forward(batch.images);
        let [batch_size, classes, height, width] = logits.dims();
        // [batch_size, classes, height, width] -> [batch_size * height * width, classes]
        let logits = logits
            .permute([0, 2, 3, 1])
            .reshape([batch_size * height * width, classes]);
        let targets = labels.reshape([batch_size * height * width]);
        let loss = loss_function.forward(logits, targets);

        let loss_value = loss.clone().into_scalar::<f32>() as f64;
        if !loss_value.is_finite() {
            return Err(Error::NonFinite(format!(
                "segmenter loss at step {}",
                step + 1
            )));
        }
        let gradients = GradientsParams::from_grads(loss.backward(), &network);
        network = optimizer.step(config.learning_rate_at(step), network, gradients);
        progress(StepReport {
            step: step + 1,
            loss: loss_value,
        });
    }
    Ok(network)
}
