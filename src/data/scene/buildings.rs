//! Buildings standing on the horizon, with a grid of windows and a door.
//!
//! A building is a rectangular wall, sometimes under a pitched roof (labelled
//! building too). Windows are a centred grid above the door's height; each
//! window and the door are separate instances that a variant can drop,
//! revealing the wall. Dropping a building drops its windows and door.

use super::canvas::{Bounds, Canvas};
use super::classes::{BUILDING, DOOR, WINDOW};
use super::layout::{Color, Frame, Keeper, parameter_stream, shade, texture};
use super::rng::{Stream, Texture};

/// The number of building slots; each is filled in 60% of scenes.
pub(super) const BUILDING_SLOTS: u64 = 4;

const WALL_COLORS: [Color; 8] = [
    [150.0, 75.0, 55.0],
    [165.0, 95.0, 70.0],
    [205.0, 185.0, 145.0],
    [190.0, 165.0, 120.0],
    [225.0, 215.0, 190.0],
    [165.0, 175.0, 190.0],
    [185.0, 110.0, 80.0],
    [170.0, 185.0, 150.0],
];
const ROOF_COLORS: [Color; 3] = [[125.0, 50.0, 42.0], [90.0, 70.0, 60.0], [70.0, 75.0, 85.0]];
const GLASS_COLORS: [Color; 4] = [
    [45.0, 60.0, 85.0],
    [60.0, 85.0, 115.0],
    [35.0, 45.0, 60.0],
    [85.0, 115.0, 140.0],
];
const LIT_WINDOW: Color = [228.0, 208.0, 130.0];
const DOOR_COLORS: [Color; 4] = [
    [100.0, 65.0, 40.0],
    [120.0, 40.0, 35.0],
    [60.0, 50.0, 45.0],
    [50.0, 72.0, 62.0],
];

/// A pane of glass, or the door.
#[derive(Debug, Clone, Copy)]
struct Opening {
    bounds: Bounds,
    color: Color,
}

/// A pitched roof over the wall: a triangle with overhanging eaves.
#[derive(Debug, Clone, Copy)]
struct Roof {
    height: f64,
    overhang: f64,
    color: Color,
}

/// One building.
#[derive(Debug, Clone)]
pub(super) struct Building {
    slot: u64,
    wall: Bounds,
    wall_color: Color,
    roof: Option<Roof>,
    windows: Vec<Opening>,
    door: Option<Opening>,
    texture: Texture,
}

impl Building {
    /// The building in `slot` of scene `seed`, if the slot is filled.
    pub(super) fn sample(frame: &Frame, seed: u64, slot: u64) -> Option<Self> {
        let mut stream = parameter_stream(seed, BUILDING, slot);
        if !stream.chance(0.6) {
            return None;
        }
        let center = frame.width * stream.uniform(-0.05, 1.05);
        let half_width = frame.size(stream.uniform(0.09, 0.2));
        let bottom = frame.horizon + frame.size(stream.uniform(0.0, 0.08));
        let top = bottom - frame.size(stream.uniform(0.16, 0.45));
        let wall = Bounds::new(center - half_width, top, center + half_width, bottom);
        let wall_color = stream.pick(&WALL_COLORS);
        let roof = sample_roof(&mut stream, frame, half_width);
        let door = sample_door(&mut stream, frame, &wall);
        Some(Self {
            slot,
            wall,
            wall_color: stream.jitter(wall_color, 10.0),
            roof,
            windows: sample_windows(&mut stream, frame, &wall, door.as_ref()),
            door,
            texture: texture(seed, BUILDING, slot),
        })
    }

    /// The row of the wall's foot, which orders buildings back to front.
    pub(super) fn bottom(&self) -> f64 {
        self.wall.bottom
    }

    pub(super) fn draw(&self, canvas: &mut Canvas, frame: &Frame, keeper: &Keeper) {
        let scale = frame.texture_scale();
        let wall_color = |x: f64, y: f64| {
            let noise = 6.0 * self.texture.smooth(x, y, 5.0 * scale)
                + 5.0 * self.texture.grain(x, y, scale);
            let rise = (self.wall.bottom - y) / (self.wall.bottom - self.wall.top);
            shade(self.wall_color, 0.92 + 0.1 * rise, noise)
        };
        canvas.paint(self.wall, BUILDING, |_, _| true, wall_color);
        if let Some(roof) = self.roof {
            self.draw_roof(canvas, &roof, scale);
        }

        for (index, window) in self.windows.iter().enumerate() {
            if keeper.keeps(WINDOW, &[self.slot, index as u64]) {
                self.draw_opening(canvas, window, WINDOW, scale);
            }
        }
        if let Some(door) = &self.door
            && keeper.keeps(DOOR, &[self.slot])
        {
            self.draw_opening(canvas, door, DOOR, scale);
        }
    }

