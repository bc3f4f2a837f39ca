// An API server's guarded calls: timeouts, retries with backoff, retry budgets and circuit breakers
// (call_guard.hpp says how; the decisions are models/protection.hpp's).
#include "components.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

namespace scalelab::sim
{

namespace
{
// A tick of the deadlines (the pools' ticks keep the bits below).
constexpr std::uint32_t kDeadlineTick = 0x80000000U;

// Retried: a timeout and every error reply but a rate limiter's refusal (429: not to be retried at once) and a
// lost session (a redirect to the login page).
bool retryable(Cause cause)
{
  return cause != Cause::ok && cause != Cause::rate_limited && cause != Cause::session_lost;
}
} // namespace

bool ApiServer::deadline_tick(SimTime ts, std::uint32_t aux)
{
  if ((aux & kDeadlineTick) == 0)
    return false;
  on_deadline(ts, aux & ~kDeadlineTick);
  return true;
}

void ApiServer::guarded_call(SimTime ts, std::uint32_t rid, std::uint16_t attempt)
{
  World& w = *world;
  if (!guard_) {
    guard_ = std::make_unique<CallGuard>();
    std::size_t guards = 0;
    for (const auto& program : w.programs)
      for (const ResolvedStep& s : program)
        if (s.protect)
          guards = std::max<std::size_t>(guards, s.guard + 1u);
    guard_->budgets.resize(guards);
    guard_->breakers.resize(guards);
  }
  CallGuard& g = *guard_;
  const Frame& f = w.pool[rid].top();
  const ResolvedStep& step = w.programs[f.program][f.pc];
  const models::CallProtection& p = *step.protect;
  const bool measured = w.clock.measured(ts);
  if (attempt == 0)
    g.counts.calls += measured;
  auto& breaker = g.breakers[step.guard];
  if (p.breaker && !breaker)
    breaker.emplace(*p.breaker);
  if (breaker && !breaker->permit(ts)) { // refused at once, not retried (CallNotPermittedException)
    g.counts.breaker_refused += measured;
    finish(ts, rid, Cause::breaker_open);
    return;
  }
  g.counts.attempts += measured;
  g.counts.retries += measured && attempt > 0;
  // The attempt's own record: the header and the frames up to this one.
  const std::uint32_t copy = w.pool.acquire();
  const std::uint8_t depth = w.pool[rid].depth;
  std::memcpy(static_cast<void*>(&w.pool[copy]), static_cast<const void*>(&w.pool[rid]),
              sizeof(Request) + depth * sizeof(Frame));
  ++w.internal_records; // the request is in flight once, whatever carries it
  w.note_copy(rid, copy);
  const std::uint32_t token = g.next_token++;
  w.pool[copy].top().cookie = token;
  g.out.emplace(token, CallGuard::Attempt{rid, attempt});
  if (p.timeout) {
    const SimTime deadline = models::later(ts, *p.timeout);
    g.deadlines.emplace(deadline, token);
    arm_deadline(deadline);
  }
  send_call(ts, copy);
}

void ApiServer::arm_deadline(SimTime deadline)
{
  CallGuard& g = *guard_;
  if (deadline >= g.armed_at)
    return;
  g.armed_at = deadline;
  ++g.tick_generation;
  node->push_local(deadline, EventKind::tick, id, 0, kDeadlineTick | (g.tick_generation & ~kDeadlineTick));
}

void ApiServer::guarded_reply(SimTime ts, std::uint32_t record, Cause cause)
{
  World& w = *world;
  CallGuard& g = *guard_;
  Request& reply = w.pool[record];
  const auto it = g.out.find(reply.top().cookie);
  if (it == g.out.end()) { // given up (timed out, or this instance crashed since): the work was done for nothing
    g.counts.late_replies += w.clock.measured(ts);
    w.pool.release(record);
    --w.internal_records;
    return;
  }
  const CallGuard::Attempt attempt = it->second;
  if (cause == Cause::lost) {
    const Frame& f = w.pool[attempt.request].top();
    if (w.programs[f.program][f.pc].protect->timeout) {
      // A reply lost on a cut link is nothing a client sees: it waits for its deadline, which fires as a timeout.
      w.pool.release(record);
      --w.internal_records;
      return;
    }
  }
  g.out.erase(it);
  // The caller's record takes what the callee changed: the frames below this one (the user's session token and
  // cookie, which an error reply may carry too: a login), and on success the header (a cache's answer, the
  // version read). A record answered by a crash has the frames only.
  Request& r = w.pool[attempt.request];
  std::copy(reply.frames(), reply.frames() + r.depth - 1, r.frames());
  if (cause == Cause::ok) {
    r.key = reply.key;
    r.type = reply.type;
    r.call_program = reply.call_program;
    r.call_pc = reply.call_pc;
    r.call_op = reply.call_op;
    r.version_source = reply.version_source;
    r.version = reply.version;
  }
  w.pool.release(record);
  --w.internal_records;
  const Frame& f = r.top();
  const ResolvedStep& step = w.programs[f.program][f.pc];
  if (auto& breaker = g.breakers[step.guard])
    breaker->on_result(ts, cause != Cause::ok);
  if (auto& budget = g.budgets[step.guard]) {
    if (cause == Cause::ok)
      budget->on_success();
    else if (retryable(cause))
      budget->on_failure();
  }
  if (cause != Cause::ok) {
    attempt_failed(ts, attempt.request, attempt.attempt, cause);
    return;
  }
  ++r.top().pc;
  run_steps(ts, attempt.request);
}

void ApiServer::attempt_failed(SimTime ts, std::uint32_t rid, std::uint16_t attempt, Cause cause)
{
  World& w = *world;
  CallGuard& g = *guard_;
  const Frame& f = w.pool[rid].top();
  const ResolvedStep& step = w.programs[f.program][f.pc];
  const models::CallProtection& p = *step.protect;
  if (retryable(cause) && attempt < p.retries) {
    auto& budget = g.budgets[step.guard];
    if (p.budget && !budget)
      budget.emplace(*p.budget);
    if (!budget || budget->allows_retry()) {
      const auto next = static_cast<std::uint16_t>(attempt + 1);
      const SimTime wait = models::backoff_delay(p, next, rng_);
      if (wait == 0)
        guarded_call(ts, rid, next);
      else
        node->push_local(models::later(ts, wait), EventKind::step_done, id, rid, kRetryStep + next);
      return;
    }
    g.counts.budget_refused += w.clock.measured(ts);
  }
  finish(ts, rid, cause);
}

void ApiServer::on_deadline(SimTime ts, std::uint32_t generation)
{
  if (!guard_ || generation != (guard_->tick_generation & ~kDeadlineTick))
    return; // re-armed earlier since, or pushed before a crash
  World& w = *world;
  CallGuard& g = *guard_;
  g.armed_at = models::kNever;
  while (!g.deadlines.empty() && g.deadlines.top().first <= ts) {
    const std::uint32_t token = g.deadlines.top().second;
    g.deadlines.pop();
    const auto it = g.out.find(token);
    if (it == g.out.end())
      continue; // answered in time
    const CallGuard::Attempt attempt = it->second;
    g.out.erase(it); // its copy runs on at the callee; its reply will be dropped
    g.counts.timeouts += w.clock.measured(ts);
    const Frame& f = w.pool[attempt.request].top();
    const ResolvedStep& step = w.programs[f.program][f.pc];
    if (auto& breaker = g.breakers[step.guard])
      breaker->on_result(ts, true);
    if (auto& budget = g.budgets[step.guard])
      budget->on_failure();
    attempt_failed(ts, attempt.request, attempt.attempt, Cause::timeout);
  }
  while (!g.deadlines.empty() && g.out.find(g.deadlines.top().second) == g.out.end())
    g.deadlines.pop(); // answered: no tick for them
  if (!g.deadlines.empty())
    arm_deadline(g.deadlines.top().first);
}

void ApiServer::guard_crash()
{
  if (!guard_)
    return;
  World& w = *world;
  CallGuard& g = *guard_;
  // The requests whose attempts were out were held here: the crash made them orphans, which no reply will
  // reach (the replies come on the attempts' copies, dropped as late).
  std::vector<std::uint32_t> tokens; // in token order, not the hash map's: the same on every build
  for (const auto& [token, attempt] : g.out)
    tokens.push_back(token);
  std::sort(tokens.begin(), tokens.end());
  for (const std::uint32_t token : tokens)
    if (const auto& attempt = g.out.at(token); w.pool[attempt.request].orphan)
      w.drop_orphan(attempt.request);
  g.out.clear();
  g.deadlines = {};
  g.armed_at = models::kNever;
  ++g.tick_generation;
  for (auto& b : g.budgets) // a restarted process starts afresh
    b.reset();
  for (auto& b : g.breakers)
    b.reset();
}

} // namespace scalelab::sim
