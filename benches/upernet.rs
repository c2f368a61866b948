//! Throughput of the full-width UPerNet (deep-stem ResNet-50, 512-channel
//! decoder, released class counts) at 256×256 on the default device, with
//! random weights: the class map of one image, and its two halves (encoder,
//! decoder up to the object logits) to show where the time goes.
//!
//! Run with `cargo bench --bench upernet`. The PyTorch CPU figure for the
//! same architecture comes from `python3 scripts/make_upernet_fixtures.py
//! --bench`.

use std::time::Duration;

use burn::prelude::*;
use burn::tensor::Distribution;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use modedrop::models::upernet::{UperNet, UperNetConfig, preprocess, resize_bilinear};

const SIZE: usize = 256;

/// The segmenter's path: object logits resized to the input, then argmax.
fn class_map(network: &UperNet, images: Tensor<4>) -> Tensor<3, Int> {
    let logits = network.forward_object(preprocess(images));
    resize_bilinear(logits, [SIZE, SIZE])
        .argmax(1)
        .squeeze_dim(1)
}

fn bench_upernet(c: &mut Criterion) {
    let device = Device::default();
    device.seed(1);
    let network = UperNetConfig::new().init(&device);
    let images = Tensor::<4>::random(
        [1, 3, SIZE, SIZE],
        Distribution::Uniform(-1.0, 1.0),
        &device,
    );
    let input = preprocess(images.clone());
    let features = network.encoder().forward(input.clone());

    let mut group = c.benchmark_group("upernet_resnet50_256");
    group.throughput(Throughput::Elements(1));
    group.bench_function("class_map", |bench| {
        bench.iter(|| class_map(&network, images.clone()).into_data())
    });
    group.bench_function("encoder", |bench| {
        bench.iter(|| {
            let [_, _, _, top] = network.encoder().forward(input.clone());
            top.into_data()
        })
    });
    group.bench_function("decoder_object_head", |bench| {
        bench.iter(|| {
            network
                .decoder()
                .forward_object(features.clone())
                .into_data()
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(20));
    targets = bench_upernet
}
criterion_main!(benches);
