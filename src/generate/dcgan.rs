//! The DCGAN generator and discriminator trained on the scene world.
//!
//! The generator follows Radford et al.'s DCGAN: the latent vector, viewed as a
//! `[batch_size, latent_dim, 1, 1]` image, is mapped to a 4×4 feature map by a 4×4 transposed
//! convolution; each following block doubles the resolution with a stride-2 transposed
//! convolution (kernel 4, padding 1) and halves the channel count, with batch norm and ReLU after
//! every block but the last; the last block draws 3 channels through tanh, so pixels lie in
//! [-1, 1]. With `base_channels = c` and `image_size = s`, the 4×4 map has `c · s / 8` channels
//! and the `s / 2` map has `c`. Each block is one layer of the [`Generator`] decomposition, so
//! the instance-level inversion can split the network after any of them.
//!
//! The discriminator mirrors it: stride-2 4×4 convolutions with leaky ReLU (slope 0.2) halve the
//! resolution down to 4×4, and a final 4×4 convolution without padding leaves one logit per
//! image. It has no batch norm, so each image's logit depends on that image alone and the
//! gradient penalty of WGAN-GP is defined per sample.
//!
//! Because Burn's autodiff is first order, the gradient penalty cannot differentiate an autodiff
//! gradient. [`DcganDiscriminator::input_gradient`] therefore writes the backward pass of the
//! discriminator with forward operations: the gradient of a convolution with respect to its
//! input is the transposed convolution with the same weight tensor, and leaky ReLU contributes a
//! constant factor, 1 where its input was positive and 0.2 elsewhere. The result is an ordinary
//! tensor expression in the weights, so a loss built from it has gradients for the weights.

use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Initializer, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::{leaky_relu, relu, tanh};
use burn::tensor::module::conv_transpose2d;
use burn::tensor::ops::ConvTransposeOptions;

use crate::generate::Generator;

/// The slope of the discriminator's leaky ReLU for negative inputs.
pub const LEAKY_RELU_SLOPE: f64 = 0.2;

/// Kernel size of every convolution in both networks.
const KERNEL_SIZE: usize = 4;
/// Stride of the resolution-changing convolutions.
const RESAMPLE_STRIDE: usize = 2;
/// Padding of the resolution-changing convolutions.
const RESAMPLE_PADDING: usize = 1;

/// DCGAN weights are drawn from N(0, 0.02²).
fn dcgan_initializer() -> Initializer {
    Initializer::Normal {
        mean: 0.0,
        std: 0.02,
    }
}

/// Batch norm scales start near 1 as in DCGAN: N(1, 0.02²), shifts at 0.
fn init_batch_norm(num_features: usize, device: &Device) -> BatchNorm {
    let mut norm = BatchNormConfig::new(num_features).init(device);
    norm.gamma = Initializer::Normal {
        mean: 1.0,
        std: 0.02,
    }
    .init([num_features], device);
    norm
}

/// The channel count at each resolution `4, 8, …, image_size / 2`: `base_channels` at
/// `image_size / 2`, doubling for each halving of the resolution.
fn hidden_channels(base_channels: usize, image_size: usize) -> Vec<usize> {
    let num_hidden = image_size.trailing_zeros() as usize - 2;
    (0..num_hidden)
        .map(|i| base_channels << (num_hidden - 1 - i))
        .collect()
}

fn check_image_size(image_size: usize) {
    assert!(
        image_size >= 8 && image_size.is_power_of_two(),
        "image_size must be a power of two >= 8, got {image_size}"
    );
}

/// Configuration of a [`DcganGenerator`].
#[derive(Config, Debug)]
pub struct DcganGeneratorConfig {
    /// Length of the latent vector.
    #[config(default = 64)]
    pub latent_dim: usize,
    /// Channels of the last hidden feature map (resolution `image_size / 2`); each coarser map
    /// has twice the channels of the next finer one.
    #[config(default = 32)]
    pub base_channels: usize,
    /// Side of the square output images in pixels; a power of two, at least 8.
    #[config(default = 64)]
    pub image_size: usize,
}

