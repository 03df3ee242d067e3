#!/usr/bin/env bash
# Makes the ledger files the upgrade tests open: the same walk through both
# programs (pooling and a plain family link, a replaced card, redemptions
# claimed, cancelled and left open, returns, payment with points, a return
# that leaves a debt), run by tochkactl as built at COMMIT.
#
#   make.sh COMMIT NAME     writes NAME-coop.db and NAME-bonus.db here
#
# v0.1.0-*.db were made at b218fbb (release v0.1.0); dev-2be0aa7-coop.db at
# 2be0aa7, a development build before v0.1.0 whose migration 0002 was later
# edited; s16-39f146a-*.db and s17-f7f8d39-*.db at the builds that landed
# migrations 0017 and 0019 as first written, and as amended after;
# s18-4492a75-*.db at the last build before migration 0021 (audit_changes).
# The files are committed: they are what those builds wrote.
set -euo pipefail
commit=$1 name=$2
here=$(cd "$(dirname "$0")" && pwd)
repo=$(git -C "$here" rev-parse --show-toplevel)
work=$(mktemp -d)
trap 'git -C "$repo" worktree remove --force "$work/src" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
git -C "$repo" worktree add --detach "$work/src" "$commit" >/dev/null
(cd "$work/src" && go build -o "$work/tochkactl" ./cmd/tochkactl)
ctl() { "$work/tochkactl" --device fixture "$@"; }
# Builds after v0.1.0 want the customer's consent beside a name or a phone.
consent=()
if "$work/tochkactl" card issue --help 2>&1 | grep -q -- --consent; then consent=(--consent); fi

receipt() { # id store card time lines [pay]
  local pay=""; [ -n "${6:-}" ] && pay=",\"pay_with_points\":$6"
  printf '{"id":"%s","store":"%s","card":"%s","time":"%s","lines":[%s]%s}' "$1" "$2" "$3" "$4" "$5" "$pay" | ctl receipt post - >/dev/null
}

export TOCHKA_DB="$work/coop.db"
ctl init --program coop --at 2026-11-01T08:00:00Z >/dev/null
# Builds after v0.1.0 keep cooperatives and stores, which a board item names.
if "$work/tochkactl" coop add --help >/dev/null 2>&1; then
  ctl coop add --id koop-sofia --name-bg 'КООП София' --at 2026-11-01T08:00:00Z >/dev/null
  ctl store add --id sofia-1 --coop koop-sofia --name-bg 'КООП Център' --at 2026-11-01T08:00:00Z >/dev/null
  ctl store add --id sofia-2 --coop koop-sofia --name-bg 'КООП Лозенец' --at 2026-11-01T08:00:00Z >/dev/null
