#!/usr/bin/python3
"""Generate docs/hierarchy-study.md from the shipped sweep configs/sweeps/hierarchy_study.yaml.

    /usr/bin/python3 scripts/hierarchy_study.py [--cimsim build/cimsim] [--sweep DIR] [--jobs N]
                                                [--write docs/hierarchy-study.md]

Runs the sweep into DIR (default cimsim-sweep/study; points already complete there are kept,
`cimsim sweep --resume`) and prints the page (or writes it). Every
number on the page comes from these runs; the page's prose around them is fixed text that names
no figure. Run from anywhere: the sweep runs in the repository root (its workload paths are
relative to it).
"""
import argparse
import csv
import json
import os
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
SPEC = "configs/sweeps/hierarchy_study.yaml"
READOUT_TERMS = ("readout", "readout_dac", "readout_logic", "readout_reference", "readout_overhead")


def run_sweep(cimsim, out, jobs):
    cmd = [cimsim, "sweep", SPEC, "--out", out, "--quiet", "--jobs", str(jobs)]
    if os.path.isfile(os.path.join(out, "sweep.json")):
        cmd.append("--resume")
    subprocess.run(cmd, check=True, cwd=ROOT)


def load_points(cimsim, out):
    rows = list(csv.DictReader(open(os.path.join(out, "sweep.csv"))))
    bad = [r for r in rows if r["status"] != "ok"]
    if bad:
        sys.exit(f"hierarchy_study: {len(bad)} points of {out} did not finish: {bad[0]['error']}")
    points = []
    if True:
        for r in rows:
            run_dir = os.path.join(out, r["report"])
            rep = json.load(open(os.path.join(run_dir, "report.json")))
            t = rep["totals"]
            e = dict(rep["energy_breakdown_pj"])
            samples = rep["function"]["samples"]
            levels = len(rep["arch"]["macro"]["hierarchy"])
            points.append({
                "workload": os.path.basename(r["workload"]),
                "pattern": r["arch.macro.hierarchy"],
                "levels": levels,
                "gating": int(r["arch.macro.gating.level"]),
                "readout_level": rep["arch"]["readout"]["level"],
                "at_root": rep["arch"]["readout"]["level"] == levels - 1,
                "kind": r["arch.readout.kind"],
                "stationary": r["mapping.stationary"],
                "samples": samples,
                "nj": t["energy_pj"] / samples * 1e-3,
                "cycles": t["cycles"] / samples,
                "area": float(r["area_um2"]),
                "converters": rep["arch"]["readout"]["converters_per_macro"],
                "gated": t["gated_fraction_ops"],
                "util": t["utilisation"],
                "data": t["gated_fraction_data"],
                "readout_share": sum(e.get(k, 0.0) for k in READOUT_TERMS) / t["energy_pj"],
                "breakdown": e,
                "total_pj": t["energy_pj"],
                "match": r["outputs_match_reference"] == "true",
            })
    # A one-level pattern's leaf is its root: its level-0 points repeat the root ones.
    seen, unique = set(), []
    for p in points:
        key = (p["workload"], p["pattern"], p["gating"], p["readout_level"], p["kind"], p["stationary"])
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def label(p):
    ro = "root" if p["at_root"] else f"L{p['readout_level']}"
    return f"{p['pattern']} g{p['gating']} {ro} {p['kind']} {p['stationary'][0]}s"


def pct(x):
    return f"{100 * x:.1f}%"


def find(points, **kw):
    out = [p for p in points if all(p[k] == v for k, v in kw.items())]
    return out


def one(points, **kw):
    m = find(points, **kw)
    if len(m) != 1:
        sys.exit(f"hierarchy_study: expected one point for {kw}, found {len(m)}")
    return m[0]


