//! The WGAN-GP bedroom generator of "Seeing what a GAN cannot generate" (Bau et al., 2019).
//!
//! The paper compares a Progressive GAN with simpler generators trained on LSUN bedrooms at
//! 128×128, among them one trained with the WGAN-GP loss (checkpoint `wgangp-beaa509a.pth`).
//! Its generator has the Progressive GAN's shape without its normalisation tricks
//! (`G128_simple` in the released code): blocks of convolution without bias, batch norm and
//! ReLU, with nearest-neighbour upsampling (each pixel repeated 2×2) before the first
//! convolution of every resolution from 8×8 up. The first block is a 4×4 convolution with
//! padding 3 on `z` viewed as a 1×1 map, giving the 4×4 map; the others are 3×3 with padding 1.
//! A 1×1 convolution with bias maps the 128×128 map to RGB and Hardtanh clamps it to [-1, 1].
//!
//! Batch norm uses the running mean and variance stored in the checkpoint (evaluation mode):
//! `(x − running_mean) / sqrt(running_var + 1e-5) · weight + bias`.
//!
//! The checkpoint's keys are `features.0 … features.11`, each with `conv.weight` and
//! `norm.{weight, bias, running_mean, running_var}` (and `norm.num_batches_tracked`, which is
//! ignored when present), then `output.conv.{weight, bias}`. In the [`Generator`] decomposition
//! layer `k` (0-based) is `features.k` and layer 12 is the output convolution with its clamp.

use std::collections::BTreeSet;
use std::path::Path;

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::relu;

use super::checkpoint::{self, TensorShapes};
use super::progan::double_resolution;
use crate::error::{Error, Result};
use crate::generate::Generator;

/// Where to obtain a checkpoint [`WganGp::from_pytorch`] reads; quoted when the file is missing.
pub const CHECKPOINT_SOURCE: &str = "the WGAN-GP LSUN bedroom generator `wgangp-beaa509a.pth` \
    (layout `G128_simple`), released by MIT CSAIL with the \"Seeing what a GAN cannot \
    generate\" code (ganseeing / netdissect; http://gandissect.csail.mit.edu/models/ablations/)";

/// Batch norm's epsilon, PyTorch's default.
const BATCH_NORM_EPSILON: f64 = 1e-5;

/// Configuration of a [`WganGp`] generator.
#[derive(Config, Debug)]
pub struct WganGpConfig {
    /// Length of the latent vector `z`.
    #[config(default = 128)]
    pub latent_dim: usize,
    /// Channels of the feature maps at 4×4, 8×8, …; `n` entries give `4 · 2^(n − 1)` pixel
    /// images. The default is the released 128×128 generator's widths.
    #[config(default = "vec![512, 512, 256, 128, 64, 32]")]
    pub channels: Vec<usize>,
}

/// The geometry of one hidden block.
struct BlockSpec {
    channels_in: usize,
    channels_out: usize,
    kernel_size: usize,
    padding: usize,
    upsample: bool,
}

impl WganGpConfig {
    /// Builds a generator with Burn's default initialisation and fresh batch-norm statistics.
    ///
    /// # Panics
    ///
    /// If `latent_dim` is zero, `channels` is empty or holds a zero.
    pub fn init(&self, device: &Device) -> WganGp {
        assert!(
            self.latent_dim > 0 && !self.channels.is_empty() && !self.channels.contains(&0),
            "WGAN-GP needs a positive latent_dim and non-empty positive channels, got {} and {:?}",
            self.latent_dim,
            self.channels
        );

        let features = self
            .block_specs()
            .iter()
            .map(|spec| WganBlock::new(spec, device))
            .collect();
        let channels_last = *self.channels.last().expect("non-empty channels");
        let output = WganOutput {
            conv: Conv2dConfig::new([channels_last, 3], [1, 1]).init(device),
        };
        WganGp {
            features,
            output,
            latent_dim: self.latent_dim,
        }
    }

    /// Side of the generated images in pixels.
    pub fn image_size(&self) -> usize {
        4 << (self.channels.len() - 1)
    }

