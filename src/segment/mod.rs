//! Semantic segmenters: models that label every pixel of an image with an
//! object class.
//!
//! The statistics are only as good as the segmenter, so this module holds
//! the [`Segmenter`] interface, the ground-truth [`OracleSegmenter`] of the
//! scene world, and a [`CompactSegmenter`]: a small U-Net trained on the
//! scene world, with weights shipped in the crate and scored against ground
//! truth by [`evaluate_segmenter`].

mod base;
pub mod compact;
pub mod evaluate;
pub mod oracle;
mod select;
pub mod train;

pub use base::{ImageBatch, Segmenter};
pub use compact::{CompactSegmenter, CompactUnet, CompactUnetConfig};
pub use evaluate::{SegmentationScore, evaluate_segmenter};
pub use oracle::OracleSegmenter;
pub use select::SegmenterChoice;
pub use train::{SegmenterTraining, train_segmenter};
