#include "schema.hpp"

#include "scalelab/models/limits.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace scalelab::models::schema
{

// --- text ----------------------------------------------------------------------------------------------

std::string quote(const std::string& text)
{
  return "\"" + text + "\"";
}

std::string join(const std::vector<std::string>& items, const std::string& separator)
{
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i)
    out += (i > 0 ? separator : "") + items[i];
  return out;
}

std::string quoted_alternatives(const std::vector<std::string>& items)
{
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0)
      out += i + 1 == items.size() ? " or " : ", ";
    out += quote(items[i]);
  }
  return out;
}

std::string describe(const YAML::Node& node)
{
  switch (node.Type()) {
  case YAML::NodeType::Scalar:
    return quote(node.Scalar());
  case YAML::NodeType::Sequence:
    return node.size() == 0 ? "an empty list" : "a list";
  case YAML::NodeType::Map:
    return node.size() == 0 ? "an empty map" : "a map";
  default:
    return "nothing";
  }
}

std::string written(const YAML::Node& node)
{
  return node.IsScalar() ? node.Scalar() : describe(node);
}

std::string flow_text(const YAML::Node& node)
{
  YAML::Emitter out;
  out.SetMapFormat(YAML::Flow);
  out.SetSeqFormat(YAML::Flow);
  out << node;
  return out.c_str();
}

std::string number_text(double value)
{
  char buffer[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, value);
    if (std::strtod(buffer, nullptr) == value)
      break;
  }
  return buffer;
}

std::size_t edit_distance(const std::string& a, const std::string& b, std::size_t bound)
{
  const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  if ((n > m ? n - m : m - n) > bound)
    return bound + 1;
  // Three rows of d, where d[i][j] is the distance between the first i characters of a and the first j of b:
  // the one before the last (for transpositions), the last, and the one being computed.
  thread_local std::vector<std::size_t> rows;
  rows.assign(3 * (m + 1), 0);
  std::size_t* before = rows.data();
  std::size_t* last = before + (m + 1);
  std::size_t* row = last + (m + 1);
  for (std::size_t j = 0; j <= m; ++j)
    last[j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    row[0] = i;
    std::size_t smallest = row[0];
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      row[j] = std::min({last[j] + 1, row[j - 1] + 1, last[j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1]))
        row[j] = std::min(row[j], before[j - 2] + 1);
      smallest = std::min(smallest, row[j]);
    }
    if (smallest > bound) // every later row is at least this far
      return bound + 1;
    std::swap(before, last);
    std::swap(last, row);
  }
  return std::min(last[m], bound + 1);
}

std::vector<std::string> close_names(const std::string& name,
                                     const std::vector<const std::vector<std::string>*>& candidates)
{
  const std::size_t limit = std::max<std::size_t>(2, name.size() / 3);
  std::size_t best = limit + 1;
  std::vector<std::string> out;
  for (const auto* list : candidates)
    for (const auto& candidate : *list) {
      const std::size_t d = edit_distance(name, candidate, std::min(limit, best));
      // A distance as long as the longer word means nothing is shared: "x" is not a misspelling of "lb".
      if (d > limit || d >= std::max(name.size(), candidate.size()) || d > best)
        continue;
      if (d < best) {
        best = d;
        out.clear();
      }
      if (out.size() < 3 && std::find(out.begin(), out.end(), candidate) == out.end())
        out.push_back(candidate);
    }
  return out;
}

std::vector<std::string> close_names(const std::string& name, const std::vector<std::string>& candidates)
{
  return close_names(name, std::vector<const std::vector<std::string>*>{&candidates});
}

std::string join_listing(const std::vector<std::string>& items)
{
  constexpr std::size_t kShown = 20;
  if (items.size() <= kShown)
    return join(items);
  return join(std::vector<std::string>(items.begin(), items.begin() + kShown)) + ", ... and " +
         std::to_string(items.size() - kShown) + " more";
}

std::string suggestion(const std::string& name, const std::vector<std::string>& candidates,
                       const std::string& list_intro)
{
  const auto close = close_names(name, candidates);
  if (!close.empty())
    return "; did you mean " + quoted_alternatives(close) + "?";
  if (candidates.empty())
    return "";
  return "; " + list_intro + ": " + join(candidates);
}

// --- shapes --------------------------------------------------------------------------------------------

std::shared_ptr<const Shape> leaf_shape(const std::string& type)
{
  auto shape = std::make_shared<Shape>();
  shape->type = type;
  return shape;
}

// --- diagnostics ---------------------------------------------------------------------------------------

SourceLocation Context::location(const YAML::Mark& mark) const
{
  SourceLocation where;
  where.file = file_;
  if (!mark.is_null() && mark.line >= 0) {
    where.line = mark.line + 1;
    where.column = mark.column + 1;
  }
  return where;
}

