#pragma once
// An experiment's constraint: a condition on the varied values that keeps a point, such as
//   workload.arrival.rate <= hardware.hosts.web.count * 1500/s and policy != 'random'
// Numbers may carry the topology files' units (1500/s, 10ms, 4KB) and compare in base units; text values
// are compared with == and != to quoted text. Operators: or, and, not, < <= > >= == !=, + - * /, parentheses.
// A name is a varied key's path or short name; '-' inside a name belongs to it (web-1), so subtraction is
// written with spaces: a - b.
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace scalelab::models
{

// The value a variable takes at one point: a number (in base units) or text.
struct ConstraintValue {
  std::optional<double> number;
  std::string text;
};

class Constraint
{
public:
  struct Error {
    std::size_t offset = 0; // in the text, from 0
    std::string message;
  };

  // names maps every name a variable may be written with to its index in the values given to holds().
  static Constraint parse(const std::string& text, const std::vector<std::pair<std::string, std::size_t>>& names,
                          std::optional<Error>& error);
  // Whether the point with these values is kept; nothing, with error set, when a value has the wrong type
  // for its operator (text in arithmetic, a number compared with text).
  std::optional<bool> holds(const std::vector<ConstraintValue>& values, std::string& error) const;

  struct Node;

private:
  std::shared_ptr<const Node> root_;
};

} // namespace scalelab::models
