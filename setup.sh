#!/bin/sh
# setup.sh - installs apsim's build and run dependencies from Debian's archive.
# Runs apt-get directly as root, through sudo otherwise. Open MPI (openmpi-bin,
# libopenmpi-dev) is optional to the build: without it apsim builds and runs serially
# (docs/PARALLEL.md). nodejs and npm run `make ort-check` (onnxruntime-node from npm, docs/ONNX.md).
set -eu
PKGS="build-essential pkg-config libgsl-dev libyaml-dev check gnuplot-nox zlib1g-dev libjansson-dev \
      libonnx-dev libonnx-testdata protobuf-c-compiler libprotobuf-c-dev dataset-fashion-mnist pmccabe \
      openmpi-bin libopenmpi-dev"
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi
# Node.js and npm only for `make ort-check`: skipped when `node` and `npm` already run (e.g. a
# NodeSource nodejs, which bundles npm and conflicts with Debian's npm package); a failed
# install leaves ort-check to say SKIPPED rather than stopping the setup.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    [ -n "$missing" ] || $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm ||
        echo "setup: nodejs/npm not installed: make ort-check will say SKIPPED"
fi
echo "setup: dependencies present:$PKGS; node $(node --version 2>/dev/null || echo missing), npm $(npm --version 2>/dev/null || echo missing)"
