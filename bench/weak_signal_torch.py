#!/usr/bin/env python3
"""A plain PyTorch reference for bench/weak-signal: the same inputs and objectives as `counterflow train`.

Reads Counterflow samples (.jsonl as CONTRACT.md, or .csv with labels click and conversion/purchase, numeric columns
named by --numeric; an `id`/`search_id`/`ts` column is dropped). A JSON string is a categorical field (its own
embedding table, dim --dim, built from the training file; unseen values share row 0), a JSON number is a numeric
field, standardised with the training file's mean and sd and clipped to ±10 (as Counterflow, which keeps running
statistics). Shared-bottom: the concatenated field embeddings and numerics feed a CTR tower and a CVR tower (MLP
--towers with ReLU, one logit each; escm2-dr adds an imputation tower, dcmt a twin CVR tower with factual and
counterfactual heads plus a wide linear term each, as Counterflow's README "Model" describes). Losses from logits,
as Counterflow's ObjectiveFunction (README "Objectives"), defaults λc 0.1, λg 1, ε 0.01, λ1 0.001, the CVR risk's
gradient stopped at the propensity:

    esmm       L_CTR + L_CTCVR
    escm2-ips  L_CTR + λc·mean_D[o·δ/ô_c] + λg·L_CTCVR
    escm2-dr   L_CTR + λc·(mean_D[δ̂ + o(δ−δ̂)/ô_c] + mean_D[o(δ−δ̂)²/ô_c]) + λg·L_CTCVR, δ̂ = softplus(z_imp)
    dcmt       L_CTR + Σ_O w⁺·BCE(r, r̂) + Σ_N w⁻·BCE(1−r, r̂*) + λ1·mean_D|1−(r̂+r̂*)| + L_CTCVR

Adam on everything (lr --lr), batch --batch-size, the training rows shuffled every epoch (--no-shuffle: file order,
as Counterflow). --init torch (default: PyTorch's own initialisation, N(0,1) embeddings, U(±1/√in) Linear weights
and biases: what a plain reference gets) or counterflow (U(±0.05) embeddings, He-uniform hidden layers,
Glorot-uniform output layers, zero biases: Counterflow's CvrModel/Dense). One CPU thread.

After every epoch prints one JSON line: objective, seed, epoch, ctr_auc (pCTR vs click, all rows), ctcvr_auc
(pCTR·pCVR vs click·conversion, all rows), cvr_auc (pCVR vs conversion over clicked rows: the papers' CVR AUC).

    /usr/bin/python3 bench/weak_signal_torch.py TRAIN.jsonl TEST.jsonl --objective esmm --epochs 5 --seed 1
"""
import argparse
import csv
import json
import math

import numpy as np
import torch
import torch.nn.functional as F

MAX_LOG_T = math.log1p(-1e-7)  # as ObjectiveFunction: 1 − ô·r̂ ≥ 1e-7
DROP = {"id", "ts", "search_id"}


def read_rows(path, numeric):
    """(features dict list, click array, conversion array) of a .jsonl or .csv samples file."""
    feats, clicks, convs = [], [], []
    if path.endswith(".csv"):
        with open(path, newline="") as f:
            for row in csv.DictReader(f):
                clicks.append(int(float(row.pop("click"))))
                convs.append(int(float(row.pop("conversion" if "conversion" in row else "purchase"))))
                feats.append({k: (float(v) if k in numeric else v) for k, v in row.items() if k not in DROP})
    else:
        with open(path) as f:
            for line in f:
                if line.strip():
                    d = json.loads(line)
                    feats.append(d["features"])
                    clicks.append(d["click"])
                    convs.append(d["conversion"])
    return feats, np.array(clicks, dtype=np.float32), np.array(convs, dtype=np.float32)


