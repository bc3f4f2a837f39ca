#pragma once
// What the GUI's tests read and compare as text: a file of the source tree, a text's lines and the ones an edit
// changed, and a text's topology and diagram model as the window would build them.
#include "topology_graph.hpp"

#include "scalelab/models/loader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace scalelab::gui::testing
{

inline std::string source_path(const std::string& relative)
{
  return std::string(SCALELAB_SOURCE_DIR) + "/" + relative;
}

inline std::string read_source(const std::string& relative)
{
  std::ifstream in(source_path(relative), std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::vector<std::string> lines(const std::string& text)
{
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

// The lines of b not in a at the same place, for texts of as many lines (a failure when they have not).
inline std::vector<std::string> changed_lines(const std::string& a, const std::string& b)
{
  const auto la = lines(a), lb = lines(b);
  EXPECT_EQ(la.size(), lb.size());
  std::vector<std::string> out;
  for (std::size_t i = 0; i < std::min(la.size(), lb.size()); ++i)
    if (la[i] != lb[i])
      out.push_back(lb[i]);
  return out;
}

inline int lines_changed(const std::string& a, const std::string& b)
{
  return static_cast<int>(changed_lines(a, b).size());
}

// The loader's model of an edited text (a failure with its first message when it does not load).
inline std::optional<models::TopologySpec> load(const std::string& text)
{
  const auto loaded = models::load_topology_text(text, "edited.yaml");
  EXPECT_TRUE(loaded.spec.has_value()) << (loaded.errors.empty() ? "" : loaded.errors.front().format()) << "\n" << text;
  return loaded.spec;
}

inline TopologyGraph graph_of(const std::string& text)
{
  const auto spec = load(text);
  return spec ? TopologyGraph::from_spec(*spec, read_positions(text)) : TopologyGraph();
}

} // namespace scalelab::gui::testing
