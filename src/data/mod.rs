//! Where images come from: the built-in scene world, image folders, and the
//! conversion of host pixels into device batches.
//!
//! Every image enters the models as `[batch_size, 3, height, width]` RGB in
//! [-1, 1]; each model converts to its own input convention inside.

pub mod batch;
pub mod export;
pub mod folder;
pub mod scene;
pub mod source;

pub use batch::HostBatch;
pub use folder::ImageFolder;
pub use scene::{CLASS_NAMES, Scene, SceneWorld, Variant};
pub use source::{ImageSource, Prefix, SceneSource};

/// The scene world's class vocabulary as owned strings.
pub fn scene_class_names() -> Vec<String> {
    CLASS_NAMES.iter().map(|name| name.to_string()).collect()
}
