//! A stand-in generator that renders scenes of the built-in world.

use burn::prelude::*;

use super::Sampler;
use crate::data::batch::HostBatch;
use crate::data::scene::{SceneWorld, Variant};
use crate::error::Result;
use crate::segment::ImageBatch;

/// A stand-in generator that renders scenes of the built-in world, with
/// their ground-truth labels: with the `real` variant it is a perfect
/// generator; with `no-person` it is a generator known to drop persons.
///
/// Each latent row is hashed to a scene seed, so fixed latents give fixed
/// scenes and different rows give different scenes.
#[derive(Debug, Clone)]
pub struct SceneSampler {
    world: SceneWorld,
    latent_dim: usize,
}

impl SceneSampler {
    /// Renders `[size, size]` scenes of `variant` for latents of
    /// `latent_dim`.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Config`] for an unusable size.
    pub fn new(variant: Variant, size: u32, latent_dim: usize) -> Result<Self> {
        Ok(Self {
            world: SceneWorld::new(size, size, variant)?,
            latent_dim,
        })
    }
}

/// FNV-1a over the bytes of a latent row: a few lines, stable across
/// platforms and crate versions, and good enough to spread seeds.
fn seed_of(row: &[f32]) -> u64 {
    row.iter()
        .flat_map(|value| value.to_bits().to_le_bytes())
        .fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
            (hash ^ byte as u64).wrapping_mul(0x0000_0100_0000_01b3)
        })
}

impl Sampler for SceneSampler {
    fn latent_dim(&self) -> usize {
        self.latent_dim
    }

    fn sample(&self, latent: Tensor<2>) -> ImageBatch {
        let device = latent.device();
        let values: Vec<f32> = latent
            .into_data()
            .try_into_vec_as::<f32>()
            .expect("latents convert to f32");
        let (height, width) = (self.world.height() as usize, self.world.width() as usize);
        let mut batch = HostBatch::new(height, width, true);
        for row in values.chunks(self.latent_dim) {
            let scene = self.world.render(seed_of(row));
            batch.rgb.extend_from_slice(&scene.rgb);
            if let Some(labels) = batch.labels.as_mut() {
                labels.extend_from_slice(&scene.labels);
            }
        }
        batch.to_device(&device)
    }
}
