#pragma once
// The engine under fuzzing: a topology that loads cleanly, made small enough to run in milliseconds, is run
// once per engine (windowed with one executor, windowed with one executor per host, plain), each run in a
// child process, because SimGrid allows one engine per process and cannot be reset. The runs must end
// within a time and a memory bound, keep every request accounted for (conservation), and give the same
// bytes (results.json and timeseries.csv), as the engines promise. See fuzz/README.md.
#include "scalelab/models/spec.hpp"

#include <optional>
#include <string>

namespace scalelab::fuzz
{

// The spec made cheap to run, or nothing when it cannot be without changing what it is (too many hosts,
// requests that fan out into too many steps). Simulated time at most 250 ms, at most 1,000 arrivals per
// second or 10 closed users thinking at least 5 ms, at most 100 rows of timeseries, at most 64 cores,
// workers or connections per host or instance, health checks at most every millisecond; not run when the
// requests would execute more than 20,000 steps in all (calls expanded) or when there are more than 24
// hosts or switches or 96 links or routes.
std::optional<models::TopologySpec> bounded_for_fuzzing(models::TopologySpec spec);

struct SimulationBounds {
  double seconds = 20;   // wall time of one run
  long megabytes = 1024; // resident memory of one run
};

// What went wrong with the runs of spec, or "" when nothing did. A run that the engine refuses with a
// std::runtime_error (a request nesting deeper than its records) is no problem if every engine refuses it.
std::string simulation_problem(const models::TopologySpec& spec, const SimulationBounds& bounds = {});

} // namespace scalelab::fuzz
