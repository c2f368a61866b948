//! How the shipped compact segmenter reads real scenes under noise.
//!
//! The monitor trusts the segmenter on generated images, which early in
//! training are far noisier than anything the compact segmenter saw while
//! it was trained. This program segments real scenes as they are and with
//! added texture, and prints the mean area of every class under each, so a
//! shift in a GAN's class areas can be weighed against what noise alone
//! does to the segmentation.
//!
//! ```sh
//! cargo run --release --example segmenter_noise -- 400
//! ```
//!
//! The argument is the number of scenes (default 400; about 20 s).

use burn::prelude::*;
use burn::tensor::Distribution;
use modedrop::data::Variant;
use modedrop::data::source::{ImageSource, SceneSource};
use modedrop::segment::{ImageBatch, SegmenterChoice};
use modedrop::stats::AreaMoments;
use modedrop::stats::tally::{class_area_percent, to_host};

const SIZE: usize = 64;
const BATCH_SIZE: usize = 50;
/// Seeds far from those of the segmenter's training data and the monitor's
/// reference.
const FIRST_SEED: u64 = 500_000;

/// The ways an image is disturbed, each a name and a function of the clean
/// images `[batch_size, 3, SIZE, SIZE]` in [-1, 1].
type Disturbance = (&'static str, fn(Tensor<4>) -> Tensor<4>);

const DISTURBANCES: [Disturbance; 4] = [
    ("clean", |images| images),
    ("noise 0.1", |images| with_noise(images, 0.1)),
    ("noise 0.25", |images| with_noise(images, 0.25)),
    ("checker 0.2", checkerboard),
];

/// Adds Gaussian noise of standard deviation `sigma` (images span 2.0).
fn with_noise(images: Tensor<4>, sigma: f64) -> Tensor<4> {
    let noise = Tensor::random(
        images.dims(),
        Distribution::Normal(0.0, sigma),
        &images.device(),
    );
    (images + noise).clamp(-1.0, 1.0)
}

/// Adds a one-pixel checkerboard of amplitude 0.2, the pattern transposed
/// convolutions leave in an untrained generator's images.
fn checkerboard(images: Tensor<4>) -> Tensor<4> {
    let pattern: Vec<f32> = (0..SIZE * SIZE)
        .map(|i| {
            if (i / SIZE + i % SIZE).is_multiple_of(2) {
                0.2
            } else {
                -0.2
            }
        })
        .collect();
    let pattern =
        Tensor::<1>::from_floats(pattern.as_slice(), &images.device()).reshape([1, 1, SIZE, SIZE]);
    (images + pattern).clamp(-1.0, 1.0)
}

fn main() -> modedrop::Result<()> {
    let count: usize = match std::env::args().nth(1) {
        Some(arg) => arg
            .parse()
            .map_err(|_| modedrop::Error::Config(format!("scene count: not a number: {arg}")))?,
        None => 400,
    };
    let device = Device::default();
    device.seed(5);
    let segmenter = SegmenterChoice::Compact.load(&device)?;
    let num_classes = segmenter.num_classes();
    let scenes = SceneSource::new(Variant::real(), FIRST_SEED..FIRST_SEED + count as u64);

    // One accumulator of per-image class areas for each disturbance.
    let mut moments = vec![AreaMoments::new(num_classes); DISTURBANCES.len()];
    for start in (0..count).step_by(BATCH_SIZE) {
        let end = (start + BATCH_SIZE).min(count);
        let clean = scenes
            .load(start..end, [SIZE, SIZE])?
            .batch
            .to_device(&device)
            .images;
        for ((_, disturb), moments) in DISTURBANCES.iter().zip(&mut moments) {
            let batch = ImageBatch {
                images: disturb(clean.clone()),
                labels: None,
            };
            let areas = to_host(class_area_percent(segmenter.segment(&batch)?, num_classes));
            moments.push_rows(&areas, num_classes);
        }
    }

    println!("mean area (percent of image) of {count} real scenes, compact segmenter");
    print!("{:12}", "class");
    for (name, _) in DISTURBANCES {
        print!(" {name:>11}");
    }
    println!();
    for (class, name) in segmenter.class_names().iter().enumerate() {
        print!("{name:12}");
        for moments in &moments {
            print!(" {:>11.2}", moments.mean()[class]);
        }
        println!();
    }
    Ok(())
}
