#!/usr/bin/env bash
# End-to-end bench: import N accounts from CSV into the demo tenant on SQLite, then re-run the
# assignment engine over all of them (applied), each timed with peak RSS by /usr/bin/time -v.
# Baseline in the same run: sqlite3's own `.import` of the same file into a bare table (no
# validation, no placement, no audit) — the floor of what loading these bytes costs.
#
#   bash benches/import_and_assign.sh [N=1000000]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
WORK=$(mktemp -d /tmp/terrane-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cargo build --release -q -p terrane-api
BIN=target/release/terrane
DB="sqlite://$WORK/bench.db"

python3 benches/accounts_csv.py "$N" > "$WORK/accounts.csv"
echo "accounts: $N rows, $(du -h "$WORK/accounts.csv" | cut -f1)"

# The demo tenant (60 leaf territories with boundaries) seeded by the server itself.
"$BIN" serve --demo --database-url "$DB" --listen 127.0.0.1:0 > "$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 600); do grep -q "Demo tenant ready" "$WORK/serve.log" && break; sleep 0.2; done
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
grep -q "Demo tenant ready" "$WORK/serve.log" || { echo "demo seeding did not finish" >&2; exit 1; }

measure() { # label, command...
  local label=$1; shift
  /usr/bin/time -v "$@" > "$WORK/out" 2> "$WORK/time" || { cat "$WORK/out" "$WORK/time"; exit 1; }
  local secs rss
  secs=$(grep "Elapsed (wall clock)" "$WORK/time" | awk '{print $NF}' | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  rss=$(grep "Maximum resident set size" "$WORK/time" | awk '{print $NF}')
  printf '%-28s %8.1f s   peak RSS %6.0f MiB   %s\n' "$label" "$secs" "$((rss / 1024))" "$(tail -n 1 "$WORK/out")"
  echo "$secs" > "$WORK/$label.secs"
}

measure baseline-sqlite3-import sqlite3 "$WORK/baseline.db" ".mode csv" ".import $WORK/accounts.csv raw" "select count(*) from raw;"
measure terrane-import "$BIN" import accounts --tenant demo "$WORK/accounts.csv" --database-url "$DB"
# A rule arrives after the import (ENTERPRISE accounts to the Pacific region), so the re-run
# has real work: about a tenth of the accounts move. Created through the API like a user would.
"$BIN" serve --database-url "$DB" --listen 127.0.0.1:18777 >/dev/null 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18777/healthz >/dev/null && break; sleep 0.2; done
python3 - <<'PY'
import json, urllib.request
def gql(query, token=None):
    headers = {"content-type": "application/json", **({"authorization": "Bearer " + token} if token else {})}
    request = urllib.request.Request("http://127.0.0.1:18777/graphql", json.dumps({"query": query}).encode(), headers)
    return json.load(urllib.request.urlopen(request))["data"]
token = gql('mutation { logIn(input: {tenantSlug: "demo", email: "admin@demo.terrane.dev", password: "terrane-demo-2026"}) { token } }')["logIn"]["token"]
pac = gql('{ territories(first: 1, search: "US-PAC") { edges { node { id } } } }', token)["territories"]["edges"][0]["node"]["id"]
rule = gql('mutation { createAssignmentRule(input: {territoryId: "%s", name: "Enterprise", priority: 1, '
           'criteria: [{field: "segment", op: EQ, value: "ENTERPRISE"}]}) { rule { id } userErrors { code } } }' % pac, token)
assert rule["createAssignmentRule"]["userErrors"] == [], rule
PY
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
measure terrane-run-assignment "$BIN" run-assignment --tenant demo --apply --database-url "$DB"
base=$(cat "$WORK/baseline-sqlite3-import.secs"); imp=$(cat "$WORK/terrane-import.secs")
awk -v b="$base" -v i="$imp" 'BEGIN { printf "terrane import / sqlite3 .import: %.1fx\n", i / b }'
