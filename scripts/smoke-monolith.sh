#!/usr/bin/env bash
# The zero-setup promise: `npm start` (build included) on an empty data directory answers
# /healthz on all five ports within 30 s. Uses the seed ports, so run it when they are free.
set -euo pipefail
cd "$(dirname "$0")/.."
data=$(mktemp -d)
log=$(mktemp)
DATA_DIR="$data" npm start >"$log" 2>&1 &
pid=$!
cleanup() { kill -TERM -- "$pid" 2>/dev/null || true; pkill -TERM -f "dist/apps/monolith/apps/monolith/src/main.js" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT
t0=$(date +%s%N)
for _ in $(seq 1 300); do
  ok=0
  for port in 8080 8081 8082 8083 8084; do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && ok=$((ok + 1)); done
  [ "$ok" -eq 5 ] && break
  if ! kill -0 "$pid" 2>/dev/null; then cat "$log"; echo "npm start exited" >&2; exit 1; fi
  sleep 0.1
done
elapsed_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
if [ "$ok" -ne 5 ] || [ "$elapsed_ms" -gt 30000 ]; then cat "$log"; echo "only $ok/5 ports ready after ${elapsed_ms} ms" >&2; exit 1; fi
echo "all five ports ready ${elapsed_ms} ms after npm start (its build step included)"
key=$(grep -o 'pk_[A-Za-z0-9_]*' "$log" | head -1)
curl -sf -H "Authorization: Bearer $key" "http://127.0.0.1:8080/rate?base=USD&quote=IDR" >/dev/null
curl -sf "http://127.0.0.1:8082/convert?from=USD&to=IDR&amount=1" >/dev/null
curl -sf "http://127.0.0.1:8083/balance/ACC_001" >/dev/null
score=$(curl -sf -X POST http://127.0.0.1:8084/score -H "Content-Type: application/json" \
  -d '{"account":"ACC_001","amount":999.99,"currency":"USD"}')
grep -q '"decision":"APPROVE"' <<<"$score" || { echo "score: $score" >&2; exit 1; }
pay='{"id":"PAY-001","currency":"USD","amount":123.45,"source_account":"ACC_SRC_ABC","destination_account":"ACC_DST_DEF"}'
first=$(curl -sf -X POST http://127.0.0.1:8081/payments -H "Content-Type: application/json" -d "$pay")
grep -q '"status":"CAPTURED"' <<<"$first" || { echo "payment: $first" >&2; exit 1; }
replay=$(curl -sf -i -X POST http://127.0.0.1:8081/payments -H "Content-Type: application/json" -d "$pay")
grep -qi '^idempotent-replayed: true' <<<"$replay" || { echo "replay: $replay" >&2; exit 1; }
grep -q '"currency":"USD","available":"99876.55"' <<<"$(curl -sf http://127.0.0.1:8083/balance/ACC_SRC_ABC)" || {
  echo "ACC_SRC_ABC did not move by exactly 123.45 USD" >&2
  exit 1
}
echo "seed curls answered (PAY-001 captured once, replayed once)"
