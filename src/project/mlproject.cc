#include "project/mlproject.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include <fmt/format.h>

#include "base/yaml_describe.h"
#include "project/python_yaml_scalar.h"

namespace orchard {
namespace {

namespace fs = std::filesystem;

std::string Join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += separator;
    out += items[i];
  }
  return out;
}

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool IsIdentifierStart(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool IsIdentifierChar(char c) { return IsIdentifierStart(c) || (c >= '0' && c <= '9'); }

// --- Paths ---

// `path` lexically normalized, without a trailing separator (except for "/"), so
// "data/", "./data" and "data" log the same value.
std::string Normalized(const fs::path& path) {
  std::string text = path.lexically_normal().string();
  while (text.size() > 1 && text.back() == '/') text.pop_back();
  return text;
}

// `folder` as an absolute, normalized path; empty means the current folder.
StatusOr<std::string> AbsoluteFolder(const std::string& folder) {
  std::error_code ec;
  fs::path absolute = fs::absolute(folder.empty() ? fs::path(".") : fs::path(folder), ec);
  if (ec) {
    return Status::InvalidParameter(
        fmt::format("cannot make folder '{}' absolute: {}", folder, ec.message()));
  }
  return Normalized(absolute);
}

// True for a URI with a scheme: "scheme://..." (s3://, http://, file:///...) and also
// "scheme:/..." as MLflow writes its own URIs (runs:/<id>/model, models:/name/1, dbfs:/...). The
// scheme is RFC 3986's: a letter, then letters, digits, '+', '-', '.'.
bool HasUriScheme(std::string_view value) {
  size_t colon = value.find(":/");
  if (colon == std::string_view::npos || colon == 0) return false;
  if (!std::isalpha(static_cast<unsigned char>(value[0]))) return false;
  for (size_t i = 1; i < colon; ++i) {
    char c = value[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
      return false;
    }
  }
  return true;
}

// --- Parameter values ---

// A whole number within 64 bits, with an optional sign (Python's int() also takes "+5").
bool IsInt(std::string_view value) {
  std::string_view digits = value;
  if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) digits.remove_prefix(1);
  if (digits.empty()) return false;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
  }
  // from_chars takes a '-' but not a '+'; it only checks the range here.
  std::string_view number = value[0] == '+' ? value.substr(1) : value;
  int64_t parsed = 0;
  auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), parsed);
  return error == std::errc() && end == number.data() + number.size();
}

// A finite decimal number ("0.1", "-3", "1e-5", "+2.5"); no spaces, hex, inf or nan.
bool IsFiniteFloat(std::string_view value) {
  std::string_view number = value;
  if (!number.empty() && number[0] == '+') number.remove_prefix(1);
  // from_chars takes one '-' and no '+': refuse "+-1" and "++1" ourselves.
  if (number.empty() || (number.size() < value.size() && (number[0] == '+' || number[0] == '-'))) {
    return false;
  }
  double parsed = 0;
  auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), parsed,
                                      std::chars_format::general);
  return error == std::errc() && end == number.data() + number.size() && std::isfinite(parsed);
}

// What a value of `type` must be, when `value` is not that (else both empty): "must be an int"
// and what to give instead, "a whole number within 64 bits". Only int and float have a shape;
// path and uri refuse an empty value, which names nothing.
struct TypeProblem {
  std::string requirement;
  std::string wanted;
  bool ok() const { return requirement.empty(); }
};
TypeProblem CheckType(ParameterType type, std::string_view value) {
  switch (type) {
    case ParameterType::kInt:
      if (!IsInt(value)) return {"must be an int", "a whole number within 64 bits"};
      break;
    case ParameterType::kFloat:
      if (!IsFiniteFloat(value)) return {"must be a float", "a finite number"};
      break;
    case ParameterType::kPath:
    case ParameterType::kUri:
      if (value.empty()) return {"must not be empty", fmt::format("a {}", ParameterTypeName(type))};
      break;
    case ParameterType::kString:
      break;
  }
  return {};
}

