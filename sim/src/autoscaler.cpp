#include "autoscaler.hpp"

#include <algorithm>

namespace scalelab::sim
{

void ScalingLog::note_running(const Clock& clock, SimTime t, int now_running)
{
  if (!clock.measured(t))
    return;
  fewest = seen ? std::min(fewest, now_running) : now_running;
  most = seen ? std::max(most, now_running) : now_running;
  seen = true;
}

models::AutoscaleResult ScalingLog::result(const Clock&) const
{
  models::AutoscaleResult r;
  r.mean_running = running.window_mean();
  r.mean_booting = booting.window_mean();
  r.fewest_running = fewest;
  r.most_running = most;
  r.started = started;
  r.stopped = stopped;
  r.evaluations = evaluations;
  return r;
}

void ScalingLog::add_to_series(std::size_t i, models::TimeseriesRow& row) const
{
  row.instances = running_rows_.mean(i);
  row.instances_booting = booting_rows_.mean(i);
}

BalancerScaler::BalancerScaler(const models::AutoscaleSpec& spec, int backends, int workers, const Clock& clock)
    : spec_(spec), scaler_(spec), workers_(workers), clock_(clock),
      state_(static_cast<std::size_t>(backends), State::stopped), in_flight_(static_cast<std::size_t>(backends), 0)
{
  log_.running.init(clock);
  log_.booting.init(clock);
  running_ = std::min(spec.initial, backends);
  for (int b = 0; b < running_; ++b)
    state_[static_cast<std::size_t>(b)] = State::running;
  log_.running.change(0, running_);
  // The running count at the start of the measured window.
  log_.note_running(clock, clock.warmup, running_);
}

std::int64_t BalancerScaler::busy_of(std::size_t b) const
{
  return std::min(in_flight_[b], workers_);
}

std::int64_t BalancerScaler::waiting_of(std::size_t b) const
{
  return std::max<std::int64_t>(0, in_flight_[b] - workers_);
}

void BalancerScaler::advance(SimTime t)
{
  const SimTime dt = t - last_;
  if (dt > 0) {
    busy_area_ += static_cast<Int128>(busy_) * dt;
    waiting_area_ += static_cast<Int128>(waiting_) * dt;
    running_area_ += static_cast<Int128>(running_) * dt;
    last_ = t;
  }
}

void BalancerScaler::dispatched(SimTime t, int b)
{
  const auto i = static_cast<std::size_t>(b);
  advance(t);
  if (state_[i] == State::running) {
    busy_ -= busy_of(i);
    waiting_ -= waiting_of(i);
  }
  ++in_flight_[i];
  if (state_[i] == State::running) {
    busy_ += busy_of(i);
    waiting_ += waiting_of(i);
  }
}

void BalancerScaler::completed(SimTime t, int b)
{
  const auto i = static_cast<std::size_t>(b);
  advance(t);
  if (in_flight_[i] == 0)
    return; // sent before the balancer's crash
  if (state_[i] == State::running) {
    busy_ -= busy_of(i);
    waiting_ -= waiting_of(i);
  }
  --in_flight_[i];
  if (state_[i] == State::running) {
    busy_ += busy_of(i);
    waiting_ += waiting_of(i);
  }
}

void BalancerScaler::forget_in_flight(SimTime t)
{
  advance(t);
  std::fill(in_flight_.begin(), in_flight_.end(), 0);
  busy_ = 0;
  waiting_ = queued_;
}

void BalancerScaler::queued(SimTime t, std::int64_t n)
{
  if (n == queued_)
    return;
  advance(t);
  waiting_ += n - queued_;
  queued_ = n;
}

BalancerScaler::Decision BalancerScaler::evaluate(SimTime t)
{
  advance(t);
  double metric = 0;
  if (running_area_ > 0) {
    const Int128 area = spec_.metric == models::AutoscaleSpec::Metric::utilisation ? busy_area_ : waiting_area_;
    const double per = spec_.metric == models::AutoscaleSpec::Metric::utilisation ? static_cast<double>(workers_) : 1.0;
    metric = static_cast<double>(area) / (static_cast<double>(running_area_) * per);
  }
  busy_area_ = waiting_area_ = running_area_ = 0;
  if (clock_.measured(t))
    ++log_.evaluations;
  const models::Autoscaler::Action action = scaler_.evaluate(t, metric);
  Decision d;
  // Stop the highest-numbered running instances; boot the lowest-numbered stopped ones.
  for (std::size_t b = state_.size(); b-- > 0 && static_cast<int>(d.stop.size()) < action.stop;)
    if (state_[b] == State::running) {
      busy_ -= busy_of(b);
      waiting_ -= waiting_of(b);
      state_[b] = State::stopped;
      --running_;
      d.stop.push_back(static_cast<int>(b));
    }
  for (std::size_t b = 0; b < state_.size() && static_cast<int>(d.boot.size()) < action.boot; ++b)
    if (state_[b] == State::stopped) {
      state_[b] = State::booting;
      d.boot.push_back(static_cast<int>(b));
    }
  log_.running.change(t, -static_cast<std::int64_t>(d.stop.size()));
  log_.booting.change(t, static_cast<std::int64_t>(d.boot.size()));
  if (clock_.measured(t)) {
    log_.stopped += d.stop.size();
    log_.started += d.boot.size();
  }
  log_.note_running(clock_, t, running_);
  return d;
}

void BalancerScaler::booted(SimTime t, int b)
{
  const auto i = static_cast<std::size_t>(b);
  advance(t);
  state_[i] = State::running;
  ++running_;
  busy_ += busy_of(i);
  waiting_ += waiting_of(i);
  scaler_.booted(1);
  log_.running.change(t, 1);
  log_.booting.change(t, -1);
  log_.note_running(clock_, t, running_);
}

} // namespace scalelab::sim
