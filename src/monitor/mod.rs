//! The monitor: mode-drop analysis attached to a training loop.
//!
//! Every `every_steps` training steps, [`ModeDropMonitor`] draws a fixed set
//! of samples from the generator (the same latent vectors each time, so two
//! evaluations differ only by the generator), segments them, and compares
//! their class areas with real reference statistics computed once and
//! cached. Each evaluation yields the FSD (total, mean and covariance terms)
//! against the split-half noise floor of the real data, and per class the
//! generated/real area ratio and a verdict. A class whose ratio stays below
//! `alarm_ratio` for `alarm_evaluations` evaluations in a row raises an
//! alarm (a `log` warning and a field of the evaluation); its recovery is
//! reported too. Everything is appended to `history.jsonl` and logged to
//! TensorBoard.

mod base;
pub mod burn_train;
pub mod config;
pub mod history;
pub mod reference;

pub use base::ModeDropMonitor;
pub use config::{FailurePolicy, MonitorConfig, ReferenceSource};
pub use history::{ClassDrift, DriftState, Evaluation, History};
