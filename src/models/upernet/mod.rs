//! Unified Perceptual Parsing's UPerNet on a ResNet-50, as released by CSAIL
//! (`upp-resnet50-upernet`: `encoder_epoch_40.pth`, `decoder_epoch_40.pth`,
//! `labels.json`), the segmenter that measures class areas on real-world
//! images such as LSUN bedrooms and churches.
//!
//! The network labels every pixel with one of 336 object classes (plus 26
//! materials, 427 object parts and one of 365 scene classes per image). It
//! runs in four steps:
//!
//! 1. [`preprocess`]: RGB in [-1, 1] becomes BGR in 0..255 minus the channel
//!    means.
//! 2. The encoder, a ResNet with a three-convolution stem, produces maps at
//!    strides 4, 8, 16 and 32 ([`ResnetEncoder`]).
//! 3. The decoder pools the stride-32 map at four scales with precise RoI
//!    pooling ([`prroi_pool`]), builds a feature pyramid down to stride 4,
//!    fuses its levels and classifies ([`UperNetDecoder`]).
//! 4. The object logits are resized to the input resolution and the argmax
//!    is the class map ([`UperNetSegmenter`]).
//!
//! The checkpoints are read with Burn's PyTorch store; widths, block counts
//! and class counts come from the tensor shapes, and a key that is missing
//! or left over is an error that lists it. Parity with a PyTorch reference
//! is tested on a small random checkpoint made by
//! `scripts/make_upernet_fixtures.py`.

mod blocks;
mod checkpoint;
mod decoder;
mod encoder;
mod labels;
mod network;
mod prroi;
mod segmenter;

pub use blocks::{ConvNorm, resize_bilinear};
pub use checkpoint::{IGNORED_SUFFIXES, expected_decoder_keys, expected_encoder_keys};
pub use decoder::{
    ClassifierHead, DecoderWidths, HeadClasses, POOL_SCALES, UperNetDecoder, UperNetOutput,
};
pub use encoder::{BOTTLENECK_EXPANSION, Bottleneck, ResnetEncoder};
pub use labels::{PartGroup, UperNetLabels};
pub use network::{UperNet, UperNetConfig};
pub use prroi::{prroi_axis_weights, prroi_pool};
pub use segmenter::{
    BGR_MEAN, DECODER_FILE, ENCODER_FILE, LABELS_FILE, RELEASE_NAME, RELEASE_SOURCE,
    UperNetSegmenter, preprocess,
};