namespace
{
// A message on one line, whatever text it quotes: control characters written as escapes.
std::string one_line(std::string message)
{
  if (std::none_of(message.begin(), message.end(), [](char c) { return (c >= 0 && c < ' ') || c == 127; }))
    return message;
  std::string out;
  for (char c : message) {
    if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else if (c == '\t')
      out += "\\t";
    else if ((c >= 0 && c < ' ') || c == 127) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", static_cast<unsigned>(static_cast<unsigned char>(c)));
      out += escaped;
    } else
      out += c;
  }
  return out;
}
} // namespace

void Context::error(const YAML::Mark& mark, std::string message)
{
  error(location(mark), std::move(message));
}

void Context::error(SourceLocation where, std::string message)
{
  errors_.push_back(Diagnostic{std::move(where), one_line(std::move(message))});
  if (errors_.size() == limits::kErrors) {
    errors_.push_back(Diagnostic{errors_.back().where, "too many errors: the first " + std::to_string(limits::kErrors) +
                                                           " are reported, the file is read no further"});
    throw TooManyErrors{};
  }
}

void Context::warning(const YAML::Mark& mark, std::string message)
{
  warnings_.push_back(Diagnostic{location(mark), one_line(std::move(message))});
}

namespace
{
std::vector<Diagnostic> sorted(std::vector<Diagnostic> list)
{
  std::stable_sort(list.begin(), list.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::pair(a.where.line, a.where.column) < std::pair(b.where.line, b.where.column);
  });
  return list;
}
} // namespace

std::vector<Diagnostic> Context::take_errors()
{
  return sorted(std::move(errors_));
}

std::vector<Diagnostic> Context::take_warnings()
{
  return sorted(std::move(warnings_));
}

Site site_of(const YAML::Node& key, const YAML::Node& value, std::string label)
{
  return Site{value, value.IsNull() ? key.Mark() : value.Mark(), std::move(label)};
}

void report_expected(Context& ctx, const Site& site, const std::string& what)
{
  ctx.error(site.mark,
            (site.label.empty() ? "" : site.label + ": ") + "expected " + what + ", got " + describe(site.value));
}

// --- map entries ---------------------------------------------------------------------------------------

namespace
{
constexpr std::size_t kIndexed = 16; // maps of at least this many keys are looked up through an index
} // namespace

Entries Entries::read(Context& ctx, const YAML::Node& map, const std::string& noun, const std::string& where)
{
  Entries out;
  out.map_ = map;
  if (!map.IsMap())
    return out;
  for (auto it = map.begin(); it != map.end(); ++it) {
    const YAML::Node key = it->first;
    if (!key.IsScalar()) {
      ctx.error(key.Mark(), "expected a " + noun + " name, got " + describe(key));
      continue;
    }
    const std::string name = key.Scalar();
    if (const Entry* first = out.find(name)) {
      ctx.error(key.Mark(), "duplicate " + noun + " " + quote(name) + " " + where + " (first at line " +
                                std::to_string(first->key.Mark().line + 1) + ")");
      continue;
    }
    out.entries_.push_back(Entry{name, key, it->second});
    if (out.entries_.size() == kIndexed)
      for (std::size_t i = 0; i < out.entries_.size(); ++i)
        out.index_.emplace(out.entries_[i].name, i);
    else if (out.entries_.size() > kIndexed)
      out.index_.emplace(name, out.entries_.size() - 1);
  }
  return out;
}

const Entry* Entries::find(const std::string& name) const
{
  if (!index_.empty()) {
    const auto found = index_.find(name);
    return found != index_.end() ? &entries_[found->second] : nullptr;
  }
  for (const auto& e : entries_)
    if (e.name == name)
      return &e;
  return nullptr;
}

YAML::Mark Entries::key_mark(const std::string& name) const
{
  if (const Entry* e = find(name))
    return e->key.Mark();
  return map_.IsDefined() ? map_.Mark() : YAML::Mark::null_mark();
}

// --- basic types ---------------------------------------------------------------------------------------

std::optional<std::string> read_scalar(Context& ctx, const Site& site, const std::string& what)
{
  if (!site.value.IsScalar()) {
    report_expected(ctx, site, what);
    return std::nullopt;
  }
  return site.value.Scalar();
}

Type<std::string> text_type()
{
  Type<std::string> type;
  type.name = "text";
  type.help = "Any text on one line.";
  type.read = [](Context& ctx, const Site& site) -> std::optional<std::string> {
    auto text = read_scalar(ctx, site, "a text");
    if (text && text->empty()) {
      ctx.error(site.mark, site.label + " must not be empty");
      return std::nullopt;
    }
    return text;
  };
  return type;
}

const char* const kNameRule = "letters, digits, '-', '_' and '.'";

bool is_valid_name(const std::string& text)
{
  if (text.empty())
    return false;
  for (char c : text) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok)
      return false;
  }
  return true;
}

