//! The Progressive GAN generator (Karras et al., 2018) in the layout of the converted
//! `proggan_*.pth` checkpoints released with GAN Dissection and "Seeing what a GAN cannot
//! generate" (MIT CSAIL).
//!
//! The network draws an image from a latent vector `z` by a chain of blocks that each double
//! the resolution every second step. Every block first normalises each pixel's feature vector
//! to unit root mean square (pixel norm: `x / sqrt(mean over channels of x² + 1e-8)`); the
//! blocks that open a new resolution (the 3rd, 5th, …) then double the height and width by
//! nearest-neighbour upsampling. A convolution without bias follows, its output multiplied by
//! the constant `sqrt(2 / fan_in)` with `fan_in = in_channels · kernel_height · kernel_width`
//! (the "equalised learning rate" of the paper, applied at run time rather than folded into
//! the weights), then a learned per-channel bias and a leaky ReLU of slope 0.2.
//!
//! The first block is a 4×4 convolution with padding 3 applied to `z` viewed as a 1×1 map,
//! giving the 4×4 map; all others are 3×3 with padding 1. A last block maps the finest map to
//! RGB with a 1×1 convolution scaled by `1 / sqrt(in_channels)`, with no activation. The "Seeing
//! what a GAN cannot generate" code clamps that output to [-1, 1] (Hardtanh); GAN Dissection
//! leaves it unclamped. [`ProGan`] clamps by default; [`ProGan::with_clamp_output`] turns it off.
//!
//! A 256×256 generator has 14 blocks `layer1 … layer14` (two per resolution 4, 8, …, 256) and
//! the output block `output_256x256`. In the [`Generator`] decomposition each of them is one
//! layer: layer `k` (0-based) is `layer{k+1}` and layer 14 is the output block, so `r_4` is the
//! 8×8 map after `layer4`.

use std::collections::BTreeSet;
use std::path::Path;

use burn::module::Param;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Initializer, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::leaky_relu;
use burn::tensor::module::interpolate;
use burn::tensor::ops::{InterpolateMode, InterpolateOptions};

use super::checkpoint::{self, TensorShapes};
use crate::error::{Error, Result};
use crate::generate::Generator;

/// Where to obtain a checkpoint [`ProGan::from_pytorch`] reads; quoted when the file is missing.
pub const CHECKPOINT_SOURCE: &str = "a converted Progressive GAN generator such as \
    `proggan_bedroom-d8a89ff1.pth` or `proggan_churchoutdoor-7e701dd5.pth`, released by MIT \
    CSAIL with the GAN Dissection / \"Seeing what a GAN cannot generate\" code (netdissect; \
    http://gandissect.csail.mit.edu/models/)";

/// Slope of the leaky ReLU for negative inputs.
const LEAKY_RELU_SLOPE: f64 = 0.2;
/// Added to the mean square before the square root of pixel norm.
const PIXEL_NORM_EPSILON: f64 = 1e-8;

/// Configuration of a [`ProGan`] generator.
#[derive(Config, Debug)]
pub struct ProGanConfig {
    /// Length of the latent vector `z`.
    #[config(default = 512)]
    pub latent_dim: usize,
    /// Channels of the feature maps at 4×4, 8×8, …; `n` entries give `4 · 2^(n − 1)` pixel
    /// images. The default is Karras et al.'s widths for 256×256 LSUN generators,
    /// `min(512, 16384 / resolution)`.
    #[config(default = "vec![512, 512, 512, 512, 256, 128, 64]")]
    pub channels: Vec<usize>,
    /// Whether the output is clamped to [-1, 1], as in the "Seeing what a GAN cannot generate"
    /// code.
    #[config(default = true)]
    pub clamp_output: bool,
}

/// The geometry of one block.
struct BlockSpec {
    channels_in: usize,
    channels_out: usize,
    kernel_size: usize,
    padding: usize,
    upsample: bool,
    is_output: bool,
}

