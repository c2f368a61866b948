//! The class vocabulary of the release, `labels.json`.
//!
//! The file is one JSON object with the class names of each head as lists:
//! `object` (index 0 is `"-"`, no object), `material`, `scene`, `part`, and
//! `object_part`, a map from an object name to the names of its parts. The
//! part head's channels are laid out group after group, one group per object
//! with parts, in increasing object index, each group as long as the
//! object's part list and in that list's order; a softmax applies within
//! each group. Only `object` is required here; the other lists are kept when
//! present.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use burn::prelude::*;
use burn::tensor::activation::softmax;
use serde::Deserialize;

use super::decoder::HeadClasses;
use crate::error::{Error, Result};

#[derive(Deserialize)]
struct LabelsFile {
    object: Vec<String>,
    #[serde(default)]
    material: Vec<String>,
    #[serde(default)]
    scene: Vec<String>,
    #[serde(default)]
    part: Vec<String>,
    #[serde(default)]
    object_part: BTreeMap<String, Vec<String>>,
}

/// The parts of one object: a contiguous range of the part head's channels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartGroup {
    /// The object class the parts belong to.
    pub object: usize,
    /// The part names, in channel order.
    pub parts: Vec<String>,
    /// The part head channels of this group.
    pub channels: Range<usize>,
}

/// The class names of every head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UperNetLabels {
    /// Object classes; index 0 is "no object".
    pub objects: Vec<String>,
    /// Material classes (empty when the file has none).
    pub materials: Vec<String>,
    /// Scene classes (empty when the file has none).
    pub scenes: Vec<String>,
    /// All part names (empty when the file has none).
    pub parts: Vec<String>,
    /// Part groups in channel order (empty when the file has none).
    pub part_groups: Vec<PartGroup>,
    path: PathBuf,
}

