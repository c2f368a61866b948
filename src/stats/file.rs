//! The statistics of one image source, and the file that stores them.
//!
//! A [`SegmentationStats`] holds the class-area moments of every image of a source (a real
//! data set, or one generator snapshot) as two halves: the `i`-th image pushed goes to half
//! `i % 2`. Their merge is the statistics of the whole source; their comparison with each
//! other is a split-half noise floor, the distance two samples of the same source show by
//! chance alone.
//!
//! The file is JSON:
//!
//! ```text
//! { "format": "modedrop-segmentation-stats", "version": 1,
//!   "meta": { "class_names": [...], "segmenter": "...", "source": "...",
//!             "height": 256, "width": 256 },
//!   "image_count": 50000,
//!   "halves": [ <AreaMoments>, <AreaMoments> ] }
//! ```
//!
//! Loading checks the format tag, the version and the internal consistency of the numbers,
//! and reports each problem as one line that names the file.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::stats::moments::AreaMoments;

/// The value of the `"format"` field of every statistics file.
pub const STATS_FORMAT: &str = "modedrop-segmentation-stats";

/// The statistics file version this build writes and reads.
pub const STATS_VERSION: u64 = 1;

/// What was measured and how: everything about a statistics file except the numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatsMeta {
    /// Name of each class, in the segmenter's class order.
    pub class_names: Vec<String>,
    /// Identity of the segmenter (model name and weights digest); statistics are comparable
    /// only when this string is identical.
    pub segmenter: String,
    /// Human description of the image source, such as a data set path or a generator
    /// snapshot.
    pub source: String,
    /// Height in pixels of the images as segmented.
    pub height: u32,
    /// Width in pixels of the images as segmented.
    pub width: u32,
}

/// Class-area statistics of one image source, kept as two interleaved halves.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentationStats {
    meta: StatsMeta,
    halves: [AreaMoments; 2],
}

/// The on-disk layout of [`SegmentationStats`].
#[derive(Serialize, Deserialize)]
struct StatsFile {
    format: String,
    version: u64,
    meta: StatsMeta,
    image_count: u64,
    halves: [AreaMoments; 2],
}

impl SegmentationStats {
    /// Empty statistics for the classes, segmenter and source described by `meta`.
    pub fn new(meta: StatsMeta) -> Self {
        let num_classes = meta.class_names.len();
        Self {
            meta,
            halves: [AreaMoments::new(num_classes), AreaMoments::new(num_classes)],
        }
    }

    /// What was measured and how.
    pub fn meta(&self) -> &StatsMeta {
        &self.meta
    }

    /// Number of classes, the length of every area vector.
    pub fn num_classes(&self) -> usize {
        self.meta.class_names.len()
    }

    /// Folds in the class areas of the next image, in percent of the image area.
    ///
    /// # Panics
    ///
    /// As [`AreaMoments::push`]: wrong length or non-finite values.
    pub fn push(&mut self, area_percent: &[f64]) {
        let half = self.next_half();
        self.halves[half].push(area_percent);
    }

    /// Folds in a block of images given as rows of class areas in percent, in row order.
    ///
    /// # Shapes
    ///
    /// `rows`: row-major `[batch_size, num_classes]`.
    ///
    /// # Panics
    ///
    /// As [`AreaMoments::push_rows`].
    pub fn push_rows(&mut self, rows: &[f32], num_classes: usize) {
        assert_eq!(
            num_classes,
            self.num_classes(),
            "area rows: expected {} classes, got {}",
            self.num_classes(),
            num_classes
        );
        assert!(
            rows.len().is_multiple_of(num_classes),
            "area rows: {} values is not a whole number of rows of {} classes",
            rows.len(),
            num_classes
        );

        let mut row = vec![0.0; num_classes];
        for chunk in rows.chunks_exact(num_classes.max(1)) {
            row.iter_mut()
                .zip(chunk)
                .for_each(|(target, v)| *target = f64::from(*v));
            self.push(&row);
        }
    }