class Encoder:
    def __init__(self, train_feats):
        self.cat, self.num = [], []
        for f in train_feats[:10000]:
            for k, v in f.items():
                group = self.num if isinstance(v, (int, float)) and not isinstance(v, bool) else self.cat
                if k not in self.cat and k not in self.num:
                    group.append(k)
        self.vocab = {k: {} for k in self.cat}
        for f in train_feats:
            for k in self.cat:
                v = str(f.get(k, "\x00missing"))
                self.vocab[k].setdefault(v, len(self.vocab[k]) + 1)
        x = np.array([[float(f.get(k, np.nan)) for k in self.num] for f in train_feats], dtype=np.float64)
        x = x.reshape(len(train_feats), len(self.num))
        self.mean = np.nanmean(x, 0) if self.num else np.zeros(0)
        self.sd = np.nanstd(x, 0, ddof=1) + 1e-6 if self.num else np.ones(0)

    def encode(self, feats):
        ids = torch.tensor([[self.vocab[k].get(str(f.get(k, "\x00missing")), 0) for k in self.cat] for f in feats],
                           dtype=torch.int64).reshape(len(feats), len(self.cat))
        x = np.array([[float(f.get(k, np.nan)) for k in self.num] for f in feats], dtype=np.float64)
        x = x.reshape(len(feats), len(self.num))
        z = np.nan_to_num((x - self.mean) / self.sd, nan=0.0).clip(-10, 10)
        return ids, torch.tensor(z, dtype=torch.float32)


def mlp(width_in, widths, out=True):
    layers, prev = [], width_in
    for w in widths:
        layers += [torch.nn.Linear(prev, w), torch.nn.ReLU()]
        prev = w
    if out:
        layers.append(torch.nn.Linear(prev, 1))
    return torch.nn.Sequential(*layers)


class Model(torch.nn.Module):
    def __init__(self, enc, dim, towers, objective):
        super().__init__()
        self.embs = torch.nn.ModuleList([torch.nn.Embedding(len(enc.vocab[k]) + 1, dim) for k in enc.cat])
        width = len(enc.cat) * dim + len(enc.num)
        self.objective = objective
        self.ctr = mlp(width, towers)
        if objective == "dcmt":
            self.trunk = mlp(width, towers[:-1], out=False)
            head_in = towers[-2] if len(towers) > 1 else width
            self.fact = mlp(head_in, towers[-1:])
            self.cf = mlp(head_in, towers[-1:])
            self.wide_f = torch.nn.Linear(width, 1, bias=False)
            self.wide_c = torch.nn.Linear(width, 1, bias=False)
        else:
            self.cvr = mlp(width, towers)
        if objective == "escm2-dr":
            self.imp = mlp(width, towers)

    def counterflow_init(self):
        for e in self.embs:
            torch.nn.init.uniform_(e.weight, -0.05, 0.05)
        for m in self.modules():
            if isinstance(m, torch.nn.Linear):
                fan_in, fan_out = m.in_features, m.out_features
                # He-uniform before a ReLU, Glorot-uniform for the logits (and 0.1× that for DCMT's wide part).
                hidden = fan_out > 1
                lim = math.sqrt(6 / fan_in) if hidden else math.sqrt(6 / (fan_in + fan_out))
                if m is getattr(self, "wide_f", None) or m is getattr(self, "wide_c", None):
                    lim *= 0.1
                torch.nn.init.uniform_(m.weight, -lim, lim)
                if m.bias is not None:
                    torch.nn.init.zeros_(m.bias)

    def forward(self, ids, num):
        x = torch.cat([e(ids[:, i]) for i, e in enumerate(self.embs)] + [num], 1)
        out = {"ctr": self.ctr(x)[:, 0]}
        if self.objective == "dcmt":
            h = self.trunk(x)
            out["cvr"] = self.fact(h)[:, 0] + self.wide_f(x)[:, 0]
            out["cf"] = self.cf(h)[:, 0] + self.wide_c(x)[:, 0]
        else:
            out["cvr"] = self.cvr(x)[:, 0]
        if self.objective == "escm2-dr":
            out["imp"] = self.imp(x)[:, 0]
        return out


