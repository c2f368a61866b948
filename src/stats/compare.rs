//! Class-by-class comparison of real and generated segmentation statistics.
//!
//! FSD says how far apart two sources are; this module says which classes make up the
//! difference. For each class it compares the mean area (percent of image area) in real and
//! generated images with Welch's t-test, corrects the p-values for testing every class with
//! Holm's step-down method, and labels the class:
//!
//! - `Dropped` when the generator paints it significantly less, by at least
//!   `min_relative_change` of its real area;
//! - `OverGenerated` when it paints it significantly more, by the same margin (a class that
//!   never appears in real images but significantly does in generated ones is always
//!   over-generated);
//! - `Consistent` otherwise.
//!
//! Requiring both statistical significance and a minimum effect size keeps large samples
//! from flagging differences too small to matter. Alongside, the same quantities measured
//! between the two halves of the real data (see [`SegmentationStats`]) give the noise floor:
//! what a perfect generator would still show from sampling alone. That floor compares
//! `N/2` against `N/2` images, so it slightly overstates the noise of an `N`-image
//! comparison.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::error::{Error, Result};
use crate::stats::file::SegmentationStats;
use crate::stats::frechet::{FrechetDistance, fsd};
use crate::stats::moments::AreaMoments;

/// Thresholds that turn per-class tests into verdicts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CompareConfig {
    /// Family-wise significance level, applied to Holm-adjusted p-values.
    pub alpha: f64,
    /// Smallest relative change of mean area, `|generated - real| / real`, that counts as a
    /// real difference (0.25 means 25 %).
    pub min_relative_change: f64,
}

impl Default for CompareConfig {
    fn default() -> Self {
        Self {
            alpha: 0.01,
            min_relative_change: 0.25,
        }
    }
}

impl CompareConfig {
    /// Checks that `alpha` lies in (0, 1) and `min_relative_change` is finite and >= 0.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming the offending value.
    pub fn validate(&self) -> Result<()> {
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            return Err(Error::Config(format!(
                "alpha must lie strictly between 0 and 1, got {}",
                self.alpha
            )));
        }
        if !(self.min_relative_change.is_finite() && self.min_relative_change >= 0.0) {
            return Err(Error::Config(format!(
                "min_relative_change must be finite and non-negative, got {}",
                self.min_relative_change
            )));
        }
        Ok(())
    }
}

/// How a class fares in generated images compared with real ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Significantly and substantially less area than in real images.
    Dropped,
    /// Significantly and substantially more area than in real images.
    OverGenerated,
    /// No significant and substantial difference.
    Consistent,
}

/// The comparison of one class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassComparison {
    /// Position of the class in the segmenter's class order.
    pub index: usize,
    /// Name of the class.
    pub name: String,
    /// Mean area in real images, in percent of image area.
    pub real_mean_area_percent: f64,
    /// Mean area in generated images, in percent of image area.
    pub generated_mean_area_percent: f64,
    /// `(generated - real) / real` of the mean areas; `None` when the real mean is 0.
    pub relative_delta: Option<f64>,
    /// Fraction (0 to 1) of real images in which the class appears.
    pub real_presence: f64,
    /// Fraction (0 to 1) of generated images in which the class appears.
    pub generated_presence: f64,
    /// Two-sided p-value of Welch's t-test on the per-image area.
    pub p_value: f64,
    /// `p_value` after Holm's correction across all classes.
    pub adjusted_p_value: f64,
    /// `(odd half - even half) / even half` of the real mean areas: the relative delta that
    /// sampling noise alone produces; `None` when the even half's mean is 0.
    pub noise_relative_delta: Option<f64>,
    /// The label that the thresholds of [`CompareConfig`] give this class.
    pub verdict: Verdict,
}

