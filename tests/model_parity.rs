//! Parity of the pretrained-model ports with PyTorch references.
//!
//! `scripts/make_model_fixtures.py` builds each network in PyTorch with the released
//! checkpoints' state-dict keys, tiny random widths and fixed seeds, and stores the checkpoint,
//! the inputs and the reference outputs in `tests/fixtures/models/`. Here the crate's loaders
//! read those checkpoints (widths come from the files) and must reproduce the outputs to
//! within 1e-4 · max(1, max |reference|) in maximum absolute difference.

use std::path::{Path, PathBuf};

use burn::prelude::*;
use modedrop::Error;
use modedrop::generate::Generator;
use modedrop::models::progan::ProGan;
use modedrop::models::vgg::Vgg16Features;
use modedrop::models::wgan::WganGp;

/// Allowed maximum absolute difference, relative to max(1, max |reference|).
const TOLERANCE: f32 = 1e-4;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/models")
        .join(name)
}

/// Reads a little-endian float32, C-order `.npy` file: its shape and values.
fn read_npy(name: &str) -> (Vec<usize>, Vec<f32>) {
    let bytes = std::fs::read(fixture(name)).unwrap();
    assert_eq!(&bytes[..6], b"\x93NUMPY", "{name} is not a .npy file");
    let (header_len, header_start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        _ => (
            u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize,
            12,
        ),
    };
    let header = std::str::from_utf8(&bytes[header_start..header_start + header_len]).unwrap();
    assert!(header.contains("'descr': '<f4'"), "{name}: {header}");
    assert!(
        header.contains("'fortran_order': False"),
        "{name}: {header}"
    );
    let shape_text = header
        .split("'shape': (")
        .nth(1)
        .unwrap()
        .split(')')
        .next()
        .unwrap();
    let shape: Vec<usize> = shape_text
        .split(',')
        .map(str::trim)
        .filter(|dim| !dim.is_empty())
        .map(|dim| dim.parse().unwrap())
        .collect();
    let values: Vec<f32> = bytes[header_start + header_len..]
        .chunks_exact(4)
        .map(|chunk| f32::from_le_bytes(chunk.try_into().unwrap()))
        .collect();
    assert_eq!(values.len(), shape.iter().product::<usize>(), "{name}");
    (shape, values)
}

fn npy_tensor<const D: usize>(name: &str, device: &Device) -> Tensor<D> {
    let (shape, values) = read_npy(name);
    Tensor::<1>::from_floats(values.as_slice(), device)
        .reshape::<D, _>(<[usize; D]>::try_from(shape).expect("rank of the fixture"))
}

fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor.into_data().try_to_vec::<f32>().unwrap()
}

/// Asserts `actual` matches `expected` within [`TOLERANCE`]; returns the maximum error.
fn assert_close<const D: usize>(what: &str, actual: Tensor<D>, expected: &[f32]) -> f32 {
    let actual = values(actual);
    assert_eq!(actual.len(), expected.len(), "{what}: number of values");
    let max_error = actual
        .iter()
        .zip(expected)
        .map(|(a, e)| (a - e).abs())
        .fold(0.0f32, f32::max);
    let scale = expected.iter().fold(1.0f32, |scale, e| scale.max(e.abs()));
    eprintln!("{what}: max abs error {max_error:.3e} (scale {scale:.3})");
    assert!(
        max_error.is_finite() && max_error <= TOLERANCE * scale,
        "{what}: {max_error}"
    );
    max_error
}

fn weights_reason(error: Error) -> String {
    match error {
        Error::Weights { reason, .. } => reason,
        other => panic!("expected a weights error, got {other}"),
    }
}

#[test]
fn progan_reads_its_layout_from_the_checkpoint() {
    let model = ProGan::from_pytorch(fixture("progan.pth"), &Device::default()).unwrap();
    assert_eq!(model.latent_dim(), 16);
    assert_eq!(model.num_layers(), 15);
    assert_eq!(model.image_size(), 256);
}

