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

} // namespace

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
