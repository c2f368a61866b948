//! The scene world's ground truth as a segmenter.

use burn::prelude::*;

use super::{ImageBatch, Segmenter};
use crate::data::scene::CLASS_NAMES;
use crate::error::{Error, Result};

/// The ground-truth segmenter of the scene world: it returns the exact labels
/// that came with each rendered scene.
///
/// It cannot segment images that carry no labels (image folders, generator
/// samples), and says so. Its statistics are the truth against which a
/// trained segmenter is judged, and the reference in tests.
#[derive(Debug, Clone)]
pub struct OracleSegmenter {
    class_names: Vec<String>,
    input_size: [usize; 2],
}

impl OracleSegmenter {
    /// An oracle for scene-world images of `[height, width]` pixels.
    pub fn new(input_size: [usize; 2]) -> Self {
        Self {
            class_names: CLASS_NAMES.iter().map(|name| name.to_string()).collect(),
            input_size,
        }
    }
}

impl Segmenter for OracleSegmenter {
    fn class_names(&self) -> &[String] {
        &self.class_names
    }

    fn identity(&self) -> String {
        "scene-oracle".to_string()
    }

    fn input_size(&self) -> [usize; 2] {
        self.input_size
    }

    fn segment(&self, batch: &ImageBatch) -> Result<Tensor<3, Int>> {
        batch.labels.clone().ok_or_else(|| {
            Error::Unsupported(
                "the oracle segmenter needs ground-truth labels, which only the scene world \
                 provides; use the compact segmenter for other images"
                    .to_string(),
            )
        })
    }
}