def loss_of(out, o, r, a):
    zo, zr = out["ctr"], out["cvr"]
    l_ctr = F.binary_cross_entropy_with_logits(zo, o)
    log_t = torch.clamp(-F.softplus(-zo) - F.softplus(-zr), max=MAX_LOG_T)
    y = o * r
    l_ctcvr = -(y * log_t + (1 - y) * torch.log1p(-torch.exp(log_t))).mean()
    if a.objective == "esmm":
        return l_ctr + l_ctcvr
    p = torch.sigmoid(zo).detach().clamp(a.clip, 1 - a.clip)
    delta = F.binary_cross_entropy_with_logits(zr, r, reduction="none")
    if a.objective == "escm2-ips":
        return l_ctr + a.lambda_c * (o * delta / p).mean() + a.lambda_g * l_ctcvr
    if a.objective == "escm2-dr":
        dh = F.softplus(out["imp"])
        e = delta - dh
        r_dr = (dh + o * e / p).mean() + (o * e * e / p).mean()
        return l_ctr + a.lambda_c * r_dr + a.lambda_g * l_ctcvr
    if a.objective == "dcmt":
        wp = o / p
        wn = (1 - o) / (1 - p)
        fo = (wp * delta).sum() / wp.sum().clamp(min=1e-12)
        dcf = F.binary_cross_entropy_with_logits(out["cf"], 1 - r, reduction="none")
        fn = (wn * dcf).sum() / wn.sum().clamp(min=1e-12)
        reg = (1 - torch.sigmoid(zr) - torch.sigmoid(out["cf"])).abs().mean()
        return l_ctr + fo + fn + a.lambda_1 * reg + l_ctcvr
    raise ValueError(a.objective)


def auc(scores, labels):
    """Exact ROC AUC, ties counted half."""
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels)
    pos = labels > 0.5
    n1, n0 = int(pos.sum()), int((~pos).sum())
    if n1 == 0 or n0 == 0:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    s = scores[order]
    ranks = np.arange(1, len(s) + 1, dtype=np.float64)
    # average ranks over ties
    _, start, counts = np.unique(s, return_index=True, return_counts=True)
    for st, c in zip(start, counts):
        if c > 1:
            ranks[st:st + c] = st + (c + 1) / 2
    r = np.empty(len(s))
    r[order] = ranks
    return float((r[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("train")
    ap.add_argument("test")
    ap.add_argument("--objective", default="esmm", choices=["esmm", "escm2-ips", "escm2-dr", "dcmt"])
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch-size", type=int, default=1024)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--dim", type=int, default=16)
    ap.add_argument("--towers", default="256,128,64")
    ap.add_argument("--init", default="torch", choices=["torch", "counterflow"])
    ap.add_argument("--no-shuffle", action="store_true")
    ap.add_argument("--numeric", default="", help="CSV columns to read as numeric")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--lambda-c", type=float, default=0.1)
    ap.add_argument("--lambda-g", type=float, default=1.0)
    ap.add_argument("--lambda-1", type=float, default=0.001)
    ap.add_argument("--clip", type=float, default=0.01)
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    torch.manual_seed(a.seed)
    numeric = {c for c in a.numeric.split(",") if c}
    tr_f, tr_o, tr_r = read_rows(a.train, numeric)
    te_f, te_o, te_r = read_rows(a.test, numeric)
    enc = Encoder(tr_f)
    tr_ids, tr_x = enc.encode(tr_f)
    te_ids, te_x = enc.encode(te_f)
    tr_o, tr_r = torch.tensor(tr_o), torch.tensor(tr_r)
    model = Model(enc, a.dim, [int(w) for w in a.towers.split(",")], a.objective)
    if a.init == "counterflow":
        model.counterflow_init()
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    n = len(tr_o)
    clicked = te_o > 0.5
    for epoch in range(1, a.epochs + 1):
        model.train()
        perm = torch.arange(n) if a.no_shuffle else torch.randperm(n)
        for i in range(0, n, a.batch_size):
            idx = perm[i:i + a.batch_size]
            loss = loss_of(model(tr_ids[idx], tr_x[idx]), tr_o[idx], tr_r[idx], a)
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            out = model(te_ids, te_x)
            pctr = torch.sigmoid(out["ctr"]).numpy()
            pcvr = torch.sigmoid(out["cvr"]).numpy()
        print(json.dumps({"objective": a.objective, "seed": a.seed, "epoch": epoch,
                          "ctr_auc": round(auc(pctr, te_o), 4),
                          "ctcvr_auc": round(auc(pctr * pcvr, te_o * te_r), 4),
                          "cvr_auc": round(auc(pcvr[clicked], te_r[clicked]), 4)}), flush=True)


if __name__ == "__main__":
    main()
