#![warn(missing_docs)]
//! # modedrop
//!
//! See which kinds of objects a generative adversarial network (GAN) leaves
//! out of its images, while it trains.
//!
//! A semantic segmenter labels every pixel of many real and many generated
//! images with an object class. For each image, the share of its pixels in
//! each class (percent of image area) forms one vector. Comparing those
//! vectors between real and generated images shows which classes the
//! generator draws too rarely ("dropped") or too often, and one number
//! summarises the gap: the Fréchet Segmentation Distance,
//!
//! ```text
//! FSD = |mu_r - mu_g|^2 + Tr(S_r + S_g - 2 (S_r S_g)^(1/2))
//! ```
//!
//! with `mu` and `S` the mean and covariance of the area vectors. Comparing
//! two halves of the real data against each other gives the noise floor that
//! any real difference must clear.
//!
//! ## Layout
//!
//! - [`data`]: image sources: the built-in scene world (procedural outdoor
//!   scenes with exact labels), image folders, batching.
//! - [`segment`]: the [`Segmenter`](segment::Segmenter) interface, the
//!   ground-truth oracle and a compact trained segmenter.
//! - [`stats`]: per-image class areas, streaming moments, statistics files,
//!   the Fréchet distance and the per-class comparison.
//! - [`report`]: terminal tables, JSON, PNG figures and TensorBoard logs.
//! - [`generate`]: the layer-by-layer [`Generator`](generate::Generator)
//!   interface, a DCGAN for the scene world, its losses and training step.
//! - [`monitor`]: [`ModeDropMonitor`](monitor::ModeDropMonitor), which runs
//!   the analysis every N training steps and tracks per-class drift.
//! - [`config`]: experiment files (TOML).
//!
//! ## Conventions
//!
//! - Images enter every model as `[batch_size, 3, height, width]` RGB in
//!   [-1, 1]; class maps are `[batch_size, height, width]`.
//! - Areas are percent of image pixels (0 to 100), so FSD values are on the
//!   same scale as published ones.
//! - Moments, covariances and matrix square roots are computed in `f64`.
//! - The device decides the backend: Flex (pure Rust CPU) by default; CUDA,
//!   LibTorch and wgpu with the `cuda`, `tch` and `wgpu` features.

pub mod config;
pub mod data;
pub mod digest;
pub mod error;
pub mod generate;
pub mod io;
pub mod models;
pub mod monitor;
pub mod report;
pub mod segment;
pub mod stats;

pub use error::{Error, Result};
