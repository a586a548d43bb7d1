#!/usr/bin/env bash
# Installs what cimsim needs from Debian packages (only those missing), builds it in Release and
# runs the default workload. Idempotent: a second run installs nothing and rebuilds nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build pkg-config
  libsystemc-dev libonnx-dev libprotobuf-dev protobuf-compiler libyaml-cpp-dev libfmt-dev
  libboost-program-options-dev nlohmann-json3-dev catch2
  python3-torch python3-torchvision python3-onnx python3-numpy python3-yaml dataset-fashion-mnist ngspice
  clang libclang-rt-14-dev chromium slurm-wlm munge
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: missing Debian packages: ${missing[*]}; run this script as root to install them" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2
./build/cimsim run --out cimsim-out
