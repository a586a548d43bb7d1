#!/usr/bin/python3
"""Regenerate the study tables of docs/analog.md: accuracy of the noisy hardware against the
read-out level and the bit-line pattern, with the converters' offsets as the technology table
gives them and trimmed to zero, on the default MLP and the binarized SE-ResNet bundle.

    /usr/bin/python3 scripts/analog_study.py [--cimsim build/cimsim] [--samples 200] [--write docs/analog.md]

Every figure comes from `cimsim run --set arch.analog.noise=on ...` runs made here (about 15
minutes on 2 cores for both parts); --write replaces the text between the study markers of the
page (analog-study and analog-bits).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
BEGIN, END = "<!-- analog-study:begin -->", "<!-- analog-study:end -->"
BITS_BEGIN, BITS_END = "<!-- analog-bits:begin -->", "<!-- analog-bits:end -->"
# Read-out bits study: designs (pattern, level, lossless bits) on the SE-ResNet bundle.
BITS_DESIGNS = [("[16, 4, 4]", -1, 9), ("[16, 4, 4]", 1, 7), ("[16, 4, 4]", 0, 5)]
BITS_WORKLOAD = ("models/fmnist_bnn_se_resnet", "Binarized SE-ResNet")
DESIGNS = [("[256]", -1), ("[16, 16]", -1), ("[16, 16]", 0), ("[16, 4, 4]", -1), ("[16, 4, 4]", 1), ("[16, 4, 4]", 0)]
WORKLOADS = [("models/fmnist_bnn_mlp", "Default MLP"), ("models/fmnist_bnn_se_resnet", "Binarized SE-ResNet")]


def run(cimsim, tmp, workload, samples, sets):
    out = os.path.join(tmp, "r")
    cmd = [cimsim, "run", "--workload", os.path.join(ROOT, workload), "--out", out, "--quiet",
           "--set", f"run.samples={samples}", "--set", "arch.analog.noise=on"]
    for s in sets:
        cmd += ["--set", s]
    subprocess.run(cmd, check=True, cwd=ROOT)
    return json.load(open(os.path.join(out, "report.json")))


def pct(x):
    return "-" if x is None else f"{100 * x:.1f}%"


def table(cimsim, samples):
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        for wl, name in WORKLOADS:
            lines.append(f"**{name}** (`{wl}`, {samples} samples, seed 1)\n")
            lines.append("| pattern | read-out | LSB at the read-out | sigma per read: thermal / comparator / offset (LSB) "
                         "| accuracy exact | noisy | offsets trimmed | reads off | error mean ± sigma (LSB) | nJ/sample |")
            lines.append("|---|---|---|---|---|---|---|---|---|---|")
            for pattern, level in DESIGNS:
                sets = [f"arch.macro.hierarchy={pattern}", f"arch.readout.level={level}"]
                r = run(cimsim, tmp, wl, samples, sets)
                t = run(cimsim, tmp, wl, samples, sets + ["arch.tech.comparator_offset=0"])
                n, nt, f = r["function"]["noise"], t["function"]["noise"], r["function"]
                s = n["sigma_lsb"]
                levels = len(r["arch"]["macro"]["hierarchy"])
                ro = "root" if r["arch"]["readout"]["level"] == levels - 1 else f"level {r['arch']['readout']['level']}"
                e = n["read_errors"]
                lines.append(
                    f"| {pattern} | {ro} ({r['arch']['readout']['bits']} b) | {r['arch']['macro']['lsb_mv'][-1]:.3g} mV "
                    f"| {s['thermal']:.3g} / {s['comparator']:.3g} / {s['offset']:.3g} "
                    f"| {pct(f['accuracy'])} | {pct(n['accuracy'])} | {pct(nt['accuracy'])} "
                    f"| {pct(e['reads_wrong'] / e['reads'] if e['reads'] else 0)} | {e['mean_lsb']:+.2f} ± {e['sigma_lsb']:.2f} "
                    f"| {r['totals']['energy_pj'] / samples * 1e-3:.1f} |")
            lines.append("")
    return "\n".join(lines)


def bits_table(cimsim, samples):
    """Accuracy against read-out bits per design, untrimmed and trimmed, and the cheapest design
    within one point of the exact accuracy."""
    wl, name = BITS_WORKLOAD
    rows, best = [], []
    exact = None
    with tempfile.TemporaryDirectory() as tmp:
        for pattern, level, lossless in BITS_DESIGNS:
            found = {}
            for bits in range(2, lossless + 1):
                sets = [f"arch.macro.hierarchy={pattern}", f"arch.readout.level={level}", f"arch.readout.bits={bits}"]
                r = run(cimsim, tmp, wl, samples, sets)
                t = run(cimsim, tmp, wl, samples, sets + ["arch.tech.comparator_offset=0"])
                f = r["function"]
                if bits == lossless:
                    exact = f["reference_accuracy"]
                levels = len(r["arch"]["macro"]["hierarchy"])
                ro = "root" if r["arch"]["readout"]["level"] == levels - 1 else f"level {r['arch']['readout']['level']}"
                nj = r["totals"]["energy_pj"] / samples * 1e-3
                rows.append((pattern, ro, bits, f["accuracy"], r["function"]["noise"]["accuracy"],
                             t["function"]["noise"]["accuracy"], nj))
                found[bits] = (r["function"]["noise"]["accuracy"], t["function"]["noise"]["accuracy"], nj)
            best.append((pattern, ro, found))
    lines = [f"**{name}** (`{wl}`, {samples} samples, seed 1; accuracy of the exact chip with a lossless read-out "
             f"{pct(exact)})\n",
             "| pattern | read-out | bits | accuracy exact path | noisy | offsets trimmed | nJ/sample |",
             "|---|---|---|---|---|---|---|"]
    for pattern, ro, bits, acc, noisy, trimmed, nj in rows:
        lines.append(f"| {pattern} | {ro} | {bits} | {pct(acc)} | {pct(noisy)} | {pct(trimmed)} | {nj:.1f} |")
    target = exact - 0.01
    lines += ["", f"Energy at equal accuracy: the fewest bits whose noisy accuracy is within one point of the exact "
                  f"chip's ({pct(target)} or more), per design:\n",
              "| pattern | read-out | untrimmed: bits, nJ/sample | trimmed: bits, nJ/sample |", "|---|---|---|---|"]
    for pattern, ro, found in best:
        def cheapest(k):
            ok = [(b, v[2]) for b, v in sorted(found.items()) if v[k] is not None and v[k] >= target]
            return f"{ok[0][0]} b, {ok[0][1]:.1f}" if ok else "not reached"
        lines.append(f"| {pattern} | {ro} | {cheapest(0)} | {cheapest(1)} |")
    return "\n".join(lines)


def replace_section(path, begin, end, text):
    page = open(path).read()
    if begin not in page or end not in page:
        sys.exit(f"analog_study: {path} has no {begin} ... {end} section")
    head, rest = page.split(begin, 1)
    tail = rest.split(end, 1)[1]
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(head + begin + "\n" + text + "\n" + end + tail)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cimsim", default=os.path.join(ROOT, "build", "cimsim"))
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--write", help="the page whose study sections to replace (docs/analog.md)")
    ap.add_argument("--part", choices=["all", "designs", "bits"], default="all",
                    help="designs: level and pattern; bits: accuracy against read-out bits (default: both)")
    args = ap.parse_args()
    cimsim = os.path.abspath(args.cimsim)
    if not os.access(cimsim, os.X_OK):
        sys.exit(f"analog_study: {cimsim} is not an executable cimsim (build it first)")
    parts = ["designs", "bits"] if args.part == "all" else [args.part]
    for part in parts:
        text = table(cimsim, args.samples) if part == "designs" else bits_table(cimsim, args.samples)
        if not args.write:
            sys.stdout.write(text + "\n")
        elif part == "designs":
            replace_section(args.write, BEGIN, END, text)
        else:
            replace_section(args.write, BITS_BEGIN, BITS_END, text)


if __name__ == "__main__":
    main()
