//! The models of the method's published analysis, in Burn, loading their
//! public PyTorch checkpoints: the Progressive GAN and WGAN-GP generators it
//! examines, the VGG16 features of its perceptual loss, and the Unified
//! Perceptual Parsing segmenter (UPerNet) whose object classes feed the
//! statistics.
//!
//! Each loader reads layer widths from the checkpoint and refuses a file
//! whose keys do not match the architecture exactly, listing the missing and
//! unexpected keys: a half-loaded model would give plausible wrong numbers.

mod checkpoint;
pub mod progan;
pub mod upernet;
pub mod vgg;
pub mod wgan;
