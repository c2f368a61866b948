//! Reading the released PyTorch checkpoints: the architecture from the
//! tensor shapes, a strict check of the keys, and the weights.
//!
//! `encoder_epoch_40.pth` is the state dict of the encoder wrapper, with keys
//! such as `conv1.weight`, `bn1.running_mean`, `layer1.0.conv2.weight` and
//! `layer2.0.downsample.0.weight`; `decoder_epoch_40.pth` that of the
//! decoder, with keys such as `ppm_conv.0.0.weight`, `fpn_out.2.0.1.bias`,
//! `object_head.1.weight` and `scene_head.2.bias`. Both are legacy (pre-1.6)
//! pickle files. The batch norms of the release are CSAIL's synchronized
//! batch norm, which stores three extra buffers (`_tmp_running_mean`,
//! `_tmp_running_var`, `_running_iter`); those and PyTorch's
//! `num_batches_tracked` play no part in inference and are skipped. Any
//! other key that is missing or left over is an error that lists it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use burn::prelude::*;
use burn::store::pytorch_reader::PytorchReader;
use burn::store::{ModuleSnapshot, PytorchStore};

use super::decoder::POOL_SCALES;
use super::network::{UperNet, UperNetConfig};
use crate::error::{Error, Result};

/// Batch-norm entries of a checkpoint that inference does not use.
pub const IGNORED_SUFFIXES: [&str; 4] = [
    "_tmp_running_mean",
    "_tmp_running_var",
    "_running_iter",
    "num_batches_tracked",
];

/// How many keys an error message lists before it summarises the rest.
const KEYS_LISTED: usize = 12;

/// Checkpoint key patterns (regular expressions over PyTorch names) and
/// their names in the Burn modules: a `Sequential`'s positional children
/// become named fields.
const ENCODER_REMAP: [(&str, &str); 2] = [
    (r"\.downsample\.0\.", ".downsample.conv."),
    (r"\.downsample\.1\.", ".downsample.norm."),
];
const DECODER_REMAP: [(&str, &str); 10] = [
    (r"^(ppm_conv|fpn_in)\.(\d+)\.0\.", "$1.$2.conv."),
    (r"^(ppm_conv|fpn_in)\.(\d+)\.1\.", "$1.$2.norm."),
    (r"^fpn_out\.(\d+)\.0\.0\.", "fpn_out.$1.conv."),
    (r"^fpn_out\.(\d+)\.0\.1\.", "fpn_out.$1.norm."),
    (r"^(ppm_last_conv|conv_fusion)\.0\.", "$1.conv."),
    (r"^(ppm_last_conv|conv_fusion)\.1\.", "$1.norm."),
    (r"^(\w+_head)\.0\.0\.", "$1.hidden.conv."),
    (r"^(\w+_head)\.0\.1\.", "$1.hidden.norm."),
    (
        r"^(object_head|material_head|part_head)\.1\.",
        "$1.classifier.",
    ),
    (r"^scene_head\.2\.", "scene_head.classifier."),
];

/// Tensor shapes of a checkpoint by key, without the ignored entries.
type Shapes = BTreeMap<String, Vec<usize>>;