impl ProGanConfig {
    /// Builds a generator with the paper's initialisation: unit normal weights (scaled at run
    /// time), zero biases.
    ///
    /// # Panics
    ///
    /// If `latent_dim` is zero, `channels` is empty or holds a zero.
    pub fn init(&self, device: &Device) -> ProGan {
        assert!(
            self.latent_dim > 0 && !self.channels.is_empty() && !self.channels.contains(&0),
            "ProGAN needs a positive latent_dim and non-empty positive channels, got {} and {:?}",
            self.latent_dim,
            self.channels
        );

        let mut specs = self.block_specs();
        let output = ProGanBlock::new(&specs.pop().expect("the output block"), device);
        let blocks = specs
            .iter()
            .map(|spec| ProGanBlock::new(spec, device))
            .collect();
        ProGan {
            blocks,
            output,
            latent_dim: self.latent_dim,
            clamp_output: self.clamp_output,
        }
    }

    /// Side of the generated images in pixels.
    pub fn image_size(&self) -> usize {
        4 << (self.channels.len() - 1)
    }

    /// The blocks `layer1 …` in order, then the output block.
    fn block_specs(&self) -> Vec<BlockSpec> {
        let hidden = |channels_in, channels_out, kernel_size, padding, upsample| BlockSpec {
            channels_in,
            channels_out,
            kernel_size,
            padding,
            upsample,
            is_output: false,
        };
        let first = self.channels[0];
        let mut specs = vec![
            hidden(self.latent_dim, first, 4, 3, false),
            hidden(first, first, 3, 1, false),
        ];
        for pair in self.channels.windows(2) {
            specs.push(hidden(pair[0], pair[1], 3, 1, true));
            specs.push(hidden(pair[1], pair[1], 3, 1, false));
        }
        specs.push(BlockSpec {
            channels_in: *self.channels.last().expect("non-empty channels"),
            channels_out: 3,
            kernel_size: 1,
            padding: 0,
            upsample: false,
            is_output: true,
        });
        specs
    }
}

/// Pixel norm, optional upsampling, scaled convolution, bias, optional leaky ReLU.
#[derive(Module, Debug)]
pub struct ProGanBlock {
    conv: Conv2d,
    bias: Param<Tensor<1>>,
    weight_scale: f64,
    upsample: bool,
    leaky_relu: bool,
}

impl ProGanBlock {
    fn new(spec: &BlockSpec, device: &Device) -> Self {
        let padding = spec.padding;
        let conv = Conv2dConfig::new([spec.channels_in, spec.channels_out], [spec.kernel_size; 2])
            .with_padding(PaddingConfig2d::Explicit(
                padding, padding, padding, padding,
            ))
            .with_bias(false)
            .with_initializer(Initializer::Normal {
                mean: 0.0,
                std: 1.0,
            })
            .init(device);
        let gain = if spec.is_output { 1.0 } else { 2f64.sqrt() };
        let fan_in = spec.channels_in * spec.kernel_size * spec.kernel_size;
        Self {
            conv,
            bias: Param::from_tensor(Tensor::zeros([spec.channels_out], device)),
            weight_scale: gain / (fan_in as f64).sqrt(),
            upsample: spec.upsample,
            leaky_relu: !spec.is_output,
        }
    }

    /// # Shapes
    ///
    /// - input: `[batch_size, channels_in, height, width]`
    /// - output: `[batch_size, channels_out, height', width']`, doubled if the block upsamples
    fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        let mut x = pixel_norm(input);
        if self.upsample {
            x = double_resolution(x);
        }

        let [channels] = self.bias.dims();
        let x = self.conv.forward(x).mul_scalar(self.weight_scale)
            + self.bias.val().reshape([1, channels, 1, 1]);
        match self.leaky_relu {
            true => leaky_relu(x, LEAKY_RELU_SLOPE),
            false => x,
        }
    }
}

