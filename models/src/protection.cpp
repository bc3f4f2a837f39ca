#include "scalelab/models/protection.hpp"

#include "scalelab/models/random.hpp"

#include <algorithm>
#include <cmath>

namespace scalelab::models
{

// --- rate limiting -------------------------------------------------------------------------------------

TokenBucket::TokenBucket(double rate, int burst)
    : interval_(std::max<SimTime>(1, from_seconds(1.0 / rate))),
      tolerance_(static_cast<SimTime>(std::max(burst, 1) - 1) * interval_)
{
}

bool TokenBucket::admit(SimTime now)
{
  const SimTime tat = std::max(theoretical_, now);
  if (tat - now > tolerance_)
    return false;
  theoretical_ = tat + interval_;
  return true;
}

bool FixedWindow::admit(SimTime now)
{
  const SimTime index = now / window_;
  if (index != current_) {
    current_ = index;
    count_ = 0;
  }
  if (count_ >= limit_)
    return false;
  ++count_;
  return true;
}

bool SlidingWindow::admit(SimTime now)
{
  if (log_.size() < limit_) {
    log_.push_back(now);
    return true;
  }
  // Full: the oldest of the last `limit` admissions must have left the window (now - window, now].
  if (log_[head_] > now - window_)
    return false;
  log_[head_] = now;
  head_ = (head_ + 1) % limit_;
  return true;
}

RateLimiter::State::State(const RateLimitSpec& s)
{
  switch (s.algorithm) {
  case RateLimitSpec::Algorithm::token_bucket:
    bucket.emplace(s.rate, s.burst);
    break;
  case RateLimitSpec::Algorithm::fixed_window:
    fixed.emplace(s.limit, s.window);
    break;
  case RateLimitSpec::Algorithm::sliding_window:
    sliding.emplace(s.limit, s.window);
    break;
  }
}

bool RateLimiter::State::admit(SimTime now)
{
  if (bucket)
    return bucket->admit(now);
  if (fixed)
    return fixed->admit(now);
  return sliding->admit(now);
}

bool RateLimiter::admit(SimTime now, std::uint32_t user)
{
  const std::uint32_t key = spec_.per_user ? user : 0;
  auto it = limiters_.find(key);
  if (it == limiters_.end())
    it = limiters_.emplace(key, State(spec_)).first;
  return it->second.admit(now);
}

// --- retries -------------------------------------------------------------------------------------------

RetryBudget::RetryBudget(const RetryBudgetSpec& spec)
    : max_milli_(std::llround(spec.max_tokens * 1000.0)), ratio_milli_(std::llround(spec.token_ratio * 1000.0)),
      milli_(max_milli_)
{
}

void RetryBudget::on_success()
{
  milli_ = std::min(max_milli_, milli_ + ratio_milli_);
}

void RetryBudget::on_failure()
{
  milli_ = std::max<std::int64_t>(0, milli_ - 1000);
}

SimTime backoff_delay(const CallProtection& p, int retry, Rng& rng)
{
  if (p.backoff <= 0)
    return 0;
  double cap = static_cast<double>(p.backoff) * std::ldexp(1.0, std::min(retry - 1, 62));
  cap = std::min(cap, static_cast<double>(p.max_backoff));
  switch (p.jitter) {
  case Jitter::none:
    break;
  case Jitter::full:
    cap *= rng.uniform01();
    break;
  case Jitter::equal:
    cap = cap / 2 + cap / 2 * rng.uniform01();
    break;
  }
  return static_cast<SimTime>(std::llround(cap));
}

// --- circuit breaker -----------------------------------------------------------------------------------

bool CircuitBreaker::permit(SimTime now)
{
  switch (state_) {
  case State::closed:
    return true;
  case State::open:
    if (now < open_until_)
      return false;
    state_ = State::half_open;
    ++transitions_;
    half_open_permitted_ = half_open_done_ = half_open_failures_ = 0;
    [[fallthrough]];
  case State::half_open:
    if (half_open_permitted_ >= spec_.half_open_calls)
      return false;
    ++half_open_permitted_;
    return true;
  }
  return false;
}

void CircuitBreaker::on_result(SimTime now, bool failed)
{
  switch (state_) {
  case State::open:
    return;
  case State::half_open:
    ++half_open_done_;
    half_open_failures_ += failed ? 1 : 0;
    if (half_open_done_ >= spec_.half_open_calls) {
      if (half_open_failures_ >= spec_.failure_rate * half_open_done_)
        open(now);
      else
        close();
    }
    return;
  case State::closed: {
    if (recorded_ == spec_.window)
      failures_ -= outcomes_[next_];
    else
      ++recorded_;
    outcomes_[next_] = failed ? 1 : 0;
    failures_ += failed ? 1 : 0;
    next_ = (next_ + 1) % outcomes_.size();
    if (recorded_ >= std::min(spec_.minimum_calls, spec_.window) && failures_ >= spec_.failure_rate * recorded_)
      open(now);
    return;
  }
  }
}

void CircuitBreaker::open(SimTime now)
{
  state_ = State::open;
  ++transitions_;
  open_until_ = later(now, spec_.wait);
}

void CircuitBreaker::close()
{
  state_ = State::closed;
  ++transitions_;
  std::fill(outcomes_.begin(), outcomes_.end(), 0);
  next_ = 0;
  recorded_ = failures_ = 0;
}

// --- slow hosts ----------------------------------------------------------------------------------------

namespace
{
SimTime whole_ns(double ns)
{
  return ns >= 9e18 ? kNever : static_cast<SimTime>(std::llround(ns));
}
} // namespace

SimTime slowed_end(SimTime start, SimTime work, const std::vector<SlowPeriod>& periods)
{
  SimTime t = start;
  double remaining = static_cast<double>(work); // ns of work at full speed
  for (const SlowPeriod& p : periods) {
    if (p.until <= t)
      continue;
    if (t < p.from) {
      const double free = static_cast<double>(p.from - t);
      if (remaining <= free)
        return later(t, whole_ns(remaining));
      remaining -= free;
      t = p.from;
    }
    const double span = static_cast<double>(p.until - t);
    if (remaining * p.factor <= span)
      return later(t, whole_ns(remaining * p.factor));
    remaining -= span / p.factor;
    t = p.until;
  }
  return later(t, whole_ns(remaining));
}

} // namespace scalelab::models
