//! Writes scenes of the scene world to disk as a segmentation dataset.
//!
//! Layout under the output folder: `images/<seed>.png` (8-bit RGB),
//! `labels/<seed>.png` (8-bit grayscale whose values are class indices) and
//! `classes.txt` (one class name per line, line `i` naming index `i`). Seeds
//! are written with at least six digits, `000042.png`, so that files sort in
//! seed order.

use std::ops::Range;
use std::path::Path;

use crate::data::scene::{CLASS_NAMES, SceneWorld};
use crate::error::Result;
use crate::io::{create_dir_all, write_atomic, write_png};

/// Renders the scene of every seed in `seeds` and writes it under `dir`.
///
/// # Errors
///
/// [`Error::Io`] naming the folder or file that could not be created or
/// written; [`Error::Image`] naming the file whose PNG could not be encoded.
pub fn export_scenes(world: &SceneWorld, seeds: Range<u64>, dir: &Path) -> Result<()> {
    let images_dir = dir.join("images");
    let labels_dir = dir.join("labels");
    create_dir_all(&images_dir)?;
    create_dir_all(&labels_dir)?;

    let mut class_list = CLASS_NAMES.join("\n");
    class_list.push('\n');
    write_atomic(&dir.join("classes.txt"), class_list.as_bytes())?;

    let count = seeds.end.saturating_sub(seeds.start);
    for seed in seeds {
        let scene = world.render(seed);
        let name = format!("{seed:06}.png");
        write_png(&images_dir.join(&name), &scene.to_rgb_image().into())?;
        write_png(&labels_dir.join(&name), &scene.to_label_image().into())?;
    }
    log::info!(
        "exported {count} scenes ({}x{}, {}) to {}",
        world.height(),
        world.width(),
        world.variant(),
        dir.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use image::DynamicImage;

    use super::*;
    use crate::data::scene::Variant;
    use crate::error::Error;

    #[test]
    fn exported_pngs_read_back_as_the_rendered_scene() {
        let dir = tempfile::tempdir().unwrap();
        let world = SceneWorld::new(32, 48, Variant::real()).unwrap();
        export_scenes(&world, 7..10, dir.path()).unwrap();

        for seed in 7..10 {
            let scene = world.render(seed);
            let name = format!("{seed:06}.png");
            let rgb = image::open(dir.path().join("images").join(&name)).unwrap();
            let labels = image::open(dir.path().join("labels").join(&name)).unwrap();
            assert!(matches!(rgb, DynamicImage::ImageRgb8(_)));
            assert!(matches!(labels, DynamicImage::ImageLuma8(_)));
            assert_eq!(rgb.into_rgb8().into_raw(), scene.rgb);
            assert_eq!(labels.into_luma8().into_raw(), scene.labels);
        }
        let names: Vec<_> = std::fs::read_dir(dir.path().join("images"))
            .unwrap()
            .collect();
        assert_eq!(names.len(), 3);
    }

    #[test]
    fn class_list_has_one_name_per_line_in_index_order() {
        let dir = tempfile::tempdir().unwrap();
        let world = SceneWorld::new(16, 16, Variant::real()).unwrap();
        export_scenes(&world, 0..1, dir.path()).unwrap();
        let text = std::fs::read_to_string(dir.path().join("classes.txt")).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines, CLASS_NAMES);
        assert!(dir.path().join("labels").join("000000.png").is_file());
    }

    #[test]
    fn unwritable_folder_is_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("blocker");
        std::fs::write(&blocker, b"a file, not a folder").unwrap();
        let world = SceneWorld::new(16, 16, Variant::real()).unwrap();
        let error = export_scenes(&world, 0..1, &blocker).unwrap_err();
        assert!(matches!(error, Error::Io { .. }), "{error}");
        assert!(error.to_string().contains("blocker"), "{error}");
    }
}