/// The comparison of a generated source with a real one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// FSD between all real and all generated images, in squared percent.
    pub fsd: FrechetDistance,
    /// FSD between the two halves of the real images: the distance of pure sampling noise.
    pub noise_floor: FrechetDistance,
    /// Number of real images.
    pub real_images: u64,
    /// Number of generated images.
    pub generated_images: u64,
    /// One entry per class, by real mean area, largest first.
    pub classes: Vec<ClassComparison>,
}

/// Compares generated statistics against real ones, overall (FSD) and class by class.
///
/// # Errors
///
/// [`Error::Config`] for an invalid `config`; [`Error::Incompatible`] if the two sources
/// differ in classes or segmenter; [`Error::NotEnoughSamples`] with fewer than 4 real images
/// (2 per half for the noise floor) or fewer than 2 generated images; [`Error::NonFinite`]
/// as for [`fsd`].
pub fn compare(
    real: &SegmentationStats,
    generated: &SegmentationStats,
    config: &CompareConfig,
) -> Result<Comparison> {
    config.validate()?;
    real.check_comparable(generated)?;
    require_images("the split-half noise floor of the real statistics", real, 4)?;
    require_images("the generated statistics", generated, 2)?;

    let real_total = real.total();
    let generated_total = generated.total();
    let [real_even, real_odd] = real.halves();

    let mut classes: Vec<ClassComparison> = (0..real.num_classes())
        .map(|index| {
            let name = real.meta().class_names[index].clone();
            compare_class(
                index,
                name,
                &real_total,
                &generated_total,
                [real_even, real_odd],
            )
        })
        .collect::<Result<_>>()?;

    let p_values: Vec<f64> = classes.iter().map(|class| class.p_value).collect();
    for (class, adjusted) in classes.iter_mut().zip(holm_adjust(&p_values)) {
        class.adjusted_p_value = adjusted;
        class.verdict = verdict(class, config);
    }
    classes.sort_by(|a, b| {
        b.real_mean_area_percent
            .total_cmp(&a.real_mean_area_percent)
    });

    Ok(Comparison {
        fsd: fsd(&real_total, &generated_total)?,
        noise_floor: fsd(real_even, real_odd)?,
        real_images: real.image_count(),
        generated_images: generated.image_count(),
        classes,
    })
}

fn require_images(what: &'static str, stats: &SegmentationStats, needed: u64) -> Result<()> {
    let got = stats.image_count();
    if got < needed {
        return Err(Error::NotEnoughSamples { what, needed, got });
    }
    Ok(())
}

/// Everything about one class except the Holm-adjusted p-value and the verdict, which need
/// all classes.
fn compare_class(
    index: usize,
    name: String,
    real: &AreaMoments,
    generated: &AreaMoments,
    real_halves: [&AreaMoments; 2],
) -> Result<ClassComparison> {
    let real_mean = real.mean()[index];
    let generated_mean = generated.mean()[index];
    let p_value = welch_p_value(
        SampleSummary::of_class(real, index)?,
        SampleSummary::of_class(generated, index)?,
    );
    let [even, odd] = real_halves;

    Ok(ClassComparison {
        index,
        name,
        real_mean_area_percent: real_mean,
        generated_mean_area_percent: generated_mean,
        relative_delta: relative_change(real_mean, generated_mean),
        real_presence: real.presence_fraction(index),
        generated_presence: generated.presence_fraction(index),
        p_value,
        adjusted_p_value: p_value,
        noise_relative_delta: relative_change(even.mean()[index], odd.mean()[index]),
        verdict: Verdict::Consistent,
    })
}

/// `(after - before) / before`, or `None` when `before` is 0.
fn relative_change(before: f64, after: f64) -> Option<f64> {
    (before != 0.0).then(|| (after - before) / before)
}

