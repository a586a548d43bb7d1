"""TTFS neuron arrays in ngspice against cimsim's exact solution: an RC-Spike network built from
a TTFS preset's circuit values, simulated in batch mode, and its spike times held against the
ones cimsim computes for the same weights and input spikes.

    /usr/bin/python3 scripts/spice_ttfs.py [--cimsim build/cimsim] [--arch configs/arch/ttfs_sky130.yaml]
                                           [--cases 4] [--check] [--tolerance 1e-3] [--keep DIR]

The circuit, per neuron (ideal elements, voltages relative to the resting potential):
- the membrane, a capacitor C_mem (`c_mem_ff`);
- each synapse a resistor onto its rail (ideal integrators, |E| infinite: a switched current
  w C V_th / T), E+ V_th for a positive weight and E- V_th for a negative
  one (the reversal potentials cimsim simulates, report.json `ttfs.e_rev_pos` / `e_rev_neg`),
  through an ideal switch its input spike closes until the accumulation window ends. From
  C dV/dt = (E V_th - V) / R and the model's dv/dt = w (1 - v / E) in threshold units per window
  T, R = T E / (w C);
- the bias synapse switched on at t = 0;
- the firing ramp, switched on for the firing window: the discharger, a resistor onto E_dis V_th
  with R = T E_dis / (alpha C), alpha = E_dis ln(E_dis / (E_dis - 1)) so that a membrane at rest
  reaches the threshold as the window ends (`arch.ttfs.e_dis`); or, for the
  ideal ramp, a current source C V_th slope / T;
- an ideal comparator: its output goes high when the membrane is at or above the threshold during
  the firing window.
Two layers, pipelined as the chip runs them: layer 1 accumulates in [0, T] and fires in [T, 2T];
layer 2, held at rest until T, accumulates in [T, 2T], its synapse switches closed by layer 1's
comparators, and fires in [2T, 3T]. A spike time is the comparator's rise, in windows from the
start of its firing window (none: no spike, 1.0 as cimsim writes it).

Each case is a random network (8 inputs, 4 and 3 neurons, with bias) and one input sample,
written as a bundle by the exporter and run by cimsim on the preset (exact solver); cimsim's
spike times of both layers come from the report's first-sample raster. `--check` exits 1 when
any spike time differs by more than `--tolerance` of the window (a neuron that spikes in one and
not the other differs by 1).
"""
import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import yaml

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "workloads", "export"))
from cimsim_export import write_ttfs_bundle  # noqa: E402


def circuit(arch_file):
    a = yaml.safe_load(open(arch_file))
    t = a.get("ttfs", {})
    clock_mhz = float(a.get("clock_mhz", 500))
    return {
        "v_th": float(t.get("v_th_v", 0.872)),
        "c": float(t.get("c_mem_ff", 140.0)) * 1e-15,
        "T": float(t.get("window_cycles", 500)) / (clock_mhz * 1e6),
        "e_dis": float(t.get("e_dis", math.inf)),
    }


def random_case(rng):
    """A network of 8 inputs, 4 and 3 neurons, and one sample, drawn so that most neurons fire."""
    w1 = rng.normal(0.0, 0.35, (4, 8))
    b1 = rng.normal(0.15, 0.1, 4)
    w2 = rng.normal(0.0, 0.8, (3, 4))
    b2 = rng.normal(0.2, 0.1, 3)
    x = rng.uniform(0.0, 1.0, (1, 8))
    x[0, rng.integers(0, 8)] = 0.0  # one input that does not spike
    return [(w1, b1), (w2, b2)], x


