//! The adversarial losses the scene-world GAN can be trained with.
//!
//! Two objectives are offered; both are minimised, one by the discriminator `D` and one by the
//! generator, and `D(x)` is the logit the discriminator gives image `x`:
//!
//! - **Non-saturating** (DCGAN's): the discriminator minimises
//!   `softplus(-D(real)) + softplus(D(fake))`, the binary cross-entropy of calling real images
//!   real and generated ones fake; the generator minimises `softplus(-D(fake))`, the
//!   cross-entropy of its images being called real. Both are averaged over the batch.
//! - **WGAN-GP** (Gulrajani et al.): the critic minimises
//!   `D(fake) - D(real) + λ (‖∇_x D(x̂)‖₂ - 1)²`, where `x̂ = ε real + (1 - ε) fake` with
//!   `ε ~ U(0, 1)` drawn per image, so the critic stays close to 1-Lipschitz on the lines
//!   between real and generated images; the generator minimises `-D(fake)`.
//!
//! The gradient `∇_x D(x̂)` comes from [`DcganDiscriminator::input_gradient`], an explicit
//! backward pass, because Burn's autodiff cannot differentiate a gradient.

use burn::prelude::*;
use burn::tensor::activation::softplus;
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::generate::dcgan::DcganDiscriminator;

/// Added under the square root of the squared gradient norm so that its derivative stays finite
/// for a zero gradient; far below any norm that matters.
const NORM_EPSILON: f64 = 1e-12;

fn default_penalty_weight() -> f64 {
    10.0
}

/// Which adversarial objective to train with; see the [module documentation](self).
///
/// In TOML: `loss = { kind = "non_saturating" }` or
/// `loss = { kind = "wgan_gp", penalty_weight = 10.0 }`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum GanLoss {
    /// DCGAN's binary cross-entropy, with the generator's non-saturating form.
    #[default]
    NonSaturating,
    /// Wasserstein loss with a gradient penalty.
    WganGp {
        /// The weight λ of the gradient penalty (10 in the paper).
        #[serde(default = "default_penalty_weight")]
        penalty_weight: f64,
    },
}

/// The discriminator's loss and its parts, as tensors of shape `[1]`.
#[derive(Debug, Clone)]
pub struct DiscriminatorLoss {
    /// What the discriminator minimises: the adversarial term plus the weighted penalty.
    pub total: Tensor<1>,
    /// The adversarial term alone.
    pub adversarial: Tensor<1>,
    /// WGAN-GP only: the unweighted penalty, the batch mean of `(‖∇_x D(x̂)‖₂ - 1)²`.
    pub penalty: Option<Tensor<1>>,
}

/// The discriminator's loss on one batch of real and one of generated images.
///
/// `rng` draws the interpolation fractions `ε` of WGAN-GP and is not used by the
/// non-saturating loss. Pass `fake` detached when only the discriminator is to be updated.
///
/// # Shapes
///
/// - real: `[batch_size, 3, height, width]`
/// - fake: `[batch_size, 3, height, width]`; for WGAN-GP the same batch size as `real`
///
/// # Panics
///
/// For WGAN-GP, if `real` and `fake` differ in shape.
pub fn discriminator_loss(
    discriminator: &DcganDiscriminator,
    real: Tensor<4>,
    fake: Tensor<4>,
    loss: &GanLoss,
    rng: &mut impl Rng,
) -> DiscriminatorLoss {
    match *loss {
        GanLoss::NonSaturating => {
            let real_term = softplus(discriminator.forward(real).neg(), 1.0).mean();
            let fake_term = softplus(discriminator.forward(fake), 1.0).mean();
            let adversarial = real_term + fake_term;
            DiscriminatorLoss {
                total: adversarial.clone(),
                adversarial,
                penalty: None,
            }
        }
        GanLoss::WganGp { penalty_weight } => {
            let interpolated = interpolate(real.clone(), fake.clone(), rng);
            let penalty = gradient_penalty(discriminator, interpolated);
            let adversarial =
                discriminator.forward(fake).mean() - discriminator.forward(real).mean();
            DiscriminatorLoss {
                total: adversarial.clone() + penalty.clone().mul_scalar(penalty_weight),
                adversarial,
                penalty: Some(penalty),
            }
        }
    }
}

