#!/usr/bin/python3
"""Regenerate the study tables of docs/analog.md: accuracy of the noisy hardware against the
read-out level and the bit-line pattern, with the converters' offsets as the technology table
gives them and trimmed to zero, on the default MLP and the binarized SE-ResNet bundle.

    /usr/bin/python3 scripts/analog_study.py [--cimsim build/cimsim] [--samples 200] [--write docs/analog.md]

Every figure comes from `cimsim run --set arch.analog.noise=on ...` runs made here (about 3
minutes on 2 cores); --write replaces the text between the study markers of the page.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
BEGIN, END = "<!-- analog-study:begin -->", "<!-- analog-study:end -->"
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cimsim", default=os.path.join(ROOT, "build", "cimsim"))
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--write", help="the page whose study section to replace (docs/analog.md)")
    args = ap.parse_args()
    cimsim = os.path.abspath(args.cimsim)
    if not os.access(cimsim, os.X_OK):
        sys.exit(f"analog_study: {cimsim} is not an executable cimsim (build it first)")
    text = table(cimsim, args.samples)
    if not args.write:
        sys.stdout.write(text + "\n")
        return
    page = open(args.write).read()
    if BEGIN not in page or END not in page:
        sys.exit(f"analog_study: {args.write} has no {BEGIN} ... {END} section")
    head, rest = page.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    new = head + BEGIN + "\n" + text + "\n" + END + tail
    tmp = args.write + ".tmp"
    with open(tmp, "w") as f:
        f.write(new)
    os.replace(tmp, args.write)


if __name__ == "__main__":
    main()
