#include "scalelab/models/yaml_edit.hpp"

#include "schema.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <optional>

namespace scalelab::models
{
namespace
{

std::string path_text(const std::vector<std::string>& path)
{
  return schema::join(path, ".");
}

// Where a key was found: its map entry and what holds it.
struct Located {
  YAML::Node key, value, parent; // parent: the map holding the key
  bool in_flow = false;          // some map on the way is in flow style: a plain scalar ends at , ] }
};

// Follows path through maps; the last key may be absent (then key and value are undefined nodes).
std::optional<Located> locate(const YAML::Node& root, const std::vector<std::string>& path, std::string& error)
{
  // yaml-cpp's nodes are references: `a = b` on a node that refers to something assigns b INTO it (and so
  // rewrites the document); reset() rebinds a node without touching what it referred to.
  Located at;
  YAML::Node node;
  node.reset(root);
  for (std::size_t i = 0; i < path.size(); ++i) {
    // A list's item by its position ("0", "1", ...), on the way to a key of that item's map.
    if (node.IsSequence() && i + 1 < path.size() && !path[i].empty() &&
        std::all_of(path[i].begin(), path[i].end(), [](char c) { return c >= '0' && c <= '9'; })) {
      const std::size_t index = std::stoul(path[i]);
      if (index >= node.size()) {
        error = "there is no " + path_text({path.begin(), path.begin() + static_cast<std::ptrdiff_t>(i) + 1});
        return std::nullopt;
      }
      at.in_flow = at.in_flow || node.Style() == YAML::EmitterStyle::Flow;
      const YAML::Node& constant = node; // const: a lookup never adds an item
      node.reset(constant[index]);
      continue;
    }
    if (!node.IsMap()) {
      error = path_text({path.begin(), path.begin() + static_cast<std::ptrdiff_t>(i)}) + " is not a map";
      return std::nullopt;
    }
    at.in_flow = at.in_flow || node.Style() == YAML::EmitterStyle::Flow;
    at.parent.reset(node);
    at.key.reset(YAML::Node(YAML::NodeType::Undefined));
    at.value.reset(YAML::Node(YAML::NodeType::Undefined));
    for (auto it = node.begin(); it != node.end(); ++it)
      if (it->first.IsScalar() && it->first.Scalar() == path[i]) {
        at.key.reset(it->first);
        at.value.reset(it->second);
        break;
      }
    if (!at.key.IsDefined() && i + 1 < path.size()) {
      error = "there is no " + path_text({path.begin(), path.begin() + static_cast<std::ptrdiff_t>(i) + 1});
      return std::nullopt;
    }
    node.reset(at.value);
  }
  return at;
}

std::size_t line_start(const std::string& text, std::size_t pos)
{
  const auto nl = pos == 0 ? std::string::npos : text.rfind('\n', pos - 1);
  return nl == std::string::npos ? 0 : nl + 1;
}

std::size_t line_end(const std::string& text, std::size_t pos) // the '\n' (or the text's end)
{
  const auto nl = text.find('\n', pos);
  return nl == std::string::npos ? text.size() : nl;
}

// The end of a quoted scalar opened at text[pos] (one past its closing quote), or npos.
std::size_t quoted_end(const std::string& text, std::size_t pos)
{
  const char quote = text[pos];
  for (std::size_t i = pos + 1; i < text.size(); ++i) {
    if (quote == '"' && text[i] == '\\')
      ++i;
    else if (text[i] == quote) {
      if (quote == '\'' && i + 1 < text.size() && text[i + 1] == '\'')
        ++i;
      else
        return i + 1;
    }
  }
  return std::string::npos;
}

// One past the bracket that closes the flow collection opened at text[pos], or npos.
std::size_t flow_end(const std::string& text, std::size_t pos)
{
  int depth = 0;
  for (std::size_t i = pos; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"' || c == '\'') {
      i = quoted_end(text, i);
      if (i == std::string::npos)
        return i;
      --i;
    } else if (c == '#' && i > 0 && (text[i - 1] == ' ' || text[i - 1] == '\t' || text[i - 1] == '\n')) {
      i = line_end(text, i);
    } else if (c == '[' || c == '{') {
      ++depth;
    } else if (c == ']' || c == '}') {
      if (--depth == 0)
        return i + 1;
    }
  }
  return std::string::npos;
}

// One past a plain scalar starting at pos, on its line: before a comment, and in flow context before , ] }.
std::size_t plain_end(const std::string& text, std::size_t pos, bool in_flow)
{
  std::size_t end = pos;
  for (std::size_t i = pos; i < text.size() && text[i] != '\n'; ++i) {
    const char c = text[i];
    if (c == '#' && i > pos && (text[i - 1] == ' ' || text[i - 1] == '\t'))
      break;
    if (in_flow && (c == ',' || c == ']' || c == '}'))
      break;
    if (c != ' ' && c != '\t' && c != '\r')
      end = i + 1;
  }
  return end;
}

int indent_of(const std::string& text, std::size_t start) // of the line starting at start
{
  int n = 0;
  while (start + n < text.size() && text[start + n] == ' ')
    ++n;
  return n;
}

bool blank_or_comment(const std::string& text, std::size_t start)
{
  const auto first = text.find_first_not_of(" \t\r", start);
  return first == std::string::npos || text[first] == '\n' || text[first] == '#';
}

// The end (its '\n' or the text's end) of the last line of the block that starts on the line of `from` with
// keys at column `column`: the lines after it that are deeper, or a list's items at the same column when
// `items_at_column`, belong to it; trailing comments and blank lines do not.
std::size_t block_end(const std::string& text, std::size_t from, int column, bool items_at_column)
{
  std::size_t last = line_end(text, from);
  for (std::size_t start = last + 1; start < text.size(); start = line_end(text, start) + 1) {
    if (blank_or_comment(text, start))
      continue;
    const int indent = indent_of(text, start);
    const bool item = text.compare(start + indent, 1, "-") == 0;
    if (indent > column || (items_at_column && indent == column && item))
      last = line_end(text, start);
    else
      break;
  }
  return last;
}

// The span [begin, end) of a node's text, for a scalar or a flow collection; nullopt for other nodes.
std::optional<std::pair<std::size_t, std::size_t>> node_span(const std::string& text, const YAML::Node& node,
                                                             bool in_flow, std::string& error)
{
  const std::size_t pos = node.Mark().pos;
  if (pos >= text.size())
    return std::nullopt;
  const char c = text[pos];
  std::size_t end = std::string::npos;
  if (c == '"' || c == '\'')
    end = quoted_end(text, pos);
  else if (c == '[' || c == '{')
    end = flow_end(text, pos);
  else if (c == '|' || c == '>') {
    error = "a block scalar: edit it in the text";
    return std::nullopt;
  } else if (node.IsScalar() || node.IsNull())
    end = plain_end(text, pos, in_flow);
  if (end == std::string::npos)
    return std::nullopt;
  return std::make_pair(pos, end);
}

// One past the ':' that follows a key.
std::optional<std::size_t> after_colon(const std::string& text, const YAML::Node& key)
{
  std::size_t i = key.Mark().pos;
  if (i >= text.size())
    return std::nullopt;
  if (text[i] == '"' || text[i] == '\'') {
    i = quoted_end(text, i);
    if (i == std::string::npos)
      return std::nullopt;
    i = text.find_first_not_of(" \t", i);
    return i != std::string::npos && text[i] == ':' ? std::optional<std::size_t>(i + 1) : std::nullopt;
  }
  // A plain key ends at the first ':' followed by a space, a line's end or a flow indicator.
  for (; i < text.size() && text[i] != '\n'; ++i)
    if (text[i] == ':' && (i + 1 == text.size() || std::string(" \t\r\n,]}").find(text[i + 1]) != std::string::npos))
      return i + 1;
  return std::nullopt;
}

YamlEdit failed(const std::string& text, std::string error)
{
  return YamlEdit{text, std::move(error)};
}

// The edit must read back as intended: the value at path is value (or absent), as yaml-cpp reads both.
YamlEdit checked(const std::string& original, std::string edited, const std::vector<std::string>& path,
                 const std::optional<std::string>& value)
{
  std::string now;
  const bool present = yaml_value_at(edited, path, now);
  std::string wanted;
  if (value) {
    try {
      wanted = schema::flow_text(YAML::Load(*value));
    } catch (const YAML::Exception& e) {
      return failed(original, "the value does not read as YAML: " + e.msg);
    }
  }
  if (present != value.has_value() || (present && now != wanted))
    return failed(original, "the edit of " + path_text(path) + " does not read back: edit it in the text");
  return YamlEdit{std::move(edited), {}};
}

YamlEdit insert_key(const std::string& text, const Located& at, const std::string& key, const std::string& value,
                    const std::vector<std::string>& path)
{
  const std::string entry = key + ": " + value;
  const std::size_t pos = at.parent.Mark().pos;
  if (at.parent.Style() == YAML::EmitterStyle::Flow) {
    const auto end = flow_end(text, pos);
    if (end == std::string::npos || text[pos] != '{')
      return failed(text, "cannot find the end of the map holding " + path_text(path));
    const auto before_close = text.find_last_not_of(" \t\r\n", end - 2);
    const bool empty = before_close == pos;
    std::string edited = text;
    edited.insert(before_close + 1, empty ? entry : ", " + entry);
    return checked(text, std::move(edited), path, value);
  }
  if (at.parent.size() == 0)
    return failed(text, "cannot add to an empty block map: edit it in the text");
  const int column = static_cast<int>(at.parent.Mark().column);
  // The map's lines: those from its first key on that are at its column or deeper.
  const std::size_t end = block_end(text, pos, column - 1, false);
  std::string edited = text;
  edited.insert(end, "\n" + std::string(static_cast<std::size_t>(column), ' ') + entry);
  return checked(text, std::move(edited), path, value);
}

std::optional<YAML::Node> parse(const std::string& text, std::string& error)
{
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    error = "the text does not read as YAML: " + e.msg;
    return std::nullopt;
  }
}

