#pragma once
// What the window shows of a run, apart from how fast the run goes: the samples `scalelab run --stream` prints
// are held here and handed to the charts and the diagram at the chosen speed (simulated seconds per wall
// second, or as they come), paused, one at a time (step), or all up to a time at once (a scrub forward; a scrub
// back restarts the run, which replays exactly from its seed, and plays it up to that time).
#include "stream.hpp"

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace scalelab::gui
{

class Playback
{
public:
  // Forgets the run: nothing held, nothing shown, playing (not paused), the speed kept.
  void reset();
  // 0: as fast as the run produces them; else simulated seconds per wall second.
  void set_speed(double simulated_per_wall, double wall_now);
  double speed() const { return speed_; }
  void pause();
  void resume(double wall_now);
  bool paused() const { return paused_; }
  // Shows the next sample as soon as it is there, and stays paused.
  void step();
  // Shows every sample that ends at or before t as soon as it is there, then pauses (at t, or at the run's end).
  void play_to(double t);
  // Shows every sample that ends at or before t as soon as it is there, then plays on from t at the chosen speed
  // (a run started again with a fault at t: up to t it is the run already seen).
  void catch_up_to(double t);
  std::optional<double> target() const { return target_; }

  // A sample from the run, in time order.
  void add(const IntervalSample& sample);
  // The samples to show at wall time wall_now (seconds, any monotonic origin), in order; each once.
  std::vector<IntervalSample> due(double wall_now);
  double shown_to() const { return shown_to_; } // the simulated time of the last sample shown
  std::size_t held() const { return held_.size(); }

private:
  void anchor(double wall_now);
  void target_reached(double wall_now);

  std::deque<IntervalSample> held_;
  double speed_ = 0;
  bool paused_ = false;
  int steps_ = 0;                     // samples to show while paused
  std::optional<double> target_;      // play_to, catch_up_to
  bool hold_at_target_ = true;        // play_to holds there; catch_up_to plays on
  double shown_to_ = 0;               // simulated seconds
  std::optional<double> anchor_wall_; // pacing: at this wall time, anchor_simulated_ was shown
  double anchor_simulated_ = 0;
};

// The sample of a run (its samples in time order) to show when another run is shown at time t: the last that
// ends at or before t; none before the first ends.
const IntervalSample* sample_at(const std::vector<IntervalSample>& run, double t);

// Each edge's requests per second over the measured window (the intervals that start at or after the warm-up),
// by (from, to).
std::map<std::pair<std::string, std::string>, double> measured_edge_rates(const std::vector<IntervalSample>& run,
                                                                          double warmup, double duration);

} // namespace scalelab::gui