fn verdict(class: &ClassComparison, config: &CompareConfig) -> Verdict {
    if class.adjusted_p_value >= config.alpha {
        return Verdict::Consistent;
    }
    // A class absent from real images has no relative change; any significant presence in
    // generated images is then an unbounded increase.
    let change = class.relative_delta.unwrap_or(f64::INFINITY);
    if change.abs() < config.min_relative_change {
        Verdict::Consistent
    } else if change < 0.0 {
        Verdict::Dropped
    } else {
        Verdict::OverGenerated
    }
}

/// Mean, unbiased variance and size of one class's per-image areas in one sample.
#[derive(Debug, Clone, Copy)]
struct SampleSummary {
    mean: f64,
    variance: f64,
    count: f64,
}

impl SampleSummary {
    fn of_class(moments: &AreaMoments, class: usize) -> Result<Self> {
        Ok(Self {
            mean: moments.mean()[class],
            variance: moments.variance(class)?,
            count: moments.count() as f64,
        })
    }
}

/// Two-sided p-value of Welch's unequal-variance t-test for equal means.
///
/// Per-image class areas are far from normal (many zeros, long right tails), but the test
/// is about the sample mean, which is close to normal for the hundreds to thousands of
/// images compared here. Welch's form is used rather than Student's because equal variances
/// are the exception: a dropped class has almost no variance among generated images. With
///
/// ```text
/// t = (m_1 - m_2) / sqrt(v_1/n_1 + v_2/n_2)
/// df = (v_1/n_1 + v_2/n_2)^2 / ((v_1/n_1)^2/(n_1 - 1) + (v_2/n_2)^2/(n_2 - 1))
/// ```
///
/// (Welch-Satterthwaite degrees of freedom), `p = 2 P(T_df > |t|)`. When both variances are
/// 0 the data are constant: `p` is 1 if the means agree and 0 otherwise.
fn welch_p_value(a: SampleSummary, b: SampleSummary) -> f64 {
    let error_a = a.variance / a.count;
    let error_b = b.variance / b.count;
    let standard_error_squared = error_a + error_b;
    if standard_error_squared == 0.0 {
        return if a.mean == b.mean { 1.0 } else { 0.0 };
    }

    let t = (a.mean - b.mean) / standard_error_squared.sqrt();
    let degrees_of_freedom = standard_error_squared.powi(2)
        / (error_a.powi(2) / (a.count - 1.0) + error_b.powi(2) / (b.count - 1.0));
    let distribution = StudentsT::new(0.0, 1.0, degrees_of_freedom)
        .expect("Welch degrees of freedom are positive and finite");
    (2.0 * distribution.sf(t.abs())).min(1.0)
}

