// The engine's fuzz target: inputs that load cleanly as topologies are made small (bounded_for_fuzzing) and
// run by every engine, each in a child process (fuzz/simulation.hpp); the rest is the topology loader's
// fuzzing again, with its checks.
#include "checks.hpp"
#include "simulation.hpp"

#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace scalelab;
  static const fuzz::FileKind& topology = fuzz::file_kind("topology");
  const std::string text(reinterpret_cast<const char*>(data), size);
  fuzz::fuzz_loader(topology, data, size);
  models::LoadResult loaded = models::load_topology_text(text, "input.yaml");
  if (!loaded.spec)
    return 0;
  const auto spec = fuzz::bounded_for_fuzzing(std::move(*loaded.spec));
  if (!spec)
    return 0;
  const std::string problem = fuzz::simulation_problem(*spec);
  if (!problem.empty()) {
    std::fprintf(stderr, "fuzz_simulation: %s\n", problem.c_str());
    std::abort();
  }
  return 0;
}