/// The generator's loss on a batch of its images (not detached, so that it reaches the
/// generator's weights).
///
/// # Shapes
///
/// - fake: `[batch_size, 3, height, width]`
/// - output: `[1]`
pub fn generator_loss(
    discriminator: &DcganDiscriminator,
    fake: Tensor<4>,
    loss: &GanLoss,
) -> Tensor<1> {
    let logits = discriminator.forward(fake);
    match loss {
        GanLoss::NonSaturating => softplus(logits.neg(), 1.0).mean(),
        GanLoss::WganGp { .. } => logits.mean().neg(),
    }
}

/// `ε real + (1 - ε) fake` with one `ε ~ U(0, 1)` per image, drawn from `rng`.
///
/// # Panics
///
/// If `real` and `fake` differ in shape.
pub fn interpolate(real: Tensor<4>, fake: Tensor<4>, rng: &mut impl Rng) -> Tensor<4> {
    assert_eq!(
        real.dims(),
        fake.dims(),
        "real and generated batches must have the same shape"
    );
    let batch_size = real.dims()[0];
    let fractions: Vec<f32> = (0..batch_size).map(|_| rng.random::<f32>()).collect();
    // [batch_size, 1, 1, 1], broadcast over channels and pixels
    let real_fraction: Tensor<4> = Tensor::from_data(
        TensorData::new(fractions, [batch_size, 1, 1, 1]),
        &real.device(),
    );
    let fake_fraction = real_fraction.clone().neg().add_scalar(1.0);
    real * real_fraction + fake * fake_fraction
}

/// The batch mean of `(‖∇_x D(x)‖₂ - 1)²`, the norm taken over each image's channels and
/// pixels. Differentiable with respect to the discriminator's weights.
///
/// # Shapes
///
/// - input: `[batch_size, 3, height, width]`
/// - output: `[1]`
pub fn gradient_penalty(discriminator: &DcganDiscriminator, input: Tensor<4>) -> Tensor<1> {
    let batch_size = input.dims()[0];
    let gradient = discriminator.input_gradient(input);
    // [batch_size, 1, 1, 1] -> [batch_size]
    let squared_norm = gradient
        .powi_scalar(2)
        .sum_dim(1)
        .sum_dim(2)
        .sum_dim(3)
        .reshape([batch_size]);
    let norm = squared_norm.add_scalar(NORM_EPSILON).sqrt();
    norm.sub_scalar(1.0).powi_scalar(2).mean()
}

#[cfg(test)]
mod tests {
    use burn::optim::{AdamConfig, GradientsParams};
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use burn::nn::Initializer;
    use burn::tensor::Distribution;

    use super::*;
    use crate::generate::dcgan::DcganDiscriminatorConfig;

    fn scalar(x: Tensor<1>) -> f64 {
        x.into_scalar::<f32>() as f64
    }

    /// Evaluates both losses on random images and returns the logits they were built from, so
    /// that the tests can recompute the losses by hand.
    fn logits_and_losses(loss: GanLoss) -> (Vec<f64>, Vec<f64>, DiscriminatorLoss, f64) {
        let device = Device::default();
        let discriminator = DcganDiscriminatorConfig::new()
            .with_base_channels(2)
            .with_image_size(8)
            .init(&device);
        let real = Tensor::random([3, 3, 8, 8], Distribution::Default, &device);
        let fake = Tensor::random([3, 3, 8, 8], Distribution::Default, &device);
        let logits = |x: &Tensor<4>| -> Vec<f64> {
            let values = discriminator.forward(x.clone()).into_data();
            values
                .try_to_vec::<f32>()
                .unwrap()
                .into_iter()
                .map(f64::from)
                .collect()
        };
        let (real_logits, fake_logits) = (logits(&real), logits(&fake));
        let mut rng = StdRng::seed_from_u64(1);
        let d_loss = discriminator_loss(&discriminator, real, fake.clone(), &loss, &mut rng);
        let g_loss = scalar(generator_loss(&discriminator, fake, &loss));
        (real_logits, fake_logits, d_loss, g_loss)
    }

    fn softplus_f64(x: f64) -> f64 {
        x.exp().ln_1p()
    }

    fn mean(values: impl Iterator<Item = f64>) -> f64 {
        let values: Vec<f64> = values.collect();
        values.iter().sum::<f64>() / values.len() as f64
    }

