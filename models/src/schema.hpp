#pragma once
// A YAML schema declared as data. A Record is a table of Fields; each Field names its key, its value Type,
// its default (written in YAML, read by the same code as the user's value), the Checks its value must pass
// and a help string. Reading, error messages and the Markdown reference are all driven by these tables, so
// a field is declared once and the three cannot disagree.
//
// Reading never stops at the first problem: every error goes to the Context with its position, and the
// reader carries on with the rest of the document.
#include "scalelab/models/loader.hpp"
#include "scalelab/models/units.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace scalelab::models::schema
{

// --- text ----------------------------------------------------------------------------------------------

std::string quote(const std::string& text); // "text", with the quotes
std::string join(const std::vector<std::string>& items, const std::string& separator = ", ");
// "a", "a or b", "a, b or c": each item quoted.
std::string quoted_alternatives(const std::vector<std::string>& items);
// What a node is, for "got ...": "\"ten\"", "a list", "an empty list", "a map", "nothing".
std::string describe(const YAML::Node& node);
// The value as written, for "must be at least 1, got 0": a scalar unquoted, anything else described.
std::string written(const YAML::Node& node);
std::string number_text(double value); // shortest form that reads back: 1, 0.5, 1e+06
// YAML text on one line that reads back as node: a plain scalar as it is (quoted when it must be), a map or a
// list in flow style.
std::string flow_text(const YAML::Node& node);

// Optimal string alignment distance (Levenshtein plus adjacent transpositions), ignoring ASCII case so that
// "Workers" finds "workers". A distance above bound is returned as bound + 1, found sooner.
std::size_t edit_distance(const std::string& a, const std::string& b,
                          std::size_t bound = std::numeric_limits<std::size_t>::max() - 1);
// The candidates closest to name, in candidate order, at most three, all at the smallest distance found;
// none when nothing is within max(2, length / 3) or when the distance amounts to replacing the whole word.
std::vector<std::string> close_names(const std::string& name, const std::vector<std::string>& candidates);
// The same over several lists, in order, as if joined (without copying a million host names to join them).
std::vector<std::string> close_names(const std::string& name,
                                     const std::vector<const std::vector<std::string>*>& candidates);
// join(items), or its first items and how many more when there are many: "a, b, ... and 99980 more".
std::string join_listing(const std::vector<std::string>& items);
// The tail of an "unknown name" message: "; did you mean "x"?" when some candidates are close, otherwise
// "; <list_intro>: a, b, c", or "" when there are no candidates at all.
std::string suggestion(const std::string& name, const std::vector<std::string>& candidates,
                       const std::string& list_intro = "expected one of");

// --- diagnostics ---------------------------------------------------------------------------------------

// Thrown by Context::error at the limits::kErrors-th error, once it is recorded with a last one that says
// so: the reader stops there (cascades of the same mistake would otherwise cost time for nothing).
struct TooManyErrors {
};

class Context
{
public:
  explicit Context(std::string file) : file_(std::move(file)) {}

  SourceLocation location(const YAML::Mark& mark) const; // yaml-cpp marks are 0-based; ours 1-based
  void error(const YAML::Mark& mark, std::string message);
  void error(SourceLocation where, std::string message); // for problems found after reading (the hardware graph)
  void warning(const YAML::Mark& mark, std::string message);
  std::size_t error_count() const { return errors_.size(); }
  const std::string& file() const { return file_; }
  // Both lists sorted by position (stable: same position keeps the order of discovery).
  std::vector<Diagnostic> take_errors();
  std::vector<Diagnostic> take_warnings();

private:
  std::string file_;
  std::vector<Diagnostic> errors_;
  std::vector<Diagnostic> warnings_;
};

// A value about to be read: the node, where its errors point, and how messages name it.
struct Site {
  YAML::Node value;
  YAML::Mark mark;
  std::string label; // usually the key: "workers"
};
// An empty value ("key:" with nothing after it) gets the key's position: yaml-cpp puts it on the next line.
Site site_of(const YAML::Node& key, const YAML::Node& value, std::string label);

// "label: expected <what>, got <describe(value)>" at the site.
void report_expected(Context& ctx, const Site& site, const std::string& what);

// --- map entries ---------------------------------------------------------------------------------------

struct Entry {
  std::string name;
  YAML::Node key;
  YAML::Node value;
};

// The entries of a map in file order. yaml-cpp keeps repeated keys, so they are caught here.
class Entries
{
public:
  Entries() = default;
  // noun names the keys in messages ("key", "service"); where completes them ("in service \"app\"").
  static Entries read(Context& ctx, const YAML::Node& map, const std::string& noun, const std::string& where);

  const Entry* find(const std::string& name) const;
  const std::vector<Entry>& all() const { return entries_; }
  const YAML::Node& map() const { return map_; }
  YAML::Mark key_mark(const std::string& name) const; // the map's own mark when absent

private:
  YAML::Node map_;
  std::vector<Entry> entries_;
  // Name -> position in entries_, for maps too long to search (a hundred thousand services); empty for the
  // few keys of a record, which are searched in place.
  std::unordered_map<std::string, std::size_t> index_;
};

// --- shapes --------------------------------------------------------------------------------------------

// What lies below a value of some type, for following a path such as services.app.workers into a document
// (an experiment's varied keys) by the same declaration the reader uses: the keys of a record, the
// alternatives of a variant chosen by its selector key, the entries of a map of names, the items of a list.
// A leaf (a number, a duration, a distribution) is set as a whole.
struct Shape {
  enum class Kind { leaf, record, variant, named_map, list, one_of };
  struct Child {
    std::string key;
    std::shared_ptr<const Shape> shape;
    // A record's key, for forms that edit it (scalelab-gui's property panel): as in the docs' tables.
    std::string type, unit, default_text, help;
    bool required = false;
    std::vector<std::string> choices; // of an enumeration
  };
  Kind kind = Kind::leaf;
  std::string type;                     // leaf: the type's name, for messages ("integer")
  std::vector<Child> fields;            // record: its keys; one_of: its forms (one of them per map)
  std::string noun;                     // named_map, list: what an entry is ("service", "host"); one_of: "step"
  std::shared_ptr<const Shape> element; // named_map, list: the shape of each entry
  std::string selector;                 // variant: the key that chooses the alternative ("kind")
  std::string default_choice;           // variant: the alternative when the selector is absent; empty: required
  std::vector<Child> alternatives;      // variant: selector value -> record shape (its keys include the selector)
};
std::shared_ptr<const Shape> leaf_shape(const std::string& type);

// How a YAML value becomes a V. read() reports its own errors (naming site.label) and returns nothing then.
template <class V> struct Type {
  std::string name;                                         // docs "Type" column: "duration"
  std::string unit;                                         // docs "Unit" column: "s"
  std::string help;                                         // the written forms, for the value-forms section
  std::vector<std::pair<std::string, std::string>> choices; // enumerations: value and meaning
  std::function<std::optional<V>(Context&, const Site&)> read;
  std::shared_ptr<const Shape> shape; // what is below a value; null: a leaf
};

// A condition on a read value. The description completes "<label> must be ...".
template <class V> struct Check {
  std::string description;
  std::function<bool(const V&)> ok;
};

template <class V> Check<V> at_least(V bound)
{
  return {"at least " + number_text(static_cast<double>(bound)), [bound](const V& v) { return v >= bound; }};
}
template <class V> Check<V> at_most(V bound)
{
  std::string text;
  if constexpr (std::is_integral_v<V>)
    text = std::to_string(bound);
  else
    text = number_text(static_cast<double>(bound));
  return {"at most " + text, [bound](const V& v) { return v <= bound; }};
}
template <class V> Check<V> greater_than(V bound)
{
  return {"greater than " + number_text(static_cast<double>(bound)), [bound](const V& v) { return v > bound; }};
}
// A time that must not round to 0 on the simulated clock, which counts nanoseconds.
inline Check<double> at_least_one_nanosecond()
{
  return {"at least 1ns (the simulated clock counts nanoseconds)",
          [](const double& seconds) { return from_seconds(seconds) >= 1; }};
}
// A rate the clock can represent: no two arrivals of a constant process less than a nanosecond apart.
inline Check<double> at_most_one_per_nanosecond()
{
  return {"at most 1000000000/s (one per nanosecond, the simulated clock's resolution)",
          [](const double& per_second) { return per_second <= 1e9; }};
}
template <class V> Check<std::vector<V>> non_empty()
{
  return {"a non-empty list", [](const std::vector<V>& v) { return !v.empty(); }};
}

// Applies the checks in order and reports the first that fails: "workers must be at least 1, got 0".
template <class V> bool passes(Context& ctx, const Site& site, const V& value, const std::vector<Check<V>>& checks)
{
  for (const auto& check : checks)
    if (!check.ok(value)) {
      ctx.error(site.mark, site.label + " must be " + check.description + ", got " + written(site.value));
      return false;
    }
  return true;
}

// --- basic types (schema.cpp) --------------------------------------------------------------------------

Type<std::string> text_type(); // any scalar
Type<std::string> name_type(); // letters, digits, '-', '_', '.'
bool is_valid_name(const std::string& text);
extern const char* const kNameRule;  // "letters, digits, '-', '_' and '.'"
Type<std::uint64_t> unsigned_type(); // 0 .. 2^64-1
Type<double> number_type();          // a finite decimal number
Type<bool> bool_type();              // true or false
// A quantity read by a units.hpp parser. expected: "a duration such as 10ms, 2s or 500us".
Type<double> quantity_type(std::string name, std::string unit, std::string help, std::string expected,
                           std::function<Quantity(const std::string&)> parser);
bool is_plain_number(const std::string& text); // "12", "-1.5", "1e9": no unit
// Reads a scalar, or reports "label: expected <what>, got ..." for anything else.
std::optional<std::string> read_scalar(Context& ctx, const Site& site, const std::string& what);

template <class I> Type<I> integer_type()
{
  Type<I> type;
  type.name = "integer";
  type.help = "A whole number in decimal: 8, 1000000.";
  type.read = [](Context& ctx, const Site& site) -> std::optional<I> {
    const auto text = read_scalar(ctx, site, "an integer");
    if (!text)
      return std::nullopt;
    const char* first = text->data();
    const char* last = first + text->size();
    if (first != last && *first == '+')
      ++first;
    long long value = 0;
    const auto [end, ec] = std::from_chars(first, last, value);
    if (ec == std::errc::result_out_of_range || (ec == std::errc() && end == last &&
                                                 (value < static_cast<long long>(std::numeric_limits<I>::min()) ||
                                                  value > static_cast<long long>(std::numeric_limits<I>::max())))) {
      ctx.error(site.mark, site.label + ": " + *text + " is out of range");
      return std::nullopt;
    }
    if (ec != std::errc() || end != last || first == last) {
      report_expected(ctx, site, "an integer");
      return std::nullopt;
    }
    return static_cast<I>(value);
  };
  return type;
}

// One of a fixed set of words. noun names the set in messages: unknown policy "x"; did you mean "y"?
template <class E> struct Choice {
  std::string name;
  E value;
  std::string help;
};

template <class E> Type<E> enum_type(std::string noun, std::vector<Choice<E>> choices)
{
  Type<E> type;
  std::vector<std::string> names;
  for (const auto& c : choices) {
    names.push_back(c.name);
    type.choices.emplace_back(c.name, c.help);
  }
  type.name = "one of " + join(names);
  type.read = [noun, choices, names](Context& ctx, const Site& site) -> std::optional<E> {
    const auto text = read_scalar(ctx, site, noun);
    if (!text)
      return std::nullopt;
    for (const auto& c : choices)
      if (c.name == *text)
        return c.value;
    ctx.error(site.mark, "unknown " + noun + " " + quote(*text) + suggestion(*text, names));
    return std::nullopt;
  };
  return type;
}

// A list whose items are read by item and pass item_checks; the items keep the list's label.
template <class V> Type<std::vector<V>> list_type(Type<V> item, std::vector<Check<V>> item_checks = {})
{
  Type<std::vector<V>> type;
  type.name = "list of " + item.name + "s";
  type.unit = item.unit;
  type.read = [item, item_checks](Context& ctx, const Site& site) -> std::optional<std::vector<V>> {
    if (!site.value.IsSequence()) {
      report_expected(ctx, site, "a list of " + item.name);
      return std::nullopt;
    }
    std::vector<V> out;
    bool ok = true;
    for (const auto& node : site.value) {
      const Site item_site{node, node.IsNull() ? site.mark : node.Mark(), site.label};
      auto value = item.read(ctx, item_site);
      if (value && passes(ctx, item_site, *value, item_checks))
        out.push_back(std::move(*value));
      else
        ok = false;
    }
    if (!ok)
      return std::nullopt;
    return out;
  };
  auto shape = std::make_shared<Shape>();
  shape->kind = Shape::Kind::list;
  shape->noun = "item";
  shape->element = item.shape ? item.shape : leaf_shape(item.name);
  type.shape = std::move(shape);
  return type;
}

// --- fields and records --------------------------------------------------------------------------------

// One key of a record, with its type erased: apply() reads, checks and stores into a T.
template <class T> struct Field {
  std::string key;
  std::string type;
  std::string unit;
  std::string default_text; // shown in the docs: YAML such as "60s", "required", or what absence means
  bool required = false;
  YAML::Node default_value; // parsed default; null when there is none
  std::string constraint;   // the checks, for the docs: "at least 1"
  std::string help;
  std::vector<std::pair<std::string, std::string>> choices; // of an enumeration, for the docs
  std::shared_ptr<const Shape> shape;                       // of its value; never null
  std::function<bool(Context&, const Site&, T&)> apply;

  // Stores the declared default; a default that does not read is a mistake in the declaration.
  void apply_default(T& out) const
  {
    Context scratch("default of " + key);
    if (!apply(scratch, Site{default_value, default_value.Mark(), key}, out) || scratch.error_count() > 0)
      throw std::logic_error("the declared default of \"" + key +
                             "\" does not read: " + scratch.take_errors().front().message);
  }
};

template <class T, class V> class FieldBuilder
{
public:
  FieldBuilder(std::string key, Type<V> type, std::function<void(T&, V&&)> store)
      : key_(std::move(key)), type_(std::move(type)), store_(std::move(store)), unit_(type_.unit)
  {
  }

  FieldBuilder& required()
  {
    required_ = true;
    return *this;
  }
  // The value used when the key is absent, written as in the file ("60s", "{cpu: 1Mf}").
  FieldBuilder& defaults(std::string yaml)
  {
    default_yaml_ = std::move(yaml);
    return *this;
  }
  // The key may be absent and has no default value; meaning says what absence means.
  FieldBuilder& optional(std::string meaning)
  {
    absent_meaning_ = std::move(meaning);
    return *this;
  }
  FieldBuilder& check(Check<V> c)
  {
    checks_.push_back(std::move(c));
    return *this;
  }
  FieldBuilder& unit(std::string u)
  {
    unit_ = std::move(u);
    return *this;
  }
  FieldBuilder& help(std::string h)
  {
    help_ = std::move(h);
    return *this;
  }

  operator Field<T>() const
  {
    const int presence = int(required_) + int(!default_yaml_.empty()) + int(!absent_meaning_.empty());
    if (help_.empty() || presence != 1)
      throw std::logic_error("field \"" + key_ +
                             "\" needs a help text and exactly one of required, defaults, "
                             "optional");
    Field<T> f;
    f.key = key_;
    f.type = type_.name;
    f.unit = unit_;
    f.required = required_;
    f.help = help_;
    f.choices = type_.choices;
    f.shape = type_.shape ? type_.shape : leaf_shape(type_.name);
    if (required_)
      f.default_text = "required";
    else if (!default_yaml_.empty()) {
      f.default_text = "`" + default_yaml_ + "`";
      f.default_value = YAML::Load(default_yaml_);
    } else
      f.default_text = absent_meaning_;
    std::vector<std::string> descriptions;
    for (const auto& c : checks_)
      descriptions.push_back(c.description);
    f.constraint = join(descriptions, "; ");
    f.apply = [type = type_, checks = checks_, store = store_](Context& ctx, const Site& site, T& out) {
      auto value = type.read(ctx, site);
      if (!value || !passes(ctx, site, *value, checks))
        return false;
      store(out, std::move(*value));
      return true;
    };
    if (!default_yaml_.empty())
      f.apply_default(*std::make_unique<T>()); // fail at declaration time, not at the first load
    return f;
  }

private:
  std::string key_;
  Type<V> type_;
  std::function<void(T&, V&&)> store_;
  std::string unit_;
  bool required_ = false;
  std::string default_yaml_;
  std::string absent_meaning_;
  std::vector<Check<V>> checks_;
  std::string help_;
};

// field<Owner>("workers", integer_type<int>(), &Owner::workers) or with a setter (Owner&, V&&).
template <class T, class V, class Store> FieldBuilder<T, V> field(std::string key, Type<V> type, Store store)
{
  if constexpr (std::is_member_object_pointer_v<Store>) {
    return FieldBuilder<T, V>(std::move(key), std::move(type), [store](T& out, V&& v) { out.*store = std::move(v); });
  } else {
    return FieldBuilder<T, V>(std::move(key), std::move(type), std::function<void(T&, V &&)>(std::move(store)));
  }
}

// A condition across several keys of one record (warmup < duration). doc is shown under the record's table.
template <class T> struct Rule {
  std::string doc;
  std::function<void(Context&, const Entries&, T&)> check;
};

template <class T> struct Record {
  std::string title; // docs heading
  std::string help;
  std::vector<Field<T>> fields;
  std::vector<Rule<T>> rules;

  std::vector<std::string> keys() const
  {
    std::vector<std::string> out;
    for (const auto& f : fields)
      out.push_back(f.key);
    return out;
  }
  const Field<T>* find(const std::string& key) const
  {
    for (const auto& f : fields)
      if (f.key == key)
        return &f;
    return nullptr;
  }
};

// The words of a format, once each in the order first met: for a fuzzer's dictionary (fuzz/KIND.dict).
class WordList
{
public:
  void add(const std::string& word)
  {
    if (std::find(words_.begin(), words_.end(), word) == words_.end())
      words_.push_back(word);
  }
  template <class T> void add_record(const Record<T>& record)
  {
    for (const auto& f : record.fields) {
      add(f.key);
      for (const auto& choice : f.choices)
        add(choice.first);
    }
  }
  std::vector<std::string> take() { return std::move(words_); }

private:
  std::vector<std::string> words_;
};

// The keys of a record, each with the shape of its value.
template <class T> std::shared_ptr<const Shape> record_shape(const Record<T>& record)
{
  auto shape = std::make_shared<Shape>();
  shape->kind = Shape::Kind::record;
  for (const auto& f : record.fields) {
    Shape::Child child{f.key, f.shape, f.type, f.unit, f.default_text, f.help, f.required, {}};
    for (const auto& choice : f.choices)
      child.choices.push_back(choice.first);
    shape->fields.push_back(std::move(child));
  }
  return shape;
}

// Says why a key is unknown when there is more to say than a suggestion (a key of another kind of service).
using UnknownKeyNote = std::function<std::optional<std::string>(const std::string& key)>;

// Reads a map into out: unknown and repeated keys, missing required keys, each field, then the rules.
// where completes messages ("in service \"app\""). Returns the entries (empty when the value is no map).
template <class T>
Entries read_record(Context& ctx, const Site& site, const Record<T>& record, T& out, const std::string& where,
                    const std::vector<std::string>& also_known = {}, const UnknownKeyNote& note = {})
{
  if (!site.value.IsMap()) {
    report_expected(ctx, site, "a map");
    return {};
  }
  Entries entries = Entries::read(ctx, site.value, "key", where);
  std::vector<std::string> known = also_known;
  for (const auto& f : record.fields)
    known.push_back(f.key);
  // Keys that an unknown key was taken for: "did you mean" already tells they are missing.
  std::vector<std::string> suggested;
  for (const auto& e : entries.all()) {
    bool is_known = false;
    for (const auto& k : known)
      is_known = is_known || k == e.name;
    if (is_known)
      continue;
    std::optional<std::string> special = note ? note(e.name) : std::nullopt;
    ctx.error(e.key.Mark(),
              special ? *special : "unknown key " + quote(e.name) + " " + where + suggestion(e.name, known));
    for (auto& name : close_names(e.name, known))
      suggested.push_back(std::move(name));
  }
  for (const auto& f : record.fields) {
    if (const Entry* e = entries.find(f.key))
      f.apply(ctx, site_of(e->key, e->value, f.key), out);
    else if (f.required && std::find(suggested.begin(), suggested.end(), f.key) == suggested.end())
      ctx.error(site.value.Mark(), "missing key " + quote(f.key) + " " + where);
    else if (!f.default_value.IsNull())
      f.apply_default(out);
  }
  for (const auto& rule : record.rules)
    rule.check(ctx, entries, out);
  return entries;
}

// A record as the type of a field (hardware.network, a database's read cost). keep, when given, receives
// the map's entries, for checks made after reading that point at a key.
template <class T>
Type<T> record_type(const Record<T>* record, std::string where, std::function<void(T&, Entries&&)> keep = {})
{
  Type<T> type;
  type.name = "map";
  type.read = [record, where, keep](Context& ctx, const Site& site) -> std::optional<T> {
    if (!site.value.IsMap()) {
      report_expected(ctx, site, "a map");
      return std::nullopt;
    }
    T out{};
    Entries entries = read_record(ctx, site, *record, out, where);
    if (keep)
      keep(out, std::move(entries));
    return out;
  };
  type.shape = record_shape(*record);
  return type;
}

// A map whose keys depend on a selector key (a service's kind, an arrival's process).
template <class T, class E> struct Variant {
  struct Alternative {
    std::vector<E> selects;
    Record<T> record;
  };
  std::string selector; // "kind"
  std::string noun;     // "service kind", for "unknown service kind ..."
  std::vector<Choice<E>> choices;
  std::string selector_help;
  std::optional<E> default_choice; // the selector's value when the key is absent; none: the key is required
  std::function<void(T&, E)> select;
  std::vector<Alternative> alternatives;

  std::string name_of(E value) const
  {
    for (const auto& c : choices)
      if (c.value == value)
        return c.name;
    return "";
  }
  // A key of some alternative (the selector included), for telling a misspelt selector from a valid key.
  bool known_anywhere(const std::string& key) const
  {
    if (key == selector)
      return true;
    for (const auto& a : alternatives)
      if (a.record.find(key))
        return true;
    return false;
  }

  std::vector<std::string> names_of(const Alternative& a) const
  {
    std::vector<std::string> out;
    for (const auto& c : choices)
      for (E e : a.selects)
        if (c.value == e)
          out.push_back(c.name);
    return out;
  }
  std::vector<std::string> names() const
  {
    std::vector<std::string> out;
    for (const auto& c : choices)
      out.push_back(c.name);
    return out;
  }
};

// The alternatives of a variant, each a record whose keys include the selector.
template <class T, class E> std::shared_ptr<const Shape> variant_shape(const Variant<T, E>& variant)
{
  auto shape = std::make_shared<Shape>();
  shape->kind = Shape::Kind::variant;
  shape->selector = variant.selector;
  if (variant.default_choice)
    shape->default_choice = variant.name_of(*variant.default_choice);
  for (const auto& alternative : variant.alternatives) {
    auto keys = std::make_shared<Shape>(*record_shape(alternative.record));
    Shape::Child selector{variant.selector, leaf_shape(variant.noun), variant.noun, "", "required", "", true, {}};
    for (const auto& choice : variant.choices)
      selector.choices.push_back(choice.name);
    keys->fields.insert(keys->fields.begin(), std::move(selector));
    for (const auto& name : variant.names_of(alternative))
      shape->alternatives.push_back(Shape::Child{name, keys, "", "", "", "", false, {}});
  }
  return shape;
}

template <class T, class E>
Entries read_variant(Context& ctx, const Site& site, const Variant<T, E>& variant, T& out, const std::string& where)
{
  if (!site.value.IsMap()) {
    report_expected(ctx, site, "a map");
    return {};
  }
  // The selector is looked up without reporting: read_record below reports repeated and unknown keys.
  std::optional<Entry> selector;
  for (auto it = site.value.begin(); it != site.value.end() && !selector; ++it)
    if (it->first.IsScalar() && it->first.Scalar() == variant.selector)
      selector = Entry{variant.selector, it->first, it->second};
  std::optional<E> chosen;
  if (selector) {
    chosen =
        enum_type(variant.noun, variant.choices).read(ctx, site_of(selector->key, selector->value, variant.selector));
    if (!chosen)
      return {};
  } else {
    // A misspelt selector ("kid: api_server") is reported as such rather than as missing.
    for (auto it = site.value.begin(); it != site.value.end(); ++it)
      if (it->first.IsScalar() && !variant.known_anywhere(it->first.Scalar()) &&
          !close_names(it->first.Scalar(), {variant.selector}).empty()) {
        ctx.error(it->first.Mark(), "unknown key " + quote(it->first.Scalar()) + " " + where + "; did you mean " +
                                        quote(variant.selector) + "?");
        return {};
      }
    if (!variant.default_choice) {
      ctx.error(site.value.Mark(),
                "missing key " + quote(variant.selector) + " " + where + "; expected one of: " + join(variant.names()));
      return {};
    }
    chosen = variant.default_choice;
  }
  variant.select(out, *chosen);
  for (const auto& alternative : variant.alternatives) {
    bool match = false;
    for (E e : alternative.selects)
      match = match || e == *chosen;
    if (!match)
      continue;
    const std::string chosen_name = variant.name_of(*chosen) + (selector ? "" : ", the default");
    UnknownKeyNote note = [&variant, &alternative, chosen_name](const std::string& key) -> std::optional<std::string> {
      for (const auto& other : variant.alternatives)
        if (&other != &alternative && other.record.find(key))
          return "key " + quote(key) + " does not apply to " + variant.selector + " " + chosen_name + " (only to " +
                 join(variant.names_of(other), " and ") + ")";
      return std::nullopt;
    };
    return read_record(ctx, site, alternative.record, out, where, {variant.selector}, note);
  }
  throw std::logic_error("variant \"" + variant.selector + "\" has no alternative for " + quote(site.label));
}

// One form of a one-key map such as {exponential: 10ms} or a step {db_read: users}.
template <class V> struct Form {
  std::string key;
  std::string example; // "exponential: 10ms"
  std::string help;
  std::function<std::optional<V>(Context&, const Site&)> read;
};

// A map with one key among the forms (a step); noun names the forms.
template <class V> std::shared_ptr<const Shape> one_of_shape(const std::vector<Form<V>>& forms, std::string noun)
{
  auto shape = std::make_shared<Shape>();
  shape->kind = Shape::Kind::one_of;
  shape->noun = std::move(noun);
  for (const auto& f : forms)
    shape->fields.push_back(Shape::Child{f.key, leaf_shape(f.key), f.key, "", "", "", false, {}});
  return shape;
}

// Reads a map with exactly one key, the key picking the form. noun names the forms ("step", "distribution").
template <class V>
std::optional<V> read_one_of(Context& ctx, const Site& site, const std::string& noun, const std::vector<Form<V>>& forms)
{
  std::vector<std::string> keys;
  for (const auto& f : forms)
    keys.push_back(f.key);
  if (!site.value.IsMap() || site.value.size() == 0) {
    report_expected(ctx, site, "a " + noun + " (a map with one key: " + join(keys) + ")");
    return std::nullopt;
  }
  if (site.value.size() > 1) {
    std::vector<std::string> found;
    for (auto it = site.value.begin(); it != site.value.end(); ++it)
      found.push_back(it->first.IsScalar() ? it->first.Scalar() : describe(it->first));
    ctx.error(site.value.Mark(),
              "a " + noun + " has exactly one key, got " + std::to_string(found.size()) + ": " + join(found));
    return std::nullopt;
  }
  const auto it = site.value.begin();
  const YAML::Node key = it->first;
  const std::string name = key.IsScalar() ? key.Scalar() : describe(key);
  for (const auto& f : forms)
    if (f.key == name)
      return f.read(ctx, site_of(key, it->second, name));
  ctx.error(key.Mark(), "unknown " + noun + " " + quote(name) + suggestion(name, keys));
  return std::nullopt;
}

// --- Markdown ------------------------------------------------------------------------------------------

std::string markdown_cell(const std::string& text); // escapes '|' and line breaks
std::string markdown_table_header();                // | Key | Type | Unit | Default | Constraint | Description |
std::string markdown_choices(const std::vector<std::pair<std::string, std::string>>& choices);

template <class T> std::string markdown_rows(const Record<T>& record)
{
  std::string out;
  for (const auto& f : record.fields)
    out += "| `" + f.key + "` | " + markdown_cell(f.type) + " | " + markdown_cell(f.unit) + " | " +
           markdown_cell(f.default_text) + " | " + markdown_cell(f.constraint) + " | " + markdown_cell(f.help) + " |\n";
  return out;
}

template <class T> std::string markdown_rules(const Record<T>& record)
{
  std::string out;
  for (const auto& f : record.fields)
    if (!f.choices.empty())
      out += "\n`" + f.key + "`:\n\n" + markdown_choices(f.choices);
  std::string rules;
  for (const auto& rule : record.rules)
    if (!rule.doc.empty())
      rules += "- " + rule.doc + "\n";
  return out + (rules.empty() ? rules : "\nRules:\n\n" + rules);
}

template <class T> std::string markdown_record(const Record<T>& record)
{
  return "## " + record.title + "\n\n" + record.help + "\n\n" + markdown_table_header() + markdown_rows(record) +
         markdown_rules(record) + "\n";
}

template <class T, class E> std::string markdown_variant(const Variant<T, E>& variant)
{
  std::string out;
  for (const auto& alternative : variant.alternatives) {
    const auto names = variant.names_of(alternative);
    std::string values;
    for (const auto& n : names)
      values += (values.empty() ? "" : " or ") + ("`" + n + "`");
    out += "## " + alternative.record.title + "\n\n" + alternative.record.help + "\n\n" + markdown_table_header();
    // The default selects one alternative; the others need the selector.
    const bool is_default = variant.default_choice && std::find(alternative.selects.begin(), alternative.selects.end(),
                                                                *variant.default_choice) != alternative.selects.end();
    const std::string presence = is_default ? "`" + variant.name_of(*variant.default_choice) + "`" : "required";
    out += "| `" + variant.selector + "` | " + values + " |  | " + presence + " |  | " +
           markdown_cell(variant.selector_help) + " |\n";
    out += markdown_rows(alternative.record) + markdown_rules(alternative.record) + "\n";
  }
  return out;
}

template <class V> std::string markdown_forms(const std::string& first_column, const std::vector<Form<V>>& forms)
{
  std::string out = "| " + first_column + " | Example | Meaning |\n|---|---|---|\n";
  for (const auto& f : forms)
    out += "| `" + f.key + "` | `" + markdown_cell(f.example) + "` | " + markdown_cell(f.help) + " |\n";
  return out;
}

} // namespace scalelab::models::schema
