#include "topology_path.hpp"

#include "schema_topology.hpp"

namespace scalelab::models::schema
{
namespace
{

// Makes slot name another node. Assigning one YAML::Node to another would instead overwrite the node it
// names, in the document.
void rebind(std::optional<YAML::Node>& slot, const std::optional<YAML::Node>& target)
{
  slot.reset();
  if (target)
    slot.emplace(*target);
}

std::optional<YAML::Node> child(const YAML::Node& map, const std::string& key)
{
  if (!map.IsMap())
    return std::nullopt;
  for (auto it = map.begin(); it != map.end(); ++it)
    if (it->first.IsScalar() && it->first.Scalar() == key)
      return it->second;
  return std::nullopt;
}

// The tail of a message about an unknown name: names that start with it and a dot first ("web" for the host
// "web.v2", whose name holds a dot), otherwise the closest names.
std::string name_suggestion(const std::string& segment, const std::vector<std::string>& names, const std::string& intro)
{
  std::vector<std::string> longer;
  for (const auto& n : names)
    if (n.rfind(segment + ".", 0) == 0 && longer.size() < 3)
      longer.push_back(n);
  if (!longer.empty())
    return "; did you mean " + quoted_alternatives(longer) + "?";
  return suggestion(segment, names, intro);
}

bool is_index(const std::string& text)
{
  if (text.empty() || text.size() > 9)
    return false;
  for (char c : text)
    if (c < '0' || c > '9')
      return false;
  return true;
}

// The names of a list's items (their "name" key), in order; empty for items without one.
std::vector<std::string> item_names(const YAML::Node& list)
{
  std::vector<std::string> out;
  for (const auto& item : list) {
    const auto name = child(item, "name");
    out.push_back(name && name->IsScalar() ? name->Scalar() : "");
  }
  return out;
}

std::optional<std::size_t> item_index(const YAML::Node& list, const std::string& segment)
{
  if (!list.IsSequence())
    return std::nullopt;
  if (is_index(segment)) {
    const std::size_t i = std::stoul(segment);
    return i < list.size() ? std::optional<std::size_t>(i) : std::nullopt;
  }
  const auto names = item_names(list);
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == segment)
      return i;
  return std::nullopt;
}

// A request type written as a list of steps stands for {steps: [...]}.
bool is_steps_shorthand(const Shape& shape, const YAML::Node& node)
{
  if (!node.IsSequence())
    return false;
  for (const auto& f : shape.fields)
    if (f.key == "steps")
      return true;
  return false;
}

// The keys a map of this shape may have here, and the word that says which alternative it is.
std::vector<Shape::Child> keys_of(const Shape& shape, const std::optional<YAML::Node>& node, std::string& which)
{
  if (shape.kind != Shape::Kind::variant)
    return shape.fields;
  std::string chosen = shape.default_choice;
  if (node)
    if (const auto selector = child(*node, shape.selector); selector && selector->IsScalar())
      chosen = selector->Scalar();
  for (const auto& alternative : shape.alternatives)
    if (alternative.key == chosen) {
      which = " (" + shape.selector + " " + chosen + ")";
      return alternative.shape->fields;
    }
  // An alternative the document does not name (it would not load): every key of every alternative.
  std::vector<Shape::Child> all;
  for (const auto& alternative : shape.alternatives)
    for (const auto& f : alternative.shape->fields) {
      bool known = false;
      for (const auto& a : all)
        known = known || a.key == f.key;
      if (!known)
        all.push_back(f);
    }
  return all;
}

const Shape* field_shape(const Shape& shape, const YAML::Node& node, const std::string& key)
{
  std::string which;
  for (const auto& f : keys_of(shape, node, which))
    if (f.key == key)
      return f.shape.get();
  return nullptr;
}

bool is_map_like(const Shape& shape)
{
  return shape.kind == Shape::Kind::record || shape.kind == Shape::Kind::variant || shape.kind == Shape::Kind::one_of;
}

YAML::Node written(YAML::Node node, const Shape& shape, const std::vector<std::string>& segments, std::size_t i,
                   const YAML::Node& value)
{
  if (i == segments.size())
    return value;
  const std::string& segment = segments[i];
  if (is_map_like(shape)) {
    const Shape* below = field_shape(shape, node, segment);
    if (!below)
      throw std::logic_error("set_topology_path: no key " + segment);
    YAML::Node map = node.IsMap() ? node : YAML::Node(YAML::NodeType::Map);
    if (is_steps_shorthand(shape, node))
      map["steps"] = node;
    const auto current = child(map, segment);
    map[segment] = written(current ? *current : YAML::Node(), *below, segments, i + 1, value);
    return map;
  }
  if (shape.kind == Shape::Kind::named_map) {
    const auto current = child(node, segment);
    if (!current)
      throw std::logic_error("set_topology_path: no entry " + segment);
    node[segment] = written(*current, *shape.element, segments, i + 1, value);
    return node;
  }
  if (shape.kind == Shape::Kind::list) {
    const auto index = item_index(node, segment);
    if (!index)
      throw std::logic_error("set_topology_path: no item " + segment);
    node[*index] = written(node[*index], *shape.element, segments, i + 1, value);
    return node;
  }
  throw std::logic_error("set_topology_path: " + segment + " is below a single value");
}

} // namespace

