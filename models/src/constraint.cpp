#include "scalelab/models/constraint.hpp"

#include "scalelab/models/sweep.hpp"
#include "schema.hpp"

#include <cmath>
#include <variant>

namespace scalelab::models
{

struct Constraint::Node {
  enum class Op { number, text, variable, negate, logical_not, add, sub, mul, div, lt, le, gt, ge, eq, ne, and_, or_ };
  Op op = Op::number;
  double number = 0;
  std::string text; // text literal; the operator as written, for messages
  std::size_t variable = 0;
  std::string name; // the variable as written
  std::shared_ptr<const Node> left, right;
};

namespace
{

using Node = Constraint::Node;
using Op = Node::Op;

struct Token {
  enum class Kind { number, text, name, op, open, close, end };
  Kind kind = Kind::end;
  std::string text;
  double number = 0;
  std::size_t offset = 0;
};

struct Failure {
  std::size_t offset;
  std::string message;
};

bool is_letter(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_digit(char c)
{
  return c >= '0' && c <= '9';
}

std::vector<Token> tokenize(const std::string& s)
{
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
      continue;
    }
    Token t;
    t.offset = i;
    if (is_digit(c) || (c == '.' && i + 1 < s.size() && is_digit(s[i + 1]))) {
      std::size_t j = i;
      while (j < s.size() && (is_digit(s[j]) || s[j] == '.'))
        ++j;
      if (j < s.size() && (s[j] == 'e' || s[j] == 'E')) {
        std::size_t k = j + 1;
        if (k < s.size() && (s[k] == '+' || s[k] == '-'))
          ++k;
        if (k < s.size() && is_digit(s[k])) {
          while (k < s.size() && is_digit(s[k]))
            ++k;
          j = k;
        }
      }
      // A unit: letters (10ms), or '/' and letters (800/s) when that reads as a rate; 1000/count divides.
      while (j < s.size() && is_letter(s[j]))
        ++j;
      if (j + 1 < s.size() && s[j] == '/' && is_letter(s[j + 1])) {
        std::size_t k = j + 1;
        while (k < s.size() && is_letter(s[k]))
          ++k;
        if (read_written_number(s.substr(i, k - i)))
          j = k;
      }
      t.kind = Token::Kind::number;
      t.text = s.substr(i, j - i);
      const auto number = read_written_number(t.text);
      if (!number)
        throw Failure{i, "\"" + t.text +
                             "\" is not a number with a unit of the topology files (such as 800/s, "
                             "10ms, 4KB or 2Gf)"};
      t.number = number->value;
      i = j;
    } else if (is_letter(c)) {
      std::size_t j = i;
      while (j < s.size() && (is_letter(s[j]) || is_digit(s[j]) || s[j] == '.' || s[j] == '-'))
        ++j;
      t.kind = Token::Kind::name;
      t.text = s.substr(i, j - i);
      i = j;
    } else if (c == '\'' || c == '"') {
      const std::size_t close = s.find(c, i + 1);
      if (close == std::string::npos)
        throw Failure{i, "text opened here is never closed"};
      t.kind = Token::Kind::text;
      t.text = s.substr(i + 1, close - i - 1);
      i = close + 1;
    } else if (c == '(' || c == ')') {
      t.kind = c == '(' ? Token::Kind::open : Token::Kind::close;
      t.text = std::string(1, c);
      ++i;
    } else {
      static const char* const two[] = {"<=", ">=", "==", "!=", "&&", "||"};
      t.kind = Token::Kind::op;
      for (const char* op : two)
        if (s.compare(i, 2, op) == 0)
          t.text = op;
      if (t.text.empty()) {
        if (std::string("<>+-*/!").find(c) == std::string::npos)
          throw Failure{i, std::string("unexpected character '") + c + "'"};
        t.text = std::string(1, c);
      }
      i += t.text.size();
    }
    out.push_back(t);
  }
  Token end;
  end.offset = s.size();
  out.push_back(end);
  return out;
}

class Parser
{
public:
  Parser(std::vector<Token> tokens, const std::vector<std::pair<std::string, std::size_t>>& names)
      : tokens_(std::move(tokens)), names_(names)
  {
  }

