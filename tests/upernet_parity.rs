//! Parity of the Burn UPerNet with the PyTorch reference of
//! `scripts/make_upernet_fixtures.py`.
//!
//! The fixtures in `tests/fixtures/upernet/` are a random UPerNet at reduced
//! widths (full class counts) saved in the release's checkpoint layout, two
//! 64×96 images, and the object logits the reference computes for them in
//! float64. Regenerate them with `python3 scripts/make_upernet_fixtures.py`.

use std::path::{Path, PathBuf};

use burn::prelude::*;
use modedrop::Error;
use modedrop::models::upernet::{
    UperNetConfig, UperNetSegmenter, expected_decoder_keys, prroi_pool,
};
use modedrop::segment::{ImageBatch, Segmenter};
use serde::Deserialize;

const HEIGHT: usize = 64;
const WIDTH: usize = 96;

#[derive(Deserialize)]
struct Sample {
    image: usize,
    y: usize,
    x: usize,
    logits: Vec<f64>,
}

#[derive(Deserialize)]
struct PrroiCase {
    shape: [usize; 4],
    input: Vec<f64>,
    pooled: std::collections::BTreeMap<String, Vec<f64>>,
}

#[derive(Deserialize)]
struct Expected {
    input_size: [usize; 2],
    pixels: Vec<u8>,
    argmax: Vec<usize>,
    top_logit: Vec<f64>,
    top2_margin: Vec<f64>,
    samples: Vec<Sample>,
    prroi: Vec<PrroiCase>,
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/upernet")
}