fi
ctl card issue "${consent[@]}" --member --name 'Мария Петрова' --number 2900000000018 --at 2026-11-01T08:00:00Z >/dev/null
ctl card issue --number 2900000000025 --at 2026-11-01T08:00:00Z >/dev/null
ctl card issue --number 2900000000032 --at 2026-11-01T08:00:00Z >/dev/null
ctl card issue --number 2900000000049 --at 2026-11-01T08:00:00Z >/dev/null
ctl card link 2900000000025 --to 2900000000018 --pool --at 2026-11-01T09:00:00Z >/dev/null
ctl card link 2900000000032 --to 2900000000018 --at 2026-11-01T09:00:00Z >/dev/null
receipt C-1 sofia-1 2900000000018 2026-11-03T09:00:00Z '{"sku":"bread","qty":2,"amount":300},{"sku":"koop-oil","qty":1,"amount":450,"own_brand":true},{"sku":"coffee","qty":1,"amount":7500}'
receipt C-2 sofia-1 2900000000025 2026-11-03T10:00:00Z '{"sku":"cheese","qty":1,"amount":2500}'
receipt C-3 sofia-1 2900000000032 2026-11-03T11:00:00Z '{"sku":"milk","qty":4,"amount":800}'
receipt C-4 sofia-2 2900000000049 2026-11-03T12:00:00Z '{"sku":"wine","qty":2,"amount":2400}'
ctl board add --id oil-1l --coop koop-sofia --points 50 --name-bg 'Олио КООП 1 л' --name-en 'KOOP oil 1 l' --stock 20 --at 2026-11-03T08:00:00Z >/dev/null
ctl board add --id mug --coop koop-sofia --store sofia-1 --points 20 --name-bg 'Чаша' --at 2026-11-03T08:00:00Z >/dev/null
code=$(ctl redeem 2900000000018 oil-1l --store sofia-1 --at 2026-11-04T10:00:00Z)
ctl voucher claim "$code" --at 2026-11-04T10:05:00Z >/dev/null
code=$(ctl redeem 2900000000018 mug --store sofia-1 --at 2026-11-04T10:10:00Z)
ctl voucher cancel "$code" --at 2026-11-04T10:15:00Z >/dev/null
ctl redeem 2900000000049 mug --store sofia-1 --at 2026-11-04T11:00:00Z >/dev/null
ctl redeem 2900000000018 mug --store sofia-1 --at 2026-11-04T11:30:00Z >/dev/null
echo '{"id":"CR-1","receipt":"C-1","time":"2026-11-05T09:00:00Z","lines":[{"sku":"coffee","qty":1}]}' | ctl receipt return - >/dev/null
ctl card replace 2900000000049 --at 2026-11-06T09:00:00Z >/dev/null
# Builds that keep staff members: one with a staff card.
if "$work/tochkactl" staff add --help >/dev/null 2>&1; then
  echo 482913 | ctl staff add --name 'Ивана Петрова' --number 4711 --store sofia-1 --role staff --pin-file - --card 2100000047116 >/dev/null
fi
ctl check >/dev/null

export TOCHKA_DB="$work/bonus.db"
ctl init --program bonus --at 2026-11-01T08:00:00Z >/dev/null
ctl card issue "${consent[@]}" --phone '+7 900 123-45-67' --name 'Иван' --number 2700000000014 --at 2026-11-01T12:00:00Z >/dev/null
ctl card issue "${consent[@]}" --phone '+7 900 765-43-21' --number 2700000000021 --at 2026-11-01T12:00:00Z >/dev/null
receipt M-1 moscow-7 2700000000014 2026-11-02T10:00:00Z '{"sku":"phone-a55","qty":1,"amount":2499000,"bonus":1000},{"sku":"case","qty":1,"amount":99000,"bonus":50},{"sku":"setup","qty":1,"amount":149000,"bonus":100,"service":true}'
receipt M-2 moscow-7 2700000000014 2026-11-20T10:00:00Z '{"sku":"tv-55","qty":1,"amount":5999000,"bonus":2000},{"sku":"hdmi","qty":1,"amount":99000,"bonus":50}' 1500
echo '{"id":"MR-1","receipt":"M-2","time":"2026-11-22T10:00:00Z","lines":[{"sku":"hdmi","qty":1}]}' | ctl receipt return - >/dev/null
receipt M-3 moscow-7 2700000000021 2026-11-02T11:00:00Z '{"sku":"charger","qty":1,"amount":199000,"bonus":200}'
receipt M-4 moscow-7 2700000000021 2026-11-18T11:00:00Z '{"sku":"cable","qty":2,"amount":299000,"bonus":30}' 700
echo '{"id":"MR-2","receipt":"M-3","time":"2026-11-19T11:00:00Z","lines":[{"sku":"charger","qty":1}]}' | ctl receipt return - >/dev/null
ctl card replace 2700000000021 --at 2026-11-20T09:00:00Z >/dev/null
ctl check >/dev/null

cp "$work/coop.db" "$here/$name-coop.db"
cp "$work/bonus.db" "$here/$name-bonus.db"
echo "wrote $here/$name-coop.db and $here/$name-bonus.db"
