#include "follow.hpp"

namespace scalelab::sim
{

FollowRecorder::Trace* FollowRecorder::trace_of(std::uint32_t rid)
{
  const auto it = by_record_.find(rid);
  if (it == by_record_.end())
    return nullptr;
  Trace& t = traces_[it->second];
  // Answered: what a copy of its record still does (an attempt given up, an orphan) is not its path.
  return t.answered == models::kNever ? &t : nullptr;
}

void FollowRecorder::start(std::uint32_t rid, std::uint64_t index, SimTime ts, std::uint16_t type, bool measured)
{
  by_record_[rid] = static_cast<std::uint32_t>(traces_.size());
  Trace t;
  t.index = index;
  t.type = type;
  t.measured = measured;
  t.sent = ts;
  t.last_left = ts;
  traces_.push_back(std::move(t));
}

void FollowRecorder::sent(std::uint32_t rid, SimTime now)
{
  Trace* t = trace_of(rid);
  if (!t)
    return;
  if (t->hops.empty() || t->hops.back().finished == models::kNever) {
    if (!t->hops.empty())
      t->hops.back().finished = now;
    t->last_left = now;
  }
  // Else the message before is still on its way, and this one is sent from elsewhere (the callers' side of a
  // request cut off by a crash is answered while a reply to the crashed host travels): the next hop's travel
  // counts from when that message left, so that the path still accounts for all of its time.
}

void FollowRecorder::arrived(std::uint32_t rid, SimTime ts, std::uint32_t component, bool reply)
{
  Trace* t = trace_of(rid);
  if (!t)
    return;
  if (!t->hops.empty() && t->hops.back().finished == models::kNever) {
    // Two of its records are under way at once (a guarded call's attempt given up, whose late reply comes
    // back while the next attempt is out): the stay before ends here, and this message's travel counts from
    // now, so that the path still accounts for its time once.
    t->hops.back().finished = ts;
    t->last_left = ts;
  }
  t->hops.push_back(Hop{component, reply, t->last_left, ts, ts, models::kNever});
}

void FollowRecorder::began(std::uint32_t rid, SimTime ts, std::uint32_t component)
{
  Trace* t = trace_of(rid);
  if (t && !t->hops.empty() && t->hops.back().component == component && t->hops.back().finished == models::kNever)
    t->hops.back().began = ts;
}

void FollowRecorder::answered(std::uint32_t rid, SimTime ts, Cause cause)
{
  Trace* t = trace_of(rid);
  if (!t)
    return;
  if (!t->hops.empty() && t->hops.back().finished == models::kNever)
    t->hops.back().finished = ts;
  t->answered = ts;
  t->cause = cause;
  by_record_.erase(rid);
}

void FollowRecorder::copied(std::uint32_t from, std::uint32_t to)
{
  const auto it = by_record_.find(from);
  if (it != by_record_.end())
    by_record_[to] = it->second;
}

} // namespace scalelab::sim
