#pragma once
// A cpu step on this machine: a loop whose speed (iterations per second of one core) is measured at start, so
// that a step of F flops on a host of speed S (flops per second per core) burns F / S seconds, the time the
// simulator gives it.
#include <cstdint>

namespace scalelab::real
{

class CpuBurner
{
public:
  // Measures the loop: the best of `rounds` runs of about `round_seconds` each (the best is the least disturbed
  // by other processes).
  static CpuBurner calibrate(int rounds = 5, double round_seconds = 0.02);
  explicit CpuBurner(double iterations_per_second) : rate_(iterations_per_second) {}
  // A burner whose steps take no time: for checking decisions, not timing.
  static CpuBurner none() { return CpuBurner(0); }
  double iterations_per_second() const { return rate_; }
  // Burns `seconds` of the calling thread's CPU time: the calibrated loop, topped up by the thread's CPU clock.
  // Nothing for a burner of rate 0 (none()) or a time that is not a positive finite number.
  void burn(double seconds) const;
  static std::uint64_t spin(std::uint64_t iterations); // the loop itself; returns a value to keep it alive

private:
  double rate_;
};

// Sets the calling thread's nice value (threads started after inherit it); false when not permitted. A negative
// value lets a measured program keep its cores on a machine shared with other work.
bool set_nice(int nice);
// Puts the calling thread (and the threads it starts after) in the SCHED_FIFO class at `priority`: it runs as soon
// as it is ready, ahead of every ordinary process. false when not permitted. The kernel keeps 5 % of each second
// for the others (sched_rt_runtime_us), so a runaway loop cannot freeze the machine.
bool set_realtime(int priority);

// CPU time of the calling thread, in seconds.
double thread_cpu_seconds();

} // namespace scalelab::real
