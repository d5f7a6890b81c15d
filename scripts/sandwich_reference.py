#!/usr/bin/env python3
"""The robust (sandwich, HC1) covariance of a weighted ridge's coefficients, computed densely with numpy, for
CertifiedSamplingTests to check validated's SandwichCovariance against.

    python3 scripts/sandwich_reference.py IN.json OUT.json

IN holds {"design": [[0/1, ...], ...], "targets": [...], "weights": [...], "alpha": a}. The fit is
scikit-learn's Ridge(alpha, fit_intercept=True) with sample_weight; the covariance is
n/(n-p-1) · B M B with B = (X̃ᵀWX̃ + αI)⁻¹ on the weighted-centred design X̃ and M = Σ wᵢ² eᵢ² x̃ᵢx̃ᵢᵀ.
OUT gets {"coefficients", "intercept", "covariance"}.
"""
import json
import sys

import numpy as np
from sklearn.linear_model import Ridge


def main(source, target):
    with open(source, encoding="utf-8") as handle:
        data = json.load(handle)
    x = np.array(data["design"], dtype=float)
    y = np.array(data["targets"], dtype=float)
    w = np.array(data["weights"], dtype=float)
    alpha = float(data["alpha"])
    n, p = x.shape
    ridge = Ridge(alpha=alpha, fit_intercept=True, solver="cholesky").fit(x, y, sample_weight=w)
    residuals = y - ridge.predict(x)
    centred = x - np.average(x, axis=0, weights=w)
    bread = np.linalg.inv(centred.T @ (w[:, None] * centred) + alpha * np.eye(p))
    meat = centred.T @ ((w ** 2 * residuals ** 2)[:, None] * centred)
    scale = n / (n - p - 1) if n > p + 1 else 1.0
    covariance = scale * bread @ meat @ bread
    with open(target, "w", encoding="utf-8") as handle:
        json.dump({"coefficients": ridge.coef_.tolist(), "intercept": float(ridge.intercept_),
                   "covariance": covariance.ravel().tolist()}, handle)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
