//! A hand-written Burn GAN training loop with the mode-drop monitor attached.
//!
//! The GAN part is ordinary Burn: a DCGAN learns the built-in scene world
//! with two Adam optimisers. The monitor part is three lines: build a
//! `ModeDropMonitor`, then call `on_step` once per step; every
//! `every_steps` steps it samples the generator from fixed latents, segments
//! the samples and logs which classes fall short of the real data.
//!
//! ```sh
//! cargo run --release --example gan_loop -- out/gan-loop
//! ```
//!
//! Output, in the folder given: `history.jsonl`, TensorBoard events
//! (`tensorboard --logdir out/gan-loop`) and a sample grid per evaluation
//! under `samples/`. About three minutes on two cores once built.

use std::path::PathBuf;

use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use burn::tensor::Distribution;
use modedrop::data::Variant;
use modedrop::data::source::{ImageSource, SceneSource};
use modedrop::generate::Generator;
use modedrop::generate::dcgan::{DcganDiscriminatorConfig, DcganGeneratorConfig};
use modedrop::generate::loss::{GanLoss, discriminator_loss, generator_loss};
use modedrop::monitor::{ModeDropMonitor, MonitorConfig};
use rand::SeedableRng;

const STEPS: u64 = 200;
const BATCH_SIZE: usize = 32;
const LATENT_DIM: usize = 64;
const LEARNING_RATE: f64 = 2e-4;

fn main() -> modedrop::Result<()> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let out: PathBuf = std::env::args()
        .nth(1)
        .unwrap_or("out/gan-loop".into())
        .into();
    let device = Device::default();
    let train_device = device.clone().autodiff();
    train_device.seed(1);

    let mut generator = DcganGeneratorConfig::new()
        .with_latent_dim(LATENT_DIM)
        .init(&train_device);
    let mut discriminator = DcganDiscriminatorConfig::new().init(&train_device);
    let mut generator_optimizer = AdamConfig::new().with_beta_1(0.5).init();
    let mut discriminator_optimizer = AdamConfig::new().with_beta_1(0.5).init();
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let loss = GanLoss::NonSaturating;

    // The monitor computes (or loads from its cache) real reference
    // statistics once, here.
    let config = MonitorConfig {
        every_steps: 50,
        samples: 200,
        ..MonitorConfig::default()
    };
    let mut monitor = ModeDropMonitor::new(config, &out, &device)?;

    for step in 1..=STEPS {
        let first_seed = 1_000_000 + step * BATCH_SIZE as u64;
        let scenes = SceneSource::new(Variant::real(), first_seed..first_seed + BATCH_SIZE as u64);
        let real = scenes
            .load(0..BATCH_SIZE, [64, 64])?
            .batch
            .to_device(&train_device)
            .images;
        let latent = Tensor::<2>::random(
            [BATCH_SIZE, LATENT_DIM],
            Distribution::Normal(0.0, 1.0),
            &train_device,
        );

        // Discriminator: real against detached generated images.
        let fake = generator.generate(latent.clone()).detach();
        let d_loss = discriminator_loss(&discriminator, real, fake, &loss, &mut rng).total;
        let gradients = GradientsParams::from_grads(d_loss.backward(), &discriminator);
        discriminator = discriminator_optimizer.step(LEARNING_RATE, discriminator, gradients);

        // Generator: fool the updated discriminator.
        let g_loss = generator_loss(&discriminator, generator.generate(latent), &loss);
        let gradients = GradientsParams::from_grads(g_loss.backward(), &generator);
        generator = generator_optimizer.step(LEARNING_RATE, generator, gradients);

        // The monitor: returns at once unless an evaluation is due.
        if let Some(evaluation) = monitor.on_step(step, || generator.valid())? {
            let fsd = evaluation.fsd.map_or(f64::NAN, |fsd| fsd.total);
            log::info!(
                "step {step}: FSD {fsd:.1}, in alarm: {:?}",
                monitor.alarms()
            );
        }
    }
    Ok(())
}
