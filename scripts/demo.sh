#!/usr/bin/env bash
# A walk through tochkactl with both bundled programs, against two fresh
# SQLite files in a temp dir: what `make run` shows until the kiosk exists.
# Every change carries a fixed --at time, so the output is the same on every
# run except the voucher code, which is random by design.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "building tochkactl ..."
(cd "$repo" && go build -o "$work/tochkactl" ./cmd/tochkactl)
export PATH="$work:$PATH"
export TOCHKA_DEVICE=demo
cd "$work"

# quote writes an argument the way a shell would take it back.
quote() {
  if [[ $1 =~ ^[A-Za-z0-9_./:=+@-]+$ ]]; then printf '%s' "$1"; else printf "'%s'" "${1//\'/\'\\\'\'}"; fi
}
# show prints the command line, then runs it.
show() {
  printf '\n$ tochkactl'
  for a in "$@"; do printf ' %s' "$(quote "$a")"; done
  printf '\n'
}
t() { show "$@"; tochkactl "$@"; }
# refused runs a command the rules must refuse (exit status 1).
refused() {
  show "$@"
  local rc=0
  tochkactl "$@" 2>&1 || rc=$?
  if [ "$rc" != 1 ]; then echo "demo: expected exit status 1, got $rc" >&2; exit 1; fi
  echo "(exit status 1: refused, nothing changed)"
}
# file writes stdin to a file and shows it.
file() { cat >"$1"; printf '\n$ cat %s\n' "$1"; cat "$1"; }
section() { printf '\n\n### %s\n' "$*"; }
# note explains the next command.
note() { printf '\n# %s' "$*"; }

section "КООП: points for goods (coop.toml, EUR, Europe/Sofia) in coop.db"
export TOCHKA_DB="$work/coop.db"
t init --program coop
t coop add --id koop-sofia --name-bg 'КООП София' --name-ru 'КООП София' --name-en 'KOOP Sofia' --at 2026-11-02T08:00:00Z
t store add --id sofia-1 --coop koop-sofia --name-bg 'КООП Център' --name-en 'KOOP Centre' --address 'бул. Витоша 1, София' --at 2026-11-02T08:00:00Z
t card issue --member --name 'Мария Петрова' --consent --number 2900000000018 --at 2026-11-02T08:00:00Z
t card issue --number 2900000000025 --at 2026-11-02T08:00:00Z
file basket.json <<'EOF'
{"id":"S1-0001","store":"sofia-1","card":"2900000000018","time":"2026-11-03T09:00:00Z",
 "lines":[{"sku":"bread","qty":2,"amount":300},
          {"sku":"koop-oil","qty":1,"amount":450,"own_brand":true},
          {"sku":"coffee","qty":1,"amount":750}]}
EOF
sed -e 's/S1-0001/S1-0000/' -e 's/03T09/02T09/' basket.json >early.json
note "the same basket a day before: the card works only 24 h after it was handed over"
refused receipt post early.json
t receipt post basket.json
sed -e 's/S1-0001/S1-0002/' -e 's/2900000000018/2900000000025/' basket.json >basket2.json
note "the same basket on the ordinary card earns half: members earn twice"
t receipt post basket2.json
t balance 2900000000018 --at 2026-11-03T12:00:00Z
t board add --id oil-1l --coop koop-sofia --points 50 --name-bg 'Олио КООП 1 л' --name-en 'KOOP sunflower oil 1 l' --stock 20 --at 2026-11-03T08:00:00Z
t board list --coop koop-sofia
show redeem 2900000000018 oil-1l --store sofia-1 --at 2026-11-03T12:00:00Z
code=$(tochkactl redeem 2900000000018 oil-1l --store sofia-1 --at 2026-11-03T12:00:00Z)
echo "$code"
t voucher claim "$code" --at 2026-11-03T12:05:00Z
t history 2900000000018
t check

section "Хорошая связь: bonus as discount (bonus.toml, RUB, Europe/Moscow) in bonus.db"
export TOCHKA_DB="$work/bonus.db"
t init --program bonus
t card issue --phone '+7 900 123-45-67' --consent --number 2700000000014 --at 2026-11-02T12:00:00Z
note "the welcome bonus waits for the next Moscow midnight"
t balance 2700000000014 --at 2026-11-02T20:00:00Z
file sale.json <<'EOF'
{"id":"M-1001","store":"moscow-7","card":"2700000000014","time":"2026-11-03T10:00:00Z",
 "lines":[{"sku":"phone-a55","qty":1,"amount":2499000,"bonus":1000},
          {"sku":"headphones","qty":1,"amount":499000,"bonus":300},
          {"sku":"case","qty":1,"amount":99000,"bonus":50},
          {"sku":"setup","qty":1,"amount":149000,"bonus":100,"service":true}]}
EOF
note "positions ranked by bonus: 100 %, 150 %, then 200 %; the services count as one position"
t receipt post sale.json
note "bonuses for a purchase mature in 15 days: a minute before, and then"
t balance 2700000000014 --at 2026-11-18T09:59:00Z
t balance 2700000000014 --at 2026-11-18T10:00:00Z
file tv.json <<'EOF'
{"id":"M-1002","store":"moscow-7","card":"2700000000014","time":"2026-11-20T10:00:00Z",
 "lines":[{"sku":"tv-55","qty":1,"amount":5999000,"bonus":2000},
          {"sku":"hdmi-cable","qty":1,"amount":99000,"bonus":50}],
 "pay_with_points":3000}
EOF
note "at most 50 % of each line may be paid with bonuses"
t receipt quote tv.json
t receipt post tv.json
file return.json <<'EOF'
{"id":"RET-1","receipt":"M-1002","time":"2026-11-22T10:00:00Z","lines":[{"sku":"hdmi-cable","qty":1}]}
EOF
note "the cable comes back: its pending bonuses are cancelled, the bonuses paid on it come back"
t receipt return return.json
t balance 2700000000014 --at 2026-11-22T10:00:00Z
t check
note "what the chain owes, by store (welcome bonuses belong to none), and its value in roubles"
TOCHKA_NOW=2026-11-22T10:00:00Z t report liability   # the report of that day: the ledger's clock set to it
