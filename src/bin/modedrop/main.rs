//! The `modedrop` command-line tool.

mod compare;
mod demo;
mod paper;
mod progress;
mod scenes;
mod segmenter;
mod stats;
mod train;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// See which object classes a GAN fails to generate.
#[derive(Debug, Parser)]
#[command(name = "modedrop", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Real scenes against a defective scene source: statistics of both, the
    /// comparison and the report, in one go.
    Demo(demo::DemoArgs),
    /// Segment an image source and write its statistics file.
    Stats(stats::StatsArgs),
    /// Compare real and generated statistics: FSD, per-class table, JSON and
    /// PNG report.
    Compare(compare::CompareArgs),
    /// A pretrained generator against real images, as the published
    /// analysis: configs/paper-*.toml.
    Paper(paper::PaperArgs),
    /// Train or evaluate the compact segmenter.
    #[command(subcommand)]
    Segmenter(segmenter::SegmenterCommand),
    /// Train a GAN on the scene world with the mode-drop monitor attached.
    Train(train::TrainArgs),
    /// Work with the built-in scene world.
    #[command(subcommand)]
    Scenes(scenes::ScenesCommand),
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"))
        .format_timestamp(None)
        .init();
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Demo(args) => demo::run(args),
        Command::Stats(args) => stats::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Paper(args) => paper::run(args),
        Command::Segmenter(command) => segmenter::run(command),
        Command::Train(args) => train::run(args),
        Command::Scenes(command) => scenes::run(command),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
