#include "store/tracking/search_filter_parser.h"

#include <cctype>
#include <charconv>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "base/text.h"

namespace orchard {
namespace {

class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool AtEnd() {
    SkipSpace();
    return pos_ >= text_.size();
  }
  char Peek() { return AtEnd() ? '\0' : text_[pos_]; }
  size_t pos() const { return pos_; }

  Status Error(std::string_view what) const {
    std::string_view rest = text_.substr(std::min(pos_, text_.size()));
    return Status::InvalidParameter(
        fmt::format("Invalid search expression '{}': {} at position {} (near '{}')", text_, what,
                    pos_, rest.substr(0, 20)));
  }

  // A word of letters, digits, '_', '.', '-', '/', ':' (an unquoted identifier or keyword).
  std::string Word() {
    SkipSpace();
    size_t start = pos_;
    while (pos_ < text_.size()) {
      unsigned char c = text_[pos_];
      if (std::isalnum(c) || c == '_' || c == '.' || c == '-' || c == '/' || c == ':' ||
          c >= 0x80) {
        ++pos_;
      } else {
        break;
      }
    }
    return std::string(text_.substr(start, pos_ - start));
  }

  // A string quoted with `quote`, the opening quote at the current position; '' or \' escapes.
  StatusOr<std::string> Quoted(char quote) {
    ++pos_;
    std::string out;
    while (pos_ < text_.size()) {
      char c = text_[pos_++];
      if (c == '\\' && pos_ < text_.size()) {
        out += text_[pos_++];
      } else if (c == quote) {
        if (pos_ < text_.size() && text_[pos_] == quote) {
          out += quote;
          ++pos_;
        } else {
          return out;
        }
      } else {
        out += c;
      }
    }
    return Error("unterminated quoted string");
  }

  // A number: digits, '.', and an exponent with its sign ("1.7e+12", "-3", "+0.5").
  std::string Number() {
    SkipSpace();
    size_t start = pos_;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      bool sign = (c == '+' || c == '-') &&
                  (pos_ == start || text_[pos_ - 1] == 'e' || text_[pos_ - 1] == 'E');
      if (std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == 'E' || sign) {
        ++pos_;
      } else {
        break;
      }
    }
    return std::string(text_.substr(start, pos_ - start));
  }

  std::string Comparator() {
    SkipSpace();
    size_t start = pos_;
    while (pos_ < text_.size() &&
           std::string_view("<>=!").find(text_[pos_]) != std::string_view::npos) {
      ++pos_;
    }
    if (pos_ == start) return AsciiLower(Word());
    return std::string(text_.substr(start, pos_ - start));
  }

