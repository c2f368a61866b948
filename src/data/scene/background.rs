//! The layers behind all objects: sky, mountains, grass and the road.
//!
//! Sky is a vertical gradient with soft clouds (still labelled sky); an
//! optional mountain ridge (a sum of three sine waves) stands on the horizon;
//! grass covers all ground below the horizon; the road is either a band across
//! the image or a strip in perspective that narrows towards a vanishing point
//! on the horizon.

use super::canvas::{Bounds, Canvas};
use super::classes::{GRASS, MOUNTAIN, ROAD, SKY};
use super::layout::{Color, Frame, mix, parameter_stream, shade, texture};
use super::rng::{Stream, Texture, lerp};

/// Sky gradients, from the top of the image to the horizon. The last is dusk.
const SKY_GRADIENTS: [(Color, Color); 5] = [
    ([55.0, 105.0, 190.0], [165.0, 200.0, 235.0]),
    ([30.0, 80.0, 170.0], [120.0, 170.0, 225.0]),
    ([80.0, 130.0, 200.0], [185.0, 210.0, 235.0]),
    ([110.0, 140.0, 185.0], [195.0, 205.0, 220.0]),
    ([55.0, 65.0, 130.0], [230.0, 165.0, 120.0]),
];
const CLOUD_COLOR: Color = [238.0, 240.0, 246.0];
const MOUNTAIN_COLORS: [Color; 4] = [
    [100.0, 110.0, 135.0],
    [120.0, 112.0, 140.0],
    [88.0, 104.0, 112.0],
    [128.0, 120.0, 118.0],
];
const GRASS_COLORS: [Color; 5] = [
    [85.0, 140.0, 50.0],
    [100.0, 150.0, 60.0],
    [70.0, 125.0, 45.0],
    [115.0, 145.0, 55.0],
    [80.0, 132.0, 62.0],
];
const ROAD_COLORS: [Color; 4] = [
    [95.0, 95.0, 98.0],
    [80.0, 82.0, 88.0],
    [110.0, 107.0, 103.0],
    [70.0, 70.0, 73.0],
];
const MARKING_COLORS: [Color; 2] = [[225.0, 225.0, 218.0], [218.0, 185.0, 70.0]];

/// A soft elliptical cloud.
#[derive(Debug, Clone, Copy)]
struct Cloud {
    center_x: f64,
    center_y: f64,
    radius_x: f64,
    radius_y: f64,
}

/// The sky, painted over the whole canvas first.
#[derive(Debug, Clone)]
pub(super) struct Sky {
    top: Color,
    horizon: Color,
    clouds: Vec<Cloud>,
    texture: Texture,
}

impl Sky {
    pub(super) fn sample(frame: &Frame, seed: u64) -> Self {
        let mut stream = parameter_stream(seed, SKY, 0);
        let gradient = if stream.chance(0.12) {
            SKY_GRADIENTS[4]
        } else {
            stream.pick(&SKY_GRADIENTS[..4])
        };
        let count = stream.pick(&[0, 1, 1, 2, 3]);
        let clouds = (0..count)
            .map(|_| {
                let radius_x = frame.size(stream.uniform(0.08, 0.2));
                Cloud {
                    center_x: frame.width * stream.unit(),
                    center_y: frame.horizon * stream.uniform(0.05, 0.7),
                    radius_x,
                    radius_y: radius_x * stream.uniform(0.3, 0.5),
                }
            })
            .collect();
        Self {
            top: stream.jitter(gradient.0, 6.0),
            horizon: stream.jitter(gradient.1, 6.0),
            clouds,
            texture: texture(seed, SKY, 0),
        }
    }

    pub(super) fn draw(&self, canvas: &mut Canvas, frame: &Frame) {
        let bounds = Bounds::new(0.0, 0.0, frame.width, frame.height);
        let scale = frame.texture_scale();
        canvas.paint(
            bounds,
            SKY,
            |_, _| true,
            |x, y| {
                let t = (y / frame.horizon).clamp(0.0, 1.0).powf(0.9);
                let noise = 4.0 * self.texture.smooth(x, y, 8.0 * scale)
                    + 2.0 * self.texture.grain(x, y, scale);
                let base = shade(mix(self.top, self.horizon, t), 1.0, noise);
                mix(base, CLOUD_COLOR, self.cloud_cover(x, y, scale))
            },
        );
    }

