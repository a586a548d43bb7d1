#!/usr/bin/env python3
"""The hierarchical bit line in a circuit simulator: one column of a macro, built from the
technology table's values, simulated with ngspice in batch mode and held against cimsim's
formulas (the signal per count at each level, the merge and precharge times, the precharge
energy). Prints a table; with --check, exits 1 when any figure differs by more than --tolerance.

    /usr/bin/python3 scripts/spice_bitline.py [--cimsim build/cimsim] [--tech configs/tech/65nm.yaml]
                                              [--patterns 256 16,16 16,4,4] [--check]

The netlist (docs/tech.md): every segment is its capacitance to ground (the cells' wire and
drains, or the wire and child switches above the leaf, plus its own switch or the read-out
input); every merge switch a resistor of the technology's on-resistance (factor x vdd / (I_on x
width)) closed by a control pulse; every precharge driver the same for the PMOS driver width;
the cells of leaf 0 a current source of k cells' current for the evaluate pulse cimsim sizes.
The column is precharged (initial condition), leaf 0 is discharged by k counts, then the levels
merge one after another; finally every segment is pulled down by the swing and precharged again,
and the charge drawn from the supply is integrated.
"""
import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

import yaml

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def value(tech, key):
    v = tech[key]
    return float(v["value"] if isinstance(v, dict) else v)


def line_from_table(tech, pattern):
    """The column's segment capacitances (fF) and switch resistances (kOhm), derived here from
    the technology table independently of cimsim (docs/tech.md gives the same rules)."""
    c_cell = value(tech, "cell_height") * value(tech, "wire_cap") + value(tech, "access_width") * value(tech, "drain_cap")
    c_sw = value(tech, "switch_width") * value(tech, "drain_cap")
    caps, span = [], 1
    for l, f in enumerate(pattern):
        span *= f
        c = f * c_cell if l == 0 else span * value(tech, "cell_height") * value(tech, "wire_cap") + f * c_sw
        c += c_sw if l + 1 < len(pattern) else value(tech, "sense_cap")
        caps.append(c)
    vdd, k = value(tech, "vdd"), value(tech, "resistance_factor")
    r_pre = k * vdd / (value(tech, "on_current_p") * value(tech, "precharge_width")) * 1e3
    r_sw = k * vdd / (value(tech, "on_current_n") * value(tech, "switch_width")) * 1e3
    return caps, r_pre, r_sw


def cimsim_figures(cimsim, tech_file, pattern, work):
    """cimsim's own figures for this pattern on this technology: its report's arch.macro and the
    price table, and the bit-line swing and clock period it ran with."""
    out = os.path.join(work, "run-" + "x".join(map(str, pattern)))
    arch = os.path.join(work, "arch.yaml")
    base = yaml.safe_load(open(os.path.join(ROOT, "configs", "arch", "default.yaml")))
    base["tech"] = os.path.abspath(tech_file)
    yaml.safe_dump(base, open(arch, "w"))
    subprocess.run([cimsim, "run", "--quiet", "--out", out, "--arch", arch, "--set", "run.samples=1",
                    "--set", f"arch.macro.hierarchy=[{','.join(map(str, pattern))}]"], check=True)
    report = json.load(open(os.path.join(out, "report.json")))
    kind = report["arch"]["macro"].get("kind", "cim1x1")
    prices = {row["action"]: row["pj"] for row in report["prices"][kind]}
    resolved = yaml.safe_load(open(os.path.join(out, "resolved.yaml")))
    return (report["arch"]["macro"], prices, float(resolved["arch"]["macro"]["bitline_swing"]),
            1e3 / float(resolved["arch"]["clock_mhz"]))


