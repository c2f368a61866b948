//! Things standing on the ground: trees, fences and lamp posts.
//!
//! Each is placed at a random depth below the horizon and shrinks with
//! distance. A tree is a trunk under a lobed round crown or a tiered conifer
//! (trunk and crown both labelled tree). A fence is a solid panel of planks
//! with darker seams and rails. A lamp post is a pole on a foot with an arm
//! that holds a lamp head; all of it is labelled lamp post.

use super::canvas::{Bounds, Canvas};
use super::classes::{FENCE, LAMP_POST, TREE};
use super::layout::{Color, Frame, parameter_stream, perspective, shade, texture};
use super::rng::{Stream, Texture};

/// The number of tree slots; each is filled in 45% of scenes.
pub(super) const TREE_SLOTS: u64 = 5;
/// The number of fence slots; each is filled in 30% of scenes.
pub(super) const FENCE_SLOTS: u64 = 2;
/// The number of lamp post slots; each is filled in 35% of scenes.
pub(super) const LAMP_POST_SLOTS: u64 = 2;

const LEAF_COLORS: [Color; 5] = [
    [35.0, 85.0, 40.0],
    [45.0, 100.0, 45.0],
    [30.0, 75.0, 50.0],
    [52.0, 92.0, 35.0],
    [25.0, 68.0, 38.0],
];
const TRUNK_COLORS: [Color; 3] = [[85.0, 60.0, 40.0], [100.0, 74.0, 50.0], [70.0, 50.0, 36.0]];
const FENCE_COLORS: [Color; 4] = [
    [228.0, 225.0, 215.0],
    [215.0, 205.0, 178.0],
    [185.0, 150.0, 110.0],
    [158.0, 156.0, 150.0],
];
const POLE_COLORS: [Color; 3] = [[40.0, 42.0, 48.0], [30.0, 55.0, 42.0], [58.0, 58.0, 64.0]];
const LAMP_LIGHT: Color = [250.0, 235.0, 170.0];

/// The crown of a tree.
#[derive(Debug, Clone, Copy)]
enum Crown {
    /// An ellipse whose radius ripples with `lobes` bumps around it.
    Round {
        center_x: f64,
        center_y: f64,
        radius_x: f64,
        radius_y: f64,
        lobes: f64,
        phase: f64,
    },
    /// A cone of `tiers` stacked layers from `apex` down to `base`.
    Conifer {
        center_x: f64,
        apex: f64,
        base: f64,
        half_width: f64,
        tiers: f64,
    },
}

impl Crown {
    /// A conifer in 35% of trees, otherwise a round crown, of about `radius`
    /// over a trunk rising `trunk_height` from row `foot` at `center_x`. A
    /// conifer's lowest tier starts halfway up the trunk.
    fn sample(
        stream: &mut Stream,
        center_x: f64,
        foot: f64,
        trunk_height: f64,
        radius: f64,
    ) -> Self {
        if stream.chance(0.35) {
            let base = foot - 0.5 * trunk_height;
            Crown::Conifer {
                center_x,
                apex: base - radius * stream.uniform(2.2, 3.2),
                base,
                half_width: radius * stream.uniform(0.7, 0.9),
                tiers: stream.pick(&[3.0, 4.0]),
            }
        } else {
            Crown::Round {
                center_x,
                center_y: foot - trunk_height - 0.8 * radius,
                radius_x: radius,
                radius_y: radius * stream.uniform(0.9, 1.2),
                lobes: stream.pick(&[5.0, 6.0, 7.0]),
                phase: stream.uniform(0.0, std::f64::consts::TAU),
            }
        }
    }

    fn bounds(&self) -> Bounds {
        match *self {
            Crown::Round {
                center_x,
                center_y,
                radius_x,
                radius_y,
                ..
            } => Bounds::new(
                center_x - 1.1 * radius_x,
                center_y - 1.1 * radius_y,
                center_x + 1.1 * radius_x,
                center_y + 1.1 * radius_y,
            ),
            Crown::Conifer {
                center_x,
                apex,
                base,
                half_width,
                ..
            } => Bounds::new(center_x - half_width, apex, center_x + half_width, base),
        }
    }

