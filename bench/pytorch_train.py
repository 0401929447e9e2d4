#!/usr/bin/env python3
"""PyTorch end-to-end reference of `counterflow train`: JSON-lines samples in, a trained model out, parsing included.

The same data and model as `counterflow train --samples FILE --objective esmm` with its default settings:

- Schema: inferred from the first 10,000 samples as Counterflow's trainer infers it (FeatureSpace.infer): a field
  with an array in any record is multi-valued, with a number numeric, else categorical; first-seen order.
  `bin/counterflow generate` files give 8 categorical, 1 multi-valued (hist_cats) and 1 numeric field (price).
- Features: every categorical value is hashed with its field name into one shared table of 262144 x 16 rows
  (CRC-32 of "field<US>value" modulo the buckets, memoised per field: a dict lookup for a value seen before;
  Counterflow uses its own 64-bit hash without a memo, the row count is the same); a missing field gets its
  "missing" row. Multi-valued fields are mean-pooled (embedding_bag, an absent field pools to zeros); numeric
  fields are standardised with running statistics that absorb each batch before it is encoded (as
  BatchEncoder), clipped to +-10, 0 when missing.
- Model and step: those of bench/pytorch_step.py (esmm, shared-bottom, CTR and CVR towers 256-128-64 with ReLU,
  ESMM loss from logits; lazy Adam, i.e. torch.optim.SparseAdam, on the embedding rows a batch touches, Adam on
  the dense weights, lr 1e-3 both), batches of 1024 in file order, one epoch; the output biases start at the
  first batch's base rates (train's output-bias-init first-batch). Weight initialisation is PyTorch's own
  (Counterflow's differs in distribution only, not in cost).

Threads, as Counterflow's train (one reader thread parses and encodes, the trainer thread trains, two cores): one
torch DataLoader worker process (--workers 1, the usual way to take parsing off the training thread; a thread
would share the GIL with the training loop) reads the file, parses every line and builds each batch's tensors;
the main process trains with torch.set_num_threads(1) and OPENBLAS_NUM_THREADS=1. JSON: orjson when it is
installed (the fastest parser a PyTorch user would reach for), else the standard library's json (its C decoder);
the line `e2e ...` says which.

Timing: from the start of the training pass (the DataLoader's iterator: the worker opens the file) to the end of
the last step, as Counterflow's train reports its epoch ("samples/s, parsing included"); Python start-up, the
torch import, schema inference and model creation are excluded on both sides. Prints one grep-able line

    e2e <samples> samples in <seconds> s: <rate> samples/s (json <lib>, <workers> parser worker(s), 1 torch thread)

and, with --model-out, saves the state dict there (untimed).

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/pytorch_train.py samples.jsonl
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before torch loads OpenBLAS

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import zlib  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_step import BUCKETS, DIM, TOWERS, optimisers, tower, train_step  # noqa: E402

try:
    import orjson

    loads, JSON_LIB = orjson.loads, "orjson " + orjson.__version__
except ImportError:
    loads, JSON_LIB = json.loads, "json (standard library)"

SCHEMA_SAMPLE = 10_000  # OfflineTrainer.SCHEMA_SAMPLE
MISSING = "\u0000missing"  # FeatureHash.MISSING


def infer_schema(path):
    """(categorical, multi-valued, numeric) field names of the first SCHEMA_SAMPLE samples, as FeatureSpace.infer."""
    cat, multi, num = {}, {}, {}
    with open(path, "rb") as f:
        seen = 0
        for line in f:
            if seen >= SCHEMA_SAMPLE:
                break
            try:
                feats = loads(line)["features"]
            except (ValueError, KeyError, TypeError):
                continue
            seen += 1
            for k, v in feats.items():
                if isinstance(v, list):
                    multi[k] = None
                elif isinstance(v, (int, float)) and not isinstance(v, bool):
                    num[k] = None
                else:
                    cat[k] = None
    cat = [k for k in cat if k not in multi and k not in num]
    multi = [k for k in multi if k not in num]
    return cat, multi, list(num)


class Batches(torch.utils.data.IterableDataset):
    """Parses a samples file into batches: hashed rows, bag ids and offsets, standardised numerics, labels."""

    def __init__(self, path, schema, batch_size, buckets):
        super().__init__()
        self.path = path
        self.cat, self.multi, self.num = schema
        self.batch_size = batch_size
        self.buckets = buckets

    def __iter__(self):
        buckets = self.buckets
        cat, multi, num = self.cat, self.multi, self.num
        # Per field: the CRC-32 state after "field<US>" and a memo value -> row.
        salts = [zlib.crc32((name + "\x1f").encode()) for name in cat + multi]
        memos = [dict() for _ in salts]
        nc, nm, nn = len(cat), len(multi), len(num)
        count = np.zeros(nn)
        mean = np.zeros(nn)
        m2 = np.zeros(nn)

        def row(j, v):
            memo = memos[j]
            r = memo.get(v)
            if r is None:
                r = memo[v] = zlib.crc32(str(v).encode(), salts[j]) % buckets
            return r

        def batch(rows, bag_ids, bag_lengths, nums, clicks, convs):
            n = len(clicks)
            x = np.array(nums, dtype=np.float64).reshape(n, nn)
            for k in range(nn):  # running statistics absorb the batch first, then standardise it
                col = x[:, k]
                seen = col[~np.isnan(col)]
                if seen.size:
                    c = count[k] + seen.size
                    d = seen.mean() - mean[k]
                    m2[k] += ((seen - seen.mean()) ** 2).sum() + d * d * count[k] * seen.size / c
                    mean[k] += d * seen.size / c
                    count[k] = c
            std = np.where(count < 2, 1.0, np.sqrt(m2 / np.maximum(count - 1, 1) + 1e-12))
            z = np.clip((x - mean) / std, -10, 10)
            z[np.isnan(z)] = 0.0
            lengths = np.array(bag_lengths, dtype=np.int64)
            offsets = np.zeros(n * nm, dtype=np.int64)
            if n * nm > 1:
                offsets[1:] = np.cumsum(lengths)[:-1]
            return (torch.from_numpy(np.array(rows, dtype=np.int64).reshape(n, nc)),
                    torch.from_numpy(np.array(bag_ids, dtype=np.int64)), torch.from_numpy(offsets),
                    torch.from_numpy(z.astype(np.float32)),
                    torch.tensor(clicks, dtype=torch.float32), torch.tensor(convs, dtype=torch.float32))

        rows, bag_ids, bag_lengths, nums, clicks, convs = [], [], [], [], [], []
        with open(self.path, "rb") as f:
            for line in f:
                try:
                    d = loads(line)
                    feats = d["features"]
                    click, conv = d["click"], d["conversion"]
                except (ValueError, KeyError, TypeError):
                    continue  # Counterflow dead-letters such lines; here they are skipped
                for j in range(nc):
                    v = feats.get(cat[j])
                    rows.append(row(j, MISSING if v is None else v))
                for j in range(nm):
                    vals = feats.get(multi[j]) or ()
                    for v in vals:
                        bag_ids.append(row(nc + j, v))
                    bag_lengths.append(len(vals))
                for name in num:
                    v = feats.get(name)
                    nums.append(math.nan if v is None else v)
                clicks.append(click)
                convs.append(conv)
                if len(clicks) == self.batch_size:
                    yield batch(rows, bag_ids, bag_lengths, nums, clicks, convs)
                    rows, bag_ids, bag_lengths, nums, clicks, convs = [], [], [], [], [], []
        if clicks:
            yield batch(rows, bag_ids, bag_lengths, nums, clicks, convs)


class Esmm(torch.nn.Module):
    """pytorch_step.Esmm over an inferred schema: nc categorical, nm mean-pooled multi-valued, nn numeric fields."""

    def __init__(self, nc, nm, nn, buckets):
        super().__init__()
        self.nc, self.nm = nc, nm
        self.table = torch.nn.Parameter(torch.empty(buckets, DIM).uniform_(-0.05, 0.05))
        width = (nc + nm) * DIM + nn
        self.ctr = tower(width)
        self.cvr = tower(width)

    def forward(self, cat, bag_ids, bag_offsets, numeric):
        n = cat.shape[0]
        parts = [F.embedding(cat, self.table, sparse=True).reshape(n, self.nc * DIM)]
        if self.nm:
            pooled = F.embedding_bag(bag_ids, self.table, bag_offsets, mode="mean", sparse=True)
            parts.append(pooled.reshape(n, self.nm * DIM))
        parts.append(numeric)
        x = torch.cat(parts, dim=1)
        return self.ctr(x).squeeze(1), self.cvr(x).squeeze(1)


def init_output_biases(model, click, conversion):
    """As CvrModel's output-bias-init first-batch: each head's output bias = logit of the batch's smoothed rate."""
    clicks = float(click.sum())
    conversions = float((click * conversion).sum())
    rates = ((model.ctr, (clicks + 0.5) / (click.shape[0] + 1)), (model.cvr, (conversions + 0.5) / (clicks + 1)))
    for head, rate in rates:
        p = min(max(rate, 1e-4), 1 - 1e-4)
        with torch.no_grad():
            head[-1].bias.fill_(math.log(p / (1 - p)))