    /// Adds the images of `other`, as if they had been pushed here after this source's own.
    /// The metadata of `self` is kept.
    ///
    /// # Errors
    ///
    /// [`Error::Incompatible`] if the class names or the segmenter differ.
    pub fn merge(&mut self, other: &SegmentationStats) -> Result<()> {
        self.check_comparable(other)?;
        if (self.meta.height, self.meta.width) != (other.meta.height, other.meta.width) {
            log::warn!(
                "merging statistics segmented at {}x{} ({}) into {}x{} ({})",
                other.meta.height,
                other.meta.width,
                other.meta.source,
                self.meta.height,
                self.meta.width,
                self.meta.source
            );
        }

        // After an odd number of own images, `other`'s image 0 is image number odd here, so
        // its halves swap; this keeps the halves within one image of each other.
        let swap = self.image_count() % 2 == 1;
        let (first, second) = if swap { (1, 0) } else { (0, 1) };
        self.halves[first].merge(&other.halves[0]);
        self.halves[second].merge(&other.halves[1]);
        Ok(())
    }

    /// Number of images folded in.
    pub fn image_count(&self) -> u64 {
        self.halves[0].count() + self.halves[1].count()
    }

    /// The moments of the even-numbered and the odd-numbered images.
    pub fn halves(&self) -> &[AreaMoments; 2] {
        &self.halves
    }

    /// The moments of all images.
    pub fn total(&self) -> AreaMoments {
        let mut total = self.halves[0].clone();
        total.merge(&self.halves[1]);
        total
    }

    /// Checks that `self` and `other` measure the same classes with the same segmenter.
    ///
    /// # Errors
    ///
    /// [`Error::Incompatible`] naming both sources and the first difference.
    pub fn check_comparable(&self, other: &SegmentationStats) -> Result<()> {
        let (a, b) = (&self.meta, &other.meta);
        if a.segmenter != b.segmenter {
            return Err(Error::Incompatible(format!(
                "'{}' was segmented by '{}' but '{}' by '{}'",
                a.source, a.segmenter, b.source, b.segmenter
            )));
        }
        if a.class_names != b.class_names {
            return Err(Error::Incompatible(format!(
                "class vocabularies differ: '{}' has {} classes, '{}' has {}; {}",
                a.source,
                a.class_names.len(),
                b.source,
                b.class_names.len(),
                first_name_difference(&a.class_names, &b.class_names)
            )));
        }
        Ok(())
    }

    /// Writes the statistics to `path` atomically.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] naming the file if it cannot be written.
    pub fn save(&self, path: &Path) -> Result<()> {
        let file = StatsFile {
            format: STATS_FORMAT.to_string(),
            version: STATS_VERSION,
            meta: self.meta.clone(),
            image_count: self.image_count(),
            halves: self.halves.clone(),
        };
        let json = serde_json::to_vec_pretty(&file)
            .map_err(|error| Error::invalid_file(path, format!("cannot encode: {error}")))?;
        crate::io::write_atomic(path, &json)?;
        log::debug!(
            "wrote statistics of {} images to {}",
            self.image_count(),
            path.display()
        );
        Ok(())
    }

    /// Reads statistics written by [`save`](Self::save).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the file cannot be read; [`Error::InvalidFile`] naming the file if it
    /// is truncated or malformed, not a statistics file, of another version, or internally
    /// inconsistent.
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|source| Error::io(path, source))?;
        let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|error| {
            Error::invalid_file(
                path,
                format!("truncated or malformed statistics file: {error}"),
            )
        })?;
        check_header(&value).map_err(|reason| Error::invalid_file(path, reason))?;

        let file: StatsFile = serde_json::from_value(value).map_err(|error| {
            Error::invalid_file(path, format!("malformed statistics file: {error}"))
        })?;
        check_consistency(&file).map_err(|reason| {
            Error::invalid_file(path, format!("inconsistent statistics file: {reason}"))
        })?;
        Ok(Self {
            meta: file.meta,
            halves: file.halves,
        })
    }

    /// The half that the next pushed image goes to.
    fn next_half(&self) -> usize {
        (self.image_count() % 2) as usize
    }
}

