//! The two building blocks every part of the network repeats: a bias-free
//! convolution followed by batch norm (optionally ReLU), and bilinear resizing
//! with PyTorch's default (half-pixel, `align_corners = false`) sampling.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::relu;
use burn::tensor::module::interpolate;
use burn::tensor::ops::{InterpolateMode, InterpolateOptions};

/// The batch-norm epsilon of the released checkpoints (PyTorch's default).
pub(crate) const BATCH_NORM_EPSILON: f64 = 1e-5;

/// A convolution without bias followed by batch norm.
///
/// Checkpoint keys `P.0.*` (convolution) and `P.1.*` (batch norm) of a
/// PyTorch `Sequential` are mapped onto `P.conv.*` and `P.norm.*`.
#[derive(Module, Debug)]
pub struct ConvNorm {
    conv: Conv2d,
    norm: BatchNorm,
}

impl ConvNorm {
    /// A `kernel`×`kernel` convolution from `channels[0]` to `channels[1]`
    /// with the given stride and "same" padding (`kernel / 2`), then batch
    /// norm over `channels[1]`.
    pub fn new(channels: [usize; 2], kernel: usize, stride: usize, device: &Device) -> Self {
        let pad = kernel / 2;
        Self {
            conv: Conv2dConfig::new(channels, [kernel, kernel])
                .with_stride([stride, stride])
                .with_padding(PaddingConfig2d::Explicit(pad, pad, pad, pad))
                .with_bias(false)
                .init(device),
            norm: BatchNormConfig::new(channels[1])
                .with_epsilon(BATCH_NORM_EPSILON)
                .init(device),
        }
    }

    /// Convolution then batch norm.
    pub fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        self.norm.forward(self.conv.forward(input))
    }

    /// Convolution, batch norm, ReLU.
    pub fn forward_relu(&self, input: Tensor<4>) -> Tensor<4> {
        relu(self.forward(input))
    }
}

/// Resizes `input` to `size` (`[height, width]`) by bilinear interpolation
/// with half-pixel sampling, as PyTorch's `F.interpolate(..., mode="bilinear",
/// align_corners=False)` does. A tensor already of that size is returned as is.
pub fn resize_bilinear(input: Tensor<4>, size: [usize; 2]) -> Tensor<4> {
    let [_, _, height, width] = input.dims();
    if [height, width] == size {
        return input;
    }
    let options = InterpolateOptions::new(InterpolateMode::Bilinear)
        .with_align_corners(false)
        .with_output_size(size);
    interpolate(input, options)
}
