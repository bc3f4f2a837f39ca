#pragma once
// Edits of a YAML text that keep every byte they do not change: comments, key order, quoting, blank lines.
// scalelab-gui's document is the file's text, and a form's edit is a splice into it, so a hand-written file
// saved by the GUI differs from the original only on the lines edited. Paths are keys of nested maps
// ({"services", "app", "instances"}); a number on the way picks a list's item ({"hardware", "hosts", "2", "zone"}).
// Values are YAML on one line: a scalar, or a list or map in flow style.
#include <cstddef>
#include <string>
#include <vector>

namespace scalelab::models
{

struct YamlEdit {
  std::string text;  // the edited text; the original when error is set
  std::string error; // empty on success: why the edit cannot be made in place
};

// Sets the value at path, or adds the key at the end of its map (which must exist) when it is absent.
YamlEdit set_yaml_value(const std::string& text, const std::vector<std::string>& path, const std::string& value);

// Appends item (YAML on one line) to the list at path: a line `- item` after a block list's last item at its
// indentation, `, item` before a flow list's `]`, or the key with `[item]` when it is absent or empty.
YamlEdit append_yaml_item(const std::string& text, const std::vector<std::string>& path, const std::string& item);

// Removes the key at path with its value (the lines of a block entry, the item of a flow map).
YamlEdit remove_yaml_key(const std::string& text, const std::vector<std::string>& path);

// The value at path written on one line (flow style), or nothing when the key is absent or the text does not
// parse.
bool yaml_value_at(const std::string& text, const std::vector<std::string>& path, std::string& value);

// Where the key at path and its value are written (1-based lines and columns, as the loader's messages), or
// nothing when the key is absent or the text does not parse: a form shows a message at the field it is about.
struct YamlPlace {
  int key_line = 0, key_column = 0, value_line = 0, value_column = 0;
};
bool yaml_place_of(const std::string& text, const std::vector<std::string>& path, YamlPlace& place);

// The value and the place of each key at paths, from one reading of the text (a form's fields at once, which in a
// large file would otherwise read the text once per field): present is false for a key that is absent.
struct YamlField {
  bool present = false;
  std::string value;
  YamlPlace place;
};
std::vector<YamlField> yaml_fields_at(const std::string& text, const std::vector<std::vector<std::string>>& paths);

// Where two texts differ: they share their first `prefix` bytes and their last `suffix` bytes (which do not
// overlap the prefix in either). A view replaces [prefix, old.size() - suffix) of the old text to show the new.
struct TextChange {
  std::size_t prefix = 0, suffix = 0;
};
TextChange text_change(const std::string& old_text, const std::string& new_text);

} // namespace scalelab::models
