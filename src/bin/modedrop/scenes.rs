//! `modedrop scenes`: the built-in scene world.

use std::path::PathBuf;

use clap::Subcommand;
use modedrop::Result;
use modedrop::data::export::export_scenes;
use modedrop::data::{SceneWorld, Variant};

use crate::stats::parse_seeds;

#[derive(Debug, Subcommand)]
pub enum ScenesCommand {
    /// Write scenes as PNG files: DIR/images/*.png, DIR/labels/*.png (class
    /// indices) and DIR/classes.txt.
    Export {
        /// The output folder.
        dir: PathBuf,
        /// "real", "no-person", "half-fence", "no-person+half-fence", ...
        #[arg(long, default_value = "real")]
        variant: String,
        /// Scene seeds, as START..END.
        #[arg(long, default_value = "0..100", value_parser = parse_seeds)]
        seeds: std::ops::Range<u64>,
        /// Image height and width in pixels.
        #[arg(long, default_value_t = 64)]
        size: u32,
    },
}

pub fn run(command: ScenesCommand) -> Result<()> {
    match command {
        ScenesCommand::Export {
            dir,
            variant,
            seeds,
            size,
        } => {
            let world = SceneWorld::new(size, size, Variant::parse(&variant)?)?;
            let count = seeds.end - seeds.start;
            export_scenes(&world, seeds, &dir)?;
            log::info!("wrote {count} scenes to {}", dir.display());
            Ok(())
        }
    }
}
