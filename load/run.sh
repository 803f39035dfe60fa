#!/usr/bin/env bash
# Load test on loopback: gunicorn (2 workers, the settings of gunicorn.conf.py) serving the bundled
# snapshot, locust (headless, in its own virtualenv load/.venv, never in the main environment) mixing
# page loads, Dash filter callbacks, /api queries and CSV downloads. Prints requests/s, p50/p95,
# failures and each worker's RSS; exits non-zero on ANY failed request.
#
#   bash load/run.sh                          # 50 users for 60 s
#   bash load/run.sh --users 20 --seconds 15  # the short run CI uses
#
# Options: --users N (50), --seconds T (60), --spawn-rate R (users/5 per s, at least 1),
#          --workers W (2), --worker-class K and --threads T (default: gunicorn.conf.py's, i.e. gthread
#          with 4 threads; `--worker-class sync` compares with plain sync workers), --port P (a free port).
#          Output: load/out/ (stats CSVs, logs).
# gunicorn runs with the current `python` (the project's environment); locust with load/.venv.
set -euo pipefail
cd "$(dirname "$0")/.."

USERS=50
SECONDS_=60
WORKERS=2
CLASS=""
THREADS=""
PORT=""
RATE=""
while [ $# -gt 0 ]; do
  case "$1" in
    --users) USERS="$2"; shift 2 ;;
    --seconds) SECONDS_="$2"; shift 2 ;;
    --spawn-rate) RATE="$2"; shift 2 ;;
    --workers) WORKERS="$2"; shift 2 ;;
    --worker-class) CLASS="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --port) PORT="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
for n in "$USERS" "$SECONDS_" "$WORKERS" "${THREADS:-1}"; do
  case "$n" in ''|*[!0-9]*) echo "--users, --seconds, --workers and --threads take whole numbers" >&2; exit 2 ;; esac
done
[ "$USERS" -ge 1 ] && [ "$USERS" -le 500 ] || { echo "--users: 1 to 500" >&2; exit 2; }
[ "$SECONDS_" -ge 5 ] && [ "$SECONDS_" -le 1800 ] || { echo "--seconds: 5 to 1800" >&2; exit 2; }
RATE="${RATE:-$(( USERS / 5 > 0 ? USERS / 5 : 1 ))}"
PY="${PYTHON:-python}"
OUT=load/out
mkdir -p "$OUT"

# locust in its own virtualenv: it conflicts with the main environment (see TOOLCHAIN.md)
VENV=load/.venv
if ! "$VENV/bin/python" -c "import locust" >/dev/null 2>&1; then
  echo "creating $VENV with locust ..."
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "locust>=2.20,<3"
fi

PORT="${PORT:-$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
BASE="http://127.0.0.1:$PORT"
DATA_DIR="$(mktemp -d)"  # empty: every table comes from the bundled snapshot

# gunicorn reads ./gunicorn.conf.py (the deployment's settings); --worker-class/--threads override it
KIND=()
[ -n "$CLASS" ] && KIND+=(--worker-class "$CLASS")
[ -n "$THREADS" ] && KIND+=(--threads "$THREADS")
CONF="$("$PY" -c 'import runpy; c = runpy.run_path("gunicorn.conf.py"); print(c.get("worker_class", "sync"), c.get("threads", 1))' \
  2>/dev/null || echo "sync 1")"
CLASS="${CLASS:-${CONF% *}}"; THREADS="${THREADS:-${CONF#* }}"
if [ "$CLASS" = "gthread" ]; then KIND_TEXT="gthread workers, $THREADS threads each"; else KIND_TEXT="$CLASS workers"; fi
HUMDASH_DATA_DIR="$DATA_DIR" "$PY" -m gunicorn dashboard.wsgi:server -w "$WORKERS" "${KIND[@]}" -b "127.0.0.1:$PORT" \
  --log-level warning --error-logfile "$OUT/gunicorn.log" &
MASTER=$!
stop() {
  if kill -0 "$MASTER" 2>/dev/null; then
    kill -TERM "$MASTER" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$MASTER" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$MASTER" 2>/dev/null || true
  fi
  rm -rf "$DATA_DIR"
}
trap stop EXIT

for _ in $(seq 1 120); do
  if "$PY" -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=5)" "$BASE/api/tables" \
      >/dev/null 2>&1; then break; fi
  kill -0 "$MASTER" 2>/dev/null || { echo "gunicorn exited; see $OUT/gunicorn.log" >&2; exit 1; }
  sleep 0.5
