//! Streaming first and second moments of per-image class-area vectors.
//!
//! Each image contributes one vector `x` of length `num_classes`: the share of its pixels
//! that the segmenter assigned to each class, in percent of the image area (`area_percent`,
//! 0 to 100, summing to 100 over the classes). [`AreaMoments`] keeps, over all images seen:
//!
//! - the count `n`,
//! - the mean vector `mean = (1/n) sum x`,
//! - the co-moment matrix `C = sum (x - mean)(x - mean)^T`, from which the unbiased
//!   covariance is `C / (n - 1)`,
//! - for each class, the number of images in which it covers a non-zero area.
//!
//! Vectors are folded in one at a time with Welford's update, which never subtracts two
//! large sums and so stays accurate over millions of images. Two accumulators built over
//! disjoint sets of images merge exactly with the pairwise formula of Chan, Golub and
//! LeVeque: `C = C_a + C_b + (mean_b - mean_a)(mean_b - mean_a)^T n_a n_b / n`. This lets
//! workers tally shards independently. Everything is held in `f64`.

use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Running count, mean, co-moment matrix and presence counts of class-area vectors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AreaMoments {
    /// Length of every area vector.
    num_classes: usize,
    /// Number of images folded in.
    count: u64,
    /// Mean area per class, in percent of image area.
    mean_area_percent: Vec<f64>,
    /// Sum of outer products of deviations from the mean, row-major
    /// `[num_classes, num_classes]`, in squared percent.
    comoment: Vec<f64>,
    /// Per class, the number of images in which its area is greater than zero.
    presence_count: Vec<u64>,
}

impl AreaMoments {
    /// An empty accumulator for vectors of `num_classes` class areas.
    pub fn new(num_classes: usize) -> Self {
        Self {
            num_classes,
            count: 0,
            mean_area_percent: vec![0.0; num_classes],
            comoment: vec![0.0; num_classes * num_classes],
            presence_count: vec![0; num_classes],
        }
    }

    /// Folds in the class areas of one image, in percent of the image area.
    ///
    /// # Panics
    ///
    /// If `area_percent.len()` differs from [`num_classes`](Self::num_classes), or if a value
    /// is not finite: either is a bug in the caller, and a single NaN would silently poison
    /// every statistic computed afterwards.
    pub fn push(&mut self, area_percent: &[f64]) {
        assert_eq!(
            area_percent.len(),
            self.num_classes,
            "area vector length: expected {} classes, got {}",
            self.num_classes,
            area_percent.len()
        );
        if let Some(bad) = area_percent.iter().position(|value| !value.is_finite()) {
            panic!("area of class {bad} is not finite: {}", area_percent[bad]);
        }

        self.count += 1;
        let n = self.count as f64;
        let delta: Vec<f64> = area_percent
            .iter()
            .zip(&self.mean_area_percent)
            .map(|(value, mean)| value - mean)
            .collect();
        for (mean, d) in self.mean_area_percent.iter_mut().zip(&delta) {
            *mean += d / n;
        }

        // (x - old mean)(x - new mean)^T equals delta delta^T (n - 1) / n; the symmetric form
        // keeps the matrix exactly symmetric.
        let weight = (n - 1.0) / n;
        add_scaled_outer(&mut self.comoment, &delta, weight);

        for (present, value) in self.presence_count.iter_mut().zip(area_percent) {
            if *value > 0.0 {
                *present += 1;
            }
        }
    }

    /// Folds in a block of images given as rows of class areas in percent.
    ///
    /// # Shapes
    ///
    /// `rows`: row-major `[batch_size, num_classes]`.
    ///
    /// # Panics
    ///
    /// If `num_classes` differs from this accumulator's, if `rows.len()` is not a multiple of
    /// `num_classes`, or if a value is not finite.
    pub fn push_rows(&mut self, rows: &[f32], num_classes: usize) {
        assert_eq!(
            num_classes, self.num_classes,
            "area rows: expected {} classes, got {}",
            self.num_classes, num_classes
        );
        if num_classes == 0 {
            assert!(rows.is_empty(), "area rows given for zero classes");
            return;
        }
        assert_eq!(
            rows.len() % num_classes,
            0,
            "area rows: {} values is not a whole number of rows of {} classes",
            rows.len(),
            num_classes
        );

        let mut row = vec![0.0; num_classes];
        for chunk in rows.chunks_exact(num_classes) {
            for (target, value) in row.iter_mut().zip(chunk) {
                *target = f64::from(*value);
            }
            self.push(&row);
        }
    }

    /// Adds the images summarised by `other`, as if they had been pushed here one by one.
    ///
    /// # Panics
    ///
    /// If `other` has a different number of classes.
    pub fn merge(&mut self, other: &AreaMoments) {
        assert_eq!(
            other.num_classes, self.num_classes,
            "merging area moments: expected {} classes, got {}",
            self.num_classes, other.num_classes
        );
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = other.clone();
            return;
        }