std::string ExampleValue(ParameterType type) {
  switch (type) {
    case ParameterType::kInt:
      return "10";
    case ParameterType::kFloat:
      return "0.5";
    case ParameterType::kPath:
      return "data/train.csv";
    case ParameterType::kUri:
      return "s3://bucket/data";
    case ParameterType::kString:
      return "VALUE";
  }
  return "VALUE";
}

// --- Command templates ---

struct TemplatePart {
  std::string_view text;  // literal text, or the placeholder's parameter name
  bool placeholder = false;
};

// Splits a command template into literal text and `{identifier}` placeholders; any other brace
// is literal ("{print $1}", "{1}", a lone "{", the outer pair of "{{x}}"). MLflow uses Python's
// str.format, where every brace is special and "{{" escapes one; keeping only the unambiguous
// form special lets awk programs and the like through unchanged. As with str.format, the "{HOME}"
// in a shell "${HOME}" is a placeholder; write $HOME instead.
std::vector<TemplatePart> SplitTemplate(std::string_view command) {
  std::vector<TemplatePart> parts;
  size_t literal_start = 0;
  size_t i = 0;
  while (i < command.size()) {
    if (command[i] == '{' && i + 1 < command.size() && IsIdentifierStart(command[i + 1])) {
      size_t end = i + 2;
      while (end < command.size() && IsIdentifierChar(command[end])) ++end;
      if (end < command.size() && command[end] == '}') {
        if (i > literal_start) parts.push_back({command.substr(literal_start, i - literal_start)});
        parts.push_back({command.substr(i + 1, end - i - 1), true});
        i = end + 1;
        literal_start = i;
        continue;
      }
    }
    ++i;
  }
  if (literal_start < command.size()) parts.push_back({command.substr(literal_start)});
  return parts;
}

std::vector<std::string> QuotedParameterNames(const EntryPoint& entry) {
  std::vector<std::string> names;
  for (const ParameterSpec& spec : entry.parameters) names.push_back("'" + spec.name + "'");
  return names;
}

// The problem with the first placeholder of `entry`'s command that names no declared parameter
// (MLflow fails there with a KeyError from str.format at run time), or empty.
std::string UnknownPlaceholderProblem(const EntryPoint& entry) {
  for (const TemplatePart& part : SplitTemplate(entry.command)) {
    if (!part.placeholder) continue;
    bool declared = std::any_of(entry.parameters.begin(), entry.parameters.end(),
                                [&](const ParameterSpec& spec) { return spec.name == part.text; });
    if (declared) continue;
    std::string names = entry.parameters.empty()
                            ? std::string("it declares none")
                            : "it declares " + Join(QuotedParameterNames(entry), ", ");
    // part.text points into entry.command just after the '{'.
    size_t brace = static_cast<size_t>(part.text.data() - entry.command.data()) - 1;
    bool shell_variable = brace > 0 && entry.command[brace - 1] == '$';
    std::string fix =
        shell_variable ? fmt::format("for the shell variable write ${} without braces", part.text)
                       : fmt::format(
                             "declare '{}' under the entry point's parameters or remove the "
                             "placeholder",
                             part.text);
    return fmt::format(
        "the command of entry point '{}' uses {{{}}}, which is not one of its parameters ({}); {}",
        entry.name, part.text, names, fix);
  }
  return "";
}

// --- YAML ---

std::string KindOf(const YAML::Node& node) { return DescribeYamlNode(node); }

struct MapEntry {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
};

class Parser {
 public:
  Parser(std::string_view source, std::string folder)
      : source_(source), folder_(std::move(folder)) {}

