#pragma once
// Protection against overload, as plain decisions with no SimGrid type (docs/protection.md): rate limiters
// (token bucket, fixed window, sliding window; global or per user), the backoff between retries, a retry
// budget (gRPC's retry throttling, gRFC A6), a circuit breaker (resilience4j's count-based CircuitBreaker),
// and the end of a CPU claim on a host slowed down by faults. Each decision is O(1) per request (a sliding
// window's log is a ring of at most `limit` times); per-user state lives in a hash map.
#include "scalelab/models/time.hpp"

#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>
#include <vector>

namespace scalelab::models
{

class Rng; // random.hpp

// --- rate limiting -------------------------------------------------------------------------------------

struct RateLimitSpec {
  enum class Algorithm { token_bucket, fixed_window, sliding_window };
  Algorithm algorithm = Algorithm::token_bucket;
  // token_bucket: tokens added per second and the bucket's size (it starts full).
  double rate = 0;
  int burst = 1;
  // fixed_window, sliding_window: at most `limit` admitted per `window`.
  int limit = 1;
  SimTime window = kNanosPerSecond;
  bool per_user = false; // one limiter per user (requests must carry users), else one for all
};

// Whether a service's rate limit (if any) keeps a limiter per user.
inline bool limits_per_user(const std::optional<RateLimitSpec>& limit)
{
  return limit && limit->per_user;
}

// A token bucket as GCRA (the generic cell rate algorithm, ITU-T I.371): a token every `interval` ns (the
// rate, rounded to a whole nanosecond per token), at most `burst` at once. Integer arithmetic: under saturating
// arrivals from a full bucket it admits exactly burst + floor(T / interval) in [0, T].
class TokenBucket
{
public:
  TokenBucket(double rate, int burst);
  bool admit(SimTime now);

private:
  SimTime interval_;
  SimTime tolerance_;       // (burst - 1) x interval
  SimTime theoretical_ = 0; // when the bucket would be full again after what it admitted
};

// At most `limit` admitted in each window [kW, (k+1)W): up to 2 x limit across a boundary.
class FixedWindow
{
public:
  FixedWindow(int limit, SimTime window) : limit_(limit), window_(window) {}
  bool admit(SimTime now);

private:
  int limit_;
  SimTime window_;
  SimTime current_ = -1; // the window's index
  int count_ = 0;
};

// A sliding log: at most `limit` admitted in any interval (t - window, t]. Keeps the last `limit` admission
// times (a ring); exact, where the two-window counter approximation of some gateways is not.
class SlidingWindow
{
public:
  SlidingWindow(int limit, SimTime window) : limit_(limit), window_(window) {}
  bool admit(SimTime now);

private:
  std::size_t limit_;
  SimTime window_;
  std::vector<SimTime> log_; // ring of admission times, oldest at head_ once full
  std::size_t head_ = 0;
};

// One of the three, global or one per user (user 0: a request that carries none shares one limiter).
class RateLimiter
{
public:
  explicit RateLimiter(const RateLimitSpec& spec) : spec_(spec) {}
  bool admit(SimTime now, std::uint32_t user);
  void reset() { limiters_.clear(); } // a crash: the limiter's memory is lost
  std::size_t tracked() const { return limiters_.size(); }

private:
  struct State {
    explicit State(const RateLimitSpec& s);
    std::optional<TokenBucket> bucket;
    std::optional<FixedWindow> fixed;
    std::optional<SlidingWindow> sliding;
    bool admit(SimTime now);
  };
  RateLimitSpec spec_;
  std::unordered_map<std::uint32_t, State> limiters_;
};

// --- retries -------------------------------------------------------------------------------------------

enum class Jitter { none, full, equal };

// gRPC's retry throttling (gRFC A6): tokens start at max_tokens; a failed attempt takes one away, a successful
// one adds token_ratio (up to max_tokens); a retry is allowed only while tokens > max_tokens / 2. Kept in
// thousandths of a token, as the gRFC's three decimals allow.
struct RetryBudgetSpec {
  double max_tokens = 10;
  double token_ratio = 0.1;
};
class RetryBudget
{
public:
  explicit RetryBudget(const RetryBudgetSpec& spec);
  void on_success();
  void on_failure();
  bool allows_retry() const { return milli_ * 2 > max_milli_; }
  double tokens() const { return static_cast<double>(milli_) / 1000.0; }

private:
  std::int64_t max_milli_, ratio_milli_, milli_;
};

// Circuit breaker with resilience4j's semantics (CircuitBreakerConfig, COUNT_BASED sliding window):
// closed: the outcomes of the last `window` calls are kept; once `minimum_calls` (at most `window`) are
// recorded, a failure rate >= `failure_rate` opens it. Open: every call is refused (CallNotPermittedException)
// until `wait` has passed; the first call after that moves it to half-open (resilience4j's default, without
// automatic transition). Half-open: `half_open_calls` calls are let through and the others refused; when all
// of them have completed, a failure rate >= `failure_rate` among them opens it again, else it closes (and
// forgets the window). Outcomes that reach an open breaker are ignored.
struct BreakerSpec {
  double failure_rate = 0.5;           // failureRateThreshold, as a fraction
  int window = 100;                    // slidingWindowSize
  int minimum_calls = 100;             // minimumNumberOfCalls
  SimTime wait = 60 * kNanosPerSecond; // waitDurationInOpenState
  int half_open_calls = 10;            // permittedNumberOfCallsInHalfOpenState
};
class CircuitBreaker
{
public:
  enum class State { closed, open, half_open };
  explicit CircuitBreaker(const BreakerSpec& spec) : spec_(spec), outcomes_(static_cast<std::size_t>(spec.window)) {}
  // Whether a call may go now (moves open to half-open once the wait is over).
  bool permit(SimTime now);
  void on_result(SimTime now, bool failed);
  State state() const { return state_; }
  std::uint64_t transitions() const { return transitions_; }

private:
  void open(SimTime now);
  void close();
  BreakerSpec spec_;
  State state_ = State::closed;
  std::vector<std::uint8_t> outcomes_; // ring: 1 failed
  std::size_t next_ = 0;
  int recorded_ = 0, failures_ = 0;
  SimTime open_until_ = 0;
  int half_open_permitted_ = 0, half_open_done_ = 0, half_open_failures_ = 0;
  std::uint64_t transitions_ = 0;
};

// What a call step does against a slow or failing callee (all optional).
struct CallProtection {
  std::optional<SimTime> timeout; // client side: the caller stops waiting; the callee works on
  int retries = 0;                // further attempts after a failed one
  SimTime backoff = 0;            // base of the exponential backoff (0: immediate retries)
  SimTime max_backoff = kNanosPerSecond;
  Jitter jitter = Jitter::full;
  std::optional<RetryBudgetSpec> budget;
  std::optional<BreakerSpec> breaker;
};

// The wait before retry number `retry` (1: the first): min(max, base x 2^(retry-1)), then jittered (AWS's
// "Exponential Backoff and Jitter": full draws uniformly in [0, cap), equal in [cap/2, cap)).
SimTime backoff_delay(const CallProtection& p, int retry, Rng& rng);

// --- slow hosts ----------------------------------------------------------------------------------------

// A host's cores run `factor` times slower in [from, until).
struct SlowPeriod {
  SimTime from, until;
  double factor;
};
// When work of `work` ns at full speed that starts at `start` ends, under the slow periods (sorted, disjoint).
SimTime slowed_end(SimTime start, SimTime work, const std::vector<SlowPeriod>& periods);

} // namespace scalelab::models
