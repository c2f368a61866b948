//! The drift history: one JSON line per evaluation, appended as training
//! goes, and the per-class alarm state derived from it.
//!
//! Each line is written with a single append and flushed to disk before the
//! evaluation returns, so a crash can at worst leave a partial last line.
//! Opening the file drops such a line (with a warning) and keeps the rest.
//! Alarm state is never stored separately: it is replayed from the history,
//! so the two cannot disagree after a restart.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::stats::{FrechetDistance, Verdict};

/// One class at one evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassDrift {
    /// The class name.
    pub name: String,
    /// Mean area in the real reference, in percent of image.
    pub real_area_percent: f64,
    /// Mean area in the generated samples, in percent of image.
    pub generated_area_percent: f64,
    /// Generated over real mean area; `None` when the class is absent from
    /// the reference.
    pub ratio: Option<f64>,
    /// The comparison's verdict (significance and size of the change).
    pub verdict: Verdict,
    /// Evaluations in a row, this one included, with the ratio below the
    /// alarm ratio.
    pub streak: usize,
    /// Whether the class is in alarm after this evaluation.
    pub alarm: bool,
}

/// One evaluation: a line of `history.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// The training step at which it ran.
    pub step: u64,
    /// Seconds since the Unix epoch.
    pub wall_time: f64,
    /// Seconds the evaluation took.
    pub seconds: f64,
    /// Why the evaluation failed, when it did; the other fields are then
    /// empty.
    pub error: Option<String>,
    /// FSD of the samples against the reference.
    pub fsd: Option<FrechetDistance>,
    /// Split-half FSD of the reference against itself.
    pub noise_floor: Option<FrechetDistance>,
    /// Per-class drift, in order of real frequency.
    pub classes: Vec<ClassDrift>,
    /// Classes that entered alarm at this evaluation.
    pub new_alarms: Vec<String>,
    /// Classes that left alarm at this evaluation.
    pub recoveries: Vec<String>,
}

/// Per-class streaks of evaluations below target, and which classes are in
/// alarm.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DriftState {
    streaks: BTreeMap<String, usize>,
    alarms: BTreeMap<String, bool>,
}

impl DriftState {
    /// Updates the streaks with one evaluation's classes (marking each
    /// class's `streak` and `alarm`), and returns the classes that entered
    /// and left alarm.
    ///
    /// A class is below target when `ratio < alarm_ratio`; it is alarmable
    /// only when its real area is at least `min_real_area_percent`. An alarm
    /// starts at `alarm_evaluations` evaluations below target in a row and
    /// ends at the first evaluation back on target.
    pub fn update(
        &mut self,
        classes: &mut [ClassDrift],
        alarm_ratio: f64,
        alarm_evaluations: usize,
        min_real_area_percent: f64,
    ) -> (Vec<String>, Vec<String>) {
        let (mut started, mut ended) = (Vec::new(), Vec::new());
        for class in classes.iter_mut() {
            let alarmable = class.real_area_percent >= min_real_area_percent;
            let below = alarmable && class.ratio.is_some_and(|ratio| ratio < alarm_ratio);
            let streak = self.streaks.entry(class.name.clone()).or_default();
            *streak = if below { *streak + 1 } else { 0 };
            let alarm = self.alarms.entry(class.name.clone()).or_default();
            let now = *streak >= alarm_evaluations;
            if now && !*alarm {
                started.push(class.name.clone());
            } else if !now && *alarm {
                ended.push(class.name.clone());
            }
            *alarm = now;
            class.streak = *streak;
            class.alarm = now;
        }
        (started, ended)
    }