  std::shared_ptr<const Node> parse()
  {
    auto node = disjunction();
    if (peek().kind != Token::Kind::end)
      throw Failure{peek().offset, "unexpected \"" + peek().text + "\""};
    return node;
  }

private:
  const Token& peek() const { return tokens_[at_]; }
  bool is_word(const char* word) const { return peek().kind == Token::Kind::name && peek().text == word; }
  bool is_op(const char* op) const { return peek().kind == Token::Kind::op && peek().text == op; }

  static std::shared_ptr<const Node> make(Op op, std::string text, std::shared_ptr<const Node> left,
                                          std::shared_ptr<const Node> right = nullptr)
  {
    auto n = std::make_shared<Node>();
    n->op = op;
    n->text = std::move(text);
    n->left = std::move(left);
    n->right = std::move(right);
    return n;
  }

  std::shared_ptr<const Node> disjunction()
  {
    auto left = conjunction();
    while (is_word("or") || is_op("||")) {
      const std::string op = tokens_[at_++].text;
      left = make(Op::or_, op, left, conjunction());
    }
    return left;
  }
  std::shared_ptr<const Node> conjunction()
  {
    auto left = negation();
    while (is_word("and") || is_op("&&")) {
      const std::string op = tokens_[at_++].text;
      left = make(Op::and_, op, left, negation());
    }
    return left;
  }
  std::shared_ptr<const Node> negation()
  {
    if (is_word("not") || is_op("!")) {
      const std::string op = tokens_[at_++].text;
      return make(Op::logical_not, op, negation());
    }
    return comparison();
  }
  std::shared_ptr<const Node> comparison()
  {
    auto left = sum();
    static const std::pair<const char*, Op> ops[] = {{"<", Op::lt},  {"<=", Op::le}, {">", Op::gt},
                                                     {">=", Op::ge}, {"==", Op::eq}, {"!=", Op::ne}};
    for (const auto& [text, op] : ops)
      if (is_op(text)) {
        ++at_;
        auto node = make(op, text, left, sum());
        for (const auto& [again, unused] : ops)
          if (is_op(again))
            throw Failure{peek().offset, "comparisons do not chain; join them with and"};
        return node;
      }
    return left;
  }
  std::shared_ptr<const Node> sum()
  {
    auto left = product();
    while (is_op("+") || is_op("-")) {
      const std::string op = tokens_[at_++].text;
      left = make(op == "+" ? Op::add : Op::sub, op, left, product());
    }
    return left;
  }
  std::shared_ptr<const Node> product()
  {
    auto left = unary();
    while (is_op("*") || is_op("/")) {
      const std::string op = tokens_[at_++].text;
      left = make(op == "*" ? Op::mul : Op::div, op, left, unary());
    }
    return left;
  }
  std::shared_ptr<const Node> unary()
  {
    if (is_op("-")) {
      ++at_;
      return make(Op::negate, "-", unary());
    }
    return primary();
  }
  std::shared_ptr<const Node> primary()
  {
    const Token t = peek();
    auto n = std::make_shared<Node>();
    switch (t.kind) {
    case Token::Kind::number:
      ++at_;
      n->op = Op::number;
      n->number = t.number;
      n->text = t.text;
      return n;
    case Token::Kind::text:
      ++at_;
      n->op = Op::text;
      n->text = t.text;
      return n;
    case Token::Kind::name: {
      for (const char* word : {"and", "or", "not"})
        if (t.text == word)
          throw Failure{t.offset, std::string("expected a value before \"") + word + "\""};
      ++at_;
      for (const auto& [name, index] : names_)
        if (name == t.text) {
          n->op = Op::variable;
          n->variable = index;
          n->name = t.text;
          return n;
        }
      std::vector<std::string> known;
      for (const auto& [name, index] : names_)
        known.push_back(name);
      throw Failure{t.offset, "unknown name \"" + t.text + "\"" + unknown_tail(t.text, known)};
    }
    case Token::Kind::open: {
      ++at_;
      auto inside = disjunction();
      if (peek().kind != Token::Kind::close)
        throw Failure{peek().offset, "expected \")\" to close the \"(\" at offset " + std::to_string(t.offset + 1)};
      ++at_;
      return inside;
    }
    case Token::Kind::end:
      throw Failure{t.offset, "the condition ends where a value is expected"};
    default:
      throw Failure{t.offset, "expected a value, got \"" + t.text + "\""};
    }
  }

  static std::string unknown_tail(const std::string& name, const std::vector<std::string>& known);