        let n_a = self.count as f64;
        let n_b = other.count as f64;
        let n = n_a + n_b;
        let delta: Vec<f64> = other
            .mean_area_percent
            .iter()
            .zip(&self.mean_area_percent)
            .map(|(b, a)| b - a)
            .collect();

        for (mean, d) in self.mean_area_percent.iter_mut().zip(&delta) {
            *mean += d * n_b / n;
        }
        for (c, c_other) in self.comoment.iter_mut().zip(&other.comoment) {
            *c += c_other;
        }
        add_scaled_outer(&mut self.comoment, &delta, n_a * n_b / n);
        for (present, present_other) in self.presence_count.iter_mut().zip(&other.presence_count) {
            *present += present_other;
        }
        self.count += other.count;
    }

    /// Number of images folded in.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Length of every area vector.
    pub fn num_classes(&self) -> usize {
        self.num_classes
    }

    /// Mean area per class, in percent of image area; all zeros when no image was pushed.
    pub fn mean(&self) -> &[f64] {
        &self.mean_area_percent
    }

    /// Unbiased variance of the area of `class` across images, in squared percent.
    ///
    /// # Errors
    ///
    /// [`Error::NotEnoughSamples`] with fewer than two images.
    ///
    /// # Panics
    ///
    /// If `class` is not below [`num_classes`](Self::num_classes).
    pub fn variance(&self, class: usize) -> Result<f64> {
        assert!(
            class < self.num_classes,
            "class {class} out of range for {} classes",
            self.num_classes
        );
        let denominator = self.unbiased_denominator("a class-area variance")?;
        Ok(self.comoment[class * self.num_classes + class] / denominator)
    }

    /// Unbiased covariance matrix of the class areas, `C / (n - 1)`, in squared percent.
    ///
    /// # Shapes
    ///
    /// Returns `[num_classes, num_classes]`.
    ///
    /// # Errors
    ///
    /// [`Error::NotEnoughSamples`] with fewer than two images.
    pub fn covariance(&self) -> Result<DMatrix<f64>> {
        let denominator = self.unbiased_denominator("a class-area covariance")?;
        let k = self.num_classes;
        Ok(DMatrix::from_row_slice(k, k, &self.comoment) / denominator)
    }

    /// Fraction (0 to 1) of images in which `class` covers a non-zero area; 0 when no image
    /// was pushed.
    ///
    /// # Panics
    ///
    /// If `class` is not below [`num_classes`](Self::num_classes).
    pub fn presence_fraction(&self, class: usize) -> f64 {
        assert!(
            class < self.num_classes,
            "class {class} out of range for {} classes",
            self.num_classes
        );
        if self.count == 0 {
            return 0.0;
        }
        self.presence_count[class] as f64 / self.count as f64
    }

    /// Describes the first way in which deserialized moments contradict themselves (vector
    /// lengths, counts, non-finite values), or `None` when they are consistent.
    pub(crate) fn find_inconsistency(&self) -> Option<String> {
        let k = self.num_classes;
        if self.mean_area_percent.len() != k {
            return Some(format!(
                "{} mean values for {k} classes",
                self.mean_area_percent.len()
            ));
        }
        if self.comoment.len() != k * k {
            return Some(format!(
                "{} co-moment values for {k} classes (expected {})",
                self.comoment.len(),
                k * k
            ));
        }
        if self.presence_count.len() != k {
            return Some(format!(
                "{} presence counts for {k} classes",
                self.presence_count.len()
            ));
        }
        if let Some(class) = self.presence_count.iter().position(|&p| p > self.count) {
            return Some(format!(
                "class {class} present in {} images out of {}",
                self.presence_count[class], self.count
            ));
        }
        let all_finite = self
            .mean_area_percent
            .iter()
            .chain(&self.comoment)
            .all(|v| v.is_finite());
        (!all_finite).then(|| "non-finite mean or co-moment values".to_string())
    }

    /// `n - 1` as a float, or an error when there are fewer than two images.
    fn unbiased_denominator(&self, what: &'static str) -> Result<f64> {
        if self.count < 2 {
            return Err(Error::NotEnoughSamples {
                what,
                needed: 2,
                got: self.count,
            });
        }
        Ok((self.count - 1) as f64)
    }
}

