//! The statistics half of the method: from per-image class areas to "which classes does the
//! generator drop?".
//!
//! 1. **Per-image area vectors.** A segmenter labels every pixel of an image with one of
//!    `num_classes` classes. The image becomes one vector `x` whose entry `c` is the share of
//!    its pixels in class `c`, in percent of the image area (`area_percent`: 0 to 100, summing
//!    to 100).
//! 2. **Moments.** Over all images of a source, [`AreaMoments`] accumulates the count, the
//!    mean vector `mu`, the covariance `S` (unbiased, `1/(N-1)`), and in how many images each
//!    class appears at all. The accumulation streams and merges, in `f64`.
//! 3. **Statistics files.** [`SegmentationStats`] stores the moments of one source (a real
//!    data set or a generator snapshot) with the class names and segmenter identity, split
//!    into two interleaved halves, and saves them as versioned JSON.
//! 4. **Fréchet Segmentation Distance.** Modelling each source's area vectors as a Gaussian,
//!
//!    ```text
//!    FSD = |mu_r - mu_g|^2 + Tr(S_r + S_g - 2 (S_r S_g)^(1/2))
//!    ```
//!
//!    with `r` for real and `g` for generated ([`fsd`], [`frechet_distance`]). It is 0 only
//!    when both sources have the same mean class mix and the same spread; areas in percent
//!    make it a number in squared percentage points.
//! 5. **Per-class comparison.** [`compare()`] tests each class's mean area in real against
//!    generated images (Welch's t-test, Holm correction across classes) and labels it
//!    dropped, over-generated or consistent when the difference is both significant and
//!    large enough.
//! 6. **Split-half noise floor.** The same distances between the two halves of the real
//!    data show how much of a difference sampling alone produces; a generator's FSD or a
//!    class's change means something only well above that floor.

pub mod collect;
pub mod compare;
pub mod file;
pub mod frechet;
pub mod moments;
pub mod tally;

pub use compare::{ClassComparison, CompareConfig, Comparison, Verdict, compare};
pub use file::{STATS_FORMAT, STATS_VERSION, SegmentationStats, StatsMeta};
pub use frechet::{FrechetDistance, frechet_distance, fsd};
pub use moments::AreaMoments;
pub use tally::class_area_percent;