fn expected() -> Expected {
    let text = std::fs::read_to_string(fixtures().join("expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn segmenter(device: &Device) -> UperNetSegmenter {
    UperNetSegmenter::from_release_dir(&fixtures(), device)
        .unwrap()
        .with_input_size([HEIGHT, WIDTH])
}

/// The fixture images as the Rust side sees them: `p / 127.5 - 1` in f32,
/// the same arithmetic the script uses.
fn images(expected: &Expected, device: &Device) -> Tensor<4> {
    let values: Vec<f32> = expected
        .pixels
        .iter()
        .map(|&p| p as f32 / 127.5 - 1.0)
        .collect();
    Tensor::from_data(TensorData::new(values, [2, 3, HEIGHT, WIDTH]), device)
}

fn to_f32(tensor: Tensor<4>) -> Vec<f32> {
    tensor.into_data().try_to_vec().unwrap()
}

#[test]
fn architecture_is_read_from_the_checkpoint_shapes() {
    let device = Device::default();
    let segmenter = segmenter(&device);
    let reduced = UperNetConfig::new()
        .with_stem_channels([8, 8, 16])
        .with_stage_widths([4, 8, 16, 32])
        .with_ppm_channels(8)
        .with_fpn_channels(16);
    assert_eq!(*segmenter.config(), reduced);
    assert_eq!(segmenter.num_classes(), 336);
    assert_eq!(segmenter.class_names()[0], "-");
    assert_eq!(segmenter.labels().part_groups.len(), 77);
    assert_eq!(segmenter.labels().part_channels(), 427);
    assert_eq!(segmenter.input_size(), [HEIGHT, WIDTH]);
    let identity = segmenter.identity();
    assert!(identity.starts_with("upernet-resnet50:"), "{identity}");
    assert!(identity.ends_with("@64x96"), "{identity}");
}

#[test]
fn object_logits_match_the_pytorch_reference() {
    let device = Device::default();
    let expected = expected();
    assert_eq!(expected.input_size, [HEIGHT, WIDTH]);
    let segmenter = segmenter(&device);
    let logits = segmenter.object_logits(images(&expected, &device));
    let [_, classes, _, _] = logits.dims();
    let values = to_f32(logits);
    let at = |image: usize, class: usize, y: usize, x: usize| {
        values[((image * classes + class) * HEIGHT + y) * WIDTH + x] as f64
    };

    // Full logit vectors at the sampled pixels.
    let mut worst_sample = 0.0_f64;
    for sample in &expected.samples {
        for (class, &reference) in sample.logits.iter().enumerate() {
            let error = (at(sample.image, class, sample.y, sample.x) - reference).abs();
            worst_sample = worst_sample.max(error / reference.abs().max(1.0));
        }
    }

    // The top logit at every pixel, and the argmax.
    let pixels = HEIGHT * WIDTH;
    let (mut worst_top, mut agree, mut flips_on_clear_margins) = (0.0_f64, 0, 0);
    for flat in 0..2 * pixels {
        let (image, y, x) = (flat / pixels, (flat % pixels) / WIDTH, flat % WIDTH);
        let reference_class = expected.argmax[flat];
        let top = at(image, reference_class, y, x);
        let ours = (0..classes)
            .max_by(|&a, &b| at(image, a, y, x).total_cmp(&at(image, b, y, x)))
            .unwrap();
        let reference_top = expected.top_logit[flat];
        worst_top = worst_top.max((top - reference_top).abs() / reference_top.abs().max(1.0));
        if ours == reference_class {
            agree += 1;
        } else if expected.top2_margin[flat] > 1e-3 {
            flips_on_clear_margins += 1;
        }
    }
    let agreement = agree as f64 / (2 * pixels) as f64;
    eprintln!(
        "UPerNet parity: argmax agreement {agreement:.5}, worst relative logit error \
         {worst_sample:.2e} (samples) / {worst_top:.2e} (top logit)"
    );
    assert!(
        agreement >= 0.999,
        "argmax agrees on {agreement:.5} of pixels"
    );
    assert_eq!(
        flips_on_clear_margins, 0,
        "argmax differs where the margin exceeds 1e-3"
    );
    assert!(
        worst_sample < 1e-3,
        "sampled logits differ by {worst_sample:.2e}"
    );
    assert!(worst_top < 1e-3, "top logits differ by {worst_top:.2e}");
}

#[test]
fn segment_returns_the_reference_class_map() {
    let device = Device::default();
    let expected = expected();
    let segmenter = segmenter(&device);
    let batch = ImageBatch {
        images: images(&expected, &device),
        labels: None,
    };
    let map = segmenter.segment(&batch).unwrap();
    assert_eq!(map.dims(), [2, HEIGHT, WIDTH]);
    let classes: Vec<i64> = map.into_data().try_into_vec_as::<i64>().unwrap();
    let agree = classes
        .iter()
        .zip(&expected.argmax)
        .filter(|(ours, reference)| **ours as usize == **reference)
        .count();
    assert!(
        agree as f64 >= 0.999 * classes.len() as f64,
        "{agree} of {}",
        classes.len()
    );
}

#[test]
fn prroi_pool_matches_the_reference_kernel_loop() {
    let device = Device::default();
    for case in expected().prroi {
        let values: Vec<f32> = case.input.iter().map(|&v| v as f32).collect();
        let input = Tensor::<4>::from_data(TensorData::new(values, case.shape), &device);
        for (scale, reference) in &case.pooled {
            let bins: usize = scale.parse().unwrap();
            let pooled = to_f32(prroi_pool(input.clone(), bins));
            assert_eq!(pooled.len(), reference.len());
            for (ours, reference) in pooled.iter().zip(reference) {
                assert!(
                    (*ours as f64 - reference).abs() < 1e-5,
                    "{:?} at {bins} bins: {ours} vs {reference}",
                    case.shape
                );
            }
        }
    }
}

#[test]
fn missing_and_unexpected_keys_are_listed() {
    let device = Device::default();
    let dir = fixtures();
    let result = UperNetSegmenter::from_files(
        &dir.join("encoder_epoch_40.pth"),
        &dir.join("decoder_bad_keys.pth"),
        &dir.join("labels.json"),
        &device,
    );
    let error = result.unwrap_err();
    assert!(matches!(error, Error::Weights { .. }), "{error}");
    let message = error.to_string();
    assert!(message.contains("decoder_bad_keys.pth"), "{message}");
    assert!(
        message.contains("missing keys: 1 (fpn_out.1.0.1.running_mean)"),
        "{message}"
    );
    assert!(
        message.contains("unexpected keys: 1 (object_head.2.weight)"),
        "{message}"
    );
    assert!(expected_decoder_keys().contains(&"fpn_out.1.0.1.running_mean".to_string()));
}

#[test]
fn a_missing_release_file_says_what_it_is_and_where_to_get_it() {
    let device = Device::default();
    let empty = tempfile::tempdir().unwrap();
    let error = UperNetSegmenter::from_release_dir(empty.path(), &device).unwrap_err();
    assert!(matches!(error, Error::Io { .. }), "{error}");
    let message = error.to_string();
    assert!(message.contains("encoder_epoch_40.pth"), "{message}");
    assert!(message.contains("upp-resnet50-upernet"), "{message}");
}

#[test]
#[ignore = "needs a full-width checkpoint: run scripts/make_upernet_fixtures.py --full DIR and set MODEDROP_UPERNET_FULL=DIR"]
fn full_width_checkpoint_loads_and_segments_256() {
    let dir = std::env::var("MODEDROP_UPERNET_FULL").expect("MODEDROP_UPERNET_FULL is set");
    let device = Device::default();
    let segmenter = UperNetSegmenter::from_release_dir(Path::new(&dir), &device).unwrap();
    assert_eq!(*segmenter.config(), UperNetConfig::new());
    assert_eq!(segmenter.input_size(), [256, 256]);
    let images = Tensor::<4>::random(
        [1, 3, 256, 256],
        burn::tensor::Distribution::Uniform(-1.0, 1.0),
        &device,
    );
    let map = segmenter
        .segment(&ImageBatch {
            images,
            labels: None,
        })
        .unwrap();
    assert_eq!(map.dims(), [1, 256, 256]);
    let max_class: i64 = map.max().into_scalar();
    assert!((0..336).contains(&max_class), "{max_class}");
}
