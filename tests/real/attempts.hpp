#pragma once
// How often the tests that compare a live measurement with the model measure again (the live M/D/1 queue, the
// closed loop, the calibrated run): a machine's other work only ever adds to a live latency.

namespace scalelab::real_test
{

// Whether to measure once more after an attempt that did not agree: up to three attempts, and up to six while the
// load generator says it fell behind its own schedule (its send lag flagged), a sign that the machine's other work
// delays the server as much as the timers.
inline bool another_attempt(int attempt, bool schedule_kept)
{
  return attempt < 3 || (attempt < 6 && !schedule_kept);
}

} // namespace scalelab::real_test
