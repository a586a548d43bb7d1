#!/usr/bin/env python3
"""Fit a technology table's one calibrated parameter, `readout_overhead`, to the published macros
of its node (configs/arch/published/*.yaml whose `published.node` matches), and print the fit.

    scripts/calibrate.py --node 65nm                 # fit and print
    scripts/calibrate.py --node 65nm --check         # exit 1 unless the table holds the fitted value

Every other number of the table comes from a source; this one is what measured macros spend per
conversion beyond the modelled terms (docs/validate.md). A preset's energy per MAC is linear in
the overhead, so two `cimsim validate` runs (overhead 0 and 1000 fF) give each preset's line, and
the fit is the value that minimises the largest |log(predicted / published TOPS/W)| over the
node's presets, rounded to 10 fF; --check accepts a table value whose largest factor is within
0.5% of the fit's. Standard library only.
"""
import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile

PROBE_FF = 1000.0
STEP_FF = 10.0
CHECK_SLACK = 0.005  # in log units of the largest factor


def run_validate(cimsim, presets, overhead_ff, samples, seed, out):
    cmd = [cimsim, "validate", *presets, "--set", f"arch.tech.readout_overhead={overhead_ff:g}",
           "--samples", str(samples), "--seed", str(seed), "--out", out]
    try:
        res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    except OSError as e:
        sys.exit(f"calibrate: cannot run {cimsim}: {e.strerror} (build it first, or pass --cimsim)")
    if res.returncode != 0:
        sys.exit(f"calibrate: '{' '.join(cmd)}' failed (exit {res.returncode}):\n{res.stderr}")
    with open(os.path.join(out, "validation.json")) as f:
        return {p["preset"]: p for p in json.load(f)["presets"]}


def table_value(path):
    with open(path) as f:
        text = f.read()
    m = re.search(r"^readout_overhead:\s*\n\s+value:\s*([0-9.eE+-]+)", text, re.M)
    if not m:
        sys.exit(f"calibrate: {path}: no 'readout_overhead: value:' entry")
    return float(m.group(1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--node", required=True, help="technology node, e.g. 65nm (configs/tech/NODE.yaml)")
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                    help="repository root (default: this script's)")
    ap.add_argument("--cimsim", default=None, help="cimsim binary (default: ROOT/build/cimsim)")
    ap.add_argument("--samples", type=int, default=64)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--check", action="store_true", help="exit 1 unless the table holds the fitted value")
    a = ap.parse_args()
    cimsim = a.cimsim or os.path.join(a.root, "build", "cimsim")
    pdir = os.path.join(a.root, "configs", "arch", "published")
    presets = sorted(os.path.join(pdir, f) for f in os.listdir(pdir) if f.endswith(".yaml"))
    tech = os.path.join(a.root, "configs", "tech", f"{a.node}.yaml")
    if not os.path.isfile(tech):
        sys.exit(f"calibrate: {tech}: no technology table for node '{a.node}'")

    with tempfile.TemporaryDirectory() as tmp:
        r0 = run_validate(cimsim, presets, 0.0, a.samples, a.seed, os.path.join(tmp, "a"))
        r1 = run_validate(cimsim, presets, PROBE_FF, a.samples, a.seed, os.path.join(tmp, "b"))
    lines = {}
    for name, p in r0.items():
        if p["node"] != a.node:
            continue
        e0 = p["predicted"]["energy_per_mac_fj"]
        slope = (r1[name]["predicted"]["energy_per_mac_fj"] - e0) / PROBE_FF
        lines[name] = (e0, slope, p["published"]["tops_per_w"])
    if not lines:
        sys.exit(f"calibrate: no preset in {pdir} has published.node = {a.node}")

    def ratios(c_ff):  # predicted / published TOPS/W; TOPS/W = 2000 / (fJ per MAC)
        return {n: 2000.0 / ((e0 + s * c_ff) * pub) for n, (e0, s, pub) in lines.items()}

    def worst(c_ff):
        return max(abs(math.log(r)) for r in ratios(c_ff).values())

    # Each ratio falls as the overhead grows, so the largest deviation has one minimum: scan.
    steps = 100000
    best = min((STEP_FF * k for k in range(0, steps + 1)), key=worst)
    if best >= STEP_FF * steps:
        sys.exit(f"calibrate: the fit reached the end of the scan ({best:g} fF): the presets need more overhead than "
                 "any plausible periphery; check them")
    have = table_value(tech)
    print(f"readout_overhead fitted to the {len(lines)} {a.node} presets: {best:g} fF "
          f"(largest factor {math.exp(worst(best)):.3f}); {os.path.relpath(tech, a.root)} holds {have:g} fF")
    print(f"  {'preset':<20} {'TOPS/W pub':>10} {'at 0 fF':>9} {'at fit':>9} {'ratio':>6}")
    at0, atfit = ratios(0.0), ratios(best)
    for n, (e0, s, pub) in sorted(lines.items()):
        print(f"  {n:<20} {pub:>10.4g} {pub * at0[n]:>9.4g} {pub * atfit[n]:>9.4g} {atfit[n]:>6.2f}")
    # The table passes while its value is as good as the fit to within 0.5% of the largest factor,
    # so a change that only moves the rounding does not force a refit.
    if a.check and worst(have) - worst(best) > CHECK_SLACK:
        print(f"calibrate: {os.path.relpath(tech, a.root)} holds readout_overhead = {have:g} fF (largest factor "
              f"{math.exp(worst(have)):.3f}) but the fit is {best:g} fF ({math.exp(worst(best)):.3f}): the model or "
              f"the presets changed; rerun the fit and update the table", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