/// Divides each pixel's feature vector by its root mean square over channels.
fn pixel_norm(input: Tensor<4>) -> Tensor<4> {
    // [batch_size, 1, height, width]
    let root_mean_square = input
        .clone()
        .powi_scalar(2)
        .mean_dim(1)
        .add_scalar(PIXEL_NORM_EPSILON)
        .sqrt();
    input / root_mean_square
}

/// Doubles height and width by repeating each pixel 2×2 (PyTorch's `mode='nearest'`).
pub(crate) fn double_resolution(input: Tensor<4>) -> Tensor<4> {
    let options = InterpolateOptions::new(InterpolateMode::Nearest)
        .with_align_corners(false)
        .with_scale_factor([2.0, 2.0]);
    interpolate(input, options)
}

/// The Progressive GAN generator. See the [module documentation](self).
#[derive(Module, Debug)]
pub struct ProGan {
    blocks: Vec<ProGanBlock>,
    output: ProGanBlock,
    latent_dim: usize,
    clamp_output: bool,
}

impl ProGan {
    /// Loads a generator from a PyTorch state dict in the `proggan_*.pth` layout, reading the
    /// latent length, the number of resolutions and every width from the tensors' shapes.
    ///
    /// The generator is returned frozen (its weights need no gradient; gradients still flow to
    /// its input) and clamps its output to [-1, 1].
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
        let names = block_names(num_blocks);
        let expected: BTreeSet<String> = names.iter().flat_map(|name| block_keys(name)).collect();
        checkpoint::check_keys(path, &shapes, &expected, |_| false)?;

        let config = config_from_shapes(path, &shapes, num_blocks)?;
        for (name, spec) in names.iter().zip(config.block_specs()) {
            let [weight, bias] = block_keys(name);
            let kernel = spec.kernel_size;
            let weight_shape = [spec.channels_out, spec.channels_in, kernel, kernel];
            checkpoint::expect_shape(path, &shapes, &weight, &weight_shape)?;
            checkpoint::expect_shape(path, &shapes, &bias, &[spec.channels_out])?;
        }

        let mut model = config.init(device);
        checkpoint::load_weights(&mut model, path, &renames(&names), &[])?;
        log::info!(
            "{}: ProGAN {size}×{size}, latent {}, channels {:?}",
            path.display(),
            config.latent_dim,
            config.channels,
            size = config.image_size()
        );
        Ok(model.freeze())
    }

    /// Sets whether the output is clamped to [-1, 1].
    pub fn with_clamp_output(mut self, clamp_output: bool) -> Self {
        self.clamp_output = clamp_output;
        self
    }

    /// Side of the generated images in pixels.
    pub fn image_size(&self) -> usize {
        4 << (self.blocks.len() / 2 - 1)
    }
}

impl Generator for ProGan {
    fn latent_dim(&self) -> usize {
        self.latent_dim
    }

    fn num_layers(&self) -> usize {
        self.blocks.len() + 1
    }

    fn layer(&self, index: usize, input: Tensor<4>) -> Tensor<4> {
        let num_layers = self.num_layers();
        assert!(
            index < num_layers,
            "layer {index} of a {num_layers}-layer ProGAN"
        );
        if index < self.blocks.len() {
            return self.blocks[index].forward(input);
        }
        let image = self.output.forward(input);
        match self.clamp_output {
            true => image.clamp(-1.0, 1.0),
            false => image,
        }
    }
}

/// The number of `layerN` blocks in the checkpoint: the largest `N`, which must be even
/// and positive.
fn count_blocks(path: &Path, shapes: &TensorShapes) -> Result<usize> {
    let num_blocks = shapes
        .keys()
        .filter_map(|key| {
            key.strip_prefix("layer")?
                .split('.')
                .next()?
                .parse::<usize>()
                .ok()
        })
        .max()
        .unwrap_or(0);
    let reason = match num_blocks {
        0 => "no `layerN.*` keys: not a generator in the proggan_*.pth layout".to_string(),
        n if n % 2 == 1 => {
            format!("the last block is layer{n}, but blocks come in pairs (two per resolution)")
        }
        n => return Ok(n),
    };
    Err(Error::Weights {
        path: path.to_path_buf(),
        reason,
    })
}