/// Holm-Bonferroni adjusted p-values, in the order of `p_values`.
///
/// Sorting the `m` p-values ascending, the `i`-th smallest (from 0) is multiplied by
/// `m - i`, capped at 1, and made non-decreasing along the sorted order. Rejecting where the
/// adjusted value is below `alpha` bounds the chance of any false "dropped" or
/// "over-generated" label among all classes by `alpha`. Holm is chosen because it needs no
/// assumption about dependence between the tests (class areas sum to 100 %, so they are
/// anything but independent) while rejecting at least as much as plain Bonferroni.
fn holm_adjust(p_values: &[f64]) -> Vec<f64> {
    let m = p_values.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p_values[a].total_cmp(&p_values[b]));

    let mut adjusted = vec![0.0; m];
    let mut running_max: f64 = 0.0;
    for (rank, &index) in order.iter().enumerate() {
        let scaled = (p_values[index] * (m - rank) as f64).min(1.0);
        running_max = running_max.max(scaled);
        adjusted[index] = running_max;
    }
    adjusted
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::file::StatsMeta;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    const NUM_CLASSES: usize = 6;

    fn meta(source: &str) -> StatsMeta {
        StatsMeta {
            class_names: (0..NUM_CLASSES).map(|c| format!("class{c}")).collect(),
            segmenter: "test-segmenter".into(),
            source: source.into(),
            height: 64,
            width: 64,
        }
    }

    /// Area vectors whose class `c` gets an exponential share with scale `c + 1`, present
    /// with probability 0.9; the classes in `zeroed` are left out before normalising.
    fn draw(source: &str, num_images: usize, seed: u64, zeroed: &[usize]) -> SegmentationStats {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut stats = SegmentationStats::new(meta(source));
        for _ in 0..num_images {
            let mut row: Vec<f64> = (0..NUM_CLASSES)
                .map(|class| {
                    let present = rng.random::<f64>() < 0.9 && !zeroed.contains(&class);
                    let share = -(1.0 - rng.random::<f64>()).ln() * (class + 1) as f64;
                    if present { share } else { 0.0 }
                })
                .collect();
            let sum: f64 = row.iter().sum::<f64>().max(f64::MIN_POSITIVE);
            row.iter_mut().for_each(|value| *value *= 100.0 / sum);
            stats.push(&row);
        }
        stats
    }

    fn summary(values: &[f64]) -> SampleSummary {
        let mut moments = AreaMoments::new(1);
        values.iter().for_each(|&v| moments.push(&[v]));
        SampleSummary::of_class(&moments, 0).unwrap()
    }

    #[test]
    fn same_distribution_flags_nothing() {
        let real = draw("real", 600, 1, &[]);
        let generated = draw("generated", 500, 2, &[]);
        let comparison = compare(&real, &generated, &CompareConfig::default()).unwrap();

        assert_eq!(comparison.real_images, 600);
        assert_eq!(comparison.generated_images, 500);
        assert!(
            comparison
                .classes
                .iter()
                .all(|c| c.verdict == Verdict::Consistent)
        );
        // Largest scale, largest mean area: class 5 comes first.
        let order: Vec<usize> = comparison.classes.iter().map(|c| c.index).collect();
        assert_eq!(order, vec![5, 4, 3, 2, 1, 0]);
        assert!(comparison.fsd.total < 10.0 * comparison.noise_floor.total.max(1e-3));
    }

    #[test]
    fn zeroed_class_is_dropped_and_nothing_else() {
        let real = draw("real", 600, 1, &[]);
        let generated = draw("generated", 500, 2, &[0]);
        let comparison = compare(&real, &generated, &CompareConfig::default()).unwrap();

        for class in &comparison.classes {
            let expected = if class.index == 0 {
                Verdict::Dropped
            } else {
                Verdict::Consistent
            };
            assert_eq!(class.verdict, expected, "{class:?}");
        }
        let dropped = comparison.classes.iter().find(|c| c.index == 0).unwrap();
        assert_eq!(dropped.generated_presence, 0.0);
        assert_eq!(dropped.relative_delta, Some(-1.0));
        assert!(comparison.fsd.total > comparison.noise_floor.total);
    }

    #[test]
    fn verdict_needs_both_significance_and_effect_size() {
        // Zeroing class 2 (about 14 % of the area) inflates the others by about 20 % after
        // normalising. With these seeds class 4 grows by 24 % at adjusted p ~ 1e-4, and
        // class 0 by 18 % at adjusted p ~ 0.04.
        let real = draw("real", 600, 1, &[]);
        let generated = draw("generated", 500, 2, &[2]);
        let verdicts = |min_relative_change| {
            let config = CompareConfig {
                min_relative_change,
                ..Default::default()
            };
            let comparison = compare(&real, &generated, &config).unwrap();
            let mut by_index = vec![Verdict::Consistent; NUM_CLASSES];
            comparison
                .classes
                .iter()
                .for_each(|c| by_index[c.index] = c.verdict);
            by_index
        };

        let strict = verdicts(0.5);
        assert_eq!(strict[2], Verdict::Dropped);
        assert!(strict.iter().filter(|&&v| v != Verdict::Consistent).count() == 1);

        let lenient = verdicts(0.1);
        assert_eq!(lenient[2], Verdict::Dropped);
        assert_eq!(lenient[4], Verdict::OverGenerated);
        assert_eq!(lenient[0], Verdict::Consistent);
    }

    #[test]
    fn class_absent_from_real_data_is_over_generated() {
        let real = draw("real", 300, 3, &[4]);
        let generated = draw("generated", 300, 4, &[]);
        let comparison = compare(&real, &generated, &CompareConfig::default()).unwrap();
        let class = comparison.classes.iter().find(|c| c.index == 4).unwrap();
        assert_eq!(class.relative_delta, None);
        assert_eq!(class.verdict, Verdict::OverGenerated);
    }

    #[test]
    fn holm_adjustment_matches_hand_computation() {
        // Sorted: 0.005 (x4 = 0.02), 0.01 (x3 = 0.03), 0.03 (x2 = 0.06), 0.04 (x1 = 0.04,
        // raised to the running maximum 0.06).
        let adjusted = holm_adjust(&[0.01, 0.04, 0.03, 0.005]);
        let expected = [0.03, 0.06, 0.06, 0.02];
        for (got, want) in adjusted.iter().zip(expected) {
            assert!((got - want).abs() < 1e-15, "{adjusted:?}");
        }
        assert_eq!(holm_adjust(&[0.5, 0.6]), vec![1.0, 1.0]);
    }

    /// Expected values from scipy 1.17.1:
    /// `scipy.stats.ttest_ind(a, b, equal_var=False)` with the arrays below.
    #[test]
    fn welch_p_value_matches_scipy() {
        let a = [12.0, 15.5, 9.0, 22.0, 17.5, 11.0, 14.0];
        let b = [5.0, 7.5, 30.0, 2.0, 9.0];
        let p = welch_p_value(summary(&a), summary(&b));
        assert!((p - SCIPY_WELCH_P).abs() < 1e-9 * SCIPY_WELCH_P, "{p}");

        let c = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0];
        let p = welch_p_value(summary(&a), summary(&c));
        assert!((p - SCIPY_WELCH_P_AGAINST_ZEROS).abs() < 1e-9 * SCIPY_WELCH_P_AGAINST_ZEROS);
    }

    // t = 0.711875840212989, df = 4.8979145671416955.
    const SCIPY_WELCH_P: f64 = 0.5090006694028878;
    // t = 8.711537553543987, df = 6.0 (all of the variance is on one side).
    const SCIPY_WELCH_P_AGAINST_ZEROS: f64 = 0.00012644633912044183;

    #[test]
    fn constant_samples_give_p_one_or_zero() {
        assert_eq!(
            welch_p_value(summary(&[3.0, 3.0]), summary(&[3.0, 3.0, 3.0])),
            1.0
        );
        assert_eq!(
            welch_p_value(summary(&[3.0, 3.0]), summary(&[0.0, 0.0])),
            0.0
        );
    }

    #[test]
    fn too_few_images_or_bad_config_are_errors() {
        let error = compare(
            &draw("real", 3, 1, &[]),
            &draw("g", 10, 2, &[]),
            &Default::default(),
        )
        .unwrap_err();
        assert!(
            matches!(
                error,
                Error::NotEnoughSamples {
                    needed: 4,
                    got: 3,
                    ..
                }
            ),
            "{error}"
        );
        let error = compare(
            &draw("real", 10, 1, &[]),
            &draw("g", 1, 2, &[]),
            &Default::default(),
        )
        .unwrap_err();
        assert!(
            matches!(
                error,
                Error::NotEnoughSamples {
                    needed: 2,
                    got: 1,
                    ..
                }
            ),
            "{error}"
        );
        let config = CompareConfig {
            alpha: 0.0,
            ..Default::default()
        };
        let error =
            compare(&draw("real", 10, 1, &[]), &draw("g", 10, 2, &[]), &config).unwrap_err();
        assert!(matches!(error, Error::Config(_)), "{error}");
    }
}
