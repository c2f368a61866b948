//! Properties of the scene world as a whole, checked on rendered scenes.

use super::*;
use crate::error::Error;

fn world(variant: &str) -> SceneWorld {
    SceneWorld::new(64, 64, Variant::parse(variant).unwrap()).unwrap()
}

fn index(name: &str) -> u8 {
    class_index(name).unwrap() as u8
}

#[test]
fn same_seed_gives_identical_bytes() {
    let world = world("real");
    for seed in [0, 1, 12_345, u64::MAX] {
        assert_eq!(world.render(seed), world.render(seed), "seed {seed}");
    }
}

#[test]
fn different_seeds_give_different_scenes() {
    let world = world("real");
    let scenes: Vec<Scene> = (0..20).map(|seed| world.render(seed)).collect();
    for a in 0..scenes.len() {
        for b in a + 1..scenes.len() {
            assert_ne!(scenes[a].rgb, scenes[b].rgb, "seeds {a} and {b}");
            assert_ne!(scenes[a].labels, scenes[b].labels, "seeds {a} and {b}");
        }
    }
}

#[test]
fn buffers_have_the_requested_shape_and_valid_labels() {
    for (height, width) in [(16, 16), (64, 64), (48, 80), (128, 96)] {
        let world = SceneWorld::new(height, width, Variant::real()).unwrap();
        for seed in 0..10 {
            let scene = world.render(seed);
            let pixels = height as usize * width as usize;
            assert_eq!((scene.height, scene.width), (height, width));
            assert_eq!(scene.rgb.len(), pixels * 3);
            assert_eq!(scene.labels.len(), pixels);
            assert!(
                scene
                    .labels
                    .iter()
                    .all(|&label| (label as usize) < NUM_CLASSES)
            );
        }
    }
}

#[test]
fn area_percent_counts_labels_and_sums_to_100() {
    let world = world("real");
    for seed in 0..50 {
        let scene = world.render(seed);
        let area = scene.class_area_percent();
        assert_eq!(area.len(), NUM_CLASSES);
        assert!((area.iter().sum::<f64>() - 100.0).abs() < 1e-9);
        let sky_pixels = scene.labels.iter().filter(|&&label| label == 0).count();
        assert_eq!(area[0], 100.0 * sky_pixels as f64 / 4096.0);
    }
}

#[test]
fn tiny_or_huge_sizes_are_config_errors() {
    for (height, width) in [(15, 64), (64, 8), (0, 0), (64, 5000)] {
        let error = SceneWorld::new(height, width, Variant::real()).unwrap_err();
        assert!(
            matches!(error, Error::Config(_)),
            "{height}x{width}: {error}"
        );
    }
}

/// Class frequencies over 2000 scenes at 64x64. The design targets (slot
/// counts and fill probabilities in each layer) give about: sky 29%, grass
/// 34%, building 12%, road 11.5%, tree 3.6%, mountain 2.5%, car 1.9%,
/// window 1.6%, fence 1.1%, door 1.1%, lamp post 0.9%, person 0.5%. The bounds
/// below are the properties the rest of modedrop relies on, with margin.
#[test]
fn class_frequencies_are_long_tailed() {
    let world = world("real");
    let count = 2000;
    let mut mean_percent = [0.0; NUM_CLASSES];
    let mut present = [0usize; NUM_CLASSES];
    for seed in 0..count {
        let area = world.render(seed).class_area_percent();
        for class in 0..NUM_CLASSES {
            mean_percent[class] += area[class] / count as f64;
            present[class] += usize::from(area[class] > 0.0);
        }
    }
    let share = |name: &str| present[index(name) as usize] as f64 / count as f64;
    let percent = |name: &str| mean_percent[index(name) as usize];

    let large = ["sky", "grass", "road", "building"];
    let large_total: f64 = large.iter().map(|name| percent(name)).sum();
    assert!(large_total > 80.0, "large classes cover {large_total}%");
    for name in ["tree", "window", "door", "car", "mountain"] {
        assert!(
            (0.5..8.0).contains(&percent(name)),
            "{name}: {}%",
            percent(name)
        );
    }
    for name in ["person", "fence", "lamp post"] {
        assert!(
            (0.2..5.0).contains(&percent(name)),
            "{name}: {}%",
            percent(name)
        );
        assert!(
            (0.25..0.9).contains(&share(name)),
            "{name} in {} of scenes",
            share(name)
        );
        for big in large {
            assert!(percent(name) < percent(big), "{name} not rarer than {big}");
        }
    }
    for name in CLASS_NAMES {
        assert!(
            share(name) > 0.3,
            "{name} appears in only {} of scenes",
            share(name)
        );
    }
}

