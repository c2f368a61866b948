//! Strict loading of PyTorch checkpoints into Burn modules.
//!
//! A pretrained model is only useful if every weight it needs came from the file: a model that
//! silently kept some of its random initial weights still produces images and feature maps,
//! just wrong ones. Each loader in [`crate::models`] therefore reads a checkpoint in three
//! steps: list the file's keys and shapes ([`read_shapes`]); derive the architecture from the
//! shapes and compare the file's keys with the exact set that architecture needs
//! ([`check_keys`], [`expect_shape`]), so that any difference is reported in PyTorch's own
//! names; then copy the tensors into the module ([`load_weights`]), which checks once more that
//! every parameter was filled and every tensor used.
//!
//! Both checkpoint formats PyTorch writes are read: the zip archive of `torch.save` since
//! PyTorch 1.6 and the older single pickle stream the released GAN checkpoints use.

use std::collections::{BTreeMap, BTreeSet};
use std::io::ErrorKind;
use std::path::Path;

use burn::store::pytorch_reader::{PytorchError, PytorchReader};
use burn::store::{ModuleSnapshot, PytorchStore};

use crate::error::{Error, Result};

/// The shape of every tensor in a checkpoint, by its PyTorch key.
pub(crate) type TensorShapes = BTreeMap<String, Vec<usize>>;

/// Lists the tensors of the PyTorch checkpoint at `path` with their shapes, without reading
/// their values.
///
/// `expected` describes the file and where to obtain it; it is part of the error when the file
/// does not exist.
///
/// # Errors
///
/// [`Error::Io`] if the file is missing or cannot be read, [`Error::InvalidFile`] if it is not
/// a PyTorch checkpoint.
pub(crate) fn read_shapes(path: &Path, expected: &str) -> Result<TensorShapes> {
    if let Err(source) = std::fs::metadata(path) {
        let source = match source.kind() {
            ErrorKind::NotFound => std::io::Error::new(
                ErrorKind::NotFound,
                format!("checkpoint not found; expected {expected}"),
            ),
            _ => source,
        };
        return Err(Error::io(path, source));
    }

    let reader = PytorchReader::new(path).map_err(|error| match error {
        PytorchError::Io(source) => Error::io(path, source),
        other => Error::invalid_file(path, format!("not a readable PyTorch checkpoint: {other}")),
    })?;
    Ok(reader
        .tensors()
        .iter()
        .map(|(key, tensor)| (key.clone(), tensor.shape().to_vec()))
        .collect())
}

/// Compares the checkpoint's keys with the keys an architecture needs.
///
/// Keys for which `is_ignored` holds may be present or absent; they are returned, sorted, so
/// that the caller can log what it left out.
///
/// # Errors
///
/// [`Error::Weights`] listing every expected key the file lacks and every key it has that is
/// neither expected nor ignored.
pub(crate) fn check_keys(
    path: &Path,
    shapes: &TensorShapes,
    expected: &BTreeSet<String>,
    is_ignored: impl Fn(&str) -> bool,
) -> Result<Vec<String>> {
    let missing: Vec<&str> = expected
        .iter()
        .filter(|key| !shapes.contains_key(*key))
        .map(String::as_str)
        .collect();
    let (ignored, unexpected): (Vec<&String>, Vec<&String>) = shapes
        .keys()
        .filter(|key| !expected.contains(*key))
        .partition(|key| is_ignored(key));

    if missing.is_empty() && unexpected.is_empty() {
        return Ok(ignored.into_iter().cloned().collect());
    }
    let mut problems = Vec::new();
    if !missing.is_empty() {
        problems.push(format!("missing keys: {}", missing.join(", ")));
    }
    if !unexpected.is_empty() {
        let unexpected: Vec<&str> = unexpected.iter().map(|key| key.as_str()).collect();
        problems.push(format!("unexpected keys: {}", unexpected.join(", ")));
    }
    Err(weights_error(path, problems.join("; ")))
}

/// The shape of `key`, which [`check_keys`] has already found in the file.
///
/// # Errors
///
/// [`Error::Weights`] if the key is absent after all.
pub(crate) fn shape_of<'a>(
    path: &Path,
    shapes: &'a TensorShapes,
    key: &str,
) -> Result<&'a [usize]> {
    shapes
        .get(key)
        .map(Vec::as_slice)
        .ok_or_else(|| weights_error(path, format!("missing keys: {key}")))
}

/// Checks that `key` has the shape `expected`.
///
/// # Errors
///
/// [`Error::Weights`] naming the key, its shape and the expected one.
pub(crate) fn expect_shape(
    path: &Path,
    shapes: &TensorShapes,
    key: &str,
    expected: &[usize],
) -> Result<()> {
    let found = shape_of(path, shapes, key)?;
    if found == expected {
        return Ok(());
    }
    Err(weights_error(
        path,
        format!("`{key}` has shape {found:?}, expected {expected:?}"),
    ))
}

/// Copies the checkpoint's tensors into `module`.
///
/// `renames` are `(regex, replacement)` pairs applied in order to every PyTorch key to obtain
/// the module's parameter path. Numeric path segments are kept as they are (no renumbering of
/// sparse `nn.Sequential` indices). `ignored` are the PyTorch keys [`check_keys`] allowed to be
/// left unused; the renames must leave them unchanged.
///
/// # Errors
///
/// [`Error::Weights`] if a parameter of the module received no tensor, a tensor did not fit its
/// parameter, or a tensor outside `ignored` was not used; [`Error::Io`] or
/// [`Error::InvalidFile`] if the file cannot be read.
pub(crate) fn load_weights<M: ModuleSnapshot>(
    module: &mut M,
    path: &Path,
    renames: &[(String, String)],
    ignored: &[String],
) -> Result<()> {
    let mut store = PytorchStore::from_file(path)
        .map_indices_contiguous(false)
        .allow_partial(true)
        .validate(false);
    for (pattern, replacement) in renames {
        store = store.with_key_remapping(pattern, replacement.as_str());
    }

    let result = module.load_from(&mut store).map_err(|error| {
        Error::invalid_file(path, format!("not a readable PyTorch checkpoint: {error}"))
    })?;

    let mut problems = Vec::new();
    if !result.errors.is_empty() {
        let errors: Vec<String> = result.errors.iter().map(ToString::to_string).collect();
        problems.push(errors.join("; "));
    }
    if !result.missing.is_empty() {
        let missing: Vec<&str> = result.missing.iter().map(|(key, _)| key.as_str()).collect();
        problems.push(format!("parameters left unset: {}", missing.join(", ")));
    }
    let unused: Vec<&str> = result
        .unused
        .iter()
        .filter(|key| !ignored.contains(key))
        .map(String::as_str)
        .collect();
    if !unused.is_empty() {
        problems.push(format!("tensors left unused: {}", unused.join(", ")));
    }
    match problems.is_empty() {
        true => Ok(()),
        false => Err(weights_error(path, problems.join("; "))),
    }
}

fn weights_error(path: &Path, reason: String) -> Error {
    Error::Weights {
        path: path.to_path_buf(),
        reason,
    }
}
