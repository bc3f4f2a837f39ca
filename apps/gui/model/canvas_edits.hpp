#pragma once
// What the canvas's gestures do to a topology's text, in plain C++ (no Qt), so that they are tested without
// widgets: a node moved, a service dropped from the palette, two nodes connected, a service pasted or deleted.
// Each is a splice of models/yaml_edit.hpp (the rest of the text keeps its bytes) and is read back by the loader
// before it is offered: an edit after which the file would not load is refused with the loader's message.
#include "topology_graph.hpp"

#include "scalelab/models/yaml_edit.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace scalelab::gui
{

// The text after the edit and what it did ("connect lb to app: backends: app"), or error (the text unchanged).
struct CanvasEdit {
  std::string text;
  std::string what;  // one line for the undo stack and the status line
  std::string error; // empty on success
  std::string added; // the service a drop or a paste added
};

// The positions the file's `diagram:` keeps (the entries that read as two numbers; others are the loader's
// business). Empty when the text has none or does not parse.
NodePositions read_positions(const std::string& text);

// The node's position set in `diagram:` (rounded to whole units), the key added at the end of the file when the
// file has none. The simulation ignores `diagram:`.
CanvasEdit move_node(const std::string& text, const std::string& id, double x, double y);
// Several nodes moved together (a group dragged): one edit.
CanvasEdit move_nodes(const std::string& text, const NodePositions& moves);

// A name for a new service of that kind that no service has: the kind's short name, then NAME-2, NAME-3, ...
std::string unique_service_name(const std::string& text, const std::string& base);

// A service of that kind with the keys its kind requires, filled from the topology (its first host, a service of
// the kind it names, its first request type) when they can be. Not checked with the loader: the property panel's
// Add leaves what is missing to the loader's messages.
CanvasEdit add_service(const std::string& text, const std::string& name, const std::string& kind);

// The palette's drop: a service of that kind under a new unique name, placed at (x, y); refused with the loader's
// message when the file would not load (a worker pool in a file with no queue, ...).
CanvasEdit drop_service(const std::string& text, const std::string& kind, double x, double y);

// The palette's hardware, from the schema's registry (models/schema_catalog.hpp): a host and a switch (the
// named records of `hardware`'s lists), a data centre (the zones shape datacenters lists by name).
struct HardwareItem {
  std::string id;    // what a drop names: "hardware.hosts", "hardware.switches", "hardware.network.datacenters"
  std::string label; // "host", "switch", "datacenter"
  std::string help;  // the tooltip
};
std::vector<HardwareItem> hardware_palette();
bool is_hardware_item(const std::string& id);

// A hardware item dropped at (x, y) on the diagram drawn from text: a host added to `hardware.hosts` (with the
// schema's defaults, and the `zone` of the data centre's frame it lands in), a switch to `hardware.switches`, a
// data centre to `network.datacenters` (with a row and a column of `wan_latency`); each under a name no host,
// switch or data centre has. Refused with the loader's message when the file would not load (a switch with a
// network shape, a host outside a data centre with shape datacenters, a data centre with shape lan).
CanvasEdit drop_hardware(const std::string& text, const std::string& id, double x, double y);

// A host's item in `hardware.hosts` (by the name written there: a group moves whole) given zone `zone` (one line),
// or its zone taken away when zone is empty; refused with the loader's message when the file would not load.
CanvasEdit move_host(const std::string& text, const std::string& entry, const std::string& zone);

// Connecting `from` to `to` (node ids of graph, built from text): the reference the YAML uses for that pair of
// kinds. The users -> a service: the workload's entry; a balancer -> an API server: its backends; a CDN -> an
// API server or balancer: its origin; a queue -> a worker pool: its consumes; an API server or worker pool ->
// a database, a cache, a queue or another API server or balancer: a step (db_read, cache_get, publish, call)
// added to the first request type it runs. Any other pair is refused with why.
CanvasEdit connect_nodes(const std::string& text, const TopologyGraph& graph, const std::string& from,
                         const std::string& to);

// Replication dragged from a database's node (or its replicas' node) to a host's chip: the host appended to the
// database's `replicas` (the key added when it has none). Refused with why for another kind of node, a host that
// already holds one of its instances or a switch, and with the loader's message when the file would not load.
CanvasEdit add_replica(const std::string& text, const TopologyGraph& graph, const std::string& from,
                       const std::string& host);

// A service's definition as written (one line, flow style), for the clipboard; empty when there is none.
std::string copy_service(const std::string& text, const std::string& name);
// The definition pasted under a new unique name (NAME-2, ...), at (x, y) when given; refused with the loader's
// message when the file would not load.
CanvasEdit paste_service(const std::string& text, const std::string& name, const std::string& definition,
                         std::optional<std::pair<double, double>> at = std::nullopt);
// The service's lines taken out, with its position in `diagram:`. What referred to it is then one of the
// loader's messages (an undo gives it back).
CanvasEdit delete_service(const std::string& text, const std::string& name);

} // namespace scalelab::gui
