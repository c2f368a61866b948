//! Cars on the road and people on the ground.
//!
//! A car is a body, a cabin with dark glass and two wheels, all labelled car;
//! cars appear only in scenes with a road and stand on it. A person is a head
//! (skin with hair on top), a shirt and trousers, all labelled person, at
//! least 2 pixels wide at every part. Both shrink with distance.

use super::background::{Road, RoadShape};
use super::canvas::{Bounds, Canvas};
use super::classes::{CAR, PERSON};
use super::layout::{Color, Frame, mix, parameter_stream, perspective, shade, texture};
use super::rng::{Stream, Texture};

/// The number of car slots; each is filled in 45% of scenes with a road.
pub(super) const CAR_SLOTS: u64 = 3;
/// The number of person slots. People come in groups: a scene has a group
/// with probability [`GROUP_CHANCE`], and then each slot is filled with
/// probability [`SLOT_CHANCE`].
pub(super) const PERSON_SLOTS: u64 = 8;
const GROUP_CHANCE: f64 = 0.7;
const SLOT_CHANCE: f64 = 0.6;
/// The parameter stream slot that decides whether a scene has a group; no
/// person slot reaches it.
const GROUP_SLOT: u64 = u64::MAX;

const PAINT_COLORS: [Color; 8] = [
    [190.0, 30.0, 35.0],
    [35.0, 70.0, 170.0],
    [230.0, 190.0, 40.0],
    [232.0, 232.0, 232.0],
    [35.0, 35.0, 40.0],
    [172.0, 176.0, 182.0],
    [40.0, 120.0, 70.0],
    [220.0, 110.0, 30.0],
];
const CAR_GLASS: Color = [40.0, 50.0, 62.0];
const TYRE: Color = [22.0, 22.0, 25.0];
const SKIN_COLORS: [Color; 4] = [
    [240.0, 200.0, 170.0],
    [212.0, 160.0, 120.0],
    [160.0, 110.0, 75.0],
    [105.0, 70.0, 50.0],
];
const HAIR_COLORS: [Color; 4] = [
    [30.0, 25.0, 20.0],
    [85.0, 55.0, 30.0],
    [200.0, 170.0, 90.0],
    [140.0, 140.0, 140.0],
];
const TROUSER_COLORS: [Color; 4] = [
    [40.0, 45.0, 70.0],
    [50.0, 50.0, 52.0],
    [95.0, 78.0, 60.0],
    [30.0, 60.0, 110.0],
];

/// One car, seen from the side.
#[derive(Debug, Clone)]
pub(super) struct Car {
    /// The row where the wheels touch the ground.
    pub(super) foot: f64,
    body: Bounds,
    cabin: Bounds,
    /// How much narrower the cabin's roof is than its base, on each side.
    cabin_taper: f64,
    wheel_radius: f64,
    wheel_centers: [f64; 2],
    color: Color,
    texture: Texture,
}

impl Car {
    /// The car in `slot` of scene `seed`, if the slot is filled. Cars stand
    /// on `road` (the real scene's road, whether or not a variant drops it).
    pub(super) fn sample(frame: &Frame, seed: u64, slot: u64, road: &Road) -> Option<Self> {
        let mut stream = parameter_stream(seed, CAR, slot);
        if !stream.chance(0.45) {
            return None;
        }
        let (foot, center) = place_on_road(&mut stream, frame, road);
        let size = perspective(frame.depth_of_row(foot), 0.55, 1.1);
        let length = frame.size(stream.uniform(0.2, 0.28) * size);
        let wheel_radius = (0.1 * length).max(1.0);
        let (left, right) = (center - 0.5 * length, center + 0.5 * length);
        let body_top = foot - wheel_radius - 0.3 * length;
        let body = Bounds::new(left, body_top, right, foot - 0.4 * wheel_radius);

        // The cabin sits towards the back of the car; facing decides which end.
        let (back, front) = (0.15 * length, 0.3 * length);
        let (cabin_left, cabin_right) = if stream.chance(0.5) {
            (left + back, right - front)
        } else {
            (left + front, right - back)
        };
        let cabin_height = (0.22 * length).max(2.0);
        let cabin = Bounds::new(cabin_left, body_top - cabin_height, cabin_right, body_top);
        let inset = 0.22 * length;
        let color = stream.pick(&PAINT_COLORS);
        Some(Self {
            foot,
            body,
            cabin,
            cabin_taper: 0.1 * length,
            wheel_radius,
            wheel_centers: [left + inset, right - inset],
            color: stream.jitter(color, 10.0),
            texture: texture(seed, CAR, slot),
        })
    }