def blas_libraries():
    """The BLAS libraries this process has mapped (after a matmul has loaded them), by real path."""
    torch.ones(2, 2) @ torch.ones(2, 2)
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "blas" in line.rsplit("/", 1)[-1]}
    except OSError:
        return []
    return sorted({os.path.realpath(q) for q in paths})


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("samples", help="JSON-lines samples file (CONTRACT.md, e.g. from `counterflow generate`)")
    p.add_argument("--batch-size", type=int, default=1024, help="samples per step (default %(default)s)")
    p.add_argument("--buckets", type=int, default=BUCKETS, help="hash buckets (default %(default)s, as train)")
    p.add_argument("--workers", type=int, default=1,
                   help="DataLoader parser processes (default %(default)s; 0: parse on the training thread)")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--model-out", help="save the trained state dict to this file (untimed)")
    p.add_argument("--json", help="also write the result to this file")
    args = p.parse_args(argv)

    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    schema = infer_schema(args.samples)
    nc, nm, nn = (len(s) for s in schema)
    model = Esmm(nc, nm, nn, args.buckets)
    opts = optimisers(model, args.lr)
    print("pytorch %s; esmm, shared-bottom, towers %s, dim %d, %d buckets; schema: %d categorical %s, "
          "%d multi-valued %s, %d numeric %s; input width %d"
          % (torch.__version__, "-".join(map(str, TOWERS)), DIM, args.buckets, nc, schema[0], nm, schema[1], nn,
             schema[2], (nc + nm) * DIM + nn))
    blas = blas_libraries()
    print("blas: %s" % (", ".join(blas) or "none found"))
    if not any("openblas" in b for b in blas):
        print("warning: torch is not on OpenBLAS here (Debian's torch uses the system libblas.so.3: install "
              "libopenblas0-pthread); the numbers are not comparable", file=sys.stderr)
    sys.stdout.flush()
    loader = torch.utils.data.DataLoader(Batches(args.samples, schema, args.batch_size, args.buckets),
                                         batch_size=None, num_workers=args.workers,
                                         **({"prefetch_factor": 4} if args.workers > 0 else {}))
    t0 = time.perf_counter()
    samples = 0
    steps = 0
    loss_sum = 0.0
    for cat, bag_ids, bag_offsets, numeric, click, conversion in loader:
        if steps == 0:
            init_output_biases(model, click, conversion)
        loss = train_step(model, opts, cat, bag_ids, bag_offsets, numeric, click, conversion)
        loss_sum += loss.item()
        samples += click.shape[0]
        steps += 1
    seconds = time.perf_counter() - t0
    rate = samples / seconds
    print("e2e %d samples in %.2f s: %.0f samples/s (json %s, %d parser worker(s), 1 torch thread; %d steps, "
          "mean loss %.5f)" % (samples, seconds, rate, JSON_LIB, args.workers, steps, loss_sum / max(steps, 1)))
    if args.model_out:
        torch.save(model.state_dict(), args.model_out)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"torch": torch.__version__, "json": JSON_LIB, "workers": args.workers, "samples": samples,
                       "steps": steps, "seconds": seconds, "samples_per_s": rate,
                       "schema": {"categorical": schema[0], "multi_valued": schema[1], "numeric": schema[2]}},
                      f, indent=2)


if __name__ == "__main__":
    main()
