#!/usr/bin/env bash
# Installs every Debian 12 package Kuaguan needs to build, test, run and benchmark.
# Non-interactive and idempotent; run as root (or through sudo) on a bare Debian 12.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  librocksdb-dev
  libbotan-2-dev
  libxapian-dev
  libvips-dev
  libtesseract-dev tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-chi-sim-vert
  tesseract-ocr-chi-tra tesseract-ocr-eng
  libabsl-dev
  catch2
  libtomlplusplus-dev
  libopencc-dev opencc
  libcairo2-dev libpango1.0-dev fonts-noto-cjk libqrencode-dev
  libsqlite3-dev zlib1g-dev
  softhsm2 p11-kit
  clang-14 libclang-rt-14-dev lld-14
  openssl python3 python3-grpcio python3-protobuf
  poppler-utils qpdf
  prometheus-cpp-dev libcivetweb-dev libsystemd-dev chromium
  systemd
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
echo "install-deps: installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
