#!/usr/bin/env python3
"""Reference standard errors of LIME's weighted ridge coefficients, as Visani et al.'s lime_stability computes
them for the coefficient stability index (CSI):

    sigma^2 = SSR of the weighted least-squares fit with an intercept / (N - p)
    Var(beta) = sigma^2 * P G P,  P = (G + alpha I)^-1,  G = X^T W X  (X: the selected columns, not centred)

Written with numpy only (the WLS fit through lstsq on sqrt(w)-scaled rows), so no statsmodels is needed.

    python3 Tests/Fixtures/stability/make_csi_fixture.py > Tests/Fixtures/stability/csi_cases.json
"""
import json

import numpy as np


def standard_errors(x, y, w, subset, alpha):
    xs = x[:, subset]
    n, p = xs.shape
    enhanced = np.hstack([np.ones((n, 1)), xs])
    root = np.sqrt(w)
    coef, *_ = np.linalg.lstsq(enhanced * root[:, None], y * root, rcond=None)
    residuals = root * (y - enhanced @ coef)
    sigma2 = residuals @ residuals / (n - p)
    gram = xs.T @ (w[:, None] * xs)
    inverse = np.linalg.inv(gram + alpha * np.eye(p))
    return np.sqrt(np.diag(sigma2 * inverse @ gram @ inverse.T))


def case(seed, rows, columns, subset, alpha):
    rng = np.random.default_rng(seed)
    x = (rng.random((rows, columns)) < 0.6).astype(float)
    x[0, :] = 1.0  # LIME's first row is the original text: every feature kept
    beta = rng.normal(0, 0.2, columns)
    y = 1 / (1 + np.exp(-(x @ beta - 0.3))) + rng.normal(0, 0.02, rows)
    distances = 100 * (1 - np.sqrt(x.sum(axis=1) / columns))
    w = np.sqrt(np.exp(-(distances ** 2) / 25 ** 2))
    return {
        "zero_columns": [[int(j) for j in np.flatnonzero(row == 0)] for row in x],
        "columns": columns,
        "targets": y.tolist(),
        "weights": w.tolist(),
        "subset": subset,
        "alpha": alpha,
        "standard_errors": standard_errors(x, y, w, subset, alpha).tolist(),
    }


if __name__ == "__main__":
    cases = [case(1, 60, 6, [0, 2, 3], 1.0), case(2, 200, 12, [5, 1, 9, 0, 11], 1.0), case(3, 40, 4, [3], 0.5)]
    print(json.dumps({"cases": cases}, indent=1))
