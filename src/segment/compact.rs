//! The compact segmenter: a three-level U-Net small enough to train on a
//! CPU in minutes, with weights for the scene world shipped in the crate.

use std::path::Path;

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, PaddingConfig2d, Relu};
use burn::prelude::*;
use burn::store::{BurnpackStore, ModuleSnapshot};
use burn::tensor::Bytes;
use burn::tensor::module::{interpolate, max_pool2d};
use burn::tensor::ops::{InterpolateMode, InterpolateOptions, MaxPoolOptions};

use super::{ImageBatch, Segmenter};
use crate::error::{Error, Result};

/// Configuration of [`CompactUnet`], a small U-Net for the scene world.
#[derive(Config, Debug)]
pub struct CompactUnetConfig {
    /// The number of output classes.
    pub num_classes: usize,
    /// Channels at full resolution; each level down doubles them.
    #[config(default = 16)]
    pub base_channels: usize,
}

/// Two 3×3 convolutions, each followed by batch norm and ReLU.
#[derive(Module, Debug)]
pub struct ConvPair {
    conv1: Conv2d,
    norm1: BatchNorm,
    conv2: Conv2d,
    norm2: BatchNorm,
    activation: Relu,
}

impl ConvPair {
    fn new(channels_in: usize, channels_out: usize, device: &Device) -> Self {
        let conv = |channels: [usize; 2]| {
            Conv2dConfig::new(channels, [3, 3])
                .with_padding(PaddingConfig2d::Same)
                .with_bias(false)
                .init(device)
        };
        Self {
            conv1: conv([channels_in, channels_out]),
            norm1: BatchNormConfig::new(channels_out).init(device),
            conv2: conv([channels_out, channels_out]),
            norm2: BatchNormConfig::new(channels_out).init(device),
            activation: Relu::new(),
        }
    }

    fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        let x = self
            .activation
            .forward(self.norm1.forward(self.conv1.forward(input)));
        self.activation
            .forward(self.norm2.forward(self.conv2.forward(x)))
    }
}

/// A three-level U-Net: full, half and quarter resolution, with skip
/// connections so thin structures (poles, fence pickets) keep their pixels.
///
/// # Shapes
///
/// - input: `[batch_size, 3, height, width]` in [-1, 1], height and width
///   divisible by 4
/// - output: `[batch_size, num_classes, height, width]` logits
#[derive(Module, Debug)]
pub struct CompactUnet {
    down1: ConvPair,
    down2: ConvPair,
    bottom: ConvPair,
    up2: ConvPair,
    up1: ConvPair,
    head: Conv2d,
}

impl CompactUnetConfig {
    /// Builds the network with freshly initialised weights on `device`.
    pub fn init(&self, device: &Device) -> CompactUnet {
        let c = self.base_channels;
        CompactUnet {
            down1: ConvPair::new(3, c, device),
            down2: ConvPair::new(c, 2 * c, device),
            bottom: ConvPair::new(2 * c, 4 * c, device),
            up2: ConvPair::new(4 * c + 2 * c, 2 * c, device),
            up1: ConvPair::new(2 * c + c, c, device),
            head: Conv2dConfig::new([c, self.num_classes], [1, 1]).init(device),
        }
    }
}

impl CompactUnet {
    /// Per-pixel class logits.
    ///
    /// # Panics
    ///
    /// If height or width is not divisible by 4.
    pub fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        let [_, _, height, width] = input.dims();
        assert!(
            height.is_multiple_of(4) && width.is_multiple_of(4),
            "CompactUnet needs height and width divisible by 4, got {height}×{width}"
        );
        let pool = |x: Tensor<4>| max_pool2d(x, MaxPoolOptions::new([2, 2]));
        let upsample = |x: Tensor<4>| {
            let options = InterpolateOptions::new(InterpolateMode::Nearest);
            interpolate(x, options.with_scale_factor([2.0, 2.0]))
        };

        let full = self.down1.forward(input);
        let half = self.down2.forward(pool(full.clone()));
        let quarter = self.bottom.forward(pool(half.clone()));

