//! The scene world: renders the scene of a seed in painter's order.

use image::{GrayImage, RgbImage};

use super::background::{Grass, Mountain, Road, Sky};
use super::buildings::{BUILDING_SLOTS, Building};
use super::canvas::Canvas;
use super::classes::{BUILDING, CAR, FENCE, LAMP_POST, MOUNTAIN, NUM_CLASSES, PERSON, ROAD, TREE};
use super::figures::{CAR_SLOTS, Car, PERSON_SLOTS, Person};
use super::layout::{Frame, Keeper};
use super::props::{FENCE_SLOTS, Fence, LAMP_POST_SLOTS, LampPost, TREE_SLOTS, Tree};
use super::variant::Variant;
use crate::error::{Error, Result};

/// A generator of outdoor scenes of one size and one variant.
#[derive(Debug, Clone)]
pub struct SceneWorld {
    height: u32,
    width: u32,
    variant: Variant,
}

impl SceneWorld {
    /// The smallest height or width accepted, in pixels.
    pub const MIN_SIDE: u32 = 16;
    /// The largest height or width accepted, in pixels.
    pub const MAX_SIDE: u32 = 4096;

    /// A world rendering `height` x `width` scenes of `variant`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] if a side is below [`Self::MIN_SIDE`] (too small for
    /// the thin classes to be drawn) or above [`Self::MAX_SIDE`].
    pub fn new(height: u32, width: u32, variant: Variant) -> Result<Self> {
        let valid = Self::MIN_SIDE..=Self::MAX_SIDE;
        if !valid.contains(&height) || !valid.contains(&width) {
            return Err(Error::Config(format!(
                "scene size {height}x{width} pixels: each side must be in {}..={}",
                Self::MIN_SIDE,
                Self::MAX_SIDE
            )));
        }
        Ok(Self {
            height,
            width,
            variant,
        })
    }

    /// The image height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The image width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// The variant drawn.
    pub fn variant(&self) -> &Variant {
        &self.variant
    }

    /// The scene of `seed`. The same seed always gives the same scene, and
    /// the same seed in another variant gives the same scene with the
    /// dropped instances removed.
    pub fn render(&self, seed: u64) -> Scene {
        let (height, width) = (self.height as usize, self.width as usize);
        let frame = Frame::new(height, width, seed);
        let keeper = Keeper {
            variant: &self.variant,
            seed,
        };
        let mut canvas = Canvas::new(height, width);
        let road = paint_background(&mut canvas, &frame, &keeper);
        paint_objects(&mut canvas, &frame, &keeper, road.as_ref());
        Scene {
            height: self.height,
            width: self.width,
            rgb: canvas.rgb,
            labels: canvas.labels,
        }
    }
}

/// Paints sky, mountain, grass and road; returns the real scene's road, on
/// which cars are placed even when the variant drops it.
fn paint_background(canvas: &mut Canvas, frame: &Frame, keeper: &Keeper) -> Option<Road> {
    let seed = keeper.seed;
    Sky::sample(frame, seed).draw(canvas, frame);
    if let Some(mountain) = Mountain::sample(frame, seed)
        && keeper.keeps(MOUNTAIN, &[0])
    {
        mountain.draw(canvas, frame);
    }
    Grass::sample(seed).draw(canvas, frame);
    let road = Road::sample(frame, seed);
    if let Some(road) = &road
        && keeper.keeps(ROAD, &[0])
    {
        road.draw(canvas, frame);
    }
    road
}

