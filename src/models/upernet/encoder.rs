//! The encoder: a ResNet with a deep stem (three 3×3 convolutions instead of
//! one 7×7), as in CSAIL's semantic-segmentation and unified-parsing code.
//!
//! The stem halves the resolution in its first convolution and again in a
//! 3×3 max pool; four stages of bottleneck blocks follow, the last three
//! halving the resolution in their first block. The outputs of the four
//! stages (strides 4, 8, 16, 32 relative to the input) feed the decoder.
//!
//! A bottleneck block computes `relu(shortcut(x) + bn3(conv3(relu(bn2(conv2(
//! relu(bn1(conv1(x)))))))))` with 1×1, 3×3 (carrying the stride) and 1×1
//! convolutions; its output has four times the block's width. The shortcut
//! is the identity, or a strided 1×1 convolution with batch norm
//! (`downsample`) where the shape changes.

use burn::nn::BatchNorm;
use burn::nn::BatchNormConfig;
use burn::nn::PaddingConfig2d;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::prelude::*;
use burn::tensor::activation::relu;
use burn::tensor::module::max_pool2d;
use burn::tensor::ops::MaxPoolOptions;

use super::blocks::{BATCH_NORM_EPSILON, ConvNorm};

/// The output channels of a bottleneck block are this multiple of its width.
pub const BOTTLENECK_EXPANSION: usize = 4;

/// One bottleneck residual block.
///
/// # Shapes
///
/// - input: `[batch_size, channels_in, height, width]`
/// - output: `[batch_size, 4 * width, height / stride, width / stride]`
#[derive(Module, Debug)]
pub struct Bottleneck {
    conv1: Conv2d,
    bn1: BatchNorm,
    conv2: Conv2d,
    bn2: BatchNorm,
    conv3: Conv2d,
    bn3: BatchNorm,
    downsample: Option<ConvNorm>,
}

fn conv(channels: [usize; 2], kernel: usize, stride: usize, device: &Device) -> Conv2d {
    let pad = kernel / 2;
    Conv2dConfig::new(channels, [kernel, kernel])
        .with_stride([stride, stride])
        .with_padding(PaddingConfig2d::Explicit(pad, pad, pad, pad))
        .with_bias(false)
        .init(device)
}

fn norm(channels: usize, device: &Device) -> BatchNorm {
    BatchNormConfig::new(channels)
        .with_epsilon(BATCH_NORM_EPSILON)
        .init(device)
}

impl Bottleneck {
    /// A block of the given `width` reading `channels_in` channels; it gets a
    /// `downsample` shortcut when `stride > 1` or the channel count changes.
    pub fn new(channels_in: usize, width: usize, stride: usize, device: &Device) -> Self {
        let channels_out = BOTTLENECK_EXPANSION * width;
        let needs_projection = stride != 1 || channels_in != channels_out;
        Self {
            conv1: conv([channels_in, width], 1, 1, device),
            bn1: norm(width, device),
            conv2: conv([width, width], 3, stride, device),
            bn2: norm(width, device),
            conv3: conv([width, channels_out], 1, 1, device),
            bn3: norm(channels_out, device),
            downsample: needs_projection
                .then(|| ConvNorm::new([channels_in, channels_out], 1, stride, device)),
        }
    }

    /// Applies the block.
    pub fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        let shortcut = match &self.downsample {
            Some(projection) => projection.forward(input.clone()),
            None => input.clone(),
        };
        let x = relu(self.bn1.forward(self.conv1.forward(input)));
        let x = relu(self.bn2.forward(self.conv2.forward(x)));
        let x = self.bn3.forward(self.conv3.forward(x));
        relu(x + shortcut)
    }
}

/// The deep-stem ResNet encoder (without its pooling and classifier).
///
/// # Shapes
///
/// - input: `[batch_size, 3, height, width]`, BGR, mean-subtracted (see
///   [`preprocess`](super::preprocess))
/// - output: four maps, `[batch_size, 4 * stage_widths[i], height / s, width / s]`
///   for `s` = 4, 8, 16, 32 (rounded up at each halving)
#[derive(Module, Debug)]
pub struct ResnetEncoder {
    conv1: Conv2d,
    bn1: BatchNorm,
    conv2: Conv2d,
    bn2: BatchNorm,
    conv3: Conv2d,
    bn3: BatchNorm,
    layer1: Vec<Bottleneck>,
    layer2: Vec<Bottleneck>,
    layer3: Vec<Bottleneck>,
    layer4: Vec<Bottleneck>,
}

impl ResnetEncoder {
    /// An encoder with the given stem channels, bottleneck widths and block
    /// counts per stage, freshly initialised on `device`.
    pub fn new(
        stem_channels: [usize; 3],
        stage_widths: [usize; 4],
        stage_blocks: [usize; 4],
        device: &Device,
    ) -> Self {
        let [stem1, stem2, stem3] = stem_channels;
        let mut channels = stem3;
        let mut stages: [Vec<Bottleneck>; 4] = Default::default();
        for (index, stage) in stages.iter_mut().enumerate() {
            let width = stage_widths[index];
            for block in 0..stage_blocks[index] {
                let stride = if index > 0 && block == 0 { 2 } else { 1 };
                stage.push(Bottleneck::new(channels, width, stride, device));
                channels = BOTTLENECK_EXPANSION * width;
            }
        }
        let [layer1, layer2, layer3, layer4] = stages;
        Self {
            conv1: conv([3, stem1], 3, 2, device),
            bn1: norm(stem1, device),
            conv2: conv([stem1, stem2], 3, 1, device),
            bn2: norm(stem2, device),
            conv3: conv([stem2, stem3], 3, 1, device),
            bn3: norm(stem3, device),
            layer1,
            layer2,
            layer3,
            layer4,
        }
    }

    /// The four stage outputs, from stride 4 to stride 32.
    pub fn forward(&self, input: Tensor<4>) -> [Tensor<4>; 4] {
        let x = relu(self.bn1.forward(self.conv1.forward(input)));
        let x = relu(self.bn2.forward(self.conv2.forward(x)));
        let x = relu(self.bn3.forward(self.conv3.forward(x)));
        let pool = MaxPoolOptions::new([3, 3])
            .with_stride([2, 2])
            .with_padding([1, 1]);
        let x = max_pool2d(x, pool);

        let run =
            |stage: &[Bottleneck], x: Tensor<4>| stage.iter().fold(x, |x, block| block.forward(x));
        let c2 = run(&self.layer1, x);
        let c3 = run(&self.layer2, c2.clone());
        let c4 = run(&self.layer3, c3.clone());
        let c5 = run(&self.layer4, c4.clone());
        [c2, c3, c4, c5]
    }
}
