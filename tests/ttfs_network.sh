#!/usr/bin/env bash
# TTFS end to end: 784-200-200-10 networks on Fashion-MNIST samples (tests/fixtures/gen_ttfs.py,
# reference spike times from the exporter's own numpy solution of the ODE). The hardware's spike
# times must match within 1e-6; the sparse-firing variant (same weights, higher threshold) must
# emit fewer spikes and cost less energy; the SKY130 preset and the DSTD solver must run.
set -euo pipefail
src=$1 cimsim=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
/usr/bin/python3 "$src/tests/fixtures/gen_ttfs.py" "$work/bundles" 40 >/dev/null
for b in ttfs_ideal ttfs_sky130 ttfs_sky130_sparse; do
  "$cimsim" run --quiet --workload "$work/bundles/$b" --out "$work/$b"
done
"$cimsim" run --quiet --workload "$work/bundles/ttfs_sky130" --arch "$src/configs/arch/ttfs_sky130.yaml" --out "$work/preset"
"$cimsim" run --quiet --workload "$work/bundles/ttfs_sky130" --set arch.ttfs.solver=dstd --set arch.ttfs.dstd_steps=32 --out "$work/dstd"
"$cimsim" run --quiet --workload "$work/bundles/ttfs_sky130" --set arch.ttfs.vdd_v=1.2 --out "$work/low_vsyn"
/usr/bin/python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
r = {k: json.load(open(f"{w}/{k}/report.json")) for k in ["ttfs_ideal", "ttfs_sky130", "ttfs_sky130_sparse", "preset", "dstd", "low_vsyn"]}
for k in ["ttfs_ideal", "ttfs_sky130", "ttfs_sky130_sparse"]:
    f = r[k]["function"]
    assert f["max_abs_error"] <= 1e-6, (k, f["max_abs_error"])
    t = r[k]["ttfs"]
    assert t["spikes"] > 0 and t["synaptic_events"] > 0 and 0 < t["spikes_per_neuron"] <= 1, (k, t)
d, s = r["ttfs_sky130"], r["ttfs_sky130_sparse"]
assert s["ttfs"]["spikes_per_hidden_neuron"] < 0.5 * d["ttfs"]["spikes_per_hidden_neuron"], "sparse firing has not fewer spikes"
assert s["totals"]["energy_pj"] < 0.95 * d["totals"]["energy_pj"], "fewer spikes do not cost less"
assert 0 < r["dstd"]["function"]["max_abs_error"] < 0.05, r["dstd"]["function"]["max_abs_error"]
per_event = lambda k: r[k]["energy_breakdown_pj"]["ttfs_synapse"] / r[k]["ttfs"]["synaptic_events"]
assert per_event("low_vsyn") < per_event("ttfs_sky130"), "a lower synapse supply does not cost less per synaptic event"
print("TTFS 784-200-200-10: spike times match within %.1e; spikes/hidden neuron %.3f -> %.3f (sparse), energy/inference %.0f -> %.0f pJ"
      % (max(r[k]["function"]["max_abs_error"] for k in ["ttfs_ideal", "ttfs_sky130", "ttfs_sky130_sparse"]),
         d["ttfs"]["spikes_per_hidden_neuron"], s["ttfs"]["spikes_per_hidden_neuron"],
         d["totals"]["energy_pj"] / 40, s["totals"]["energy_pj"] / 40))
PY