/// Paints buildings, trees, fences, cars, lamp posts and persons in that
/// order; within a class, farther instances first.
fn paint_objects(canvas: &mut Canvas, frame: &Frame, keeper: &Keeper, road: Option<&Road>) {
    let seed = keeper.seed;
    let mut buildings = kept(keeper, BUILDING, BUILDING_SLOTS, |slot| {
        Building::sample(frame, seed, slot)
    });
    buildings.sort_by(|a, b| a.bottom().total_cmp(&b.bottom()));
    for building in &buildings {
        building.draw(canvas, frame, keeper);
    }

    let mut trees = kept(keeper, TREE, TREE_SLOTS, |slot| {
        Tree::sample(frame, seed, slot)
    });
    trees.sort_by(|a, b| a.foot.total_cmp(&b.foot));
    trees.iter().for_each(|tree| tree.draw(canvas, frame));

    let mut fences = kept(keeper, FENCE, FENCE_SLOTS, |slot| {
        Fence::sample(frame, seed, slot)
    });
    fences.sort_by(|a, b| a.panel.bottom.total_cmp(&b.panel.bottom));
    fences.iter().for_each(|fence| fence.draw(canvas, frame));

    if let Some(road) = road {
        let mut cars = kept(keeper, CAR, CAR_SLOTS, |slot| {
            Car::sample(frame, seed, slot, road)
        });
        cars.sort_by(|a, b| a.foot.total_cmp(&b.foot));
        cars.iter().for_each(|car| car.draw(canvas, frame));
    }

    let mut lamps = kept(keeper, LAMP_POST, LAMP_POST_SLOTS, |slot| {
        LampPost::sample(frame, seed, slot)
    });
    lamps.sort_by(|a, b| a.foot.total_cmp(&b.foot));
    lamps.iter().for_each(|lamp| lamp.draw(canvas));

    let mut persons = kept(keeper, PERSON, PERSON_SLOTS, |slot| {
        Person::sample(frame, seed, slot)
    });
    persons.sort_by(|a, b| a.foot.total_cmp(&b.foot));
    persons.iter().for_each(|person| person.draw(canvas, frame));
}

/// The instances of `class` in slots `0..slots` that exist in the real scene
/// and that the variant keeps.
fn kept<T>(keeper: &Keeper, class: u8, slots: u64, sample: impl Fn(u64) -> Option<T>) -> Vec<T> {
    (0..slots)
        .filter_map(|slot| sample(slot).filter(|_| keeper.keeps(class, &[slot])))
        .collect()
}

/// One rendered scene: RGB pixels and the class of every pixel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scene {
    /// Height in pixels.
    pub height: u32,
    /// Width in pixels.
    pub width: u32,
    /// Pixels, row-major `[height, width, 3]`, 8-bit RGB.
    pub rgb: Vec<u8>,
    /// Class indices into [`CLASS_NAMES`](super::CLASS_NAMES), row-major
    /// `[height, width]`.
    pub labels: Vec<u8>,
}

impl Scene {
    /// The pixels as an image.
    ///
    /// # Panics
    ///
    /// If `rgb` does not hold `height * width * 3` bytes.
    pub fn to_rgb_image(&self) -> RgbImage {
        RgbImage::from_raw(self.width, self.height, self.rgb.clone())
            .expect("a scene holds height * width * 3 bytes")
    }

    /// The label map as an 8-bit grayscale image whose values are class
    /// indices.
    ///
    /// # Panics
    ///
    /// If `labels` does not hold `height * width` values.
    pub fn to_label_image(&self) -> GrayImage {
        GrayImage::from_raw(self.width, self.height, self.labels.clone())
            .expect("a scene holds height * width labels")
    }

    /// The percentage of pixels of each class, indexed like
    /// [`CLASS_NAMES`](super::CLASS_NAMES); the values sum to 100. This is the
    /// exact ground truth that segmentation statistics estimate.
    ///
    /// # Panics
    ///
    /// If a label is not a class index.
    pub fn class_area_percent(&self) -> Vec<f64> {
        let mut counts = [0u64; NUM_CLASSES];
        for &label in &self.labels {
            counts[label as usize] += 1;
        }
        let total = self.labels.len() as f64;
        counts
            .iter()
            .map(|&count| 100.0 * count as f64 / total)
            .collect()
    }
}
