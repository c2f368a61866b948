//! Host-side image batches and their conversion to and from device tensors.

use burn::prelude::*;

use crate::segment::ImageBatch;

/// Images held in host memory, 8-bit RGB, before they go to the device.
///
/// `rgb` is row-major `[count, height, width, 3]`; `labels`, when present,
/// is row-major `[count, height, width]` class indices.
#[derive(Debug, Clone, Default)]
pub struct HostBatch {
    /// Image height in pixels.
    pub height: usize,
    /// Image width in pixels.
    pub width: usize,
    /// The pixels of all images, one after the other.
    pub rgb: Vec<u8>,
    /// Ground-truth class indices, when the source knows them.
    pub labels: Option<Vec<u8>>,
}

impl HostBatch {
    /// An empty batch of images of `[height, width]`, with room for labels
    /// when `with_labels`.
    pub fn new(height: usize, width: usize, with_labels: bool) -> Self {
        Self {
            height,
            width,
            rgb: Vec::new(),
            labels: with_labels.then(Vec::new),
        }
    }

    /// The number of images.
    pub fn len(&self) -> usize {
        self.rgb.len() / (self.height * self.width * 3).max(1)
    }

    /// Whether the batch holds no image.
    pub fn is_empty(&self) -> bool {
        self.rgb.is_empty()
    }

    /// Moves the batch to `device`: RGB scaled from 0..=255 to [-1, 1] and
    /// laid out channels-first.
    ///
    /// # Shapes
    ///
    /// - images: `[batch_size, 3, height, width]`
    /// - labels: `[batch_size, height, width]`
    pub fn to_device(&self, device: &Device) -> ImageBatch {
        let count = self.len();
        let pixels: Vec<f32> = self.rgb.iter().map(|&v| v as f32 / 127.5 - 1.0).collect();
        let data = TensorData::new(pixels, [count, self.height, self.width, 3]);
        // [batch_size, height, width, 3] -> [batch_size, 3, height, width]
        let images = Tensor::<4>::from_data(data, device).permute([0, 3, 1, 2]);

        let labels = self.labels.as_ref().map(|labels| {
            let values: Vec<i64> = labels.iter().map(|&v| v as i64).collect();
            let data = TensorData::new(values, [count, self.height, self.width]);
            Tensor::<3, Int>::from_data(data, device)
        });
        ImageBatch { images, labels }
    }
}

/// Converts a device batch of images in [-1, 1] back to 8-bit RGB, row-major
/// `[batch_size, height, width, 3]`. Values outside [-1, 1] are clamped.
///
/// # Shapes
///
/// - images: `[batch_size, 3, height, width]`
pub fn images_to_rgb(images: Tensor<4>) -> Vec<u8> {
    // [batch_size, 3, height, width] -> [batch_size, height, width, 3]
    let pixels = images
        .permute([0, 2, 3, 1])
        .clamp(-1.0, 1.0)
        .add_scalar(1.0)
        .mul_scalar(127.5);
    let values: Vec<f32> = pixels
        .into_data()
        .try_into_vec_as::<f32>()
        .unwrap_or_default();
    values.iter().map(|&v| v.round() as u8).collect()
}
