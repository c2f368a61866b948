//! The released UPerNet behind the [`Segmenter`] interface: images in,
//! object class maps out.

use std::path::Path;

use burn::prelude::*;

use super::blocks::resize_bilinear;
use super::labels::UperNetLabels;
use super::network::{UperNet, UperNetConfig};
use crate::error::{Error, Result};
use crate::segment::{ImageBatch, Segmenter};

/// The folder name of the release.
pub const RELEASE_NAME: &str = "upp-resnet50-upernet";
/// The encoder checkpoint of the release.
pub const ENCODER_FILE: &str = "encoder_epoch_40.pth";
/// The decoder checkpoint of the release.
pub const DECODER_FILE: &str = "decoder_epoch_40.pth";
/// The class vocabulary of the release.
pub const LABELS_FILE: &str = "labels.json";
/// Where the release can be obtained.
pub const RELEASE_SOURCE: &str = "the CSAIL unified perceptual parsing release (CSAILVision/\
    unifiedparsing, as packaged for GAN Dissection: \
    http://netdissect.csail.mit.edu/data/segmodel/upp-resnet50-upernet/)";

/// The per-channel means, in BGR order on the 0..255 scale, that the
/// network's inputs have subtracted.
pub const BGR_MEAN: [f32; 3] = [102.9801, 115.9465, 122.7717];

/// The input convention of the released network: RGB in [-1, 1] becomes
/// `255 (x + 1) / 2`, the channels are reversed to BGR, and the means
/// [`BGR_MEAN`] are subtracted (no division by a standard deviation).
///
/// # Shapes
///
/// - input: `[batch_size, 3, height, width]`, RGB in [-1, 1]
/// - output: `[batch_size, 3, height, width]`, BGR, mean-subtracted
pub fn preprocess(images: Tensor<4>) -> Tensor<4> {
    let device = images.device();
    let mean = Tensor::<1>::from_data(TensorData::new(BGR_MEAN.to_vec(), [3]), &device);
    images.add_scalar(1.0).mul_scalar(127.5).flip([1]) - mean.reshape([1, 3, 1, 1])
}

/// A file of the release that must exist, with what it is for the message.
fn require_file(path: &Path, what: &str) -> Result<()> {
    if path.is_file() {
        return Ok(());
    }
    let message = format!(
        "not found; the UPerNet segmenter needs {what} `{}` from the `{RELEASE_NAME}` folder of \
         {RELEASE_SOURCE}",
        path.file_name().map_or_else(
            || path.display().to_string(),
            |name| { name.to_string_lossy().into_owned() }
        ),
    );
    Err(Error::io(
        path,
        std::io::Error::new(std::io::ErrorKind::NotFound, message),
    ))
}

fn file_digest(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|source| Error::io(path, source))?;
    Ok(crate::digest::short_sha256(&bytes))
}

/// The unified-parsing UPerNet as a [`Segmenter`] over its object classes.
///
/// A pixel's class is the argmax of the object head's logits after they are
/// resized (bilinear) from a quarter of the input resolution to the input
/// resolution, as the reference inference does before its softmax.
#[derive(Debug)]
pub struct UperNetSegmenter {
    network: UperNet,
    config: UperNetConfig,
    labels: UperNetLabels,
    input_size: [usize; 2],
    weights_digest: String,
}

impl UperNetSegmenter {
    /// The default input size, `[height, width]`.
    pub const DEFAULT_INPUT_SIZE: [usize; 2] = [256, 256];

    /// Loads the release from a folder holding [`ENCODER_FILE`],
    /// [`DECODER_FILE`] and [`LABELS_FILE`].
    ///
    /// # Errors
    ///
    /// As [`from_files`](Self::from_files).
    pub fn from_release_dir(dir: &Path, device: &Device) -> Result<Self> {
        Self::from_files(
            &dir.join(ENCODER_FILE),
            &dir.join(DECODER_FILE),
            &dir.join(LABELS_FILE),
            device,
        )
    }

    /// Loads the segmenter from the two checkpoints and the labels file, for
    /// inputs of [`DEFAULT_INPUT_SIZE`](Self::DEFAULT_INPUT_SIZE).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when a file is missing (the message says what it is and
    /// where the release is published) or unreadable; [`Error::Weights`] when
    /// a checkpoint has missing or unexpected keys (listed) or wrong shapes;
    /// [`Error::InvalidFile`] when the labels file is malformed or its class
    /// lists do not match the heads.
    pub fn from_files(
        encoder: &Path,
        decoder: &Path,
        labels: &Path,
        device: &Device,
    ) -> Result<Self> {
        require_file(encoder, "the encoder checkpoint")?;
        require_file(decoder, "the decoder checkpoint")?;
        require_file(labels, "the class list")?;
        let labels = UperNetLabels::from_file(labels)?;
        let (network, config) = UperNet::from_checkpoints(encoder, decoder, device)?;
        labels.check_heads(config.head_classes())?;

        let digests = format!("{}{}", file_digest(encoder)?, file_digest(decoder)?);
        Ok(Self {
            network: network.valid(),
            config,
            labels,
            input_size: Self::DEFAULT_INPUT_SIZE,
            weights_digest: crate::digest::short_sha256(digests.as_bytes()),
        })
    }

    /// The same segmenter for inputs of `input_size` (`[height, width]`).
    ///
    /// # Panics
    ///
    /// If a side is zero.
    pub fn with_input_size(mut self, input_size: [usize; 2]) -> Self {
        assert!(
            input_size.iter().all(|&side| side > 0),
            "the UPerNet input size must be positive, got {input_size:?}"
        );
        self.input_size = input_size;
        self
    }

    /// The network.
    pub fn network(&self) -> &UperNet {
        &self.network
    }

    /// The architecture read from the checkpoints.
    pub fn config(&self) -> &UperNetConfig {
        &self.config
    }

    /// The class names of all heads.
    pub fn labels(&self) -> &UperNetLabels {
        &self.labels
    }

    /// The object logits at the resolution of the images.
    ///
    /// # Shapes
    ///
    /// - input: `[batch_size, 3, height, width]`, RGB in [-1, 1]
    /// - output: `[batch_size, object classes, height, width]`
    pub fn object_logits(&self, images: Tensor<4>) -> Tensor<4> {
        let [_, _, height, width] = images.dims();
        let logits = self.network.forward_object(preprocess(images));
        resize_bilinear(logits, [height, width])
    }
}

impl Segmenter for UperNetSegmenter {
    fn class_names(&self) -> &[String] {
        &self.labels.objects
    }

    /// `upernet-resnet50:<digest of both checkpoints>@<height>x<width>`: the
    /// input size is part of the identity because the class maps depend on it.
    fn identity(&self) -> String {
        let [height, width] = self.input_size;
        format!(
            "upernet-resnet{}:{}@{height}x{width}",
            self.config.depth(),
            self.weights_digest
        )
    }

    fn input_size(&self) -> [usize; 2] {
        self.input_size
    }

    fn segment(&self, batch: &ImageBatch) -> Result<Tensor<3, Int>> {
        let channels = batch.images.dims()[1];
        if channels != 3 {
            return Err(Error::Incompatible(format!(
                "the UPerNet segmenter needs RGB images, got {channels} channels"
            )));
        }
        Ok(self
            .object_logits(batch.images.clone())
            .argmax(1)
            .squeeze_dim(1))
    }
}
