//! VGG16's convolutional trunk up to `relu4_2`, as a perceptual network.
//!
//! Comparing images by deep features rather than pixels is what the paper's inversion losses
//! do: two images are close when the feature maps a pretrained classifier computes from them
//! are close. This module gives the map of VGG16 (Simonyan and Zisserman, 2015) at `relu4_2`,
//! the ReLU after the second convolution of the fourth stage: nine 3×3 convolutions with
//! padding 1, each followed by ReLU, with a 2×2 max pool (stride 2) after the 2nd, 4th and 7th.
//! The map has 512 channels at 1/8 of the input's height and width.
//!
//! # Input convention
//!
//! Images enter as everywhere in modedrop: `[batch_size, 3, height, width]` RGB in [-1, 1].
//! [`Vgg16Features::forward`] converts them to the convention torchvision's weights were
//! trained with, first to [0, 1] by `(x + 1) / 2`, then per channel `(x − mean) / std` with
//! the ImageNet mean (0.485, 0.456, 0.406) and standard deviation (0.229, 0.224, 0.225).
//!
//! # Weights
//!
//! [`Vgg16Features::from_pytorch`] reads torchvision's full VGG16 state dict
//! (`vgg16-397923af.pth`): `features.{0, 2, 5, 7, 10, 12, 14, 17, 19}.{weight, bias}` are the
//! nine convolutions (the indices skip torchvision's ReLU and pooling modules); the later
//! convolutions `features.{21, 24, 26, 28}` and the `classifier.*` layers are not needed and
//! are skipped (listed in a debug log). Any other key is an error.

use std::collections::BTreeSet;
use std::path::Path;

use burn::nn::PaddingConfig2d;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::prelude::*;
use burn::tensor::activation::relu;
use burn::tensor::module::max_pool2d;
use burn::tensor::ops::MaxPoolOptions;

use super::checkpoint::{self, TensorShapes};
use crate::error::Result;

/// Where to obtain a checkpoint [`Vgg16Features::from_pytorch`] reads; quoted when the file is
/// missing.
pub const CHECKPOINT_SOURCE: &str = "torchvision's ImageNet VGG16 weights `vgg16-397923af.pth` \
    (https://download.pytorch.org/models/vgg16-397923af.pth, also cached by \
    `torchvision.models.vgg16(weights=\"IMAGENET1K_V1\")`)";

/// torchvision's `features` index of each convolution up to `relu4_2`.
const TORCHVISION_INDICES: [usize; 9] = [0, 2, 5, 7, 10, 12, 14, 17, 19];
/// The convolutions (0-based, in order) followed by a 2×2 max pool.
const POOL_AFTER: [usize; 3] = [1, 3, 6];
/// The last torchvision `features` index used: the ReLU after `features.19`.
const LAST_INDEX: usize = 20;

const IMAGENET_MEAN: [f64; 3] = [0.485, 0.456, 0.406];
const IMAGENET_STD: [f64; 3] = [0.229, 0.224, 0.225];

/// Configuration of [`Vgg16Features`].
#[derive(Config, Debug)]
pub struct Vgg16FeaturesConfig {
    /// Output channels of the nine convolutions `conv1_1 … conv4_2`.
    #[config(default = "vec![64, 64, 128, 128, 256, 256, 256, 512, 512]")]
    pub channels: Vec<usize>,
}

impl Vgg16FeaturesConfig {
    /// Builds the network with Burn's default initialisation.
    ///
    /// # Panics
    ///
    /// If `channels` does not have nine positive entries.
    pub fn init(&self, device: &Device) -> Vgg16Features {
        assert!(
            self.channels.len() == TORCHVISION_INDICES.len() && !self.channels.contains(&0),
            "VGG16 up to relu4_2 has 9 convolutions, got channels {:?}",
            self.channels
        );
        let convs = self
            .conv_shapes()
            .iter()
            .map(|&[channels_out, channels_in, _, _]| {
                Conv2dConfig::new([channels_in, channels_out], [3, 3])
                    .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                    .init(device)
            })
            .collect();
        Vgg16Features { convs }
    }

    /// PyTorch weight shapes `[channels_out, channels_in, 3, 3]` of the nine convolutions.
    fn conv_shapes(&self) -> Vec<[usize; 4]> {
        let inputs = std::iter::once(3).chain(self.channels.iter().copied());
        self.channels
            .iter()
            .zip(inputs)
            .map(|(&channels_out, channels_in)| [channels_out, channels_in, 3, 3])
            .collect()
    }
}

/// VGG16 up to `relu4_2`. See the [module documentation](self).
#[derive(Module, Debug)]
pub struct Vgg16Features {
    convs: Vec<Conv2d>,
}