#[test]
fn progan_matches_the_reference_unclamped_and_clamped() {
    let device = Device::default();
    let latent = npy_tensor::<2>("progan_latent.npy", &device);
    let (_, expected) = read_npy("progan_image.npy");
    let model = ProGan::from_pytorch(fixture("progan.pth"), &device).unwrap();

    let unclamped = model
        .clone()
        .with_clamp_output(false)
        .generate(latent.clone());
    assert_eq!(unclamped.dims(), [2, 3, 256, 256]);
    assert_close("progan image", unclamped, &expected);

    let clamped_reference: Vec<f32> = expected.iter().map(|v| v.clamp(-1.0, 1.0)).collect();
    assert_close(
        "progan clamped image",
        model.generate(latent),
        &clamped_reference,
    );
}

#[test]
fn progan_features_after_five_layers_match_the_reference() {
    let device = Device::default();
    let latent = npy_tensor::<2>("progan_latent.npy", &device);
    let (shape, expected) = read_npy("progan_features_5.npy");
    let model = ProGan::from_pytorch(fixture("progan.pth"), &device).unwrap();
    let features = model.features(latent, 5);
    assert_eq!(features.dims().to_vec(), shape);
    assert_close("progan r_5", features, &expected);
}

#[test]
fn progan_split_at_any_layer_renders_the_same_image() {
    let device = Device::default();
    let latent = npy_tensor::<2>("progan_latent.npy", &device);
    let model = ProGan::from_pytorch(fixture("progan.pth"), &device).unwrap();
    let whole = values(model.generate(latent.clone()));
    for k in [0, 1, 4, 9, 14, 15] {
        let split = model.render_from(model.features(latent.clone(), k), k);
        assert_close(&format!("progan split at {k}"), split, &whole);
    }
}

#[test]
fn gradients_reach_the_features_of_a_loaded_generator() {
    let device = Device::default().autodiff();
    let latent = npy_tensor::<2>("progan_latent.npy", &device);
    let model = ProGan::from_pytorch(fixture("progan.pth"), &device)
        .unwrap()
        .with_clamp_output(false);
    let features = model.features(latent, 4).detach().require_grad();
    let grads = model.render_from(features.clone(), 4).sum().backward();
    let gradient = values(features.grad(&grads).expect("a gradient for r_4"));

    // Central difference of the image sum along one coordinate of r_4, differenced pixel by
    // pixel before summing to avoid cancellation in f32.
    let step = 1e-2;
    let base = values(features.clone().detach());
    let [batch_size, channels, height, width] = features.dims();
    let coordinate = 5 * width + 3;
    let image = |delta: f32| {
        let mut shifted = base.clone();
        shifted[coordinate] += delta;
        let shifted = Tensor::<1>::from_floats(shifted.as_slice(), &device)
            .reshape([batch_size, channels, height, width]);
        model.render_from(shifted, 4)
    };
    let difference = (image(step) - image(-step)).sum().into_scalar::<f32>();
    let numeric = f64::from(difference) / (2.0 * f64::from(step));
    let analytic = f64::from(gradient[coordinate]);
    eprintln!("d(sum image)/d r_4[{coordinate}]: autodiff {analytic:.4}, numeric {numeric:.4}");
    assert!((analytic - numeric).abs() <= 1e-2 * analytic.abs().max(1.0));
}

#[test]
fn wgan_reads_its_layout_from_the_checkpoint() {
    let model = WganGp::from_pytorch(fixture("wgan.pth"), &Device::default()).unwrap();
    assert_eq!(model.latent_dim(), 16);
    assert_eq!(model.num_layers(), 13);
    assert_eq!(model.image_size(), 128);
}

#[test]
fn wgan_matches_the_reference() {
    let device = Device::default();
    let latent = npy_tensor::<2>("wgan_latent.npy", &device);
    let model = WganGp::from_pytorch(fixture("wgan.pth"), &device).unwrap();

    let (_, expected) = read_npy("wgan_image.npy");
    let image = model.generate(latent.clone());
    assert_eq!(image.dims(), [2, 3, 128, 128]);
    assert_close("wgan image", image, &expected);

    let (shape, expected) = read_npy("wgan_features_5.npy");
    let features = model.features(latent, 5);
    assert_eq!(features.dims().to_vec(), shape);
    assert_close("wgan r_5", features, &expected);
}

#[test]
fn wgan_uses_running_statistics_on_an_autodiff_device() {
    let device = Device::default().autodiff();
    let latent = npy_tensor::<2>("wgan_latent.npy", &device);
    let (_, expected) = read_npy("wgan_image.npy");
    let model = WganGp::from_pytorch(fixture("wgan.pth"), &device).unwrap();
    assert_close("wgan image on autodiff", model.generate(latent), &expected);
}