// What an edit of path with `value` (one line of YAML, called `what` in messages) works on: the key's entry in
// the parsed text (its nodes keep the document alive), or nothing with why.
std::optional<Located> locate_for_edit(const std::string& text, const std::vector<std::string>& path,
                                       const std::string& value, const char* what, std::string& error)
{
  if (path.empty()) {
    error = "no key to edit";
    return std::nullopt;
  }
  if (value.find('\n') != std::string::npos) {
    error = std::string(what) + " must be on one line";
    return std::nullopt;
  }
  const auto root = parse(text, error);
  return root ? locate(*root, path, error) : std::nullopt;
}

} // namespace

bool yaml_value_at(const std::string& text, const std::vector<std::string>& path, std::string& value)
{
  std::string error;
  const auto root = parse(text, error);
  if (!root || path.empty())
    return false;
  const auto at = locate(*root, path, error);
  if (!at || !at->key.IsDefined())
    return false;
  value = schema::flow_text(at->value);
  return true;
}

bool yaml_place_of(const std::string& text, const std::vector<std::string>& path, YamlPlace& place)
{
  const auto fields = yaml_fields_at(text, {path});
  if (!fields.front().present)
    return false;
  place = fields.front().place;
  return true;
}

std::vector<YamlField> yaml_fields_at(const std::string& text, const std::vector<std::vector<std::string>>& paths)
{
  std::vector<YamlField> out(paths.size());
  std::string error;
  const auto root = parse(text, error);
  if (!root)
    return out;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    if (paths[i].empty())
      continue;
    const auto at = locate(*root, paths[i], error);
    if (!at || !at->key.IsDefined())
      continue;
    YamlField& f = out[i];
    f.present = true;
    f.value = schema::flow_text(at->value);
    f.place.key_line = at->key.Mark().line + 1;
    f.place.key_column = at->key.Mark().column + 1;
    const auto value_mark = at->value.Mark();
    f.place.value_line = value_mark.is_null() ? f.place.key_line : value_mark.line + 1;
    f.place.value_column = value_mark.is_null() ? f.place.key_column : value_mark.column + 1;
  }
  return out;
}

