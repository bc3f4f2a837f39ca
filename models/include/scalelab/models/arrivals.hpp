#pragma once
// The open workload's requests in time order, as the simulator's users draw them: the arrival process
// (poisson or constant rate), the request mix and the keys' popularity, from the users' random stream of the
// topology's seed. The real mode's load generator sends this schedule, so that a simulated run and a live one
// get the same requests at the same instants.
#include "scalelab/models/random.hpp"
#include "scalelab/models/spec.hpp"
#include "scalelab/models/time.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace scalelab::models
{

struct ScheduledRequest {
  SimTime at = 0;         // intended send time, from the start of the run
  std::uint32_t type = 0; // index in TopologySpec::requests
  std::uint64_t key = 0;  // 0: the workload has no keys
  std::uint32_t user = 0; // 0: none
};

// The seed of the users' stream in a simulation of `spec` (the stream named "(users)").
std::uint64_t users_stream_seed(std::uint64_t seed);

// What a request is, drawn as the simulator's users draw it: its type by the mix, then its key by the keys'
// popularity (the hot key first).
class RequestDraw
{
public:
  explicit RequestDraw(const TopologySpec& spec);
  void draw(Rng& rng, ScheduledRequest& r) const; // sets r.type and r.key

private:
  const KeySpaceSpec& keys_;
  WeightedPicker mix_;
  std::optional<ZipfSampler> zipf_;
};

// Draws the open workload's requests one after the other. Supported: an open arrival, poisson or constant,
// without a rate shape, trace or herds (supported() says why not otherwise).
class OpenSchedule
{
public:
  explicit OpenSchedule(const TopologySpec& spec);
  static std::optional<std::string> unsupported(const TopologySpec& spec); // why not, or nothing
  ScheduledRequest next();

private:
  const TopologySpec& spec_;
  Rng rng_;
  RequestDraw draw_;
  bool poisson_ = true;
  double mean_gap_ = 0;
  std::int64_t arrivals_ = 0;
  std::uint64_t entry_instances_ = 1; // an entry with several instances draws one at random per request
  SimTime next_at_ = 0;
};

// The closed workload's users, each thinking, then sending one request and waiting for its answer, then thinking
// again: their think times and requests, from the users' random stream of the topology's seed. Who draws next
// depends on when the answers come, so a live run's draws are the simulator's in distribution, not one by one.
// Supported: a fixed number of users without herds (unsupported() says why not otherwise).
class ClosedSchedule
{
public:
  explicit ClosedSchedule(const TopologySpec& spec);
  static std::optional<std::string> unsupported(const TopologySpec& spec); // why not, or nothing
  std::int64_t users() const { return users_; }
  SimTime think(); // one think time
  // The request user u (1..users()) sends at `at`.
  ScheduledRequest request(std::uint32_t user, SimTime at);

private:
  const TopologySpec& spec_;
  Rng rng_;
  RequestDraw draw_;
  std::int64_t users_ = 0;
};

// Why the real mode's load generator cannot send spec's workload (open or closed), or nothing.
std::optional<std::string> unsendable(const TopologySpec& spec);

} // namespace scalelab::models
