#!/usr/bin/env python3
"""link_eval.py — accuracy of a PAIRS.csv from `hearth link` against ground truth encoded in record ids.

    bench/link_eval.py --truth febrl|dsgen PAIRS.csv A.csv [B.csv]

FEBRL ids are rec-N-org / rec-N-dup-k (entity N); dsgen ids are numeric, the entity being the id without its
last digit (see the datasets' README.txt). True pairs are all pairs of records of one entity (within A for a
deduplication, across A and B for a linkage), whether or not the blocking found them. Prints one line:
precision, recall and F1 of the pairs the engine decided to link, and the best F1 over all weight thresholds
(with its threshold). With --rules (PAIRS.csv written with --explain, which names each pair's blocking rules),
one more line per blocking rule: the pairs it offered, the true pairs among them, and the true pairs no other
rule offered — what each rule contributes to the union. Python 3 standard library only.
"""
import argparse
import collections
import csv


def entity(truth, rec_id):
    rec_id = rec_id.strip()
    if truth == "febrl":
        parts = rec_id.split("-")
        return parts[1]
    return rec_id[:-1]


def ids_of(path):
    with open(path, newline="", encoding="utf-8") as f:
        r = csv.reader(f, skipinitialspace=True)
        header = next(r)
        col = header.index("rec_id")
        return [row[col].strip() for row in r if row]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--truth", choices=("febrl", "dsgen"), required=True)
    ap.add_argument("pairs")
    ap.add_argument("a")
    ap.add_argument("b", nargs="?")
    ap.add_argument("--rules", action="store_true", help="per blocking rule: pairs, true pairs, true pairs alone")
    args = ap.parse_args()
    offered, true_by, alone = collections.Counter(), collections.Counter(), collections.Counter()
    ea = collections.Counter(entity(args.truth, i) for i in ids_of(args.a))
    if args.b:
        eb = collections.Counter(entity(args.truth, i) for i in ids_of(args.b))
        true_total = sum(n * eb[e] for e, n in ea.items())
    else:
        true_total = sum(n * (n - 1) // 2 for n in ea.values())
    scored = []
    tp = fp = 0
    with open(args.pairs, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            same = entity(args.truth, row["left_id"]) == entity(args.truth, row["right_id"])
            scored.append((float(row["match_weight"]), same))
            if args.rules:
                rules = [x for x in row.get("blocking_rules", "").split("+") if x]
                for x in rules:
                    offered[x] += 1
                    true_by[x] += same
                if same and len(rules) == 1:
                    alone[rules[0]] += 1
            if row["decision"] == "link":
                tp += same
                fp += not same
    fn = true_total - tp
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / true_total if true_total else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    scored.sort(key=lambda x: -x[0])
    best, best_w, t, k = 0.0, None, 0, 0
    for w, same in scored:
        k += 1
        t += same
        bp, br = t / k, t / true_total if true_total else 0.0
        bf = 2 * bp * br / (bp + br) if bp + br else 0.0
        if bf > best:
            best, best_w = bf, w
    found = sum(s for _, s in scored)
    print("precision %.4f  recall %.4f  F1 %.4f  (tp %d fp %d fn %d; %d true pairs, %d in candidates)  "
          "best F1 %.4f at weight %s" % (p, r, f1, tp, fp, fn, true_total, found, best,
                                         "%.2f" % best_w if best_w is not None else "-"))
    for x in sorted(offered, key=lambda x: -true_by[x]):
        print("  rule %-26s %9d pairs %7d true %6d true alone" % (x, offered[x], true_by[x], alone[x]))


if __name__ == "__main__":
    main()
