//! Scoring a segmenter against ground truth: pixel accuracy and mean
//! intersection-over-union.
//!
//! Pixel accuracy is the share of pixels whose predicted class is right.
//! For each class, IoU = |predicted ∩ true| / |predicted ∪ true| over all
//! pixels of all images; mean IoU averages it over the classes that occur in
//! the ground truth or the predictions.

use burn::prelude::*;
use serde::{Deserialize, Serialize};

use super::Segmenter;
use crate::data::source::ImageSource;
use crate::error::{Error, Result};

/// How well a segmenter matches ground truth.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SegmentationScore {
    /// Images scored.
    pub images: usize,
    /// Share of pixels classified correctly, in [0, 1].
    pub pixel_accuracy: f64,
    /// Mean of the per-class IoU over classes present in truth or prediction.
    pub mean_iou: f64,
    /// IoU per class, `None` for a class absent from both.
    pub class_iou: Vec<Option<f64>>,
}

/// Accumulates a confusion matrix (rows: truth, columns: prediction).
#[derive(Debug, Clone)]
struct Confusion {
    num_classes: usize,
    counts: Vec<u64>,
}

impl Confusion {
    fn new(num_classes: usize) -> Self {
        Self {
            num_classes,
            counts: vec![0; num_classes * num_classes],
        }
    }

    fn add(&mut self, truth: &[i64], prediction: &[i64]) {
        for (&t, &p) in truth.iter().zip(prediction) {
            self.counts[t as usize * self.num_classes + p as usize] += 1;
        }
    }

    fn score(&self, images: usize) -> SegmentationScore {
        let n = self.num_classes;
        let total: u64 = self.counts.iter().sum();
        let correct: u64 = (0..n).map(|c| self.counts[c * n + c]).sum();
        let class_iou: Vec<Option<f64>> = (0..n)
            .map(|c| {
                let truth: u64 = (0..n).map(|p| self.counts[c * n + p]).sum();
                let predicted: u64 = (0..n).map(|t| self.counts[t * n + c]).sum();
                let intersection = self.counts[c * n + c];
                let union = truth + predicted - intersection;
                (union > 0).then(|| intersection as f64 / union as f64)
            })
            .collect();
        let present: Vec<f64> = class_iou.iter().flatten().copied().collect();
        SegmentationScore {
            images,
            pixel_accuracy: correct as f64 / total.max(1) as f64,
            mean_iou: present.iter().sum::<f64>() / present.len().max(1) as f64,
            class_iou,
        }
    }
}

/// Scores `segmenter` on every image of a labelled `source`.
///
/// # Errors
///
/// [`Error::Unsupported`] when the source has no labels; loading and
/// segmenter errors.
pub fn evaluate_segmenter(
    segmenter: &dyn Segmenter,
    source: &dyn ImageSource,
    device: &Device,
    batch_size: usize,
) -> Result<SegmentationScore> {
    let mut confusion = Confusion::new(segmenter.num_classes());
    let size = segmenter.input_size();
    let mut start = 0;
    while start < source.len() {
        let end = (start + batch_size.max(1)).min(source.len());
        let batch = source.load(start..end, size)?.batch.to_device(device);
        let prediction = segmenter.segment(&batch)?;
        let truth = batch.labels.ok_or_else(|| {
            Error::Unsupported(format!(
                "{} has no ground-truth labels",
                source.description()
            ))
        })?;
        confusion.add(&int_values(truth), &int_values(prediction));
        start = end;
    }
    Ok(confusion.score(source.len()))
}

fn int_values(tensor: Tensor<3, Int>) -> Vec<i64> {
    tensor
        .into_data()
        .try_into_vec_as::<i64>()
        .expect("an int tensor converts to i64")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_of_a_known_confusion() {
        // Truth 0,0,1,1 predicted 0,1,1,1: accuracy 3/4; IoU(0) = 1/2,
        // IoU(1) = 2/3, class 2 absent from both.
        let mut confusion = Confusion::new(3);
        confusion.add(&[0, 0, 1, 1], &[0, 1, 1, 1]);
        let score = confusion.score(1);
        assert_eq!(score.pixel_accuracy, 0.75);
        assert_eq!(score.class_iou, vec![Some(0.5), Some(2.0 / 3.0), None]);
        assert!((score.mean_iou - (0.5 + 2.0 / 3.0) / 2.0).abs() < 1e-12);
    }
}