    /// The classes in alarm, in name order.
    pub fn alarms(&self) -> Vec<String> {
        self.alarms
            .iter()
            .filter(|(_, alarm)| **alarm)
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// Rebuilds the state from a history's classes (each evaluation records
    /// its streaks and alarms, so the last successful one suffices).
    pub fn replay(evaluations: &[Evaluation]) -> Self {
        let mut state = Self::default();
        if let Some(last) = evaluations.iter().rev().find(|e| e.error.is_none()) {
            for class in &last.classes {
                state.streaks.insert(class.name.clone(), class.streak);
                state.alarms.insert(class.name.clone(), class.alarm);
            }
        }
        state
    }
}

/// The append-only history file.
#[derive(Debug)]
pub struct History {
    path: PathBuf,
    evaluations: Vec<Evaluation>,
}

impl History {
    /// Opens `path`, reading any evaluations already there; a missing file
    /// is an empty history. A partial last line (a crash during a write) is
    /// dropped with a warning and the file rewritten without it.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the file cannot be read, [`Error::InvalidFile`]
    /// naming the line when a complete line does not parse.
    pub fn open(path: &Path) -> Result<Self> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(source) => return Err(Error::io(path, source)),
        };
        let mut evaluations = Vec::new();
        let complete = text.rfind('\n').map_or(0, |end| end + 1);
        for (number, line) in text[..complete].lines().enumerate() {
            let evaluation = serde_json::from_str(line).map_err(|error| {
                Error::invalid_file(path, format!("line {}: {error}", number + 1))
            })?;
            evaluations.push(evaluation);
        }
        let history = Self {
            path: path.to_path_buf(),
            evaluations,
        };
        if complete < text.len() {
            log::warn!(
                "{}: dropping a partial last line (an interrupted write)",
                path.display()
            );
            history.rewrite()?;
        }
        Ok(history)
    }

    /// The evaluations in the order they ran.
    pub fn evaluations(&self) -> &[Evaluation] {
        &self.evaluations
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one evaluation and flushes it to disk.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] naming the file.
    pub fn append(&mut self, evaluation: Evaluation) -> Result<()> {
        let mut line = serde_json::to_string(&evaluation).expect("evaluations serialise");
        line.push('\n');
        let io = |source| Error::io(&self.path, source);
        let mut file: File = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(io)?;
        file.write_all(line.as_bytes()).map_err(io)?;
        file.sync_data().map_err(io)?;
        self.evaluations.push(evaluation);
        Ok(())
    }

    /// Forgets evaluations after `step`, for training resumed from an
    /// earlier checkpoint; the file is rewritten atomically.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] naming the file.
    pub fn truncate_after(&mut self, step: u64) -> Result<()> {
        let before = self.evaluations.len();
        self.evaluations
            .retain(|evaluation| evaluation.step <= step);
        if self.evaluations.len() == before {
            return Ok(());
        }
        log::info!(
            "{}: forgetting {} evaluation(s) after step {step}",
            self.path.display(),
            before - self.evaluations.len()
        );
        self.rewrite()
    }

    fn rewrite(&self) -> Result<()> {
        let mut text = String::new();
        for evaluation in &self.evaluations {
            text.push_str(&serde_json::to_string(evaluation).expect("evaluations serialise"));
            text.push('\n');
        }
        crate::io::write_atomic(&self.path, text.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(name: &str, ratio: f64) -> ClassDrift {
        ClassDrift {
            name: name.to_string(),
            real_area_percent: 1.0,
            generated_area_percent: ratio,
            ratio: Some(ratio),
            verdict: Verdict::Consistent,
            streak: 0,
            alarm: false,
        }
    }

    #[test]
    fn alarm_after_consecutive_evaluations_and_recovery() {
        let mut state = DriftState::default();
        let mut events = Vec::new();
        for ratio in [0.2, 0.3, 0.1, 0.1, 0.9, 0.1] {
            let mut classes = vec![class("person", ratio)];
            events.push(state.update(&mut classes, 0.5, 3, 0.1));
        }
        let person = || vec!["person".to_string()];
        assert_eq!(events[1], (vec![], vec![]));
        assert_eq!(events[2], (person(), vec![]));
        assert_eq!(events[3], (vec![], vec![]));
        assert_eq!(events[4], (vec![], person()));
        assert_eq!(events[5], (vec![], vec![]));
    }

    #[test]
    fn tiny_classes_never_alarm() {
        let mut state = DriftState::default();
        for _ in 0..5 {
            let mut classes = vec![ClassDrift {
                real_area_percent: 0.01,
                ..class("lamp", 0.0)
            }];
            assert_eq!(state.update(&mut classes, 0.5, 2, 0.1), (vec![], vec![]));
        }
    }

    fn evaluation(step: u64) -> Evaluation {
        Evaluation {
            step,
            wall_time: 0.0,
            seconds: 1.0,
            error: None,
            fsd: None,
            noise_floor: None,
            classes: vec![class("person", 0.1)],
            new_alarms: vec![],
            recoveries: vec![],
        }
    }

    #[test]
    fn partial_last_line_is_dropped_and_the_rest_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.jsonl");
        let mut history = History::open(&path).unwrap();
        history.append(evaluation(10)).unwrap();
        history.append(evaluation(20)).unwrap();
        // A crash in the middle of the third append.
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(br#"{"step":30,"wall_ti"#).unwrap();

        let reopened = History::open(&path).unwrap();
        let steps: Vec<u64> = reopened.evaluations().iter().map(|e| e.step).collect();
        assert_eq!(steps, vec![10, 20]);
        assert!(std::fs::read_to_string(&path).unwrap().ends_with("}\n"));
    }

    #[test]
    fn corrupt_complete_line_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.jsonl");
        std::fs::write(&path, "{not json}\n").unwrap();
        let error = History::open(&path).unwrap_err().to_string();
        assert!(
            error.contains("history.jsonl") && error.contains("line 1"),
            "{error}"
        );
    }

    #[test]
    fn truncate_after_a_step_and_replay_the_alarm_state() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.jsonl");
        let mut history = History::open(&path).unwrap();
        for step in [10, 20, 30] {
            let mut e = evaluation(step);
            e.classes[0].streak = (step / 10) as usize;
            e.classes[0].alarm = step >= 20;
            history.append(e).unwrap();
        }
        history.truncate_after(20).unwrap();
        let reopened = History::open(&path).unwrap();
        assert_eq!(reopened.evaluations().len(), 2);
        let state = DriftState::replay(reopened.evaluations());
        assert_eq!(state.alarms(), vec!["person".to_string()]);
        assert_eq!(state.streaks["person"], 2);
    }
}
