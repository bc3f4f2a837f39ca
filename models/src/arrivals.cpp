#include "scalelab/models/arrivals.hpp"

namespace scalelab::models
{

namespace
{
std::vector<double> mix_weights(const TopologySpec& spec)
{
  std::vector<double> weights(spec.requests.size(), 0.0);
  for (const auto& [name, weight] : spec.workload.mix)
    for (std::size_t i = 0; i < spec.requests.size(); ++i)
      if (spec.requests[i].name == name)
        weights[i] = weight;
  return weights;
}

std::uint64_t fnv1a(const std::string& name)
{
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : name) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}
} // namespace

std::uint64_t users_stream_seed(std::uint64_t seed)
{
  return Rng::derive(seed, fnv1a("(users)")).next_u64();
}

std::optional<std::string> OpenSchedule::unsupported(const TopologySpec& spec)
{
  const auto* open = std::get_if<OpenArrival>(&spec.workload.arrival);
  if (!open)
    return "a closed workload (users and think_time) is not sent open-loop";
  if (open->process == OpenArrival::Process::trace)
    return "a trace arrival is not supported yet";
  if (open->shape)
    return "a rate shape is not supported yet";
  if (!spec.workload.herds.empty())
    return "herds are not supported yet";
  return std::nullopt;
}

RequestDraw::RequestDraw(const TopologySpec& spec) : keys_(spec.workload.keys), mix_(mix_weights(spec))
{
  if (keys_.count > 0 && keys_.popularity == KeySpaceSpec::Popularity::zipf)
    zipf_.emplace(static_cast<std::uint64_t>(keys_.count), keys_.exponent);
}

void RequestDraw::draw(Rng& rng, ScheduledRequest& r) const
{
  r.type = static_cast<std::uint32_t>(mix_.pick(rng));
  if (keys_.count == 0)
    r.key = 0;
  else if (keys_.hot_key > 0 && rng.uniform01() < keys_.hot_key)
    r.key = 1;
  else
    r.key = zipf_ ? zipf_->sample(rng) : 1 + rng.below(static_cast<std::uint64_t>(keys_.count));
}

OpenSchedule::OpenSchedule(const TopologySpec& spec) : spec_(spec), rng_(users_stream_seed(spec.seed)), draw_(spec)
{
  const auto& w = spec.workload;
  const auto& open = std::get<OpenArrival>(w.arrival);
  poisson_ = open.process == OpenArrival::Process::poisson;
  mean_gap_ = 1.0 / open.rate;
  if (const auto* entry = spec.find_service(w.entry)) {
    const auto* db = std::get_if<DatabaseSpec>(&entry->kind);
    if (!(db && db->shards))
      entry_instances_ = instance_hosts(entry->kind).size();
  }
  // The simulator's users draw the first gap before anything else.
  next_at_ = poisson_ ? from_seconds(rng_.exponential(mean_gap_)) : from_seconds(mean_gap_);
}

// The order of the draws is the simulator's (sim/src/components.cpp, Source): the type, the key, the user,
// the entry's instance, then the next gap.
ScheduledRequest OpenSchedule::next()
{
  ScheduledRequest r;
  r.at = next_at_;
  draw_.draw(rng_, r);
  if (spec_.workload.users > 0)
    r.user = static_cast<std::uint32_t>(1 + rng_.below(static_cast<std::uint64_t>(spec_.workload.users)));
  if (entry_instances_ > 1)
    (void)rng_.below(entry_instances_);
  ++arrivals_;
  next_at_ = poisson_ ? next_at_ + from_seconds(rng_.exponential(mean_gap_))
                      : from_seconds(static_cast<double>(arrivals_ + 1) * mean_gap_);
  return r;
}

std::optional<std::string> ClosedSchedule::unsupported(const TopologySpec& spec)
{
  const auto* closed = std::get_if<ClosedArrival>(&spec.workload.arrival);
  if (!closed)
    return "an open workload (an arrival rate) is not sent closed-loop";
  if (closed->shape)
    return "a number of users that changes over the run is not supported yet";
  if (!spec.workload.herds.empty())
    return "herds are not supported yet";
  return std::nullopt;
}

ClosedSchedule::ClosedSchedule(const TopologySpec& spec)
    : spec_(spec), rng_(users_stream_seed(spec.seed)), draw_(spec),
      users_(std::get<ClosedArrival>(spec.workload.arrival).users)
{
}

SimTime ClosedSchedule::think()
{
  return sample_duration(std::get<ClosedArrival>(spec_.workload.arrival).think_time, rng_);
}

ScheduledRequest ClosedSchedule::request(std::uint32_t user, SimTime at)
{
  ScheduledRequest r;
  r.at = at;
  r.user = user;
  draw_.draw(rng_, r);
  return r;
}

std::optional<std::string> unsendable(const TopologySpec& spec)
{
  return std::holds_alternative<ClosedArrival>(spec.workload.arrival) ? ClosedSchedule::unsupported(spec)
                                                                      : OpenSchedule::unsupported(spec);
}

} // namespace scalelab::models
