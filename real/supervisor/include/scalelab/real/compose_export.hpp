#pragma once
// `scalelab real export FILE --compose DIR`: the live stack of a topology as a docker-compose.yml, for machines
// with a Docker engine: the same services and configuration as `real up` (postgres:15 primaries and streaming
// replicas, redis:7, rabbitmq:3.10, haproxy:2.6, the project's programs built by docker/real.Dockerfile).
#include "scalelab/models/spec.hpp"

#include <filesystem>
#include <map>
#include <string>

namespace scalelab::real
{

struct ComposeExport {
  std::string compose_yaml;                 // docker-compose.yml
  std::string stack_json;                   // stack.json as the programs see it inside the Compose network
  std::map<std::string, std::string> files; // other files, by path relative to DIR (haproxy configurations, ...)
};

// source_dir: the project's checkout, the build context of the programs' image.
ComposeExport compose_export(const models::TopologySpec& spec, const std::filesystem::path& source_dir);
// Writes it into dir (created), with the topology copied as dir/topology.yaml. Throws std::runtime_error.
void write_compose_export(const models::TopologySpec& spec, const std::filesystem::path& topology_file,
                          const std::filesystem::path& source_dir, const std::filesystem::path& dir);

} // namespace scalelab::real