    pub(super) fn draw(&self, canvas: &mut Canvas, frame: &Frame) {
        let scale = frame.texture_scale();
        self.draw_cabin(canvas, scale);
        let body = self.body;
        canvas.paint(
            body,
            CAR,
            |_, _| true,
            |x, y| {
                let down = (y - body.top) / (body.bottom - body.top);
                shade(self.color, 1.12 - 0.25 * down, self.grain(x, y, scale))
            },
        );
        self.draw_wheels(canvas, scale);
    }

    /// Paint grain, a few levels either way.
    fn grain(&self, x: f64, y: f64, scale: f64) -> f64 {
        3.0 * self.texture.grain(x, y, scale)
    }

    /// The cabin: a trapezoid in the car's colour around dark glass.
    fn draw_cabin(&self, canvas: &mut Canvas, scale: f64) {
        let cabin = self.cabin;
        let taper = self.cabin_taper;
        let glass_margin = (0.25 * (cabin.bottom - cabin.top)).max(0.5);
        canvas.paint(
            cabin,
            CAR,
            |x, y| {
                let inward = taper * (cabin.bottom - y) / (cabin.bottom - cabin.top);
                x >= cabin.left + inward && x < cabin.right - inward
            },
            |x, y| {
                let in_glass = y > cabin.top + glass_margin
                    && x > cabin.left + taper + glass_margin
                    && x < cabin.right - taper - glass_margin;
                let color = if in_glass { CAR_GLASS } else { self.color };
                shade(color, 1.0, self.grain(x, y, scale))
            },
        );
    }

    fn draw_wheels(&self, canvas: &mut Canvas, scale: f64) {
        let radius = self.wheel_radius;
        let center_y = self.foot - radius;
        for center_x in self.wheel_centers {
            let bounds = Bounds::new(
                center_x - radius,
                center_y - radius,
                center_x + radius,
                center_y + radius,
            );
            canvas.paint(
                bounds,
                CAR,
                |x, y| (x - center_x).hypot(y - center_y) < radius,
                |x, y| shade(TYRE, 1.0, self.grain(x, y, scale)),
            );
        }
    }
}

/// The foot row and centre column of a car on `road`.
fn place_on_road(stream: &mut Stream, frame: &Frame, road: &Road) -> (f64, f64) {
    match road.shape {
        RoadShape::Perspective { .. } => {
            let foot = frame.row_at_depth(stream.uniform(0.25, 1.0));
            let (center, half_width) = road.span_at(foot, frame).expect("perspective road");
            (foot, center + half_width * stream.uniform(-0.55, 0.55))
        }
        RoadShape::Band { top, bottom } => {
            let foot = top + (bottom - top) * stream.uniform(0.35, 1.0);
            (foot, frame.width * stream.uniform(0.0, 1.0))
        }
    }
}

/// One person, standing.
#[derive(Debug, Clone)]
pub(super) struct Person {
    /// The row under the person's feet.
    pub(super) foot: f64,
    center_x: f64,
    height: f64,
    skin: Color,
    hair: Color,
    shirt: Color,
    trousers: Color,
    texture: Texture,
}

