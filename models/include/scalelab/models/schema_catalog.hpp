#pragma once
// The service kinds and their keys as the loader declares them, for forms that edit a topology (scalelab-gui's
// palette and property panel): the same declaration that reads files and writes docs/yaml-reference.md, so a
// form cannot offer a key the loader refuses.
#include <string>
#include <vector>

namespace scalelab::models
{

struct KeyDoc {
  std::string key;
  std::string type;         // "integer", "duration", "name of a host", ...
  std::string unit;         // "s", "req/s"; empty when none
  std::string default_text; // YAML such as "60s", "required", or what absence means
  std::string help;
  bool required = false;
  std::vector<std::string> choices; // of an enumeration, as written in files
};

// Every service kind as written in files (`kind: api_server`), in declaration order.
std::vector<std::string> service_kind_names();

// The keys of a service of that kind, `kind` first, in declaration order; empty for an unknown kind.
std::vector<KeyDoc> service_kind_keys(const std::string& kind);

} // namespace scalelab::models
