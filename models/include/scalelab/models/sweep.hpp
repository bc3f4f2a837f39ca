#pragma once
// The plain logic of a sweep: numbers written with units, the combinations of the varied values (a grid,
// zipped groups), the identity of a point and its directory name, and the seed of each run.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace scalelab::models
{

// A number as written in a file, with or without a unit: "500/s", "10ms", "4", "2Gf".
struct WrittenNumber {
  double value = 0;   // in base units: seconds, per second, bytes, bytes per second, flops
  double in_unit = 0; // the number as written, before the unit: 500 for "500/s"
  std::string suffix; // the unit as written ("/s"); empty for a bare number
  std::string unit;   // the base unit's symbol for labels: "s", "1/s", "B", "B/s", "flops"; empty for none
};
// Nothing when text is not a number followed by a unit of the topology files.
std::optional<WrittenNumber> read_written_number(const std::string& text);
// value (in the unit `suffix` names) written back with that suffix, to 12 significant digits: "1500/s".
std::string write_number(double in_unit, const std::string& suffix);

// The combinations of the values of several lists of the given sizes, as one index per list. Lists in a
// group move together (same length); the groups (a list alone is a group of one) are crossed, the first
// varying slowest. groups lists each list in exactly one group, in any order.
std::vector<std::vector<std::size_t>> combinations(const std::vector<std::size_t>& sizes,
                                                   const std::vector<std::vector<std::size_t>>& groups);

// Keeps letters, digits, '.', '_' and '-', and writes every other byte as %XX: a file name, one to one.
std::string percent_encode(const std::string& text);

// A point's identity: "path=value" lines sorted by path. Adding points, parameters' order, or values to
// other lists leaves it unchanged.
std::string point_key(const std::vector<std::pair<std::string, std::string>>& path_values);
// A point's directory name: "name=value" joined by ',' in the given order, each percent-encoded; "base"
// for a point with no varied value. Names and values that differ give names that differ.
std::string point_name(const std::vector<std::pair<std::string, std::string>>& name_values);
// For each path, its shortest tail of whole segments ("workers" for services.app.workers) that is not a
// tail of another path; the whole path when every tail is.
std::vector<std::string> short_names(const std::vector<std::string>& paths);

// The seed of one run: a function of the experiment's seed, the point's key and the repetition (from 1)
// only, so that runs already done keep their seeds when points or repetitions are added.
std::uint64_t run_seed(std::uint64_t experiment_seed, const std::string& point_key, int repetition);

// FNV-1a, 64 bits: a stable hash of text (the same on every platform).
std::uint64_t fnv1a64(const std::string& text);

} // namespace scalelab::models
