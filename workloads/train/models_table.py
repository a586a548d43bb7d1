"""Print the docs/models.md table: every reference network in models/ (those with metrics.json),
its PyTorch figures from metrics.json and cimsim's on the bundled samples.

    /usr/bin/python3 workloads/train/models_table.py [--cimsim build/cimsim]

Runs `cimsim run` on each bundle (default architecture for binary networks; the model as
exported for TTFS networks) into a temporary folder.
"""
import argparse
import json
import os
import subprocess
import tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def e_rev(m):
    if m["e_rev_pos"] is None:
        return "ideal"
    if m["e_rev_pos"] == -m["e_rev_neg"]:
        return f"±{m['e_rev_pos']:g}"
    return f"{m['e_rev_pos']:g} / {m['e_rev_neg']:g}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cimsim", default=os.path.join(ROOT, "build", "cimsim"))
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in sorted(os.listdir(os.path.join(ROOT, "models"))):
            d = os.path.join(ROOT, "models", name)
            if not os.path.isfile(os.path.join(d, "metrics.json")):
                continue
            m = json.load(open(os.path.join(d, "metrics.json")))
            out = os.path.join(tmp, name)
            subprocess.run([args.cimsim, "run", "--workload", d, "--out", out, "--quiet"], check=True)
            r = json.load(open(os.path.join(out, "report.json")))
            rows.append((name, m, r))
    print("| bundle | network | test accuracy, 10k (PyTorch) | cimsim / PyTorch on the bundle | "
          "spikes per hidden neuron | energy per inference (cimsim) | chip area, TOPS/mm^2 (cimsim) | training |")
    print("|---|---|---|---|---|---|---|---|")
    for name, m, r in rows:
        f = r["function"]
        n = f["samples"]
        same = f"{100 * f['accuracy']:.1f}% / {100 * m['bundle_accuracy']:.1f}% ({n})"
        energy = r["totals"]["energy_pj"] / n
        energy = f"{energy / 1e6:.2f} uJ" if energy > 1e5 else f"{energy:.0f} pJ"
        minutes = f"{m['train_seconds'] / 60:.0f} min, {m['epochs']} epochs"
        area = f"{r['totals']['area_mm2']:.3g} mm^2, {r['totals']['tops_per_mm2']:.3g}"
        if m["kind"] == "ttfs":
            net = f"TTFS 784-200-200-10, E {e_rev(m)}" + (f", SSR {m['ssr']:g}" if m["ssr"] else "")
            acc = f"{100 * m['test_accuracy_exact']:.2f}% (DSTD {100 * m['test_accuracy_dstd']:.2f}%)"
            spikes = f"{r['ttfs']['spikes_per_hidden_neuron']:.3f} (PyTorch {m['spikes_per_hidden_neuron']:.3f})"
        else:
            net = f"binarized SE-ResNet, {m['variant']}, width {m['width']}"
            acc = f"{100 * m['test_accuracy']:.2f}%"
            spikes = "-"
        print(f"| `{name}` | {net} | {acc} | {same} | {spikes} | {energy} | {area} | {minutes} |")


if __name__ == "__main__":
    main()
