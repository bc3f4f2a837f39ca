#pragma once
// Runs a topology in SimGrid and returns what it measured. One engine per process: call run_simulation
// at most once per process (SimGrid's Engine is a singleton).
#include "scalelab/models/results.hpp"
#include "scalelab/models/spec.hpp"

#include <cstdint>
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

// Which requests of the users to follow hop by hop (scalelab run --follow): the `first`-th request they send
// (counted from 1), then every `every`-th after it (0: that one alone), at most `limit` of them.
struct FollowOptions {
  std::uint64_t first = 0; // 0: follow none
  std::uint64_t every = 0;
  std::uint64_t limit = 1;
  bool on() const { return first > 0 && limit > 0; }
  bool picks(std::uint64_t n) const
  {
    if (!on() || n < first)
      return false;
    if (every == 0)
      return n == first;
    return (n - first) % every == 0 && (n - first) / every < limit;
  }
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
  // Requests to follow: what they meet at each hop, in RunOutput::followed. Following reads the run and changes
  // nothing in it: the results are the same bytes.
  FollowOptions follow;
};

// A followed request at one service (or back at the users, its last hop): the message that brought it there
// left the previous place at `left` and arrived at `arrived` (travel: the network); it waited for a worker or
// connection until `began` (wait), and the next message about it left at `finished` (served: everything else
// done there before then, calls made from there excluded: they are the next hops). Seconds from the start.
struct FollowedHop {
  std::string service; // the service's name, or "(users)"
  std::string kind;    // api_server, database, ...; "users"
  int instance = 0;    // among the service's instances
  std::string host;    // the host it ran on
  bool reply = false;  // the message that arrived was a reply (else a request)
  double left = 0, arrived = 0, began = 0, finished = 0;
  double travel = 0, wait = 0, served = 0; // arrived - left, began - arrived, finished - began, exact to the ns
};
struct FollowedRequest {
  std::uint64_t index = 0; // the index-th request the users sent, from 1
  std::string type;
  double sent = 0;
  bool answered = false;
  double answered_at = 0;   // when the answer reached the users (answered)
  double response_time = 0; // answered_at - sent, exact to the ns
  std::string outcome;      // "ok", an error cause, or "in_flight" when the run ended first
  bool measured = false;    // sent inside the measured window (after the warm-up)
  std::vector<FollowedHop> hops;
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
  // Wall seconds in the engine's event loop alone: the run without building the platform, the components and
  // the network before it or gathering the results after, so that requests per second of it is the cost of a
  // request whatever the set-up costs (a fixed cost that weighs on short runs of large topologies).
  double loop_wall_seconds = 0;
  // The process's processor time (every thread's, user and system) over the same loop: on a machine shared with
  // other work, the time the loop ran, however long it waited for the processor (the run is one thread unless
  // SimGrid is told to run actors in parallel). 0 if the processor time is not available.
  double loop_cpu_seconds = 0;
};

struct RunOutput {
  models::Results results;
  std::vector<models::TimeseriesRow> timeseries;
  bool has_cache = false; // timeseries.csv gets the cache columns
  bool has_queue = false; // timeseries.csv gets the queue_backlog column
  EngineStats engine;
  std::vector<FollowedRequest> followed; // RunOptions::follow's requests, in the order they were sent
};

RunOutput run_simulation(const models::TopologySpec& spec, const RunOptions& options = {});

// Lets the loader read `hardware: {simgrid_platform: FILE}` (models/ does not link SimGrid). The file is
// read in a child process, so the run can still create its own engine.
void register_platform_reader();

} // namespace scalelab::sim
