#pragma once
// Paths into a topology document, such as services.app.workers or hardware.hosts.web.count, followed by the
// schema's shapes (schema_topology.cpp) and the document's own names: a record's keys come from the
// declaration, a service's from its kind, the names of services, request types and hosts from the file.
// A list's item is named by its index (faults.0.at) or, when its items have names, by its name
// (hardware.hosts.web.count). Names may contain dots: a segment that is no name is joined to the next.
#include "schema.hpp"

#include <string>
#include <vector>

namespace scalelab::models::schema
{

struct PathCheck {
  std::vector<std::string> segments; // the path cut into keys, names and indices (a name may contain dots)
  std::string error;                 // empty when the path exists in the schema and the document
};

// Whether path names a key a topology may have, in this document.
PathCheck check_topology_path(const YAML::Node& document, const std::string& path);

// Writes value at segments (from check_topology_path on this document), creating the maps of records that
// are absent; value is written in flow style, on one line.
void set_topology_path(YAML::Node document, const std::vector<std::string>& segments, const YAML::Node& value);

// The node at segments, or an undefined node when some key is absent.
YAML::Node find_topology_path(const YAML::Node& document, const std::vector<std::string>& segments);

} // namespace scalelab::models::schema
