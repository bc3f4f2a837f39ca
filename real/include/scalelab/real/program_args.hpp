#pragma once
// What the real mode's programs (scalelab-api, scalelab-worker, scalelab-loadgen) share on starting: their
// command line of `--name value` pairs, and the topology file they all read.
#include "scalelab/models/spec.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace scalelab::real
{

struct ProgramArgs {
  std::vector<std::pair<std::string, std::string>> options; // in order, but --realtime and --nice
  std::string error;                                        // "missing the value of --x", or empty
};

// Reads `--name value` pairs. --realtime P (SCHED_FIFO at priority P) and --nice N, which every program takes, are
// applied here, with a warning on stderr naming `program` when they are not permitted.
ProgramArgs read_program_args(const std::string& program, int argc, char** argv);

// The topology, or nothing after its errors were written to stderr as `file:line:col: message`.
std::optional<models::TopologySpec> load_topology_or_report(const std::string& path);

} // namespace scalelab::real
