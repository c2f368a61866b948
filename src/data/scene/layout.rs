//! Scene geometry shared by every layer, and the random-stream tags.
//!
//! Positions across the image are fractions of its width; sizes are fractions
//! of its height, so shapes keep their proportions in non-square images.
//! Objects standing on the ground shrink towards the horizon: their `depth` is
//! 0 at the horizon and 1 at the bottom edge.

use super::rng::{Stream, Texture, lerp};
use super::variant::Variant;

/// Purpose tags: what a random stream is used for.
const PARAMETERS: u64 = 1;
const KEEP: u64 = 2;
const TEXTURE: u64 = 3;
const FRAME: u64 = 4;

/// The stream that draws the parameters of slot `slot` of `class`.
pub(super) fn parameter_stream(seed: u64, class: u8, slot: u64) -> Stream {
    Stream::new(seed, &[PARAMETERS, class as u64, slot])
}

/// The texture of slot `slot` of `class`.
pub(super) fn texture(seed: u64, class: u8, slot: u64) -> Texture {
    Texture::new(seed, &[TEXTURE, class as u64, slot])
}

/// Decides which instances a variant keeps in the scene of one seed.
#[derive(Debug, Clone, Copy)]
pub(super) struct Keeper<'a> {
    pub(super) variant: &'a Variant,
    pub(super) seed: u64,
}

impl Keeper<'_> {
    /// Whether the instance of `class` identified by `instance` (a slot, or
    /// a parent slot and a child index) is kept. The decision has a stream
    /// of its own, so keeping or dropping draws nothing from the streams that
    /// shape the scene.
    pub(super) fn keeps(&self, class: u8, instance: &[u64]) -> bool {
        let probability = self.variant.keep_probability(class as usize);
        if probability >= 1.0 {
            return true;
        }
        let mut tags = vec![KEEP, class as u64];
        tags.extend_from_slice(instance);
        Stream::new(self.seed, &tags).unit() < probability
    }
}

/// The image size and the horizon of one scene.
#[derive(Debug, Clone, Copy)]
pub(super) struct Frame {
    pub(super) height: f64,
    pub(super) width: f64,
    /// Row of the horizon in pixels; sky above, ground below.
    pub(super) horizon: f64,
}

impl Frame {
    /// The frame of the scene `seed` at `height` x `width` pixels.
    pub(super) fn new(height: usize, width: usize, seed: u64) -> Self {
        let mut stream = Stream::new(seed, &[FRAME]);
        let height = height as f64;
        Self {
            height,
            width: width as f64,
            horizon: height * stream.uniform(0.38, 0.55),
        }
    }

    /// The height of the ground below the horizon, in pixels.
    pub(super) fn ground_height(&self) -> f64 {
        self.height - self.horizon
    }

    /// The row at `depth` (0 at the horizon, 1 at the bottom edge).
    pub(super) fn row_at_depth(&self, depth: f64) -> f64 {
        self.horizon + depth * self.ground_height()
    }

    /// The depth of row `y`, clamped to [0, 1].
    pub(super) fn depth_of_row(&self, y: f64) -> f64 {
        ((y - self.horizon) / self.ground_height()).clamp(0.0, 1.0)
    }

    /// `fraction` of the image height in pixels.
    pub(super) fn size(&self, fraction: f64) -> f64 {
        fraction * self.height
    }

    /// `fraction` of the image height in pixels, but at least 2 pixels, for
    /// parts whose class must stay visible and learnable at small sizes.
    pub(super) fn thick(&self, fraction: f64) -> f64 {
        self.size(fraction).max(2.0)
    }

    /// Pixels per pixel of the 64-pixel reference image, for texture cells.
    pub(super) fn texture_scale(&self) -> f64 {
        self.height / 64.0
    }
}

/// A perspective size factor: `far` at the horizon, `near` at the bottom.
pub(super) fn perspective(depth: f64, far: f64, near: f64) -> f64 {
    lerp(far, near, depth)
}

/// An RGB colour on the 0..255 scale, as floats.
pub(super) type Color = [f64; 3];

/// `color` with every channel multiplied by `factor` and `offset` added.
pub(super) fn shade(color: Color, factor: f64, offset: f64) -> Color {
    color.map(|channel| channel * factor + offset)
}

/// The colour `t` of the way from `a` to `b`.
pub(super) fn mix(a: Color, b: Color, t: f64) -> Color {
    [
        lerp(a[0], b[0], t),
        lerp(a[1], b[1], t),
        lerp(a[2], b[2], t),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeper_keeps_instances_with_the_variant_probability() {
        let half = Variant::real().with_keep_probability(10, 0.5).unwrap();
        let count = 10_000;
        let kept = (0..count)
            .filter(|&seed| {
                Keeper {
                    variant: &half,
                    seed,
                }
                .keeps(10, &[0])
            })
            .count();
        // Binomial(10000, 0.5) has a standard deviation of 50.
        assert!((4800..5200).contains(&kept), "kept {kept} of {count}");

        let none = Variant::real().with_keep_probability(10, 0.0).unwrap();
        assert!((0..1000).all(|seed| {
            !Keeper {
                variant: &none,
                seed,
            }
            .keeps(10, &[0])
        }));
        let real = Variant::real();
        assert!((0..1000).all(|seed| {
            Keeper {
                variant: &real,
                seed,
            }
            .keeps(10, &[0])
        }));
    }

    #[test]
    fn frame_depth_maps_horizon_to_zero_and_bottom_to_one() {
        let frame = Frame::new(64, 80, 9);
        assert!((0.38 * 64.0..0.55 * 64.0).contains(&frame.horizon));
        assert_eq!(frame.depth_of_row(frame.horizon), 0.0);
        assert_eq!(frame.depth_of_row(64.0), 1.0);
        assert!((frame.row_at_depth(0.5) - (frame.horizon + 64.0) / 2.0).abs() < 1e-12);
        assert_eq!(frame.thick(0.01), 2.0);
        assert_eq!(frame.thick(0.5), 32.0);
    }
}
