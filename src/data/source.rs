//! Image sources: finite, indexable collections of images loaded in ranges.

use std::ops::Range;
use std::path::PathBuf;

use super::HostBatch;
use super::scene::{SceneWorld, Variant};
use crate::error::Result;

/// An image that a source could not provide, and why.
#[derive(Debug, Clone)]
pub struct Skipped {
    /// The file that failed.
    pub path: PathBuf,
    /// The decoder's or the file system's message.
    pub reason: String,
}

/// Images loaded from a source, with the ones that failed.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// The images that loaded, in source order.
    pub batch: HostBatch,
    /// The images that could not be loaded (only when the source tolerates
    /// bad files).
    pub skipped: Vec<Skipped>,
}

/// A finite, indexable collection of images, loaded in ranges at the size a
/// segmenter asks for.
pub trait ImageSource {
    /// A human description recorded in statistics files, such as
    /// `scene world (no-person), seeds 0..1000` or a folder path.
    fn description(&self) -> String;

    /// The number of images.
    fn len(&self) -> usize;

    /// Whether the source holds no image.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Loads the images with indices in `range` at `[height, width]`.
    ///
    /// # Errors
    ///
    /// When an image cannot be loaded and the source does not tolerate it.
    fn load(&self, range: Range<usize>, size: [usize; 2]) -> Result<Loaded>;
}

/// Scenes of the built-in world rendered from consecutive seeds.
#[derive(Debug, Clone)]
pub struct SceneSource {
    variant: Variant,
    seeds: Range<u64>,
}

impl SceneSource {
    /// Scenes of `variant` for each seed in `seeds`.
    pub fn new(variant: Variant, seeds: Range<u64>) -> Self {
        Self { variant, seeds }
    }
}

impl ImageSource for SceneSource {
    fn description(&self) -> String {
        format!(
            "scene world ({}), seeds {}..{}",
            self.variant, self.seeds.start, self.seeds.end
        )
    }

    fn len(&self) -> usize {
        (self.seeds.end - self.seeds.start) as usize
    }

    fn load(&self, range: Range<usize>, size: [usize; 2]) -> Result<Loaded> {
        let [height, width] = size;
        let world = SceneWorld::new(height as u32, width as u32, self.variant.clone())?;
        let mut batch = HostBatch::new(height, width, true);
        for index in range {
            let scene = world.render(self.seeds.start + index as u64);
            batch.rgb.extend_from_slice(&scene.rgb);
            if let Some(labels) = batch.labels.as_mut() {
                labels.extend_from_slice(&scene.labels);
            }
        }
        Ok(Loaded {
            batch,
            skipped: Vec::new(),
        })
    }
}

/// The first `count` images of another source.
#[derive(Debug, Clone, Copy)]
pub struct Prefix<'a, S: ImageSource + ?Sized> {
    source: &'a S,
    count: usize,
}

impl<'a, S: ImageSource + ?Sized> Prefix<'a, S> {
    /// The first `count` images of `source` (all of them if it has fewer).
    pub fn new(source: &'a S, count: usize) -> Self {
        Self {
            source,
            count: count.min(source.len()),
        }
    }
}

impl<S: ImageSource + ?Sized> ImageSource for Prefix<'_, S> {
    fn description(&self) -> String {
        format!(
            "first {} images of {}",
            self.count,
            self.source.description()
        )
    }

    fn len(&self) -> usize {
        self.count
    }

    fn load(&self, range: Range<usize>, size: [usize; 2]) -> Result<Loaded> {
        assert!(
            range.end <= self.count,
            "range {range:?} beyond {} images",
            self.count
        );
        self.source.load(range, size)
    }
}
