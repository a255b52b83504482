#!/usr/bin/env python3
"""Pin `hearth link`'s outputs byte for byte: run `hearth link dedupe|pair --explain` on small inputs and compare
the SHA-256 of each PAIRS.csv with the one committed in tests/cli/link_golden.txt.

usage: tests/cli/run_link_golden.py HEARTH [--record]
Prints one line per failure and finally `linkgold: N passed, N failed`.

Every pair, its weight to the printed digit and each comparison's contribution (`--explain`) are in the
checksum, so any change to blocking, levels, training or scoring shows here. The inputs:

- `synth`: `hearth link synth --people 3000 --seed 1`, index against partner (always run);
- FEBRL 1, dsgen C 1000 (dedupe), dsgen F 1000 and FEBRL 4a x 4b (link), with and without identifiers, read
  from the linkage datasets (`$HEARTH_LINKAGE_DATA`, else `../shared/data/linkage` beside the repository);
  each is skipped, and said to be, when its file is absent.

A change of output that is meant (a better blocking rule, a new level) is recorded with `--record`, which
rewrites the checksums of the inputs it could run, and committed with a message saying why.
"""
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
GOLDEN = os.path.join(ROOT, "tests", "cli", "link_golden.txt")
FEBRL_MAP = os.path.join(ROOT, "bench", "link-mappings", "febrl.json")
SYNTH_MAP = os.path.join(ROOT, "bench", "link-mappings", "synth.json")
DSGEN = "febrl-dsgen-series"

# name -> (mapping, flags, files relative to the linkage data; None for synth's generated files)
CASES = {}
for ids in ("with", "without"):
    flags = [] if ids == "with" else ["--no-identifiers"]
    CASES["febrl1." + ids] = (FEBRL_MAP, flags, ["febrl/dataset1.csv"])
    CASES["dsgenC1000." + ids] = (FEBRL_MAP, flags, [DSGEN + "/dedup/dataset_C_1000.csv"])
    CASES["dsgenF1000." + ids] = (FEBRL_MAP, flags, [DSGEN + "/link/dataset_F_org_1000.csv",
                                                     DSGEN + "/link/dataset_F_dup_1000.csv"])
    CASES["febrl4." + ids] = (FEBRL_MAP, flags, ["febrl/dataset4a.csv", "febrl/dataset4b.csv"])
CASES["synth"] = (SYNTH_MAP, [], None)


def load_golden():
    want = {}
    if os.path.exists(GOLDEN):
        with open(GOLDEN, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#"):
                    name, digest = line.split()
                    want[name] = digest
    return want


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    hearth, record = sys.argv[1], "--record" in sys.argv[2:]
    data = os.environ.get("HEARTH_LINKAGE_DATA") or os.path.join(ROOT, "..", "shared", "data", "linkage")
    want = load_golden()
    got = {}
    tmp = tempfile.mkdtemp(prefix="hearth-cli-linkgold-")
    passed = failed = 0
    try:
        synth = [os.path.join(tmp, x) for x in ("index.csv", "partner.csv", "truth.csv")]
        p = subprocess.run([hearth, "link", "synth", "--people", "3000", "--seed", "1", "--index", synth[0],
                            "--partner", synth[1], "--truth", synth[2]], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, universal_newlines=True)
        if p.returncode != 0:
            print("FAIL link synth: %d %s" % (p.returncode, p.stderr[-300:]))
            failed += 1
        for name, (mapping, flags, files) in CASES.items():
            paths = synth[:2] if files is None else [os.path.join(data, f) for f in files]
            if not all(os.path.exists(x) for x in paths):
                print("skip %s: no %s" % (name, " or ".join(files or ["synth files"])))
                continue
            out = os.path.join(tmp, name + ".csv")
            cmd = "pair" if len(paths) == 2 else "dedupe"
            p = subprocess.run([hearth, "link", cmd, "--mapping", mapping, "--out", out, "--explain", "--threads",
                                "2"] + flags + paths, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               universal_newlines=True)
            if p.returncode != 0:
                print("FAIL %s: hearth link %s exits %d: %s" % (name, cmd, p.returncode, p.stderr[-300:]))
                failed += 1
                continue
            with open(out, "rb") as f:
                got[name] = hashlib.sha256(f.read()).hexdigest()
            if record:
                continue
            if want.get(name) == got[name]:
                passed += 1
            else:
                failed += 1
                print("FAIL %s: PAIRS.csv changed: sha256 %s, committed %s" % (name, got[name],
                                                                                 want.get(name, "(none)")))
        if record:
            want.update(got)
            with open(GOLDEN, "w", encoding="utf-8") as f:
                f.write("# SHA-256 of hearth link's PAIRS.csv (--explain) per input: tests/cli/run_link_golden.py\n")
                for name in sorted(want):
                    f.write("%s %s\n" % (name, want[name]))
            print("recorded %d checksums in %s" % (len(got), os.path.relpath(GOLDEN, ROOT)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("linkgold: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