YamlEdit set_yaml_value(const std::string& text, const std::vector<std::string>& path, const std::string& value)
{
  std::string error;
  const auto at = locate_for_edit(text, path, value, "the value", error);
  if (!at)
    return failed(text, error);
  if (!at->key.IsDefined())
    return insert_key(text, *at, path.back(), value, path);
  const bool in_flow = at->in_flow || at->parent.Style() == YAML::EmitterStyle::Flow;
  const auto colon = after_colon(text, at->key);
  if (!colon)
    return failed(text, "cannot find the ':' after " + path_text(path));
  std::string edited = text;
  const std::size_t value_pos = at->value.Mark().pos;
  const bool written_value =
      value_pos >= *colon && !blank_or_comment(text, *colon) && value_pos < line_end(text, *colon); // on the key's line
  if (at->value.IsMap() || at->value.IsSequence()) {
    if (at->value.Style() == YAML::EmitterStyle::Flow && written_value) {
      const auto span = node_span(text, at->value, in_flow, error);
      if (!span)
        return failed(text, error.empty() ? "cannot find the end of " + path_text(path) : error);
      edited.replace(span->first, span->second - span->first, value);
    } else {
      // A block collection: its lines go, the value takes the key's line.
      const int column = static_cast<int>(at->key.Mark().column);
      const std::size_t end = block_end(text, *colon, column, at->value.IsSequence());
      edited.replace(*colon, end - *colon, " " + value);
    }
  } else if (written_value) {
    const auto span = node_span(text, at->value, in_flow, error);
    if (!span)
      return failed(text, error.empty() ? "cannot find the end of " + path_text(path) : error);
    edited.replace(span->first, span->second - span->first, value);
  } else {
    edited.insert(*colon, " " + value); // "key:" with nothing after it
  }
  return checked(text, std::move(edited), path, value);
}