namespace
{

// A walk down a topology document and its schema's shape, a segment (or a dotted name) at a time. Each step
// returns an error, or nothing when it went one level down.
struct PathWalk {
  PathWalk(const std::vector<std::string>& segments, PathCheck& check, const YAML::Node& document)
      : raw(segments), out(check), node(document)
  {
  }

  const std::vector<std::string>& raw;
  PathCheck& out;
  const Shape* shape = topology_shape().get();
  std::optional<YAML::Node> node;
  std::string prefix;
  std::size_t i = 0;

  std::string here() const { return prefix.empty() ? "the top level" : prefix; }

  // A name may contain dots: the longest run of segments from i that is a name, shortest first.
  std::optional<std::size_t> match_name(const std::vector<std::string>& names) const
  {
    std::string candidate;
    for (std::size_t j = i; j < raw.size(); ++j) {
      candidate += (j == i ? "" : ".") + raw[j];
      if (std::find(names.begin(), names.end(), candidate) != names.end())
        return j;
    }
    return std::nullopt;
  }

  std::string join_segments(std::size_t from, std::size_t to) const
  {
    std::string s;
    for (std::size_t k = from; k <= to; ++k)
      s += (k == from ? "" : ".") + raw[k];
    return s;
  }

  // Goes down to the item or entry named by segments i..last.
  void descend_to(std::size_t last, std::optional<YAML::Node> next)
  {
    const std::string name = join_segments(i, last);
    out.segments.push_back(name);
    prefix += "." + name;
    rebind(node, next);
    shape = shape->element.get();
    i = last + 1;
  }

  std::optional<std::string> into_record()
  {
    const std::string& segment = raw[i];
    std::string which;
    const auto keys = keys_of(*shape, node, which);
    if (shape->kind == Shape::Kind::one_of && node && node->IsMap() && node->size() == 1) {
      const std::string kind = node->begin()->first.Scalar();
      if (kind != segment)
        return here() + " is a " + kind + " step, not " + quote(segment) + "; vary " + here() +
               " to replace the whole step";
    }
    const Shape* below = nullptr;
    std::vector<std::string> names;
    for (const auto& k : keys) {
      names.push_back(k.key);
      if (k.key == segment)
        below = k.shape.get();
    }
    if (!below)
      return "unknown key " + quote(segment) + (prefix.empty() ? " at " : " in ") + here() + which +
             suggestion(segment, names);
    std::optional<YAML::Node> next;
    if (node && is_steps_shorthand(*shape, *node)) {
      if (segment == "steps")
        next = *node;
    } else if (node) {
      next = child(*node, segment);
    }
    out.segments.push_back(segment);
    prefix += (prefix.empty() ? "" : ".") + segment;
    shape = below;
    rebind(node, next);
    ++i;
    return std::nullopt;
  }