    #[test]
    fn non_saturating_losses_match_hand_computation() {
        let (real, fake, d_loss, g_loss) = logits_and_losses(GanLoss::NonSaturating);
        let expected_d = mean(real.iter().map(|r| softplus_f64(-r)))
            + mean(fake.iter().map(|f| softplus_f64(*f)));
        let expected_g = mean(fake.iter().map(|f| softplus_f64(-f)));
        assert!(d_loss.penalty.is_none());
        assert!((scalar(d_loss.total) - expected_d).abs() < 1e-5);
        assert!((g_loss - expected_g).abs() < 1e-5);
        // Logits near zero at initialisation: both losses are close to ln 2 per term.
        assert!((expected_g - 2f64.ln()).abs() < 0.1, "{expected_g}");
    }

    #[test]
    fn gradient_penalty_matches_autodiff_gradient_norms() {
        let device = Device::default().autodiff();
        // Weights large enough that the gradient norms are of order 1, not DCGAN's ≈ 0.
        let discriminator = DcganDiscriminatorConfig::new()
            .with_base_channels(4)
            .with_image_size(8)
            .init_with(
                Initializer::Normal {
                    mean: 0.0,
                    std: 0.3,
                },
                &device,
            );
        let images = Tensor::random([3, 3, 8, 8], Distribution::Default, &device).require_grad();

        let grads = discriminator.forward(images.clone()).sum().backward();
        let gradient = images.grad(&grads).unwrap().into_data();
        let gradient = gradient.try_to_vec::<f32>().unwrap();
        let norms: Vec<f64> = gradient
            .chunks(3 * 8 * 8)
            .map(|g| g.iter().map(|&v| (v as f64).powi(2)).sum::<f64>().sqrt())
            .collect();
        assert!(norms.iter().all(|&n| n > 0.1), "{norms:?}");
        let expected = mean(norms.iter().map(|n| (n - 1.0).powi(2)));

        let penalty = scalar(gradient_penalty(&discriminator, images));
        assert!(
            (penalty - expected).abs() <= 1e-4 * expected.max(1.0),
            "{penalty} vs {expected}"
        );
    }

    #[test]
    fn wgan_losses_match_hand_computation() {
        let loss = GanLoss::WganGp {
            penalty_weight: 10.0,
        };
        let (real, fake, d_loss, g_loss) = logits_and_losses(loss);
        let expected_adversarial = mean(fake.iter().copied()) - mean(real.iter().copied());
        let penalty = scalar(d_loss.penalty.unwrap());
        assert!((scalar(d_loss.adversarial) - expected_adversarial).abs() < 1e-5);
        assert!((scalar(d_loss.total) - expected_adversarial - 10.0 * penalty).abs() < 1e-4);
        assert!((g_loss + mean(fake.iter().copied())).abs() < 1e-5);
        // At DCGAN initialisation the critic is nearly flat: ‖∇D‖ ≈ 0, so the penalty is ≈ 1.
        assert!((penalty - 1.0).abs() < 0.1, "{penalty}");
    }

    #[test]
    fn interpolation_stays_on_the_segment() {
        let device = Device::default();
        let real = Tensor::<4>::ones([4, 3, 2, 2], &device);
        let fake = Tensor::<4>::zeros([4, 3, 2, 2], &device);
        let mixed = interpolate(real, fake, &mut StdRng::seed_from_u64(3));
        let values = mixed.into_data().try_to_vec::<f32>().unwrap();
        for image in values.chunks(12) {
            // With real = 1 and fake = 0 every pixel equals ε, the same within an image.
            assert!(
                image
                    .iter()
                    .all(|&v| v == image[0] && (0.0..1.0).contains(&v))
            );
        }
        assert!(values[0] != values[12], "ε should differ between images");
    }

    #[test]
    fn optimising_the_penalty_alone_reduces_it() {
        let device = Device::default().autodiff();
        device.seed(7);
        let mut discriminator = DcganDiscriminatorConfig::new()
            .with_base_channels(4)
            .with_image_size(8)
            .init(&device);
        let images = Tensor::random([4, 3, 8, 8], Distribution::Default, &device);
        let mut optimizer = AdamConfig::new().init();

        let first = scalar(gradient_penalty(&discriminator, images.clone()));
        for _ in 0..20 {
            let penalty = gradient_penalty(&discriminator, images.clone());
            let grads = GradientsParams::from_grads(penalty.backward(), &discriminator);
            discriminator = optimizer.step(1e-2, discriminator, grads);
        }
        let last = scalar(gradient_penalty(&discriminator, images));
        assert!(last < 0.5 * first, "penalty {first} -> {last}");
    }
}
