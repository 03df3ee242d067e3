#!/usr/bin/env bash
# Makes v0.1.0-pictures.db, the ledger the picture upgrade test opens: a
# coop board whose rewards name their pictures by file path, as v0.1.0
# stored them, run by tochkactl as built at COMMIT (b218fbb, v0.1.0).
#
#   make-pictures.sh COMMIT NAME     writes NAME-pictures.db here
#
# oil-1l and tea name oil.png (this folder's), by a path relative to the
# folder tochkactl ran in; mug names gone.jpg, removed once it was added,
# as a picture that no longer exists. The file is committed: it is what
# that build wrote.
set -euo pipefail
commit=$1 name=$2
here=$(cd "$(dirname "$0")" && pwd)
repo=$(git -C "$here" rev-parse --show-toplevel)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/src" "$work/run"
git -C "$repo" archive "$commit" | tar -x -C "$work/src"
(cd "$work/src" && go build -o "$work/tochkactl" ./cmd/tochkactl)
ctl() { "$work/tochkactl" --device fixture "$@"; }

cd "$work/run"
cp "$here/oil.png" oil.png
: > gone.jpg
export TOCHKA_DB="$work/run/pictures.db"
ctl init --program coop --at 2026-11-01T08:00:00Z >/dev/null
ctl card issue --number 2900000000018 --at 2026-11-01T08:00:00Z >/dev/null
ctl board add --id oil-1l --coop koop-sofia --points 50 --name-bg 'Олио КООП 1 л' --picture oil.png --at 2026-11-03T08:00:00Z >/dev/null
ctl board add --id tea --coop koop-sofia --points 30 --name-bg 'Чай' --picture oil.png --at 2026-11-03T08:00:00Z >/dev/null
ctl board add --id mug --coop koop-sofia --store sofia-1 --points 20 --name-bg 'Чаша' --picture gone.jpg --at 2026-11-03T08:00:00Z >/dev/null
ctl board add --id pan --coop koop-sofia --points 500 --name-bg 'Тиган' --at 2026-11-03T08:00:00Z >/dev/null
rm gone.jpg
ctl check >/dev/null

cp "$work/run/pictures.db" "$here/$name-pictures.db"
echo "wrote $here/$name-pictures.db"