    /// How much cloud covers the point, 0 to 0.8.
    fn cloud_cover(&self, x: f64, y: f64, scale: f64) -> f64 {
        let mut cover: f64 = 0.0;
        for cloud in &self.clouds {
            let dx = (x - cloud.center_x) / cloud.radius_x;
            let dy = (y - cloud.center_y) / cloud.radius_y;
            let round = dx * dx + dy * dy;
            if round > 1.35 {
                continue; // beyond the reach of the ragged edge
            }
            let distance = round + 0.35 * self.texture.smooth(x, y, 3.0 * scale);
            cover = cover.max(((1.0 - distance) * 2.0).clamp(0.0, 1.0) * 0.8);
        }
        cover
    }
}

/// A mountain ridge standing on the horizon.
#[derive(Debug, Clone)]
pub(super) struct Mountain {
    amplitude: f64,
    /// (amplitude, frequency per image height, phase) of each sine wave.
    waves: [(f64, f64, f64); 3],
    color: Color,
    texture: Texture,
}

impl Mountain {
    /// The mountain of scene `seed`, present in half of the scenes.
    pub(super) fn sample(frame: &Frame, seed: u64) -> Option<Self> {
        let mut stream = parameter_stream(seed, MOUNTAIN, 0);
        if !stream.chance(0.5) {
            return None;
        }
        let waves = [
            sine_wave(&mut stream, 0.3, 2.0, 5.0),
            sine_wave(&mut stream, 0.15, 6.0, 12.0),
            sine_wave(&mut stream, 0.06, 15.0, 25.0),
        ];
        let amplitude = frame.size(stream.uniform(0.12, 0.3));
        let color = stream.pick(&MOUNTAIN_COLORS);
        Some(Self {
            amplitude,
            waves,
            color: stream.jitter(color, 8.0),
            texture: texture(seed, MOUNTAIN, 0),
        })
    }

    /// The row of the ridge line at column `x`.
    fn ridge(&self, x: f64, frame: &Frame) -> f64 {
        let u = x / frame.height;
        let height: f64 = 0.5
            + self
                .waves
                .iter()
                .map(|&(amplitude, frequency, phase)| amplitude * (frequency * u + phase).sin())
                .sum::<f64>();
        frame.horizon - self.amplitude * height.clamp(0.08, 1.0)
    }

    pub(super) fn draw(&self, canvas: &mut Canvas, frame: &Frame) {
        let top = frame.horizon - self.amplitude;
        let bounds = Bounds::new(0.0, top, frame.width, frame.horizon);
        let scale = frame.texture_scale();
        canvas.paint(
            bounds,
            MOUNTAIN,
            |x, y| y >= self.ridge(x, frame),
            |x, y| {
                let haze = (y - top) / self.amplitude;
                let noise = 10.0 * self.texture.smooth(x, y, 4.0 * scale)
                    + 3.0 * self.texture.grain(x, y, scale);
                shade(self.color, 0.9 + 0.2 * haze, noise)
            },
        );
    }
}

/// A wave of `amplitude` with a frequency in `low..high` and a random phase.
fn sine_wave(stream: &mut Stream, amplitude: f64, low: f64, high: f64) -> (f64, f64, f64) {
    let frequency = stream.uniform(low, high);
    (
        amplitude,
        frequency,
        stream.uniform(0.0, std::f64::consts::TAU),
    )
}

/// Grass over all ground below the horizon.
#[derive(Debug, Clone)]
pub(super) struct Grass {
    color: Color,
    texture: Texture,
}

impl Grass {
    pub(super) fn sample(seed: u64) -> Self {
        let mut stream = parameter_stream(seed, GRASS, 0);
        let color = stream.pick(&GRASS_COLORS);
        Self {
            color: stream.jitter(color, 8.0),
            texture: texture(seed, GRASS, 0),
        }
    }

    pub(super) fn draw(&self, canvas: &mut Canvas, frame: &Frame) {
        let bounds = Bounds::new(0.0, frame.horizon, frame.width, frame.height);
        let scale = frame.texture_scale();
        canvas.paint(
            bounds,
            GRASS,
            |_, _| true,
            |x, y| {
                let far = 1.0 - frame.depth_of_row(y);
                let noise = 12.0 * self.texture.smooth(x, y, 4.0 * scale)
                    + 8.0 * self.texture.smooth(x, y, 1.5 * scale)
                    + 9.0 * self.texture.grain(x, y, scale);
                shade(self.color, 0.88 + 0.2 * far, noise)
            },
        );
    }
}

