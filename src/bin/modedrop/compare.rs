//! `modedrop compare`: real against generated statistics.

use std::path::{Path, PathBuf};

use clap::Args;
use modedrop::Result;
use modedrop::report::{ComparisonReport, comparison_table, save_comparison_png};
use modedrop::stats::SegmentationStats;
use modedrop::stats::compare::{CompareConfig, compare};

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Statistics of the real images.
    real: PathBuf,
    /// Statistics of the generated images.
    generated: PathBuf,
    /// Folder for report.json and comparison.png.
    #[arg(long, default_value = "out/compare")]
    out: PathBuf,
    /// Family-wise significance level of the per-class tests.
    #[arg(long, default_value_t = CompareConfig::default().alpha)]
    alpha: f64,
    /// Smallest relative change of a class's mean area that can be flagged.
    #[arg(long, default_value_t = CompareConfig::default().min_relative_change)]
    min_change: f64,
    /// Classes drawn in the figure, most frequent first.
    #[arg(long, default_value_t = 30)]
    figure_classes: usize,
}

pub fn run(args: CompareArgs) -> Result<()> {
    let real = SegmentationStats::load(&args.real)?;
    let generated = SegmentationStats::load(&args.generated)?;
    let config = CompareConfig {
        alpha: args.alpha,
        min_relative_change: args.min_change,
    };
    write_report(&real, &generated, &config, &args.out, args.figure_classes)
}

/// Compares, prints the table, and writes `report.json` and
/// `comparison.png` into `out`.
pub fn write_report(
    real: &SegmentationStats,
    generated: &SegmentationStats,
    config: &CompareConfig,
    out: &Path,
    figure_classes: usize,
) -> Result<()> {
    let comparison = compare(real, generated, config)?;
    println!("{}", comparison_table(&comparison));

    modedrop::io::create_dir_all(out)?;
    let figure = out.join("comparison.png");
    save_comparison_png(&comparison, figure_classes, &figure)?;
    let json = out.join("report.json");
    ComparisonReport::new(real, generated, config, comparison).save(&json)?;
    log::info!("wrote {} and {}", json.display(), figure.display());
    Ok(())
}
