#!/usr/bin/env bash
# Builds the fuzzers (CMake preset fuzz: clang, libFuzzer, AddressSanitizer and UBSan) and runs each for
# SECONDS (default 60), as many at once as there are cores. Fails when one finds an input that crashes it, trips
# a sanitizer or one of its checks, runs longer than its -timeout or takes more than -rss_limit_mb of memory; such an
# input is copied into the fuzzer's regression corpus (tests/corpus/fuzz/...), where a test will load it
# once it is fixed. What each fuzzer learnt is kept in build/fuzz/corpus/NAME for the next run.
# Usage: scripts/fuzz.sh [SECONDS] [FUZZER...]      e.g. scripts/fuzz.sh 600 fuzz_simulation
# FUZZ_SEED=N makes a run repeatable: libFuzzer's seed is N, each fuzzer runs a fixed number of inputs (below;
# SECONDS is then only a cap) and starts from the seeds alone, not from what earlier runs learnt. Two such
# runs of the same tree try the same inputs in the same order, on any machine, so a red CI can be replayed and
# a clean one here is clean there. Unset, each run explores anew for SECONDS, learning from the earlier ones:
# what a search for new findings wants.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
only=("$@")

bash scripts/install-deps.sh
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake --preset fuzz "${launcher[@]}" >/dev/null
# The fuzzers alone: the programs, the real mode's among them, are not what is fuzzed (a third of the build).
mapfile -t fuzzers < <(cut -f1 build/fuzz/fuzz-targets.txt)
cmake --build --preset fuzz --target "${fuzzers[@]}"

# The engine's fuzzer runs every input three times, each run bounded to 20 s (fuzz/simulation.hpp).
timeout_of() { case "$1" in fuzz_simulation) echo 90 ;; *) echo 10 ;; esac; }
rss_mb=2048
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# Inputs per fuzzer in a repeatable run: about a minute each on a machine that is not idle.
runs_of() { case "$1" in fuzz_simulation) echo 600 ;; fuzz_experiment) echo 8000 ;; *) echo 20000 ;; esac; }

# One fuzzer: NAME DICTIONARY CORPUS SEEDS (tab-separated folders). Prints its report; fails as the fuzzer does,
# after keeping what it found in CORPUS.
fuzz_one() {
  local name="$1" dictionary="$2" corpus="$3" seeds="$4"
  local work="build/fuzz/corpus/$name"
  local limit_flags=(-max_total_time="$seconds")
  if [ -n "${FUZZ_SEED:-}" ]; then
    work="build/fuzz/repeatable/$name"
    rm -rf "$work"
    limit_flags+=(-seed="$FUZZ_SEED" -runs="$(runs_of "$name")")
  fi
  local artifacts="build/fuzz/artifacts/$name" log="build/fuzz/$name.log" seed_dirs status=0
  mkdir -p "$work" "$artifacts" "$corpus"
  read -r -a seed_dirs <<<"${seeds//$'\t'/ }"
  echo "fuzz: $name ${FUZZ_SEED:+seed $FUZZ_SEED, $(runs_of "$name") inputs, }at most ${seconds} s (log: $log)"
  "build/fuzz/fuzz/$name" "$work" "${seed_dirs[@]}" -dict="$dictionary" "${limit_flags[@]}" \
    -timeout="$(timeout_of "$name")" -rss_limit_mb="$rss_mb" -artifact_prefix="$artifacts/" \
    -print_final_stats=1 >"$log" 2>&1 || status=$?
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "$log" | sed "s/^/fuzz: $name: /" || true
  if ((status != 0)); then
    echo "fuzz: $name FAILED (status $status); the end of its log:"
    tail -n 40 "$log"
    for input in "$artifacts"/*; do
      [ -e "$input" ] || continue
      cp "$input" "$corpus/"
      echo "fuzz: $name: kept $(basename "$input") in $corpus"
    done
    return 1
  fi
}

# As many fuzzers at once as there are cores (each is one process), their reports printed in the file's order
# once all have ended. A fuzzer's inputs do not depend on what runs beside it.
at_once=$(nproc)
names=()
while IFS=$'\t' read -r name dictionary corpus seeds; do
  if ((${#only[@]} > 0)) && [[ ! " ${only[*]} " == *" $name "* ]]; then
    continue
  fi
  while (($(jobs -rp | wc -l) >= at_once)); do
    wait -n || true
  done
  rm -f "build/fuzz/$name.failed"
  (fuzz_one "$name" "$dictionary" "$corpus" "$seeds" || touch "build/fuzz/$name.failed") \
    </dev/null >"build/fuzz/$name.report" 2>&1 &
  names+=("$name")
done <build/fuzz/fuzz-targets.txt
wait
failed=0
for name in "${names[@]}"; do
  if [ -e "build/fuzz/$name.failed" ]; then
    failed=1
    cat "build/fuzz/$name.report" >&2
  else
    cat "build/fuzz/$name.report"
  fi
done
exit "$failed"
