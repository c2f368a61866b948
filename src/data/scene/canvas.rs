//! The raster that scene layers paint into, in painter's order.
//!
//! A pixel belongs to a shape when its centre, `(column + 0.5, row + 0.5)`,
//! lies inside the shape. There is no anti-aliasing: the last layer to cover a
//! pixel sets both its colour and its label, so the label map is exact.

/// An axis-aligned box in pixel coordinates (x to the right, y down).
#[derive(Debug, Clone, Copy)]
pub(super) struct Bounds {
    pub(super) left: f64,
    pub(super) top: f64,
    pub(super) right: f64,
    pub(super) bottom: f64,
}

impl Bounds {
    /// The box spanning `left..right` and `top..bottom`.
    pub(super) fn new(left: f64, top: f64, right: f64, bottom: f64) -> Self {
        Self {
            left,
            top,
            right,
            bottom,
        }
    }

    /// Whether the two boxes share any area.
    pub(super) fn overlaps(&self, other: &Bounds) -> bool {
        self.left < other.right
            && other.left < self.right
            && self.top < other.bottom
            && other.top < self.bottom
    }

    /// Whether the point lies inside (left and top edges included).
    pub(super) fn contains(&self, x: f64, y: f64) -> bool {
        x >= self.left && x < self.right && y >= self.top && y < self.bottom
    }
}

/// RGB pixels and class labels of one scene being painted.
#[derive(Debug)]
pub(super) struct Canvas {
    pub(super) height: usize,
    pub(super) width: usize,
    pub(super) rgb: Vec<u8>,
    pub(super) labels: Vec<u8>,
}

impl Canvas {
    /// A black canvas labelled 0 everywhere; the background layers cover it.
    pub(super) fn new(height: usize, width: usize) -> Self {
        Self {
            height,
            width,
            rgb: vec![0; height * width * 3],
            labels: vec![0; height * width],
        }
    }

    /// Paints `class` over every pixel within `bounds` whose centre satisfies
    /// `inside`, with the colour `color` gives at that centre (0..255 floats,
    /// clamped).
    pub(super) fn paint(
        &mut self,
        bounds: Bounds,
        class: u8,
        inside: impl Fn(f64, f64) -> bool,
        color: impl Fn(f64, f64) -> [f64; 3],
    ) {
        let rows = pixel_span(bounds.top, bounds.bottom, self.height);
        let columns = pixel_span(bounds.left, bounds.right, self.width);
        for row in rows {
            let y = row as f64 + 0.5;
            for column in columns.clone() {
                let x = column as f64 + 0.5;
                if !bounds.contains(x, y) || !inside(x, y) {
                    continue;
                }
                let index = row * self.width + column;
                let rgb = color(x, y);
                for (channel, value) in rgb.iter().enumerate() {
                    self.rgb[index * 3 + channel] = value.round().clamp(0.0, 255.0) as u8;
                }
                self.labels[index] = class;
            }
        }
    }
}

/// The pixel indices whose centres may fall in `start..end`, clipped to
/// `0..size`.
fn pixel_span(start: f64, end: f64, size: usize) -> std::ops::Range<usize> {
    let first = (start - 0.5).ceil().max(0.0) as usize;
    let last = (end - 0.5).ceil().clamp(0.0, size as f64) as usize;
    first.min(size)..last
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paints_pixels_whose_centres_fall_inside() {
        let mut canvas = Canvas::new(4, 4);
        // Centres at 1.5 and 2.5 lie in [1.2, 3.2); 0.5 and 3.5 do not.
        canvas.paint(
            Bounds::new(1.2, 0.0, 3.2, 1.0),
            5,
            |_, _| true,
            |_, _| [300.0, -4.0, 7.4],
        );
        assert_eq!(&canvas.labels[0..4], &[0, 5, 5, 0]);
        assert_eq!(&canvas.rgb[3..6], &[255, 0, 7]);
        assert!(canvas.labels[4..].iter().all(|&label| label == 0));
    }

    #[test]
    fn bounds_outside_the_canvas_are_clipped() {
        let mut canvas = Canvas::new(3, 3);
        canvas.paint(
            Bounds::new(-10.0, -10.0, 10.0, 10.0),
            2,
            |_, _| true,
            |_, _| [0.0; 3],
        );
        assert!(canvas.labels.iter().all(|&label| label == 2));
        canvas.paint(
            Bounds::new(5.0, 5.0, 9.0, 9.0),
            3,
            |_, _| true,
            |_, _| [0.0; 3],
        );
        assert!(canvas.labels.iter().all(|&label| label == 2));
    }
}