def netlist(layers, t_in, e_pos, e_neg, cir):
    """The two-layer circuit; returns the deck's lines and the comparator nodes per layer."""
    T, C, vth = cir["T"], cir["c"], cir["v_th"]
    edge = T * 1e-6  # switch and comparator transitions, negligible against the window
    lines = ["* RC-Spike TTFS network, two layers pipelined (scripts/spice_ttfs.py)",
             ".model sw SW(Ron=1 Roff=1e15 Vt=0.5 Vh=0)",
             ]
    if math.isfinite(e_pos):
        lines.append(f"vpos epos 0 dc {e_pos * vth}")
    if math.isfinite(e_neg):
        lines.append(f"vneg eneg 0 dc {e_neg * vth}")
    if math.isfinite(cir["e_dis"]):
        lines.append(f"vdis edis 0 dc {cir['e_dis'] * vth}")
    comps = []
    ics = []

    def pulse(name, t_on, t_off):  # a control line high over [t_on, t_off)
        lines.append(f"v{name} {name} 0 pwl(0 0 {t_on} 0 {t_on + edge} 1 {t_off} 1 {t_off + edge} 0)"
                     if t_on > 0 else f"v{name} {name} 0 pwl(0 1 {t_off} 1 {t_off + edge} 0)")

    for l, (w, b) in enumerate(layers):
        t0 = l * T  # this layer's accumulation window starts
        n_out, n_in = w.shape
        comps.append([])
        for n in range(n_out):
            m = f"m{l}_{n}"
            ics.append(f"v({m})=0")
            lines.append(f"c{m} {m} 0 {C}")
            syn = [(float(b[n]), None)] + [(float(w[n, k]), k) for k in range(n_in)]
            for j, (wt, k) in enumerate(syn):
                if wt == 0.0:
                    continue
                e = e_pos if wt > 0 else e_neg
                r = T * e / (wt * C) if math.isfinite(e) else math.inf
                ctl = f"g{l}_{n}_{j}"
                if k is None:  # the bias synapse: on from the window's start
                    if t0 == 0:
                        pulse(ctl, 0, T)
                    else:
                        pulse(ctl, t0, t0 + T)
                elif l == 0:  # an input spike at t_in[k]
                    if t_in[k] >= 1.0:
                        continue
                    pulse(ctl, t_in[k] * T, T)
                else:  # the previous layer's comparator, until this window ends
                    lines.append(f"b{ctl} {ctl} 0 v = v({comps[l - 1][k]}) * u({t0 + T} - time)")
                if math.isfinite(e):
                    lines.append(f"s{m}_{j} {m} x{m}_{j} {ctl} 0 sw")
                    lines.append(f"r{m}_{j} x{m}_{j} {'epos' if wt > 0 else 'eneg'} {r}")
                else:  # the ideal integrator: a switched current w C V_th / T
                    lines.append(f"bi{m}_{j} 0 {m} i = {wt * C * vth / T} * v({ctl})")
            if l > 0:  # held at rest until its accumulation window
                pulse(f"rst{l}_{n}", 0, t0)
                lines.append(f"srst{m} {m} 0 rst{l}_{n} 0 sw")
            # The firing ramp over the firing window [t0 + T, t0 + 2T].
            fire = f"f{l}_{n}"
            pulse(fire, t0 + T, t0 + 2 * T)
            if math.isfinite(cir["e_dis"]):
                # v = 0 reaches the threshold (1) at the window's end: alpha = E_dis ln(E_dis / (E_dis - 1)).
                alpha = cir["e_dis"] * math.log(cir["e_dis"] / (cir["e_dis"] - 1.0))
                lines.append(f"sdis{m} {m} xdis{m} {fire} 0 sw")
                lines.append(f"rdis{m} xdis{m} edis {T * cir['e_dis'] / (alpha * C)}")
            else:
                lines.append(f"bramp{m} 0 {m} i = {C * vth / T} * v({fire})")
            comp = f"k{l}_{n}"
            lines.append(f"b{comp} {comp} 0 v = u(v({m}) - {vth}) * v({fire})")
            comps[l].append(comp)
    lines.append(".ic " + " ".join(ics))
    lines.append(f".tran {T / 20000} {(len(layers) + 1) * T} 0 {T / 20000} uic")
    lines.append(".options reltol=1e-7 abstol=1e-18 vntol=1e-9")
    return lines, comps


