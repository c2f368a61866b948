//! The scene world: procedural outdoor scenes with exact per-pixel labels.
//!
//! No dataset or pretrained weight can be downloaded, so modedrop ships a
//! world whose ground truth is known. Each `u64` seed gives one RGB scene and
//! its label map, at any size: sky over a horizon, maybe a mountain ridge,
//! grass, a road, buildings with windows and doors, trees, fences, cars, lamp
//! posts and people, painted back to front so that every pixel carries the
//! class of the last thing drawn over it. Class areas are long-tailed, as in
//! photographs of streets: sky, grass, road and buildings cover most pixels;
//! people, fences and lamp posts are small and absent from many scenes.
//!
//! A [`Variant`] drops or thins out classes. Every object draws its shape
//! from a random stream keyed by (seed, class, slot) and is kept or dropped by
//! another stream, so the same seed in `no-person` is the real scene with its
//! people removed and what stood behind them revealed. Comparing a segmenter's
//! statistics on the real world and on a variant therefore has a known right
//! answer.
//!
//! Scenes are learnable by design: each class has its own colour range and
//! texture, and thin parts (poles, trunks, people, windows) are at least 2
//! pixels wide at every size.
//!
//! ```
//! use modedrop::data::scene::{CLASS_NAMES, SceneWorld, Variant};
//!
//! let real = SceneWorld::new(64, 64, Variant::real())?;
//! let no_person = SceneWorld::new(64, 64, Variant::parse("no-person")?)?;
//! let person = CLASS_NAMES.iter().position(|&name| name == "person").unwrap();
//!
//! let (before, after) = (real.render(7), no_person.render(7));
//! assert_eq!(after.class_area_percent()[person], 0.0);
//! for (pixel, &label) in before.labels.iter().enumerate() {
//!     if label as usize != person {
//!         assert_eq!(after.labels[pixel], label);
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod background;
mod buildings;
mod canvas;
mod classes;
mod figures;
mod layout;
mod props;
mod rng;
mod variant;
mod world;

#[cfg(test)]
mod tests;

pub use classes::{CLASS_COLORS, CLASS_NAMES, NUM_CLASSES, class_index, colorize_labels};
pub use variant::Variant;
pub use world::{Scene, SceneWorld};
