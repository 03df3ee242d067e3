#!/usr/bin/env bash
# Installs the system packages Tochka needs to build and test on Debian/Ubuntu,
# and only those that are missing. Called by `make run` and `make test`.
#   scripts/setup.sh          build packages (cgo toolchain, libusb, GL/X11 headers)
#   scripts/setup.sh test     the same, plus the tools the tests use
set -euo pipefail

build_pkgs=(gcc libc6-dev pkg-config libusb-1.0-0-dev libgl1-mesa-dev libx11-dev
  libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev)
test_pkgs=()

want=("${build_pkgs[@]}")
if [ "${1:-}" = test ]; then want+=("${test_pkgs[@]}"); fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing missing system packages: ${missing[*]}"
  if ! command -v apt-get >/dev/null; then
    echo "setup: apt-get not found; install these packages with your system's package manager" >&2
    exit 1
  fi
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null; then sudo="sudo"; else
      echo "setup: not root and no sudo: run as root: apt-get install ${missing[*]}" >&2
      exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v go >/dev/null; then
  echo "setup: Go is not on PATH. Install Go 1.26 (https://go.dev/doc/install) into /usr/local/go." >&2
  exit 1
fi
