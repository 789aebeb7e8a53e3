#!/bin/sh
# setup.sh - installs apsim's build and run dependencies from Debian's archive.
# Runs apt-get directly as root, through sudo otherwise. Open MPI (openmpi-bin,
# libopenmpi-dev) is optional to the build: without it apsim builds and runs serially
# (docs/PARALLEL.md). nodejs and npm run `make ort-check` (onnxruntime-node from npm, docs/ONNX.md).
set -eu
PKGS="build-essential pkg-config libgsl-dev libyaml-dev check gnuplot-nox zlib1g-dev \
      libonnx-dev libonnx-testdata protobuf-c-compiler libprotobuf-c-dev dataset-fashion-mnist pmccabe \
      openmpi-bin libopenmpi-dev nodejs npm"
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi
echo "setup: dependencies present:$PKGS"