/// PyTorch module names: `layer1 … layerN`, then `output_{size}x{size}`.
fn block_names(num_blocks: usize) -> Vec<String> {
    let size = 4 << (num_blocks / 2 - 1);
    (1..=num_blocks)
        .map(|n| format!("layer{n}"))
        .chain([format!("output_{size}x{size}")])
        .collect()
}

fn block_keys(name: &str) -> [String; 2] {
    [format!("{name}.conv.weight"), format!("{name}.wscale.b")]
}

/// Latent length and widths from the first block of each resolution.
fn config_from_shapes(
    path: &Path,
    shapes: &TensorShapes,
    num_blocks: usize,
) -> Result<ProGanConfig> {
    let first = checkpoint::shape_of(path, shapes, "layer1.conv.weight")?;
    let latent_dim = first.get(1).copied().unwrap_or(0);
    let channels = (1..=num_blocks)
        .step_by(2)
        .map(|n| {
            let shape = checkpoint::shape_of(path, shapes, &format!("layer{n}.conv.weight"))?;
            Ok(shape.first().copied().unwrap_or(0))
        })
        .collect::<Result<Vec<_>>>()?;
    if latent_dim == 0 || channels.contains(&0) {
        return Err(Error::Weights {
            path: path.to_path_buf(),
            reason: format!("convolution weights must be 4-d and non-empty, got {first:?}"),
        });
    }
    Ok(ProGanConfig::new()
        .with_latent_dim(latent_dim)
        .with_channels(channels))
}

/// `layerN.` → `blocks.{N-1}.`, `output_RxR.` → `output.`, `wscale.b` → `bias`.
fn renames(names: &[String]) -> Vec<(String, String)> {
    let (output, layers) = names.split_last().expect("at least the output block");
    let mut renames: Vec<(String, String)> = layers
        .iter()
        .enumerate()
        .map(|(index, name)| (format!(r"^{name}\."), format!("blocks.{index}.")))
        .collect();
    renames.push((format!(r"^{output}\."), "output.".to_string()));
    renames.push((r"\.wscale\.b$".to_string(), ".bias".to_string()));
    renames
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_draws_256_pixel_images_with_fifteen_layers() {
        let config = ProGanConfig::new();
        assert_eq!(config.image_size(), 256);
        assert_eq!(config.block_specs().len(), 15);
        assert_eq!(block_names(14)[14], "output_256x256");
    }

    #[test]
    fn pixel_norm_gives_unit_root_mean_square_per_pixel() {
        let device = Device::default();
        let input = Tensor::<4>::from_floats([[[[3.0]], [[4.0]]]], &device);
        let expected = [3.0 / 12.5f32.sqrt(), 4.0 / 12.5f32.sqrt()];
        let output = pixel_norm(input).into_data().try_to_vec::<f32>().unwrap();
        for (value, expected) in output.iter().zip(expected) {
            assert!((value - expected).abs() < 1e-6, "{output:?}");
        }
    }

    #[test]
    fn double_resolution_repeats_each_pixel_two_by_two() {
        let device = Device::default();
        let input = Tensor::<4>::from_floats([[[[1.0, 2.0], [3.0, 4.0]]]], &device);
        let output = double_resolution(input)
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        let expected = [
            1.0, 1.0, 2.0, 2.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 4.0, 4.0, 3.0, 3.0, 4.0, 4.0,
        ];
        assert_eq!(output, expected);
    }

    #[test]
    fn layers_chain_from_latent_to_image() {
        let device = Device::default();
        let config = ProGanConfig::new()
            .with_latent_dim(8)
            .with_channels(vec![4, 4, 2]);
        let model = config.init(&device);
        let image = model.generate(Tensor::random(
            [2, 8],
            burn::tensor::Distribution::Default,
            &device,
        ));
        assert_eq!(image.dims(), [2, 3, 16, 16]);
        assert!(image.abs().max().into_scalar::<f32>() <= 1.0);
    }
}
