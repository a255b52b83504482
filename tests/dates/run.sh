#!/usr/bin/env bash
# tests/dates/run.sh — the suites pass whatever the machine's date is (issue 9, item 1).
#
# usage: tests/dates/run.sh [HEARTH]          (default build-asan/hearth, a build with -Dtest_clock=true)
#
# Runs the API cases (tests/api/run.py), the access matrix (tests/api/access_matrix.py), the access matrix
# across the time limits (tests/api/access_time.py) and the person index (tests/api/person_index.py) under
# Debian's faketime with the machine's clock moved 400 days ahead and 100 days back (`faketime -f +400d`: the
# clock starts there and keeps running). faketime preloads libfaketime into every process the suites start
# (python, `hearth serve`, the hearth commands), so the programs all see the same moved clock: python's TOTP
# codes and the server's agree, and session time-outs (which follow the wall clock on purpose) still work.
# HEARTH_NOW stays as script/test sets it (default 2026-11-23T12:00:00Z): every date a rule reads comes from it
# (src/core/core_clock.h), so a suite that fails here has read the machine's date somewhere else.
#
# Counting: each suite at each offset is one check (4 suites x 2 offsets), plus one check per offset that the
# moved clock really reaches python and an ASan-built hearth (else the runs would prove nothing). Prints a line
# per check and finally `dates: N passed, N failed`; exit status 0 only when nothing failed. A failed suite's
# FAIL lines and last lines are printed under it.
#
# ASan: the ASan runtime insists on being first in the library list and aborts when libfaketime is preloaded
# ahead of it, so this adds verify_asan_link_order=0 to ASAN_OPTIONS (harmless: libfaketime replaces no
# allocator).
#
# Time: the suites cost 115-135 s of CPU for both offsets under ASan, a third of it Argon2id password hashing
# (the demo councils' 32 users, `hearth user add`, every sign-in) and much of the rest ASan's process and thread
# start-up; one suite at a time took 3m28s to 6m54s on a 2-core machine shared with other work (load 5 to 8),
# the access matrix the longest (40-95 s per offset). So the eight runs go
# through a pool: DATES_JOBS at a time, by default as many as the machine has idle cores (its core count less
# the 1-minute load average; at least 1, at most 4). Each suite is its own council, temporary directory and
# server on a free port, so they do not meet.
set -uo pipefail
cd "$(dirname "$0")/../.."
hearth=${1:-build-asan/hearth}
# As many suites at once as there are idle cores (at least 1, at most 4), unless DATES_JOBS says.
idle=$(awk -v n="$(nproc)" '{ j = int(n - $1); print (j < 1 ? 1 : (j > 4 ? 4 : j)) }' /proc/loadavg)
jobs=${DATES_JOBS:-$idle}
offsets=("+400d" "-100d")
suites=(
  "access tests/api/access_matrix.py"
  "api tests/api/run.py"
  "pindex tests/api/person_index.py"
  "access_time tests/api/access_time.py"
)

if ! command -v faketime >/dev/null; then
  echo "dates: faketime is not installed (script/bootstrap installs it)" >&2
  echo "dates: 0 passed, 1 failed"
  exit 1
fi
if [ ! -x "$hearth" ]; then
  echo "dates: no program at $hearth" >&2
  echo "dates: 0 passed, 1 failed"
  exit 1
fi
export HEARTH_NOW=${HEARTH_NOW:-2026-11-23T12:00:00Z}
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:halt_on_error=1}:verify_asan_link_order=0"
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0; failed=0

result() {   # result OK NAME [WHY-FILE]
  if [ "$1" -eq 0 ]; then
    passed=$((passed + 1)); echo "ok   $2"
  else
    failed=$((failed + 1)); echo "FAIL $2"
    [ -n "${3:-}" ] && [ -f "$3" ] && { grep -E '^FAIL' "$3" | head -20; tail -5 "$3"; } | sed 's/^/    /'
  fi
}

# The moved clock reaches python and hearth: python's time and the time SQLite stamps in a database that an
# ASan-built hearth creates are both within ten minutes of the machine's clock plus the offset.
probe() {   # probe OFFSET WANT-EPOCH-SECONDS; prints what each read
  local db="$tmp/probe$1.db"
  env -u HEARTH_NOW faketime -f "$1" "$hearth" init --db "$db" >/dev/null || return 1
  faketime -f "$1" python3 - "$db" "$2" <<'EOF'
import calendar, sqlite3, sys, time
db, want = sys.argv[1], int(sys.argv[2])
stamp = sqlite3.connect(db).execute("SELECT min(applied_at) FROM schema_migration").fetchone()[0]
hearth_time = calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ"))
python_time = time.time()
print("python %s, hearth %s" % (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(python_time)), stamp))
sys.exit(0 if abs(python_time - want) < 600 and abs(hearth_time - want) < 600 else 1)
EOF
}

began=$(date +%s)
for offset in "${offsets[@]}"; do
  real=$(date -u +%s)
  want=$((real + ${offset%d} * 86400))
  if probe "$offset" "$want" >"$tmp/probe$offset.log" 2>&1; then
    result 0 "clock moved $offset: machine $(date -u -d @"$real" +%FT%TZ), $(tail -1 "$tmp/probe$offset.log")"
  else
    result 1 "clock moved $offset: python or hearth did not see the machine's clock moved" "$tmp/probe$offset.log"
  fi
done

# Every suite at every offset, DATES_JOBS at a time (longest first, so the pool drains evenly).
echo "# $jobs suite(s) at a time (DATES_JOBS; $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
running=0
for s in "${suites[@]}"; do
  for offset in "${offsets[@]}"; do
    set -- $s
    name=$1 script=$2
    (
      start=$(date +%s)   # outside faketime: the real clock, so the durations are true
      faketime -f "$offset" python3 "$script" --hearth "$hearth" >"$tmp/$name$offset.log" 2>&1
      echo $? >"$tmp/$name$offset.rc"
      echo $(($(date +%s) - start)) >"$tmp/$name$offset.secs"
    ) &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
      wait -n
      running=$((running - 1))
    fi
  done
done
wait
for offset in "${offsets[@]}"; do
  for s in "${suites[@]}"; do
    set -- $s
    name=$1
    log="$tmp/$name$offset.log"
    summary=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed" "$log" | tail -1)
    rc=$(cat "$tmp/$name$offset.rc" 2>/dev/null || echo 1)
    ok=1
    [ "$rc" -eq 0 ] && [ -n "$summary" ] && grep -qE ' 0 failed$' <<<"$summary" && ok=0
    result "$ok" "$name at $offset: ${summary:-no summary line} ($(cat "$tmp/$name$offset.secs" 2>/dev/null)s)" "$log"
  done
done
echo "# $(($(date +%s) - began)) s in all"
echo "dates: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
