//! The per-class comparison as a plain-text table.

use std::fmt::Write;

use crate::stats::compare::{Comparison, Verdict};

/// The comparison as a plain-text table, classes in order of real frequency,
/// headed by the FSD and its noise floor.
pub fn comparison_table(comparison: &Comparison) -> String {
    let mut out = String::new();
    let fsd = &comparison.fsd;
    let floor = &comparison.noise_floor;
    let _ = writeln!(
        out,
        "FSD {:.2} (mean term {:.2}, covariance term {:.2}); noise floor {:.2} \
         (split-half real vs real); areas in percent of image",
        fsd.total, fsd.mean_term, fsd.covariance_term, floor.total
    );
    let _ = writeln!(
        out,
        "{} real images, {} generated images",
        comparison.real_images, comparison.generated_images
    );
    let _ = writeln!(
        out,
        "{:<14} {:>8} {:>8} {:>8} {:>8} {:>6} {:>6} {:>9}  verdict",
        "class", "real %", "gen %", "change", "noise", "in r", "in g", "adj. p"
    );
    for class in &comparison.classes {
        let verdict = match class.verdict {
            Verdict::Dropped => "DROPPED",
            Verdict::OverGenerated => "OVER-GENERATED",
            Verdict::Consistent => "",
        };
        let _ = writeln!(
            out,
            "{:<14} {:>8.3} {:>8.3} {:>8} {:>8} {:>5.0}% {:>5.0}% {:>9.2e}  {}",
            truncate(&class.name, 14),
            class.real_mean_area_percent,
            class.generated_mean_area_percent,
            percent_change(class.relative_delta),
            percent_change(class.noise_relative_delta),
            100.0 * class.real_presence,
            100.0 * class.generated_presence,
            class.adjusted_p_value,
            verdict
        );
    }
    out
}

fn percent_change(delta: Option<f64>) -> String {
    match delta {
        Some(delta) => format!("{:+.0}%", 100.0 * delta),
        None => "n/a".to_string(),
    }
}

fn truncate(name: &str, width: usize) -> String {
    name.chars().take(width).collect()
}
