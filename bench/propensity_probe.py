#!/usr/bin/env python3
"""How well can a click model learn the simulated propensity? (README, "Does it debias?")

Trains a CTR model in PyTorch on a `counterflow generate` samples.jsonl and prints its held-out AUC after every
epoch next to the AUC of the data's true propensity (truth.ctr). Two architectures on the same input as
Counterflow's CTR tower (one 16-dim embedding per categorical value, hist_cats mean-pooled, ln(price/30) through
a linear map): an MLP 256-128-64 (Counterflow's shared-bottom CTR tower) and the same MLP plus a factorisation-
machine term 0.5·(|Σ_f e_f|² − Σ_f |e_f|²) on the field embeddings (DeepFM), which can represent the user×item
inner product u·v that drives the simulated clicks. Adam, lr 1e-3, batch 1024, one thread.

    /usr/bin/python3 bench/propensity_probe.py TRAIN.jsonl TEST.jsonl [--epochs 3] [--fm]

If the FM term does not lift the AUC, the propensity is limited by the data (impressions per user and item),
not by the tower's architecture.
"""
import argparse
import json
import math

import numpy as np
import torch

FIELDS = ["user_id", "item_id", "user_age", "user_gender", "user_city", "item_category", "item_brand", "item_shop"]
HIST = 5


def load(path, vocab, grow):
    ids, hist, price, clicks, truth = [], [], [], [], []

    def index(key):
        if key not in vocab:
            if not grow:
                return 0
            vocab[key] = len(vocab) + 1
        return vocab[key]

    with open(path) as f:
        for line in f:
            d = json.loads(line)
            feats = d["features"]
            ids.append([index(k + "=" + feats[k]) for k in FIELDS])
            h = [index("hist_cats=" + c) for c in feats["hist_cats"]][:HIST]
            hist.append(h + [0] * (HIST - len(h)))
            price.append(math.log(feats["price"] / 30))
            clicks.append(d["click"])
            truth.append(d["truth"]["ctr"])
    return (torch.tensor(ids), torch.tensor(hist), torch.tensor(price, dtype=torch.float32)[:, None],
            torch.tensor(clicks, dtype=torch.float32), np.array(truth))


def auc(labels, scores):
    order = np.argsort(scores, kind="stable")
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    pos = labels.sum()
    neg = len(labels) - pos
    return (ranks[labels == 1].sum() - pos * (pos + 1) / 2) / (pos * neg)


class CtrModel(torch.nn.Module):
    def __init__(self, rows, fm, dim=16):
        super().__init__()
        self.emb = torch.nn.Embedding(rows, dim, padding_idx=0)
        torch.nn.init.uniform_(self.emb.weight, -0.05, 0.05)
        self.price = torch.nn.Linear(1, dim)
        width = (len(FIELDS) + 2) * dim
        self.mlp = torch.nn.Sequential(torch.nn.Linear(width, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128),
                                       torch.nn.ReLU(), torch.nn.Linear(128, 64), torch.nn.ReLU(),
                                       torch.nn.Linear(64, 1))
        self.fm = fm

    def forward(self, ids, hist, price):
        count = (hist > 0).sum(1, keepdim=True).clamp(min=1)
        fields = torch.cat([self.emb(ids), (self.emb(hist).sum(1) / count)[:, None],
                            self.price(price)[:, None]], 1)
        logit = self.mlp(fields.flatten(1))[:, 0]
        if self.fm:
            s = fields.sum(1)
            logit = logit + 0.5 * ((s * s).sum(1) - (fields * fields).sum((1, 2)))
        return logit


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("train")
    ap.add_argument("test")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--fm", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    vocab = {}
    train = load(args.train, vocab, True)
    test = load(args.test, vocab, False)
    labels = test[3].numpy()
    print(f"true propensity: held-out AUC {auc(labels, test[4]):.4f}")
    model = CtrModel(len(vocab) + 1, args.fm)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    n = len(train[3])
    for epoch in range(1, args.epochs + 1):
        perm = torch.randperm(n)
        for i in range(0, n, 1024):
            idx = perm[i:i + 1024]
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                model(train[0][idx], train[1][idx], train[2][idx]), train[3][idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            scores = model(*test[:3]).numpy()
        print(f"{'mlp+fm' if args.fm else 'mlp'} epoch {epoch}: held-out CTR AUC {auc(labels, scores):.4f}",
              flush=True)


if __name__ == "__main__":
    main()