  StatusOr<ProjectSpec> Parse(const YAML::Node& root) const {
    ProjectSpec spec;
    spec.folder = folder_;
    spec.source = source_;
    spec.name = fs::path(folder_).filename().string();
    if (root.IsNull()) return spec;  // an empty file declares nothing
    if (!root.IsMap()) {
      return Fail(root, fmt::format("the file must be a YAML mapping with keys such as name, "
                                    "python_env and entry_points; got {}",
                                    KindOf(root)));
    }
    ORCHARD_ASSIGN_OR_RETURN(std::vector<MapEntry> entries, Entries(root, "the file"));
    const MapEntry* environment = nullptr;
    for (const MapEntry& entry : entries) {
      // As in MLflow, an empty value is the same as a missing key.
      if (entry.value.IsNull()) continue;
      if (entry.key == "name") {
        if (!entry.value.IsScalar()) {
          return Fail(entry.key_node,
                      fmt::format("'name' must be a string; got {}", KindOf(entry.value)));
        }
        spec.name = entry.value.Scalar();
      } else if (entry.key == "python_env" || entry.key == "conda_env" ||
                 entry.key == "docker_env") {
        // MLflow: "Project cannot contain both a docker and conda environment", and so on.
        if (environment != nullptr) {
          return Fail(entry.key_node,
                      fmt::format("the project declares both '{}' and '{}'; a project has at "
                                  "most one environment, so keep one of them",
                                  environment->key, entry.key));
        }
        environment = &entry;
        ORCHARD_RETURN_IF_ERROR(ParseEnvironment(entry, spec));
      } else if (entry.key == "entry_points") {
        ORCHARD_RETURN_IF_ERROR(ParseEntryPoints(entry, spec));
      }
      // MLflow ignores other top-level keys, so projects may carry their own.
    }
    spec.warnings = std::move(warnings_);
    return spec;
  }

 private:
  Status Fail(const YAML::Node& at, std::string_view message) const {
    YAML::Mark mark = at.Mark();
    if (mark.line < 0) return Status::InvalidParameter(fmt::format("{}: {}", source_, message));
    return Status::InvalidParameter(fmt::format("{}:{}: {}", source_, mark.line + 1, message));
  }

  // The entries of mapping `node` in file order. Non-scalar keys and repeated keys are refused:
  // yaml-cpp keeps both of two equal keys and PyYAML silently keeps the last, which hides a typo.
  StatusOr<std::vector<MapEntry>> Entries(const YAML::Node& node, std::string_view where) const {
    std::vector<MapEntry> entries;
    for (const auto& pair : node) {
      if (!pair.first.IsScalar()) {
        return Fail(pair.first, fmt::format("a key in {} is {}; keys must be plain names", where,
                                            KindOf(pair.first)));
      }
      const std::string& key = pair.first.Scalar();
      for (const MapEntry& earlier : entries) {
        if (earlier.key == key) {
          return Fail(pair.first, fmt::format("'{}' appears twice in {}; keep one", key, where));
        }
      }
      entries.push_back({key, pair.first, pair.second});
    }
    return entries;
  }

  // A non-empty string value, or an error that says what `what` should be.
  StatusOr<std::string> NonEmptyString(const MapEntry& entry, std::string_view what) const {
    if (!entry.value.IsScalar() || entry.value.Scalar().empty()) {
      return Fail(entry.key_node,
                  fmt::format("'{}' must be {}; got {}", entry.key, what, KindOf(entry.value)));
    }
    return entry.value.Scalar();
  }