/// Checks the `format` and `version` fields before the rest is decoded, so that a foreign
/// or newer file gets a message about that rather than about a missing field.
fn check_header(value: &serde_json::Value) -> std::result::Result<(), String> {
    match value.get("format").and_then(|format| format.as_str()) {
        Some(STATS_FORMAT) => {}
        Some(other) => {
            return Err(format!(
                "not a modedrop statistics file (format is \"{other}\", expected \"{STATS_FORMAT}\")"
            ));
        }
        None => {
            return Err(format!(
                "not a modedrop statistics file (no \"format\": \"{STATS_FORMAT}\" field)"
            ));
        }
    }
    match value.get("version").and_then(|version| version.as_u64()) {
        Some(STATS_VERSION) => Ok(()),
        Some(other) => Err(format!(
            "unsupported statistics file version {other}; this build reads version {STATS_VERSION}"
        )),
        None => Err("statistics file has no numeric \"version\" field".to_string()),
    }
}

/// Describes the first contradiction between the metadata, the counts and the moments.
fn check_consistency(file: &StatsFile) -> std::result::Result<(), String> {
    let num_classes = file.meta.class_names.len();
    for (index, half) in file.halves.iter().enumerate() {
        if half.num_classes() != num_classes {
            return Err(format!(
                "half {index} has {} classes but there are {num_classes} class names",
                half.num_classes()
            ));
        }
        if let Some(reason) = half.find_inconsistency() {
            return Err(format!("half {index}: {reason}"));
        }
    }

    let (even, odd) = (file.halves[0].count(), file.halves[1].count());
    if file.image_count != even + odd {
        return Err(format!(
            "image_count is {} but the halves hold {even} + {odd} images",
            file.image_count
        ));
    }
    if even != odd && even != odd + 1 {
        return Err(format!(
            "halves of {even} and {odd} images are not an even/odd split"
        ));
    }
    Ok(())
}

