#!/usr/bin/env python3
"""PyTorch reference of Counterflow's benchmark training step, for throughput comparisons (README, "GPU").

The same model and step as `counterflow bench` (jobs/.../bench/BenchData.java, objective esmm, shared-bottom):
one shared embedding table of 262144 x 16 rows (hashed buckets), 8 single-valued categorical fields
(cardinalities 200k, 50k, 500, 5k, 10k, 300, 20, 24), 1 multi-valued field (1-5 of 10k values, mean-pooled),
1 standardised numeric field; input width 9 * 16 + 1 = 145; CTR and CVR towers 256-128-64 with ReLU and one
logit each; ESMM loss L_CTR + L_CTCVR computed from logits (softplus, log1p); lazy (sparse) Adam on the embedding
rows a batch touches and Adam on the dense weights, lr 1e-3 both. Labels: 10% clicks, 20% of clicks convert.

As in the JMH benchmark, 8 distinct batches per batch size are encoded beforehand and cycled; each step copies
its batch's ids, numeric values and labels from host memory to the device (Counterflow's uploadBatch does the
same). FP32 throughout (TF32 off unless --tf32). Prints samples/s per batch size.

    python3 bench/pytorch_step.py --device cuda --batch-sizes 1024,4096,16384
    python3 bench/pytorch_step.py --device cpu --threads 1 --batch-sizes 1024 --steps 50
"""
import argparse
import json
import math
import sys
import time

import torch
import torch.nn.functional as F

BUCKETS = 262144
DIM = 16
CARDINALITY = [200_000, 50_000, 500, 5_000, 10_000, 300, 20, 24]
TAGS = 10_000
TOWERS = [256, 128, 64]
DISTINCT_BATCHES = 8
# Largest log(o_hat * r_hat) in the CTCVR loss, so that 1 - o_hat * r_hat >= 1e-7 (as ObjectiveFunction).
MAX_LOG_T = math.log1p(-1e-7)


def tower(width_in):
    layers = []
    prev = width_in
    for w in TOWERS:
        layers += [torch.nn.Linear(prev, w), torch.nn.ReLU()]
        prev = w
    layers.append(torch.nn.Linear(prev, 1))
    return torch.nn.Sequential(*layers)


