//! The shipped compact segmenter meets its accuracy bar on scenes it never
//! saw in training.

use burn::prelude::*;
use modedrop::data::Variant;
use modedrop::data::source::SceneSource;
use modedrop::segment::train::HELD_OUT_SEEDS;
use modedrop::segment::{CompactSegmenter, evaluate_segmenter};

#[test]
fn shipped_weights_reach_95_percent_pixel_accuracy_and_0_80_mean_iou() {
    let device = Device::default();
    let segmenter = CompactSegmenter::shipped(&device);
    // Seeds from the middle of the held-out range: fresh even with respect
    // to the evaluation run at training time.
    let start = HELD_OUT_SEEDS.start + 100_000;
    let source = SceneSource::new(Variant::default(), start..start + 300);
    let score = evaluate_segmenter(&segmenter, &source, &device, 50).unwrap();
    assert!(
        score.pixel_accuracy >= 0.95,
        "pixel accuracy {:.4}",
        score.pixel_accuracy
    );
    assert!(
        score.mean_iou >= 0.80,
        "mean IoU {:.4} ({:?})",
        score.mean_iou,
        score.class_iou
    );
}
