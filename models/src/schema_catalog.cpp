#include "scalelab/models/schema_catalog.hpp"

#include "schema.hpp"
#include "schema_topology.hpp"

namespace scalelab::models
{
namespace
{

// The variant of services.NAME in the topology's shape.
const schema::Shape& service_variant()
{
  const auto& top = *schema::topology_shape();
  for (const auto& child : top.fields)
    if (child.key == "services")
      return *child.shape->element;
  throw std::logic_error("the topology declares no services");
}

const schema::Shape& hardware_shape()
{
  for (const auto& child : schema::topology_shape()->fields)
    if (child.key == "hardware")
      return *child.shape;
  throw std::logic_error("the topology declares no hardware");
}

const schema::Shape& network_variant()
{
  for (const auto& child : hardware_shape().fields)
    if (child.key == "network")
      return *child.shape;
  throw std::logic_error("the hardware declares no network");
}

KeyDoc key_doc(const schema::Shape::Child& f, bool required)
{
  return KeyDoc{f.key, f.type.empty() ? f.shape->type : f.type, f.unit, f.default_text, f.help, required, f.choices};
}

bool requires_key(const schema::Shape& record, const std::string& key)
{
  for (const auto& f : record.fields)
    if (f.key == key)
      return f.required;
  return false;
}

} // namespace

std::vector<HardwareElement> hardware_elements()
{
  std::vector<HardwareElement> out;
  for (const auto& child : hardware_shape().fields) {
    const auto& list = *child.shape;
    if (list.kind != schema::Shape::Kind::list || !list.element || list.element->kind != schema::Shape::Kind::record ||
        !requires_key(*list.element, "name"))
      continue;
    HardwareElement e{child.key, list.noun, {}};
    for (const auto& f : list.element->fields)
      e.keys.push_back(key_doc(f, f.required));
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<std::string> network_shape_names()
{
  std::vector<std::string> names;
  for (const auto& alternative : network_variant().alternatives)
    names.push_back(alternative.key);
  return names;
}

std::vector<KeyDoc> network_shape_keys(const std::string& shape)
{
  std::vector<KeyDoc> keys;
  for (const auto& alternative : network_variant().alternatives)
    if (alternative.key == shape)
      for (const auto& f : alternative.shape->fields)
        keys.push_back(key_doc(f, f.required));
  return keys;
}

std::vector<std::pair<std::string, std::string>> network_zone_lists()
{
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& shape : network_shape_names())
    for (const auto& k : network_shape_keys(shape))
      if (k.type == "list of names")
        out.emplace_back(shape, k.key);
  return out;
}

std::vector<std::string> service_kind_names()
{
  std::vector<std::string> names;
  for (const auto& alternative : service_variant().alternatives)
    names.push_back(alternative.key);
  return names;
}

std::vector<KeyDoc> service_kind_keys(const std::string& kind)
{
  std::vector<KeyDoc> keys;
  for (const auto& alternative : service_variant().alternatives) {
    if (alternative.key != kind)
      continue;
    for (const auto& f : alternative.shape->fields)
      keys.push_back(KeyDoc{f.key, f.type.empty() ? f.shape->type : f.type, f.unit, f.default_text, f.help,
                            f.required || f.key == "kind", f.choices});
  }
  return keys;
}

} // namespace scalelab::models