    fn contains(&self, x: f64, y: f64) -> bool {
        match *self {
            Crown::Round {
                center_x,
                center_y,
                radius_x,
                radius_y,
                lobes,
                phase,
            } => {
                let (dx, dy) = ((x - center_x) / radius_x, (y - center_y) / radius_y);
                let reach = 1.0 + 0.1 * (lobes * dy.atan2(dx) + phase).sin();
                dx * dx + dy * dy < reach * reach
            }
            Crown::Conifer {
                center_x,
                apex,
                base,
                half_width,
                tiers,
            } => {
                let down = (y - apex) / (base - apex);
                let tier = (down * tiers).fract();
                let reach = half_width * (0.35 + 0.65 * down) * (0.55 + 0.45 * tier);
                (x - center_x).abs() < reach
            }
        }
    }
}

/// One tree.
#[derive(Debug, Clone)]
pub(super) struct Tree {
    /// The row where the trunk meets the ground.
    pub(super) foot: f64,
    trunk: Bounds,
    crown: Crown,
    leaf_color: Color,
    trunk_color: Color,
    texture: Texture,
}

impl Tree {
    /// The tree in `slot` of scene `seed`, if the slot is filled.
    pub(super) fn sample(frame: &Frame, seed: u64, slot: u64) -> Option<Self> {
        let mut stream = parameter_stream(seed, TREE, slot);
        if !stream.chance(0.45) {
            return None;
        }
        let depth = stream.uniform(0.02, 0.5);
        let size = perspective(depth, 0.6, 1.2);
        let foot = frame.row_at_depth(depth);
        let center_x = frame.width * stream.uniform(-0.05, 1.05);
        let radius = frame.size(stream.uniform(0.08, 0.13) * size);
        let trunk_width = frame.thick(0.035 * size);
        let trunk_height = frame.size(stream.uniform(0.06, 0.12) * size);
        let trunk_top = foot - trunk_height - 0.5 * radius;
        let crown = Crown::sample(&mut stream, center_x, foot, trunk_height, radius);
        let leaf_color = stream.pick(&LEAF_COLORS);
        let trunk_color = stream.pick(&TRUNK_COLORS);
        Some(Self {
            foot,
            trunk: Bounds::new(
                center_x - 0.5 * trunk_width,
                trunk_top,
                center_x + 0.5 * trunk_width,
                foot,
            ),
            crown,
            leaf_color: stream.jitter(leaf_color, 8.0),
            trunk_color: stream.jitter(trunk_color, 8.0),
            texture: texture(seed, TREE, slot),
        })
    }

    pub(super) fn draw(&self, canvas: &mut Canvas, frame: &Frame) {
        let scale = frame.texture_scale();
        canvas.paint(
            self.trunk,
            TREE,
            |_, _| true,
            |x, y| shade(self.trunk_color, 1.0, 6.0 * self.texture.grain(x, y, scale)),
        );
        let bounds = self.crown.bounds();
        canvas.paint(
            bounds,
            TREE,
            |x, y| self.crown.contains(x, y),
            |x, y| {
                // Lit from the upper left.
                let down = (y - bounds.top) / (bounds.bottom - bounds.top);
                let right = (x - bounds.left) / (bounds.right - bounds.left);
                let noise = 18.0 * self.texture.smooth(x, y, 1.8 * scale)
                    + 8.0 * self.texture.smooth(x, y, 5.0 * scale)
                    + 5.0 * self.texture.grain(x, y, scale);
                shade(self.leaf_color, 1.12 - 0.22 * down - 0.12 * right, noise)
            },
        );
    }
}

/// A fence panel.
#[derive(Debug, Clone)]
pub(super) struct Fence {
    pub(super) panel: Bounds,
    plank_width: f64,
    color: Color,
    texture: Texture,
}

