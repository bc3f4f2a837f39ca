#pragma once
// Reading the one YAML document of a file, with bounds. yaml-cpp builds a node for every value of a document
// (about 450 bytes each) and follows aliases without limit, and its LoadAll loops forever on a stray comma
// (`,` or `[a],`: a document that consumes nothing, returned again and again). So before anything is built
// the text is checked in one pass over yaml-cpp's events, which holds nothing but counters: its size, how
// deep it nests, how many values it has once aliases are expanded, aliases inside the node they name, and
// whether a second document follows. Every loader of a file kind reads its text through here.
#include "schema.hpp"

#include <cstddef>
#include <optional>
#include <string>

namespace scalelab::models::schema
{

struct YamlBounds {
  std::size_t bytes = 0; // the text's size
  int depth = 0;         // lists and maps inside each other, aliases expanded
  std::size_t nodes = 0; // values (scalars, lists, maps, empty values), aliases expanded
};

// The root of the text's single document, or nothing when something was reported to ctx. An empty text
// (or one holding only comments) gives a null node, reported by the caller, who knows what was expected.
// kind names the file in messages: "a topology file" holds one YAML document.
std::optional<YAML::Node> read_single_document(Context& ctx, const std::string& text, const YamlBounds& bounds,
                                               const std::string& kind);

// The line and column (0-based, as in yaml-cpp's marks) of a byte offset of text.
YAML::Mark mark_at(const std::string& text, std::size_t offset);

} // namespace scalelab::models::schema