impl DcganGeneratorConfig {
    /// Builds a generator with DCGAN's random initialisation.
    ///
    /// # Panics
    ///
    /// If `image_size` is not a power of two >= 8, or `latent_dim` or `base_channels` is zero.
    pub fn init(&self, device: &Device) -> DcganGenerator {
        check_image_size(self.image_size);
        assert!(
            self.latent_dim > 0 && self.base_channels > 0,
            "latent_dim and base_channels must be positive, got {} and {}",
            self.latent_dim,
            self.base_channels
        );

        let channels = hidden_channels(self.base_channels, self.image_size);
        let mut blocks = Vec::with_capacity(channels.len());
        let mut channels_in = self.latent_dim;
        for (index, &channels_out) in channels.iter().enumerate() {
            let (stride, padding) = match index {
                0 => (1, 0),
                _ => (RESAMPLE_STRIDE, RESAMPLE_PADDING),
            };
            blocks.push(UpsampleBlock {
                conv: transposed_conv(channels_in, channels_out, stride, padding, false, device),
                norm: init_batch_norm(channels_out, device),
            });
            channels_in = channels_out;
        }
        let output = transposed_conv(
            channels_in,
            3,
            RESAMPLE_STRIDE,
            RESAMPLE_PADDING,
            true,
            device,
        );

        DcganGenerator {
            blocks,
            output,
            latent_dim: self.latent_dim,
        }
    }
}

fn transposed_conv(
    channels_in: usize,
    channels_out: usize,
    stride: usize,
    padding: usize,
    bias: bool,
    device: &Device,
) -> ConvTranspose2d {
    ConvTranspose2dConfig::new([channels_in, channels_out], [KERNEL_SIZE; 2])
        .with_stride([stride; 2])
        .with_padding([padding; 2])
        .with_bias(bias)
        .with_initializer(dcgan_initializer())
        .init(device)
}

/// Transposed convolution, batch norm, ReLU.
#[derive(Module, Debug)]
pub struct UpsampleBlock {
    conv: ConvTranspose2d,
    norm: BatchNorm,
}

impl UpsampleBlock {
    fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        relu(self.norm.forward(self.conv.forward(input)))
    }
}

/// DCGAN generator; see the [module documentation](self).
///
/// Batch norm uses batch statistics (and updates its running averages) on an autodiff device
/// unless the module is in validation mode; call [`Module::valid`] before drawing images for
/// evaluation.
#[derive(Module, Debug)]
pub struct DcganGenerator {
    blocks: Vec<UpsampleBlock>,
    output: ConvTranspose2d,
    latent_dim: usize,
}

impl DcganGenerator {
    /// Side of the square images it draws, in pixels.
    pub fn image_size(&self) -> usize {
        4 << self.blocks.len()
    }
}

impl Generator for DcganGenerator {
    fn latent_dim(&self) -> usize {
        self.latent_dim
    }

    fn num_layers(&self) -> usize {
        self.blocks.len() + 1
    }

    /// Layers `0..num_layers - 1` are transposed conv + batch norm + ReLU; the last is a
    /// transposed conv to 3 channels + tanh.
    ///
    /// # Shapes
    ///
    /// - layer 0 input: `[batch_size, latent_dim, 1, 1]`
    /// - layer `i` output: `[batch_size, channels_i, 4 · 2^i, 4 · 2^i]`
    fn layer(&self, index: usize, input: Tensor<4>) -> Tensor<4> {
        let num_layers = self.num_layers();
        assert!(
            index < num_layers,
            "layer index {index} out of range: the generator has {num_layers} layers"
        );
        match self.blocks.get(index) {
            Some(block) => block.forward(input),
            None => tanh(self.output.forward(input)),
        }
    }
}

