//! Progress bars for long commands.

use indicatif::{ProgressBar, ProgressStyle};

/// A bar counting `total` items of `unit` ("images", "steps") with the rate.
pub fn bar(total: u64, unit: &str) -> ProgressBar {
    let bar = ProgressBar::new(total);
    let template = format!(
        "{{spinner}} {{msg}} [{{bar:30}}] {{pos}}/{{len}} {unit} ({{per_sec}}, eta {{eta}})"
    );
    bar.set_style(
        ProgressStyle::with_template(&template)
            .expect("the progress template is valid")
            .progress_chars("=> "),
    );
    bar
}
