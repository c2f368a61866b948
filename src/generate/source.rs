//! A generator as an image source: the samples of a trained generator,
//! analysed like any folder of images.
//!
//! Image `i` comes from the latent vector drawn with the seed
//! `(seed, i)`, so any range of images is reproducible on its own, whatever
//! the batch size.

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;
use std::str::FromStr;

use burn::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;

use super::Generator;
use crate::data::HostBatch;
use crate::data::batch::images_to_rgb;
use crate::data::folder::fit;
use crate::data::source::{ImageSource, Loaded};
use crate::error::{Error, Result};
use crate::models::progan::ProGan;
use crate::models::wgan::WganGp;

/// A generator named on the command line or in an experiment file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GeneratorChoice {
    /// `progan:PATH`: a converted Progressive GAN checkpoint.
    ProGan(PathBuf),
    /// `wgan:PATH`: the WGAN-GP 128×128 bedroom generator checkpoint.
    WganGp(PathBuf),
}

impl GeneratorChoice {
    /// Loads the generator on `device`.
    ///
    /// # Errors
    ///
    /// A missing checkpoint (the message says what file is expected and
    /// where it is published) or one that does not fit the architecture.
    pub fn load(&self, device: &Device) -> Result<Box<dyn Generator>> {
        Ok(match self {
            GeneratorChoice::ProGan(path) => Box::new(ProGan::from_pytorch(path, device)?),
            GeneratorChoice::WganGp(path) => Box::new(WganGp::from_pytorch(path, device)?),
        })
    }
}

impl FromStr for GeneratorChoice {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        match text.split_once(':') {
            Some(("progan", path)) if !path.is_empty() => Ok(GeneratorChoice::ProGan(path.into())),
            Some(("wgan", path)) if !path.is_empty() => Ok(GeneratorChoice::WganGp(path.into())),
            _ => Err(Error::Config(format!(
                "unknown generator {text:?}: expected progan:PATH or wgan:PATH"
            ))),
        }
    }
}

impl fmt::Display for GeneratorChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GeneratorChoice::ProGan(path) => write!(f, "progan:{}", path.display()),
            GeneratorChoice::WganGp(path) => write!(f, "wgan:{}", path.display()),
        }
    }
}

/// `count` samples of a generator, image `i` drawn from the latent seeded
/// by `(seed, i)`; images are fitted to the size asked for (scaled and
/// centre-cropped) when the generator draws another size.
pub struct GeneratorSource {
    generator: Box<dyn Generator>,
    description: String,
    count: usize,
    seed: u64,
    device: Device,
}

impl GeneratorSource {
    /// Samples of `generator` (described as `description` in statistics
    /// files), computed on `device`.
    pub fn new(
        generator: Box<dyn Generator>,
        description: String,
        count: usize,
        seed: u64,
        device: &Device,
    ) -> Self {
        Self {
            generator,
            description,
            count,
            seed,
            device: device.clone(),
        }
    }

    fn latents(&self, range: Range<usize>) -> Tensor<2> {
        let latent_dim = self.generator.latent_dim();
        let count = range.len();
        let mut values = Vec::with_capacity(count * latent_dim);
        for index in range {
            // SplitMix64's increment spreads neighbouring indices.
            let key = self.seed ^ (index as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            let mut rng = StdRng::seed_from_u64(key);
            values.extend((0..latent_dim).map(|_| rng.sample::<f32, _>(StandardNormal)));
        }
        Tensor::from_data(TensorData::new(values, [count, latent_dim]), &self.device)
    }
}

impl ImageSource for GeneratorSource {
    fn description(&self) -> String {
        format!(
            "{} samples of {}, latent seed {}",
            self.count, self.description, self.seed
        )
    }

    fn len(&self) -> usize {
        self.count
    }

    fn load(&self, range: Range<usize>, size: [usize; 2]) -> Result<Loaded> {
        let images = self.generator.generate(self.latents(range));
        let [count, _, height, width] = images.dims();
        let rgb = images_to_rgb(images);
        let mut batch = HostBatch::new(size[0], size[1], false);
        if [height, width] == size {
            batch.rgb = rgb;
        } else {
            for image in rgb.chunks(height * width * 3).take(count) {
                let image = image::RgbImage::from_raw(width as u32, height as u32, image.to_vec())
                    .expect("the buffer holds one image");
                batch.rgb.extend_from_slice(fit(&image, size).as_raw());
            }
        }
        Ok(Loaded {
            batch,
            skipped: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_parse_and_print_back() {
        for text in ["progan:church.pth", "wgan:/m/wgangp.pth"] {
            assert_eq!(text.parse::<GeneratorChoice>().unwrap().to_string(), text);
        }
        assert!("stylegan:x".parse::<GeneratorChoice>().is_err());
    }

    #[test]
    fn samples_of_the_fixture_progan_are_reproducible_per_index() {
        let device = Device::default();
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/models/progan.pth");
        let load = || GeneratorChoice::ProGan(path.clone()).load(&device).unwrap();
        let source = GeneratorSource::new(load(), "fixture".into(), 3, 5, &device);
        let all = source.load(0..3, [64, 64]).unwrap().batch;
        let last = source.load(2..3, [64, 64]).unwrap().batch;
        assert_eq!(all.len(), 3);
        assert_eq!(&all.rgb[2 * 64 * 64 * 3..], &last.rgb[..]);
        assert_ne!(
            &all.rgb[..64 * 64 * 3],
            &all.rgb[64 * 64 * 3..2 * 64 * 64 * 3]
        );
    }

    #[test]
    fn missing_checkpoint_says_where_to_get_it() {
        let choice: GeneratorChoice = "progan:/nonexistent/church.pth".parse().unwrap();
        let error = choice.load(&Device::default()).err().unwrap().to_string();
        assert!(error.contains("/nonexistent/church.pth"), "{error}");
    }
}