  std::vector<Token> tokens_;
  const std::vector<std::pair<std::string, std::size_t>>& names_;
  std::size_t at_ = 0;
};

std::string Parser::unknown_tail(const std::string& name, const std::vector<std::string>& known)
{
  if (known.empty())
    return "; nothing varies";
  return schema::suggestion(name, known, "the varied keys are");
}

struct Value {
  enum class Kind { number, text, boolean } kind = Kind::number;
  double number = 0;
  std::string text;
  bool truth = false;
};

const char* kind_name(Value::Kind k)
{
  switch (k) {
  case Value::Kind::number:
    return "a number";
  case Value::Kind::text:
    return "text";
  case Value::Kind::boolean:
    return "a condition";
  }
  return "";
}

Value evaluate(const Node& n, const std::vector<ConstraintValue>& values)
{
  Value v;
  const auto need = [](const Value& x, Value::Kind kind, const Node& at) {
    if (x.kind != kind)
      throw std::string("\"" + at.text + "\" needs " + kind_name(kind) + ", got " + kind_name(x.kind));
    return x;
  };
  switch (n.op) {
  case Op::number:
    v.number = n.number;
    return v;
  case Op::text:
    v.kind = Value::Kind::text;
    v.text = n.text;
    return v;
  case Op::variable: {
    const ConstraintValue& c = values.at(n.variable);
    if (c.number) {
      v.number = *c.number;
    } else {
      v.kind = Value::Kind::text;
      v.text = c.text;
    }
    return v;
  }
  case Op::negate:
    v.number = -need(evaluate(*n.left, values), Value::Kind::number, n).number;
    return v;
  case Op::logical_not:
    v.kind = Value::Kind::boolean;
    v.truth = !need(evaluate(*n.left, values), Value::Kind::boolean, n).truth;
    return v;
  case Op::and_:
  case Op::or_: {
    v.kind = Value::Kind::boolean;
    const bool left = need(evaluate(*n.left, values), Value::Kind::boolean, n).truth;
    if (n.op == Op::and_ ? !left : left) {
      v.truth = left;
      return v;
    }
    v.truth = need(evaluate(*n.right, values), Value::Kind::boolean, n).truth;
    return v;
  }
  default:
    break;
  }
  const Value a = evaluate(*n.left, values);
  const Value b = evaluate(*n.right, values);
  if (n.op == Op::eq || n.op == Op::ne) {
    v.kind = Value::Kind::boolean;
    if (a.kind != b.kind)
      throw std::string("\"" + n.text + "\" compares " + kind_name(a.kind) + " with " + kind_name(b.kind));
    const bool equal = a.kind == Value::Kind::number ? a.number == b.number
                       : a.kind == Value::Kind::text ? a.text == b.text
                                                     : a.truth == b.truth;
    v.truth = n.op == Op::eq ? equal : !equal;
    return v;
  }
  const double x = need(a, Value::Kind::number, n).number;
  const double y = need(b, Value::Kind::number, n).number;
  switch (n.op) {
  case Op::add:
    v.number = x + y;
    return v;
  case Op::sub:
    v.number = x - y;
    return v;
  case Op::mul:
    v.number = x * y;
    return v;
  case Op::div:
    v.number = x / y;
    return v;
  default:
    break;
  }
  v.kind = Value::Kind::boolean;
  v.truth = n.op == Op::lt ? x < y : n.op == Op::le ? x <= y : n.op == Op::gt ? x > y : x >= y;
  return v;
}

} // namespace

Constraint Constraint::parse(const std::string& text, const std::vector<std::pair<std::string, std::size_t>>& names,
                             std::optional<Error>& error)
{
  Constraint c;
  error.reset();
  try {
    c.root_ = Parser(tokenize(text), names).parse();
  } catch (const Failure& f) {
    error = Error{f.offset, f.message};
  }
  return c;
}

std::optional<bool> Constraint::holds(const std::vector<ConstraintValue>& values, std::string& error) const
{
  if (!root_)
    return true;
  try {
    const Value v = evaluate(*root_, values);
    if (v.kind != Value::Kind::boolean) {
      error = std::string("the constraint must be a condition (a comparison), not ") + kind_name(v.kind);
      return std::nullopt;
    }
    return v.truth;
  } catch (const std::string& message) {
    error = message;
    return std::nullopt;
  }
}

} // namespace scalelab::models
