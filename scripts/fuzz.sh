#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (AddressSanitizer + UndefinedBehaviorSanitizer) and runs
# each for SECONDS (default 60) on a seed corpus of real files: the shipped configs, ONNX models
# (the default model, the generated fixtures and the zoo's networks) and sample tensors. A crash, hang, out-of-memory
# or unexpected exception fails the script; the input is left in build-fuzz/artifacts/TARGET/.
# To keep it as a regression test, copy it into tests/fuzz/regressions/TARGET_DIR/ (config, onnx
# or tensor) and fix the bug: tests/test_fuzz_regressions.cpp replays every file there.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
build=build-fuzz
CC=clang CXX=clang++ cmake -S . -B $build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCIMSIM_FUZZ=ON >/dev/null
cmake --build $build -j2

corpus=$build/corpus
rm -rf "$corpus" && mkdir -p "$corpus"/{config,onnx_model,tensor}
cp configs/*.yaml configs/arch/*.yaml configs/tech/*.yaml tests/fuzz/regressions/config/* "$corpus/config/" 2>/dev/null || true
/usr/bin/python3 tests/fixtures/gen_fixtures.py "$build/fixtures" >/dev/null
/usr/bin/python3 tests/zoo/gen_zoo.py "$build/zoo" >/dev/null 2>&1  # PyTorch's graph plumbing, folded or not
i=0
for m in models/*/model.onnx "$build"/fixtures/*/model.onnx "$build"/zoo/*/model.onnx tests/fuzz/regressions/onnx/*; do
  [[ -f $m && $(basename "$m") != README.md ]] && cp "$m" "$corpus/onnx_model/seed$((i++))"
done
for t in models/*/test_data_set_0/*.pb "$build"/fixtures/*/test_data_set_0/*.pb tests/fuzz/regressions/tensor/*; do
  [[ -f $t && $(basename "$t") != README.md ]] && cp "$t" "$corpus/tensor/seed$((i++))"
done

status=0
for target in config onnx_model tensor; do
  mkdir -p $build/artifacts/$target
  echo "fuzz_$target: ${seconds} s"
  if ! ASAN_OPTIONS=detect_leaks=1 $build/fuzz_$target "$corpus/$target" -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 -max_len=2000000 -print_final_stats=1 -artifact_prefix=$build/artifacts/$target/ \
      > $build/fuzz_$target.log 2>&1; then
    echo "fuzz_$target FAILED; see $build/fuzz_$target.log and $build/artifacts/$target/" >&2
    tail -30 $build/fuzz_$target.log >&2
    status=1
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb|cov:" $build/fuzz_$target.log | tail -3
done
exit $status