  Status ParseEnvironment(const MapEntry& entry, ProjectSpec& spec) const {
    if (entry.key != "docker_env") {
      ORCHARD_ASSIGN_OR_RETURN(
          std::string file,
          NonEmptyString(
              entry, fmt::format("the path of a {} file relative to the project "
                                 "folder, e.g. {}: {}.yaml",
                                 entry.key == "python_env" ? "python_env.yaml" : "conda.yaml",
                                 entry.key, entry.key == "python_env" ? "python_env" : "conda")));
      spec.environment = entry.key == "python_env" ? ProjectEnvironment::kPythonEnv
                                                   : ProjectEnvironment::kCondaEnv;
      spec.environment_file = Normalized(fs::path(folder_) / file);
      return Status::Ok();
    }
    // docker_env, checked as MLflow's load_project checks it.
    if (!entry.value.IsMap()) {
      return Fail(entry.key_node,
                  fmt::format("'docker_env' must be a mapping with an 'image' (e.g. docker_env: "
                              "{{image: python:3.11}}); got {}",
                              KindOf(entry.value)));
    }
    ORCHARD_ASSIGN_OR_RETURN(std::vector<MapEntry> entries, Entries(entry.value, "docker_env"));
    spec.environment = ProjectEnvironment::kDockerEnv;
    for (const MapEntry& item : entries) {
      if (item.value.IsNull()) continue;
      if (item.key == "image") {
        ORCHARD_ASSIGN_OR_RETURN(spec.environment_file,
                                 NonEmptyString(item, "a docker image name, e.g. python:3.11"));
      } else if (item.key == "volumes") {
        ORCHARD_RETURN_IF_ERROR(ParseVolumes(item, spec));
      } else if (item.key == "environment") {
        ORCHARD_RETURN_IF_ERROR(ParseDockerEnvironment(item, spec));
      }
    }
    if (spec.environment_file.empty()) {
      return Fail(entry.key_node,
                  "'docker_env' has no 'image'; add one, e.g. docker_env: {image: python:3.11}");
    }
    return Status::Ok();
  }

  Status ParseVolumes(const MapEntry& item, ProjectSpec& spec) const {
    constexpr std::string_view kHint =
        "docker_env 'volumes' must be a list of strings, e.g. [\"/path1/:/path1\"]";
    if (!item.value.IsSequence()) {
      return Fail(item.key_node, fmt::format("{}; got {}", kHint, KindOf(item.value)));
    }
    for (const YAML::Node& volume : item.value) {
      if (!volume.IsScalar()) {
        return Fail(volume, fmt::format("{}; got {} in it", kHint, KindOf(volume)));
      }
      spec.docker_volumes.push_back(volume.Scalar());
    }
    return Status::Ok();
  }

  Status ParseDockerEnvironment(const MapEntry& item, ProjectSpec& spec) const {
    constexpr std::string_view kHint =
        "docker_env 'environment' must be a list of NAME (copied from the host) or [NAME, VALUE] "
        "items, e.g. [\"HOME\", [\"MODE\", \"test\"]]";
    if (!item.value.IsSequence()) {
      return Fail(item.key_node, fmt::format("{}; got {}", kHint, KindOf(item.value)));
    }
    for (const YAML::Node& variable : item.value) {
      if (variable.IsScalar()) {
        spec.docker_environment.emplace_back(variable.Scalar(), std::nullopt);
      } else if (variable.IsSequence() && variable.size() == 2 && variable[0].IsScalar() &&
                 variable[1].IsScalar()) {
        spec.docker_environment.emplace_back(variable[0].Scalar(), variable[1].Scalar());
      } else {
        return Fail(variable, fmt::format("{}; got {} in it", kHint, KindOf(variable)));
      }
    }
    return Status::Ok();
  }

  Status ParseEntryPoints(const MapEntry& entry, ProjectSpec& spec) const {
    if (!entry.value.IsMap()) {
      return Fail(entry.key_node,
                  fmt::format("'entry_points' must be a mapping of entry point names to "
                              "{{parameters: ..., command: ...}}; got {}",
                              KindOf(entry.value)));
    }
    ORCHARD_ASSIGN_OR_RETURN(std::vector<MapEntry> entries, Entries(entry.value, "'entry_points'"));
    for (const MapEntry& item : entries) {
      ORCHARD_ASSIGN_OR_RETURN(EntryPoint entry_point, ParseEntryPoint(item));
      spec.entry_points.push_back(std::move(entry_point));
    }
    return Status::Ok();
  }