    /// The hidden blocks `features.0 …` in order.
    fn block_specs(&self) -> Vec<BlockSpec> {
        let block = |channels_in, channels_out, kernel_size, padding, upsample| BlockSpec {
            channels_in,
            channels_out,
            kernel_size,
            padding,
            upsample,
        };
        let first = self.channels[0];
        let mut specs = vec![
            block(self.latent_dim, first, 4, 3, false),
            block(first, first, 3, 1, false),
        ];
        for pair in self.channels.windows(2) {
            specs.push(block(pair[0], pair[1], 3, 1, true));
            specs.push(block(pair[1], pair[1], 3, 1, false));
        }
        specs
    }
}

/// Optional upsampling, convolution without bias, batch norm, ReLU.
#[derive(Module, Debug)]
pub struct WganBlock {
    conv: Conv2d,
    norm: BatchNorm,
    upsample: bool,
}

impl WganBlock {
    fn new(spec: &BlockSpec, device: &Device) -> Self {
        let padding = spec.padding;
        let conv = Conv2dConfig::new([spec.channels_in, spec.channels_out], [spec.kernel_size; 2])
            .with_padding(PaddingConfig2d::Explicit(
                padding, padding, padding, padding,
            ))
            .with_bias(false)
            .init(device);
        let norm = BatchNormConfig::new(spec.channels_out)
            .with_epsilon(BATCH_NORM_EPSILON)
            .init(device);
        Self {
            conv,
            norm,
            upsample: spec.upsample,
        }
    }

    fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        let x = match self.upsample {
            true => double_resolution(input),
            false => input,
        };
        relu(self.norm.forward(self.conv.forward(x)))
    }
}

/// The 1×1 convolution to RGB (with bias).
#[derive(Module, Debug)]
pub struct WganOutput {
    conv: Conv2d,
}

/// The WGAN-GP generator. See the [module documentation](self).
#[derive(Module, Debug)]
pub struct WganGp {
    features: Vec<WganBlock>,
    output: WganOutput,
    latent_dim: usize,
}

impl WganGp {
    /// Loads a generator from a PyTorch state dict in the `G128_simple` layout, reading the
    /// latent length, the number of resolutions and every width from the tensors' shapes.
    ///
    /// The generator is returned frozen: batch norm uses the stored running statistics on every
    /// device, the weights need no gradient, and gradients still flow to its input.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the file is missing (the message says which file is expected and where
    /// to obtain it) or unreadable, [`Error::InvalidFile`] if it is not a PyTorch checkpoint,
    /// [`Error::Weights`] listing missing or unexpected keys and tensors of the wrong shape.
    pub fn from_pytorch(path: impl AsRef<Path>, device: &Device) -> Result<Self> {
        let path = path.as_ref();
        let shapes = checkpoint::read_shapes(path, CHECKPOINT_SOURCE)?;
        let num_blocks = count_blocks(path, &shapes)?;
        let expected = expected_keys(num_blocks);
        let is_batch_counter = |key: &str| key.ends_with(".norm.num_batches_tracked");
        let ignored = checkpoint::check_keys(path, &shapes, &expected, is_batch_counter)?;

        let config = config_from_shapes(path, &shapes, num_blocks)?;
        check_shapes(path, &shapes, &config)?;

        let mut model = config.init(device);
        checkpoint::load_weights(&mut model, path, &[], &ignored)?;
        log::info!(
            "{}: WGAN-GP generator {size}×{size}, latent {}, channels {:?}",
            path.display(),
            config.latent_dim,
            config.channels,
            size = config.image_size()
        );
        Ok(model.freeze())
    }

    /// Side of the generated images in pixels.
    pub fn image_size(&self) -> usize {
        4 << (self.features.len() / 2 - 1)
    }
}

impl Generator for WganGp {
    fn latent_dim(&self) -> usize {
        self.latent_dim
    }

    fn num_layers(&self) -> usize {
        self.features.len() + 1
    }

    fn layer(&self, index: usize, input: Tensor<4>) -> Tensor<4> {
        let num_layers = self.num_layers();
        assert!(
            index < num_layers,
            "layer {index} of a {num_layers}-layer WGAN-GP generator"
        );
        match self.features.get(index) {
            Some(block) => block.forward(input),
            None => self.output.conv.forward(input).clamp(-1.0, 1.0),
        }
    }
}