/// Configuration of a [`DcganDiscriminator`].
#[derive(Config, Debug)]
pub struct DcganDiscriminatorConfig {
    /// Channels after the first convolution (resolution `image_size / 2`); each halving of the
    /// resolution doubles them.
    #[config(default = 32)]
    pub base_channels: usize,
    /// Side of the square input images in pixels; a power of two, at least 8.
    #[config(default = 64)]
    pub image_size: usize,
}

impl DcganDiscriminatorConfig {
    /// Builds a discriminator with DCGAN's random initialisation.
    ///
    /// # Panics
    ///
    /// If `image_size` is not a power of two >= 8 or `base_channels` is zero.
    pub fn init(&self, device: &Device) -> DcganDiscriminator {
        self.init_with(dcgan_initializer(), device)
    }

    /// Like [`init`](Self::init) with another weight and bias initialiser.
    pub(crate) fn init_with(
        &self,
        initializer: Initializer,
        device: &Device,
    ) -> DcganDiscriminator {
        check_image_size(self.image_size);
        assert!(self.base_channels > 0, "base_channels must be positive");

        let mut channels = hidden_channels(self.base_channels, self.image_size);
        channels.reverse();
        let mut downsample = Vec::with_capacity(channels.len());
        let mut channels_in = 3;
        for &channels_out in &channels {
            let stride_padding = (RESAMPLE_STRIDE, RESAMPLE_PADDING);
            downsample.push(conv(
                [channels_in, channels_out],
                stride_padding,
                &initializer,
                device,
            ));
            channels_in = channels_out;
        }
        let output = conv([channels_in, 1], (1, 0), &initializer, device);

        DcganDiscriminator { downsample, output }
    }
}

fn conv(
    channels: [usize; 2],
    (stride, padding): (usize, usize),
    initializer: &Initializer,
    device: &Device,
) -> Conv2d {
    Conv2dConfig::new(channels, [KERNEL_SIZE; 2])
        .with_stride([stride; 2])
        .with_padding(PaddingConfig2d::Explicit(
            padding, padding, padding, padding,
        ))
        .with_initializer(initializer.clone())
        .init(device)
}

/// DCGAN discriminator without batch norm; see the [module documentation](self).
#[derive(Module, Debug)]
pub struct DcganDiscriminator {
    downsample: Vec<Conv2d>,
    output: Conv2d,
}

impl DcganDiscriminator {
    /// One logit per image; higher means "real".
    ///
    /// # Shapes
    ///
    /// - input: `[batch_size, 3, image_size, image_size]`
    /// - output: `[batch_size]`
    pub fn forward(&self, input: Tensor<4>) -> Tensor<1> {
        let batch_size = input.dims()[0];
        let features = self.downsample.iter().fold(input, |x, conv| {
            leaky_relu(conv.forward(x), LEAKY_RELU_SLOPE)
        });
        // [batch_size, 1, 1, 1]
        self.output.forward(features).reshape([batch_size])
    }

    /// The gradient of each image's logit with respect to that image, `∇_x D(x)`, computed by an
    /// explicit backward pass made of forward operations (see the [module documentation](self)).
    ///
    /// Since the discriminator treats every image independently, this is also the gradient of
    /// `D(x).sum()` with respect to the whole batch. The leaky ReLU factors are taken from the
    /// detached pre-activations; the transposed convolutions use the weights themselves, so the
    /// result is differentiable with respect to the weights (but not through `input`).
    ///
    /// # Shapes
    ///
    /// - input: `[batch_size, 3, image_size, image_size]`
    /// - output: `[batch_size, 3, image_size, image_size]`
    pub fn input_gradient(&self, input: Tensor<4>) -> Tensor<4> {
        let batch_size = input.dims()[0];
        let device = input.device();

        // Forward pass, keeping each convolution's input size and the slope of leaky ReLU at
        // each of its outputs.
        let mut input_sizes = Vec::with_capacity(self.downsample.len() + 1);
        let mut slopes = Vec::with_capacity(self.downsample.len());
        let mut x = input.detach();
        for conv in &self.downsample {
            input_sizes.push(spatial_size(&x));
            let pre_activation = conv.forward(x).detach();
            slopes.push(leaky_relu_slope(pre_activation.clone()));
            x = leaky_relu(pre_activation, LEAKY_RELU_SLOPE);
        }
        input_sizes.push(spatial_size(&x));

        // d logit / d logit = 1, then back through the layers in reverse.
        let ones = Tensor::ones([batch_size, 1, 1, 1], &device);
        let mut gradient = conv_input_gradient(&self.output, ones, input_sizes[slopes.len()]);
        for (index, conv) in self.downsample.iter().enumerate().rev() {
            gradient = gradient * slopes[index].clone();
            gradient = conv_input_gradient(conv, gradient, input_sizes[index]);
        }
        gradient
    }
}