  StatusOr<EntryPoint> ParseEntryPoint(const MapEntry& item) const {
    EntryPoint entry;
    entry.name = item.key;
    if (entry.name.empty()) {
      return Fail(item.key_node, "an entry point has an empty name; give it a name such as main");
    }
    const std::string missing_command =
        fmt::format("entry point '{}' has no 'command'; add one, e.g. command: \"python train.py\"",
                    entry.name);
    if (item.value.IsNull()) return Fail(item.key_node, missing_command);
    if (!item.value.IsMap()) {
      return Fail(item.key_node,
                  fmt::format("entry point '{}' must be a mapping with a 'command' and optional "
                              "'parameters'; got {}",
                              entry.name, KindOf(item.value)));
    }
    ORCHARD_ASSIGN_OR_RETURN(std::vector<MapEntry> fields,
                             Entries(item.value, fmt::format("entry point '{}'", entry.name)));
    const MapEntry* command = nullptr;
    for (const MapEntry& field : fields) {
      if (field.key == "command") {
        command = &field;
      } else if (field.key == "parameters") {
        ORCHARD_RETURN_IF_ERROR(ParseParameters(field, entry));
      }
      // MLflow ignores other keys of an entry point too.
    }
    if (command == nullptr || command->value.IsNull()) {
      return Fail(command == nullptr ? item.key_node : command->key_node, missing_command);
    }
    if (!command->value.IsScalar() || command->value.Scalar().empty()) {
      return Fail(command->key_node,
                  fmt::format("the 'command' of entry point '{}' must be a non-empty string, "
                              "e.g. \"python train.py --alpha {{alpha}}\"; got {}",
                              entry.name, KindOf(command->value)));
    }
    entry.command = command->value.Scalar();
    std::string problem = UnknownPlaceholderProblem(entry);
    if (!problem.empty()) return Fail(command->key_node, problem);
    return entry;
  }

  Status ParseParameters(const MapEntry& field, EntryPoint& entry) const {
    if (field.value.IsNull()) return Status::Ok();
    if (!field.value.IsMap()) {
      return Fail(field.key_node,
                  fmt::format("the 'parameters' of entry point '{}' must be a mapping of NAME: "
                              "TYPE or NAME: {{type: TYPE, default: VALUE}}; got {}",
                              entry.name, KindOf(field.value)));
    }
    ORCHARD_ASSIGN_OR_RETURN(
        std::vector<MapEntry> items,
        Entries(field.value, fmt::format("the parameters of entry point '{}'", entry.name)));
    for (const MapEntry& item : items) {
      ORCHARD_ASSIGN_OR_RETURN(ParameterSpec spec, ParseParameter(item, entry.name));
      entry.parameters.push_back(std::move(spec));
    }
    return Status::Ok();
  }

  // MLflow's Parameter: either `name: type` or `name: {type: T, default: V}` (type "string"
  // when left out; no default: required).
  StatusOr<ParameterSpec> ParseParameter(const MapEntry& item, const std::string& entry) const {
    ParameterSpec spec;
    spec.name = item.key;
    if (spec.name.empty()) {
      return Fail(item.key_node,
                  fmt::format("entry point '{}' has a parameter with an empty name", entry));
    }
    const std::string what = fmt::format("parameter '{}' of entry point '{}'", spec.name, entry);
    const std::string shapes =
        fmt::format("write {0}: string or {0}: {{type: string, default: VALUE}}", spec.name);
    if (item.value.IsNull()) {
      return Fail(item.key_node, fmt::format("{} has no type; {}", what, shapes));
    }
    if (item.value.IsScalar()) {
      ORCHARD_RETURN_IF_ERROR(SetType(item.value, what, spec));
      return spec;
    }
    if (!item.value.IsMap()) {
      return Fail(item.key_node, fmt::format("{} must be a type name or a mapping; {}; got {}",
                                             what, shapes, KindOf(item.value)));
    }
    ORCHARD_ASSIGN_OR_RETURN(std::vector<MapEntry> fields, Entries(item.value, what));
    for (const MapEntry& field : fields) {
      // `type:` alone is "string" (MLflow's default), `default:` alone no default; other keys
      // (a description, say) are ignored as MLflow ignores them.
      if (field.value.IsNull()) continue;
      if (field.key == "type") {
        if (!field.value.IsScalar()) {
          return Fail(field.key_node,
                      fmt::format("the type of {} must be a type name such as string, float, "
                                  "path or uri; got {}",
                                  what, KindOf(field.value)));
        }
        ORCHARD_RETURN_IF_ERROR(SetType(field.value, what, spec));
      } else if (field.key == "default") {
        if (!field.value.IsScalar()) {
          return Fail(field.key_node,
                      fmt::format("the default of {} must be a single value (a number, string "
                                  "or bool); got {}",
                                  what, KindOf(field.value)));
        }
        // MLflow reads the file with PyYAML and passes str() of the value: `1.` is "1.0".
        spec.default_value = PythonTextOfYamlScalar(field.value.Scalar(), field.value.Tag() != "?");
      }
    }
    if (spec.default_value) {
      // MLflow never checks a default; a mismatch is worth a warning, not a refusal.
      TypeProblem problem = CheckType(spec.type, *spec.default_value);
      if (!problem.ok()) {
        Warn(item.key_node,
             fmt::format("the default of {} {}, but is '{}'; it is passed as written, as MLflow "
                         "does",
                         what, problem.requirement, *spec.default_value));
      }
    }
    return spec;
  }