fn weights_error(path: &Path, reason: impl Into<String>) -> Error {
    Error::Weights {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

fn is_ignored(key: &str) -> bool {
    IGNORED_SUFFIXES.iter().any(|suffix| key.ends_with(suffix))
}

/// Reads the keys and shapes of a checkpoint (the tensor data stays on disk).
fn read_shapes(path: &Path) -> Result<Shapes> {
    let reader = PytorchReader::new(path).map_err(|error| {
        weights_error(path, format!("not a readable PyTorch checkpoint: {error}"))
    })?;
    Ok(reader
        .tensors()
        .iter()
        .filter(|(key, _)| !is_ignored(key))
        .map(|(key, tensor)| (key.clone(), tensor.shape().to_vec()))
        .collect())
}

/// Dimension `axis` of the tensor `key`.
fn dim(shapes: &Shapes, key: &str, axis: usize, path: &Path) -> Result<usize> {
    let shape = shapes.get(key).ok_or_else(|| {
        weights_error(
            path,
            format!("missing key `{key}`, needed to read the architecture"),
        )
    })?;
    shape.get(axis).copied().ok_or_else(|| {
        weights_error(
            path,
            format!("`{key}` has shape {shape:?}, expected a 4-D kernel"),
        )
    })
}

/// The encoder part of the configuration, from `encoder_epoch_*.pth`.
fn encoder_widths(shapes: &Shapes, path: &Path) -> Result<([usize; 3], [usize; 4], [usize; 4])> {
    let stem = [
        dim(shapes, "conv1.weight", 0, path)?,
        dim(shapes, "conv2.weight", 0, path)?,
        dim(shapes, "conv3.weight", 0, path)?,
    ];
    let mut widths = [0; 4];
    let mut blocks = [0; 4];
    for stage in 0..4 {
        let layer = stage + 1;
        widths[stage] = dim(shapes, &format!("layer{layer}.0.conv1.weight"), 0, path)?;
        blocks[stage] = (0..)
            .take_while(|block| shapes.contains_key(&format!("layer{layer}.{block}.conv1.weight")))
            .count();
    }
    Ok((stem, widths, blocks))
}

/// Reads the architecture from the shapes of the two checkpoints.
fn config_from_shapes(
    encoder: &Shapes,
    encoder_path: &Path,
    decoder: &Shapes,
    decoder_path: &Path,
) -> Result<UperNetConfig> {
    let (stem, widths, blocks) = encoder_widths(encoder, encoder_path)?;
    let classes = |key: &str| dim(decoder, key, 0, decoder_path);
    Ok(UperNetConfig::new()
        .with_stem_channels(stem)
        .with_stage_widths(widths)
        .with_stage_blocks(blocks)
        .with_ppm_channels(classes("ppm_conv.0.0.weight")?)
        .with_fpn_channels(classes("ppm_last_conv.0.weight")?)
        .with_object_classes(classes("object_head.1.weight")?)
        .with_material_classes(classes("material_head.1.weight")?)
        .with_scene_classes(classes("scene_head.2.weight")?)
        .with_part_classes(classes("part_head.1.weight")?))
}

fn conv_keys(keys: &mut Vec<String>, prefix: &str) {
    keys.push(format!("{prefix}.weight"));
}

fn norm_keys(keys: &mut Vec<String>, prefix: &str) {
    for name in ["weight", "bias", "running_mean", "running_var"] {
        keys.push(format!("{prefix}.{name}"));
    }
}

/// The keys `encoder_epoch_*.pth` must hold for `config`, ignored ones aside.
pub fn expected_encoder_keys(config: &UperNetConfig) -> Vec<String> {
    let mut keys = Vec::new();
    for index in 1..=3 {
        conv_keys(&mut keys, &format!("conv{index}"));
        norm_keys(&mut keys, &format!("bn{index}"));
    }
    for stage in 0..4 {
        for block in 0..config.stage_blocks[stage] {
            let prefix = format!("layer{}.{block}", stage + 1);
            for index in 1..=3 {
                conv_keys(&mut keys, &format!("{prefix}.conv{index}"));
                norm_keys(&mut keys, &format!("{prefix}.bn{index}"));
            }
            // Only the first block of a stage changes the shape (stride or channels).
            if block == 0 {
                let channels_in = match stage {
                    0 => config.stem_channels[2],
                    _ => config.stage_channels()[stage - 1],
                };
                if stage > 0 || channels_in != config.stage_channels()[stage] {
                    conv_keys(&mut keys, &format!("{prefix}.downsample.0"));
                    norm_keys(&mut keys, &format!("{prefix}.downsample.1"));
                }
            }
        }
    }
    keys
}

/// The keys `decoder_epoch_*.pth` must hold, ignored ones aside.
pub fn expected_decoder_keys() -> Vec<String> {
    let mut keys = Vec::new();
    for index in 0..POOL_SCALES.len() {
        conv_keys(&mut keys, &format!("ppm_conv.{index}.0"));
        norm_keys(&mut keys, &format!("ppm_conv.{index}.1"));
    }
    for index in 0..3 {
        conv_keys(&mut keys, &format!("fpn_in.{index}.0"));
        norm_keys(&mut keys, &format!("fpn_in.{index}.1"));
        conv_keys(&mut keys, &format!("fpn_out.{index}.0.0"));
        norm_keys(&mut keys, &format!("fpn_out.{index}.0.1"));
    }
    for name in ["ppm_last_conv", "conv_fusion"] {
        conv_keys(&mut keys, &format!("{name}.0"));
        norm_keys(&mut keys, &format!("{name}.1"));
    }
    for (head, classifier) in [("object", 1), ("material", 1), ("part", 1), ("scene", 2)] {
        conv_keys(&mut keys, &format!("{head}_head.0.0"));
        norm_keys(&mut keys, &format!("{head}_head.0.1"));
        keys.push(format!("{head}_head.{classifier}.weight"));
        keys.push(format!("{head}_head.{classifier}.bias"));
    }
    keys
}

fn list_keys<'a>(keys: impl ExactSizeIterator<Item = &'a String>) -> String {
    let count = keys.len();
    let mut listed: Vec<&str> = keys.take(KEYS_LISTED).map(String::as_str).collect();
    if count > KEYS_LISTED {
        listed.push("…");
    }
    format!("{count} ({})", listed.join(", "))
}

/// Fails with the missing and unexpected keys, if there are any.
fn check_keys(shapes: &Shapes, expected: &[String], path: &Path) -> Result<()> {
    let expected: BTreeSet<&String> = expected.iter().collect();
    let present: BTreeSet<&String> = shapes.keys().collect();
    let missing: Vec<&String> = expected.difference(&present).copied().collect();
    let unexpected: Vec<&String> = present.difference(&expected).copied().collect();
    if missing.is_empty() && unexpected.is_empty() {
        return Ok(());
    }
    let mut reasons = Vec::new();
    if !missing.is_empty() {
        reasons.push(format!("missing keys: {}", list_keys(missing.into_iter())));
    }
    if !unexpected.is_empty() {
        reasons.push(format!(
            "unexpected keys: {}",
            list_keys(unexpected.into_iter())
        ));
    }
    Err(weights_error(path, reasons.join("; ")))
}

/// Loads one checkpoint into `module`, renaming keys by `remap`.
fn apply<M: ModuleSnapshot>(module: &mut M, path: &Path, remap: &[(&str, &str)]) -> Result<()> {
    let mut store = PytorchStore::from_file(path)
        .map_indices_contiguous(false)
        .allow_partial(true);
    for (pattern, replacement) in remap {
        store = store.with_key_remapping(pattern, *replacement);
    }
    let applied = module
        .load_from(&mut store)
        .map_err(|error| weights_error(path, error.to_string()))?;
    let unused: Vec<&String> = applied
        .unused
        .iter()
        .filter(|key| !is_ignored(key))
        .collect();
    if !applied.errors.is_empty() || !applied.missing.is_empty() || !unused.is_empty() {
        return Err(weights_error(path, format!("{applied}")));
    }
    Ok(())
}

impl UperNet {
    /// Loads the network from an encoder and a decoder checkpoint of the
    /// unified-parsing layout, reading the architecture (widths, block
    /// counts, class counts) from the tensor shapes.
    ///
    /// # Errors
    ///
    /// [`Error::Weights`] when a file is not a readable PyTorch checkpoint,
    /// lacks a key the architecture needs, holds keys the architecture does
    /// not have (both listed), or a tensor has the wrong shape.
    pub fn from_checkpoints(
        encoder_path: &Path,
        decoder_path: &Path,
        device: &Device,
    ) -> Result<(Self, UperNetConfig)> {
        let encoder_shapes = read_shapes(encoder_path)?;
        let decoder_shapes = read_shapes(decoder_path)?;
        let config =
            config_from_shapes(&encoder_shapes, encoder_path, &decoder_shapes, decoder_path)?;
        check_keys(
            &encoder_shapes,
            &expected_encoder_keys(&config),
            encoder_path,
        )?;
        check_keys(&decoder_shapes, &expected_decoder_keys(), decoder_path)?;

        let mut network = config.init(device);
        apply(&mut network.encoder, encoder_path, &ENCODER_REMAP)?;
        apply(&mut network.decoder, decoder_path, &DECODER_REMAP)?;
        log::info!(
            "loaded UPerNet (ResNet-{}) from {} and {}",
            config.depth(),
            encoder_path.display(),
            decoder_path.display()
        );
        Ok((network, config))
    }
}
