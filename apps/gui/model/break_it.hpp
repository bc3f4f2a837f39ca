#pragma once
// Break it: what a click on a node of the diagram adds to the topology's fault timeline, as the YAML items of
// `faults:` (docs/faults.md), so that the run that follows replays it exactly.
#include "topology_graph.hpp"

#include <string>
#include <vector>

namespace scalelab::gui
{

enum class BreakKind {
  crash,     // the service's instances crash and stay down
  crash_for, // they crash and restart empty 10 s later
  slow_for,  // its hosts' CPUs 10 times slower for 10 s
};

// Whether a node can be broken: a service (not the users, not a database's replicas drawn as one node).
bool breakable(const GraphNode& node);

// The faults' items, one line of YAML each, at `at` seconds (written to the millisecond).
std::vector<std::string> break_faults(const GraphNode& node, BreakKind kind, double at);

// What the menu and the undo step call it: "crash app", "slow app's hosts".
std::string break_label(const GraphNode& node, BreakKind kind);

} // namespace scalelab::gui