/// Adds `weight * v v^T` to the row-major square matrix `matrix`.
fn add_scaled_outer(matrix: &mut [f64], v: &[f64], weight: f64) {
    let k = v.len();
    for (i, vi) in v.iter().enumerate() {
        let scaled = vi * weight;
        for (entry, vj) in matrix[i * k..(i + 1) * k].iter_mut().zip(v) {
            *entry += scaled * vj;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    /// Random area vectors in percent, with class 0 never present.
    fn random_rows(num_images: usize, num_classes: usize, seed: u64) -> Vec<Vec<f64>> {
        let mut rng = StdRng::seed_from_u64(seed);
        (0..num_images)
            .map(|_| {
                let mut row: Vec<f64> = (0..num_classes)
                    .map(|class| {
                        if class == 0 {
                            0.0
                        } else {
                            rng.random::<f64>().powi(3)
                        }
                    })
                    .collect();
                let sum: f64 = row.iter().sum();
                row.iter_mut().for_each(|v| *v *= 100.0 / sum);
                row
            })
            .collect()
    }

    fn accumulate(rows: &[Vec<f64>], num_classes: usize) -> AreaMoments {
        let mut moments = AreaMoments::new(num_classes);
        rows.iter().for_each(|row| moments.push(row));
        moments
    }

    fn assert_close(a: &AreaMoments, b: &AreaMoments, tolerance: f64) {
        assert_eq!(a.count, b.count);
        assert_eq!(a.presence_count, b.presence_count);
        for (x, y) in a.mean_area_percent.iter().zip(&b.mean_area_percent) {
            assert!(
                (x - y).abs() <= tolerance * y.abs().max(1.0),
                "mean {x} vs {y}"
            );
        }
        for (x, y) in a.comoment.iter().zip(&b.comoment) {
            assert!(
                (x - y).abs() <= tolerance * y.abs().max(1.0),
                "co-moment {x} vs {y}"
            );
        }
    }

    #[test]
    fn merged_shards_equal_one_pass_over_all_images() {
        let rows = random_rows(500, 7, 11);
        let whole = accumulate(&rows, 7);
        for splits in [
            vec![1],
            vec![250],
            vec![3, 100, 101, 400],
            vec![499],
            vec![0, 0, 17],
        ] {
            let mut bounds = vec![0];
            bounds.extend(&splits);
            bounds.push(rows.len());
            let mut merged = AreaMoments::new(7);
            for pair in bounds.windows(2) {
                merged.merge(&accumulate(&rows[pair[0]..pair[1]], 7));
            }
            assert_close(&merged, &whole, 1e-12);
        }
    }

    #[test]
    fn mean_and_covariance_match_two_pass_computation() {
        let rows = random_rows(200, 5, 3);
        let moments = accumulate(&rows, 5);
        let n = rows.len() as f64;

        let mean: Vec<f64> = (0..5)
            .map(|c| rows.iter().map(|r| r[c]).sum::<f64>() / n)
            .collect();
        let covariance = moments.covariance().unwrap();
        for i in 0..5 {
            assert!((moments.mean()[i] - mean[i]).abs() < 1e-12 * mean[i].max(1.0));
            for j in 0..5 {
                let direct: f64 = rows
                    .iter()
                    .map(|r| (r[i] - mean[i]) * (r[j] - mean[j]))
                    .sum::<f64>()
                    / (n - 1.0);
                assert!((covariance[(i, j)] - direct).abs() < 1e-10 * direct.abs().max(1.0));
            }
            assert_eq!(moments.variance(i).unwrap(), covariance[(i, i)]);
        }
        assert_eq!(moments.presence_fraction(0), 0.0);
        assert_eq!(moments.presence_fraction(1), 1.0);
    }

    #[test]
    fn push_rows_matches_push() {
        let rows: Vec<f32> = vec![50.0, 50.0, 0.0, 25.0, 25.0, 50.0, 0.0, 0.0, 100.0];
        let mut by_block = AreaMoments::new(3);
        by_block.push_rows(&rows, 3);
        let mut by_row = AreaMoments::new(3);
        for chunk in rows.chunks(3) {
            by_row.push(&chunk.iter().map(|&v| f64::from(v)).collect::<Vec<_>>());
        }
        assert_eq!(by_block, by_row);
        assert_eq!(by_block.mean(), &[25.0, 25.0, 50.0]);
        // Class 0 areas 50, 25, 0: mean 25, squared deviations 625 + 0 + 625, over n - 1 = 2.
        assert_eq!(by_block.variance(0).unwrap(), 625.0);
        assert!((by_block.presence_fraction(2) - 2.0 / 3.0).abs() < 1e-15);
    }

    #[test]
    fn fewer_than_two_images_is_an_error() {
        let mut moments = AreaMoments::new(2);
        assert!(matches!(
            moments.covariance(),
            Err(Error::NotEnoughSamples {
                needed: 2,
                got: 0,
                ..
            })
        ));
        moments.push(&[40.0, 60.0]);
        assert!(matches!(
            moments.variance(1),
            Err(Error::NotEnoughSamples {
                needed: 2,
                got: 1,
                ..
            })
        ));
        moments.push(&[60.0, 40.0]);
        assert_eq!(moments.variance(1).unwrap(), 200.0);
    }

    #[test]
    #[should_panic(expected = "expected 3 classes, got 2")]
    fn wrong_vector_length_panics_with_both_lengths() {
        AreaMoments::new(3).push(&[50.0, 50.0]);
    }

    #[test]
    #[should_panic(expected = "expected 3 classes, got 4")]
    fn merging_different_dimensions_panics() {
        AreaMoments::new(3).merge(&AreaMoments::new(4));
    }

    #[test]
    fn inconsistency_is_reported() {
        let mut moments = AreaMoments::new(2);
        assert_eq!(moments.find_inconsistency(), None);
        moments.comoment.pop();
        assert!(moments.find_inconsistency().unwrap().contains("co-moment"));
    }
}