def section(name, pts):
    L = []
    ok = all(p["match"] for p in pts)
    L.append(f"## {name}\n")
    L.append(f"{len(pts)} designs, {pts[0]['samples']} samples each; outputs match the reference in "
             f"{'every one' if ok else 'only ' + str(sum(p['match'] for p in pts))}.\n")
    best = min(pts, key=lambda p: p["nj"])
    best_sar = min(find(pts, kind="sar"), key=lambda p: p["nj"])
    fast = min(pts, key=lambda p: p["cycles"])
    L.append(f"- Least energy: **{label(best)}**, {best['nj']:.2f} nJ per sample "
             f"(read-out {pct(best['readout_share'])} of it).")
    L.append(f"- Least energy with a SAR read-out: **{label(best_sar)}**, {best_sar['nj']:.2f} nJ per sample "
             f"(read-out {pct(best_sar['readout_share'])} of it).")
    L.append(f"- Fewest cycles: **{label(fast)}**, {fast['cycles']:.0f} cycles per sample.\n")

    # Patterns at the shipped defaults otherwise (leaf gating, root ADC, weight-stationary).
    base = [one(pts, pattern=pat, gating=0, at_root=True, kind="sar", stationary="weight")
            for pat in sorted({p["pattern"] for p in pts}, key=lambda s: (s.count(","), s))]
    multi = [b for b in base if b["levels"] > 1]
    flat = [b for b in base if b["levels"] == 1]
    lo, hi = min(b["nj"] for b in multi), max(b["nj"] for b in multi)
    L.append(f"Spread over the {len(multi)} multi-level patterns (leaf gating, SAR at the root, weight-stationary): "
             f"{pct(hi / lo - 1)}. The flat line, whose only gating domain spans all 256 rows, takes "
             f"{flat[0]['nj'] / lo:.2f}x the least of them.\n")

    L.append("### Read-out at the root or at every leaf, and what fine gating domains save\n")
    L.append("Weight-stationary. *Leaf/root*: the leaf read-out's energy (and cycles) over the root's, same "
             "pattern and leaf gating. *Fine gating saves*: the energy a design with leaf gating domains saves "
             "against the same design with one domain per column group spanning all rows (gating at the root "
             "level), where only operations whose whole column group is idle are skipped. On the cim3x3 "
             "macro the gating domain also sets the mapping (each tap's rows are aligned to a domain so that "
             "a zero window gates it), so for the SE-ResNet coarse domains also mean more operations; the "
             "MLP (dense layers on cim1x1 only) isolates the gating.\n")
    L.append("| pattern | kind | leaf/root energy | leaf/root cycles | converters root → leaf "
             "| fine gating saves (root read-out) | (leaf read-out) |")
    L.append("|---|---|---|---|---|---|---|")
    for b in base:
        if b["levels"] == 1:
            continue
        for kind in ("sar", "digital"):
            r = one(pts, pattern=b["pattern"], gating=0, at_root=True, kind=kind, stationary="weight")
            f = one(pts, pattern=b["pattern"], gating=0, at_root=False, kind=kind, stationary="weight")
            rc = one(pts, pattern=b["pattern"], gating=b["levels"] - 1, at_root=True, kind=kind, stationary="weight")
            fc = one(pts, pattern=b["pattern"], gating=b["levels"] - 1, at_root=False, kind=kind, stationary="weight")
            L.append(f"| {b['pattern']} | {kind} | {f['nj'] / r['nj']:.2f} "
                     f"| {f['cycles'] / r['cycles']:.2f} | {r['converters']} → {f['converters']} "
                     f"| {pct(1 - r['nj'] / rc['nj'])} | {pct(1 - f['nj'] / fc['nj'])} |")
    L.append("")

    L.append("### Weight- or input-stationary: the probability of gating\n")
    L.append("[16, 4, 4], leaf gating, SAR at the root. *Gated by the data*: of the domain evaluations the "
             "mapping uses, the share gated because inputs, weights or discarded outputs are zero.\n")
    L.append("| stationary | utilisation | gated by the data | gated ops | nJ/sample | cycles/sample |")
    L.append("|---|---|---|---|---|---|")
    for st in ("weight", "input"):
        p = one(pts, pattern="[16, 4, 4]", gating=0, at_root=True, kind="sar", stationary=st)
        L.append(f"| {st} | {pct(p['util'])} | {pct(p['data'])} | {pct(p['gated'])} | {p['nj']:.2f} | {p['cycles']:.0f} |")
    L.append("")

    L.append("### Where the energy goes in the designs above\n")
    keys = ["precharge", "merge", "wordline", "evaluation", "readout", "readout_dac", "readout_logic", "digital",
            "buffer"]
    shown = []
    for p in (one(pts, pattern="[16, 4, 4]", gating=0, at_root=True, kind="sar", stationary="weight"),
              one(pts, pattern="[16, 4, 4]", gating=0, at_root=False, kind="sar", stationary="weight"), best, best_sar):
        if p not in shown:
            shown.append(p)
    L.append("| design | " + " | ".join(keys) + " | rest |")
    L.append("|---|" + "---|" * (len(keys) + 1))
    for p in shown:
        e = p["breakdown"]
        pre = sum(v for k, v in e.items() if k.startswith("precharge"))
        vals = [pre] + [e.get(k, 0.0) for k in keys[1:]]
        rest = p["total_pj"] - sum(vals)
        L.append(f"| {label(p)} | " + " | ".join(pct(v / p["total_pj"]) for v in vals) + f" | {pct(rest / p['total_pj'])} |")
    L.append("")

    L.append("<details><summary>Every design, by energy per sample</summary>\n")
    L.append("| design | nJ/sample | cycles/sample | area µm² | converters | gated ops | gated by data | read-out share |")
    L.append("|---|---|---|---|---|---|---|---|")
    for p in sorted(pts, key=lambda p: (p["nj"], label(p))):
        L.append(f"| {label(p)} | {p['nj']:.2f} | {p['cycles']:.0f} | {p['area']:.0f} "
                 f"| {p['converters']} | {pct(p['gated'])} | {pct(p['data'])} | {pct(p['readout_share'])} |")
    L.append("\n</details>\n")
    return L


