use burn::prelude::*;

use crate::error::Result;

/// A batch of images on the device, with ground-truth labels when the source
/// knows them.
///
/// # Shapes
///
/// - `images`: `[batch_size, 3, height, width]`, RGB in [-1, 1].
/// - `labels`: `[batch_size, height, width]`, class indices.
#[derive(Debug, Clone)]
pub struct ImageBatch {
    /// The images, RGB in [-1, 1].
    pub images: Tensor<4>,
    /// Per-pixel ground truth, when the source has it (the scene world does).
    pub labels: Option<Tensor<3, Int>>,
}

impl ImageBatch {
    /// The number of images in the batch.
    pub fn len(&self) -> usize {
        self.images.dims()[0]
    }

    /// Whether the batch holds no image.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Maps images to per-pixel class indices over a fixed vocabulary.
///
/// Any model can serve as a segmenter: the compact network trained on the
/// scene world, the ground-truth oracle, or a large pretrained parser. The
/// statistics keep the segmenter's [`identity`](Segmenter::identity), so two
/// statistics files made by different segmenters are never compared.
pub trait Segmenter: Send + Sync {
    /// The class names, indexed by class.
    fn class_names(&self) -> &[String];

    /// A string that identifies this segmenter and its weights, such as
    /// `compact-unet:sha256:1f2e…`. Two segmenters with the same identity must
    /// produce the same class maps.
    fn identity(&self) -> String;

    /// The image size `[height, width]` the segmenter expects. Image folders
    /// are resized and centre-cropped to it.
    fn input_size(&self) -> [usize; 2];

    /// Segments a batch.
    ///
    /// # Shapes
    ///
    /// - input: `[batch_size, 3, height, width]` in [-1, 1]
    /// - output: `[batch_size, height, width]`, values in `0..num_classes`
    ///
    /// # Errors
    ///
    /// When the batch lacks what this segmenter needs (the oracle needs
    /// ground-truth labels).
    fn segment(&self, batch: &ImageBatch) -> Result<Tensor<3, Int>>;

    /// The number of classes.
    fn num_classes(&self) -> usize {
        self.class_names().len()
    }
}