  Status SetType(const YAML::Node& node, const std::string& what, ParameterSpec& spec) const {
    std::optional<ParameterType> type = ParameterTypeFromName(node.Scalar());
    if (!type) {
      // MLflow passes a value of a type it does not define as text; so does Orchard.
      Warn(node, fmt::format("{} has type '{}', which MLflow does not define (string, float, "
                             "path, uri); its values are passed as text",
                             what, node.Scalar()));
      type = ParameterType::kString;
    }
    spec.type = *type;
    return Status::Ok();
  }

  void Warn(const YAML::Node& at, std::string_view message) const {
    YAML::Mark mark = at.Mark();
    warnings_.push_back(mark.line < 0 ? fmt::format("{}: {}", source_, message)
                                      : fmt::format("{}:{}: {}", source_, mark.line + 1, message));
  }

  std::string source_;
  std::string folder_;
  mutable std::vector<std::string> warnings_;  // collected while parsing, moved into the spec
};

// The final value of a declared parameter: a value the user gave checked by type (a default is
// not: MLflow passes it as written), `path` and `uri` made absolute.
StatusOr<std::string> FinalValue(const ParameterSpec& spec, const std::string& value, bool given,
                                 const std::string& entry, const fs::path& base) {
  TypeProblem problem = given ? CheckType(spec.type, value) : TypeProblem{};
  if (!problem.ok()) {
    return Status::InvalidParameter(fmt::format(
        "parameter '{}' of entry point '{}' {}; got '{}'; pass {}, e.g. -P {}={}", spec.name, entry,
        problem.requirement, value, problem.wanted, spec.name, ExampleValue(spec.type)));
  }
  if ((spec.type == ParameterType::kPath || spec.type == ParameterType::kUri) &&
      !HasUriScheme(value)) {
    // MLflow: os.path.abspath for a local path (relative to the folder `mlflow run` started in).
    return Normalized(base / value);
  }
  return value;
}

}  // namespace

std::string_view ParameterTypeName(ParameterType type) {
  switch (type) {
    case ParameterType::kString:
      return "string";
    case ParameterType::kFloat:
      return "float";
    case ParameterType::kInt:
      return "int";
    case ParameterType::kPath:
      return "path";
    case ParameterType::kUri:
      return "uri";
  }
  return "string";
}

std::optional<ParameterType> ParameterTypeFromName(std::string_view name) {
  if (name == "string" || name == "str") return ParameterType::kString;
  if (name == "float") return ParameterType::kFloat;
  if (name == "int") return ParameterType::kInt;
  if (name == "path") return ParameterType::kPath;
  if (name == "uri") return ParameterType::kUri;
  return std::nullopt;
}

std::string_view ProjectEnvironmentName(ProjectEnvironment env) {
  switch (env) {
    case ProjectEnvironment::kNone:
      return "local";
    case ProjectEnvironment::kPythonEnv:
      return "python_env";
    case ProjectEnvironment::kCondaEnv:
      return "conda_env";
    case ProjectEnvironment::kDockerEnv:
      return "docker_env";
  }
  return "local";
}

