#!/usr/bin/env bash
# Bad input, end to end: each case crafts a broken config, model or sample file, runs
# `cimsim run` on it, and requires exit status 2, no results folder, and a message that names
# the file, key, node or tensor and what was expected. With --markdown it prints the table of
# cases and messages that docs/errors.md shows.
#   tests/bad_inputs.sh SOURCE_DIR CIMSIM WORK_DIR [--markdown]
set -uo pipefail
src=$1 cimsim=$2 work=$3 markdown=${4:-}
rm -rf "$work" && mkdir -p "$work"
py=/usr/bin/python3
model=$src/models/fmnist_bnn_mlp
failed=0 n=0

# A copy of the default bundle with one file replaced by python code run in the copy.
bundle() {  # name python-code
  local d=$work/$1
  cp -r "$model" "$d"
  (cd "$d" && $py -c "import numpy as np, onnx
from onnx import numpy_helper as nh, helper as oh, TensorProto as TP
def save(t, p): open(p, 'wb').write(t.SerializeToString())
$2")
  echo "$d"
}

case_() {  # description expected-fragment args...
  local what=$1 want=$2
  shift 2
  n=$((n + 1))
  local out=$work/out$n
  local msg rc
  msg=$("$cimsim" run --quiet --out "$out" "$@" 2>&1)
  rc=$?
  msg=${msg//$work\//}
  msg=${msg//$src\//}
  if [[ $rc -ne 2 || $msg != *"$want"* || -e $out ]]; then
    echo "FAILED: $what: exit $rc, message: $msg" >&2
    failed=$((failed + 1))
  fi
  if [[ $markdown == --markdown ]]; then
    printf '| %s | `%s` |\n' "$what" "${msg//|/\\|}"
  fi
}

[[ $markdown == --markdown ]] && printf '| bad input | what cimsim says (exit status 2) |\n|---|---|\n'

# Configs.
case_ "config file missing" "file not found" "$work/none.yaml"
printf 'workload: x\nrun: [1,\n' > "$work/syntax.yaml"
case_ "YAML syntax error" "YAML syntax error" "$work/syntax.yaml"
case_ "unknown key" "unknown key" --set run.sampels=3
case_ "wrong type" "'many' is not an integer (samples)" --set run.samples=many
case_ "value out of range" "out of range" --set arch.macro.gating.cols=0
case_ "hierarchy product is not the row count" "must equal arch.macro.rows" --set 'arch.macro.hierarchy=[16,4]'
printf 'vdd:\n  value: 1.0\n  unit: V\n' > "$work/tech.yaml"
printf 'macro:\n  rows: 256\n  hierarchy: [16, 16]\ntech: tech.yaml\n' > "$work/arch_notech.yaml"
case_ "technology number without a source" "arch.tech.vdd.source" --arch "$work/arch_notech.yaml"
case_ "architecture file is a device" "not a regular file" --arch /dev/zero
case_ "layer forced onto a macro kind does not exist" "is not a macro layer" --set 'mapping.force={nosuch: cim3x3}'
case_ "off-chip memory with a TTFS workload" "not for TTFS arrays" --workload "$src/models/fmnist_ttfs_sky130" --set arch.memory.kind=lpddr4
case_ "a sense amplifier asked for more than 1 bit" "a sense amplifier resolves 1 bit, not 3" --set arch.readout.kind=sense --set arch.readout.bits=3
case_ "divider cells with analog accumulation" "need arch.macro.cell: and" --set arch.macro.cell=xnor --set arch.readout.accumulate=analog
sed '/^comparator_width:/,+3d' "$src/configs/tech/65nm.yaml" > "$work/tech_nocmp.yaml"
printf 'tech: tech_nocmp.yaml\nreadout:\n  kind: flash\n' > "$work/arch_nocmp.yaml"
case_ "a circuit read-out without the technology's comparator" "arch.tech.comparator_width" --arch "$work/arch_nocmp.yaml"

# Presets of published macros (cimsim validate).
vcase_() {  # description expected-fragment preset-text
  n=$((n + 1))
  local out=$work/out$n preset=$work/preset$n.yaml msg rc
  printf '%s' "$3" > "$preset"
  msg=$("$cimsim" validate "$preset" --out "$out" 2>&1)
  rc=$?
  msg=${msg//$work\//}
  if [[ $rc -ne 2 || $msg != *"$2"* || -e $out ]]; then
    echo "FAILED: $1: exit $rc, message: $msg" >&2
    failed=$((failed + 1))
  fi
  [[ $markdown == --markdown ]] && printf '| %s | `%s` |\n' "$1" "${msg//|/\\|}"
}
vcase_ "validate: preset without its published figures" "key 'published': missing" $'macro:\n  rows: 64\n  hierarchy: [64]\n'
vcase_ "validate: published efficiency not a number" "expected a number" \
  $'published: {citation: x, node: 65nm, tops_per_w: lots, input: signed, weights: signed}\n'

# Workload bundles.
case_ "workload folder missing" "workload folder not found" --workload "$work/nowhere"
mkdir -p "$work/empty"
case_ "model.onnx missing" "model.onnx not found" --workload "$work/empty"
d=$(bundle garbage "open('model.onnx','wb').write(b'not a model')")
case_ "model.onnx is not ONNX" "not a valid ONNX model" --workload "$d"
d=$(bundle lrn "m = onnx.load('model.onnx'); m.graph.node.append(oh.make_node('LRN', [m.graph.output[0].name], ['norm'], name='norm', size=3)); m.graph.output[0].name = 'norm'; onnx.save(m, 'model.onnx')")
case_ "unsupported operator" "(LRN): op type not supported" --workload "$d"
d=$(bundle div "m = onnx.load('model.onnx'); o = m.graph.output[0].name; m.graph.node.append(oh.make_node('Div', [o, o], ['ratio'], name='/head/Div')); m.graph.output[0].name = 'ratio'; onnx.save(m, 'model.onnx')")
case_ "an op form cimsim does not map" "Div of two computed tensors is not supported" --workload "$d"
d=$(bundle custom "m = onnx.load('model.onnx'); m.graph.node[0].domain = 'com.example'; onnx.save(m, 'model.onnx')")
case_ "custom operator domain" "custom op domain 'com.example'" --workload "$d"
d=$(bundle nodata "import shutil, glob; [shutil.rmtree(p) for p in glob.glob('test_data_set_*')]")
case_ "no sample data" "no test_data_set_N folders" --workload "$d"
d=$(bundle noref "import os; os.remove('test_data_set_1/output_0.pb')")
case_ "reference outputs missing" "output_0.pb: missing" --workload "$d"
d=$(bundle shape "save(nh.from_array(np.zeros((100, 10), np.float32)), 'test_data_set_0/input_0.pb')")
case_ "input of the wrong shape" "expected [batch][1,28,28]" --workload "$d"
d=$(bundle nan "x = nh.to_array(onnx.load_tensor('test_data_set_0/input_0.pb')).copy(); x.flat[5] = np.nan; save(nh.from_array(x), 'test_data_set_0/input_0.pb')")
case_ "NaN in the inputs" "(expected a finite number)" --workload "$d"
d=$(bundle batch "y = nh.to_array(onnx.load_tensor('test_data_set_0/output_0.pb'))[:99]; save(nh.from_array(y), 'test_data_set_0/output_0.pb')")
case_ "outputs and inputs hold different batches" "output_0 holds 99 samples but input_0 holds 100" --workload "$d"
d=$(bundle zero "save(nh.from_array(np.zeros((0,1,28,28), np.float32)), 'test_data_set_0/input_0.pb'); save(nh.from_array(np.zeros((0,10), np.float32)), 'test_data_set_0/output_0.pb')")
case_ "a batch of zero samples" "batch of zero samples" --workload "$d"
d=$(bundle labels "l = nh.to_array(onnx.load_tensor('test_data_set_0/label_0.pb')).copy(); l[0] = 12; save(nh.from_array(l), 'test_data_set_0/label_0.pb')")
case_ "label out of range" "is not a class index in [0, 10)" --workload "$d"
d=$(bundle notbin "
m = onnx.load('model.onnx'); g = m.graph
[g.node.remove(n) for n in list(g.node[:3])]; g.node[0].input[0] = g.input[0].name; onnx.save(m, 'model.onnx')
x = np.random.default_rng(1).random((100, 1, 28, 28), dtype=np.float32); save(nh.from_array(x), 'test_data_set_0/input_0.pb')")
case_ "real-valued input fed straight to a binary layer" "neither binary" --workload "$d"
d=$(bundle huge "
import glob, os, shutil
[shutil.rmtree(p) for p in glob.glob('test_data_set_*')]; os.makedirs('test_data_set_0')
save(nh.from_array(np.ones((100, 1, 64, 64), np.float32)), 'test_data_set_0/input_0.pb')
save(nh.from_array(np.zeros((100, 1, 64, 64), np.float32)), 'test_data_set_0/output_0.pb')
# 1 -> 100000 -> 1 channels: a 409.6M-element intermediate per sample.
w1 = nh.from_array(np.ones((100000, 1, 1, 1), np.float32), 'w1'); w2 = nh.from_array(np.ones((1, 100000, 1, 1), np.float32), 'w2')
zero = nh.from_array(np.zeros((), np.float32), 'zero')
nodes = [oh.make_node('Conv', ['x', 'w1'], ['a'], name='wide'), oh.make_node('GreaterOrEqual', ['a', 'zero'], ['b']),
         oh.make_node('Cast', ['b'], ['c'], to=TP.FLOAT), oh.make_node('Conv', ['c', 'w2'], ['y'], name='narrow')]
g = oh.make_graph(nodes, 'g', [oh.make_tensor_value_info('x', TP.FLOAT, ['N', 1, 64, 64])], [oh.make_tensor_value_info('y', TP.FLOAT, ['N', 1, 64, 64])], [w1, w2, zero])
onnx.save(oh.make_model(g, opset_imports=[oh.make_opsetid('', 13)]), 'model.onnx')")
case_ "a run that needs more memory than the machine has" "GiB of memory, but" --workload "$d"
mkdir -p "$work/mine" && echo keep > "$work/mine/notes.txt"
n=$((n + 1)); msg=$("$cimsim" run --quiet --out "$work/mine" 2>&1); rc=$?
[[ $rc -eq 2 && $msg == *"holds no cimsim results"* && -f $work/mine/notes.txt ]] || { echo "FAILED: foreign --out: $rc $msg" >&2; failed=$((failed + 1)); }
[[ $markdown == --markdown ]] && printf '| `--out` names a folder of other files | `%s` |\n' "${msg//$work\//}"

# Re-pricing: only price-only keys, and only a run folder.
"$cimsim" run --quiet --out "$work/run" || { echo "FAILED: the default run" >&2; failed=$((failed + 1)); }
reprice_case() {  # description expected-fragment args...
  local what=$1 want=$2
  shift 2
  n=$((n + 1))
  local msg rc
  msg=$("$cimsim" reprice "$@" --out "$work/repriced$n" 2>&1)
  rc=$?
  msg=${msg//$work\//}
  if [[ $rc -ne 2 || $msg != *"$want"* || -e $work/repriced$n ]]; then
    echo "FAILED: $what: exit $rc, message: $msg" >&2
    failed=$((failed + 1))
  fi
  [[ $markdown == --markdown ]] && printf '| %s | `%s` |\n' "$what" "${msg//|/\\|}"
}
reprice_case "reprice: a key that changes timing, not prices" "changes the run's timing" "$work/run" --set arch.clock_mhz=400
reprice_case "reprice: a folder that is not a run" "no report.json" "$work/mine"

echo "$n bad inputs, $failed failed" >&2
[[ $failed -eq 0 ]]