  std::optional<std::string> into_named_map()
  {
    std::vector<std::string> names;
    if (node && node->IsMap())
      for (auto it = node->begin(); it != node->end(); ++it)
        names.push_back(it->first.Scalar());
    if (names.empty())
      return "the topology has no " + shape->noun + " in " + here() + " to change";
    const auto last = match_name(names);
    if (!last)
      return "no " + shape->noun + " " + quote(raw[i]) + " in " + here() +
             name_suggestion(raw[i], names, "the " + shape->noun + "s are");
    descend_to(*last, child(*node, join_segments(i, *last)));
    return std::nullopt;
  }

  std::optional<std::string> into_list()
  {
    const std::string& segment = raw[i];
    if (!node || !node->IsSequence() || node->size() == 0)
      return "the topology has no " + here() + " to change";
    std::size_t last = i;
    if (is_index(segment)) {
      if (!item_index(*node, segment))
        return here() + " has " + std::to_string(node->size()) + (node->size() == 1 ? " item" : " items") +
               " (from 0); there is no item " + segment;
    } else {
      auto names = item_names(*node);
      const auto found = match_name(names);
      names.erase(std::remove(names.begin(), names.end(), std::string()), names.end());
      if (!found)
        return "no " + shape->noun + " " + quote(segment) + " in " + here() +
               (names.empty() ? "; its items are named by their index, from 0"
                              : name_suggestion(segment, names, "the " + shape->noun + "s are"));
      last = *found;
    }
    const std::string name = join_segments(i, last);
    descend_to(last, std::optional<YAML::Node>((*node)[*item_index(*node, name)]));
    return std::nullopt;
  }

  std::optional<std::string> step()
  {
    switch (shape->kind) {
    case Shape::Kind::leaf:
      return prefix + " is a single value (" + shape->type + "), with no key " + quote(raw[i]);
    case Shape::Kind::record:
    case Shape::Kind::variant:
    case Shape::Kind::one_of:
      return into_record();
    case Shape::Kind::named_map:
      return into_named_map();
    case Shape::Kind::list:
      return into_list();
    }
    return std::nullopt;
  }
};

} // namespace

PathCheck check_topology_path(const YAML::Node& document, const std::string& path)
{
  PathCheck out;
  std::vector<std::string> raw;
  for (std::size_t start = 0;;) {
    const std::size_t dot = path.find('.', start);
    raw.push_back(path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos)
      break;
    start = dot + 1;
  }
  for (const auto& segment : raw)
    if (segment.empty()) {
      out.error = "expected a path of keys joined by dots, such as services.app.workers, got " + quote(path);
      return out;
    }
  PathWalk walk(raw, out, document);
  while (walk.i < raw.size())
    if (auto error = walk.step()) {
      out.error = std::move(*error);
      return out;
    }
  return out;
}

void set_topology_path(YAML::Node document, const std::vector<std::string>& segments, const YAML::Node& value)
{
  YAML::Node flow = YAML::Clone(value);
  if (flow.IsMap() || flow.IsSequence())
    flow.SetStyle(YAML::EmitterStyle::Flow);
  written(document, *topology_shape(), segments, 0, flow);
}

YAML::Node find_topology_path(const YAML::Node& document, const std::vector<std::string>& segments)
{
  YAML::Node node = document;
  const Shape* shape = topology_shape().get();
  for (const auto& segment : segments) {
    if (!shape)
      return YAML::Node(YAML::NodeType::Undefined);
    std::optional<YAML::Node> next;
    if (is_map_like(*shape)) {
      const Shape* below = field_shape(*shape, node, segment);
      next = is_steps_shorthand(*shape, node) ? (segment == "steps" ? std::optional<YAML::Node>(node) : std::nullopt)
                                              : child(node, segment);
      shape = below;
    } else if (shape->kind == Shape::Kind::named_map) {
      next = child(node, segment);
      shape = shape->element.get();
    } else if (shape->kind == Shape::Kind::list) {
      if (const auto index = item_index(node, segment))
        next = node[*index];
      shape = shape->element.get();
    }
    if (!next)
      return YAML::Node(YAML::NodeType::Undefined);
    node.reset(*next);
  }
  return node;
}

} // namespace scalelab::models::schema
