#include "canvas_edits.hpp"

#include "scalelab/models/loader.hpp"
#include "scalelab/models/schema_catalog.hpp"
#include "scalelab/models/units.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>

namespace scalelab::gui
{

namespace
{

const char* const kDiagramKey = "diagram";

std::optional<YAML::Node> parsed(const std::string& text)
{
  try {
    YAML::Node root = YAML::Load(text);
    if (root.IsMap())
      return root;
  } catch (const YAML::Exception&) {
  }
  return std::nullopt;
}

// The child at key: an undefined node (not an invalid one, whose questions throw) when there is none.
YAML::Node at(const YAML::Node& node, const std::string& key)
{
  if (!node.IsDefined() || !node.IsMap())
    return YAML::Node(YAML::NodeType::Undefined);
  const YAML::Node& constant = node; // const: looking up a key never adds it
  const YAML::Node child = constant[key];
  return child.IsDefined() ? child : YAML::Node(YAML::NodeType::Undefined);
}

bool is_name(const std::string& name)
{
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

std::string number(double v)
{
  const double r = std::round(v);
  return std::to_string(static_cast<long long>(r == 0 ? 0 : r)); // no "-0"
}

CanvasEdit refused(const std::string& text, std::string why)
{
  return {text, "", std::move(why), ""};
}

// The edit, when the loader reads the edited text without an error; else refused with its first message.
CanvasEdit loaded_or_refused(const std::string& before, std::string after, std::string what)
{
  const auto loaded = models::load_topology_text(after, "the edited file");
  if (!loaded.spec)
    return refused(before, "not done: the file would not load (" +
                               (loaded.errors.empty() ? std::string("no message") : loaded.errors.front().format()) +
                               ")");
  return {std::move(after), std::move(what), "", ""};
}

bool has_service(const YAML::Node& root, const std::string& name)
{
  return at(at(root, "services"), name).IsDefined();
}

// The value a new service's required key gets from the topology: hosts, services and request types by name, as
// the loader reads them; empty when there is nothing to take it from.
std::string default_for_key(const YAML::Node& root, const std::string& key, const std::string& type)
{
  if (type.find("host name") != std::string::npos) {
    const YAML::Node hosts = at(at(root, "hardware"), "hosts");
    if (hosts.IsSequence() && hosts.size() > 0 && at(hosts[0], "name").IsScalar())
      return hosts[0]["name"].Scalar();
    return {};
  }
  if (type.find("request type") != std::string::npos) {
    const YAML::Node requests = at(root, "requests");
    if (requests.IsMap() && requests.size() > 0)
      return "[" + requests.begin()->first.Scalar() + "]";
    return {};
  }
  if (type.find("service name") != std::string::npos) {
    // The kind a balancer's backends, a worker's queue or an edge's origin usually are.
    const std::string wanted = key == "consumes" ? "queue" : "api_server";
    const YAML::Node services = at(root, "services");
    if (!services.IsMap())
      return {};
    for (auto it = services.begin(); it != services.end(); ++it)
      if (at(it->second, "kind").IsScalar() && at(it->second, "kind").Scalar() == wanted)
        return it->first.Scalar();
    return {};
  }
  return {};
}

// A step appended to a request type's steps (a list, or a map with `steps`).
CanvasEdit add_step(const std::string& text, const YAML::Node& root, const std::string& request,
                    const std::string& step, const std::string& what)
{
  std::vector<std::string> path{"requests", request};
  if (at(at(root, "requests"), request).IsMap())
    path.push_back("steps");
  const auto edit = models::append_yaml_item(text, path, step);
  if (!edit.error.empty())
    return refused(text, edit.error);
  return loaded_or_refused(text, edit.text, what + ": `" + step + "` added to " + request);
}

// A request type other than `besides`: what a call or a publish sends on (one that the graph already sends to
// `prefer` first).
std::string other_request(const YAML::Node& root, const std::string& besides, const std::vector<std::string>& prefer)
{
  for (const auto& r : prefer)
    if (r != besides)
      return r;
  const YAML::Node requests = at(root, "requests");
  for (auto it = requests.begin(); it != requests.end(); ++it)
    if (it->first.Scalar() != besides)
      return it->first.Scalar();
  return {};
}

const char* const kHardwarePrefix = "hardware.";

// The names of the hardware's elements as written and expanded (hosts and switches share one set of names), and
// of the data centres.
std::set<std::string> hardware_names(const YAML::Node& root)
{
  std::set<std::string> names;
  const YAML::Node hardware = at(root, "hardware");
  for (const char* list : {"hosts", "switches"}) {
    const YAML::Node items = at(hardware, list);
    if (!items.IsSequence())
      continue;
    for (const auto& item : items) {
      const YAML::Node name = at(item, "name");
      if (!name.IsScalar())
        continue;
      names.insert(name.Scalar());
      int count = 1;
      try {
        if (at(item, "count").IsScalar())
          count = std::clamp(at(item, "count").as<int>(), 1, 1000000);
      } catch (const YAML::Exception&) {
      }
      for (int i = 1; count > 1 && i <= count; ++i)
        names.insert(name.Scalar() + "-" + std::to_string(i));
    }
  }
  const YAML::Node zones = at(at(hardware, "network"), "datacenters");
  if (zones.IsSequence())
    for (const auto& z : zones)
      if (z.IsScalar())
        names.insert(z.Scalar());
  return names;
}

std::string unique_name(const std::set<std::string>& taken, const std::string& base)
{
  if (!taken.count(base))
    return base;
  for (int i = 2;; ++i)
    if (const std::string name = base + "-" + std::to_string(i); !taken.count(name))
      return name;
}

// A default the schema states as a value (written `1`, `1Gf`), not in words ("none", "required"); empty if none.
std::string literal_default(const models::KeyDoc& key)
{
  const std::string& d = key.default_text;
  if (d.size() < 3 || d.front() != '`' || d.back() != '`')
    return {};
  const std::string value = d.substr(1, d.size() - 2);
  return value.find_first_of("` {[") == std::string::npos ? value : std::string();
}

// Whether the diagram of the file has zones' frames: a shape with zones, or a host or switch with one.
bool has_zones(const YAML::Node& root)
{
  const YAML::Node hardware = at(root, "hardware");
  const YAML::Node shape = at(at(hardware, "network"), "shape");
  if (shape.IsScalar() && shape.Scalar() != "lan")
    return true;
  for (const char* list : {"hosts", "switches"})
    if (const YAML::Node items = at(hardware, list); items.IsSequence())
      for (const auto& item : items)
        if (at(item, "zone").IsDefined())
          return true;
  return false;
}

// The zone a drop at (x, y) lands in on the diagram of text (its frames as drawn): empty when none or the text
// does not load; `rack` set when it is a rack, which a host's place in the file decides, not a key.
std::string zone_at(const std::string& text, const YAML::Node& root, double x, double y, bool& rack)
{
  rack = false;
  if (!has_zones(root)) // a large lan file is not read twice
    return {};
  const auto loaded = models::load_topology_text(text, "the file");
  if (!loaded.spec)
    return {};
  const auto graph = TopologyGraph::from_spec(*loaded.spec, read_positions(text));
  const GraphFrame* frame = graph.frame_at(x, y);
  if (!frame)
    return {};
  rack = frame->rack;
  return frame->zone;
}

// A data centre added to shape datacenters: its name in `datacenters`, and in `wan_latency` a column on each row
// and a row, as far from every other data centre as the farthest two are now (an edit of the matrix later).
CanvasEdit add_datacenter(const std::string& text, const YAML::Node& root, const std::string& id)
{
  const std::vector<std::string> path{"hardware", "network", id.substr(id.rfind('.') + 1)};
  const YAML::Node network = at(at(root, "hardware"), "network");
  const std::string name = unique_name(hardware_names(root), "dc");
  auto edit = models::append_yaml_item(text, path, name);
  if (!edit.error.empty())
    return refused(text, edit.error);
  std::string out = edit.text;
  const YAML::Node matrix = at(network, "wan_latency");
  if (matrix.IsSequence()) {
    // The farthest latency as written (its unit kept), by the loader's reading of the durations.
    std::string far = "1ms";
    double far_seconds = -1;
    std::vector<std::vector<std::string>> rows;
    for (const auto& row : matrix) {
      rows.emplace_back();
      if (!row.IsSequence())
        return refused(text, "the file's wan_latency is not a matrix: add the data centre in the text");
      for (const auto& cell : row) {
        const std::string v = cell.IsScalar() ? cell.Scalar() : "0";
        rows.back().push_back(v);
        if (const auto secs = models::parse_duration(v).value; secs && *secs > far_seconds) {
          far_seconds = *secs;
          far = v;
        }
      }
    }
    std::string value = "[";
    for (std::size_t r = 0; r <= rows.size(); ++r) {
      std::vector<std::string> cells = r < rows.size() ? rows[r] : std::vector<std::string>(rows.size(), far);
      cells.push_back(r < rows.size() ? far : "0");
      value += std::string(r ? ", " : "") + "[";
      for (std::size_t c = 0; c < cells.size(); ++c)
        value += (c ? ", " : "") + cells[c];
      value += "]";
    }
    value += "]";
    const auto matrix_edit = models::set_yaml_value(out, {"hardware", "network", "wan_latency"}, value);
    if (!matrix_edit.error.empty())
      return refused(text, matrix_edit.error);
    out = matrix_edit.text;
  }
  return loaded_or_refused(text, out, "add data centre " + name);
}

} // namespace

std::vector<HardwareItem> hardware_palette()
{
  std::vector<HardwareItem> out;
  for (const auto& e : models::hardware_elements())
    out.push_back({kHardwarePrefix + e.list, e.noun,
                   "Drag onto the canvas to add a " + e.noun + " to hardware." + e.list +
                       (e.noun == "host" ? " (into a data centre's frame: in that zone)" : "")});
  for (const auto& [shape, key] : models::network_zone_lists()) {
    const std::string noun = key.size() > 1 && key.back() == 's' ? key.substr(0, key.size() - 1) : key;
    out.push_back(
        {kHardwarePrefix + std::string("network.") + key, noun,
         "Drag onto the canvas to add a " + noun + " to hardware.network." + key + " (network shape " + shape + ")"});
  }
  return out;
}

bool is_hardware_item(const std::string& id)
{
  return id.rfind(kHardwarePrefix, 0) == 0;
}

CanvasEdit drop_hardware(const std::string& text, const std::string& id, double x, double y)
{
  const auto root = parsed(text);
  if (!root)
    return refused(text, "the text does not parse");
  if (id.rfind(std::string(kHardwarePrefix) + "network.", 0) == 0)
    return add_datacenter(text, *root, id);
  const std::string list = id.substr(std::string(kHardwarePrefix).size());
  const auto elements = models::hardware_elements();
  const auto element =
      std::find_if(elements.begin(), elements.end(), [&](const models::HardwareElement& e) { return e.list == list; });
  if (element == elements.end())
    return refused(text, "nothing in the hardware is called " + id);
  const std::string name = unique_name(hardware_names(*root), element->noun);
  bool rack = false;
  const std::string zone = zone_at(text, *root, x, y, rack);
  // The schema's keys with a value for a default; one machine (a group is made in the text), no price.
  std::string item = "{name: " + name;
  for (const auto& k : element->keys) {
    if (k.key == "zone" && !zone.empty() && !rack)
      item += ", zone: " + zone;
    else if (const std::string value = literal_default(k); k.key != "name" && k.key != "count" && !value.empty())
      item += ", " + k.key + ": " + value;
  }
  item += "}";
  const auto edit = models::append_yaml_item(text, {"hardware", list}, item);
  if (!edit.error.empty())
    return refused(text, edit.error);
  return loaded_or_refused(text, edit.text,
                           "add " + element->noun + " " + name +
                               (zone.empty() ? std::string()
                                : rack       ? " (racks fill in file order)"
                                             : " in " + zone));
}

CanvasEdit move_host(const std::string& text, const std::string& entry, const std::string& zone)
{
  const auto root = parsed(text);
  if (!root)
    return refused(text, "the text does not parse");
  const YAML::Node hosts = at(at(*root, "hardware"), "hosts");
  if (!hosts.IsSequence())
    return refused(text, "the file has no hardware.hosts");
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    const YAML::Node name = at(hosts[i], "name");
    if (!name.IsScalar() || name.Scalar() != entry)
      continue;
    const std::vector<std::string> path{"hardware", "hosts", std::to_string(i), "zone"};
    std::string current;
    const bool has_zone = models::yaml_value_at(text, path, current);
    if ((has_zone && current == zone) || (!has_zone && zone.empty()))
      return refused(text, "host " + entry + " is already there");
    const auto edit = zone.empty() ? models::remove_yaml_key(text, path) : models::set_yaml_value(text, path, zone);
    if (!edit.error.empty())
      return refused(text, edit.error);
    return loaded_or_refused(text, edit.text,
                             "move host " + entry + (zone.empty() ? " out of its zone" : " to " + zone));
  }
  return refused(text, "no host " + entry + " in hardware.hosts");
}

NodePositions read_positions(const std::string& text)
{
  NodePositions out;
  const auto root = parsed(text);
  if (!root)
    return out;
  const YAML::Node diagram = at(*root, kDiagramKey);
  if (!diagram.IsMap())
    return out;
  for (auto it = diagram.begin(); it != diagram.end(); ++it) {
    const YAML::Node xy = it->second; // a copy: the iterator's pair is a temporary
    if (!it->first.IsScalar() || !xy.IsSequence() || xy.size() != 2)
      continue;
    try {
      out[it->first.Scalar()] = {xy[0].as<double>(), xy[1].as<double>()};
    } catch (const YAML::Exception&) {
    }
  }
  return out;
}

CanvasEdit move_node(const std::string& text, const std::string& id, double x, double y)
{
  const std::string value = "[" + number(x) + ", " + number(y) + "]";
  const std::string what = "move " + id;
  std::string current;
  if (models::yaml_value_at(text, {kDiagramKey}, current) && current != "~" && !current.empty() && current != "null") {
    const auto edit = models::set_yaml_value(text, {kDiagramKey, id}, value);
    if (!edit.error.empty())
      return refused(text, edit.error);
    return {edit.text, what, "", ""};
  }
  const auto root = parsed(text);
  if (!root)
    return refused(text, "the text does not parse");
  if (at(*root, kDiagramKey).IsNull()) { // `diagram:` with nothing after it
    const auto edit = models::set_yaml_value(text, {kDiagramKey}, "{" + id + ": " + value + "}");
    if (!edit.error.empty())
      return refused(text, edit.error);
    return {edit.text, what, "", ""};
  }
  if (at(*root, kDiagramKey).IsDefined())
    return refused(text, "the file's diagram: is not a map of node names to [x, y]");
  // The first position: the key at the end of the file, with a comment for whoever reads the file.
  std::string out = text;
  if (!out.empty() && out.back() != '\n')
    out += '\n';
  out += "\n" + std::string(kDiagramKey) +
         ":   # where scalelab-gui draws the nodes moved on its canvas; the simulation ignores it\n  " + id + ": " +
         value + "\n";
  return {out, what, "", ""};
}

CanvasEdit move_nodes(const std::string& text, const NodePositions& moves)
{
  std::string out = text;
  std::string what;
  for (const auto& [id, xy] : moves) {
    const auto moved = move_node(out, id, xy.first, xy.second);
    if (!moved.error.empty())
      return refused(text, moved.error);
    out = moved.text;
    what = what.empty() ? moved.what : what + ", " + id;
  }
  return {out, what, "", ""};
}

std::string unique_service_name(const std::string& text, const std::string& base)
{
  const auto root = parsed(text);
  if (!root || !has_service(*root, base))
    return base;
  for (int i = 2;; ++i) {
    const std::string name = base + "-" + std::to_string(i);
    if (!has_service(*root, name))
      return name;
  }
}

CanvasEdit add_service(const std::string& text, const std::string& name, const std::string& kind)
{
  if (!is_name(name))
    return refused(text, "a service's name is letters, digits, _ . and -");
  std::string current;
  if (models::yaml_value_at(text, {"services", name}, current))
    return refused(text, "there is already a service " + name);
  const auto keys = models::service_kind_keys(kind);
  if (keys.empty())
    return refused(text, "no service kind " + kind);
  const auto root = parsed(text);
  const YAML::Node none;
  std::string value = "{kind: " + kind;
  bool placed = false; // on a host
  for (const auto& k : keys) {
    if (!k.required || k.key == "kind")
      continue;
    const std::string v = root ? default_for_key(*root, k.key, k.type) : "";
    if (!v.empty())
      value += ", " + k.key + ": " + v;
    placed = placed || k.type.find("host name") != std::string::npos;
  }
  // api_server and database take host or hosts: one host to start.
  if (!placed)
    for (const auto& k : keys)
      if (k.key == "host")
        if (const std::string v = root ? default_for_key(*root, k.key, k.type) : ""; !v.empty())
          value += ", host: " + v;
  value += "}";
  const auto edit = models::set_yaml_value(text, {"services", name}, value);
  if (!edit.error.empty())
    return refused(text, edit.error);
  return {edit.text, "add service " + name, "", ""};
}

CanvasEdit drop_service(const std::string& text, const std::string& kind, double x, double y)
{
  if (is_hardware_item(kind))
    return drop_hardware(text, kind, x, y);
  const auto keys = models::service_kind_keys(kind);
  if (keys.empty())
    return refused(text, "no service kind " + kind);
  // The kind's short name: load_balancer -> lb, api_server -> api, ... as the shipped files name them.
  static const std::map<std::string, std::string> short_names = {
      {"load_balancer", "lb"}, {"api_server", "api"}, {"database", "db"}};
  const auto it = short_names.find(kind);
  const std::string name = unique_service_name(text, it == short_names.end() ? kind : it->second);
  auto added = add_service(text, name, kind);
  if (!added.error.empty())
    return added;
  auto moved = move_node(added.text, name, x, y);
  if (!moved.error.empty())
    return refused(text, moved.error);
  auto out = loaded_or_refused(text, moved.text, added.what);
  if (out.error.empty())
    out.added = name;
  return out;
}

CanvasEdit connect_nodes(const std::string& text, const TopologyGraph& graph, const std::string& from,
                         const std::string& to)
{
  const GraphNode* a = graph.find(from);
  const GraphNode* b = graph.find(to);
  if (!a || !b)
    return refused(text, "no node " + (a ? to : from));
  if (from == to)
    return refused(text, "a node cannot be connected to itself");
  const auto root = parsed(text);
  if (!root)
    return refused(text, "the text does not parse");
  const std::string what = "connect " + a->label + " to " + b->label;
  const auto set_key = [&](const std::vector<std::string>& path, const std::string& value) {
    std::string current;
    if (models::yaml_value_at(text, path, current) && current == value)
      return refused(text, a->label + " is already connected to " + b->label);
    const auto edit = models::set_yaml_value(text, path, value);
    if (!edit.error.empty())
      return refused(text, edit.error);
    return loaded_or_refused(text, edit.text, what + ": " + path.back() + ": " + value);
  };
  const std::string& ka = a->kind;
  const std::string& kb = b->kind;
  const bool b_serves = kb == "api_server" || kb == "load_balancer" || kb == "cdn";
  if (ka == "users" && b_serves)
    return set_key({"workload", "entry"}, to);
  if (ka == "load_balancer" && kb == "api_server")
    return set_key({"services", from, "backends"}, to);
  if (ka == "cdn" && (kb == "api_server" || kb == "load_balancer"))
    return set_key({"services", from, "origin"}, to);
  if (ka == "queue" && kb == "worker")
    return set_key({"services", to, "consumes"}, from);
  const bool a_runs_steps = ka == "api_server" || ka == "worker";
  const bool b_takes_steps =
      kb == "database" || kb == "cache" || kb == "queue" || kb == "api_server" || kb == "load_balancer";
  if (a_runs_steps && b_takes_steps) {
    if (a->runs.empty())
      return refused(text, a->label + " runs no request type yet: connect something to it first (the users, a "
                                      "balancer, a queue), so that the step has a request type to go in");
    const std::string& request = a->runs.front();
    if (kb == "database")
      return add_step(text, *root, request, "db_read: " + to, what);
    if (kb == "cache")
      return add_step(text, *root, request, "cache_get: " + to, what);
    // A call or a job runs another request type: one the target already runs, or the file's first other one.
    const std::string other = other_request(*root, request, b->runs);
    if (other.empty())
      return refused(text, "not done: " + std::string(kb == "queue" ? "a job" : "a call") +
                               " runs a request type other than " + request + ", and the file has no other");
    if (kb == "queue")
      return add_step(text, *root, request, "publish: {queue: " + to + ", job: " + other + "}", what);
    return add_step(text, *root, request, "call: {service: " + to + ", request: " + other + "}", what);
  }
  const auto named = [](const std::string& kind) {
    return kind == "users" ? std::string("the users") : kind == "replica" ? "replicas" : "a " + kind + " node";
  };
  return refused(text, named(ka) + " cannot be connected to " + named(kb) +
                           ": the pairs are the users to a balancer, an API server or a CDN; a balancer to an "
                           "API server; a CDN to its origin; a queue to a worker pool; an API server or worker "
                           "pool to a database, cache, queue, balancer or API server");
}

CanvasEdit add_replica(const std::string& text, const TopologyGraph& graph, const std::string& from,
                       const std::string& host)
{
  const GraphNode* node = graph.find(from);
  if (!node)
    return refused(text, "no node " + from);
  if (node->kind != "database" && node->kind != "replica")
    return refused(text, "only a database is connected to a host (its replica there); " + node->label + " is " +
                             (node->kind == "users" ? "the users" : "a " + node->kind + " node"));
  const std::string database = node->kind == "replica" ? from.substr(0, from.find('/')) : from;
  const auto& hosts = graph.hosts();
  const auto chip = std::find_if(hosts.begin(), hosts.end(), [&](const GraphHost& h) { return h.name == host; });
  if (chip == hosts.end())
    return refused(text, "no host " + host);
  if (chip->is_switch)
    return refused(text, host + " is a switch: a replica runs on a host");
  // Its primaries' hosts and its replicas' (the replicas' node lists them, the database's its primaries).
  for (const GraphNode& n : graph.nodes())
    if (n.id == database || n.id == database + "/replicas")
      if (std::find(n.hosts.begin(), n.hosts.end(), host) != n.hosts.end())
        return refused(text, database + " already has an instance on " + host);
  const auto edit = models::append_yaml_item(text, {"services", database, "replicas"}, host);
  if (!edit.error.empty())
    return refused(text, edit.error);
  return loaded_or_refused(text, edit.text, "connect " + database + " to a replica on " + host);
}

std::string copy_service(const std::string& text, const std::string& name)
{
  std::string value;
  if (!models::yaml_value_at(text, {"services", name}, value))
    return {};
  return value;
}

CanvasEdit paste_service(const std::string& text, const std::string& name, const std::string& definition,
                         std::optional<std::pair<double, double>> at)
{
  if (definition.empty())
    return refused(text, "nothing to paste");
  const std::string copy = unique_service_name(text, name);
  const auto edit = models::set_yaml_value(text, {"services", copy}, definition);
  if (!edit.error.empty())
    return refused(text, edit.error);
  std::string out = edit.text;
  if (at) {
    const auto moved = move_node(out, copy, at->first, at->second);
    if (!moved.error.empty())
      return refused(text, moved.error);
    out = moved.text;
  }
  auto pasted = loaded_or_refused(text, out, "paste " + name + " as " + copy);
  if (pasted.error.empty())
    pasted.added = copy;
  return pasted;
}

CanvasEdit delete_service(const std::string& text, const std::string& name)
{
  const auto edit = models::remove_yaml_key(text, {"services", name});
  if (!edit.error.empty())
    return refused(text, edit.error);
  std::string out = edit.text;
  std::string position;
  if (models::yaml_value_at(out, {kDiagramKey, name}, position)) {
    const auto unplaced = models::remove_yaml_key(out, {kDiagramKey, name});
    if (unplaced.error.empty())
      out = unplaced.text;
    // The last position gone: the key goes too.
    const auto root = parsed(out);
    const YAML::Node diagram = root ? at(*root, kDiagramKey) : YAML::Node(YAML::NodeType::Undefined);
    if (diagram.IsNull() || (diagram.IsMap() && diagram.size() == 0))
      if (const auto gone = models::remove_yaml_key(out, {kDiagramKey}); gone.error.empty()) {
        out = gone.text;
        // With the blank line move_node put before it.
        if (out.size() >= 2 && out.compare(out.size() - 2, 2, "\n\n") == 0)
          out.pop_back();
      }
  }
  return {out, "delete service " + name, "", ""};
}

} // namespace scalelab::gui