#[test]
fn wgan_split_at_any_layer_renders_the_same_image() {
    let device = Device::default();
    let latent = npy_tensor::<2>("wgan_latent.npy", &device);
    let model = WganGp::from_pytorch(fixture("wgan.pth"), &device).unwrap();
    let whole = values(model.generate(latent.clone()));
    for k in [0, 3, 8, 12, 13] {
        let split = model.render_from(model.features(latent.clone(), k), k);
        assert_close(&format!("wgan split at {k}"), split, &whole);
    }
}

#[test]
fn zip_format_and_missing_batch_counters_load_the_same_generator() {
    let device = Device::default();
    let latent = npy_tensor::<2>("wgan_latent.npy", &device);
    let (_, expected) = read_npy("wgan_image.npy");
    for name in ["wgan_zip.pth", "wgan_no_batch_counter.pth"] {
        let model = WganGp::from_pytorch(fixture(name), &device).unwrap();
        assert_close(name, model.generate(latent.clone()), &expected);
    }
}

#[test]
fn vgg_relu4_2_matches_the_reference() {
    let device = Device::default();
    let image = npy_tensor::<4>("vgg_image.npy", &device);
    let (shape, expected) = read_npy("vgg_relu4_2.npy");
    let model = Vgg16Features::from_pytorch(fixture("vgg16.pth"), &device).unwrap();
    let features = model.forward(image);
    assert_eq!(features.dims().to_vec(), shape);
    assert_close("vgg relu4_2", features, &expected);
}

#[test]
fn a_missing_key_is_named() {
    let device = Device::default();
    let error = ProGan::from_pytorch(fixture("progan_missing_key.pth"), &device).unwrap_err();
    let reason = weights_reason(error);
    assert!(reason.contains("missing keys: layer7.wscale.b"), "{reason}");

    let error = WganGp::from_pytorch(fixture("wgan_missing_key.pth"), &device).unwrap_err();
    let reason = weights_reason(error);
    assert!(
        reason.contains("missing keys: features.4.norm.running_var"),
        "{reason}"
    );
}

#[test]
fn an_unexpected_key_is_named() {
    let device = Device::default();
    let error = ProGan::from_pytorch(fixture("progan_extra_key.pth"), &device).unwrap_err();
    let reason = weights_reason(error);
    assert!(
        reason.contains("unexpected keys: layer3.conv.bias"),
        "{reason}"
    );

    let error = Vgg16Features::from_pytorch(fixture("vgg16_extra_key.pth"), &device).unwrap_err();
    let reason = weights_reason(error);
    assert!(
        reason.contains("unexpected keys: features.3.weight"),
        "{reason}"
    );
}

#[test]
fn a_checkpoint_of_the_wrong_model_is_rejected() {
    let device = Device::default();
    let error = ProGan::from_pytorch(fixture("vgg16.pth"), &device).unwrap_err();
    assert!(matches!(error, Error::Weights { .. }), "{error}");
    let error = Vgg16Features::from_pytorch(fixture("wgan.pth"), &device).unwrap_err();
    let reason = weights_reason(error);
    assert!(reason.contains("features.0.weight") && reason.contains("output.conv.bias"));
}

#[test]
fn a_missing_file_says_which_checkpoint_is_expected() {
    let device = Device::default();
    let missing = fixture("no_such_dir/proggan_bedroom.pth");

    let error = ProGan::from_pytorch(&missing, &device).unwrap_err();
    assert!(matches!(error, Error::Io { .. }), "{error}");
    let message = error.to_string();
    assert!(
        message.contains("proggan_bedroom.pth") && message.contains("proggan_"),
        "{message}"
    );
    assert!(message.contains("gandissect.csail.mit.edu"), "{message}");

    let error = WganGp::from_pytorch(&missing, &device).unwrap_err();
    assert!(error.to_string().contains("wgangp"), "{error}");
    let error = Vgg16Features::from_pytorch(&missing, &device).unwrap_err();
    assert!(error.to_string().contains("vgg16-397923af.pth"), "{error}");
}

#[test]
fn a_file_that_is_not_a_checkpoint_is_an_invalid_file() {
    let error = ProGan::from_pytorch(fixture("progan_latent.npy"), &Device::default()).unwrap_err();
    assert!(matches!(error, Error::InvalidFile { .. }), "{error}");
}
