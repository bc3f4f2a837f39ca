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
  WeightedPicker mix_;
  std::optional<ZipfSampler> zipf_;
  bool poisson_ = true;
  double mean_gap_ = 0;
  std::int64_t arrivals_ = 0;
  std::uint64_t entry_instances_ = 1; // an entry with several instances draws one at random per request
  SimTime next_at_ = 0;
};

} // namespace scalelab::models