impl Fence {
    /// The fence in `slot` of scene `seed`, if the slot is filled.
    pub(super) fn sample(frame: &Frame, seed: u64, slot: u64) -> Option<Self> {
        let mut stream = parameter_stream(seed, FENCE, slot);
        if !stream.chance(0.3) {
            return None;
        }
        let depth = stream.uniform(0.08, 0.7);
        let size = perspective(depth, 0.6, 1.2);
        let foot = frame.row_at_depth(depth);
        let height = frame.size(stream.uniform(0.07, 0.1) * size).max(3.0);
        let left = frame.width * stream.uniform(-0.15, 0.85);
        let length = frame.width * stream.uniform(0.2, 0.45);
        let color = stream.pick(&FENCE_COLORS);
        Some(Self {
            panel: Bounds::new(left, foot - height, left + length, foot),
            plank_width: frame.size(0.045 * size).max(2.5),
            color: stream.jitter(color, 8.0),
            texture: texture(seed, FENCE, slot),
        })
    }

    pub(super) fn draw(&self, canvas: &mut Canvas, frame: &Frame) {
        let scale = frame.texture_scale();
        let panel = self.panel;
        canvas.paint(
            panel,
            FENCE,
            |_, _| true,
            |x, y| {
                let across = ((x - panel.left) / self.plank_width).fract();
                let down = (y - panel.top) / (panel.bottom - panel.top);
                let seam = if across < 0.25 { 0.72 } else { 1.0 };
                let on_rail = (0.2..0.32).contains(&down) || (0.68..0.8).contains(&down);
                let rail = if on_rail { 0.86 } else { 1.0 };
                let noise = 5.0 * self.texture.grain(x, y, scale);
                shade(self.color, seam * rail, noise)
            },
        );
    }
}

/// A street lamp.
#[derive(Debug, Clone)]
pub(super) struct LampPost {
    pub(super) foot: f64,
    pole: Bounds,
    base: Bounds,
    arm: Bounds,
    head: Bounds,
    color: Color,
}

impl LampPost {
    /// The lamp post in `slot` of scene `seed`, if the slot is filled.
    pub(super) fn sample(frame: &Frame, seed: u64, slot: u64) -> Option<Self> {
        let mut stream = parameter_stream(seed, LAMP_POST, slot);
        if !stream.chance(0.35) {
            return None;
        }
        let depth = stream.uniform(0.05, 0.6);
        let size = perspective(depth, 0.6, 1.1);
        let foot = frame.row_at_depth(depth);
        let x = frame.width * stream.uniform(0.03, 0.97);
        let pole_width = frame.thick(0.035 * size);
        let top = foot - frame.size(stream.uniform(0.3, 0.42) * size);
        let pole = Bounds::new(x - 0.5 * pole_width, top, x + 0.5 * pole_width, foot);
        let base_height = frame.thick(0.03 * size);
        let base = Bounds::new(x - pole_width, foot - base_height, x + pole_width, foot);

        let direction = if stream.chance(0.5) { 1.0 } else { -1.0 };
        let arm_length = frame.size(stream.uniform(0.06, 0.1) * size);
        let arm_end = x + direction * arm_length;
        let arm_thickness = frame.thick(0.025 * size);
        let arm = Bounds::new(x.min(arm_end), top, x.max(arm_end), top + arm_thickness);
        let head_width = frame.size(0.07 * size).max(3.0);
        let head_height = frame.thick(0.035 * size);
        let head = Bounds::new(
            arm_end - 0.5 * head_width,
            top + arm_thickness,
            arm_end + 0.5 * head_width,
            top + arm_thickness + head_height,
        );
        let color = stream.pick(&POLE_COLORS);
        Some(Self {
            foot,
            pole,
            base,
            arm,
            head,
            color: stream.jitter(color, 6.0),
        })
    }

    pub(super) fn draw(&self, canvas: &mut Canvas) {
        for part in [self.pole, self.base, self.arm] {
            canvas.paint(part, LAMP_POST, |_, _| true, |_, _| self.color);
        }
        let head = self.head;
        let middle = 0.5 * (head.top + head.bottom);
        canvas.paint(
            head,
            LAMP_POST,
            |_, _| true,
            |_, y| if y < middle { self.color } else { LAMP_LIGHT },
        );
    }
}
