#pragma once
// scalelab grade: checks a student's answers to a lesson's questions, or a student's topology against the
// lesson's challenge, by running the simulations that decide (docs/lessons.md).
#include <string>
#include <vector>

namespace scalelab::app
{

int cmd_grade(const std::vector<std::string>& args);

} // namespace scalelab::app
