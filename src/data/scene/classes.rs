//! The scene world's class vocabulary and the colours used to draw label maps.

use image::RgbImage;

/// The classes of the scene world. A label map stores the index into this
/// list. The order is also the order of the columns of every per-class table.
pub const CLASS_NAMES: [&str; 12] = [
    "sky",
    "mountain",
    "grass",
    "road",
    "building",
    "tree",
    "window",
    "door",
    "car",
    "person",
    "fence",
    "lamp post",
];

/// The number of classes, `CLASS_NAMES.len()`.
pub const NUM_CLASSES: usize = CLASS_NAMES.len();

pub(super) const SKY: u8 = 0;
pub(super) const MOUNTAIN: u8 = 1;
pub(super) const GRASS: u8 = 2;
pub(super) const ROAD: u8 = 3;
pub(super) const BUILDING: u8 = 4;
pub(super) const TREE: u8 = 5;
pub(super) const WINDOW: u8 = 6;
pub(super) const DOOR: u8 = 7;
pub(super) const CAR: u8 = 8;
pub(super) const PERSON: u8 = 9;
pub(super) const FENCE: u8 = 10;
pub(super) const LAMP_POST: u8 = 11;

/// A distinct display colour per class, for drawing label maps (not the
/// colours the classes are rendered with).
pub const CLASS_COLORS: [[u8; 3]; NUM_CLASSES] = [
    [110, 170, 240], // sky
    [130, 90, 160],  // mountain
    [60, 180, 60],   // grass
    [90, 90, 90],    // road
    [200, 80, 60],   // building
    [10, 90, 30],    // tree
    [240, 220, 40],  // window
    [140, 70, 10],   // door
    [240, 40, 200],  // car
    [255, 0, 0],     // person
    [250, 250, 250], // fence
    [0, 230, 230],   // lamp post
];

/// The index of the class called `name`, accepting spaces or hyphens
/// (`"lamp post"` or `"lamp-post"`), case-insensitively.
pub fn class_index(name: &str) -> Option<usize> {
    let wanted = name.trim().to_ascii_lowercase().replace('-', " ");
    CLASS_NAMES.iter().position(|&class| class == wanted)
}

/// A class name as written in variant strings: spaces become hyphens.
pub(super) fn hyphenated(class: usize) -> String {
    CLASS_NAMES[class].replace(' ', "-")
}

/// Draws a label map (row-major class indices) in [`CLASS_COLORS`].
///
/// # Panics
///
/// If `labels.len()` is not `height * width` or a label is not a class index.
pub fn colorize_labels(labels: &[u8], height: u32, width: u32) -> RgbImage {
    assert_eq!(
        labels.len(),
        height as usize * width as usize,
        "label map of {} values for a {height}x{width} image",
        labels.len()
    );
    let mut rgb = Vec::with_capacity(labels.len() * 3);
    for &label in labels {
        assert!(
            (label as usize) < NUM_CLASSES,
            "label {label} is not a class index (expected < {NUM_CLASSES})"
        );
        rgb.extend_from_slice(&CLASS_COLORS[label as usize]);
    }
    RgbImage::from_raw(width, height, rgb).expect("buffer length checked above")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_constants_match_names() {
        let pairs = [
            (SKY, "sky"),
            (MOUNTAIN, "mountain"),
            (GRASS, "grass"),
            (ROAD, "road"),
            (BUILDING, "building"),
            (TREE, "tree"),
            (WINDOW, "window"),
            (DOOR, "door"),
            (CAR, "car"),
            (PERSON, "person"),
            (FENCE, "fence"),
            (LAMP_POST, "lamp post"),
        ];
        for (index, name) in pairs {
            assert_eq!(CLASS_NAMES[index as usize], name);
        }
    }

    #[test]
    fn class_index_accepts_hyphens_and_case() {
        assert_eq!(class_index("lamp-post"), Some(11));
        assert_eq!(class_index("Lamp Post"), Some(11));
        assert_eq!(class_index("sky"), Some(0));
        assert_eq!(class_index("lamp"), None);
    }

    #[test]
    fn display_colours_are_distinct() {
        for (a, first) in CLASS_COLORS.iter().enumerate() {
            for (b, second) in CLASS_COLORS.iter().enumerate().skip(a + 1) {
                assert_ne!(first, second, "classes {a} and {b}");
            }
        }
    }

    #[test]
    fn colorize_maps_each_label_to_its_colour() {
        let image = colorize_labels(&[0, 9, 11, 2], 2, 2);
        assert_eq!(image.get_pixel(0, 0).0, CLASS_COLORS[0]);
        assert_eq!(image.get_pixel(1, 0).0, CLASS_COLORS[9]);
        assert_eq!(image.get_pixel(0, 1).0, CLASS_COLORS[11]);
        assert_eq!(image.get_pixel(1, 1).0, CLASS_COLORS[2]);
    }
}
