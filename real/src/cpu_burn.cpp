#include "scalelab/real/cpu_burn.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <ctime>
#include <sched.h>
#include <sys/resource.h>

namespace scalelab::real
{

namespace
{
std::atomic<std::uint64_t> sink{0};
}

std::uint64_t CpuBurner::spin(std::uint64_t iterations)
{
  // A dependent chain of multiplies and xorshifts: the compiler cannot fold it, the CPU cannot overlap it.
  std::uint64_t x = 0x9e3779b97f4a7c15ULL ^ iterations;
  for (std::uint64_t i = 0; i < iterations; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x *= 0x2545f4914f6cdd1dULL;
  }
  sink.fetch_add(x, std::memory_order_relaxed);
  return x;
}

bool set_nice(int nice)
{
  return setpriority(PRIO_PROCESS, 0, nice) == 0;
}

bool set_realtime(int priority)
{
  sched_param p{};
  p.sched_priority = priority;
  return sched_setscheduler(0, SCHED_FIFO, &p) == 0;
}

double thread_cpu_seconds()
{
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

CpuBurner CpuBurner::calibrate(int rounds, double round_seconds)
{
  // A first guess, then rounds of about round_seconds; the CPU time of the thread (not the wall clock), so a
  // preemption by another process does not slow the measured loop.
  std::uint64_t n = 100000;
  double best = 0;
  for (int r = 0; r < rounds + 1; ++r) {
    const double t0 = thread_cpu_seconds();
    spin(n);
    const double dt = std::max(thread_cpu_seconds() - t0, 1e-6);
    const double rate = static_cast<double>(n) / dt;
    if (r > 0)
      best = std::max(best, rate);
    n = static_cast<std::uint64_t>(rate * round_seconds) + 1;
  }
  return CpuBurner(best);
}

void CpuBurner::burn(double seconds) const
{
  // Spun in slices of at most 100 µs, each followed by a look at the thread's CPU clock (about 0.6 µs here): when the
  // core runs slower than at calibration (a neighbour on the machine's memory bus, a lower clock), the step still
  // takes its CPU time, overshooting by a slice's slowdown at most, where a single spin of seconds × rate would
  // overshoot by the whole step's.
  constexpr double slice_seconds = 100e-6;
  if (!(rate_ > 0) || !std::isfinite(seconds) || !(seconds > 0))
    return;
  timespec probe{};
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &probe) != 0) { // no thread clock: the calibrated count alone
    spin(static_cast<std::uint64_t>(seconds * rate_ + 0.5));
    return;
  }
  const double t0 = thread_cpu_seconds();
  for (double left = seconds; left > 0; left = seconds - (thread_cpu_seconds() - t0))
    spin(static_cast<std::uint64_t>(std::min(left, slice_seconds) * rate_) + 1);
}

} // namespace scalelab::real