StatusOr<EntryPoint> ProjectSpec::FindEntryPoint(const std::string& name) const {
  for (const EntryPoint& entry : entry_points) {
    if (entry.name == name) return entry;
  }
  // MLflow's get_entry_point: a script file runs with its interpreter. Orchard also requires the
  // file to exist inside the project folder, so a typo is reported here rather than by python.
  const bool python = EndsWith(name, ".py");
  const bool shell = EndsWith(name, ".sh");
  bool script_missing = false;
  if ((python || shell) && name.size() > 3) {
    fs::path relative = fs::path(name).lexically_normal();
    bool inside = relative.is_relative() && !relative.empty() && *relative.begin() != "..";
    std::error_code ec;
    if (inside && fs::is_regular_file(fs::path(folder) / relative, ec)) {
      return EntryPoint{name, {}, std::string(python ? "python3 " : "sh ") + ShellQuote(name)};
    }
    script_missing = true;
  }
  std::vector<std::string> declared;
  for (const EntryPoint& entry : entry_points) declared.push_back("'" + entry.name + "'");
  std::string known = declared.empty()
                          ? fmt::format("it declares none ({})",
                                        source.empty() ? "the folder has no MLproject file"
                                                       : "its MLproject has no entry_points")
                          : "its entry points are " + Join(declared, ", ");
  std::string script =
      script_missing ? fmt::format(", and there is no file '{}' in {}", name, folder) : "";
  return Status::InvalidParameter(
      fmt::format("project '{}' has no entry point '{}'{}; {}. Pick one with -e NAME, or name a "
                  ".py or .sh file in the project folder",
                  this->name, name, script, known));
}

StatusOr<ProjectSpec> ParseProject(std::string_view yaml, const std::string& folder,
                                   std::string_view source) {
  ORCHARD_ASSIGN_OR_RETURN(std::string absolute, AbsoluteFolder(folder));
  return ReadYamlDocument(
      yaml, source, "project",
      "fix the syntax (an MLproject is a YAML mapping with name, python_env and entry_points keys)",
      [&](const YAML::Node& root) { return Parser(source, absolute).Parse(root); });
}

StatusOr<ProjectSpec> LoadProject(const std::string& folder) {
  ORCHARD_ASSIGN_OR_RETURN(std::string absolute, AbsoluteFolder(folder));
  std::error_code ec;
  if (!fs::is_directory(absolute, ec)) {
    return Status::InvalidParameter(
        fmt::format("project folder '{}' does not exist or is not a folder", folder));
  }
  // MLflow's _find_mlproject: the first file whose lower-cased name is "mlproject". The exact
  // spelling wins so the choice does not depend on the directory order.
  fs::path file = fs::path(absolute) / "MLproject";
  if (!fs::is_regular_file(file, ec)) {
    file.clear();
    for (fs::directory_iterator it(absolute, ec), end; !ec && it != end; it.increment(ec)) {
      std::string lower = it->path().filename().string();
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      std::error_code type_ec;
      if (lower == "mlproject" && it->is_regular_file(type_ec)) {
        file = it->path();
        break;
      }
    }
  }
  if (file.empty()) {
    // MLflow: a folder without an MLproject is a project of its scripts (FindEntryPoint).
    ProjectSpec spec;
    spec.folder = absolute;
    spec.name = fs::path(absolute).filename().string();
    return spec;
  }
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  if (in.is_open()) text << in.rdbuf();
  if (!in.is_open() || in.bad()) {
    return Status::InvalidParameter(
        fmt::format("cannot read {}; check that it is a readable file", file.string()));
  }
  ORCHARD_ASSIGN_OR_RETURN(ProjectSpec spec, ParseProject(text.str(), absolute, file.string()));
  if (spec.environment == ProjectEnvironment::kPythonEnv ||
      spec.environment == ProjectEnvironment::kCondaEnv) {
    // MLflow's load_project: "Project specified python_env file ..., but no such file was found."
    if (!fs::is_regular_file(spec.environment_file, ec)) {
      std::string key(ProjectEnvironmentName(spec.environment));
      return Status::InvalidParameter(
          fmt::format("{}: the {} file {} does not exist; create it or correct the '{}' key",
                      file.string(), key, spec.environment_file, key));
    }
  }
  return spec;
}

