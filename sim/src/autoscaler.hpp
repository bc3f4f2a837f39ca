#pragma once
// The autoscaler of an api_server, run by the load balancer in front of it: the balancer sees every request
// it sends to a backend and every answer, in time order, so it knows each instance's requests in flight and
// measures the metric without reading another host's state. The decisions are models::Autoscaler's (the HPA
// rule, the cooldown); this keeps the measurements, which instances run, and the log for the results.
// The broker of a queue runs the same scaler for the worker pool that consumes it (queue.cpp): a delivery to an
// instance is a dispatch, an acknowledgement a completion, and the jobs waiting at the broker are queued().
#include "stats.hpp"

#include "scalelab/models/autoscaling.hpp"
#include "scalelab/models/results.hpp"

#include <cstdint>
#include <vector>

namespace scalelab::sim
{

// What the results and the time series show of one autoscaled service.
struct ScalingLog {
  ScalingLog() = default;
  ScalingLog(const ScalingLog&) = delete; // its row cursors point into it
  ScalingLog& operator=(const ScalingLog&) = delete;
  LevelIntegral running, booting;
  std::uint64_t started = 0, stopped = 0, evaluations = 0; // in the measured window
  int fewest = 0, most = 0;                                // running, over the measured window
  bool seen = false;
  void note_running(const Clock& clock, SimTime t, int now_running);
  models::AutoscaleResult result(const Clock& clock) const;
  // The time-averages of running and booting instances in timeseries interval i, once it has ended.
  void add_to_series(std::size_t i, models::TimeseriesRow& row) const;

private:
  mutable LevelCursor running_rows_{&running}, booting_rows_{&booting}; // rows are read in increasing order
};

class BalancerScaler
{
public:
  BalancerScaler(const models::AutoscaleSpec& spec, int backends, int workers, const Clock& clock);

  // Whether backend b takes requests (it runs: not stopped, not booting).
  bool serving(int b) const { return state_[static_cast<std::size_t>(b)] == State::running; }
  void dispatched(SimTime t, int b);
  void completed(SimTime t, int b);
  // The balancer lost its connections (its host crashed): nothing is in flight any more.
  void forget_in_flight(SimTime t);
  // Requests waiting in front of every instance (a broker's backlog): counted by queue_length as waiting at the
  // running instances.
  void queued(SimTime t, std::int64_t n);

  // An evaluation at t: the backends to stop now (they finish what they hold) and those that start booting.
  struct Decision {
    std::vector<int> stop, boot;
  };
  Decision evaluate(SimTime t);
  void booted(SimTime t, int b);

  const models::AutoscaleSpec& spec() const { return spec_; }
  const ScalingLog& log() const { return log_; }

private:
  enum class State : std::uint8_t { stopped, booting, running };
  void advance(SimTime t); // the areas up to t
  std::int64_t busy_of(std::size_t b) const;
  std::int64_t waiting_of(std::size_t b) const;

  models::AutoscaleSpec spec_;
  models::Autoscaler scaler_;
  std::int64_t workers_;
  const Clock& clock_;
  std::vector<State> state_;
  std::vector<std::int64_t> in_flight_;
  int running_ = 0;
  // Over running instances: busy workers and waiting requests now, and their areas since the last evaluation.
  std::int64_t busy_ = 0, waiting_ = 0, queued_ = 0;
  SimTime last_ = 0;
  Int128 busy_area_ = 0, waiting_area_ = 0, running_area_ = 0;
  ScalingLog log_;
};

} // namespace scalelab::sim
