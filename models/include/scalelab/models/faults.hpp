#pragma once
// The fault timeline (faults[]) as plain values: which hosts a fault crashes, which links it cuts or slows,
// and when. The loader checks a file's faults with it (names that exist, cuts and crashes that do not overlap)
// and the simulation builds its schedules from it. No SimGrid type (docs/faults.md).
#include "scalelab/models/hardware.hpp"
#include "scalelab/models/spec.hpp"

#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace scalelab::models
{

// A stretch of time during which a fault holds, with the fault's place in spec.faults.
struct FaultWindow {
  SimTime from = 0, until = kNever;
  std::size_t fault = 0;
};

// The hosts whose zone is `zone`, by index in spec.hardware.hosts.
std::vector<std::size_t> zone_hosts(const TopologySpec& spec, const std::string& zone);

// The links a partition of `zone` cuts: every link between an element of the zone and one outside it, the
// users' own link aside (users near the zone still reach it). Indices in graph.links().
std::vector<int> partition_links(const HardwareGraph& graph, const std::string& zone);

// The crash windows of each host that crashes (a crash, or a crash of its zone), by host index, each host's
// windows sorted by start (ties in file order).
std::map<std::size_t, std::vector<FaultWindow>> host_crashes(const TopologySpec& spec);

// The crash windows of each service instance that crashes on its own (crash_service), by (service index,
// instance index from 0), each instance's windows sorted by start (ties in file order). Its host's crashes are
// not among them (host_crashes).
std::map<std::pair<std::size_t, std::size_t>, std::vector<FaultWindow>> service_crashes(const TopologySpec& spec);

// What the faults do to one link (both directions), by the link's index in graph.links().
struct LinkFaults {
  std::vector<FaultWindow> cuts;   // sorted by start (ties in file order)
  std::vector<FaultWindow> delays; // sorted by start; delays that overlap add up
  std::vector<SimTime> added;      // delays[i]'s added latency
};
std::map<int, LinkFaults> link_faults(const TopologySpec& spec, const HardwareGraph& graph);

// The first window of `windows` (sorted by start) that starts before the previous one ends, or windows.size().
// Reports how two faults contradict each other: a host crashed again while down, a link cut while cut.
std::size_t first_overlap(const std::vector<FaultWindow>& windows, std::size_t* previous);

// Every contradiction in one timeline (a host's crashes, a link's cuts, ...): the windows, sorted by start here
// (ties in the given order), are kept from the first on, and each that starts before the kept ones end is left
// out, reported with the kept one that holds then. By fault index (FaultWindow::fault): {later, earlier}.
struct FaultClash {
  std::size_t later, earlier;
};
std::vector<FaultClash> clashes(std::vector<FaultWindow> windows);

} // namespace scalelab::models
