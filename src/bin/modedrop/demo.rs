//! `modedrop demo`: the distribution-level analysis end to end on the
//! built-in scene world.
//!
//! Three disjoint seed ranges give three sources: real scenes, scenes of a
//! deliberately defective variant (persons removed by default), and more
//! real scenes as a control. Both the defective source and the control are
//! compared with the real statistics; the control shows what "nothing
//! dropped" looks like.

use std::path::PathBuf;

use burn::prelude::*;
use clap::Args;
use modedrop::Result;
use modedrop::data::Variant;
use modedrop::data::source::SceneSource;
use modedrop::segment::SegmenterChoice;
use modedrop::stats::compare::CompareConfig;

use crate::compare::write_report;
use crate::stats::compute_and_save;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Output folder.
    #[arg(long, default_value = "out/demo")]
    out: PathBuf,
    /// Images per source.
    #[arg(long, default_value_t = 2000)]
    images: u64,
    /// The defective variant standing in for a generator.
    #[arg(long, default_value = "no-person")]
    variant: String,
    /// compact (shipped weights), oracle or compact:PATH.
    #[arg(long, default_value = "compact")]
    segmenter: String,
}

pub fn run(args: DemoArgs) -> Result<()> {
    let device = Device::default();
    let segmenter = args.segmenter.parse::<SegmenterChoice>()?.load(&device)?;
    let defective = Variant::parse(&args.variant)?;
    modedrop::io::create_dir_all(&args.out)?;
    let n = args.images;

    let sources = [
        ("real", SceneSource::new(Variant::default(), 0..n)),
        ("defective", SceneSource::new(defective, n..2 * n)),
        (
            "control",
            SceneSource::new(Variant::default(), 2 * n..3 * n),
        ),
    ];
    let mut stats = Vec::new();
    for (name, source) in &sources {
        let path = args.out.join(format!("{name}.stats.json"));
        stats.push(compute_and_save(source, segmenter.as_ref(), &device, 64, &path)?.stats);
    }

    let config = CompareConfig::default();
    println!("\n== real scenes vs the '{}' variant ==", args.variant);
    write_report(
        &stats[0],
        &stats[1],
        &config,
        &args.out.join("defective"),
        30,
    )?;
    println!("== real scenes vs more real scenes (control) ==");
    write_report(&stats[0], &stats[2], &config, &args.out.join("control"), 30)?;
    Ok(())
}
