//! Benchmarks of the statistics pipeline: the Fréchet distance at the
//! 336-class scale of a full scene parser, streaming accumulation, and the
//! compact segmenter's throughput (segment + tally) on the default device.
//!
//! Run with `cargo bench --bench stats`.

use burn::prelude::*;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use modedrop::data::Variant;
use modedrop::data::source::{ImageSource, SceneSource};
use modedrop::segment::{CompactSegmenter, Segmenter};
use modedrop::stats::frechet::frechet_distance;
use modedrop::stats::moments::AreaMoments;
use modedrop::stats::tally::{class_area_percent, to_host};
use nalgebra::DMatrix;

/// Deterministic pseudo-random area rows (a linear congruential sequence):
/// benchmarks need data of the right shape, not of a particular law.
fn synthetic_rows(count: usize, classes: usize) -> Vec<f32> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        (state >> 40) as f32 / (1u64 << 24) as f32
    };
    let mut rows = Vec::with_capacity(count * classes);
    for _ in 0..count {
        let raw: Vec<f32> = (0..classes).map(|_| next().powi(4)).collect();
        let sum: f32 = raw.iter().sum();
        rows.extend(raw.iter().map(|v| 100.0 * v / sum));
    }
    rows
}

fn moments_of(rows: &[f32], classes: usize) -> AreaMoments {
    let mut moments = AreaMoments::new(classes);
    moments.push_rows(rows, classes);
    moments
}

fn bench_frechet(c: &mut Criterion) {
    let classes = 336;
    let a = moments_of(&synthetic_rows(2000, classes), classes);
    let b = moments_of(&synthetic_rows(2000, classes)[classes..], classes);
    let (cov_a, cov_b): (DMatrix<f64>, DMatrix<f64>) =
        (a.covariance().unwrap(), b.covariance().unwrap());
    c.bench_function("frechet_distance/336 classes", |bench| {
        bench.iter(|| frechet_distance(a.mean(), &cov_a, b.mean(), &cov_b).unwrap())
    });
}

fn bench_accumulation(c: &mut Criterion) {
    let mut group = c.benchmark_group("accumulate");
    for classes in [12, 150, 336] {
        let rows = synthetic_rows(1000, classes);
        group.throughput(Throughput::Elements(1000));
        group.bench_with_input(BenchmarkId::new("images", classes), &rows, |bench, rows| {
            bench.iter(|| moments_of(rows, classes))
        });
    }
    group.finish();
}

fn bench_segmenter(c: &mut Criterion) {
    let device = Device::default();
    let segmenter = CompactSegmenter::shipped(&device);
    let batch_size = 64;
    let source = SceneSource::new(Variant::default(), 0..batch_size as u64);
    let batch = source
        .load(0..batch_size, segmenter.input_size())
        .unwrap()
        .batch
        .to_device(&device);

    let mut group = c.benchmark_group("compact segmenter 64x64");
    group.sample_size(10);
    group.throughput(Throughput::Elements(batch_size as u64));
    group.bench_function("segment + tally", |bench| {
        bench.iter(|| {
            let class_map = segmenter.segment(&batch).unwrap();
            to_host(class_area_percent(class_map, segmenter.num_classes()))
        })
    });
    group.finish();
}

criterion_group!(benches, bench_frechet, bench_accumulation, bench_segmenter);
criterion_main!(benches);