  void Restore(size_t pos) { pos_ = pos; }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

std::optional<FilterEntity> ParseEntity(const std::string& word) {
  std::string entity = AsciiLower(word);
  if (entity == "metrics" || entity == "metric") return FilterEntity::kMetric;
  if (entity == "params" || entity == "param" || entity == "parameters" || entity == "parameter") {
    return FilterEntity::kParam;
  }
  if (entity == "tags" || entity == "tag") return FilterEntity::kTag;
  if (entity == "attributes" || entity == "attribute" || entity == "attr" || entity == "run") {
    return FilterEntity::kAttribute;
  }
  if (entity == "datasets" || entity == "dataset") return FilterEntity::kDataset;
  return std::nullopt;
}

// entity '.' key, or a bare attribute key.
Status ParseIdentifier(Scanner& in, FilterEntity& entity, std::string& key) {
  in.SkipSpace();
  char c = in.Peek();
  if (c == '`' || c == '"') {  // a quoted bare attribute
    entity = FilterEntity::kAttribute;
    ORCHARD_ASSIGN_OR_RETURN(key, in.Quoted(c));
    return Status::Ok();
  }
  size_t start = in.pos();
  std::string word = in.Word();
  if (word.empty()) return in.Error("expected an identifier such as metrics.acc");
  size_t dot = word.find('.');
  std::string head = dot == std::string::npos ? word : word.substr(0, dot);
  std::optional<FilterEntity> parsed = ParseEntity(head);
  if (!parsed) {
    if (dot != std::string::npos) {
      in.Restore(start);
      return in.Error(
          fmt::format("unknown entity '{}' (use metrics, params, tags, attributes or "
                      "datasets)",
                      head));
    }
    entity = FilterEntity::kAttribute;
    key = word;
    return Status::Ok();
  }
  entity = *parsed;
  if (dot == std::string::npos) {
    return in.Error(fmt::format("expected '{}.<key>'", head));
  }
  key = word.substr(dot + 1);
  if (key.empty()) {
    char q = in.Peek();
    if (q != '`' && q != '"') return in.Error("expected a key after the entity");
    ORCHARD_ASSIGN_OR_RETURN(key, in.Quoted(q));
  }
  return Status::Ok();
}

StatusOr<std::optional<Comparator>> ParseComparator(Scanner& in) {
  std::string op = in.Comparator();
  if (op == "=" || op == "==") return std::optional(Comparator::kEq);
  if (op == "!=") return std::optional(Comparator::kNe);
  if (op == "<") return std::optional(Comparator::kLt);
  if (op == "<=") return std::optional(Comparator::kLe);
  if (op == ">") return std::optional(Comparator::kGt);
  if (op == ">=") return std::optional(Comparator::kGe);
  if (op == "like") return std::optional(Comparator::kLike);
  if (op == "ilike") return std::optional(Comparator::kILike);
  if (op == "in") return std::optional(Comparator::kIn);
  if (op == "not") {
    if (AsciiLower(in.Word()) == "in") return std::optional(Comparator::kNotIn);
    return in.Error("expected IN after NOT");
  }
  return in.Error(
      fmt::format("invalid comparator '{}' (use =, !=, <, <=, >, >=, LIKE, ILIKE, "
                  "IN, NOT IN)",
                  op));
}

Status ParseValue(Scanner& in, FilterClause& clause) {
  in.SkipSpace();
  char c = in.Peek();
  if (clause.op == Comparator::kIn || clause.op == Comparator::kNotIn) {
    if (c != '(') return in.Error("expected a parenthesised list after IN");
    in.Restore(in.pos() + 1);
    std::vector<std::string> values;
    while (true) {
      in.SkipSpace();
      char q = in.Peek();
      if (q != '\'' && q != '"') return in.Error("expected a quoted string in the IN list");
      ORCHARD_ASSIGN_OR_RETURN(std::string value, in.Quoted(q));
      values.push_back(std::move(value));
      in.SkipSpace();
      char next = in.Peek();
      in.Restore(in.pos() + 1);
      if (next == ')') break;
      if (next != ',') return in.Error("expected ',' or ')' in the IN list");
    }
    clause.value = std::move(values);
    return Status::Ok();
  }
  if (c == '\'' || c == '"') {
    ORCHARD_ASSIGN_OR_RETURN(std::string value, in.Quoted(c));
    clause.value = std::move(value);
    return Status::Ok();
  }
  std::string word = in.Number();
  if (word.empty()) word = in.Word();
  if (!word.empty() && word.front() == '+') word.erase(0, 1);  // from_chars takes no '+'
  double number = 0;
  auto [ptr, ec] = std::from_chars(word.data(), word.data() + word.size(), number);
  if (word.empty() || ec != std::errc() || ptr != word.data() + word.size()) {
    return in.Error(fmt::format("expected a number or a quoted string, got '{}'", word));
  }
  clause.value = number;
  return Status::Ok();
}

}  // namespace

namespace {

// Nesting bound: deep enough for any hand-written filter, shallow enough for the stack.
constexpr int kMaxFilterDepth = 32;

StatusOr<Filter> ParseDisjunction(Scanner& in, int depth);

// primary := '(' disjunction ')' | clause; appended to `conjunction`.
Status ParsePrimary(Scanner& in, int depth, Filter& conjunction) {
  if (in.Peek() == '(') {
    if (depth >= kMaxFilterDepth) return in.Error("parentheses nested too deeply");
    in.Restore(in.pos() + 1);
    ORCHARD_ASSIGN_OR_RETURN(Filter group, ParseDisjunction(in, depth + 1));
    if (in.Peek() != ')') return in.Error("expected ')'");
    in.Restore(in.pos() + 1);
    for (FilterClause& clause : group.clauses) conjunction.clauses.push_back(std::move(clause));
    return Status::Ok();
  }
  FilterClause clause;
  ORCHARD_RETURN_IF_ERROR(ParseIdentifier(in, clause.entity, clause.key));
  ORCHARD_ASSIGN_OR_RETURN(std::optional<Comparator> op, ParseComparator(in));
  clause.op = *op;
  ORCHARD_RETURN_IF_ERROR(ParseValue(in, clause));
  conjunction.clauses.push_back(std::move(clause));
  return Status::Ok();
}

// The next keyword (AND/OR) without consuming anything else; "" at the end or before ')'.
std::string PeekKeyword(Scanner& in) {
  if (in.AtEnd() || in.Peek() == ')') return "";
  size_t at = in.pos();
  std::string word = AsciiLower(in.Word());
  in.Restore(at);
  return word;
}

// conjunction := primary (AND primary)*
StatusOr<Filter> ParseConjunction(Scanner& in, int depth) {
  Filter conjunction;
  ORCHARD_RETURN_IF_ERROR(ParsePrimary(in, depth, conjunction));
  while (PeekKeyword(in) == "and") {
    (void)in.Word();
    ORCHARD_RETURN_IF_ERROR(ParsePrimary(in, depth, conjunction));
  }
  return conjunction;
}

// disjunction := conjunction (OR conjunction)*: AND binds tighter than OR.
StatusOr<Filter> ParseDisjunction(Scanner& in, int depth) {
  ORCHARD_ASSIGN_OR_RETURN(Filter first, ParseConjunction(in, depth));
  if (PeekKeyword(in) != "or") return first;
  FilterClause either;
  either.any_of.push_back(std::move(first));
  while (PeekKeyword(in) == "or") {
    (void)in.Word();
    ORCHARD_ASSIGN_OR_RETURN(Filter next, ParseConjunction(in, depth));
    either.any_of.push_back(std::move(next));
  }
  Filter filter;
  filter.clauses.push_back(std::move(either));
  return filter;
}

}  // namespace