def run_spice(lines, comps, work, name, T, vth):
    """Spike times per layer: when each membrane reaches the threshold in its firing window."""
    cir = os.path.join(work, name + ".cir")
    meas = []
    for l, cs in enumerate(comps):
        for n in range(len(cs)):
            start, end = (l + 1) * T, (l + 2) * T
            meas.append(f"meas tran v{l}_{n} find v(m{l}_{n}) at={start}")
            meas.append(f"meas tran t{l}_{n} when v(m{l}_{n})={vth} rise=1 from={start} to={end}")
    control = [".control", "set noaskquit", "run"] + meas + ["quit 0", ".endc", ".end"]
    open(cir, "w").write("\n".join(lines + control) + "\n")
    res = subprocess.run(["ngspice", "-b", cir], capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit(f"spice_ttfs: ngspice failed on {cir} (exit {res.returncode}):\n{res.stdout[-2000:]}\n{res.stderr[-2000:]}")
    got = {}
    for line in res.stdout.splitlines():
        parts = line.replace("=", " ").split()
        if len(parts) >= 2 and parts[0][:1] in "tv" and parts[0][1:].replace("_", "").isdigit():
            try:
                got[parts[0]] = float(parts[1])
            except ValueError:
                pass
    times = []
    for l, cs in enumerate(comps):
        row = []
        for n in range(len(cs)):
            v0, t = got.get(f"v{l}_{n}"), got.get(f"t{l}_{n}")
            if v0 is None:
                sys.exit(f"spice_ttfs: {cir}: no membrane potential for layer {l} neuron {n} in ngspice's output")
            if v0 >= vth:
                row.append(0.0)  # at or above the threshold when the firing window opens
            elif t is None:
                row.append(1.0)  # does not reach it in the firing window: no spike
            else:
                row.append((t - (l + 1) * T) / T)
        times.append(row)
    return times


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cimsim", default=os.path.join(ROOT, "build", "cimsim"))
    ap.add_argument("--arch", default=os.path.join(ROOT, "configs", "arch", "ttfs_sky130.yaml"))
    ap.add_argument("--cases", type=int, default=6)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--check", action="store_true", help="exit 1 when a spike time is off by more than --tolerance")
    ap.add_argument("--tolerance", type=float, default=1e-3, help="of the window")
    ap.add_argument("--keep", help="keep the bundles, runs and netlists in this folder")
    args = ap.parse_args()
    if not shutil.which("ngspice"):
        print("spice_ttfs: ngspice not found (Debian package ngspice; ./scripts/setup.sh installs it)", file=sys.stderr)
        return 77
    cir = circuit(args.arch)
    work = args.keep or tempfile.mkdtemp()
    os.makedirs(work, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    worst, compared, fired = 0.0, 0, 0
    try:
        for case in range(args.cases):
            layers, x = random_case(rng)
            bundle = os.path.join(work, f"case{case}")
            write_ttfs_bundle(layers, x, bundle)
            out = os.path.join(work, f"run{case}")
            subprocess.run([args.cimsim, "run", "-q", "--workload", bundle, "--arch", args.arch, "--out", out,
                            "--set", "arch.ttfs.solver=exact"], check=True)
            rep = json.load(open(os.path.join(out, "report.json")))["ttfs"]
            sim = [lay["raster_first_sample"] for lay in rep["layers"]]
            # The weights as the bundle stores them (float32), as cimsim reads them.
            l32 = [(np.float32(w).astype(np.float64), np.float32(b).astype(np.float64)) for w, b in layers]
            t_in = (1.0 - np.float32(x[0])).astype(np.float64)
            e_pos, e_neg = float(rep["e_rev_pos"]), float(rep["e_rev_neg"])  # report.json writes an infinity as text
            lines, comps = netlist(l32, t_in, e_pos, e_neg, cir)
            spice = run_spice(lines, comps, work, f"case{case}", cir["T"], cir["v_th"])
            for l in range(len(layers)):
                for n, (a, b) in enumerate(zip(sim[l], spice[l])):
                    d = abs(a - b)
                    worst = max(worst, d)
                    compared += 1
                    fired += a < 1.0
                    print(f"case {case} layer {l} neuron {n}: cimsim {a:.6f}  ngspice {b:.6f}  |diff| {d:.2e}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"spike times of {compared} neurons ({fired} fire): largest |cimsim - ngspice| {worst:.2e} of the window "
          f"(ideal switches; E+ {e_pos:.4g}, E- {e_neg:.4g}, "
          f"{'discharger E_dis ' + format(cir['e_dis'], 'g') if math.isfinite(cir['e_dis']) else 'linear ramp'})")
    if args.check and worst > args.tolerance:
        print(f"spice_ttfs: a spike time differs by more than {args.tolerance} of the window", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
