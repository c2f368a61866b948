//! Generators: the models whose output modedrop analyses.
//!
//! A generator is exposed layer by layer ([`Generator`]), since the
//! instance-level analysis inverts its early layers. [`Sampler`] is the
//! smaller interface the monitor needs: latent vectors in, images out. This
//! module also holds a DCGAN sized for the scene world, its losses
//! (non-saturating and WGAN-GP) and a training step.

mod base;
pub mod dcgan;
pub mod loss;
pub mod scene;
pub mod source;
pub mod train;

pub use base::{Generator, Sampler};
pub use scene::SceneSampler;
pub use source::{GeneratorChoice, GeneratorSource};
