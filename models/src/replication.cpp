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