HEAD = """# Hierarchy study

Which bit-line hierarchy, gating granularity, read-out placement and stationarity turn a network's
sparsity into saved energy and time, on the 65 nm default chip (`configs/default.yaml`). Generated
by `/usr/bin/python3 scripts/hierarchy_study.py --write docs/hierarchy-study.md` from the shipped
sweep `configs/sweeps/hierarchy_study.yaml` (pattern x gating level x `arch.readout.level` root or
leaf x read-out kind x stationarity, on the default MLP and the binarized SE-ResNet bundle). Do not
edit the figures by hand; rerun the script after a model change.

How to read it:
- A design is written `pattern gLEVEL READOUT KIND STATIONARY`: e.g. `[16, 4, 4] g0 root sar ws`
  is the shipped default (gating domains of one leaf segment x 8 columns, one SAR conversion per
  column at the root, weights in the cells).
- With `arch.readout.level: 0` every leaf segment has its own read-out (lossless for its rows:
  5 bits for 16 rows), nothing above the leaves is built (no upper segments, merges or their
  precharge), converters are shared by `arch.readout.share` columns per leaf, only leaves with an
  active domain are converted, and a column's leaf results are summed by a digital adder tree
  (priced per full-adder bit). See docs/model.md.
- Energies are per inference. A SAR conversion is priced from its circuit (docs/tech.md): a
  comparator decision per bit, a capacitive DAC whose switching doubles with every bit, and a
  full-adder-equivalent of logic per decision; no number is fitted to a published macro. The
  measured column ADC of the node spends 4.6 times these terms (docs/tech.md), so read-out
  shares here are the model's floor, not a measurement.
- *Area* is the chip's, from its parts (docs/area.md): cells, the hierarchy's drivers, switches,
  wires and domain headers, the converters (their number per macro is shown too; a leaf read-out
  multiplies it by the leaves per column) and the partial-sum adders, drivers, buffers and
  digital units.
- The flat `[256]` line's leaf is its root: its leaf points repeat the root ones and are shown once.
- *Gated ops*: the share of domain evaluations gated; *gated by the data*: of those the mapping
  uses, the share gated because of zeros (docs/report.md).

## What decides the winner (from the counted terms below)
- **Buffers first, conversions second, bit lines last.** With conversions priced from their
  circuit, buffer traffic is most of the energy in every design in the breakdowns, the read-out
  (chiefly the SAR's capacitive DAC at the root) comes second, and precharge, merge, word line and
  evaluation together stay near a percent; the bit-line pattern moves the total by about a
  percent (the spread lines). A SAR at the root and a digital popcount come close on the MLP; on
  the SE-ResNet the popcount wins, most with the finest pattern: a popcount's cost follows the
  rows it evaluates, so finer gating domains cut it, while a root conversion is paid whenever
  any domain of its column is active.
- **Read-out placement decides what fine gating is worth, but not the energy.** A root read-out
  converts a column whenever any of its domains is active, so leaf gating domains save almost
  nothing beyond skipping whole column groups with a SAR at the root (MLP). Read out at the
  leaves, a gated leaf is also a skipped conversion: the same domains then save a sizeable share.
  Yet the leaf SAR read-out costs more than the root's on every multi-level pattern: a 5-bit leaf
  conversion saves most of the DAC (which doubles with every bit) but still pays a comparator
  decision and its logic per bit, and an active column converts several leaves. (A digital
  read-out at the leaves costs more than at the root too: the same popcount inputs, plus the
  adds that sum a column's leaf results.)
- **Time.** Leaf read-outs save the merge phases; the converters per leaf serialise as many
  columns as the root's, and the adder tree adds its latency, so cycles change by a few percent
  on the MLP and by more on the SE-ResNet, whose operations are short.
- **Stationarity.** Input-stationary mapping fills many more rows of the array (utilisation) on
  the SE-ResNet and fewer on the MLP; the share of used domains gated by the data follows the
  activations (weight-stationary) or the weights (input-stationary) that sit on the rows.

"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cimsim", default=os.path.join(ROOT, "build", "cimsim"))
    ap.add_argument("--sweep", default=os.path.join(ROOT, "cimsim-sweep", "study"))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--write", help="write the page to this file (atomically) instead of printing it")
    args = ap.parse_args()
    cimsim, out = os.path.abspath(args.cimsim), os.path.abspath(args.sweep)
    if not os.access(cimsim, os.X_OK):
        sys.exit(f"hierarchy_study: {cimsim} is not an executable cimsim (build it first)")
    run_sweep(cimsim, out, args.jobs)
    points = load_points(cimsim, out)
    lines = [HEAD]
    for wl, name in (("fmnist_bnn_mlp", "Default MLP (models/fmnist_bnn_mlp)"),
                     ("fmnist_bnn_se_resnet", "Binarized SE-ResNet (models/fmnist_bnn_se_resnet)")):
        lines += section(name, [p for p in points if p["workload"] == wl])
    text = "\n".join(lines).rstrip() + "\n"
    if args.write:
        tmp = args.write + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, args.write)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
