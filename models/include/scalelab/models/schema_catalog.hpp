#pragma once
// The service kinds and their keys as the loader declares them, for forms that edit a topology (scalelab-gui's
// palette and property panel): the same declaration that reads files and writes docs/yaml-reference.md, so a
// form cannot offer a key the loader refuses.
#include <string>
#include <utility>
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

// A named element of the hardware that a form adds to a list: a host to `hardware.hosts`, a switch to
// `hardware.switches`, as the schema declares their records.
struct HardwareElement {
  std::string list; // the key of its list under `hardware`: "hosts"
  std::string noun; // what one item is: "host"
  std::vector<KeyDoc> keys;
};

// The lists under `hardware` whose items are records that require a name (what a form can add one of: not the
// links, named by their ends), in declaration order.
std::vector<HardwareElement> hardware_elements();

// The network shapes as written in files (`hardware.network.shape`), in declaration order, and the keys of each
// (`shape` first); empty for an unknown shape.
std::vector<std::string> network_shape_names();
std::vector<KeyDoc> network_shape_keys(const std::string& shape);

// The zones a network shape lists by name (shape datacenters: `datacenters`), as (shape, key) pairs: what a form
// adds a zone to.
std::vector<std::pair<std::string, std::string>> network_zone_lists();

} // namespace scalelab::models
