#!/usr/bin/env bash
# Builds cimsim and its tests with AddressSanitizer and UndefinedBehaviorSanitizer (GCC) into
# build-asan/ and runs the whole test suite there. Any sanitizer report fails a test.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCIMSIM_SANITIZE=ON >/dev/null
cmake --build build-asan -j2
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan -j2 --output-on-failure
