#!/usr/bin/env python3
"""A generated look-alike of the Hillstrom e-mail marketing data (visit = click, conversion = purchase after a visit),
in Counterflow's labeled-samples JSONL format (CONTRACT.md), for bench/weak-signal.

The real data (64,000 customers; "MineThatData E-Mail Analytics And Data Mining Challenge", K. Hillstrom, 2008) has
the columns recency (months since last purchase, 1-12), history_segment (7 spend buckets), history (spend of the past
year in $, skewed, 29.99-3345), mens, womens (bought men's/women's merchandise, 0/1), zip_code (Urban, Suburban,
Rural), newbie (0/1), channel (Phone, Web, Multichannel), segment (Mens E-Mail, Womens E-Mail, No E-Mail); about 15%
of customers visit and about 6% of visitors buy. The marginals below follow the published summaries; the effects are
invented. What matters for the benchmark is the shape of the signal, which is the one a user measured on the real
data: a weak click signal (the true propensity's AUC is about 0.66) and a conversion logit that is mostly the click
logit, plus a small cell effect of (zip_code, channel, segment) and a little of history:

    z_ctr = b0 + segment + 0.06·(6 − recency) + 0.25·(log history − 5.2) + mens/womens + zip + newbie + channel
            + 0.2·[mens e-mail to a mens buyer] + 0.2·[womens e-mail to a womens buyer]
    z_cvr = c0 + 0.2·(z_ctr − mean z_ctr) + 0.15·(log history − 5.2) + cell(zip_code, channel, segment)

with cell ~ N(0, 0.15²), b0 and c0 calibrated to the target rates. Samples carry truth {ctr, cvr} = σ(z_ctr),
σ(z_cvr) (q is the counterfactual conversion probability had the customer clicked, so Counterflow's evaluation
also reports the entire-space CVR bias).

Writes OUT/train.jsonl (80%) and OUT/test.jsonl (20%), rows in random order, the same rows as OUT/train.csv and
OUT/test.csv in the real file's shape (a user's route: `train --samples train.csv`, numeric only with
`--numeric recency,history`; labels click, conversion), and OUT/summary.json.

    python3 bench/weak_signal_data.py --out /tmp/ws --rows 64000 --seed 1
"""
import argparse
import csv
import json
import math
import os

import numpy as np

