#!/usr/bin/env bash
# Durability soak: the checks of `make test`, repeated enough times to mean something.
#   - kill -9 at a random moment of a burst of writes (12 connections, the log checkpointed every
#     16 pages), ROUNDS times on one file; after each: integrity_check, every acknowledged write
#     present, the metric state equal to the stored rows (tests/e2e/durability_test.cc);
#   - the checkpoint stress (WAL resets hundreds of times a second beside group commits and
#     readers; tests/storage/checkpoint_stress_test.cc), REPEAT times.
#
#   bash bench/durability_soak.sh                 # 100 kill -9 rounds, 20 stress repeats
#   ROUNDS=500 REPEAT=50 bash bench/durability_soak.sh
#   ROUNDS=0 STRESS_BIN=/path/to/other/storage_test bash bench/durability_soak.sh   # another build
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-100}
REPEAT=${REPEAT:-20}
BUILD=${BUILD:-build}
[ -x "$BUILD/e2e_test" ] && [ -x "$BUILD/storage_test" ] || { echo "build first: make build"; exit 1; }

if [ "$ROUNDS" -gt 0 ]; then
  echo "== kill -9 during bursts: $ROUNDS rounds"
  start=$(date +%s)
  if out=$(EMM_KILL9_ROUNDS=$ROUNDS "$BUILD/e2e_test" \
             --gtest_filter='DurabilityTest.Kill9DuringBurstsLosesNoAcknowledgedWrite' 2>/dev/null); then
    verdict=passed
  else
    verdict=FAILED
  fi
  grep -E 'rounds of kill|Failure|Which is|round [0-9]' <<<"$out" | head -10 || true
  echo "RESULT kill9 rounds=$ROUNDS $verdict seconds=$(( $(date +%s) - start ))"
fi

echo "== checkpoint stress: $REPEAT repeats of 5 cases"
STRESS_BIN=${STRESS_BIN:-$BUILD/storage_test}
failed=0
for i in $(seq 1 "$REPEAT"); do
  out=$("$STRESS_BIN" --gtest_filter='TinyLogs/CheckpointStressTest.*' 2>/dev/null || true)
  grep -qE '^\[  PASSED  \] 5 tests' <<<"$out" && n=0 || \
    n=$(grep -oE '^ *[0-9]+ FAILED TESTS?' <<<"$out" | grep -oE '[0-9]+' || echo 5)
  failed=$((failed + n))
  [ "$n" -eq 0 ] || grep -m2 -E 'Which is' <<<"$out" || true
done
echo "RESULT checkpoint_stress repeats=$REPEAT cases=$((REPEAT * 5)) failed=$failed"