impl Person {
    /// The person in `slot` of scene `seed`, if the slot is filled.
    pub(super) fn sample(frame: &Frame, seed: u64, slot: u64) -> Option<Self> {
        if !parameter_stream(seed, PERSON, GROUP_SLOT).chance(GROUP_CHANCE) {
            return None;
        }
        let mut stream = parameter_stream(seed, PERSON, slot);
        if !stream.chance(SLOT_CHANCE) {
            return None;
        }
        let depth = stream.uniform(0.1, 1.0);
        let height = frame.size(stream.uniform(0.18, 0.27) * perspective(depth, 0.5, 1.0));
        let skin = stream.pick(&SKIN_COLORS);
        let hair = stream.pick(&HAIR_COLORS);
        let trousers = stream.pick(&TROUSER_COLORS);
        let shirt = bright_color(&mut stream);
        Some(Self {
            foot: frame.row_at_depth(depth),
            center_x: frame.width * stream.uniform(0.02, 0.98),
            height,
            skin: stream.jitter(skin, 6.0),
            hair: stream.jitter(hair, 6.0),
            shirt,
            trousers: stream.jitter(trousers, 6.0),
            texture: texture(seed, PERSON, slot),
        })
    }

    pub(super) fn draw(&self, canvas: &mut Canvas, frame: &Frame) {
        let scale = frame.texture_scale();
        let head_bottom = self.draw_head(canvas, scale);
        let x = self.center_x;
        let waist = self.foot - 0.45 * self.height;

        let shirt_half = 0.5 * (0.34 * self.height).max(2.0);
        let shirt = Bounds::new(x - shirt_half, head_bottom, x + shirt_half, waist);
        canvas.paint(
            shirt,
            PERSON,
            |_, _| true,
            |px, py| shade(self.shirt, 1.0, self.grain(px, py, scale)),
        );

        let legs_half = 0.5 * (0.26 * self.height).max(2.0);
        let legs = Bounds::new(x - legs_half, waist, x + legs_half, self.foot);
        let seam = (0.15 * legs_half).max(0.3);
        canvas.paint(
            legs,
            PERSON,
            |_, _| true,
            |px, py| {
                let factor = if (px - x).abs() < seam { 0.7 } else { 1.0 };
                shade(self.trousers, factor, self.grain(px, py, scale))
            },
        );
    }

    /// Cloth and skin grain, a few levels either way.
    fn grain(&self, x: f64, y: f64, scale: f64) -> f64 {
        4.0 * self.texture.grain(x, y, scale)
    }

    /// Paints the head, hair on top, and returns the row below the chin.
    fn draw_head(&self, canvas: &mut Canvas, scale: f64) -> f64 {
        let x = self.center_x;
        let top = self.foot - self.height;
        let radius = (0.11 * self.height).max(1.0);
        let center_y = top + radius;
        let head = Bounds::new(x - radius, top, x + radius, top + 2.0 * radius);
        canvas.paint(
            head,
            PERSON,
            // A rounded square rather than a disc: a disc of radius 1 has
            // rows 1 pixel wide.
            |px, py| (px - x).powi(4) + (py - center_y).powi(4) < radius.powi(4),
            |px, py| {
                let hair = py < center_y - 0.3 * radius;
                let color = if hair { self.hair } else { self.skin };
                shade(color, 1.0, self.grain(px, py, scale))
            },
        );
        head.bottom
    }
}

/// A saturated colour of random hue, for shirts.
fn bright_color(stream: &mut Stream) -> Color {
    let hue = stream.uniform(0.0, 6.0);
    let saturation = stream.uniform(0.5, 0.9);
    let value = stream.uniform(140.0, 235.0);
    let ramp = |offset: f64| (((hue + offset) % 6.0 - 3.0).abs() - 1.0).clamp(0.0, 1.0);
    let pure = [ramp(0.0), ramp(4.0), ramp(2.0)];
    mix([value; 3], pure.map(|channel| channel * value), saturation)
}
