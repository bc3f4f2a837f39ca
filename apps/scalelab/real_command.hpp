#pragma once
// scalelab real: the live stack of a topology (docs/real-mode.md).
#include <string>
#include <vector>

namespace scalelab::app
{

int cmd_real(const std::vector<std::string>& args);

} // namespace scalelab::app
