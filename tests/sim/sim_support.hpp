#pragma once
// What the simulation tests share: the seed a test runs with, a run of a topology written in the test, and the
// lookups of its results.
#include "scalelab/models/loader.hpp"
#include "scalelab/sim/simulation.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace scalelab::testing
{

// The seed a test fixes, unless SCALELAB_THEORY_SEED=N asks for another.
inline std::string seed_or(const std::string& fixed)
{
  const char* chosen = std::getenv("SCALELAB_THEORY_SEED");
  return chosen && *chosen ? std::string(chosen) : fixed;
}

// Loads a topology written in the test (a load error fails the test) and runs it.
inline sim::RunOutput run_yaml(const std::string& yaml, const sim::RunOptions& options = {})
{
  const auto loaded = models::load_topology_text(yaml, "test.yaml");
  for (const auto& e : loaded.errors)
    ADD_FAILURE() << e.format();
  if (!loaded.spec)
    throw std::runtime_error("test topology does not load");
  return sim::run_simulation(*loaded.spec, options);
}

inline const models::ServiceResult& service(const models::Results& r, const std::string& name)
{
  for (const auto& s : r.services)
    if (s.name == name)
      return s;
  throw std::runtime_error("no service " + name);
}

inline std::uint64_t errors_of(const models::ServiceResult& s, const std::string& cause)
{
  const auto it = s.errors.find(cause);
  return it == s.errors.end() ? 0 : it->second;
}

} // namespace scalelab::testing