        let half = self
            .up2
            .forward(Tensor::cat(vec![upsample(quarter), half], 1));
        let full = self.up1.forward(Tensor::cat(vec![upsample(half), full], 1));
        self.head.forward(full)
    }
}

/// The trained [`CompactUnet`] behind the [`Segmenter`] interface.
#[derive(Debug)]
pub struct CompactSegmenter {
    network: CompactUnet,
    class_names: Vec<String>,
    input_size: [usize; 2],
    identity: String,
}

/// The weights shipped with the crate, trained on the scene world at 64×64
/// by `modedrop segmenter train configs/segmenter.toml`.
pub const SHIPPED_WEIGHTS: &[u8] = include_bytes!("../../weights/compact-scenes.bpk");

impl CompactSegmenter {
    /// Wraps a network (switched to inference mode) as a segmenter.
    ///
    /// `weights_digest` identifies the weights; it becomes part of
    /// [`Segmenter::identity`].
    pub fn new(
        network: &CompactUnet,
        class_names: Vec<String>,
        input_size: [usize; 2],
        weights_digest: &str,
    ) -> Self {
        Self {
            network: network.valid(),
            class_names,
            input_size,
            identity: format!("compact-unet:{weights_digest}"),
        }
    }

    /// The segmenter with the weights shipped in the crate, for 64×64 scenes.
    ///
    /// # Panics
    ///
    /// If the shipped weights do not fit the network; a test guards this.
    pub fn shipped(device: &Device) -> Self {
        Self::from_bytes(SHIPPED_WEIGHTS, Path::new("<shipped weights>"), device)
            .expect("the shipped compact segmenter weights load")
    }

    /// Loads a segmenter for the scene world from a Burnpack weights file.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the file cannot be read, [`Error::Weights`] when its
    /// tensors do not fit the network.
    pub fn from_file(path: &Path, device: &Device) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|source| Error::io(path, source))?;
        Self::from_bytes(&bytes, path, device)
    }

    fn from_bytes(bytes: &[u8], path: &Path, device: &Device) -> Result<Self> {
        let class_names = crate::data::scene_class_names();
        let mut network = CompactUnetConfig::new(class_names.len()).init(device);
        let mut store = BurnpackStore::from_bytes(Some(Bytes::from_elems(bytes.to_vec())));
        let applied = network
            .load_from(&mut store)
            .map_err(|error| Error::Weights {
                path: path.to_path_buf(),
                reason: error.to_string(),
            })?;
        if !applied.is_success() || !applied.missing.is_empty() || !applied.unused.is_empty() {
            return Err(Error::Weights {
                path: path.to_path_buf(),
                reason: format!("{applied}"),
            });
        }
        let digest = crate::digest::short_sha256(bytes);
        Ok(Self::new(&network, class_names, [64, 64], &digest))
    }

    /// The network.
    pub fn network(&self) -> &CompactUnet {
        &self.network
    }
}

impl Segmenter for CompactSegmenter {
    fn class_names(&self) -> &[String] {
        &self.class_names
    }

    fn identity(&self) -> String {
        self.identity.clone()
    }

    fn input_size(&self) -> [usize; 2] {
        self.input_size
    }

    fn segment(&self, batch: &ImageBatch) -> Result<Tensor<3, Int>> {
        let logits = self.network.forward(batch.images.clone());
        Ok(logits.argmax(1).squeeze_dim(1))
    }
}

/// Saves network weights in Burnpack format to `path`, atomically.
///
/// # Errors
///
/// [`Error::Weights`] when the weights cannot be serialised, [`Error::Io`]
/// when the file cannot be written.
pub fn save_weights(network: &CompactUnet, path: &Path) -> Result<()> {
    let mut store = BurnpackStore::from_bytes(None);
    network
        .save_into(&mut store)
        .map_err(|error| Error::Weights {
            path: path.to_path_buf(),
            reason: error.to_string(),
        })?;
    let bytes = store.get_bytes().map_err(|error| Error::Weights {
        path: path.to_path_buf(),
        reason: error.to_string(),
    })?;
    crate::io::write_atomic(path, &bytes)
}
