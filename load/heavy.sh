#!/usr/bin/env bash
# The production recipe under the heaviest traffic, on 127.0.0.1 only: nginx (deploy/nginx) in front of two
# gunicorn upstreams (1 worker each, gunicorn.conf.py), optionally sharing a Redis cache, and load/heavy.py's
# clients on whole-table CSV/JSON exports and the migration map callback. Bounded in clients, requests and time.
#
#   bash load/heavy.sh                                   # 200 clients, at most 10 requests each, at most 20 s
#   bash load/heavy.sh --clients 50 --seconds 10 --requests 6
#   bash load/heavy.sh --redis                           # the two upstreams share a redis-server cache
#   bash load/heavy.sh --direct                          # no nginx: the clients hit one gunicorn (2 workers)
#   bash load/heavy.sh --rounds 2                        # run twice on the same servers: cold, then warm
#
# Exits non-zero on any failed request or a p95 over 5 s. Logs: load/out/heavy-*.
set -euo pipefail
cd "$(dirname "$0")/.."

CLIENTS=200
SECONDS_=20
REQUESTS=10
REDIS=0
DIRECT=0
ROUNDS=1
while [ $# -gt 0 ]; do
  case "$1" in
    --clients) CLIENTS="$2"; shift 2 ;;
    --seconds) SECONDS_="$2"; shift 2 ;;
    --requests) REQUESTS="$2"; shift 2 ;;
    --redis) REDIS=1; shift ;;
    --direct) DIRECT=1; shift ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
PY="${PYTHON:-python}"
OUT=load/out
mkdir -p "$OUT"
WORK="$(mktemp -d)"
mkdir -p "$WORK/data"  # empty: every table comes from the bundled snapshot
free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PIDS=()
stop() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap stop EXIT

ENV=(HUMDASH_DATA_DIR="$WORK/data" HUMDASH_TRUSTED_PROXIES=1)
if [ "$REDIS" = 1 ]; then
  RPORT="$(free_port)"
  redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" > "$OUT/heavy-redis.log" 2>&1 &
  PIDS+=($!)
  ENV+=(HUMDASH_CACHE_URL="redis://127.0.0.1:$RPORT/0" HUMDASH_RATELIMIT_STORAGE_URL="redis://127.0.0.1:$RPORT/1")
fi
# One address sends everything here, so the per-address limits are raised for the run (nginx: --conn-per-ip,
# the app: HUMDASH_RATELIMIT); each is tested on its own in tests/dashboard/web/test_overload.py and tests/dashboard/web/test_http_caching.py.
ENV+=(HUMDASH_RATELIMIT="${HUMDASH_RATELIMIT:-off}")

UPSTREAMS=()
if [ "$DIRECT" = 1 ]; then GROUPS_=(2); else GROUPS_=(1 1); fi
for workers in "${GROUPS_[@]}"; do
  port="$(free_port)"
  env "${ENV[@]}" "$PY" -m gunicorn dashboard.wsgi:server -w "$workers" -b "127.0.0.1:$port" --log-level warning \
    >> "$OUT/heavy-gunicorn.log" 2>&1 &
  PIDS+=($!)
  UPSTREAMS+=("127.0.0.1:$port")
done
for up in "${UPSTREAMS[@]}"; do
  for _ in $(seq 1 240); do
    "$PY" -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=5)" "http://$up/api/tables" \
      >/dev/null 2>&1 && break
    sleep 0.5
  done
done

if [ "$DIRECT" = 1 ]; then
  BASE="http://${UPSTREAMS[0]}"
else
  NPORT="$(free_port)"
  ARGS=()
  for up in "${UPSTREAMS[@]}"; do ARGS+=(--upstream "$up"); done
  "$PY" deploy/nginx/render.py --standalone "$WORK/nginx" --listen "127.0.0.1:$NPORT" "${ARGS[@]}" \
    --conn-per-ip 1024 >/dev/null
  NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
  "$NGINX" -p "$WORK/nginx" -c nginx.conf -e "$WORK/nginx/error.log" -g 'daemon off;' > "$OUT/heavy-nginx.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 50); do
    "$PY" -c "import socket, sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1)" "$NPORT" \
      >/dev/null 2>&1 && break
    sleep 0.1
  done
  BASE="http://127.0.0.1:$NPORT"
fi
echo "== heavy: $CLIENTS clients x at most $REQUESTS requests, at most ${SECONDS_} s, via $BASE" \
     "($([ "$DIRECT" = 1 ] && echo "gunicorn -w 2 directly" || echo "nginx -> 2 gunicorn upstreams, 1 worker each")" \
     "$([ "$REDIS" = 1 ] && echo ", shared Redis cache")); load average $(cut -d' ' -f1 /proc/loadavg) =="
case "$ROUNDS" in 1|2|3) ;; *) echo "--rounds: 1 to 3" >&2; exit 2 ;; esac
RC=0
for round in $(seq 1 "$ROUNDS"); do
  [ "$ROUNDS" -gt 1 ] && echo "-- round $round of $ROUNDS ($([ "$round" = 1 ] && echo cold || echo warm)), load average $(cut -d' ' -f1 /proc/loadavg)"
  "$PY" -m load.heavy --base "$BASE" --clients "$CLIENTS" --seconds "$SECONDS_" --requests "$REQUESTS" || RC=1
done
exit "$RC"