fn spatial_size(x: &Tensor<4>) -> [usize; 2] {
    let [_, _, height, width] = x.dims();
    [height, width]
}

/// The derivative of leaky ReLU at `pre_activation`: 1 where positive, the slope elsewhere.
fn leaky_relu_slope(pre_activation: Tensor<4>) -> Tensor<4> {
    pre_activation
        .greater_elem(0.0)
        .float()
        .mul_scalar(1.0 - LEAKY_RELU_SLOPE)
        .add_scalar(LEAKY_RELU_SLOPE)
}

/// Back-propagates `output_gradient` through `conv` to an input of `input_size`: the transposed
/// convolution with the same weight, stride and padding. The output padding restores the rows
/// and columns a strided convolution drops.
fn conv_input_gradient(
    conv: &Conv2d,
    output_gradient: Tensor<4>,
    input_size: [usize; 2],
) -> Tensor<4> {
    let padding = match conv.padding {
        PaddingConfig2d::Explicit(top, left, bottom, right) => {
            assert!(
                top == bottom && left == right,
                "asymmetric padding is not supported"
            );
            [top, left]
        }
        PaddingConfig2d::Valid => [0, 0],
        PaddingConfig2d::Same => panic!("`Same` padding is not used by the discriminator"),
    };
    let [_, _, out_height, out_width] = output_gradient.dims();
    let out_size = [out_height, out_width];
    let padding_out: [usize; 2] = std::array::from_fn(|axis| {
        let covered =
            (out_size[axis] - 1) * conv.stride[axis] + conv.kernel_size[axis] - 2 * padding[axis];
        input_size[axis] - covered
    });
    let options = ConvTransposeOptions::new(conv.stride, padding, padding_out, conv.dilation, 1);
    conv_transpose2d(output_gradient, conv.weight.val(), None, options)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny_discriminator(device: &Device) -> DcganDiscriminator {
        // Weights (and biases) much larger than DCGAN's 0.02, so that pre-activations of both
        // signs are common and the logits are well scaled for comparing gradients.
        DcganDiscriminatorConfig::new()
            .with_base_channels(4)
            .with_image_size(16)
            .init_with(
                Initializer::Normal {
                    mean: 0.0,
                    std: 0.3,
                },
                device,
            )
    }

    fn random_images(batch_size: usize, size: usize, device: &Device) -> Tensor<4> {
        Tensor::random(
            [batch_size, 3, size, size],
            burn::tensor::Distribution::Uniform(-1.0, 1.0),
            device,
        )
    }

    fn to_vec(x: Tensor<4>) -> Vec<f32> {
        x.into_data().try_to_vec::<f32>().unwrap()
    }

    #[test]
    fn generator_layers_have_dcgan_shapes() {
        let device = Device::default();
        let generator = DcganGeneratorConfig::new()
            .with_latent_dim(5)
            .with_base_channels(4)
            .with_image_size(32)
            .init(&device);
        assert_eq!(generator.num_layers(), 4);
        assert_eq!(generator.image_size(), 32);

        let latent = Tensor::random([2, 5], burn::tensor::Distribution::Default, &device);
        let expected = [[2, 16, 4, 4], [2, 8, 8, 8], [2, 4, 16, 16], [2, 3, 32, 32]];
        for (k, dims) in expected.iter().enumerate() {
            assert_eq!(&generator.features(latent.clone(), k + 1).dims(), dims);
        }

        let images = generator.generate(latent);
        let max_abs = images.abs().max().into_scalar::<f32>();
        assert!(max_abs <= 1.0, "tanh output out of range: {max_abs}");
    }

    #[test]
    fn discriminator_gives_one_logit_per_image_independently() {
        let device = Device::default();
        let discriminator = tiny_discriminator(&device);
        let images = random_images(3, 16, &device);
        let logits = discriminator.forward(images.clone());
        assert_eq!(logits.dims(), [3]);

        let alone = discriminator
            .forward(images.narrow(0, 1, 1))
            .into_scalar::<f32>();
        let in_batch = logits.narrow(0, 1, 1).into_scalar::<f32>();
        assert!((alone - in_batch).abs() < 1e-5, "{alone} vs {in_batch}");
    }

    #[test]
    fn input_gradient_matches_autodiff() {
        let device = Device::default().autodiff();
        let discriminator = tiny_discriminator(&device);
        let images = random_images(3, 16, &device).require_grad();

        let grads = discriminator.forward(images.clone()).sum().backward();
        let reference = to_vec(images.grad(&grads).unwrap());
        let explicit = to_vec(discriminator.input_gradient(images));

        let scale = reference.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        assert!(scale > 1e-3, "gradient too small to compare: {scale}");
        for (a, b) in explicit.iter().zip(&reference) {
            assert!((a - b).abs() <= 1e-4 * scale, "{a} vs {b} (scale {scale})");
        }
    }

    /// Which hidden units are positive: the discriminator is linear wherever this is constant.
    fn activation_pattern(discriminator: &DcganDiscriminator, input: Tensor<4>) -> Vec<bool> {
        let mut pattern = Vec::new();
        let mut x = input;
        for conv in &discriminator.downsample {
            let pre_activation = conv.forward(x);
            let positive = pre_activation.clone().greater_elem(0.0).into_data();
            pattern.extend(positive.iter::<bool>());
            x = leaky_relu(pre_activation, LEAKY_RELU_SLOPE);
        }
        pattern
    }

    #[test]
    fn input_gradient_matches_central_differences() {
        let device = Device::default();
        let discriminator = tiny_discriminator(&device);
        let images = random_images(1, 16, &device);
        let gradient = to_vec(discriminator.input_gradient(images.clone()));
        let values = to_vec(images.clone());
        let pattern = activation_pattern(&discriminator, images);

        let image =
            |values: Vec<f32>| Tensor::from_data(TensorData::new(values, [1, 3, 16, 16]), &device);
        let step = 1e-2;
        // Largest gradients first, so that f32 rounding is small against them.
        let mut order: Vec<usize> = (0..values.len()).collect();
        order.sort_by(|&a, &b| gradient[b].abs().total_cmp(&gradient[a].abs()));
        let mut checked = 0;
        for &index in order.iter().take(40) {
            let mut plus = values.clone();
            plus[index] += step;
            let mut minus = values.clone();
            minus[index] -= step;
            let (plus, minus) = (image(plus), image(minus));
            // A piecewise-linear function: the difference quotient is exact only if no unit
            // changes sign between the two points.
            if activation_pattern(&discriminator, plus.clone()) != pattern
                || activation_pattern(&discriminator, minus.clone()) != pattern
            {
                continue;
            }
            let logit = |x: Tensor<4>| discriminator.forward(x).into_scalar::<f32>() as f64;
            let difference = (logit(plus) - logit(minus)) / (2.0 * step as f64);
            let explicit = gradient[index] as f64;
            assert!(
                (difference - explicit).abs() <= 1e-3 * explicit.abs() + 1e-4,
                "coordinate {index}: finite difference {difference}, explicit {explicit}"
            );
            checked += 1;
            if checked == 8 {
                return;
            }
        }
        panic!("only {checked} coordinates were away from a kink");
    }
}
