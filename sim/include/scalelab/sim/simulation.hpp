#pragma once
// Runs a topology in SimGrid and returns what it measured. One engine per process: call run_simulation
// at most once per process (SimGrid's Engine is a singleton).
#include "scalelab/models/results.hpp"
#include "scalelab/models/spec.hpp"

#include <functional>
#include <string>
#include <vector>

namespace scalelab::sim
{

enum class EngineMode {
  windowed, // an executor processes all of its events up to the lookahead horizon per wake-up
  plain,    // one executor per host, one wake-up per distinct event time: the reference the others must equal
};

// How the windowed engine groups nodes (hosts, link nodes) into executors, the SimGrid actors that process
// their events. The results do not depend on it.
enum class Grouping {
  world, // one executor for everything: no synchronisation between actors, the fastest
  host,  // one executor per node: conservative synchronisation between hosts at the network's lookahead
};

struct RunOptions {
  EngineMode mode = EngineMode::windowed;
  Grouping grouping = Grouping::world;   // windowed only
  std::vector<std::string> simgrid_args; // extra --cfg=... / --log=... options for the engine
  // windowed only: how far (seconds) past SimGrid's clock an executor may process when the executors that
  // send it messages have promised nothing earlier; 0 keeps every executor within its current window.
  double max_ahead = 0.1;
  // Called during the run with each report interval's figures as soon as the interval has ended, in time
  // order. Null: nothing is streamed (and the edges are not counted).
  std::function<void(const struct IntervalReport&)> on_interval;
};

// What a watcher of the run gets at the end of each report interval.
struct IntervalReport {
  std::vector<models::TimeseriesRow> rows; // timeseries.csv's rows of the interval, the users' first: final
  struct Edge {
    std::string from, to; // service names; "(users)" for the users
    std::uint64_t requests = 0;
  };
  std::vector<Edge> edges; // the requests sent from one service to another in the interval, those that carried any
};

struct EngineStats {
  double lookahead = 0; // seconds: the smallest delay between executors (the window)
  std::uint64_t wakeups = 0, events = 0, actors = 0;
  std::uint64_t peak_requests_in_flight = 0;
  std::uint64_t servers_at_arrival = 0; // api server instances that compute departures at arrival
  std::uint64_t completions_apart = 0;  // balancers that take replies when sent, but for a completion event
  std::uint64_t passive_replies = 0;    // components that take whole replies when they are sent
  std::uint64_t late_to_stream = 0;     // a watched run: answers for an interval already streamed (a bug if any)
};

struct RunOutput {
  models::Results results;
  std::vector<models::TimeseriesRow> timeseries;
  bool has_cache = false; // timeseries.csv gets the cache columns
  bool has_queue = false; // timeseries.csv gets the queue_backlog column
  EngineStats engine;
};

RunOutput run_simulation(const models::TopologySpec& spec, const RunOptions& options = {});

// Lets the loader read `hardware: {simgrid_platform: FILE}` (models/ does not link SimGrid). The file is
// read in a child process, so the run can still create its own engine.
void register_platform_reader();

} // namespace scalelab::sim