def netlist(pattern, caps, r_pre, r_sw, vdd, swing, under_level, full):
    """One column as a SPICE deck: every leaf under the first node of `under_level` is
    discharged by the full swing by its cells (a current pulse), then the levels merge one after
    another. With under_level = l - 1 (and `full`) every segment under that node starts a full
    swing low: the case the timing model assumes for merging into level l, one child a full
    swing away from the rest. Returns (deck, node names per level, counts under each level's
    first node, merge start times, (pull, precharge, end) times), times in ns."""
    levels = len(pattern)
    nodes = []  # per level, names of its segments
    segs = 1
    for f in pattern:
        segs *= f
    for l in range(levels):
        segs //= pattern[l]
        nodes.append([f"n{l}_{i}" for i in range(segs)])
    discharged = 1
    for f in pattern[1:under_level + 1]:
        discharged *= f
    counts = []
    for l in range(levels):
        under = 1
        for f in pattern[1:l + 1]:
            under *= f
        counts.append(pattern[0] * min(under, discharged))
    r_sw, r_pre = r_sw * 1e3, r_pre * 1e3
    lines = ["* cimsim hierarchical bit line, pattern " + str(pattern),
             f".model msw sw vt=0.5 vh=0.01 ron={r_sw} roff=1e13",
             f".model mpre sw vt=0.5 vh=0.01 ron={r_pre} roff=1e13",
             ".model mpull sw vt=0.5 vh=0.01 ron=1 roff=1e13",
             f"vdd vdd 0 dc {vdd}"]
    ic = []
    for l in range(levels):
        per = discharged // (len(nodes[0]) // len(nodes[l])) if l <= under_level else 0  # nodes of level l under the first of under_level
        for i, n in enumerate(nodes[l]):
            lines.append(f"c_{n} {n} 0 {caps[l]}f")
            low = full and 0 < l <= under_level and i < max(1, per)  # upper segments of the swung subtree start low too
            ic.append(f"v({n})={vdd * (1 - swing) if low else vdd}")
    # Evaluate: each discharged leaf loses C_leaf x swing x V, spread over a 1 ns pulse (the
    # same charge as cimsim's pulse of evaluate_ns; a longer pulse keeps edges negligible).
    t0, width = 1.0, 1.0
    i_leaf = caps[0] * swing * vdd / width  # fC / ns = uA
    for i in range(discharged):
        lines.append(f"ieval{i} {nodes[0][i]} 0 pulse(0 {i_leaf}u {t0}n 0.1p 0.1p {width}n 1e6n)")
    starts = []
    t = t0 + width + 1.0
    phase = 40.0  # ns per merge phase: far longer than any settling time here
    t_pull = t + phase * (levels - 1)
    for l in range(1, levels):
        starts.append(t)
        lines.append(f"vm{l} m{l} 0 pulse(0 1 {t}n 0.1p 0.1p {t_pull - t - 1.0}n 1e6n)")
        for i, child in enumerate(nodes[l - 1]):
            lines.append(f"s{l}_{i} {child} {nodes[l][i // pattern[l]]} m{l} 0 msw")
        t += phase
    # Precharge energy: with the switches open, every segment is pulled down by the swing, then
    # precharged again through its driver.
    t_pre = t_pull + 5.0
    lines.append(f"vpull pull 0 pulse(0 1 {t_pull}n 0.1p 0.1p 3n 1e6n)")
    lines.append(f"vpre pre 0 pulse(0 1 {t_pre}n 0.1p 0.1p 1e6n 2e6n)")
    for l in range(levels):
        for n in nodes[l]:
            lines.append(f"vlow_{n} low_{n} 0 dc {vdd * (1 - swing)}")
            lines.append(f"spull_{n} {n} low_{n} pull 0 mpull")
            lines.append(f"spre_{n} vdd {n} pre 0 mpre")
    t_end = t_pre + 60.0
    lines.append(".ic " + " ".join(ic))
    lines.append(f".tran 2p {t_end}n uic")
    return lines, nodes, counts, starts, (t_pull, t_pre, t_end)


def run_spice(deck, probes, work, name, t_end):
    cir = os.path.join(work, name + ".cir")
    data = os.path.join(work, name + ".dat")
    control = [".control", "set wr_singlescale", "set wr_vecnames", "run",
               "wrdata " + data + " " + " ".join(probes), "quit 0", ".endc", ".end"]
    open(cir, "w").write("\n".join(deck + control) + "\n")
    res = subprocess.run(["ngspice", "-b", cir], capture_output=True, text=True)
    if res.returncode != 0 or not os.path.exists(data):
        sys.exit(f"spice_bitline: ngspice failed on {cir} (exit {res.returncode}):\n{res.stdout[-2000:]}\n{res.stderr[-2000:]}")
    rows = [line.split() for line in open(data)]
    head, rows = rows[0], [[float(x) for x in r] for r in rows[1:]]
    w = {h: [r[i] for r in rows] for i, h in enumerate(head)}
    missing = [p for p in ["time"] + probes if p not in w]
    if missing or len(rows) < 100 or w["time"][-1] * 1e9 < t_end * 0.999:
        sys.exit(f"spice_bitline: {data}: no {', '.join(missing) or 'transient'} in ngspice's output (header {head})")
    return w


