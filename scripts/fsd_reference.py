#!/usr/bin/env python3
"""Golden values for modedrop's Fréchet Segmentation Distance.

Draws per-image class tallies with a fixed seed, computes the FSD of each case the way
pytorch-fid computes FID (numpy mean and unbiased covariance, scipy.linalg.sqrtm of the
covariance product, real part of its trace), and writes tallies and expected values to
tests/fixtures/fsd/fsd_golden.json. The Rust test in src/stats/frechet.rs reads that file
and must agree to 1e-6 relative.

Tallies are stored as integer pixel counts per class for images of `pixels` pixels; the
area in percent is `count * 100.0 / pixels`, computed in float64 here and in f64 in Rust,
so both sides start from identical numbers. With pixels = 4096 that division is exact.

Usage (from the repository root): python3 scripts/fsd_reference.py
Needs numpy and scipy.
"""

import json
import warnings
from pathlib import Path

import numpy as np
from scipy import linalg

NUM_CLASSES = 12
PIXELS = 64 * 64
SEED = 20240611
OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "fsd" / "fsd_golden.json"


def draw_tallies(rng, num_images, concentration, presence):
    """Pixel counts [num_images, NUM_CLASSES] from a Dirichlet-multinomial.

    A class is present in an image with probability `presence[c]`; a probability of 0 means
    it never occurs. Each image keeps at least one present class.
    """
    rows = []
    for _ in range(num_images):
        present = rng.random(NUM_CLASSES) < presence
        if not present.any():
            present[int(np.argmax(presence))] = True
        alpha = np.where(present, concentration, 0.0)
        shares = np.zeros(NUM_CLASSES)
        shares[present] = rng.dirichlet(alpha[present])
        rows.append(rng.multinomial(PIXELS, shares))
    return np.array(rows, dtype=np.int64)


def area_percent(tallies):
    return tallies.astype(np.float64) * 100.0 / PIXELS


def reference_fsd(real, generated):
    """pytorch-fid's formula on class-area percentages."""
    mu1, mu2 = real.mean(axis=0), generated.mean(axis=0)
    sigma1 = np.cov(real, rowvar=False, ddof=1)
    sigma2 = np.cov(generated, rowvar=False, ddof=1)
    diff = mu1 - mu2
    # Area vectors sum to 100, so every covariance here is singular and sqrtm warns that it
    # may be inaccurate; check_trace_sqrt below verifies the trace by another route.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        covmean = linalg.sqrtm(sigma1.dot(sigma2))
    if not np.isfinite(covmean).all():
        offset = np.eye(sigma1.shape[0]) * 1e-6
        covmean = linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    covmean = np.real(covmean)
    mean_term = float(diff.dot(diff))
    covariance_term = float(np.trace(sigma1) + np.trace(sigma2) - 2.0 * np.trace(covmean))
    check_trace_sqrt(sigma1, sigma2, np.trace(covmean))
    return {
        "total": mean_term + covariance_term,
        "mean_term": mean_term,
        "covariance_term": covariance_term,
    }


def check_trace_sqrt(sigma1, sigma2, trace_sqrtm):
    """Cross-checks sqrtm's trace against the eigenvalues of sigma1 sigma2.

    sqrtm can lose accuracy on singular products; the golden value is only worth keeping if
    both routes agree.
    """
    eigenvalues = np.linalg.eigvals(sigma1.dot(sigma2))
    trace_eigen = np.sum(np.sqrt(np.clip(eigenvalues.real, 0.0, None)))
    if abs(trace_eigen - trace_sqrtm) > 1e-8 * max(1.0, abs(trace_eigen)):
        raise SystemExit(f"sqrtm trace {trace_sqrtm} disagrees with eigenvalues {trace_eigen}")


def main():
    rng = np.random.default_rng(SEED)
    concentration = np.array([4.0, 2.0, 1.5, 1.0, 1.0, 0.8, 0.6, 0.5, 0.5, 0.4, 0.3, 0.3])
    # Class 11 never occurs in any set; class 7 occurs in real images only.
    real_presence = np.array([1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.3, 0.2, 0.1, 0.0])
    generated_presence = real_presence.copy()
    generated_presence[7] = 0.0
    generated_presence[1] = 0.99

    real = draw_tallies(rng, 300, concentration, real_presence)
    generated = draw_tallies(rng, 250, concentration * 1.3, generated_presence)
    small = draw_tallies(rng, 6, concentration, real_presence)

    cases = [
        ("real_vs_generated", real, generated),
        ("small_vs_generated", small, generated),
        ("generated_vs_small", generated, small),
    ]
    sets = {"real": real, "generated": generated, "small": small}
    names = {id(v): k for k, v in sets.items()}
    fixture = {
        "comment": "made by scripts/fsd_reference.py; areas are count * 100 / pixels",
        "num_classes": NUM_CLASSES,
        "pixels": PIXELS,
        "tallies": {name: tallies.tolist() for name, tallies in sets.items()},
        "cases": [
            {
                "name": name,
                "first": names[id(a)],
                "second": names[id(b)],
                "expected": reference_fsd(area_percent(a), area_percent(b)),
            }
            for name, a, b in cases
        ],
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(fixture, separators=(",", ":")) + "\n")
    for case in fixture["cases"]:
        print(case["name"], case["expected"])
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
