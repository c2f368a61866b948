//! Folders of JPEG and PNG images as an image source.

use std::ops::Range;
use std::path::{Path, PathBuf};

use image::RgbImage;
use image::imageops::{self, FilterType};

use super::HostBatch;
use super::source::{ImageSource, Loaded, Skipped};
use crate::error::{Error, Result};

/// The file extensions read as images (compared case-insensitively).
pub const IMAGE_EXTENSIONS: [&str; 3] = ["png", "jpg", "jpeg"];

/// A folder of JPEG and PNG images, searched recursively and read in sorted
/// path order so that runs are reproducible.
///
/// Each image is scaled so that its shorter side matches the requested size,
/// with the image crate's Catmull-Rom filter (which widens its support when
/// shrinking, so downscaling is antialiased), then centre-cropped.
#[derive(Debug, Clone)]
pub struct ImageFolder {
    root: PathBuf,
    files: Vec<PathBuf>,
    strict: bool,
}

impl ImageFolder {
    /// Lists the images under `root`.
    ///
    /// With `strict`, an unreadable image fails the load; otherwise it is
    /// reported in [`Loaded::skipped`] and left out.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the folder cannot be read, [`Error::EmptyInput`]
    /// when it holds no image.
    pub fn open(root: &Path, strict: bool) -> Result<Self> {
        let mut files = Vec::new();
        collect_images(root, &mut files)?;
        if files.is_empty() {
            return Err(Error::EmptyInput {
                path: root.to_path_buf(),
                reason: format!(
                    "no image files ({}) in this folder or below",
                    IMAGE_EXTENSIONS.join(", ")
                ),
            });
        }
        files.sort();
        Ok(Self {
            root: root.to_path_buf(),
            files,
            strict,
        })
    }

    /// The image files, in the order they are read.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }
}

fn collect_images(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|source| Error::io(dir, source))?;
    for entry in entries {
        let path = entry.map_err(|source| Error::io(dir, source))?.path();
        if path.is_dir() {
            collect_images(&path, files)?;
        } else if has_image_extension(&path) {
            files.push(path);
        }
    }
    Ok(())
}

fn has_image_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|extension| extension.to_str())
        .is_some_and(|extension| {
            IMAGE_EXTENSIONS
                .iter()
                .any(|known| extension.eq_ignore_ascii_case(known))
        })
}

/// Reads an image file and fits it to `[height, width]`: scale the shorter
/// side to fit, then crop the centre.
///
/// # Errors
///
/// [`Error::Image`] naming the file when it cannot be opened or decoded.
pub fn load_fitted(path: &Path, size: [usize; 2]) -> Result<RgbImage> {
    let image = image::open(path).map_err(|source| Error::Image {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(fit(&image.to_rgb8(), size))
}

/// Scales `image` so that it covers `[height, width]` and crops the centre.
pub fn fit(image: &RgbImage, size: [usize; 2]) -> RgbImage {
    let [height, width] = [size[0] as u32, size[1] as u32];
    let scale = f64::max(
        height as f64 / image.height() as f64,
        width as f64 / image.width() as f64,
    );
    let scaled_width = ((image.width() as f64 * scale).round() as u32).max(width);
    let scaled_height = ((image.height() as f64 * scale).round() as u32).max(height);
    let scaled = if (scaled_width, scaled_height) == image.dimensions() {
        image.clone()
    } else {
        imageops::resize(image, scaled_width, scaled_height, FilterType::CatmullRom)
    };
    let left = (scaled_width - width) / 2;
    let top = (scaled_height - height) / 2;
    imageops::crop_imm(&scaled, left, top, width, height).to_image()
}

impl ImageSource for ImageFolder {
    fn description(&self) -> String {
        format!("image folder {}", self.root.display())
    }

    fn len(&self) -> usize {
        self.files.len()
    }

    fn load(&self, range: Range<usize>, size: [usize; 2]) -> Result<Loaded> {
        let mut loaded = Loaded {
            batch: HostBatch::new(size[0], size[1], false),
            skipped: Vec::new(),
        };
        for path in &self.files[range] {
            match load_fitted(path, size) {
                Ok(image) => loaded.batch.rgb.extend_from_slice(image.as_raw()),
                Err(error) if !self.strict => {
                    log::warn!("skipping {error}");
                    loaded.skipped.push(Skipped {
                        path: path.clone(),
                        reason: error.to_string(),
                    });
                }
                Err(error) => return Err(error),
            }
        }
        Ok(loaded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_scales_the_shorter_side_and_crops_the_centre() {
        // A 40×20 image: left half black, right half white; the centre crop
        // of the 2× downscale (20×10 -> crop to 10×10) straddles both halves.
        let image = RgbImage::from_fn(40, 20, |x, _| {
            if x < 20 {
                image::Rgb([0, 0, 0])
            } else {
                image::Rgb([255, 255, 255])
            }
        });
        let fitted = fit(&image, [10, 10]);
        assert_eq!(fitted.dimensions(), (10, 10));
        assert!(fitted.get_pixel(0, 5)[0] < 20);
        assert!(fitted.get_pixel(9, 5)[0] > 235);
    }

    #[test]
    fn empty_folder_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let error = ImageFolder::open(dir.path(), false).unwrap_err();
        assert!(matches!(error, Error::EmptyInput { .. }));
        assert!(
            error
                .to_string()
                .contains(&dir.path().display().to_string())
        );
    }

    #[test]
    fn missing_folder_is_an_io_error() {
        let error = ImageFolder::open(Path::new("/nonexistent/modedrop"), false).unwrap_err();
        assert!(matches!(error, Error::Io { .. }), "{error}");
    }

    #[test]
    fn corrupt_file_is_skipped_or_fails_when_strict() {
        let dir = tempfile::tempdir().unwrap();
        RgbImage::new(8, 8).save(dir.path().join("a.png")).unwrap();
        std::fs::write(dir.path().join("b.png"), b"not a png").unwrap();

        let folder = ImageFolder::open(dir.path(), false).unwrap();
        let loaded = folder.load(0..2, [4, 4]).unwrap();
        assert_eq!(loaded.batch.len(), 1);
        assert_eq!(loaded.skipped.len(), 1);
        assert!(loaded.skipped[0].path.ends_with("b.png"));

        let strict = ImageFolder::open(dir.path(), true).unwrap();
        let error = strict.load(0..2, [4, 4]).unwrap_err();
        assert!(error.to_string().contains("b.png"), "{error}");
    }
}