def settle_time(t, v, start, end, final, eps):
    """Time after `start` from which v stays within eps of `final`, up to `end`."""
    last_out = start
    for ti, vi in zip(t, v):
        if start <= ti <= end and abs(vi - final) > eps:
            last_out = ti
    return last_out - start


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cimsim", default=os.path.join(ROOT, "build", "cimsim"))
    ap.add_argument("--tech", default=os.path.join(ROOT, "configs", "tech", "65nm.yaml"))
    ap.add_argument("--patterns", nargs="+", default=["256", "16,16", "16,4,4"])
    ap.add_argument("--check", action="store_true", help="exit 1 when a figure is off by more than --tolerance")
    ap.add_argument("--tolerance", type=float, default=0.15)
    args = ap.parse_args()
    if not shutil.which("ngspice"):
        print("spice_bitline: ngspice not found (Debian package ngspice; ./scripts/setup.sh installs it)", file=sys.stderr)
        sys.exit(77)  # CTest: skipped
    tech = yaml.safe_load(open(args.tech))
    vdd = value(tech, "vdd")
    worst = 0.0
    cycles_ok = True
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for p in args.patterns:
            pattern = [int(x) for x in p.split(",")]
            fig, fig_prices, swing, period = cimsim_figures(args.cimsim, args.tech, pattern, work)
            timing = fig["timing"]
            # The line, derived here from the table, against cimsim's derivation.
            caps, r_pre, r_sw = line_from_table(tech, pattern)
            for l, (a, b) in enumerate(zip(fig["segment_cap_ff"], caps)):
                rows.append((p, f"segment capacitance, level {l} (fF)", a, b))
            rows.append((p, "precharge driver (kOhm)", timing["precharge_driver_kohm"], r_pre))
            rows.append((p, "merge switch (kOhm)", timing["merge_switch_kohm"], r_sw))
            # One deck per merge level (the case the model assumes for it), and the top one for
            # the signal, the precharge and its energy.
            top = len(pattern) - 1
            decks = {"signal": netlist(pattern, caps, r_pre, r_sw, vdd, swing, top, False)}
            for under in range(top):
                decks[under] = netlist(pattern, caps, r_pre, r_sw, vdd, swing, under, True)
            def simulate(under):
                deck, nodes, counts, starts, times = decks[under]
                probes = ["i(vdd)"] + [f"v({nodes[l][0]})" for l in range(len(pattern))]
                w = run_spice(deck, probes, work, f"col-{'x'.join(map(str, pattern))}-{under}", times[2])
                return w, [x * 1e9 for x in w["time"]]
            eps = fig["lsb_mv"][-1] * 1e-3 / 2  # half an LSB at the root
            def at(w, t, name, when):
                return min(zip(t, w[name]), key=lambda tv: abs(tv[0] - when))[1]
            w, t = simulate("signal")
            deck, nodes, counts, starts, (t_pull, t_pre, t_end) = decks["signal"]
            # The signal per count at each level: the first node's drop over the counts beneath
            # it, once its merge has settled (the leaf's after the pulse).
            ends = starts[1:] + [t_pull]
            read = [starts[0] - 0.5 if starts else t_pull - 0.5] + [e - 0.5 for e in ends]
            lsb_spice = [(vdd - at(w, t, f"v({nodes[l][0]})", read[l])) / counts[l] * 1e3 for l in range(len(pattern))]
            for l, (a, b) in enumerate(zip(fig["lsb_mv"], lsb_spice)):
                rows.append((p, f"signal per count, level {l} (mV)", a, b))
            # Merge settling into level l, with one child a full swing away: level l's node and
            # the child's side of the switch, within half a root LSB of their final values.
            for l in range(1, len(pattern)):
                wl, tl = simulate(l - 1)
                _, nl, _, sl, (pl, _, _) = decks[l - 1]
                end = (sl[l] if l < len(sl) else pl) - 0.5
                slowest = 0.0
                for name in (f"v({nl[l][0]})", f"v({nl[l - 1][0]})"):
                    slowest = max(slowest, settle_time(tl, wl[name], sl[l - 1], end, at(wl, tl, name, end), eps))
                rows.append((p, f"merge into level {l} (ns)", timing["merge_ns"][l - 1], slowest))
                # The cycles the phase takes must be the same either way.
                if timing["merge_cycles"][l - 1] != max(1, math.ceil(slowest / period - 1e-9)):
                    cycles_ok = False
                    print(f"[{p}] merge into level {l}: cimsim {timing['merge_cycles'][l - 1]} cycles, ngspice "
                          f"{slowest:.3f} ns at {period} ns per cycle")
            # Precharge: the root segment (the largest) from the swing back to within eps of vdd.
            name = f"v({nodes[top][0]})"
            rows.append((p, "precharge of the root segment (ns)", timing["precharge_ns"][top],
                         settle_time(t, w[name], t_pre, t_end, vdd, eps)))
            # Energy drawn from the supply to precharge every segment swung by the swing.
            charge = 0.0  # fC
            ivdd = w["i(vdd)"]
            for i in range(1, len(t)):
                if t[i] > t_pre:
                    charge += -0.5 * (ivdd[i] + ivdd[i - 1]) * (t[i] - t[i - 1]) * 1e6  # A x ns -> fC
            # cimsim's price of precharging every segment once (its report's price table).
            priced = sum(len(nodes[l]) * fig_prices[f"precharge_l{l}"] for l in range(len(pattern))) * 1e3
            rows.append((p, "precharge energy, every segment (fJ)", priced, charge * vdd))
    print(f"{'pattern':<10} {'figure':<40} {'cimsim':>10} {'ngspice':>10} {'diff':>7}")
    for p, what, a, b in rows:
        diff = (a - b) / b if b else float("inf")
        worst = max(worst, abs(diff))
        print(f"{'[' + p + ']':<10} {what:<40} {a:>10.4g} {b:>10.4g} {100 * diff:>+6.1f}%")
    print(f"largest difference {100 * worst:.1f}% (tolerance {100 * args.tolerance:.0f}%)")
    print("merge cycles: " + ("the same in both" if cycles_ok else "DIFFER"))
    if args.check and (worst > args.tolerance or not cycles_ok):
        sys.exit(1)


if __name__ == "__main__":
    main()
