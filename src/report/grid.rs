//! Grids of sample images beside their segmentations, and class colours.

use image::{Rgb, RgbImage};

use crate::data::scene::{CLASS_COLORS, CLASS_NAMES};

/// One colour per class: the scene world's own colours when the vocabulary
/// is the scene world's, otherwise hues spread by the golden angle so that
/// neighbouring class indices get distinct colours.
pub fn class_palette(class_names: &[String]) -> Vec<[u8; 3]> {
    if class_names
        .iter()
        .map(String::as_str)
        .eq(CLASS_NAMES.iter().copied())
    {
        return CLASS_COLORS.to_vec();
    }
    (0..class_names.len())
        .map(|index| {
            let hue = (index as f64 * 137.507_764) % 360.0;
            let value = if index % 2 == 0 { 0.95 } else { 0.7 };
            hsv_to_rgb(hue, 0.75, value)
        })
        .collect()
}

fn hsv_to_rgb(hue: f64, saturation: f64, value: f64) -> [u8; 3] {
    let sector = hue / 60.0;
    let chroma = value * saturation;
    let x = chroma * (1.0 - (sector % 2.0 - 1.0).abs());
    let (r, g, b) = match sector as u32 {
        0 => (chroma, x, 0.0),
        1 => (x, chroma, 0.0),
        2 => (0.0, chroma, x),
        3 => (0.0, x, chroma),
        4 => (x, 0.0, chroma),
        _ => (chroma, 0.0, x),
    };
    let m = value - chroma;
    [r, g, b].map(|c| ((c + m) * 255.0).round() as u8)
}

/// A grid of images, each followed by its segmentation, `columns` pairs per
/// row, with a 2-pixel white border between cells.
///
/// `rgb` is row-major `[count, height, width, 3]`, `class_map` row-major
/// `[count, height, width]`.
///
/// # Panics
///
/// If the buffers are shorter than `count` images, or a class index has no
/// colour in `palette`.
pub fn sample_grid(
    rgb: &[u8],
    class_map: &[u16],
    [count, height, width]: [usize; 3],
    columns: usize,
    palette: &[[u8; 3]],
) -> RgbImage {
    assert!(rgb.len() >= count * height * width * 3 && class_map.len() >= count * height * width);
    let columns = columns.clamp(1, count.max(1));
    let rows = count.div_ceil(columns);
    let border = 2;
    let cell = |n: usize, size: usize| (n * (size + border) + border) as u32;
    let mut grid = RgbImage::from_pixel(
        cell(2 * columns, width),
        cell(rows, height),
        Rgb([255, 255, 255]),
    );
    for index in 0..count {
        let (row, column) = (index / columns, index % columns);
        let top = cell(row, height);
        let (left_image, left_labels) = (cell(2 * column, width), cell(2 * column + 1, width));
        for y in 0..height {
            for x in 0..width {
                let pixel = (index * height + y) * width + x;
                let colour = [rgb[3 * pixel], rgb[3 * pixel + 1], rgb[3 * pixel + 2]];
                let (gx, gy) = (x as u32, top + y as u32);
                grid.put_pixel(left_image + gx, gy, Rgb(colour));
                grid.put_pixel(
                    left_labels + gx,
                    gy,
                    Rgb(palette[class_map[pixel] as usize]),
                );
            }
        }
    }
    grid
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_places_each_image_beside_its_labels() {
        // Two 1×1 images: red labelled 0, blue labelled 1.
        let palette = [[0, 255, 0], [0, 0, 0]];
        let grid = sample_grid(&[255, 0, 0, 0, 0, 255], &[0, 1], [2, 1, 1], 2, &palette);
        assert_eq!(grid.dimensions(), (4 * 3 + 2, 1 + 2 * 2));
        assert_eq!(grid.get_pixel(2, 2).0, [255, 0, 0]);
        assert_eq!(grid.get_pixel(5, 2).0, [0, 255, 0]);
        assert_eq!(grid.get_pixel(8, 2).0, [0, 0, 255]);
        assert_eq!(grid.get_pixel(11, 2).0, [0, 0, 0]);
        assert_eq!(grid.get_pixel(0, 0).0, [255, 255, 255]);
    }

    #[test]
    fn palette_colours_are_distinct_for_many_classes() {
        let names: Vec<String> = (0..336).map(|i| format!("class {i}")).collect();
        let palette = class_palette(&names);
        let distinct: std::collections::HashSet<_> = palette.iter().collect();
        assert!(distinct.len() > 300);
    }
}
