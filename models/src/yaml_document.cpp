#include "yaml_document.hpp"

#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <unordered_map>
#include <vector>

namespace scalelab::models::schema
{
namespace
{

// The offset of the first byte of text that is not part of a UTF-8 character (overlong forms, surrogates and
// code points beyond U+10FFFF included), or nothing when text is UTF-8.
std::optional<std::size_t> invalid_utf8(const std::string& text)
{
  const auto byte = [&text](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char b = byte(i);
    std::size_t length = 0;
    unsigned code = 0;
    if (b < 0x80)
      length = 1, code = b;
    else if (b >= 0xc2 && b <= 0xdf)
      length = 2, code = b & 0x1fu;
    else if (b >= 0xe0 && b <= 0xef)
      length = 3, code = b & 0x0fu;
    else if (b >= 0xf0 && b <= 0xf4)
      length = 4, code = b & 0x07u;
    else
      return i;
    if (i + length > text.size())
      return i;
    for (std::size_t k = 1; k < length; ++k) {
      if ((byte(i + k) & 0xc0u) != 0x80u)
        return i;
      code = (code << 6) | (byte(i + k) & 0x3fu);
    }
    const bool overlong = (length == 3 && code < 0x800) || (length == 4 && code < 0x10000);
    if (overlong || (code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff)
      return i;
    i += length;
  }
  return std::nullopt;
}

// Stops the parser where a bound is crossed.
struct Refusal {
  YAML::Mark mark;
  std::string message;
};

// One pass over a document's events, holding only counters: values and nesting with aliases expanded (an
// alias counts as the whole node it names, as every reader of the document will see it).
class Scan : public YAML::EventHandler
{
public:
  Scan(const YamlBounds& bounds, const std::string& kind) : bounds_(bounds), kind_(kind) {}

  YAML::Mark start; // of the last document

  void OnDocumentStart(const YAML::Mark& mark) override
  {
    start = mark;
    nodes_ = 0;
    open_.clear();
    anchors_.clear();
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { leaf(mark, anchor); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor, const std::string& value) override
  {
    // Text goes into results.json and onto the terminal: it must be Unicode, as YAML says.
    if (const auto bad = invalid_utf8(value)) {
      char byte[8];
      std::snprintf(byte, sizeof byte, "0x%02x", static_cast<unsigned>(static_cast<unsigned char>(value[*bad])));
      throw Refusal{mark, "this text is not UTF-8: its byte " + std::to_string(*bad + 1) + ", " + byte +
                              ", begins no character"};
    }
    leaf(mark, anchor);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override
  {
    for (const Open& o : open_)
      if (o.anchor == anchor)
        throw Refusal{mark, "this alias is inside the node its anchor names: a value cannot contain itself"};
    const auto it = anchors_.find(anchor);
    const Size size = it != anchors_.end() ? it->second : Size{1, 0};
    add(mark, size);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override
  {
    open(mark, anchor);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor, YAML::EmitterStyle::value) override
  {
    open(mark, anchor);
  }
  void OnMapEnd() override { close(); }

private:
  struct Size {
    std::size_t nodes = 0;
    int height = 0; // lists and maps inside each other, this one included
  };
  struct Open {
    YAML::anchor_t anchor;
    std::size_t nodes_before; // the document's count before this node
    int height;               // of its tallest child so far
  };

  // A node of this size at the current place.
  void add(const YAML::Mark& mark, Size size)
  {
    nodes_ += size.nodes;
    if (nodes_ > bounds_.nodes)
      throw Refusal{mark, "more than " + std::to_string(bounds_.nodes) + " values (aliases expanded), the most " +
                              kind_ + " may hold"};
    if (open_.size() + static_cast<std::size_t>(size.height) > static_cast<std::size_t>(bounds_.depth))
      throw Refusal{mark, "lists and maps nest more than " + std::to_string(bounds_.depth) + " deep here, the most " +
                              kind_ + " may have"};
    if (!open_.empty())
      open_.back().height = std::max(open_.back().height, size.height);
  }
  void remember(YAML::anchor_t anchor, Size size)
  {
    if (anchor != YAML::NullAnchor)
      anchors_[anchor] = size;
  }
  void leaf(const YAML::Mark& mark, YAML::anchor_t anchor)
  {
    add(mark, Size{1, 0});
    remember(anchor, Size{1, 0});
  }
  void open(const YAML::Mark& mark, YAML::anchor_t anchor)
  {
    add(mark, Size{1, 1});
    open_.push_back(Open{anchor, nodes_ - 1, 0});
  }
  void close()
  {
    const Open o = open_.back();
    open_.pop_back();
    const Size size{nodes_ - o.nodes_before, o.height + 1};
    remember(o.anchor, size);
    if (!open_.empty())
      open_.back().height = std::max(open_.back().height, size.height);
  }

  const YamlBounds& bounds_;
  const std::string& kind_;
  std::size_t nodes_ = 0;
  std::vector<Open> open_;
  std::unordered_map<YAML::anchor_t, Size> anchors_;
};

std::string unexpected_text(const std::string& text, const YAML::Mark& mark)
{
  if (mark.pos >= 0 && static_cast<std::size_t>(mark.pos) < text.size()) {
    const char c = text[static_cast<std::size_t>(mark.pos)];
    if (c > ' ' && c < 127)
      return "syntax error: unexpected " + quote(std::string(1, c));
  }
  return "syntax error: unexpected text";
}

} // namespace

YAML::Mark mark_at(const std::string& text, std::size_t offset)
{
  YAML::Mark mark;
  offset = std::min(offset, text.size());
  mark.pos = static_cast<int>(std::min<std::size_t>(offset, std::numeric_limits<int>::max()));
  const auto line_start = offset == 0 ? std::string::npos : text.rfind('\n', offset - 1);
  mark.line = static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
  mark.column = static_cast<int>(line_start == std::string::npos ? offset : offset - line_start - 1);
  return mark;
}

std::optional<YAML::Node> read_single_document(Context& ctx, const std::string& text, const YamlBounds& bounds,
                                               const std::string& kind)
{
  if (text.size() > bounds.bytes) {
    ctx.error(mark_at(text, bounds.bytes),
              "the file is larger than " + std::to_string(bounds.bytes) + " bytes, the most " + kind + " may hold");
    return std::nullopt;
  }
  // The first document is scanned, then what follows it, far enough to tell a second document from a token
  // the parser cannot consume: yaml-cpp returns an empty document at such a token, again and again without
  // moving, so two documents that start at the same place mean it is stuck there.
  try {
    std::istringstream stream(text);
    YAML::Parser parser(stream);
    Scan scan(bounds, kind);
    std::optional<YAML::Mark> second;
    YAML::Mark previous;
    for (int document = 0; document < 3 && parser.HandleNextDocument(scan); ++document) {
      if (document > 0 && scan.start.pos == previous.pos) {
        ctx.error(scan.start, unexpected_text(text, scan.start));
        return std::nullopt;
      }
      if (document == 1)
        second = scan.start;
      previous = scan.start;
    }
    if (second) {
      ctx.error(*second, kind + " holds one YAML document; this is a second one");
      return std::nullopt;
    }
  } catch (const Refusal& refusal) {
    ctx.error(refusal.mark, refusal.message);
    return std::nullopt;
  } catch (const YAML::Exception& e) {
    ctx.error(e.mark, "syntax error: " + e.msg);
    return std::nullopt;
  }
  try {
    return YAML::Load(text); // the first document only; null when there is none
  } catch (const YAML::Exception& e) {
    ctx.error(e.mark, "syntax error: " + e.msg);
    return std::nullopt;
  }
}

} // namespace scalelab::models::schema
