//! What a person reads: the per-class table for the terminal, the Figure-2
//! style PNG (mean area per class, real against generated, and the relative
//! change), the JSON report, and TensorBoard event files.

pub mod figure;
pub mod grid;
pub mod json;
pub mod table;
pub mod tensorboard;

pub use figure::{render_comparison, save_comparison_png};
pub use grid::{class_palette, sample_grid};
pub use json::ComparisonReport;
pub use table::comparison_table;
