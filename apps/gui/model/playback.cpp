#include "playback.hpp"

#include <algorithm>

namespace scalelab::gui
{

void Playback::reset()
{
  held_.clear();
  paused_ = false;
  steps_ = 0;
  target_.reset();
  shown_to_ = 0;
  anchor_wall_.reset();
  anchor_simulated_ = 0;
}

void Playback::anchor(double wall_now)
{
  anchor_wall_ = wall_now;
  anchor_simulated_ = shown_to_;
}

void Playback::set_speed(double simulated_per_wall, double wall_now)
{
  speed_ = simulated_per_wall > 0 ? simulated_per_wall : 0;
  anchor(wall_now); // the new pace starts from what is shown now
}

void Playback::pause()
{
  paused_ = true;
  steps_ = 0;
}

void Playback::resume(double wall_now)
{
  paused_ = false;
  steps_ = 0;
  target_.reset();
  anchor(wall_now);
}

void Playback::step()
{
  paused_ = true;
  target_.reset();
  ++steps_;
}

void Playback::play_to(double t)
{
  paused_ = false;
  steps_ = 0;
  target_ = t;
  hold_at_target_ = true;
}

void Playback::catch_up_to(double t)
{
  play_to(t);
  hold_at_target_ = false;
}

void Playback::target_reached(double wall_now)
{
  target_.reset();
  if (hold_at_target_)
    pause();
  else
    anchor(wall_now); // the pace starts from the target
}

void Playback::add(const IntervalSample& sample)
{
  held_.push_back(sample);
}

std::vector<IntervalSample> Playback::due(double wall_now)
{
  std::vector<IntervalSample> out;
  if (!anchor_wall_)
    anchor(wall_now);
  while (!held_.empty()) {
    const IntervalSample& next = held_.front();
    if (target_) {
      if (next.end > *target_ + 1e-9) { // the target is reached: stay there, or play on at the pace
        target_reached(wall_now);
        continue;
      }
    } else if (paused_) {
      if (steps_ == 0)
        break;
      --steps_;
    } else if (speed_ > 0 && wall_now < *anchor_wall_ + (next.end - anchor_simulated_) / speed_) {
      break; // not yet, at this speed
    }
    shown_to_ = next.end;
    out.push_back(next);
    held_.pop_front();
  }
  if (target_ && shown_to_ >= *target_ - 1e-9) // its last sample shown
    target_reached(wall_now);
  // Shown late with nothing more held (the run is slower than the speed asked): the pace starts again from
  // here rather than making up the delay in a burst.
  if (!out.empty() && !paused_ && !target_ && held_.empty() && speed_ > 0 &&
      wall_now > *anchor_wall_ + (shown_to_ - anchor_simulated_) / speed_)
    anchor(wall_now);
  return out;
}

const IntervalSample* sample_at(const std::vector<IntervalSample>& run, double t)
{
  const auto after = std::upper_bound(run.begin(), run.end(), t + 1e-9,
                                      [](double time, const IntervalSample& s) { return time < s.end; });
  return after == run.begin() ? nullptr : &*(after - 1);
}

std::map<std::pair<std::string, std::string>, double> measured_edge_rates(const std::vector<IntervalSample>& run,
                                                                          double warmup, double duration)
{
  std::map<std::pair<std::string, std::string>, double> rates;
  if (duration <= warmup)
    return rates;
  for (const auto& sample : run)
    if (sample.time >= warmup)
      for (const auto& e : sample.edges)
        rates[{e.from, e.to}] += e.requests / (duration - warmup);
  return rates;
}

} // namespace scalelab::gui