SEGMENTS = ["Mens E-Mail", "Womens E-Mail", "No E-Mail"]
ZIPS = ["Urban", "Suburban", "Rural"]
CHANNELS = ["Phone", "Web", "Multichannel"]
HISTORY_BUCKETS = [(100, "1) $0 - $100"), (200, "2) $100 - $200"), (350, "3) $200 - $350"),
                   (500, "4) $350 - $500"), (750, "5) $500 - $750"), (1000, "6) $750 - $1,000"),
                   (float("inf"), "7) $1,000 +")]


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def calibrate(z, target):
    """The intercept b with mean σ(z + b) = target (bisection)."""
    lo, hi = -20.0, 20.0
    for _ in range(80):
        mid = (lo + hi) / 2
        if sigmoid(z + mid).mean() < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def auc(score, label):
    """Exact ROC AUC with ties counted half (rank-based)."""
    order = np.argsort(score, kind="mergesort")
    s = score[order]
    ranks = np.empty(len(s))
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and s[j + 1] == s[i]:
            j += 1
        ranks[i:j + 1] = (i + j) / 2 + 1
        i = j + 1
    r = np.empty(len(s))
    r[order] = ranks
    pos = label == 1
    n1, n0 = pos.sum(), (~pos).sum()
    if n1 == 0 or n0 == 0:
        return float("nan")
    return float((r[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def generate(rows, seed, ctr, cvr, cvr_slope, cell_sd):
    g = np.random.default_rng(seed)
    recency = g.choice(np.arange(1, 13), size=rows,
                       p=np.array([14, 13, 11, 10, 9, 9, 7, 6, 6, 6, 5, 4], dtype=float) / 100)
    history = np.minimum(29.99 + np.exp(g.normal(5.1, 1.0, rows)), 3345.93).round(2)
    hseg = np.array([next(name for top, name in HISTORY_BUCKETS if h < top) for h in history])
    kind = g.choice(3, size=rows, p=[0.45, 0.45, 0.10])  # mens only, womens only, both
    mens = ((kind == 0) | (kind == 2)).astype(int)
    womens = ((kind == 1) | (kind == 2)).astype(int)
    zip_code = g.choice(3, size=rows, p=[0.40, 0.45, 0.15])
    newbie = g.integers(0, 2, rows)
    channel = g.choice(3, size=rows, p=[0.44, 0.44, 0.12])
    segment = g.integers(0, 3, rows)

    log_h = np.log(history) - 5.2
    z = (np.array([0.25, 0.05, -0.45])[segment] + 0.06 * (6 - recency) + 0.25 * log_h
         + 0.1 * mens + 0.1 * womens + np.array([0.0, -0.05, 0.35])[zip_code] - 0.35 * newbie
         + np.array([0.0, 0.1, 0.2])[channel]
         + 0.2 * ((segment == 0) & (mens == 1)) + 0.2 * ((segment == 1) & (womens == 1)))
    z_ctr = z + calibrate(z, ctr)
    p = sigmoid(z_ctr)
    cell = g.normal(0, cell_sd, (3, 3, 3))[zip_code, channel, segment]
    zc = cvr_slope * (z_ctr - z_ctr.mean()) + 0.15 * log_h + cell
    # c0 so that the conversion rate among clicks (weighted by p) hits the target.
    lo, hi = -20.0, 20.0
    for _ in range(80):
        mid = (lo + hi) / 2
        if (p * sigmoid(zc + mid)).sum() / p.sum() < cvr:
            lo = mid
        else:
            hi = mid
    q = sigmoid(zc + (lo + hi) / 2)
    click = (g.random(rows) < p).astype(int)
    conversion = click * (g.random(rows) < q).astype(int)
    feats = []
    for i in range(rows):
        feats.append({
            "recency": int(recency[i]),
            "history_segment": hseg[i],
            "history": float(history[i]),
            "mens": str(mens[i]),
            "womens": str(womens[i]),
            "zip_code": ZIPS[zip_code[i]],
            "newbie": str(newbie[i]),
            "channel": CHANNELS[channel[i]],
            "segment": SEGMENTS[segment[i]],
        })
    return feats, click, conversion, p, q


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--rows", type=int, default=64000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ctr", type=float, default=0.15, help="target click rate (default %(default)s)")
    ap.add_argument("--cvr", type=float, default=0.065, help="target conversion rate among clicks")
    ap.add_argument("--cvr-slope", type=float, default=0.2, help="weight of the click logit in the conversion logit")
    ap.add_argument("--cell-sd", type=float, default=0.15, help="sd of the (zip, channel, segment) cell effect")
    ap.add_argument("--test-fraction", type=float, default=0.2)
    a = ap.parse_args(argv)
    feats, click, conversion, p, q = generate(a.rows, a.seed, a.ctr, a.cvr, a.cvr_slope, a.cell_sd)
    os.makedirs(a.out, exist_ok=True)
    n_test = int(round(a.rows * a.test_fraction))
    split = {"train": range(0, a.rows - n_test), "test": range(a.rows - n_test, a.rows)}
    summary = {"rows": a.rows, "seed": a.seed}
    for name, idx in split.items():
        with open(os.path.join(a.out, name + ".jsonl"), "w") as f:
            for i in idx:
                f.write(json.dumps({"id": f"{name}-{i}", "ts": 1700000000000 + i, "click": int(click[i]),
                                    "conversion": int(conversion[i]), "features": feats[i],
                                    "truth": {"ctr": round(float(p[i]), 6), "cvr": round(float(q[i]), 6)}},
                                   separators=(",", ":")) + "\n")
        with open(os.path.join(a.out, name + ".csv"), "w", newline="") as f:
            w = csv.writer(f)
            cols = list(feats[0].keys())
            w.writerow(cols + ["click", "conversion"])
            for i in idx:
                w.writerow([feats[i][k] for k in cols] + [int(click[i]), int(conversion[i])])
        ix = np.array(list(idx))
        c, r = click[ix], conversion[ix]
        summary[name] = {
            "rows": len(ix), "clicks": int(c.sum()), "conversions": int(r.sum()),
            "click_rate": round(float(c.mean()), 4),
            "cvr_among_clicks": round(float(r.sum() / max(c.sum(), 1)), 4),
            # What a model that knew the truth would score (the ceiling of each metric).
            "oracle_ctr_auc": round(auc(p[ix], c), 4),
            "oracle_ctcvr_auc": round(auc(p[ix] * q[ix], r), 4),
            "oracle_cvr_auc_click_space": round(auc(q[ix][c == 1], r[c == 1]), 4),
            "ctcvr_auc_of_p_alone": round(auc(p[ix], r), 4),
        }
    with open(os.path.join(a.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
