#!/usr/bin/env python3
"""Run `hearth link pair` on a generated index and partner file, measure it and score it against the truth.

usage: bench/link_speed.py --hearth BIN --mapping M.json --index I.csv --partner P.csv --truth T.csv
                           [--threads N] [--json OUT.json]

Measures the hearth process alone: wall time (monotonic clock around the subprocess) and peak resident memory
(getrusage(RUSAGE_CHILDREN).ru_maxrss, read before and after: this script starts no other child). Reads from
hearth's stderr summary the candidate pairs (distinct, after the union) and its own stage times; writes
only the pairs decided review or link (--min-decision review), as a user linking a million records would.

Scored pairs per second, two ways:
  - engine: candidate pairs / (training + scoring seconds): the time hearth spends comparing every candidate
    pair, estimating u and m, and weighing and deciding every pair (blocking and file I/O left out). This
    is the figure compared with the peer, whose scoring time is its predict() (comparisons and weights).
  - wall:   candidate pairs / the whole run's wall time (reading, blocking, writing included).
Accuracy: precision, recall and F1 of the pairs decided link (probability >= 0.5 under the engine's own
fitted model), against TRUTH.csv (index_id,partner_id), recall over every true pair.
Prints a readable report; with --json also writes the figures to OUT.json.
"""
import argparse
import csv
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time


def main():
    ap = argparse.ArgumentParser()
    for a in ("--hearth", "--mapping", "--index", "--partner", "--truth"):
        ap.add_argument(a, required=True)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--json")
    o = ap.parse_args()
    out = tempfile.NamedTemporaryFile(prefix="hearth-pairs-", suffix=".csv", delete=False).name
    cmd = [o.hearth, "link", "pair", "--mapping", o.mapping, "--out", out, "--min-decision", "review"]
    if o.threads:
        cmd += ["--threads", str(o.threads)]
    cmd += [o.index, o.partner]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.monotonic() - t0
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        sys.exit("link_speed: hearth link pair failed")
    err = p.stderr
    m = re.search(r"(\d+) candidate pairs from the blocking rules, (\d+) distinct", err)
    t = re.search(r"([\d.]+) s blocking, ([\d.]+) s training, ([\d.]+) s scoring", err)
    records = sum(int(x) for x in re.findall(r"(\d+) records read", err))
    if not m or not t:
        sys.stderr.write(err)
        sys.exit("link_speed: no summary from hearth link pair")
    offered, candidates = int(m.group(1)), int(m.group(2))
    blocking, training, scoring = float(t.group(1)), float(t.group(2)), float(t.group(3))
    budget = re.search(r"(\d+) oversized blocks skipped, (\d+) over a rule's pair budget", err)

    truth = set()
    with open(o.truth, newline="") as f:
        r = csv.reader(f)
        next(r)
        for row in r:
            truth.add((row[0], row[1]))
    tp = fp = review = 0
    with open(out, newline="") as f:
        r = csv.reader(f)
        next(r)
        for row in r:
            if row[4] == "link":
                if (row[0], row[1]) in truth:
                    tp += 1
                else:
                    fp += 1
            else:
                review += 1
    os.unlink(out)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    fig = {
        "records": records, "candidates_before_union": offered, "candidates": candidates,
        "blocks_cap": int(budget.group(1)) if budget else None,
        "blocks_budget": int(budget.group(2)) if budget else None,
        "wall_seconds": wall, "peak_rss_bytes": (peak_kib if peak_kib > before else before) * 1024,
        "seconds_blocking": blocking, "seconds_training": training, "seconds_scoring": scoring,
        "pairs_per_second_engine": candidates / (training + scoring) if training + scoring > 0 else 0.0,
        "pairs_per_second_wall": candidates / wall if wall > 0 else 0.0,
        "link": tp + fp, "review": review, "true_pairs": len(truth),
        "precision": precision, "recall": recall, "f1": f1,
    }
    gib = fig["peak_rss_bytes"] / 2**30
    print("hearth link pair: %d records, %d candidate pairs (%d before the union; blocks left out: %s over the cap, "
          "%s over a rule's budget)" % (records, candidates, offered, fig["blocks_cap"], fig["blocks_budget"]))
    print("  wall %.1f s (blocking %.1f s, training %.1f s, scoring %.1f s; the rest reading and writing), "
          "peak RSS %.2f GiB" % (wall, blocking, training, scoring, gib))
    print("  scored pairs per second: %.0f (training + scoring), %.0f (wall)"
          % (fig["pairs_per_second_engine"], fig["pairs_per_second_wall"]))
    print("  at the engine's decision: %d link, %d review; precision %.4f recall %.4f F1 %.4f (%d true pairs)"
          % (tp + fp, review, precision, recall, f1, len(truth)))
    if o.json:
        with open(o.json, "w") as f:
            json.dump(fig, f)


if __name__ == "__main__":
    main()
