#include "schema_protection.hpp"

#include "kind_api.hpp"
#include "scalelab/models/limits.hpp"

namespace scalelab::models::schema
{

const Record<RateLimitSpec>& rate_limit_record(const Type<double>& duration, const Type<double>& rate)
{
  static const Record<RateLimitSpec> record = [&] {
    Record<RateLimitSpec> r;
    r.title = "`rate_limit` of a load_balancer or an api_server";
    r.help = "Admits requests up to a rate, globally or per user, and answers the others at once with 429 "
             "(`rate_limited`), before they take a worker: `{algorithm: token_bucket, rate: 5/min, burst: 5, per: "
             "user}`, `{algorithm: sliding_window, limit: 100, window: 1s}`. An api_server limits each instance "
             "apart. A crash of the host forgets the limiter's state.";
    r.fields = {
        field<RateLimitSpec>(
            "algorithm",
            enum_type<RateLimitSpec::Algorithm>(
                "rate limiting algorithm",
                {
                    {"token_bucket", RateLimitSpec::Algorithm::token_bucket,
                     "a bucket of `burst` tokens refilled at `rate`; a request takes one (GCRA, exact in integers)"},
                    {"fixed_window", RateLimitSpec::Algorithm::fixed_window,
                     "at most `limit` per window [kW, (k+1)W): up to 2 x limit across a boundary"},
                    {"sliding_window", RateLimitSpec::Algorithm::sliding_window,
                     "at most `limit` in any window of length `window` (a log of the last `limit` admissions)"},
                }),
            [](RateLimitSpec& s, RateLimitSpec::Algorithm&& a) { s.algorithm = a; })
            .defaults("token_bucket")
            .help("How admissions are counted."),
        field<RateLimitSpec>("rate", rate, [](RateLimitSpec& s, double&& v) { s.rate = v; })
            .optional("required with token_bucket")
            .check(greater_than(0.0))
            .check(at_most_one_per_nanosecond())
            .help("token_bucket only: tokens added per second (`5/min`)."),
        field<RateLimitSpec>("burst", integer_type<int>(), [](RateLimitSpec& s, int&& v) { s.burst = v; })
            .defaults("1")
            .check(at_least(1))
            .unit("requests")
            .help("token_bucket only: the bucket's size, full at the start."),
        field<RateLimitSpec>("limit", integer_type<int>(), [](RateLimitSpec& s, int&& v) { s.limit = v; })
            .optional("required with fixed_window and sliding_window")
            .check(at_least(1))
            .check(at_most(1000000))
            .unit("requests")
            .help("fixed_window, sliding_window only: requests admitted per window."),
        field<RateLimitSpec>("window", duration, [](RateLimitSpec& s, double&& v) { s.window = from_seconds(v); })
            .defaults("1s")
            .check(at_least_one_nanosecond())
            .help("fixed_window, sliding_window only: the window's length."),
        field<RateLimitSpec>("per",
                             enum_type<bool>("rate limit scope", {{"global", false, "one limiter for all requests"},
                                                                  {"user", true,
                                                                   "one limiter per user (requests must carry users: "
                                                                   "`workload.users` or a closed arrival)"}}),
                             [](RateLimitSpec& s, bool&& v) { s.per_user = v; })
            .defaults("global")
            .help("Whose requests share a limiter."),
    };
    r.rules = {
        {"`rate` and `burst` go with `token_bucket`; `limit` and `window` with the windows; each algorithm needs "
         "its own.",
         [](Context& ctx, const Entries& entries, RateLimitSpec& s) {
           const bool bucket = s.algorithm == RateLimitSpec::Algorithm::token_bucket;
           for (const char* key : {"rate", "burst"})
             if (!bucket && entries.find(key))
               ctx.error(entries.key_mark(key), std::string(key) + " is only used with algorithm token_bucket");
           for (const char* key : {"limit", "window"})
             if (bucket && entries.find(key))
               ctx.error(entries.key_mark(key),
                         std::string(key) + " is only used with algorithms fixed_window and sliding_window");
           if (bucket && !entries.find("rate"))
             ctx.error(entries.map().Mark(), "missing key \"rate\" in rate_limit: a token_bucket needs a rate");
           if (!bucket && !entries.find("limit"))
             ctx.error(entries.map().Mark(), "missing key \"limit\" in rate_limit: a window needs a limit");
         }},
    };
    return r;
  }();
  return record;
}

void check_rate_limit_users(const ServiceRaw& raw, KindResolver& resolver)
{
  const Entry* limit = raw.entries.find("rate_limit");
  if (!limit || !limit->value.IsMap() || !limit->value["per"])
    return;
  const auto mark = limit->value["per"].Mark();
  const std::int64_t users = resolver.workload_users();
  const std::string what = "rate_limit per: user " + service_where(raw.name);
  if (users == 0)
    resolver.ctx().error(mark, what + " needs requests that carry users: give workload.users (an open arrival) or "
                                      "use a closed arrival");
  else if (users > limits::kUsersTracked)
    resolver.ctx().error(mark, what + " tells at most " + std::to_string(limits::kUsersTracked) +
                                   " users apart; the workload has " + std::to_string(users));
}

const Record<RetryBudgetSpec>& retry_budget_record()
{
  static const Record<RetryBudgetSpec> record = [] {
    Record<RetryBudgetSpec> r;
    r.title = "`retry_budget` of a call step";
    r.help = "gRPC's retry throttling (gRFC A6), per caller instance and call step: a count of tokens that starts at "
             "`max_tokens`, loses one per failed attempt and gains `token_ratio` per successful one; a retry is "
             "made only while more than half of `max_tokens` remain.";
    r.fields = {
        field<RetryBudgetSpec>("max_tokens", number_type(), [](RetryBudgetSpec& s, double&& v) { s.max_tokens = v; })
            .defaults("10")
            .check(greater_than(0.0))
            .check(at_most(1000.0))
            .help("The tokens at the start and at most (gRPC's maxTokens)."),
        field<RetryBudgetSpec>("token_ratio", number_type(), [](RetryBudgetSpec& s, double&& v) { s.token_ratio = v; })
            .defaults("0.1")
            .check(greater_than(0.0))
            .check(at_most(1000.0))
            .help("Tokens a successful attempt gives back (gRPC's tokenRatio; three decimals count)."),
    };
    return r;
  }();
  return record;
}

const Record<BreakerSpec>& breaker_record(const Type<double>& duration)
{
  static const Record<BreakerSpec> record = [&] {
    Record<BreakerSpec> r;
    r.title = "`breaker` of a call step";
    r.help = "A circuit breaker with resilience4j's semantics and defaults (COUNT_BASED sliding window), per caller "
             "instance and call step. Closed: once `minimum_calls` of the last `window` attempts are known, a "
             "failure rate at or above `failure_rate` opens it. Open: every attempt fails at once with "
             "`breaker_open` until `wait` has passed; the next attempt moves it to half-open. Half-open: "
             "`half_open_calls` attempts go through, the others fail with breaker_open; when they are done it "
             "opens again if their failure rate is at or above `failure_rate`, else it closes. Timeouts and every "
             "error reply count as failures.";
    r.fields = {
        field<BreakerSpec>("failure_rate", number_type(), [](BreakerSpec& s, double&& v) { s.failure_rate = v; })
            .defaults("0.5")
            .check(greater_than(0.0))
            .check(at_most(1.0))
            .help("failureRateThreshold, as a fraction of the attempts."),
        field<BreakerSpec>("window", integer_type<int>(), [](BreakerSpec& s, int&& v) { s.window = v; })
            .defaults("100")
            .check(at_least(1))
            .check(at_most(1000000))
            .unit("calls")
            .help("slidingWindowSize: the last attempts whose outcomes count."),
        field<BreakerSpec>("minimum_calls", integer_type<int>(), [](BreakerSpec& s, int&& v) { s.minimum_calls = v; })
            .defaults("100")
            .check(at_least(1))
            .unit("calls")
            .help("minimumNumberOfCalls before the failure rate is computed (at most `window` count)."),
        field<BreakerSpec>("wait", duration, [](BreakerSpec& s, double&& v) { s.wait = from_seconds(v); })
            .defaults("60s")
            .check(at_least(0.0))
            .help("waitDurationInOpenState."),
        field<BreakerSpec>("half_open_calls", integer_type<int>(),
                           [](BreakerSpec& s, int&& v) { s.half_open_calls = v; })
            .defaults("10")
            .check(at_least(1))
            .check(at_most(1000000))
            .unit("calls")
            .help("permittedNumberOfCallsInHalfOpenState."),
    };
    return r;
  }();
  return record;
}

std::vector<Field<CallTarget>> call_protection_fields(const Type<double>& duration)
{
  return {
      field<CallTarget>("timeout", duration, [](CallTarget& c, double&& v) { c.protect.timeout = from_seconds(v); })
          .optional("none: the caller waits for the reply")
          .check(at_least_one_nanosecond())
          .help("Client side: the caller stops waiting after this long and the attempt fails with `timeout` "
                "(retried if `retries` allow). The callee is not told: it still does the work."),
      field<CallTarget>("retries", integer_type<int>(), [](CallTarget& c, int&& v) { c.protect.retries = v; })
          .defaults("0")
          .check(at_least(0))
          .check(at_most(100))
          .unit("attempts")
          .help("Attempts made after a failed one (a timeout or an error reply other than rate_limited and "
                "session_lost), each a new request to the callee."),
      field<CallTarget>("backoff", duration, [](CallTarget& c, double&& v) { c.protect.backoff = from_seconds(v); })
          .defaults("0s")
          .check(at_least(0.0))
          .help("Base of the exponential backoff before retry k: min(max_backoff, backoff x 2^(k-1)), jittered. "
                "0s: immediate retries."),
      field<CallTarget>("max_backoff", duration,
                        [](CallTarget& c, double&& v) { c.protect.max_backoff = from_seconds(v); })
          .defaults("1s")
          .check(at_least(0.0))
          .help("The backoff's cap."),
      field<CallTarget>("jitter",
                        enum_type<Jitter>("jitter", {{"none", Jitter::none, "the capped backoff itself"},
                                                     {"full", Jitter::full, "uniform in [0, backoff)"},
                                                     {"equal", Jitter::equal, "uniform in [backoff/2, backoff)"}}),
                        [](CallTarget& c, Jitter&& j) { c.protect.jitter = j; })
          .defaults("full")
          .help("How the backoff is randomised (AWS's \"Exponential Backoff and Jitter\")."),
      field<CallTarget>("retry_budget", record_type(&retry_budget_record(), "in retry_budget"),
                        [](CallTarget& c, RetryBudgetSpec&& b) { c.protect.budget = b; })
          .optional("none: every failed attempt is retried while `retries` allow")
          .help("Limits retries when most attempts fail: see `retry_budget` of a call step."),
      field<CallTarget>("breaker", record_type(&breaker_record(duration), "in breaker"),
                        [](CallTarget& c, BreakerSpec&& b) { c.protect.breaker = b; })
          .optional("none")
          .help("A circuit breaker in front of the callee: see `breaker` of a call step."),
  };
}

} // namespace scalelab::models::schema
