#pragma once
// Order-independent statistics. Host actors process their windows in an order SimGrid chooses, and the
// batched and plain engines interleave them differently, so every accumulator here gives the same bits
// whatever order its updates come in: integer sums of nanoseconds, and histograms of integers.
#include "scalelab/models/histogram.hpp"
#include "scalelab/models/time.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace scalelab::sim
{

using models::SimTime;
__extension__ typedef __int128 Int128; // areas in count x nanoseconds can exceed 2^63 on long runs

// The measured window and the timeseries intervals of a run.
struct Clock {
  SimTime warmup = 0;
  SimTime end = 0;
  SimTime interval = 1;
  std::size_t interval_count() const { return static_cast<std::size_t>((end + interval - 1) / interval); }
  // Most lookups fall in the interval of the previous one (statistics are updated near the current time):
  // that one is remembered, which saves a 64-bit division per update.
  std::size_t interval_of(SimTime t) const
  {
    if (t - last_interval_start_ >= 0 && t - last_interval_start_ < interval)
      return last_interval_;
    last_interval_ = static_cast<std::size_t>(t / interval);
    last_interval_start_ = static_cast<SimTime>(last_interval_) * interval;
    return last_interval_;
  }
  bool measured(SimTime t) const { return t >= warmup && t < end; }
  // How much of [from, to) lies in the measured window. Summing these gives the window integral of a level
  // made of busy periods bit for bit as a LevelIntegral would, at no cost per interval.
  SimTime overlap(SimTime from, SimTime to) const
  {
    const SimTime a = from < warmup ? warmup : from, b = to < end ? to : end;
    return b > a ? b - a : 0;
  }

private:
  mutable std::size_t last_interval_ = 0;
  mutable SimTime last_interval_start_ = 0;
};

// The time integral of a level over the measured window alone (no timeseries): a change dv at t adds
// dv * (end - max(t, warmup)). Integer sums: the same bits in any order of updates.
class WindowArea
{
public:
  void change(const Clock& clock, SimTime t, std::int64_t dv)
  {
    if (t < clock.end)
      area_ += static_cast<Int128>(dv) * (clock.end - (t < clock.warmup ? clock.warmup : t));
  }
  double mean(const Clock& clock) const
  {
    const SimTime width = clock.end - clock.warmup;
    return width > 0 ? static_cast<double>(area_) / static_cast<double>(width) : 0.0;
  }

private:
  Int128 area_ = 0;
};

// The time integral of a level (requests in service, in a queue, busy cores) built from signed changes
// that may arrive in any order: a change dv at time t adds dv * (b - max(t, a)) to every window [a, b)
// that ends after t. Per interval it keeps the changes inside the interval and their area to its end,
// and derives the level at each interval start by a prefix sum at the end of the run.
class LevelIntegral
{
public:
  void init(const Clock& clock)
  {
    clock_ = &clock;
    delta_.assign(clock.interval_count(), 0);
    area_to_end_.assign(clock.interval_count(), 0);
  }
  void change(SimTime t, std::int64_t dv)
  {
    if (t >= clock_->end)
      return;
    const SimTime from = t < clock_->warmup ? clock_->warmup : t;
    window_area_ += static_cast<Int128>(dv) * (clock_->end - from);
    const std::size_t i = clock_->interval_of(t);
    const SimTime interval_end = std::min<SimTime>(static_cast<SimTime>(i + 1) * clock_->interval, clock_->end);
    delta_[i] += dv;
    area_to_end_[i] += static_cast<Int128>(dv) * (interval_end - t);
  }
  // Time-average over the measured window.
  double window_mean() const
  {
    const SimTime width = clock_->end - clock_->warmup;
    return width > 0 ? static_cast<double>(window_area_) / static_cast<double>(width) : 0.0;
  }
  // Time-average in each interval.
  std::vector<double> interval_means() const
  {
    std::vector<double> out(delta_.size());
    std::int64_t level = 0;
    for (std::size_t i = 0; i < delta_.size(); ++i) {
      out[i] = interval_mean(i, level);
      level += delta_[i];
    }
    return out;
  }
  // Time-average in interval i, given the level at its start (the sum of the deltas of the intervals before).
  // Final once every change before the interval's end has come, which the engine knows during the run.
  double interval_mean(std::size_t i, std::int64_t level_at_start) const
  {
    const SimTime start = static_cast<SimTime>(i) * clock_->interval;
    const SimTime width = std::min<SimTime>(start + clock_->interval, clock_->end) - start;
    const Int128 area = static_cast<Int128>(level_at_start) * width + area_to_end_[i];
    return width > 0 ? static_cast<double>(area) / static_cast<double>(width) : 0.0;
  }
  std::int64_t delta(std::size_t i) const { return delta_[i]; }
  void merge(const LevelIntegral& other)
  {
    window_area_ += other.window_area_;
    for (std::size_t i = 0; i < delta_.size(); ++i) {
      delta_[i] += other.delta_[i];
      area_to_end_[i] += other.area_to_end_[i];
    }
  }

private:
  const Clock* clock_ = nullptr;
  Int128 window_area_ = 0;
  std::vector<std::int64_t> delta_;
  std::vector<Int128> area_to_end_;
};

// Reads a LevelIntegral's interval means in increasing order in O(1) each, keeping the level at the next start:
// the rows streamed during the run, then the time series after it. Asking for an earlier interval starts again.
class LevelCursor
{
public:
  explicit LevelCursor(const LevelIntegral* of = nullptr) : of_(of) {}
  double mean(std::size_t i)
  {
    if (!of_)
      return 0;
    if (i < next_) {
      next_ = 0;
      level_ = 0;
    }
    for (; next_ < i; ++next_)
      level_ += of_->delta(next_);
    return of_->interval_mean(i, level_);
  }

private:
  const LevelIntegral* of_;
  std::size_t next_ = 0;
  std::int64_t level_ = 0;
};

// The requests sent from one service to another (the users counted as one more service), per interval: what a
// watcher of the run writes on the diagram's edges. Counted only when the run is watched, as integers, so in
// any order of updates.
class EdgeCounts
{
public:
  // services: the services' count, the users being number `services`.
  EdgeCounts(const Clock& clock, std::size_t services)
      : clock_(clock), width_(services + 1), counts_(clock.interval_count() * width_ * width_, 0)
  {
  }
  // A table for each interval bigger than this is not worth it: the edges are not counted.
  static bool affordable(const Clock& clock, std::size_t services)
  {
    return clock.interval_count() * (services + 1) * (services + 1) <= (std::size_t{1} << 23);
  }
  void count(SimTime t, std::uint32_t from, std::uint32_t to)
  {
    if (t < clock_.end && from != to)
      ++counts_[(clock_.interval_of(t) * width_ + from) * width_ + to];
  }
  struct Edge {
    std::uint32_t from, to; // service indices; the users: services()
    std::uint64_t requests;
  };
  // Interval i's edges that carried requests, by (from, to).
  std::vector<Edge> in_interval(std::size_t i) const
  {
    std::vector<Edge> out;
    const std::size_t base = i * width_ * width_;
    for (std::size_t k = 0; k < width_ * width_; ++k)
      if (counts_[base + k] > 0)
        out.push_back(
            {static_cast<std::uint32_t>(k / width_), static_cast<std::uint32_t>(k % width_), counts_[base + k]});
    return out;
  }
  std::size_t services() const { return width_ - 1; }

private:
  const Clock& clock_;
  std::size_t width_;
  std::vector<std::uint64_t> counts_;
};

// Error causes, a small fixed set so counters are arrays, not maps, on the hot path.
enum class Cause : std::uint8_t {
  ok = 0,
  queue_full,
  db_overloaded,
  no_backend,
  host_down,
  cache_overloaded,
  session_lost,
  pool_timeout,
  timeout,      // a call's caller stopped waiting (protection.hpp)
  breaker_open, // a call refused by the caller's circuit breaker
  rate_limited, // refused by a rate limiter (429)
  partitioned,  // a request sent while a link of its route was cut (faults: cut_link, partition_zone)
  lost,         // a reply lost on a cut link: the caller learns of it when the reply was due
  count_
};
const char* cause_name(Cause c);

// The users' answers per interval of a watched run, for each interval's median and 99th percentile latency and
// its failures by cause: an interval's histogram lives from its first answer until the interval is streamed, when its
// two figures are kept and its buckets freed, so a long run holds only the few intervals around the stream's time.
class IntervalLatencies
{
public:
  explicit IntervalLatencies(const Clock& clock)
      : clock_(clock), causes_(clock.interval_count()), live_(clock.interval_count()),
        quantiles_(clock.interval_count(), {-1.0, -1.0})
  {
  }
  void record(SimTime t, SimTime latency)
  {
    if (t >= clock_.end)
      return;
    const std::size_t i = clock_.interval_of(t);
    if (i < closed_) {
      ++late_; // an answer for an interval already streamed: must not happen (tests check it)
      return;
    }
    if (!live_[i])
      live_[i] = std::make_unique<models::Histogram>();
    live_[i]->record(latency);
  }
  // Interval i's median and 99th percentile (seconds; -1 with no answer), final once it has ended; closes it
  // and every interval before.
  std::pair<double, double> quantiles(std::size_t i)
  {
    for (; closed_ <= i && closed_ < live_.size(); ++closed_)
      if (auto& h = live_[closed_]) {
        quantiles_[closed_] = {models::to_seconds(h->quantile(0.5)), models::to_seconds(h->quantile(0.99))};
        h.reset();
      }
    return quantiles_[i];
  }
  std::uint64_t late() const { return late_; }
  // A failed answer, by cause, in the interval of t.
  void failed(SimTime t, Cause cause)
  {
    if (t >= clock_.end)
      return;
    const std::size_t i = clock_.interval_of(t);
    if (i < closed_)
      ++late_;
    else
      ++causes_[i][static_cast<std::size_t>(cause)];
  }
  const std::array<std::uint64_t, static_cast<std::size_t>(Cause::count_)>& failures(std::size_t i) const
  {
    return causes_[i];
  }

private:
  const Clock& clock_;
  std::vector<std::array<std::uint64_t, static_cast<std::size_t>(Cause::count_)>> causes_;
  std::vector<std::unique_ptr<models::Histogram>> live_;
  std::vector<std::pair<double, double>> quantiles_;
  std::size_t closed_ = 0;
  std::uint64_t late_ = 0;
};

// Counts and latencies of finished requests, per interval and over the measured window.
class OutcomeStats
{
public:
  void init(const Clock& clock)
  {
    clock_ = &clock;
    per_interval_.assign(clock.interval_count(), Interval{});
  }
  void arrived(SimTime t)
  {
    if (clock_->measured(t))
      ++arrived_;
  }
  void finished(SimTime t, SimTime latency, Cause cause)
  {
    if (t >= clock_->end)
      return;
    auto& row = per_interval_[clock_->interval_of(t)];
    if (cause == Cause::ok) {
      ++row.completed;
      row.latency_sum += latency;
    } else {
      ++row.errors;
    }
    if (!clock_->measured(t))
      return;
    if (cause == Cause::ok)
      latency_.record(latency);
    else
      ++errors_[static_cast<std::size_t>(cause)];
    finished_latency_sum_ += latency;
  }

  struct Interval {
    std::uint64_t completed = 0, errors = 0;
    Int128 latency_sum = 0;
  };
  std::uint64_t arrived_ = 0;
  models::Histogram latency_;
  std::array<std::uint64_t, static_cast<std::size_t>(Cause::count_)> errors_{};
  Int128 finished_latency_sum_ = 0; // successful and failed, for Little's law
  std::vector<Interval> per_interval_;

private:
  const Clock* clock_ = nullptr;
};

} // namespace scalelab::sim