impl Vgg16Features {
    /// Loads the nine convolutions from torchvision's VGG16 state dict, reading their widths
    /// from the tensors' shapes. The network is returned frozen: its weights need no gradient,
    /// gradients still flow to its input.
    ///
    /// # Errors
    ///
    /// [`Error::Io`](crate::Error::Io) if the file is missing (the message says which file is
    /// expected and where to obtain it) or unreadable, [`Error::InvalidFile`](crate::Error::InvalidFile)
    /// if it is not a PyTorch checkpoint, [`Error::Weights`](crate::Error::Weights) listing
    /// missing or unexpected keys and tensors of the wrong shape.
    pub fn from_pytorch(path: impl AsRef<Path>, device: &Device) -> Result<Self> {
        let path = path.as_ref();
        let shapes = checkpoint::read_shapes(path, CHECKPOINT_SOURCE)?;
        let expected: BTreeSet<String> = TORCHVISION_INDICES
            .iter()
            .flat_map(|index| {
                [
                    format!("features.{index}.weight"),
                    format!("features.{index}.bias"),
                ]
            })
            .collect();
        let ignored = checkpoint::check_keys(path, &shapes, &expected, is_beyond_relu4_2)?;
        log::debug!(
            "{}: skipping {} tensors VGG16 does not need up to relu4_2: {}",
            path.display(),
            ignored.len(),
            ignored.join(", ")
        );

        let config = config_from_shapes(path, &shapes)?;
        let renames: Vec<(String, String)> = TORCHVISION_INDICES
            .iter()
            .enumerate()
            .map(|(position, index)| {
                (
                    format!(r"^features\.{index}\."),
                    format!("convs.{position}."),
                )
            })
            .collect();
        let mut model = config.init(device);
        checkpoint::load_weights(&mut model, path, &renames, &ignored)?;
        log::info!(
            "{}: VGG16 up to relu4_2, channels {:?}",
            path.display(),
            config.channels
        );
        Ok(model.freeze())
    }

    /// The `relu4_2` feature map of images in [-1, 1] (converted to torchvision's convention
    /// first, see the [module documentation](self)).
    ///
    /// # Shapes
    ///
    /// - input: `[batch_size, 3, height, width]`
    /// - output: `[batch_size, channels, height / 8, width / 8]` (rounded down at each pool)
    ///
    /// # Panics
    ///
    /// If the input does not have 3 channels.
    pub fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        let [_, channels, _, _] = input.dims();
        assert_eq!(
            channels, 3,
            "VGG16 takes RGB images, got {channels} channels"
        );

        let mut x = to_imagenet_convention(input);
        for (position, conv) in self.convs.iter().enumerate() {
            x = relu(conv.forward(x));
            if POOL_AFTER.contains(&position) {
                x = max_pool2d(x, MaxPoolOptions::new([2, 2]));
            }
        }
        x
    }
}

/// `[-1, 1]` → `[0, 1]` → ImageNet-standardised, per channel: `x · a + b` with
/// `a = 1 / (2 · std)` and `b = (0.5 − mean) / std`.
pub fn to_imagenet_convention(input: Tensor<4>) -> Tensor<4> {
    let device = input.device();
    let scale = IMAGENET_STD.map(|std| (0.5 / std) as f32);
    let shift: Vec<f32> = IMAGENET_MEAN
        .iter()
        .zip(IMAGENET_STD)
        .map(|(mean, std)| ((0.5 - mean) / std) as f32)
        .collect();
    let scale = Tensor::<1>::from_floats(scale, &device).reshape([1, 3, 1, 1]);
    let shift = Tensor::<1>::from_floats(shift.as_slice(), &device).reshape([1, 3, 1, 1]);
    input * scale + shift
}

/// torchvision keys VGG16 up to relu4_2 does not use: later `features` and the classifier.
fn is_beyond_relu4_2(key: &str) -> bool {
    let later_feature = key
        .strip_prefix("features.")
        .and_then(|rest| rest.split('.').next()?.parse::<usize>().ok())
        .is_some_and(|index| index > LAST_INDEX);
    later_feature || key.starts_with("classifier.")
}

/// Widths from the weights, checking that each convolution takes the previous one's output.
fn config_from_shapes(path: &Path, shapes: &TensorShapes) -> Result<Vgg16FeaturesConfig> {
    let channels = TORCHVISION_INDICES
        .iter()
        .map(|index| {
            let shape = checkpoint::shape_of(path, shapes, &format!("features.{index}.weight"))?;
            Ok(shape.first().copied().unwrap_or(0))
        })
        .collect::<Result<Vec<_>>>()?;
    let config = Vgg16FeaturesConfig::new().with_channels(channels);
    for (index, shape) in TORCHVISION_INDICES.iter().zip(config.conv_shapes()) {
        checkpoint::expect_shape(path, shapes, &format!("features.{index}.weight"), &shape)?;
        checkpoint::expect_shape(path, shapes, &format!("features.{index}.bias"), &shape[..1])?;
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imagenet_convention_maps_the_range_ends() {
        let device = Device::default();
        let ends =
            Tensor::<4>::from_floats([[[[-1.0, 1.0]], [[-1.0, 1.0]], [[-1.0, 1.0]]]], &device);
        let output = to_imagenet_convention(ends)
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        for channel in 0..3 {
            let (mean, std) = (IMAGENET_MEAN[channel], IMAGENET_STD[channel]);
            let expected = [-mean / std, (1.0 - mean) / std];
            for (value, expected) in output[2 * channel..2 * channel + 2].iter().zip(expected) {
                assert!((f64::from(*value) - expected).abs() < 1e-5, "{output:?}");
            }
        }
    }

    #[test]
    fn only_later_features_and_the_classifier_are_skipped() {
        assert!(is_beyond_relu4_2("features.21.weight"));
        assert!(is_beyond_relu4_2("features.28.bias"));
        assert!(is_beyond_relu4_2("classifier.6.weight"));
        assert!(!is_beyond_relu4_2("features.3.weight"));
        assert!(!is_beyond_relu4_2("features.19.bias"));
        assert!(!is_beyond_relu4_2("head.weight"));
    }

    #[test]
    fn relu4_2_has_one_eighth_the_resolution() {
        let device = Device::default();
        let config = Vgg16FeaturesConfig::new().with_channels(vec![2, 2, 3, 3, 4, 4, 4, 5, 5]);
        let output = config
            .init(&device)
            .forward(Tensor::zeros([1, 3, 16, 24], &device));
        assert_eq!(output.dims(), [1, 5, 2, 3]);
    }
}
