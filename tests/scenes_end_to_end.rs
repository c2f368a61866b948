//! The distribution-level analysis on the scene world, where the right
//! answer is known: a source without persons must be flagged for exactly
//! that, fresh real scenes must be flagged for nothing, and the trained
//! compact segmenter must reproduce the ground truth's statistics.

use burn::prelude::*;
use modedrop::data::Variant;
use modedrop::data::source::SceneSource;
use modedrop::segment::{CompactSegmenter, OracleSegmenter, Segmenter};
use modedrop::stats::collect::collect_stats;
use modedrop::stats::{CompareConfig, Comparison, SegmentationStats, Verdict, compare};

const IMAGES: u64 = 1000;

fn stats(
    segmenter: &dyn Segmenter,
    variant: &str,
    seeds: std::ops::Range<u64>,
) -> SegmentationStats {
    let source = SceneSource::new(Variant::parse(variant).unwrap(), seeds);
    collect_stats(&source, segmenter, &Device::default(), 100, &mut |_| {})
        .unwrap()
        .stats
}

fn flagged(comparison: &Comparison) -> Vec<(String, Verdict)> {
    comparison
        .classes
        .iter()
        .filter(|class| class.verdict != Verdict::Consistent)
        .map(|class| (class.name.clone(), class.verdict))
        .collect()
}

fn check_person_drop(segmenter: &dyn Segmenter) {
    let real = stats(segmenter, "real", 0..IMAGES);
    let no_person = stats(segmenter, "no-person", IMAGES..2 * IMAGES);
    let control = stats(segmenter, "real", 2 * IMAGES..3 * IMAGES);
    let config = CompareConfig::default();

    let dropped = compare(&real, &no_person, &config).unwrap();
    assert_eq!(
        flagged(&dropped),
        vec![("person".to_string(), Verdict::Dropped)]
    );
    assert!(
        dropped.fsd.total > 5.0 * dropped.noise_floor.total,
        "FSD {:?} should stand far above the noise floor {:?}",
        dropped.fsd,
        dropped.noise_floor
    );

    let same = compare(&real, &control, &config).unwrap();
    assert_eq!(flagged(&same), vec![]);
    assert!(same.fsd.total < dropped.fsd.total);
}

#[test]
fn oracle_flags_dropped_persons_and_nothing_in_real_scenes() {
    check_person_drop(&OracleSegmenter::new([64, 64]));
}

#[test]
fn compact_segmenter_flags_dropped_persons_and_nothing_in_real_scenes() {
    check_person_drop(&CompactSegmenter::shipped(&Device::default()));
}

/// The compact segmenter's statistics agree with the ground truth's on the
/// same scenes: every class's mean area within 0.5 percentage points plus
/// 15 % of its true value, and the FSD between the two small next to the FSD
/// of a source that drops persons.
#[test]
fn compact_statistics_agree_with_the_oracle() {
    let compact = CompactSegmenter::shipped(&Device::default());
    let oracle = OracleSegmenter::new([64, 64]);
    let seeds = 5 * IMAGES..6 * IMAGES;
    let truth = stats(&oracle, "real", seeds.clone()).total();
    let measured = stats(&compact, "real", seeds).total();

    for (class, name) in compact.class_names().iter().enumerate() {
        let (t, m) = (truth.mean()[class], measured.mean()[class]);
        assert!(
            (t - m).abs() <= 0.5 + 0.15 * t,
            "{name}: oracle {t:.3}% vs compact {m:.3}%"
        );
    }
    let gap = modedrop::stats::fsd(&truth, &measured).unwrap();
    let person_drop = {
        let real = stats(&oracle, "real", 0..IMAGES);
        let no_person = stats(&oracle, "no-person", IMAGES..2 * IMAGES);
        modedrop::stats::fsd(&real.total(), &no_person.total()).unwrap()
    };
    assert!(
        gap.total < 0.25 * person_drop.total,
        "compact vs oracle FSD {:.2} vs person-drop FSD {:.2}",
        gap.total,
        person_drop.total
    );
}
