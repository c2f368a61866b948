//! Precise RoI pooling (PrRoIPool) of a whole feature map, the pooling the
//! released UPerNet uses in its pyramid pooling module instead of adaptive
//! average pooling.
//!
//! PrRoIPool treats the map as a continuous surface: the bilinear
//! interpolant `f(y, x) = sum_ij v_ij hat(y - i) hat(x - j)` of the samples
//! `v_ij`, which sit at integer coordinates, with `hat(t) = max(0, 1 - |t|)`
//! and every sample outside the map taken as zero. An output bin is the
//! integral of `f` over the bin divided by the bin's area. The decoder pools
//! the region `[0, height] × [0, width]` (spatial scale 1), cut into `n × n`
//! equal bins of `height / n` by `width / n`. That region ends one unit past
//! the last sample, so the last half cell integrates the last row's hat as
//! it falls to zero: a constant map of value `c` pools to
//! `c (1 - 1 / (2 height)) (1 - 1 / (2 width))`, not to `c`.
//!
//! Because the interpolant is a sum of products of one-dimensional hats, the
//! integral separates by axis:
//!
//! ```text
//! pooled = A_h · V · A_wᵀ,   A_s[p, i] = (1 / b) ∫ over [p b, (p + 1) b] of hat(t - i) dt,  b = s / n
//! ```
//!
//! so the pooling is two small matrix products per map, with the weights
//! computed once on the host in `f64`.

use burn::prelude::*;

/// `∫` from minus infinity to `t` of `hat(u) du`: 0 below -1, 1 above 1, and
/// the two quadratic pieces in between.
fn hat_antiderivative(t: f64) -> f64 {
    if t <= -1.0 {
        0.0
    } else if t <= 0.0 {
        0.5 * (t + 1.0) * (t + 1.0)
    } else if t <= 1.0 {
        1.0 - 0.5 * (1.0 - t) * (1.0 - t)
    } else {
        1.0
    }
}

/// The pooling weights along one axis of `size` samples cut into `bins`
/// equal bins covering `[0, size]`: row-major `[bins, size]`, entry `(p, i)`
/// the mean over bin `p` of sample `i`'s hat function.
///
/// # Panics
///
/// If `size` or `bins` is zero.
pub fn prroi_axis_weights(size: usize, bins: usize) -> Vec<f64> {
    assert!(
        size > 0 && bins > 0,
        "PrRoI pooling needs a non-empty axis and at least one bin, got size {size}, bins {bins}"
    );
    let bin_length = size as f64 / bins as f64;
    let mut weights = Vec::with_capacity(bins * size);
    for bin in 0..bins {
        let start = bin as f64 * bin_length;
        let end = start + bin_length;
        for sample in 0..size {
            let centre = sample as f64;
            let integral = hat_antiderivative(end - centre) - hat_antiderivative(start - centre);
            weights.push(integral / bin_length);
        }
    }
    weights
}

fn axis_matrix(size: usize, bins: usize, device: &Device) -> Tensor<2> {
    let weights: Vec<f32> = prroi_axis_weights(size, bins)
        .into_iter()
        .map(|weight| weight as f32)
        .collect();
    Tensor::from_data(TensorData::new(weights, [bins, size]), device)
}

/// Precise RoI pooling of the whole of each map into `bins × bins` cells.
///
/// # Shapes
///
/// - input: `[batch_size, channels, height, width]`
/// - output: `[batch_size, channels, bins, bins]`
///
/// # Panics
///
/// If the map is empty or `bins` is zero.
pub fn prroi_pool(input: Tensor<4>, bins: usize) -> Tensor<4> {
    let [batch_size, channels, height, width] = input.dims();
    let device = input.device();
    let rows = axis_matrix(height, bins, &device);
    let columns = axis_matrix(width, bins, &device);

    let x = input
        .reshape([batch_size * channels * height, width])
        .matmul(columns.transpose());
    // [batch_size, channels, bins (columns), height]
    let x = x
        .reshape([batch_size, channels, height, bins])
        .swap_dims(2, 3)
        .reshape([batch_size * channels * bins, height]);
    let x = x.matmul(rows.transpose());
    // [batch_size, channels, bins (rows), bins (columns)]
    x.reshape([batch_size, channels, bins, bins])
        .swap_dims(2, 3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_map_loses_the_half_cell_past_the_last_sample() {
        let device = Device::default();
        let value = 2.0_f32;
        let input = Tensor::<4>::full([1, 1, 4, 5], value, &device);
        let pooled: Vec<f32> = prroi_pool(input, 1).into_data().try_to_vec().unwrap();
        let expected = value as f64 * (1.0 - 1.0 / 8.0) * (1.0 - 1.0 / 10.0);
        assert!(
            (pooled[0] as f64 - expected).abs() < 1e-6,
            "{pooled:?} vs {expected}"
        );
    }

    #[test]
    fn axis_weights_by_hand_for_two_samples_in_two_bins() {
        // size 2, bins 2: bin 0 = [0, 1], bin 1 = [1, 2].
        // Sample 0's hat on [0, 1] integrates to 1/2; on [1, 2] it is zero.
        // Sample 1's hat on [0, 1] integrates to 1/2; on [1, 2] also 1/2.
        let weights = prroi_axis_weights(2, 2);
        let expected = [0.5, 0.5, 0.0, 0.5];
        for (weight, expected) in weights.iter().zip(expected) {
            assert!((weight - expected).abs() < 1e-12, "{weights:?}");
        }
    }

    #[test]
    fn interior_bins_average_to_one_and_more_bins_than_samples_interpolate() {
        // A bin that lies within [0, size - 1] sees hats that sum to one.
        let weights = prroi_axis_weights(8, 4);
        for bin in 0..3 {
            let sum: f64 = weights[bin * 8..(bin + 1) * 8].iter().sum();
            assert!((sum - 1.0).abs() < 1e-12, "bin {bin}: {sum}");
        }
        // Six bins over two samples: bin [1/3, 2/3] sees the hats of samples
        // 0 and 1 at their mean, 1 - 1/2 = 1/2 each.
        let weights = prroi_axis_weights(2, 6);
        assert!((weights[2] - 0.5).abs() < 1e-12 && (weights[3] - 0.5).abs() < 1e-12);
    }

    #[test]
    fn separable_pooling_matches_a_direct_sum_on_a_ramp() {
        // v_ij = i + 10 j on a 3×4 map; two bins per axis. The direct value
        // of each bin is sum_ij v_ij a_h[p, i] a_w[q, j].
        let device = Device::default();
        let (height, width, bins) = (3, 4, 2);
        let values: Vec<f32> = (0..height * width)
            .map(|k| ((k / width) + 10 * (k % width)) as f32)
            .collect();
        let input = Tensor::<4>::from_data(TensorData::new(values, [1, 1, height, width]), &device);
        let pooled: Vec<f32> = prroi_pool(input, bins).into_data().try_to_vec().unwrap();
        let a_h = prroi_axis_weights(height, bins);
        let a_w = prroi_axis_weights(width, bins);
        for p in 0..bins {
            for q in 0..bins {
                let mut direct = 0.0;
                for i in 0..height {
                    for j in 0..width {
                        let v = (i + 10 * j) as f64;
                        direct += v * a_h[p * height + i] * a_w[q * width + j];
                    }
                }
                let got = pooled[p * bins + q] as f64;
                assert!(
                    (got - direct).abs() < 1e-4,
                    "bin ({p}, {q}): {got} vs {direct}"
                );
            }
        }
    }
}
