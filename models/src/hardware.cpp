#include "scalelab/models/hardware.hpp"

namespace scalelab::models
{

HardwareGraph HardwareGraph::build(const TopologySpec&, std::vector<HardwareIssue>&)
{
  return {}; // placeholder while the graph is written
}

namespace
{
PlatformReader& reader_slot()
{
  static PlatformReader reader;
  return reader;
}
} // namespace

void set_platform_reader(PlatformReader reader)
{
  reader_slot() = std::move(reader);
}
const PlatformReader& platform_reader()
{
  return reader_slot();
}

std::vector<std::pair<int, int>> talking_host_pairs(const TopologySpec&)
{
  return {};
}

} // namespace scalelab::models
