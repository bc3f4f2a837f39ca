#include "scalelab/models/replication.hpp"

#include "scalelab/models/sharding.hpp"

#include <algorithm>
#include <tuple>

namespace scalelab::models
{

const char* to_string(ReplicationMode mode)
{
  switch (mode) {
  case ReplicationMode::async:
    return "async";
  case ReplicationMode::semi_sync:
    return "semi_sync";
  case ReplicationMode::sync:
    return "sync";
  }
  return "?";
}

const char* to_string(ReadFrom from)
{
  switch (from) {
  case ReadFrom::primary:
    return "primary";
  case ReadFrom::replicas:
    return "replicas";
  case ReadFrom::read_your_writes:
    return "read_your_writes";
  case ReadFrom::monotonic:
    return "monotonic";
  }
  return "?";
}

ReadRouter::ReadRouter(ReadFrom from, BalancingPolicy policy, int replicas)
{
  if (replicas <= 0)
    return;
  if (from == ReadFrom::replicas || from == ReadFrom::read_your_writes)
    balancer_ = make_balancer(policy, replicas);
  if (from == ReadFrom::monotonic) {
    sticky_ = true;
    for (int i = 0; i < replicas; ++i)
      up_.push_back(i);
    is_up_.assign(static_cast<std::size_t>(replicas), true);
  }
}

int ReadRouter::pick_read(Rng& rng, std::uint32_t user)
{
  if (sticky_)
    return sticky_replica(user, up_, is_up_);
  if (!balancer_)
    return kPrimary;
  const int replica = balancer_->pick(rng);
  if (replica < 0)
    return kPrimary;
  balancer_->on_dispatch(replica);
  return replica;
}

void ReadRouter::read_done(int replica)
{
  if (balancer_ && replica >= 0)
    balancer_->on_complete(replica);
}

void ReadRouter::promoted(int replica)
{
  if (balancer_ && replica >= 0 && replica < balancer_->backend_count())
    balancer_->set_up(replica, false);
  if (sticky_ && replica >= 0 && static_cast<std::size_t>(replica) < is_up_.size() &&
      is_up_[static_cast<std::size_t>(replica)]) {
    is_up_[static_cast<std::size_t>(replica)] = false;
    up_.erase(std::find(up_.begin(), up_.end(), replica));
  }
}

int sticky_replica(std::uint32_t user, const std::vector<int>& up, const std::vector<bool>& is_up)
{
  if (up.empty())
    return ReadRouter::kPrimary;
  const std::uint64_t h = mix64(user);
  const auto first = static_cast<std::size_t>((h & 0xffffffffU) % is_up.size());
  if (is_up[first])
    return static_cast<int>(first);
  return up[static_cast<std::size_t>((h >> 32) % up.size())];
}

bool uses_read_your_writes(const TopologySpec& spec)
{
  for (const auto& s : spec.services)
    if (const auto* db = std::get_if<DatabaseSpec>(&s.kind))
      if (!db->replication.replicas.empty() && db->replication.read_from == ReadFrom::read_your_writes)
        return true;
  return false;
}

SessionViolations count_session_violations(const std::vector<SessionOp>& ops, std::vector<UserRequest> requests,
                                           std::size_t instances)
{
  const auto by_request = [](const UserRequest& a, const UserRequest& b) {
    return std::tie(a.user, a.created, a.answered) < std::tie(b.user, b.created, b.answered);
  };
  std::sort(requests.begin(), requests.end(), by_request);
  const auto answered = [&](const SessionOp& o) {
    const auto it = std::lower_bound(requests.begin(), requests.end(), UserRequest{o.created, 0, o.user}, by_request);
    return it != requests.end() && it->user == o.user && it->created == o.created ? it->answered : kNever;
  };
  // The newest version written and read of the key that precede each read, from the user's earlier requests:
  // each operation is known from its request's answer on, each read checked when its request was sent (a check
  // first at equal times: strictly before).
  struct Moment {
    std::uint32_t user;
    std::uint64_t key;
    SimTime at;
    std::uint8_t what; // 0: a read checked, 1: an operation known
    std::uint32_t op;
  };
  std::vector<Moment> moments;
  moments.reserve(ops.size() * 2);
  for (std::uint32_t i = 0; i < ops.size(); ++i) {
    const SessionOp& o = ops[i];
    // (An operation done after its request's answer: one that went on after its caller crashed.)
    if (const SimTime at = answered(o); at != kNever)
      moments.push_back({o.user, o.key, std::max(at, o.done), 1, i});
    if (!o.write)
      moments.push_back({o.user, o.key, o.created, 0, i});
  }
  const auto order = [](const Moment& a, const Moment& b) {
    return std::tie(a.user, a.key, a.at, a.what, a.op) < std::tie(b.user, b.key, b.at, b.what, b.op);
  };
  std::sort(moments.begin(), moments.end(), order);
  std::vector<std::uint32_t> written(ops.size(), 0), read(ops.size(), 0); // by read: what it must not be below
  std::uint32_t w = 0, r = 0;
  for (std::size_t i = 0; i < moments.size(); ++i) {
    const Moment& m = moments[i];
    if (i == 0 || m.user != moments[i - 1].user || m.key != moments[i - 1].key)
      w = r = 0;
    const SessionOp& o = ops[m.op];
    if (m.what == 0) {
      written[m.op] = w;
      read[m.op] = r;
    } else {
      (o.write ? w : r) = std::max(o.write ? w : r, o.version);
    }
  }
  // Then the operations before each read in its own request, in the order they were done.
  std::vector<std::uint32_t> index(ops.size());
  for (std::uint32_t i = 0; i < ops.size(); ++i)
    index[i] = i;
  std::sort(index.begin(), index.end(), [&](std::uint32_t a, std::uint32_t b) {
    const SessionOp &x = ops[a], &y = ops[b];
    return std::tie(x.user, x.key, x.created, x.done, a) < std::tie(y.user, y.key, y.created, y.done, b);
  });
  SessionViolations out;
  out.read_your_writes.assign(instances, 0);
  out.monotonic.assign(instances, 0);
  for (std::size_t i = 0; i < index.size(); ++i) {
    const SessionOp& o = ops[index[i]];
    if (i == 0 || o.user != ops[index[i - 1]].user || o.key != ops[index[i - 1]].key ||
        o.created != ops[index[i - 1]].created)
      w = r = 0;
    if (o.write) {
      w = std::max(w, o.version);
      continue;
    }
    if (o.measured && o.instance < instances) {
      out.read_your_writes[o.instance] += o.version < std::max(w, written[index[i]]) ? 1 : 0;
      out.monotonic[o.instance] += o.version < std::max(r, read[index[i]]) ? 1 : 0;
    }
    r = std::max(r, o.version);
  }
  return out;
}

std::size_t acks_needed(const ReplicationSpec& spec, std::size_t shipped)
{
  switch (spec.mode) {
  case ReplicationMode::async:
    return 0;
  case ReplicationMode::semi_sync:
    return std::min(shipped, static_cast<std::size_t>(std::max(spec.k, 0)));
  case ReplicationMode::sync:
    return shipped;
  }
  return 0;
}

std::optional<std::size_t> choose_promoted(const std::vector<std::optional<std::uint64_t>>& positions)
{
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < positions.size(); ++i)
    if (positions[i] && (!best || *positions[i] > *positions[*best]))
      best = i;
  return best;
}

std::uint64_t lost_writes(const std::vector<std::uint64_t>& acknowledged, std::uint64_t promoted_position)
{
  return static_cast<std::uint64_t>(std::count_if(acknowledged.begin(), acknowledged.end(),
                                                  [&](std::uint64_t seq) { return seq > promoted_position; }));
}

} // namespace scalelab::models
