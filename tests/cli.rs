//! The command-line tool on good and bad input: every failure is one clear
//! line naming the file, a non-zero exit, and nothing already written is
//! lost.

use std::path::Path;
use std::process::{Command, Output};

fn modedrop(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_modedrop"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("the modedrop binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts failure with exactly one `error:` line containing `needle`.
fn assert_fails_with(output: &Output, needle: &str) {
    assert!(!output.status.success(), "expected failure, got {output:?}");
    let text = stderr(output);
    let errors: Vec<_> = text
        .lines()
        .filter(|line| line.starts_with("error:"))
        .collect();
    assert_eq!(errors.len(), 1, "{text}");
    assert!(
        errors[0].contains(needle),
        "{:?} lacks {needle:?}",
        errors[0]
    );
}

fn oracle_stats(dir: &Path, name: &str, variant: &str, seeds: &str) -> String {
    let path = dir.join(name).display().to_string();
    let output = modedrop(&[
        "stats",
        "--scenes",
        variant,
        "--seeds",
        seeds,
        "--segmenter",
        "oracle",
        "-o",
        &path,
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    path
}

#[test]
fn stats_and_compare_write_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let real = oracle_stats(dir.path(), "real.json", "real", "0..300");
    let generated = oracle_stats(dir.path(), "gen.json", "no-person", "300..600");
    let out = dir.path().join("report");
    let output = modedrop(&["compare", &real, &generated, "--out", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));

    let table = String::from_utf8_lossy(&output.stdout);
    let person = table
        .lines()
        .find(|line| line.starts_with("person"))
        .unwrap();
    assert!(person.contains("DROPPED"), "{table}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["area_unit"], "percent of image area");
    let figure = image::open(out.join("comparison.png")).unwrap();
    assert_eq!((figure.width(), figure.height()), (1200, 800));
}

#[test]
fn empty_folder_is_one_error_line() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().to_str().unwrap();
    let out = dir.path().join("s.json");
    let output = modedrop(&["stats", "--folder", folder, "-o", out.to_str().unwrap()]);
    assert_fails_with(&output, folder);
    assert!(!out.exists());
}

#[test]
fn missing_statistics_file_is_one_error_line() {
    let output = modedrop(&["compare", "/nonexistent/real.json", "/nonexistent/gen.json"]);
    assert_fails_with(&output, "/nonexistent/real.json");
}

#[test]
fn truncated_or_wrong_version_statistics_fail_without_touching_earlier_results() {
    let dir = tempfile::tempdir().unwrap();
    let real = oracle_stats(dir.path(), "real.json", "real", "0..50");
    let out = dir.path().join("report");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("report.json"), "earlier result").unwrap();

    let text = std::fs::read_to_string(&real).unwrap();
    let truncated = dir.path().join("truncated.json");
    std::fs::write(&truncated, &text[..text.len() / 2]).unwrap();
    let output = modedrop(&[
        "compare",
        &real,
        truncated.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_fails_with(&output, "truncated.json");

    let future = dir.path().join("future.json");
    std::fs::write(
        &future,
        text.replacen("\"version\": 1", "\"version\": 99", 1),
    )
    .unwrap();
    let output = modedrop(&[
        "compare",
        &real,
        future.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_fails_with(&output, "version 99");

    assert_eq!(
        std::fs::read_to_string(out.join("report.json")).unwrap(),
        "earlier result"
    );
}

#[test]
fn different_segmenters_are_not_compared() {
    let dir = tempfile::tempdir().unwrap();
    let oracle = oracle_stats(dir.path(), "oracle.json", "real", "0..20");
    let compact = dir.path().join("compact.json");
    let output = modedrop(&[
        "stats",
        "--scenes",
        "real",
        "--seeds",
        "0..20",
        "-o",
        compact.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let output = modedrop(&["compare", &oracle, compact.to_str().unwrap()]);
    assert_fails_with(&output, "segmented by");
}

#[test]
fn unreadable_images_are_skipped_and_counted_or_fail_when_strict() {
    let dir = tempfile::tempdir().unwrap();
    let images = dir.path().join("images");
    let export = modedrop(&[
        "scenes",
        "export",
        dir.path().to_str().unwrap(),
        "--seeds",
        "0..6",
    ]);
    assert!(export.status.success(), "{}", stderr(&export));
    std::fs::write(images.join("broken.png"), b"not an image").unwrap();
    let out = dir.path().join("s.json");
    let (folder, out_path) = (images.to_str().unwrap(), out.to_str().unwrap());

    let output = modedrop(&["stats", "--folder", folder, "-o", out_path]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("skipped 1 unreadable image(s) of 7"),
        "{}",
        stderr(&output)
    );
    let stats = modedrop::stats::SegmentationStats::load(&out).unwrap();
    assert_eq!(stats.image_count(), 6);

    std::fs::remove_file(&out).unwrap();
    let output = modedrop(&["stats", "--folder", folder, "--strict", "-o", out_path]);
    assert_fails_with(&output, "broken.png");
    assert!(!out.exists());
}

#[test]
fn paper_analysis_runs_on_fixture_models_and_names_missing_files() {
    let dir = tempfile::tempdir().unwrap();
    let scenes = dir.path().join("scenes");
    let export = modedrop(&[
        "scenes",
        "export",
        scenes.to_str().unwrap(),
        "--seeds",
        "0..8",
    ]);
    assert!(export.status.success(), "{}", stderr(&export));
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/models/progan.pth");
    let config = |generator: &str| {
        format!(
            "out_dir = {:?}\nsegmenter = \"compact\"\ngenerator = {generator:?}\n\
             real_folder = {:?}\nimages = 8\nlatent_seed = 0\nbatch_size = 4\n",
            dir.path().join("out"),
            scenes.join("images"),
        )
    };

    let good = dir.path().join("good.toml");
    std::fs::write(&good, config(&format!("progan:{}", fixture.display()))).unwrap();
    let output = modedrop(&["paper", good.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(dir.path().join("out/report/report.json").exists());
    let generated =
        modedrop::stats::SegmentationStats::load(&dir.path().join("out/generated.stats.json"))
            .unwrap();
    assert_eq!(generated.image_count(), 8);

    let missing = dir.path().join("missing.toml");
    std::fs::write(&missing, config("progan:/nonexistent/church.pth")).unwrap();
    let output = modedrop(&["paper", missing.to_str().unwrap()]);
    assert_fails_with(&output, "/nonexistent/church.pth");
}

/// `configs/scenes.toml` shrunk to seconds: a tiny GAN, few steps, few
/// samples and a small reference.
fn tiny_training_config(dir: &Path) -> std::path::PathBuf {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/scenes.toml");
    let mut config: toml::Table =
        toml::from_str(&std::fs::read_to_string(shipped).unwrap()).unwrap();
    let mut set = |table: &str, key: &str, value: toml::Value| {
        let target = match table {
            "" => &mut config,
            name => config[name].as_table_mut().unwrap(),
        };
        assert!(target.contains_key(key), "scenes.toml has no {table}.{key}");
        target.insert(key.to_string(), value);
    };
    let path = |name: &str| toml::Value::from(dir.join(name).display().to_string());
    set("", "out_dir", path("run"));
    set("", "checkpoint_every", 2.into());
    set("gan", "generator_channels", 4.into());
    set("gan", "discriminator_channels", 4.into());
    set("gan", "batch_size", 4.into());
    set("gan", "steps", 4.into());
    set("monitor", "every_steps", 2.into());
    set("monitor", "samples", 8.into());
    set("monitor", "batch_size", 8.into());
    set("monitor", "reference_images", 16.into());
    set("monitor", "cache_dir", path("cache"));
    set("monitor", "grid_images", 4.into());
    let file = dir.join("tiny.toml");
    std::fs::write(&file, toml::to_string(&config).unwrap()).unwrap();
    file
}

#[test]
fn train_writes_every_output_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let config = tiny_training_config(dir.path());
    let config = config.to_str().unwrap();
    let output = modedrop(&["train", config]);
    assert!(output.status.success(), "{}", stderr(&output));

    let run = dir.path().join("run");
    for file in [
        "config.toml",
        "final/report.json",
        "final/comparison.png",
        "samples/step-0000002.png",
        "samples/step-0000004.png",
        "checkpoint/trainer.json",
    ] {
        assert!(
            run.join(file).is_file(),
            "{file} missing: {}",
            stderr(&output)
        );
    }
    let events: Vec<_> = std::fs::read_dir(run.join("tensorboard"))
        .unwrap()
        .collect();
    assert_eq!(events.len(), 1);
    let history = modedrop::monitor::History::open(&run.join("history.jsonl")).unwrap();
    let steps: Vec<u64> = history.evaluations().iter().map(|e| e.step).collect();
    assert_eq!(steps, [2, 4]);
    assert!(stdout_of(&output).contains("FSD"), "no final table printed");

    // A second run into the same folder would mix two runs: refused.
    assert_fails_with(&modedrop(&["train", config]), "--resume");

    let output = modedrop(&["train", config, "--resume", "--steps", "6"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let history = modedrop::monitor::History::open(&run.join("history.jsonl")).unwrap();
    let steps: Vec<u64> = history.evaluations().iter().map(|e| e.step).collect();
    assert_eq!(steps, [2, 4, 6]);
}

fn stdout_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}
