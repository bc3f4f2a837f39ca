#!/usr/bin/env bash
# Builds the fuzzers (CMake preset fuzz: clang, libFuzzer, AddressSanitizer and UBSan) and runs each for
# SECONDS (default 60), one after the other. Fails when one finds an input that crashes it, trips a sanitizer
# or one of its checks, runs longer than its -timeout or takes more than -rss_limit_mb of memory; such an
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
cmake --build --preset fuzz

# The engine's fuzzer runs every input three times, each run bounded to 20 s (fuzz/simulation.hpp).
timeout_of() { case "$1" in fuzz_simulation) echo 90 ;; *) echo 10 ;; esac; }
rss_mb=2048
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# Inputs per fuzzer in a repeatable run: about a minute each on a machine that is not idle.
runs_of() { case "$1" in fuzz_simulation) echo 600 ;; fuzz_experiment) echo 8000 ;; *) echo 20000 ;; esac; }

failed=0
while IFS=$'\t' read -r name dictionary corpus seeds; do
  if ((${#only[@]} > 0)) && [[ ! " ${only[*]} " == *" $name "* ]]; then
    continue
  fi
  work="build/fuzz/corpus/$name"
  limit_flags=(-max_total_time="$seconds")
  if [ -n "${FUZZ_SEED:-}" ]; then
    work="build/fuzz/repeatable/$name"
    rm -rf "$work"
    limit_flags+=(-seed="$FUZZ_SEED" -runs="$(runs_of "$name")")
  fi
  artifacts="build/fuzz/artifacts/$name"
  log="build/fuzz/$name.log"
  mkdir -p "$work" "$artifacts" "$corpus"
  read -r -a seed_dirs <<<"${seeds//$'\t'/ }"
  echo "fuzz: $name ${FUZZ_SEED:+seed $FUZZ_SEED, $(runs_of "$name") inputs, }at most ${seconds} s (log: $log)"
  status=0
  "build/fuzz/fuzz/$name" "$work" "${seed_dirs[@]}" -dict="$dictionary" "${limit_flags[@]}" \
    -timeout="$(timeout_of "$name")" -rss_limit_mb="$rss_mb" -artifact_prefix="$artifacts/" \
    -print_final_stats=1 >"$log" 2>&1 || status=$?
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "$log" | sed "s/^/fuzz: $name: /" || true
  if ((status != 0)); then
    failed=1
    echo "fuzz: $name FAILED (status $status); the end of its log:" >&2
    tail -n 40 "$log" >&2
    for input in "$artifacts"/*; do
      [ -e "$input" ] || continue
      cp "$input" "$corpus/"
      echo "fuzz: $name: kept $(basename "$input") in $corpus" >&2
    done
  fi
done <build/fuzz/fuzz-targets.txt
exit "$failed"
