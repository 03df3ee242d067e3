#!/usr/bin/env bash
# Installs the system packages Tochka needs to build and test on Debian/Ubuntu,
# and only those that are missing. Called by `make run` and `make test`.
#   scripts/setup.sh          build packages (cgo toolchain, libusb, GL/X11 headers)
#   scripts/setup.sh run      the same, plus what the kiosk's demo runs with (make run)
#   scripts/setup.sh test     the same, plus the tools the tests use
set -euo pipefail

build_pkgs=(gcc libc6-dev pkg-config libusb-1.0-0-dev libgl1-mesa-dev libx11-dev
  libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev)
# The kiosk draws with OpenGL: Mesa's software renderer where no GPU driver
# is (libgl1-mesa-dri), under Xvfb where no display is, driven by xdotool;
# the voucher it prints is read back with poppler and zbar. Its fonts are
# built in, and it runs in the C.UTF-8 locale that glibc always has.
run_pkgs=(libgl1-mesa-dri xvfb xdotool poppler-utils zbar-tools)
test_pkgs=(cups printer-driver-cups-pdf cups-client cups-bsd)

want=("${build_pkgs[@]}")
case "${1:-}" in
  run) want+=("${run_pkgs[@]}") ;;
  test) want+=("${run_pkgs[@]}" "${test_pkgs[@]}") ;;
esac

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

sudo=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing missing system packages: ${missing[*]}"
  if ! command -v apt-get >/dev/null; then
    echo "setup: apt-get not found; install these packages with your system's package manager" >&2
    exit 1
  fi
  if [ "$(id -u)" != 0 ] && [ -z "$sudo" ]; then
    echo "setup: not root and no sudo: run as root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "setup: installed ${missing[*]}"
fi

# Go itself: Debian and Ubuntu ship older releases, so when no Go 1.26 or
# newer is found, Debian's golang-go fetches the Go toolchain module from the
# Go module proxy and it is installed into /usr/local/go.
want_go=go1.26.8
go_ok() { "$1" version 2>/dev/null | grep -Eq 'go1\.(2[6-9]|[3-9][0-9])'; }
if ! { go_ok "$(command -v go || echo go)" || go_ok /usr/local/go/bin/go; }; then
  if [ -e /usr/local/go ]; then
    echo "setup: /usr/local/go holds a Go older than 1.26; move it aside and run again" >&2
    exit 1
  fi
  echo "setup: Go 1.26 not found: installing Debian's golang-go to fetch $want_go into /usr/local/go"
  $sudo apt-get install -y -qq --no-install-recommends golang-go ca-certificates
  tmp=$(mktemp -d)
  arch=$(dpkg --print-architecture)
  dir=$(cd "$tmp" && GOPATH="$tmp/gopath" GOTOOLCHAIN=local GOFLAGS=-mod=mod /usr/lib/go/bin/go mod download -json \
    "golang.org/toolchain@v0.0.1-$want_go.linux-$arch" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  if [ -z "$dir" ] || [ ! -d "$dir/bin" ]; then
    echo "setup: could not fetch $want_go for linux-$arch" >&2
    exit 1
  fi
  $sudo cp -a "$dir" /usr/local/go
  $sudo chmod -R u+w /usr/local/go
  $sudo chmod +x /usr/local/go/bin/* /usr/local/go/pkg/tool/*/*
  chmod -R u+w "$tmp" && rm -rf "$tmp"
  /usr/local/go/bin/go version
fi
