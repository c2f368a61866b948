//! Per-image class areas, counted on the device.
//!
//! For each image the tally counts how many pixels fall in each class and
//! divides by the image's pixel count: area percent = 100 × pixels / (height
//! × width). Only the `[batch_size, num_classes]` result leaves the device.

use burn::prelude::*;
use burn::tensor::IndexingUpdateOp;

/// The share of each image's pixels in each class, in percent of image area.
///
/// # Shapes
///
/// - class_map: `[batch_size, height, width]`, values in `0..num_classes`
/// - output: `[batch_size, num_classes]`; each row sums to 100
pub fn class_area_percent(class_map: Tensor<3, Int>, num_classes: usize) -> Tensor<2> {
    let [batch_size, height, width] = class_map.dims();
    let pixels = height * width;
    let device = class_map.device();

    // Scatter-add one per pixel into its class column: the memory stays at
    // [batch_size, pixels] where a one-hot tally would need num_classes times
    // that (336 classes at 256² would be gigabytes).
    let flat = class_map.reshape([batch_size, pixels]);
    let ones = Tensor::<2>::ones([batch_size, pixels], &device);
    let counts = Tensor::<2>::zeros([batch_size, num_classes], &device).scatter(
        1,
        flat,
        ones,
        IndexingUpdateOp::Add,
    );
    counts.mul_scalar(100.0 / pixels as f64)
}

/// Copies a `[batch_size, num_classes]` tally to the host, row-major.
pub fn to_host(area_percent: Tensor<2>) -> Vec<f32> {
    area_percent
        .into_data()
        .try_into_vec_as::<f32>()
        .expect("a float tensor converts to f32")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tally_counts_each_class_share() {
        let device = Device::default();
        // Image 0: classes 0,0,1,2; image 1: all class 2.
        let map = Tensor::<3, Int>::from_data([[[0, 0], [1, 2]], [[2, 2], [2, 2]]], &device);
        let areas = to_host(class_area_percent(map, 4));
        assert_eq!(areas, vec![50.0, 25.0, 25.0, 0.0, 0.0, 0.0, 100.0, 0.0]);
    }
}