/// Pixels whose real label is not in `removed` must be identical in the
/// variant, and no pixel of the variant may carry a removed label.
fn assert_only_removed_classes_change(variant: &str, removed: &[&str]) {
    let real = world("real");
    let dropped = world(variant);
    let removed: Vec<u8> = removed.iter().map(|name| index(name)).collect();
    let mut changed_pixels = 0;
    for seed in 0..60 {
        let (before, after) = (real.render(seed), dropped.render(seed));
        for pixel in 0..before.labels.len() {
            assert!(
                !removed.contains(&after.labels[pixel]),
                "{variant}, seed {seed}"
            );
            if removed.contains(&before.labels[pixel]) {
                changed_pixels += 1;
                continue;
            }
            assert_eq!(
                before.labels[pixel], after.labels[pixel],
                "{variant}, seed {seed}"
            );
            let rgb = pixel * 3..pixel * 3 + 3;
            assert_eq!(
                before.rgb[rgb.clone()],
                after.rgb[rgb],
                "{variant}, seed {seed}"
            );
        }
    }
    assert!(changed_pixels > 0, "{variant} removed nothing in 60 scenes");
}

#[test]
fn no_person_removes_persons_and_nothing_else() {
    assert_only_removed_classes_change("no-person", &["person"]);
}

#[test]
fn dropping_any_class_changes_only_its_pixels() {
    for name in [
        "mountain",
        "road",
        "tree",
        "window",
        "door",
        "car",
        "fence",
        "lamp-post",
    ] {
        assert_only_removed_classes_change(&format!("no-{name}"), &[name]);
    }
    assert_only_removed_classes_change("no-building", &["building", "window", "door"]);
    assert_only_removed_classes_change("no-person+no-fence", &["person", "fence"]);
}

/// Each fence is kept with probability 0.5, so over many scenes the fence
/// area of `half-fence` is about half the real one (a little more: where two
/// fences overlap and one is dropped, the other shows in full). Over 20
/// batches of 2000 scenes at 32x32 the ratio measured 0.508 on average with
/// a standard deviation of 0.017; the bound allows 4 of them.
#[test]
fn half_fence_keeps_about_half_of_the_fences() {
    let real = SceneWorld::new(32, 32, Variant::real()).unwrap();
    let half = SceneWorld::new(32, 32, Variant::parse("half-fence").unwrap()).unwrap();
    let fence = index("fence");
    let (mut real_pixels, mut kept_pixels) = (0usize, 0usize);
    for seed in 0..2000 {
        let (before, after) = (real.render(seed), half.render(seed));
        for (&was, &is) in before.labels.iter().zip(&after.labels) {
            real_pixels += usize::from(was == fence);
            kept_pixels += usize::from(is == fence);
            assert!(
                is != fence || was == fence,
                "seed {seed}: fence where there was none"
            );
        }
    }
    let ratio = kept_pixels as f64 / real_pixels as f64;
    assert!(
        (0.44..0.58).contains(&ratio),
        "half-fence kept {ratio} of the fence area"
    );
}

/// Thin classes are drawn at least 2 pixels wide, so nearly every pixel of
/// them has a same-class neighbour to its left or right. Occlusion by other
/// objects and the round top of heads and crowns leave a few exceptions.
#[test]
fn thin_classes_are_at_least_two_pixels_wide() {
    let world = world("real");
    let names = ["person", "lamp post", "window", "door", "fence", "tree"];
    let mut total = [0usize; 6];
    let mut isolated = [0usize; 6];
    for seed in 0..300 {
        let scene = world.render(seed);
        for (slot, name) in names.iter().enumerate() {
            let class = index(name);
            for row in scene.labels.chunks(64) {
                for column in 0..64 {
                    if row[column] != class {
                        continue;
                    }
                    let left = column > 0 && row[column - 1] == class;
                    let right = column < 63 && row[column + 1] == class;
                    total[slot] += 1;
                    isolated[slot] += usize::from(!left && !right);
                }
            }
        }
    }
    for (slot, name) in names.iter().enumerate() {
        let fraction = isolated[slot] as f64 / total[slot] as f64;
        assert!(
            fraction < 0.05,
            "{fraction} of {name} pixels are 1 pixel wide"
        );
    }
}

#[test]
fn variant_round_trips_through_its_display_form() {
    let variant = Variant::parse("no-person+half-fence").unwrap();
    let world = SceneWorld::new(32, 32, variant.clone()).unwrap();
    assert_eq!(world.variant().to_string(), "no-person+half-fence");
    assert_eq!(
        Variant::parse(&world.variant().to_string()).unwrap(),
        variant
    );
}

#[test]
fn rgb_image_and_label_image_hold_the_buffers() {
    let scene = world("real").render(3);
    let rgb = scene.to_rgb_image();
    let labels = scene.to_label_image();
    assert_eq!(rgb.dimensions(), (64, 64));
    assert_eq!(
        rgb.get_pixel(5, 7).0,
        scene.rgb[(7 * 64 + 5) * 3..(7 * 64 + 5) * 3 + 3]
    );
    assert_eq!(labels.get_pixel(5, 7).0[0], scene.labels[7 * 64 + 5]);
}
