//! Fréchet distance between two Gaussians fitted to class-area vectors.
//!
//! Given the mean `mu` and covariance `S` of the per-image class-area vectors of two image
//! sources, the Fréchet (2-Wasserstein) distance between the Gaussians with those moments is
//!
//! ```text
//! d^2 = |mu_1 - mu_2|^2 + Tr(S_1 + S_2 - 2 (S_1 S_2)^(1/2))
//! ```
//!
//! Applied to segmentation areas this is the Fréchet Segmentation Distance (FSD): the first
//! term measures how far the average class mix has moved, the second how differently the
//! areas vary and co-vary from image to image. Areas are in percent of image area, so FSD is
//! in squared percentage points; with areas as fractions it would be 10^4 times smaller.
//!
//! `S_1 S_2` is not symmetric, but its eigenvalues equal those of the symmetric positive
//! semi-definite `M = S_1^(1/2) S_2 S_1^(1/2)` (the eigenvalues of `AB` and `BA` coincide, with
//! `A = S_1^(1/2)` and `B = S_1^(1/2) S_2`), so `Tr (S_1 S_2)^(1/2)` is the sum of the square
//! roots of the eigenvalues of `M`. Working with symmetric eigendecompositions only keeps the
//! result real and finite for singular covariances, classes that never occur, and fewer
//! images than classes; eigenvalues that rounding pushes below zero are clamped to zero.
//! All arithmetic is in `f64`.

use nalgebra::{DMatrix, SymmetricEigen};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::stats::moments::AreaMoments;

/// A Fréchet distance and its two terms, in squared percentage points of image area.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FrechetDistance {
    /// `mean_term + covariance_term`.
    pub total: f64,
    /// `|mu_1 - mu_2|^2`: how far the mean class areas are apart.
    pub mean_term: f64,
    /// `Tr(S_1 + S_2 - 2 (S_1 S_2)^(1/2))`: how differently the areas spread and co-vary.
    pub covariance_term: f64,
}

/// The Fréchet distance between the Gaussians `(mu1, cov1)` and `(mu2, cov2)`.
///
/// # Shapes
///
/// `mu1`, `mu2`: `[num_classes]`; `cov1`, `cov2`: `[num_classes, num_classes]`, symmetric
/// positive semi-definite up to rounding.
///
/// # Errors
///
/// [`Error::Incompatible`] if the dimensions disagree; [`Error::NonFinite`] if an input holds
/// a NaN or infinity, or an eigendecomposition fails to converge.
pub fn frechet_distance(
    mu1: &[f64],
    cov1: &DMatrix<f64>,
    mu2: &[f64],
    cov2: &DMatrix<f64>,
) -> Result<FrechetDistance> {
    check_dimensions(mu1, cov1, mu2, cov2)?;
    let inputs_finite = [mu1, mu2, cov1.as_slice(), cov2.as_slice()]
        .iter()
        .all(|values| values.iter().all(|v| v.is_finite()));
    if !inputs_finite {
        return Err(Error::NonFinite("Fréchet distance inputs".into()));
    }

    let mean_term: f64 = mu1.iter().zip(mu2).map(|(a, b)| (a - b) * (a - b)).sum();
    let trace_sqrt = trace_sqrt_product(cov1, cov2)?;
    // The covariance term is a squared distance between PSD matrices, hence >= 0; a negative
    // value can only be rounding (identical inputs give about -1e-14).
    let covariance_term = (cov1.trace() + cov2.trace() - 2.0 * trace_sqrt).max(0.0);

    Ok(FrechetDistance {
        total: mean_term + covariance_term,
        mean_term,
        covariance_term,
    })
}

/// The Fréchet Segmentation Distance between the class-area statistics of two sources.
///
/// # Errors
///
/// [`Error::Incompatible`] if the class counts differ; [`Error::NotEnoughSamples`] if either
/// side has fewer than two images; [`Error::NonFinite`] as for [`frechet_distance`].
pub fn fsd(a: &AreaMoments, b: &AreaMoments) -> Result<FrechetDistance> {
    if a.num_classes() != b.num_classes() {
        return Err(Error::Incompatible(format!(
            "FSD between statistics of {} and {} classes",
            a.num_classes(),
            b.num_classes()
        )));
    }
    frechet_distance(a.mean(), &a.covariance()?, b.mean(), &b.covariance()?)
}