StatusOr<ResolvedRun> ResolveEntryPoint(
    const EntryPoint& entry, const std::vector<std::pair<std::string, std::string>>& given,
    const std::string& base_folder) {
  for (size_t i = 0; i < given.size(); ++i) {
    if (given[i].first.empty()) {
      return Status::InvalidParameter(fmt::format(
          "a parameter for entry point '{}' has an empty name; pass -P NAME=VALUE", entry.name));
    }
    for (size_t j = 0; j < i; ++j) {
      if (given[j].first == given[i].first) {
        // MLflow's CLI: "Repeated parameter: '...'".
        return Status::InvalidParameter(
            fmt::format("parameter '{}' is given twice for entry point '{}'; pass it once",
                        given[i].first, entry.name));
      }
    }
  }
  // Checked when parsing too; repeated here for entry points built by hand.
  std::string problem = UnknownPlaceholderProblem(entry);
  if (!problem.empty()) return Status::InvalidParameter(problem);

  auto find_given = [&](const std::string& name) -> const std::string* {
    for (const auto& [key, value] : given) {
      if (key == name) return &value;
    }
    return nullptr;
  };
  auto find_declared = [&](std::string_view name) -> const ParameterSpec* {
    for (const ParameterSpec& spec : entry.parameters) {
      if (spec.name == name) return &spec;
    }
    return nullptr;
  };

  // MLflow's _validate_parameters: all missing parameters are reported at once.
  std::vector<std::string> missing, hints;
  for (const ParameterSpec& spec : entry.parameters) {
    if (find_given(spec.name) == nullptr && !spec.default_value) {
      missing.push_back("'" + spec.name + "'");
      hints.push_back(fmt::format("-P {}={}", spec.name, ExampleValue(spec.type)));
    }
  }
  if (!missing.empty()) {
    return Status::InvalidParameter(fmt::format(
        "entry point '{}' needs a value for {} {}; pass {}", entry.name,
        missing.size() == 1 ? "parameter" : "parameters", Join(missing, ", "), Join(hints, " ")));
  }

  ORCHARD_ASSIGN_OR_RETURN(std::string base, AbsoluteFolder(base_folder));
  ResolvedRun run;
  for (const ParameterSpec& spec : entry.parameters) {
    if (find_declared(spec.name) != &spec) continue;  // a hand-built duplicate: the first wins
    const std::string* value = find_given(spec.name);
    ORCHARD_ASSIGN_OR_RETURN(std::string final_value,
                             FinalValue(spec, value != nullptr ? *value : *spec.default_value,
                                        value != nullptr, entry.name, base));
    run.params.emplace_back(spec.name, std::move(final_value));
  }
  auto final_value_of = [&](std::string_view name) -> const std::string* {
    for (const auto& [key, value] : run.params) {
      if (key == name) return &value;
    }
    return nullptr;
  };

  for (const TemplatePart& part : SplitTemplate(entry.command)) {
    run.command += part.placeholder ? ShellQuote(*final_value_of(part.text)) : part.text;
  }
  // MLflow appends extra parameters as "--key value" after the command, in the order given.
  for (const auto& [key, value] : given) {
    if (find_declared(key) != nullptr) continue;
    run.command += " " + ShellQuote("--" + key) + " " + ShellQuote(value);
    run.params.emplace_back(key, value);
  }
  return run;
}

std::string ShellQuote(std::string_view value) {
  if (value.empty()) return "''";
  bool safe = std::all_of(value.begin(), value.end(), [](char c) {
    return IsIdentifierChar(c) || std::string_view("@%+=:,./-").find(c) != std::string_view::npos;
  });
  if (safe) return std::string(value);
  std::string quoted = "'";
  for (char c : value) {
    if (c == '\'') {
      quoted += "'\"'\"'";
    } else {
      quoted += c;
    }
  }
  quoted += "'";
  return quoted;
}

}  // namespace orchard
