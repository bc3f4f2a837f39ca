#include "scalelab/models/session_log.hpp"

#include <algorithm>
#include <tuple>

namespace scalelab::models
{

std::size_t SessionLog::RequestIdHash::operator()(const RequestId& r) const
{
  return std::hash<std::uint64_t>{}(static_cast<std::uint64_t>(r.created) * 0x9e3779b97f4a7c15ULL ^ r.user);
}

std::deque<SessionOp>& SessionLog::bucket(std::uint32_t user)
{
  return buckets_[(user * 0x9e3779b1U) >> 22]; // 1024 buckets: the top ten bits of a multiplicative hash
}

void SessionLog::call_sent(std::uint32_t user, SimTime created)
{
  ++open_[{user, created}].calls_out;
}

void SessionLog::record(const SessionOp& op)
{
  auto& to = bucket(op.user);
  to.push_back(op);
  SessionOp& mine = to.back();
  const auto it = open_.try_emplace({op.user, op.created}).first;
  Open& request = it->second;
  request.calls_out -= request.calls_out > 0 ? 1 : 0;
  if (request.answered == kNever) {
    mine.known = kNever;
    request.ops.push_back(&mine); // deque elements stay where they are as the deque grows
  } else {
    mine.known = std::max(request.answered, op.done);
  }
  close_if_done(it);
}

void SessionLog::answered(std::uint32_t user, SimTime created, SimTime at, bool cut_off)
{
  auto it = open_.find({user, created});
  if (it == open_.end()) {
    if (!cut_off)
      return; // it sent no call here
    it = open_.try_emplace({user, created}).first;
  }
  Open& request = it->second;
  if (request.answered != kNever)
    return; // answered once: the first answer is what the user saw
  request.answered = at;
  request.cut_off = request.cut_off || cut_off;
  for (SessionOp* op : request.ops)
    op->known = std::max(at, op->done);
  request.ops.clear();
  request.ops.shrink_to_fit();
  close_if_done(it);
}

void SessionLog::close_if_done(std::unordered_map<RequestId, Open, RequestIdHash>::iterator it)
{
  // A request cut off by a crash stays: what remains of it may still send calls, known from their end on.
  const Open& request = it->second;
  if (request.answered != kNever && request.calls_out == 0 && !request.cut_off)
    open_.erase(it);
}

namespace
{

// One user's operations on one key, in (request sent, done, instance) order: each read's violations, added to
// `out`. The newest version written and read that precede the read from the user's earlier requests (each
// operation known from `known` on, each read checked when its request was sent, a check first at equal times:
// strictly before), then those before it in its own request.
struct Moment {
  SimTime at;
  std::uint8_t what; // 0: a read checked, 1: an operation known
  std::uint32_t op;
};
// Room reused from one pair to the next.
struct PairScratch {
  std::vector<Moment> moments;
  std::vector<std::uint32_t> written, read;
};

void count_pair(const SessionOp* ops, std::size_t n, PairScratch& scratch, SessionViolations& out)
{
  auto& [moments, written, read] = scratch;
  moments.clear();
  for (std::uint32_t i = 0; i < n; ++i) {
    if (ops[i].known != kNever)
      moments.push_back({ops[i].known, 1, i});
    if (!ops[i].write)
      moments.push_back({ops[i].created, 0, i});
  }
  std::sort(moments.begin(), moments.end(), [](const Moment& a, const Moment& b) {
    return std::tie(a.at, a.what, a.op) < std::tie(b.at, b.what, b.op);
  });
  written.assign(n, 0);
  read.assign(n, 0);
  std::uint32_t w = 0, r = 0;
  for (const Moment& m : moments) {
    const SessionOp& o = ops[m.op];
    if (m.what == 0) {
      written[m.op] = w;
      read[m.op] = r;
    } else {
      (o.write ? w : r) = std::max(o.write ? w : r, o.version);
    }
  }
  w = r = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const SessionOp& o = ops[i];
    if (i == 0 || o.created != ops[i - 1].created)
      w = r = 0;
    if (o.write) {
      w = std::max(w, o.version);
      continue;
    }
    if (o.measured && o.instance < out.read_your_writes.size()) {
      out.read_your_writes[o.instance] += o.version < std::max(w, written[i]) ? 1 : 0;
      out.monotonic[o.instance] += o.version < std::max(r, read[i]) ? 1 : 0;
    }
    r = std::max(r, o.version);
  }
}

} // namespace

SessionViolations SessionLog::count(std::size_t instances) const
{
  SessionViolations out;
  out.read_your_writes.assign(instances, 0);
  out.monotonic.assign(instances, 0);
  std::vector<SessionOp> ops;
  PairScratch scratch;
  for (const auto& b : buckets_) {
    ops.assign(b.begin(), b.end());
    // Stable: operations equal in all of these were done by one instance, which logged them in its own order.
    std::stable_sort(ops.begin(), ops.end(), [](const SessionOp& x, const SessionOp& y) {
      return std::tie(x.user, x.key, x.created, x.done, x.instance) <
             std::tie(y.user, y.key, y.created, y.done, y.instance);
    });
    for (std::size_t first = 0; first < ops.size();) {
      std::size_t last = first + 1;
      while (last < ops.size() && ops[last].user == ops[first].user && ops[last].key == ops[first].key)
        ++last;
      if (last - first > 1) // a lone operation precedes nothing and follows nothing
        count_pair(ops.data() + first, last - first, scratch, out);
      first = last;
    }
  }
  return out;
}

} // namespace scalelab::models