fn check_dimensions(
    mu1: &[f64],
    cov1: &DMatrix<f64>,
    mu2: &[f64],
    cov2: &DMatrix<f64>,
) -> Result<()> {
    let k = mu1.len();
    let shapes_agree = mu2.len() == k && cov1.shape() == (k, k) && cov2.shape() == (k, k);
    if shapes_agree {
        return Ok(());
    }
    Err(Error::Incompatible(format!(
        "Fréchet distance of means [{}] and [{}] with covariances {:?} and {:?}",
        mu1.len(),
        mu2.len(),
        cov1.shape(),
        cov2.shape()
    )))
}

/// `Tr (S_1 S_2)^(1/2)`, as the sum of square roots of the eigenvalues of
/// `S_1^(1/2) S_2 S_1^(1/2)`.
fn trace_sqrt_product(cov1: &DMatrix<f64>, cov2: &DMatrix<f64>) -> Result<f64> {
    let sqrt_cov1 = psd_sqrt(cov1)?;
    let product = &sqrt_cov1 * cov2 * &sqrt_cov1;
    let eigenvalues = symmetric_eigen(symmetrised(&product))?.eigenvalues;
    Ok(eigenvalues.iter().map(|&value| value.max(0.0).sqrt()).sum())
}

/// The symmetric square root `V diag(sqrt(max(lambda, 0))) V^T` of a PSD matrix.
fn psd_sqrt(matrix: &DMatrix<f64>) -> Result<DMatrix<f64>> {
    let mut eigen = symmetric_eigen(symmetrised(matrix))?;
    eigen
        .eigenvalues
        .iter_mut()
        .for_each(|value| *value = value.max(0.0).sqrt());
    Ok(eigen.recompose())
}

/// `(A + A^T) / 2`, removing the asymmetry that rounding leaves in products.
fn symmetrised(matrix: &DMatrix<f64>) -> DMatrix<f64> {
    (matrix + matrix.transpose()) * 0.5
}

