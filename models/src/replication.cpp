#include "scalelab/models/replication.hpp"

#include <algorithm>

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

ReadRouter::ReadRouter(ReadFrom from, BalancingPolicy policy, int replicas)
{
  if (from == ReadFrom::replicas && replicas > 0)
    balancer_ = make_balancer(policy, replicas);
}

int ReadRouter::pick_read(Rng& rng)
{
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