Type<std::string> name_type()
{
  Type<std::string> type;
  type.name = "name";
  type.help = std::string("A name made of ") + kNameRule + ".";
  type.read = [](Context& ctx, const Site& site) -> std::optional<std::string> {
    auto text = read_scalar(ctx, site, "a name");
    if (text && !is_valid_name(*text)) {
      report_expected(ctx, site, std::string("a name made of ") + kNameRule);
      return std::nullopt;
    }
    return text;
  };
  return type;
}

Type<std::uint64_t> unsigned_type()
{
  Type<std::uint64_t> type;
  type.name = "unsigned integer";
  type.help = "A whole number from 0 to 18446744073709551615.";
  type.read = [](Context& ctx, const Site& site) -> std::optional<std::uint64_t> {
    const auto text = read_scalar(ctx, site, "an unsigned integer");
    if (!text)
      return std::nullopt;
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec == std::errc::result_out_of_range) {
      ctx.error(site.mark, site.label + ": " + *text + " is out of range");
      return std::nullopt;
    }
    if (ec != std::errc() || end != text->data() + text->size() || text->empty()) {
      report_expected(ctx, site, "an unsigned integer");
      return std::nullopt;
    }
    return value;
  };
  return type;
}

namespace
{
std::optional<double> parse_plain_number(const std::string& text)
{
  const char* first = text.data();
  const char* last = first + text.size();
  if (first != last && *first == '+')
    ++first;
  double value = 0;
  const auto [end, ec] = std::from_chars(first, last, value, std::chars_format::general);
  if (first == last || ec != std::errc() || end != last || !std::isfinite(value))
    return std::nullopt;
  return value;
}
} // namespace

bool is_plain_number(const std::string& text)
{
  return parse_plain_number(text).has_value();
}

Type<double> number_type()
{
  Type<double> type;
  type.name = "number";
  type.help = "A decimal number: 2, 0.5, 1e-3.";
  type.read = [](Context& ctx, const Site& site) -> std::optional<double> {
    const auto text = read_scalar(ctx, site, "a number");
    if (!text)
      return std::nullopt;
    const auto value = parse_plain_number(*text);
    if (!value)
      report_expected(ctx, site, "a number");
    return value;
  };
  return type;
}

Type<bool> bool_type()
{
  Type<bool> type;
  type.name = "boolean";
  type.help = "`true` or `false`.";
  type.read = [](Context& ctx, const Site& site) -> std::optional<bool> {
    const auto text = read_scalar(ctx, site, "true or false");
    if (!text)
      return std::nullopt;
    if (*text == "true")
      return true;
    if (*text == "false")
      return false;
    report_expected(ctx, site, "true or false");
    return std::nullopt;
  };
  return type;
}

Type<double> quantity_type(std::string name, std::string unit, std::string help, std::string expected,
                           std::function<Quantity(const std::string&)> parser)
{
  Type<double> type;
  type.name = std::move(name);
  type.unit = std::move(unit);
  type.help = std::move(help);
  type.read = [expected, parser](Context& ctx, const Site& site) -> std::optional<double> {
    const auto text = read_scalar(ctx, site, expected);
    if (!text)
      return std::nullopt;
    const Quantity q = parser(*text);
    if (q.value)
      return q.value;
    // The sign is the whole problem when the rest reads: say so in a few words.
    const auto first = text->find_first_not_of(" \t");
    if (first != std::string::npos && (*text)[first] == '-' && parser(text->substr(first + 1)).value) {
      ctx.error(site.mark, site.label + " must not be negative, got " + *text);
      return std::nullopt;
    }
    // Text that does not even start like a number gets the short form; otherwise the parser knows better
    // what is wrong (an unknown unit, a missing unit, a negative value).
    const auto start = text->find_first_not_of(" \t");
    const bool numeric = start != std::string::npos && (std::isdigit(static_cast<unsigned char>((*text)[start])) ||
                                                        (*text)[start] == '.' || (*text)[start] == '-');
    if (!numeric || q.error.empty())
      report_expected(ctx, site, expected);
    else
      ctx.error(site.mark, site.label + ": " + q.error);
    return std::nullopt;
  };
  return type;
}

// --- Markdown ------------------------------------------------------------------------------------------

std::string markdown_cell(const std::string& text)
{
  std::string out;
  for (char c : text) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n')
      out += ' ';
    else
      out += c;
  }
  return out;
}

std::string markdown_table_header()
{
  return "| Key | Type | Unit | Default | Constraint | Description |\n|---|---|---|---|---|---|\n";
}

std::string markdown_choices(const std::vector<std::pair<std::string, std::string>>& choices)
{
  std::string out;
  for (const auto& [name, help] : choices)
    out += "- `" + name + "`: " + help + "\n";
  return out;
}

} // namespace scalelab::models::schema
