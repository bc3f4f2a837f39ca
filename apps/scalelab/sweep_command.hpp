#pragma once
// scalelab sweep: runs an experiment file, here or on a cluster.
#include <string>
#include <vector>

namespace scalelab::app
{

int cmd_sweep(const std::vector<std::string>& args);

} // namespace scalelab::app
