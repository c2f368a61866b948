use std::ops::Range;

use burn::prelude::*;

use crate::segment::ImageBatch;

/// A generator `G = Gf ∘ g_n ∘ … ∘ g_1`, exposed layer by layer.
///
/// The method's instance-level half inverts the early layers `g_1 … g_n`
/// one at a time and asks what the rest, `Gf`, can draw; this trait gives
/// that access without knowing the architecture. Every layer maps a
/// `[batch_size, channels, height, width]` tensor to the next; the latent
/// vector enters layer 0 viewed as `[batch_size, latent_dim, 1, 1]`.
///
/// Writing `r_k` for the output of the first `k` layers (`r_0 = z`):
/// [`features`](Generator::features) computes `z → r_k` and
/// [`render_from`](Generator::render_from) computes `r_k → x`.
pub trait Generator {
    /// Length of the latent vector `z`.
    fn latent_dim(&self) -> usize;

    /// Number of layers in the decomposition, the output layer included.
    fn num_layers(&self) -> usize;

    /// Runs layer `index` (0-based) alone.
    ///
    /// # Panics
    ///
    /// If `index >= num_layers()` or the input does not fit the layer.
    fn layer(&self, index: usize, input: Tensor<4>) -> Tensor<4>;

    /// Runs the layers in `range` in order.
    fn run_layers(&self, input: Tensor<4>, range: Range<usize>) -> Tensor<4> {
        range.fold(input, |x, index| self.layer(index, x))
    }

    /// `z → r_k`: the output of the first `k` layers.
    ///
    /// # Shapes
    ///
    /// - latent: `[batch_size, latent_dim]`
    fn features(&self, latent: Tensor<2>, k: usize) -> Tensor<4> {
        let [batch_size, latent_dim] = latent.dims();
        self.run_layers(latent.reshape([batch_size, latent_dim, 1, 1]), 0..k)
    }

    /// `r_k → x`: the image drawn by the layers after the first `k`.
    fn render_from(&self, features: Tensor<4>, k: usize) -> Tensor<4> {
        self.run_layers(features, k..self.num_layers())
    }

    /// `z → x`: images `[batch_size, 3, height, width]` in [-1, 1].
    fn generate(&self, latent: Tensor<2>) -> Tensor<4> {
        self.features(latent, self.num_layers())
    }
}

/// Anything that turns latent vectors into images for evaluation: a
/// [`Generator`], or a stand-in such as a scene renderer (which can also
/// provide ground-truth labels).
pub trait Sampler {
    /// Length of the latent vectors it takes.
    fn latent_dim(&self) -> usize;

    /// Draws one image per latent row.
    ///
    /// # Shapes
    ///
    /// - latent: `[batch_size, latent_dim]`
    /// - images: `[batch_size, 3, height, width]` in [-1, 1]
    fn sample(&self, latent: Tensor<2>) -> ImageBatch;
}

impl<G: Generator + ?Sized> Sampler for G {
    fn latent_dim(&self) -> usize {
        Generator::latent_dim(self)
    }

    fn sample(&self, latent: Tensor<2>) -> ImageBatch {
        ImageBatch {
            images: self.generate(latent),
            labels: None,
        }
    }
}