    fn draw_roof(&self, canvas: &mut Canvas, roof: &Roof, scale: f64) {
        let left = self.wall.left - roof.overhang;
        let right = self.wall.right + roof.overhang;
        let middle = 0.5 * (left + right);
        let half_base = 0.5 * (right - left);
        let base = self.wall.top;
        let bounds = Bounds::new(left, base - roof.height, right, base);
        canvas.paint(
            bounds,
            BUILDING,
            |x, y| (x - middle).abs() < half_base * (1.0 - (base - y) / roof.height),
            |x, y| shade(roof.color, 1.0, 6.0 * self.texture.grain(x, y, scale)),
        );
    }

    /// Paints a window or door: a pane lighter at the top, like a reflection.
    fn draw_opening(&self, canvas: &mut Canvas, opening: &Opening, class: u8, scale: f64) {
        let bounds = opening.bounds;
        canvas.paint(
            bounds,
            class,
            |_, _| true,
            |x, y| {
                let fall = (y - bounds.top) / (bounds.bottom - bounds.top);
                let noise = 3.0 * self.texture.grain(x + 17.0, y, scale);
                shade(opening.color, 1.15 - 0.3 * fall, noise)
            },
        );
    }
}

/// A pitched roof over 30% of buildings.
fn sample_roof(stream: &mut Stream, frame: &Frame, half_width: f64) -> Option<Roof> {
    if !stream.chance(0.3) {
        return None;
    }
    let height = half_width * stream.uniform(0.5, 0.9);
    let color = stream.pick(&ROOF_COLORS);
    Some(Roof {
        height,
        overhang: frame.size(0.02),
        color: stream.jitter(color, 8.0),
    })
}

/// A door at the foot of `wall`, in 85% of buildings tall and wide enough.
fn sample_door(stream: &mut Stream, frame: &Frame, wall: &Bounds) -> Option<Opening> {
    let width = frame.thick(stream.uniform(0.06, 0.085));
    let height = frame.size(stream.uniform(0.11, 0.15));
    let wall_width = wall.right - wall.left;
    let wanted = stream.chance(0.85);
    let left = wall.left + stream.uniform(0.15, 0.85) * (wall_width - width);
    let color = stream.pick(&DOOR_COLORS);
    let color = stream.jitter(color, 8.0);
    let fits = wall.bottom - wall.top > 1.3 * height && wall_width > 2.0 * width;
    (wanted && fits).then_some(Opening {
        bounds: Bounds::new(left, wall.bottom - height, left + width, wall.bottom),
        color,
    })
}

/// A centred grid of windows on `wall`, leaving out those that would touch
/// the door.
fn sample_windows(
    stream: &mut Stream,
    frame: &Frame,
    wall: &Bounds,
    door: Option<&Opening>,
) -> Vec<Opening> {
    let width = frame.thick(stream.uniform(0.05, 0.07));
    let height = (width * stream.uniform(1.0, 1.6)).max(2.0);
    let gap_x = (width * stream.uniform(0.5, 0.9)).max(2.0);
    let gap_y = (height * stream.uniform(0.4, 0.8)).max(2.0);
    let glass = stream.pick(&GLASS_COLORS);
    let margin = (0.6 * width).max(2.0);

    let area_width = wall.right - wall.left - 2.0 * margin;
    let area_height = wall.bottom - wall.top - margin - 1.5 * gap_y;
    let columns = ((area_width + gap_x) / (width + gap_x)).floor().max(0.0) as usize;
    let rows = ((area_height + gap_y) / (height + gap_y)).floor().max(0.0) as usize;
    let used_width = columns as f64 * (width + gap_x) - gap_x;
    let left = wall.left + margin + 0.5 * (area_width - used_width);
    let top = wall.top + margin;
    // Windows keep a gap's distance from the door's sides and top.
    let keep_clear = door.map(|door| {
        let clear = door.bounds;
        Bounds::new(
            clear.left - gap_x,
            clear.top - gap_y,
            clear.right + gap_x,
            clear.bottom,
        )
    });

    let mut windows = Vec::with_capacity(rows * columns);
    for row in 0..rows {
        for column in 0..columns {
            let x = left + column as f64 * (width + gap_x);
            let y = top + row as f64 * (height + gap_y);
            let bounds = Bounds::new(x, y, x + width, y + height);
            let color = if stream.chance(0.08) {
                LIT_WINDOW
            } else {
                glass
            };
            let color = stream.jitter(color, 6.0);
            if keep_clear.is_none_or(|clear| !clear.overlaps(&bounds)) {
                windows.push(Opening { bounds, color });
            }
        }
    }
    windows
}