/// Names the first position where two class lists differ.
fn first_name_difference(a: &[String], b: &[String]) -> String {
    match a.iter().zip(b).position(|(x, y)| x != y) {
        Some(index) => format!("class {index} is '{}' vs '{}'", a[index], b[index]),
        None => format!("the first {} names agree", a.len().min(b.len())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(source: &str) -> StatsMeta {
        StatsMeta {
            class_names: vec!["sky".into(), "tree".into(), "road".into()],
            segmenter: "upernet-r50 sha256:abc".into(),
            source: source.into(),
            height: 256,
            width: 256,
        }
    }

    fn sample_stats(num_images: usize) -> SegmentationStats {
        let mut stats = SegmentationStats::new(meta("real"));
        for i in 0..num_images {
            let sky = (i * 37 % 100) as f64;
            stats.push(&[sky, (100.0 - sky) * 0.25, (100.0 - sky) * 0.75]);
        }
        stats
    }

    fn load_error(content: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stats.json");
        std::fs::write(&path, content).unwrap();
        let error = SegmentationStats::load(&path).unwrap_err();
        assert!(matches!(error, Error::InvalidFile { .. }), "{error}");
        let message = error.to_string();
        assert!(message.contains("stats.json"), "{message}");
        message
    }

    fn saved_json(stats: &SegmentationStats) -> serde_json::Value {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stats.json");
        stats.save(&path).unwrap();
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
    }

    #[test]
    fn images_alternate_between_halves() {
        let stats = sample_stats(5);
        assert_eq!(stats.image_count(), 5);
        assert_eq!(stats.halves()[0].count(), 3);
        assert_eq!(stats.halves()[1].count(), 2);
        // Sky areas 0, 37, 74, 11, 48: even images 0, 74, 48; odd images 37, 11.
        assert!((stats.halves()[0].mean()[0] - 122.0 / 3.0).abs() < 1e-12);
        assert_eq!(stats.halves()[1].mean()[0], 24.0);
        assert_eq!(stats.total().mean()[0], 34.0);
    }

    #[test]
    fn merge_matches_pushing_everything_in_order() {
        let rows: Vec<[f64; 3]> = (0..9).map(|i| [i as f64, 10.0, 90.0 - i as f64]).collect();
        for split in [0, 3, 4, 9] {
            let mut first = SegmentationStats::new(meta("a"));
            let mut second = SegmentationStats::new(meta("b"));
            rows[..split].iter().for_each(|row| first.push(row));
            rows[split..].iter().for_each(|row| second.push(row));
            first.merge(&second).unwrap();

            let mut all = SegmentationStats::new(meta("a"));
            rows.iter().for_each(|row| all.push(row));
            for half in 0..2 {
                assert_eq!(first.halves()[half].count(), all.halves()[half].count());
                let (got, want) = (first.halves()[half].mean(), all.halves()[half].mean());
                assert!(got.iter().zip(want).all(|(g, w)| (g - w).abs() < 1e-12));
            }
        }
    }

    #[test]
    fn save_then_load_round_trips() {
        let stats = sample_stats(7);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stats.json");
        stats.save(&path).unwrap();
        assert_eq!(SegmentationStats::load(&path).unwrap(), stats);

        let json = saved_json(&stats);
        assert_eq!(json["format"], STATS_FORMAT);
        assert_eq!(json["version"], 1);
        assert_eq!(json["image_count"], 7);
    }

    #[test]
    fn missing_file_is_an_io_error_with_the_path() {
        let error = SegmentationStats::load(Path::new("/nonexistent/real.json")).unwrap_err();
        assert!(matches!(error, Error::Io { .. }), "{error}");
        assert!(
            error.to_string().contains("/nonexistent/real.json"),
            "{error}"
        );
    }

    #[test]
    fn truncated_file_is_reported() {
        let json = saved_json(&sample_stats(4)).to_string();
        let message = load_error(&json[..json.len() / 2]);
        assert!(
            message.contains("truncated or malformed statistics file"),
            "{message}"
        );
    }

    #[test]
    fn foreign_json_is_not_a_stats_file() {
        let message = load_error(r#"{"format": "fid-inception-stats", "version": 1}"#);
        assert!(
            message.contains("not a modedrop statistics file"),
            "{message}"
        );
        let message = load_error(r#"[1, 2, 3]"#);
        assert!(
            message.contains("not a modedrop statistics file"),
            "{message}"
        );
    }

    #[test]
    fn newer_version_is_unsupported() {
        let mut json = saved_json(&sample_stats(4));
        json["version"] = 7.into();
        let message = load_error(&json.to_string());
        assert!(
            message.contains("version 7; this build reads version 1"),
            "{message}"
        );
    }

    #[test]
    fn missing_field_is_malformed() {
        let mut json = saved_json(&sample_stats(4));
        json.as_object_mut().unwrap().remove("meta");
        let message = load_error(&json.to_string());
        assert!(
            message.contains("malformed statistics file: missing field `meta`"),
            "{message}"
        );
    }

    #[test]
    fn inconsistent_content_is_reported() {
        let good = saved_json(&sample_stats(4));

        let mut json = good.clone();
        json["image_count"] = 5.into();
        let message = load_error(&json.to_string());
        assert!(
            message.contains("image_count is 5 but the halves hold 2 + 2"),
            "{message}"
        );

        let mut json = good.clone();
        json["meta"]["class_names"].as_array_mut().unwrap().pop();
        let message = load_error(&json.to_string());
        assert!(
            message.contains("half 0 has 3 classes but there are 2 class names"),
            "{message}"
        );

        let mut json = good;
        json["halves"][1]["mean_area_percent"]
            .as_array_mut()
            .unwrap()
            .pop();
        let message = load_error(&json.to_string());
        assert!(
            message.contains("half 1: 2 mean values for 3 classes"),
            "{message}"
        );
    }

    #[test]
    fn different_segmenters_or_vocabularies_are_incompatible() {
        let real = SegmentationStats::new(meta("real"));
        let mut other_meta = meta("fake");
        other_meta.segmenter = "deeplab sha256:def".into();
        let error = real
            .check_comparable(&SegmentationStats::new(other_meta))
            .unwrap_err();
        assert!(matches!(error, Error::Incompatible(_)), "{error}");
        assert!(
            error
                .to_string()
                .contains("'real' was segmented by 'upernet"),
            "{error}"
        );
        assert!(error.to_string().contains("'fake' by 'deeplab"), "{error}");

        let mut other_meta = meta("fake");
        other_meta.class_names[1] = "grass".into();
        let error = real
            .check_comparable(&SegmentationStats::new(other_meta))
            .unwrap_err();
        assert!(
            error.to_string().contains("class 1 is 'tree' vs 'grass'"),
            "{error}"
        );
        assert!(
            real.clone()
                .merge(&SegmentationStats::new(meta("fake")))
                .is_ok()
        );
    }
}