/// The number of `features.N` blocks in the checkpoint: the largest `N` plus one, which must
/// be even and positive.
fn count_blocks(path: &Path, shapes: &TensorShapes) -> Result<usize> {
    let num_blocks = shapes
        .keys()
        .filter_map(|key| {
            key.strip_prefix("features.")?
                .split('.')
                .next()?
                .parse::<usize>()
                .ok()
        })
        .max()
        .map_or(0, |last| last + 1);
    let reason = match num_blocks {
        0 => "no `features.N.*` keys: not a generator in the G128_simple layout".to_string(),
        n if n % 2 == 1 => format!(
            "the last block is features.{}, but blocks come in pairs (two per resolution)",
            n - 1
        ),
        n => return Ok(n),
    };
    Err(Error::Weights {
        path: path.to_path_buf(),
        reason,
    })
}

const NORM_TENSORS: [&str; 4] = ["weight", "bias", "running_mean", "running_var"];

fn expected_keys(num_blocks: usize) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    for index in 0..num_blocks {
        keys.insert(format!("features.{index}.conv.weight"));
        for tensor in NORM_TENSORS {
            keys.insert(format!("features.{index}.norm.{tensor}"));
        }
    }
    keys.insert("output.conv.weight".to_string());
    keys.insert("output.conv.bias".to_string());
    keys
}

/// Latent length and widths from the first block of each resolution.
fn config_from_shapes(
    path: &Path,
    shapes: &TensorShapes,
    num_blocks: usize,
) -> Result<WganGpConfig> {
    let first = checkpoint::shape_of(path, shapes, "features.0.conv.weight")?;
    let latent_dim = first.get(1).copied().unwrap_or(0);
    let channels = (0..num_blocks)
        .step_by(2)
        .map(|index| {
            let key = format!("features.{index}.conv.weight");
            Ok(checkpoint::shape_of(path, shapes, &key)?
                .first()
                .copied()
                .unwrap_or(0))
        })
        .collect::<Result<Vec<_>>>()?;
    if latent_dim == 0 || channels.contains(&0) {
        return Err(Error::Weights {
            path: path.to_path_buf(),
            reason: format!("convolution weights must be 4-d and non-empty, got {first:?}"),
        });
    }
    Ok(WganGpConfig::new()
        .with_latent_dim(latent_dim)
        .with_channels(channels))
}

fn check_shapes(path: &Path, shapes: &TensorShapes, config: &WganGpConfig) -> Result<()> {
    for (index, spec) in config.block_specs().iter().enumerate() {
        let kernel = spec.kernel_size;
        let weight = [spec.channels_out, spec.channels_in, kernel, kernel];
        checkpoint::expect_shape(
            path,
            shapes,
            &format!("features.{index}.conv.weight"),
            &weight,
        )?;
        for tensor in NORM_TENSORS {
            let key = format!("features.{index}.norm.{tensor}");
            checkpoint::expect_shape(path, shapes, &key, &[spec.channels_out])?;
        }
    }
    let channels_last = *config.channels.last().expect("non-empty channels");
    checkpoint::expect_shape(
        path,
        shapes,
        "output.conv.weight",
        &[3, channels_last, 1, 1],
    )?;
    checkpoint::expect_shape(path, shapes, "output.conv.bias", &[3])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_matches_the_released_layout() {
        let config = WganGpConfig::new();
        assert_eq!(config.image_size(), 128);
        assert_eq!(expected_keys(config.block_specs().len()).len(), 12 * 5 + 2);
    }

    #[test]
    fn layers_chain_from_latent_to_image() {
        let device = Device::default();
        let config = WganGpConfig::new()
            .with_latent_dim(8)
            .with_channels(vec![4, 2]);
        let model = config.init(&device);
        assert_eq!(model.num_layers(), 5);
        let image = model.generate(Tensor::random(
            [2, 8],
            burn::tensor::Distribution::Default,
            &device,
        ));
        assert_eq!(image.dims(), [2, 3, 8, 8]);
        assert!(image.abs().max().into_scalar::<f32>() <= 1.0);
    }
}