class Esmm(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.table = torch.nn.Parameter(torch.empty(BUCKETS, DIM).uniform_(-0.05, 0.05))
        width = (len(CARDINALITY) + 1) * DIM + 1
        self.ctr = tower(width)
        self.cvr = tower(width)

    def forward(self, cat, tag_ids, tag_offsets, numeric):
        n = cat.shape[0]
        x_cat = F.embedding(cat, self.table, sparse=True).reshape(n, len(CARDINALITY) * DIM)
        x_tag = F.embedding_bag(tag_ids, self.table, tag_offsets, mode="mean", sparse=True)
        x = torch.cat([x_cat, x_tag, numeric], dim=1)
        return self.ctr(x).squeeze(1), self.cvr(x).squeeze(1)


def esmm_loss(z_ctr, z_cvr, click, conversion):
    """L_CTR + L_CTCVR from logits: BCE(o, sigma(z_ctr)) + BCE(o*r, sigma(z_ctr)*sigma(z_cvr)), batch means."""
    l_ctr = F.binary_cross_entropy_with_logits(z_ctr, click)
    log_t = torch.clamp(-F.softplus(-z_ctr) - F.softplus(-z_cvr), max=MAX_LOG_T)  # log(o_hat * r_hat)
    log_1mt = torch.log1p(-torch.exp(log_t))
    y = click * conversion
    l_ctcvr = -(y * log_t + (1 - y) * log_1mt).mean()
    return l_ctr + l_ctcvr


def optimisers(model, lr):
    """Lazy Adam (SparseAdam) on the embedding table's rows a batch touches, Adam on every dense parameter."""
    sparse = torch.optim.SparseAdam([model.table], lr=lr)
    dense = torch.optim.Adam([p for name, p in model.named_parameters() if name != "table"], lr=lr)
    return sparse, dense


def train_step(model, opts, cat, bag_ids, bag_offsets, numeric, click, conversion):
    """One training step: forward, ESMM loss, backward, both optimisers; returns the loss tensor."""
    z_ctr, z_cvr = model(cat, bag_ids, bag_offsets, numeric)
    loss = esmm_loss(z_ctr, z_cvr, click, conversion)
    for opt in opts:
        opt.zero_grad(set_to_none=True)
    loss.backward()
    for opt in opts:
        opt.step()
    return loss


def make_batches(n, seed):
    """DISTINCT_BATCHES encoded batches of n samples on the host: hashed rows, pooled tags, numeric, labels."""
    g = torch.Generator().manual_seed(seed)
    batches = []
    for _ in range(DISTINCT_BATCHES):
        cols = []
        for f, card in enumerate(CARDINALITY):
            v = torch.randint(0, card, (n,), generator=g, dtype=torch.int64)
            # A fixed hash of (field, value) into the shared table, as Counterflow's feature hashing does.
            cols.append((v * 2654435761 + (f + 1) * 40503 * 65537) % BUCKETS)
        cat = torch.stack(cols, dim=1)
        lengths = torch.randint(1, 6, (n,), generator=g)
        tag_values = torch.randint(0, TAGS, (int(lengths.sum()),), generator=g, dtype=torch.int64)
        tag_ids = (tag_values * 2654435761 + 9 * 40503 * 65537) % BUCKETS
        tag_offsets = torch.zeros(n, dtype=torch.int64)
        tag_offsets[1:] = torch.cumsum(lengths, 0)[:-1]
        raw = torch.exp(torch.randn(n, 1, generator=g))
        numeric = torch.clamp((raw - math.exp(0.5)) / math.sqrt((math.e - 1) * math.e), -10, 10)
        click = (torch.rand(n, generator=g) < 0.1).float()
        conversion = click * (torch.rand(n, generator=g) < 0.2).float()
        batches.append((cat, tag_ids, tag_offsets, numeric, click, conversion))
    return batches


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def run(batch_size, args, device):
    torch.manual_seed(args.seed)
    model = Esmm().to(device)
    opts = optimisers(model, args.lr)
    host = make_batches(batch_size, args.seed)
    if device.type == "cuda":
        host = [tuple(t.pin_memory() for t in b) for b in host]

    def step(i):
        b = [t.to(device, non_blocking=True) for t in host[i % DISTINCT_BATCHES]]
        loss = train_step(model, opts, *b)
        if args.sync_loss:
            loss.item()  # a host round trip per step, as Counterflow's host-side objective does
        return loss

    for i in range(args.warmup):
        step(i)
    sync(device)
    steps = args.steps
    t0 = time.perf_counter()
    loss = None
    for i in range(steps):
        loss = step(i)
    sync(device)
    seconds = time.perf_counter() - t0
    return {
        "device": str(device),
        "batch_size": batch_size,
        "steps": steps,
        "seconds": seconds,
        "samples_per_s": steps * batch_size / seconds,
        "final_loss": float(loss.item()),
    }


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--batch-sizes", default="1024,4096,16384", help="comma-separated (default %(default)s)")
    p.add_argument("--steps", type=int, default=200, help="timed steps per batch size (default %(default)s)")
    p.add_argument("--warmup", type=int, default=20, help="untimed steps first (default %(default)s)")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: PyTorch's default)")
    p.add_argument("--tf32", action="store_true", help="allow TF32 matmuls on the GPU (default: full FP32)")
    p.add_argument("--sync-loss", action="store_true", help="read the loss on the host every step")
    p.add_argument("--json", help="also write the results to this file")
    args = p.parse_args(argv)

    device = torch.device(args.device)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = args.tf32
        torch.backends.cudnn.allow_tf32 = args.tf32
        name = torch.cuda.get_device_name(device)
    else:
        name = "cpu, %d threads" % torch.get_num_threads()
    print("pytorch %s on %s (%s); esmm, shared-bottom, towers %s, dim %d, %d buckets; %d timed steps"
          % (torch.__version__, device, name, "-".join(map(str, TOWERS)), DIM, BUCKETS, args.steps))
    results = []
    for bs in [int(s) for s in args.batch_sizes.split(",") if s.strip()]:
        r = run(bs, args, device)
        results.append(r)
        print("batch %6d: %10.0f samples/s  (%d steps in %.2f s, loss %.5f)"
              % (bs, r["samples_per_s"], r["steps"], r["seconds"], r["final_loss"]))
        sys.stdout.flush()
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"torch": torch.__version__, "device_name": name, "results": results}, f, indent=2)


if __name__ == "__main__":
    main()
