#!/usr/bin/env python3
"""Calibration of the sandwich standard errors certified LIME relies on (TopKCertificate.swift): for WordNet
glosses with more than 10 words, the mean HC1 sandwich standard error of each all-feature ridge coefficient
(alpha 0.01) against the standard deviation of that coefficient over 100 seeds, at 250 and 1000 samples, with the
TF-IDF logistic regression of lime_reference.py. A ratio near 1 means the certificate neither wastes samples
nor certifies too early.

    python3 scripts/calibrate_sandwich.py
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lime_reference import train, pick_documents
from lime.lime_text import IndexedString
pipe = train(None)
docs = pick_documents(60, 8, 40)
docs = [d for d in docs if IndexedString(d["text"]).num_words() > 10][:6]
def fit(idx, n, rng):
    D = idx.num_words()
    X = np.ones((n, D))
    texts = [idx.raw_string()]
    for i in range(1, n):
        s = rng.randint(1, D + 1); off = rng.choice(D, s, replace=False); X[i, off] = 0
        texts.append(idx.inverse_removing(off))
    y = pipe.predict_proba(texts)[:, 1]
    k = X.sum(1); d = np.where(k == 0, 100, 100 * (1 - np.sqrt(k / D))); w = np.sqrt(np.exp(-d**2 / 625))
    xm = np.average(X, 0, w); Xc = X - xm; ym = np.average(y, weights=w)
    B = np.linalg.inv(Xc.T @ (w[:, None] * Xc) + 0.01 * np.eye(D))
    beta = B @ (Xc.T @ (w * (y - ym)))
    e = y - ym - Xc @ beta
    M = Xc.T @ ((w**2 * e**2)[:, None] * Xc)
    V = n / (n - D - 1) * B @ M @ B
    return beta, np.sqrt(np.diag(V))
for doc in docs:
    idx = IndexedString(doc["text"])
    for n in [250, 1000]:
        betas, ses = zip(*[fit(idx, n, np.random.RandomState(s)) for s in range(100)])
        emp = np.std(betas, 0); est = np.mean(ses, 0)
        print(idx.num_words(), n, "ratio sandwich/empirical se: median %.2f min %.2f max %.2f" % (np.median(est/emp), (est/emp).min(), (est/emp).max()))