StatusOr<Filter> ParseSearchFilter(std::string_view text) {
  Scanner in(text);
  if (in.AtEnd()) return Filter{};
  ORCHARD_ASSIGN_OR_RETURN(Filter filter, ParseDisjunction(in, 0));
  if (!in.AtEnd()) {
    if (in.Peek() == ')') return in.Error("unbalanced ')'");
    std::string word = in.Word();
    return in.Error(word.empty() ? "expected AND or OR"
                                 : fmt::format("expected AND or OR, got '{}'", word));
  }
  return filter;
}

StatusOr<OrderBy> ParseOrderBy(std::string_view text) {
  OrderBy order;
  Scanner in(text);
  ORCHARD_RETURN_IF_ERROR(ParseIdentifier(in, order.entity, order.key));
  if (!in.AtEnd()) {
    std::string direction = AsciiLower(in.Word());
    if (direction == "desc") {
      order.ascending = false;
    } else if (direction != "asc") {
      return in.Error("expected ASC or DESC");
    }
  }
  if (!in.AtEnd()) return in.Error("unexpected text after the order direction");
  return order;
}

namespace {

std::string Quote(std::string_view text, char quote) {
  std::string out(1, quote);
  for (char c : text) {
    if (c == quote || c == '\\') out.push_back(c == quote ? quote : '\\');  // escaped
    out.push_back(c);
  }
  out.push_back(quote);
  return out;
}

// entity.key, backquoting keys that are not plain identifiers.
std::string Identifier(FilterEntity entity, const std::string& key) {
  bool plain = !key.empty();
  for (unsigned char c : key) {
    plain = plain && (std::isalnum(c) || c == '_' || c == '.' || c == '-' || c == '/' || c == ':');
  }
  return std::string(FilterEntityName(entity)) + "." + (plain ? key : Quote(key, '`'));
}

}  // namespace

std::string FormatSearchFilter(const Filter& filter) {
  std::string out;
  for (const FilterClause& clause : filter.clauses) {
    if (!out.empty()) out += " AND ";
    if (!clause.any_of.empty()) {
      out += "(";
      for (size_t i = 0; i < clause.any_of.size(); ++i) {
        out += (i ? " OR (" : "(") + FormatSearchFilter(clause.any_of[i]) + ")";
      }
      out += ")";
      continue;
    }
    out +=
        Identifier(clause.entity, clause.key) + " " + std::string(ComparatorName(clause.op)) + " ";
    if (const auto* number = std::get_if<double>(&clause.value)) {
      char buffer[32];
      auto result = std::to_chars(buffer, buffer + sizeof(buffer), *number);
      out.append(buffer, result.ptr);
    } else if (const auto* text = std::get_if<std::string>(&clause.value)) {
      out += Quote(*text, '\'');
    } else {
      const auto& list = std::get<std::vector<std::string>>(clause.value);
      out += "(";
      for (size_t i = 0; i < list.size(); ++i) out += (i ? ", " : "") + Quote(list[i], '\'');
      out += ")";
    }
  }
  return out;
}

std::string FormatOrderBy(const OrderBy& order) {
  return Identifier(order.entity, order.key) + (order.ascending ? " ASC" : " DESC");
}

}  // namespace orchard
