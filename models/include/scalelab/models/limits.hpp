#pragma once
// What a topology cannot exceed. The loader refuses a file beyond any of these (file:line:col, before
// anything is expanded), so that no input can make it, or a run, take unbounded time or memory for a
// single number; docs/yaml-reference.md lists them (section Limits, generated from the schema). Each leaves
// room above what is really modelled: a hundred thousand hosts, a billion keys.
#include <cstddef>
#include <cstdint>

namespace scalelab::models::limits
{

// The file as text. yaml-cpp takes about 450 bytes of memory per value once the document is built, hence
// the bound on values; but it reads a flow collection ([a, b, ...]) whole before the first of its values is
// seen, about 270 bytes per value, so the size of the file bounds that: 8 MiB of `[a,a,a,...]` take 1.1 GB.
inline constexpr std::size_t kFileBytes = 8u << 20;   // 8 MiB
inline constexpr int kYamlDepth = 64;                 // lists and maps inside each other
inline constexpr std::size_t kYamlValues = 2'000'000; // scalars, lists and maps, aliases expanded
// Reported errors: the rest of a broken file is often the same mistake again.
inline constexpr std::size_t kErrors = 100;

// The topology once groups (`count`) are expanded.
inline constexpr std::int64_t kHosts = 1'000'000;
inline constexpr std::int64_t kSwitches = 1'000'000;
inline constexpr std::int64_t kLinks = 4'000'000;
inline constexpr std::int64_t kInstances = 1'000'000; // service instances, all services together
// A run keeps 8 bytes per core, worker and connection.
inline constexpr std::int64_t kCores = 100'000'000;                 // of all hosts together
inline constexpr std::int64_t kWorkersAndConnections = 100'000'000; // of all instances together
// Keys are drawn, not stored; the Zipf sampler computes in doubles, exact on integers up to 2^53.
inline constexpr std::int64_t kKeys = 1'000'000'000'000'000;
// A consistent-hash ring keeps 12 bytes per point: shards x virtual_nodes of each sharded database.
inline constexpr std::int64_t kRingPoints = 10'000'000;
// Resharding keeps, for each key of the workload, when it moves to its new shard (8 bytes a key).
inline constexpr std::int64_t kReshardKeys = 10'000'000;
// Closed users: with exponential think times they are one Poisson process (nothing per user); with any
// other think time each thinking user is a pending event.
inline constexpr std::int64_t kUsers = 1'000'000'000;
inline constexpr std::int64_t kUsersThinkingApart = 10'000'000;
// Users a run tells apart (sticky balancing, local sessions): up to 12 bytes each for each table that needs them.
inline constexpr std::int64_t kUsersTracked = 10'000'000;
// timeseries.csv: one row per report interval for the users and for each service.
inline constexpr std::int64_t kTimeseriesRows = 10'000'000;

// The rows of timeseries.csv for a run of `duration` cut into rows of `interval` (both in nanoseconds, at
// least 1), with `services` services, or kTimeseriesRows + 1 when there would be more than kTimeseriesRows.
inline std::int64_t timeseries_rows(std::int64_t duration, std::int64_t interval, std::size_t services)
{
  const std::int64_t intervals = duration / interval + (duration % interval != 0 ? 1 : 0);
  const std::int64_t series = static_cast<std::int64_t>(services) + 1;
  if (intervals > kTimeseriesRows / series)
    return kTimeseriesRows + 1;
  return intervals * series;
}

} // namespace scalelab::models::limits