impl UperNetLabels {
    /// Reads `labels.json`.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the file cannot be read, [`Error::InvalidFile`] when
    /// it is not JSON of the expected structure or `object_part` names an
    /// object that `object` does not list.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::io(path, source))?;
        Self::from_json(&text, path)
    }

    /// Parses the content of a `labels.json`; `path` names it in errors.
    ///
    /// # Errors
    ///
    /// As [`from_file`](Self::from_file), apart from reading.
    pub fn from_json(text: &str, path: &Path) -> Result<Self> {
        let file: LabelsFile = serde_json::from_str(text).map_err(|error| {
            Error::invalid_file(path, format!("not a unified-parsing labels file: {error}"))
        })?;
        let mut owners = Vec::with_capacity(file.object_part.len());
        for (object_name, parts) in file.object_part {
            let object = file
                .object
                .iter()
                .position(|name| *name == object_name)
                .ok_or_else(|| {
                    let reason = format!("object_part names `{object_name}`, not an object class");
                    Error::invalid_file(path, reason)
                })?;
            owners.push((object, parts));
        }
        owners.sort_by_key(|(object, _)| *object);
        let mut start = 0;
        let part_groups = owners
            .into_iter()
            .map(|(object, parts)| {
                let channels = start..start + parts.len();
                start = channels.end;
                PartGroup {
                    object,
                    parts,
                    channels,
                }
            })
            .collect();
        Ok(Self {
            objects: file.object,
            materials: file.material,
            scenes: file.scene,
            parts: file.part,
            part_groups,
            path: path.to_path_buf(),
        })
    }

    /// The number of part channels the groups cover.
    pub fn part_channels(&self) -> usize {
        self.part_groups
            .last()
            .map_or(0, |group| group.channels.end)
    }

    /// Checks that the lists fit the heads of a network: as many objects as
    /// object logits, and as many materials, scenes and grouped parts as the
    /// other heads have logits, where the file lists them.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidFile`] naming the list and both counts.
    pub fn check_heads(&self, classes: HeadClasses) -> Result<()> {
        let counts = [
            ("object", self.objects.len(), classes.object, true),
            ("material", self.materials.len(), classes.material, false),
            ("scene", self.scenes.len(), classes.scene, false),
            ("object_part", self.part_channels(), classes.part, false),
        ];
        for (list, listed, outputs, required) in counts {
            if (required || listed > 0) && listed != outputs {
                let reason = format!(
                    "`{list}` accounts for {listed} classes but the network's head has {outputs}"
                );
                return Err(Error::invalid_file(&self.path, reason));
            }
        }
        Ok(())
    }

    /// Part probabilities: a softmax over each group's channels.
    ///
    /// # Shapes
    ///
    /// - input: `[batch_size, part channels, height, width]`
    /// - output: one `[batch_size, group length, height, width]` per group
    ///
    /// # Panics
    ///
    /// If the input has fewer channels than the groups cover.
    pub fn part_probabilities(&self, part_logits: Tensor<4>) -> Vec<Tensor<4>> {
        let channels = part_logits.dims()[1];
        assert!(
            channels >= self.part_channels(),
            "part logits have {channels} channels, the groups cover {}",
            self.part_channels()
        );
        self.part_groups
            .iter()
            .map(|group| {
                let logits = part_logits
                    .clone()
                    .narrow(1, group.channels.start, group.parts.len());
                softmax(logits, 1)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LABELS: &str = r#"{
        "object": ["-", "sky", "building", "person"],
        "material": ["-", "wood"],
        "object_part": {"person": ["head", "arm", "leg"], "building": ["door", "window"]}
    }"#;

    #[test]
    fn part_groups_follow_object_index_not_file_order() {
        let labels = UperNetLabels::from_json(LABELS, Path::new("labels.json")).unwrap();
        assert_eq!(labels.objects[2], "building");
        assert_eq!(labels.part_groups.len(), 2);
        assert_eq!(labels.part_groups[0].object, 2);
        assert_eq!(labels.part_groups[0].channels, 0..2);
        assert_eq!(labels.part_groups[1].object, 3);
        assert_eq!(labels.part_groups[1].channels, 2..5);
        assert_eq!(labels.part_groups[1].parts, ["head", "arm", "leg"]);
        assert!(labels.scenes.is_empty());
    }

    #[test]
    fn head_counts_are_checked_where_the_file_lists_them() {
        let labels = UperNetLabels::from_json(LABELS, Path::new("labels.json")).unwrap();
        let fits = HeadClasses {
            object: 4,
            material: 2,
            scene: 365,
            part: 5,
        };
        labels.check_heads(fits).unwrap();
        let error = labels
            .check_heads(HeadClasses { object: 5, ..fits })
            .unwrap_err();
        assert!(
            error.to_string().contains("`object` accounts for 4"),
            "{error}"
        );
        let error = labels
            .check_heads(HeadClasses { part: 6, ..fits })
            .unwrap_err();
        assert!(error.to_string().contains("`object_part`"), "{error}");
    }

    #[test]
    fn unknown_part_owner_is_an_error() {
        let text = r#"{"object": ["-", "sky"], "object_part": {"car": ["wheel"]}}"#;
        let error = UperNetLabels::from_json(text, Path::new("l.json")).unwrap_err();
        assert!(error.to_string().contains("`car`"), "{error}");
    }

    #[test]
    fn part_probabilities_sum_to_one_within_each_group() {
        let labels = UperNetLabels::from_json(LABELS, Path::new("labels.json")).unwrap();
        let device = Device::default();
        let values: Vec<f32> = (0..5 * 2).map(|k| (k as f32 * 0.7).sin() * 3.0).collect();
        let logits = Tensor::<4>::from_data(TensorData::new(values, [1, 5, 1, 2]), &device);
        let groups = labels.part_probabilities(logits);
        assert_eq!(groups[0].dims(), [1, 2, 1, 2]);
        assert_eq!(groups[1].dims(), [1, 3, 1, 2]);
        for group in groups {
            let sums: Vec<f32> = group.sum_dim(1).into_data().try_to_vec().unwrap();
            for sum in sums {
                assert!((sum - 1.0).abs() < 1e-6, "{sum}");
            }
        }
    }
}