YamlEdit append_yaml_item(const std::string& text, const std::vector<std::string>& path, const std::string& item)
{
  std::string error;
  const auto at = locate_for_edit(text, path, item, "the item", error);
  if (!at)
    return failed(text, error);
  if (!at->key.IsDefined() || at->value.IsNull())
    return set_yaml_value(text, path, "[" + item + "]");
  if (!at->value.IsSequence())
    return failed(text, path_text(path) + " is not a list");
  // What the list must read as afterwards: its items, then the new one.
  YAML::Node expected = YAML::Clone(at->value);
  try {
    expected.push_back(YAML::Load(item));
  } catch (const YAML::Exception& e) {
    return failed(text, "the item does not read as YAML: " + e.msg);
  }
  std::string edited = text;
  if (at->value.Style() == YAML::EmitterStyle::Flow) {
    const auto span = node_span(text, at->value, true, error);
    if (!span || text[span->second - 1] != ']')
      return failed(text, "cannot find the end of " + path_text(path));
    const auto before_close = text.find_last_not_of(" \t\r\n", span->second - 2);
    edited.insert(before_close + 1, before_close == span->first ? item : ", " + item);
  } else {
    const std::size_t first_item = at->value.Mark().pos; // its '-'
    const std::size_t dash_column = first_item - line_start(text, first_item);
    const auto colon = after_colon(text, at->key);
    if (!colon)
      return failed(text, "cannot find the ':' after " + path_text(path));
    const std::size_t end = block_end(text, *colon, static_cast<int>(at->key.Mark().column), true);
    edited.insert(end, "\n" + std::string(dash_column, ' ') + "- " + item);
  }
  return checked(text, std::move(edited), path, schema::flow_text(expected));
}

YamlEdit remove_yaml_key(const std::string& text, const std::vector<std::string>& path)
{
  if (path.empty())
    return failed(text, "no key to remove");
  std::string error;
  const auto root = parse(text, error);
  if (!root)
    return failed(text, error);
  const auto at = locate(*root, path, error);
  if (!at)
    return failed(text, error);
  if (!at->key.IsDefined())
    return failed(text, "there is no " + path_text(path));
  const std::size_t key_pos = at->key.Mark().pos;
  std::string edited = text;
  if (at->parent.Style() == YAML::EmitterStyle::Flow) {
    // The item's text up to the next ',' (or back to the previous one for the last item).
    const auto colon = after_colon(text, at->key);
    if (!colon)
      return failed(text, "cannot find the ':' after " + path_text(path));
    std::size_t end = *colon;
    const auto first = text.find_first_not_of(" \t\r\n", end);
    if (first != std::string::npos && text[first] != ',' && text[first] != '}') {
      const auto span = node_span(text, at->value, true, error);
      if (!span)
        return failed(text, "cannot find the end of " + path_text(path));
      end = span->second;
    }
    const auto next = text.find_first_not_of(" \t\r\n", end);
    if (next != std::string::npos && text[next] == ',') {
      end = text.find_first_not_of(" \t", next + 1);
      edited.erase(key_pos, end - key_pos);
    } else {
      const auto previous = text.find_last_not_of(" \t\r\n", key_pos - 1);
      const std::size_t begin = text[previous] == ',' ? previous : key_pos;
      edited.erase(begin, end - begin);
    }
    return checked(text, std::move(edited), path, std::nullopt);
  }
  const std::size_t start = line_start(text, key_pos);
  if (text.find_first_not_of(' ', start) != key_pos)
    return failed(text, path_text(path) + " shares its line with other text: edit it in the text");
  const int column = static_cast<int>(at->key.Mark().column);
  const std::size_t end = block_end(text, key_pos, column, at->value.IsSequence());
  edited.erase(start, std::min(end + 1, text.size()) - start);
  return checked(text, std::move(edited), path, std::nullopt);
}

TextChange text_change(const std::string& old_text, const std::string& new_text)
{
  TextChange change;
  const std::size_t shorter = std::min(old_text.size(), new_text.size());
  while (change.prefix < shorter && old_text[change.prefix] == new_text[change.prefix])
    ++change.prefix;
  while (change.suffix < shorter - change.prefix &&
         old_text[old_text.size() - 1 - change.suffix] == new_text[new_text.size() - 1 - change.suffix])
    ++change.suffix;
  return change;
}

} // namespace scalelab::models
