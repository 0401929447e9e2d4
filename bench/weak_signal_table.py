#!/usr/bin/env python3
"""Summarises bench/weak-signal results: one JSON object per line with impl, objective, seed, epoch, ctr_auc,
ctcvr_auc, cvr_auc (and an optional variant). Prints, per (variant, objective, impl), mean ± sd over seeds at the
last epoch (or at --epoch), and the CTCVR AUC per epoch.

    python3 bench/weak_signal_table.py RESULTS.jsonl [--epoch N]
"""
import argparse
import collections
import json
import math


def mean_sd(v):
    v = [x for x in v if x == x]
    if not v:
        return "n/a"
    m = sum(v) / len(v)
    if len(v) < 2:
        return f"{m:.3f}"
    sd = math.sqrt(sum((x - m) ** 2 for x in v) / (len(v) - 1))
    return f"{m:.3f} ± {sd:.3f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--epoch", type=int, default=0, help="epoch to tabulate (default: each run's last)")
    a = ap.parse_args()
    rows = [json.loads(l) for l in open(a.results) if l.strip()]
    runs = collections.defaultdict(list)  # (variant, objective, impl, seed) -> epoch rows
    for r in rows:
        runs[(r.get("variant", ""), r["objective"], r["impl"], r["seed"])].append(r)
    cells = collections.defaultdict(lambda: collections.defaultdict(list))
    per_epoch = collections.defaultdict(lambda: collections.defaultdict(list))
    for (variant, obj, impl, seed), rs in runs.items():
        rs.sort(key=lambda r: r["epoch"])
        pick = rs[-1] if a.epoch == 0 else next((r for r in rs if r["epoch"] == a.epoch), None)
        key = (variant, obj, impl)
        if pick is not None:
            for m in ("ctr_auc", "ctcvr_auc", "cvr_auc"):
                cells[key][m].append(pick[m])
            cells[key]["epochs"].append(pick["epoch"])
        for r in rs:
            per_epoch[key][r["epoch"]].append(r["ctcvr_auc"])
    seeds = {k: len(v["ctr_auc"]) for k, v in cells.items()}
    print(f"| variant | objective | impl | epoch | CTR AUC | CTCVR AUC | CVR AUC (click space) | seeds |")
    print("|---|---|---|---|---|---|---|---|")
    for key in sorted(cells):
        variant, obj, impl = key
        c = cells[key]
        ep = sorted(set(c["epochs"]))
        print(f"| {variant or '-'} | {obj} | {impl} | {','.join(map(str, ep))} | {mean_sd(c['ctr_auc'])} | "
              f"{mean_sd(c['ctcvr_auc'])} | {mean_sd(c['cvr_auc'])} | {seeds[key]} |")
    print()
    max_ep = max((e for k in per_epoch for e in per_epoch[k]), default=0)
    print("| variant | objective | impl | " + " | ".join(f"CTCVR e{e}" for e in range(1, max_ep + 1)) + " |")
    print("|---|---|---|" + "---|" * max_ep)
    for key in sorted(per_epoch):
        variant, obj, impl = key
        vals = [mean_sd(per_epoch[key][e]) if per_epoch[key].get(e) else "" for e in range(1, max_ep + 1)]
        print(f"| {variant or '-'} | {obj} | {impl} | " + " | ".join(vals) + " |")


if __name__ == "__main__":
    main()