/// Where the road runs.
#[derive(Debug, Clone, Copy)]
pub(super) enum RoadShape {
    /// A strip from the bottom edge to a vanishing point on the horizon.
    Perspective {
        bottom_center: f64,
        bottom_half_width: f64,
        vanish_x: f64,
        far_half_width: f64,
    },
    /// A band across the whole width between two rows.
    Band { top: f64, bottom: f64 },
}

/// The road, present in 80% of scenes.
#[derive(Debug, Clone)]
pub(super) struct Road {
    pub(super) shape: RoadShape,
    color: Color,
    marking: Option<Color>,
    texture: Texture,
}

impl Road {
    pub(super) fn sample(frame: &Frame, seed: u64) -> Option<Self> {
        let mut stream = parameter_stream(seed, ROAD, 0);
        if !stream.chance(0.8) {
            return None;
        }
        let shape = if stream.chance(0.5) {
            RoadShape::Perspective {
                bottom_center: frame.width * stream.uniform(0.25, 0.75),
                bottom_half_width: frame.width * stream.uniform(0.18, 0.4),
                vanish_x: frame.width * stream.uniform(0.3, 0.7),
                far_half_width: frame.width * stream.uniform(0.01, 0.04),
            }
        } else {
            let top = frame.row_at_depth(stream.uniform(0.05, 0.3));
            let bottom = top + frame.ground_height() * stream.uniform(0.25, 0.45);
            RoadShape::Band { top, bottom }
        };
        let color = stream.pick(&ROAD_COLORS);
        let marking = stream.pick(&MARKING_COLORS);
        Some(Self {
            shape,
            color: stream.jitter(color, 6.0),
            marking: stream.chance(0.7).then_some(marking),
            texture: texture(seed, ROAD, 0),
        })
    }

    /// The centre column and half width of a perspective road at row `y`.
    pub(super) fn span_at(&self, y: f64, frame: &Frame) -> Option<(f64, f64)> {
        match self.shape {
            RoadShape::Perspective {
                bottom_center,
                bottom_half_width,
                vanish_x,
                far_half_width,
            } => {
                let depth = frame.depth_of_row(y);
                let center = lerp(vanish_x, bottom_center, depth);
                Some((center, lerp(far_half_width, bottom_half_width, depth)))
            }
            RoadShape::Band { .. } => None,
        }
    }

    fn contains(&self, x: f64, y: f64, frame: &Frame) -> bool {
        match self.shape {
            RoadShape::Perspective { .. } => {
                let (center, half_width) = self.span_at(y, frame).expect("perspective road");
                y >= frame.horizon && (x - center).abs() < half_width
            }
            RoadShape::Band { top, bottom } => y >= top && y < bottom,
        }
    }

    /// Whether the point lies on a dash of the centre line.
    fn on_marking(&self, x: f64, y: f64, frame: &Frame) -> bool {
        match self.shape {
            RoadShape::Perspective { .. } => {
                let depth = frame.depth_of_row(y);
                let (center, half_width) = self.span_at(y, frame).expect("perspective road");
                // Dashes of equal length on the ground are shorter on screen
                // the farther they are: ground distance grows as 1 / depth.
                depth > 0.25
                    && (x - center).abs() < 0.05 * half_width
                    && (1.5 / depth).fract() < 0.5
            }
            RoadShape::Band { top, bottom } => {
                let middle = 0.5 * (top + bottom);
                (y - middle).abs() < frame.size(0.015).max(0.5)
                    && (x / frame.size(0.12)).fract() < 0.55
            }
        }
    }

    pub(super) fn draw(&self, canvas: &mut Canvas, frame: &Frame) {
        let bounds = Bounds::new(0.0, frame.horizon, frame.width, frame.height);
        let scale = frame.texture_scale();
        canvas.paint(
            bounds,
            ROAD,
            |x, y| self.contains(x, y, frame),
            |x, y| {
                let noise = 5.0 * self.texture.smooth(x, y, 3.0 * scale)
                    + 6.0 * self.texture.grain(x, y, scale);
                let surface = shade(self.color, 1.0, noise);
                match self.marking {
                    Some(marking) if self.on_marking(x, y, frame) => shade(marking, 1.0, noise),
                    _ => surface,
                }
            },
        );
    }
}
