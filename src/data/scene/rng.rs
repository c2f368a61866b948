//! Deterministic random streams and texture noise.
//!
//! Every random choice in a scene comes from a [`Stream`] keyed by the scene
//! seed and a list of tags (class, slot, purpose), so that two choices with
//! different tags never share random numbers. This is what lets a variant drop
//! one object without moving any other.
//!
//! Hand-written rather than taken from `rand`: `rand` documents that its
//! seeded generators and its distributions may change output between
//! releases, and a scene named by its seed must stay the same for as long as
//! datasets, tests and trained checkpoints refer to it. SplitMix64 (Steele,
//! Lea and Flood, 2014) is a few lines, has no state beyond one `u64`, and is
//! statistically sound for this use.

const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's finaliser: a bijective scramble of 64 bits.
fn mix64(value: u64) -> u64 {
    let mut z = value;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Hashes a seed and a list of tags into one 64-bit key.
pub(super) fn key(seed: u64, tags: &[u64]) -> u64 {
    tags.iter().fold(mix64(seed ^ GOLDEN_GAMMA), |hash, &tag| {
        mix64(hash ^ mix64(tag.wrapping_add(GOLDEN_GAMMA)))
    })
}

/// Maps 64 random bits to a float uniform in [0, 1) with 53 bits of precision.
fn unit_from_bits(bits: u64) -> f64 {
    (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A SplitMix64 generator.
#[derive(Debug, Clone)]
pub(super) struct Stream {
    state: u64,
}

impl Stream {
    /// The stream for `seed` and `tags`.
    pub(super) fn new(seed: u64, tags: &[u64]) -> Self {
        Self {
            state: key(seed, tags),
        }
    }

    /// The next 64 random bits.
    pub(super) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        mix64(self.state)
    }

    /// A float uniform in [0, 1).
    pub(super) fn unit(&mut self) -> f64 {
        unit_from_bits(self.next_u64())
    }

    /// A float uniform in [low, high).
    pub(super) fn uniform(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.unit()
    }

    /// True with probability `probability`.
    pub(super) fn chance(&mut self, probability: f64) -> bool {
        self.unit() < probability
    }

    /// One of `items`, uniformly.
    ///
    /// # Panics
    ///
    /// If `items` is empty.
    pub(super) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        assert!(!items.is_empty(), "cannot pick from an empty list");
        let index = (self.unit() * items.len() as f64) as usize;
        items[index.min(items.len() - 1)]
    }

    /// `color` with each channel moved by up to `amount` (0..255 scale) and
    /// its brightness scaled by up to `amount` percent, so that two instances
    /// from one palette entry never look identical.
    pub(super) fn jitter(&mut self, color: [f64; 3], amount: f64) -> [f64; 3] {
        let brightness = 1.0 + self.uniform(-amount, amount) / 100.0;
        let mut out = color;
        for channel in &mut out {
            *channel = (*channel + self.uniform(-amount, amount)) * brightness;
        }
        out
    }
}

/// Texture noise of one surface, a pure function of position.
///
/// Two kinds: `grain` is independent per cell (film grain, asphalt), `smooth`
/// interpolates random values on a lattice (blotches in grass, clumps of
/// leaves). Both return values in [-1, 1]. Cell sizes are in pixels; callers
/// scale them with the image so that textures look alike at every size.
#[derive(Debug, Clone, Copy)]
pub(super) struct Texture {
    key: u64,
}

impl Texture {
    /// The texture for `seed` and `tags`.
    pub(super) fn new(seed: u64, tags: &[u64]) -> Self {
        Self {
            key: key(seed, tags),
        }
    }

    fn lattice(&self, column: i64, row: i64) -> f64 {
        let hash = mix64(self.key ^ mix64((column as u64) ^ mix64(row as u64)));
        2.0 * unit_from_bits(hash) - 1.0
    }

    /// Independent noise per `cell`-sized square, in [-1, 1].
    pub(super) fn grain(&self, x: f64, y: f64, cell: f64) -> f64 {
        self.lattice((x / cell).floor() as i64, (y / cell).floor() as i64)
    }

    /// Value noise with features about `cell` pixels across, in [-1, 1].
    pub(super) fn smooth(&self, x: f64, y: f64, cell: f64) -> f64 {
        let (u, v) = (x / cell, y / cell);
        let (column, row) = (u.floor(), v.floor());
        let (fx, fy) = (smoothstep(u - column), smoothstep(v - row));
        let (column, row) = (column as i64, row as i64);
        let top = lerp(self.lattice(column, row), self.lattice(column + 1, row), fx);
        let bottom = lerp(
            self.lattice(column, row + 1),
            self.lattice(column + 1, row + 1),
            fx,
        );
        lerp(top, bottom, fy)
    }
}

/// `a` at `t = 0`, `b` at `t = 1`, linear in between.
pub(super) fn lerp(a: f64, b: f64, t: f64) -> f64 {
    a + (b - a) * t
}

fn smoothstep(t: f64) -> f64 {
    t * t * (3.0 - 2.0 * t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_with_different_tags_differ_and_repeat() {
        let first: Vec<u64> = {
            let mut stream = Stream::new(7, &[1, 2]);
            (0..4).map(|_| stream.next_u64()).collect()
        };
        let again: Vec<u64> = {
            let mut stream = Stream::new(7, &[1, 2]);
            (0..4).map(|_| stream.next_u64()).collect()
        };
        let swapped: Vec<u64> = {
            let mut stream = Stream::new(7, &[2, 1]);
            (0..4).map(|_| stream.next_u64()).collect()
        };
        assert_eq!(first, again);
        assert_ne!(first, swapped);
    }

    #[test]
    fn splitmix_matches_reference_output() {
        // Reference values of SplitMix64 seeded with 0, as printed by the
        // original C implementation (Vigna's splitmix64.c).
        let mut stream = Stream { state: 0 };
        assert_eq!(stream.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(stream.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn unit_floats_have_the_mean_of_a_uniform() {
        let mut stream = Stream::new(3, &[]);
        let count = 100_000;
        let mean = (0..count).map(|_| stream.unit()).sum::<f64>() / count as f64;
        // The standard error of the mean of U(0,1) over 1e5 draws is 0.0009.
        assert!((mean - 0.5).abs() < 0.005, "mean {mean}");
    }

    #[test]
    fn smooth_noise_is_continuous_and_bounded() {
        let texture = Texture::new(11, &[4]);
        for step in 0..1000 {
            let x = step as f64 * 0.037;
            let value = texture.smooth(x, 2.5, 3.0);
            let next = texture.smooth(x + 0.001, 2.5, 3.0);
            assert!((-1.0..=1.0).contains(&value));
            assert!((value - next).abs() < 0.01, "jump at x = {x}");
        }
    }
}