done
workers() { ps -o pid= --ppid "$MASTER" | tr -d ' '; }
echo "gunicorn (master $MASTER, workers $(workers | tr '\n' ' ')) on $BASE: $USERS users for ${SECONDS_}s"
LOAD_BEFORE="$(cut -d' ' -f1 /proc/loadavg)"

# RSS of each worker every second while locust runs (peak and last are reported)
: > "$OUT/rss.log"
( while kill -0 "$MASTER" 2>/dev/null; do
    for pid in $(workers); do
      rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
      [ -n "$rss" ] && echo "$pid $rss" >> "$OUT/rss.log"
    done
    sleep 1
  done ) &
SAMPLER=$!

set +e
TIMEFORMAT='%U %S'
{ time "$VENV/bin/locust" -f load/locustfile.py --headless -u "$USERS" -r "$RATE" -t "${SECONDS_}s" --host "$BASE" \
    --csv "$OUT/run" --only-summary --stop-timeout 10 --exit-code-on-error 1 > "$OUT/locust.log" 2>&1 ; } \
  2> "$OUT/locust.cpu"
LOCUST_RC=$?
set -e
kill "$SAMPLER" 2>/dev/null || true
wait "$SAMPLER" 2>/dev/null || true
WORKER_PIDS="$(workers | tr '\n' ' ')"
LOAD_AFTER="$(cut -d' ' -f1 /proc/loadavg)"
TICKS="$(getconf CLK_TCK)"
for pid in $WORKER_PIDS; do
  cpu=$(awk -v t="$TICKS" '{printf "%.1f", ($14 + $15) / t}' "/proc/$pid/stat")
  echo "final $pid $(awk '/^VmRSS/ {print $2}' "/proc/$pid/status") $(awk '/^VmHWM/ {print $2}' "/proc/$pid/status") $cpu" \
    >> "$OUT/rss.log"
done

"$PY" - "$OUT" "$LOCUST_RC" "$USERS" "$SECONDS_" "$WORKERS" "$LOAD_BEFORE" "$LOAD_AFTER" "$KIND_TEXT" <<'EOF'
import csv, os, sys
from collections import defaultdict
out, rc, users, seconds, workers, load_before, load_after, kind = sys.argv[1:9]
rc = int(rc)
rows = list(csv.DictReader(open(f"{out}/run_stats.csv")))
total = next(r for r in rows if r["Name"] == "Aggregated")
failures = int(total["Failure Count"])
print(f"\n== load: {users} users, {seconds} s, gunicorn -w {workers} ({kind}) on 127.0.0.1 (bundled snapshot), "
      f"{os.cpu_count()} CPUs shared with locust ==")
print(f"requests      {total['Request Count']}  ({float(total['Requests/s']):.1f} requests/s)")
print(f"latency       p50 {total['50%']} ms, p95 {total['95%']} ms, p99 {total['99%']} ms, max {float(total['Max Response Time']):.0f} ms")
print(f"failures      {failures}")
print("by kind       (requests, p50 ms, p95 ms, failures)")
for r in sorted(rows, key=lambda r: -int(r["Request Count"])):
    if r["Name"] != "Aggregated":
        print(f"  {r['Type']:5} {r['Name'][:58]:58} {r['Request Count']:>6} {r['50%']:>6} {r['95%']:>6} {r['Failure Count']:>4}")
peak, last = defaultdict(int), {}
for line in open(f"{out}/rss.log"):
    parts = line.split()
    if parts[0] == "final":
        last[parts[1]] = (int(parts[2]), int(parts[3]), float(parts[4]))
    else:
        peak[parts[0]] = max(peak[parts[0]], int(parts[1]))
for pid in sorted(set(peak) | set(last)):
    now, hwm, cpu = last.get(pid, (0, 0, 0.0))
    print(f"worker {pid:>7}  RSS {now / 1024:.0f} MiB at the end, peak {max(hwm, peak[pid]) / 1024:.0f} MiB, "
          f"CPU {cpu:.0f} s")
print(f"machine load  {load_before} before, {load_after} after (1-minute load average; other work shares the CPUs)")
try:
    user, system = open(f"{out}/locust.cpu").read().split()[-2:]
    print(f"locust        CPU {float(user) + float(system):.0f} s (load generator on the same machine)")
except (OSError, ValueError):
    pass
failed = [r for r in csv.DictReader(open(f"{out}/run_failures.csv"))] if failures else []
for r in failed[:10]:
    print(f"FAILED {r['Method']} {r['Name']}: {r['Error'][:200]} (x{r['Occurrences']})")
if failures or rc != 0:
    print(f"load test FAILED (failures {failures}, locust exit {rc}; see {out}/locust.log)")
    sys.exit(1)
print("load test passed: no failed request")
EOF