fn symmetric_eigen(matrix: DMatrix<f64>) -> Result<SymmetricEigen<f64, nalgebra::Dyn>> {
    // nalgebra's default iteration cap is "none"; a generous explicit cap turns a
    // pathological input into an error instead of a hang.
    let max_iterations = 1000 * matrix.nrows().max(1);
    SymmetricEigen::try_new(matrix, f64::EPSILON, max_iterations).ok_or_else(|| {
        Error::NonFinite("a covariance eigendecomposition (did not converge)".into())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diagonal(values: &[f64]) -> DMatrix<f64> {
        DMatrix::from_diagonal(&nalgebra::DVector::from_row_slice(values))
    }

    /// A dense symmetric PSD matrix `B B^T` of rank `rank`.
    fn dense_psd(size: usize, rank: usize, seed: f64) -> DMatrix<f64> {
        let b = DMatrix::from_fn(size, rank, |i, j| {
            ((i * 7 + j * 3) as f64 + seed).sin() * 4.0
        });
        &b * b.transpose()
    }

    #[test]
    fn identical_statistics_are_at_distance_zero() {
        let cov = dense_psd(6, 6, 0.3);
        let mu = [10.0, 20.0, 30.0, 5.0, 25.0, 10.0];
        let distance = frechet_distance(&mu, &cov, &mu, &cov).unwrap();
        assert_eq!(distance.mean_term, 0.0);
        assert!(distance.total.abs() <= 1e-9 * cov.trace(), "{distance:?}");
    }

    #[test]
    fn shifted_mean_adds_squared_shift() {
        let cov = dense_psd(4, 3, 1.1);
        let mu1 = [10.0, 20.0, 30.0, 40.0];
        let mu2 = [13.0, 16.0, 30.0, 40.0];
        let distance = frechet_distance(&mu1, &cov, &mu2, &cov).unwrap();
        assert_eq!(distance.mean_term, 25.0);
        assert!(distance.covariance_term.abs() <= 1e-9 * cov.trace());
    }

    #[test]
    fn diagonal_covariances_match_closed_form() {
        let a = [4.0, 9.0, 1.0, 0.0, 2.5];
        let b = [1.0, 16.0, 1.0, 3.0, 0.0];
        let mu = [0.0; 5];
        let distance = frechet_distance(&mu, &diagonal(&a), &mu, &diagonal(&b)).unwrap();
        // (2-1)^2 + (3-4)^2 + 0 + 3 + 2.5
        let expected: f64 = a
            .iter()
            .zip(&b)
            .map(|(x, y)| (x.sqrt() - y.sqrt()).powi(2))
            .sum();
        assert_eq!(expected, 7.5);
        assert!(
            (distance.covariance_term - expected).abs() < 1e-12,
            "{distance:?}"
        );
    }

    #[test]
    fn singular_and_zero_covariances_stay_finite() {
        let zero = DMatrix::zeros(5, 5);
        let rank_one = dense_psd(5, 1, 0.7);
        let mu = [20.0; 5];

        let distance = frechet_distance(&mu, &zero, &mu, &zero).unwrap();
        assert_eq!(distance.total, 0.0);

        // With one covariance zero the trace term is the other's trace.
        let distance = frechet_distance(&mu, &zero, &mu, &rank_one).unwrap();
        assert!((distance.covariance_term - rank_one.trace()).abs() < 1e-9 * rank_one.trace());

        let distance = frechet_distance(&mu, &rank_one, &mu, &dense_psd(5, 2, 2.0)).unwrap();
        assert!(
            distance.total.is_finite() && distance.total > 0.0,
            "{distance:?}"
        );
    }

    #[test]
    fn dimension_mismatch_is_incompatible() {
        let error = frechet_distance(
            &[0.0; 3],
            &diagonal(&[1.0; 3]),
            &[0.0; 2],
            &diagonal(&[1.0; 2]),
        )
        .unwrap_err();
        assert!(matches!(error, Error::Incompatible(_)), "{error}");
        let error = fsd(&AreaMoments::new(3), &AreaMoments::new(4)).unwrap_err();
        assert!(matches!(error, Error::Incompatible(_)), "{error}");
    }

    #[test]
    fn non_finite_input_is_an_error() {
        let cov = diagonal(&[1.0, f64::NAN]);
        let error = frechet_distance(&[0.0; 2], &cov, &[0.0; 2], &diagonal(&[1.0; 2])).unwrap_err();
        assert!(matches!(error, Error::NonFinite(_)), "{error}");
    }

    #[derive(serde::Deserialize)]
    struct Fixture {
        num_classes: usize,
        pixels: u32,
        tallies: std::collections::HashMap<String, Vec<Vec<u32>>>,
        cases: Vec<GoldenCase>,
    }

    #[derive(serde::Deserialize)]
    struct GoldenCase {
        name: String,
        first: String,
        second: String,
        expected: FrechetDistance,
    }

    fn moments_of(tallies: &[Vec<u32>], num_classes: usize, pixels: u32) -> AreaMoments {
        let mut moments = AreaMoments::new(num_classes);
        for row in tallies {
            let area_percent: Vec<f64> = row
                .iter()
                .map(|&count| f64::from(count) * 100.0 / f64::from(pixels))
                .collect();
            moments.push(&area_percent);
        }
        moments
    }

    /// Golden values from scripts/fsd_reference.py (numpy covariance, scipy sqrtm).
    #[test]
    fn matches_scipy_reference() {
        let fixture: Fixture =
            serde_json::from_str(include_str!("../../tests/fixtures/fsd/fsd_golden.json")).unwrap();
        assert_eq!(fixture.cases.len(), 3);
        for case in &fixture.cases {
            let first = moments_of(
                &fixture.tallies[&case.first],
                fixture.num_classes,
                fixture.pixels,
            );
            let second = moments_of(
                &fixture.tallies[&case.second],
                fixture.num_classes,
                fixture.pixels,
            );
            let got = fsd(&first, &second).unwrap();
            let expected = case.expected;
            for (what, got, expected) in [
                ("total", got.total, expected.total),
                ("mean term", got.mean_term, expected.mean_term),
                (
                    "covariance term",
                    got.covariance_term,
                    expected.covariance_term,
                ),
            ] {
                let relative = (got - expected).abs() / expected.abs();
                assert!(relative < 1e-6, "{}: {what} {got} vs {expected}", case.name);
            }
        }
    }
}
