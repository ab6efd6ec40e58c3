#include "project/mlproject.h"

#include <gtest/gtest.h>
#include <stdio.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace orchard {
namespace {

namespace fs = std::filesystem;
using Params = std::vector<std::pair<std::string, std::string>>;

// The tutorial's MLproject.
constexpr char kLoanProject[] = R"yaml(name: loan
python_env: python_env.yaml
entry_points:
  search_params:
    parameters:
      training_data: {type: string, default: "hemanthsai7/loandefault"}
      max_runs: {type: int, default: 10}
      model_type: {type: string, default: "rf"}
    command: "orchard tune --data {training_data} --max-trials {max_runs} --model {model_type}"
  train_rf:
    parameters:
      training_data: string
      max_depth: {type: int, default: 5}
      max_features: {type: float, default: 0.1}
      class_weight: {type: string, default: "balanced"}
      min_samples_leaf: {type: int, default: 10}
    command: "orchard train --model rf --data {training_data} --param max_depth={max_depth}"
)yaml";

// Expects `result` to have failed with INVALID_PARAMETER_VALUE and a message containing `part`.
template <typename T>
void ExpectInvalid(const StatusOr<T>& result, const std::string& part) {
  ASSERT_FALSE(result.ok()) << "expected an error containing: " << part;
  EXPECT_CODE(result, kInvalidParameterValue);
  EXPECT_NE(result.status().message().find(part), std::string::npos)
      << "message: " << result.status().message() << "\nexpected to contain: " << part;
}

void WriteFile(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path) << text;
}

// A one-line picture of a parsed project, so a table row states every parsed field:
// "name=... env=kind:file | entry(param:type=default, required:type) command | ...".
std::string Describe(const ProjectSpec& spec) {
  std::string out =
      "name=" + spec.name + " env=" + std::string(ProjectEnvironmentName(spec.environment));
  if (!spec.environment_file.empty()) out += ":" + spec.environment_file;
  for (const std::string& volume : spec.docker_volumes) out += " volume=" + volume;
  for (const auto& [name, value] : spec.docker_environment) {
    out += " var=" + name + (value ? "=" + *value : "");
  }
  for (const EntryPoint& entry : spec.entry_points) {
    out += " | " + entry.name + "(";
    for (size_t i = 0; i < entry.parameters.size(); ++i) {
      const ParameterSpec& parameter = entry.parameters[i];
      if (i > 0) out += ", ";
      out += parameter.name + ":" + std::string(ParameterTypeName(parameter.type));
      if (parameter.default_value) out += "=" + *parameter.default_value;
    }
    out += ") " + entry.command;
  }
  return out;
}

// --- Parsing: valid files ---

struct ValidCase {
  const char* label;
  const char* yaml;
  const char* expected;  // Describe() of the result, with the project folder /proj
};

const ValidCase kValidCases[] = {
    {"empty file", "", "name=proj env=local"},
    {"only a comment", "# nothing yet\n", "name=proj env=local"},
    {"name only", "name: demo\n", "name=demo env=local"},
    {"numeric name kept as text", "name: 42\n", "name=42 env=local"},
    {"minimal entry point", "entry_points:\n  main:\n    command: python train.py\n",
     "name=proj env=local | main() python train.py"},
    {"bare types, str alias, type defaulting to string",
     "entry_points:\n"
     "  main:\n"
     "    parameters:\n"
     "      a: float\n"
     "      b: str\n"
     "      c: {default: x}\n"
     "      d: path\n"
     "      e: uri\n"
     "      f: int\n"
     "    command: run {a} {b} {c} {d} {e} {f}\n",
     "name=proj env=local | main(a:float, b:string, c:string=x, d:path, e:uri, f:int) "
     "run {a} {b} {c} {d} {e} {f}"},
    {"defaults as MLflow passes them: str() of PyYAML's value",
     "entry_points:\n"
     "  main:\n"
     "    parameters:\n"
     "      a: {type: float, default: 0.1}\n"
     "      b: {type: string, default: true}\n"
     "      c: {type: float, default: 1e-3}\n"
     "      d: {type: string, default: \"007\"}\n"
     "      e: {type: int, default: -4}\n"
     "      f: {type: string, default: \"\"}\n"
     "      g: {type: float, default: 10}\n"
     "      h: {type: float, default: 1.}\n"
     "      i: {type: string, default: 0x1F}\n"
     "      j: {type: string, default: off}\n"
     "      k: {type: float, default: 1.5e+3}\n"
     "      l: {type: float, default: 1.0e-5}\n"
     "      m: {type: string, default: 007}\n"
     "      n: {type: string, default: '1.'}\n"
     "      o: {type: float, default: 1_000.25}\n"
     "      p: {type: float, default: 12345678901234567.0}\n"
     "    command: x\n",
     "name=proj env=local | main(a:float=0.1, b:string=True, c:float=1e-3, d:string=007, "
     "e:int=-4, f:string=, g:float=10, h:float=1.0, i:string=31, j:string=False, k:float=1500.0, "
     "l:float=1e-05, m:string=7, n:string=1., o:float=1000.25, p:float=1.2345678901234568e+16) "
     "x"},
    {"a null default means required, a null type means string",
     "entry_points:\n"
     "  main:\n"
     "    parameters:\n"
     "      a: {type: int, default: null}\n"
     "      b: {type: int, default: ~}\n"
     "      c: {type: , default: 3}\n"
     "    command: x\n",
     "name=proj env=local | main(a:int, b:int, c:string=3) x"},
    {"python_env made absolute and normalized",
     "python_env: ./envs/../python_env.yaml\nentry_points: {main: {command: x}}\n",
     "name=proj env=python_env:/proj/python_env.yaml | main() x"},
    {"conda_env", "conda_env: conda.yaml\n", "name=proj env=conda_env:/proj/conda.yaml"},
    {"docker_env with volumes and environment",
     "docker_env:\n"
     "  image: python:3.11\n"
     "  volumes: [\"/data:/data\"]\n"
     "  environment: [HOME, [MODE, test]]\n",
     "name=proj env=docker_env:python:3.11 volume=/data:/data var=HOME var=MODE=test"},
    {"an empty environment key is no environment (as in MLflow)",
     "python_env:\nconda_env: conda.yaml\n", "name=proj env=conda_env:/proj/conda.yaml"},
    {"unknown keys ignored at every level",
     "name: p\n"
     "artifact_path: x\n"
     "entry_points:\n"
     "  main:\n"
     "    description: trains\n"
     "    parameters:\n"
     "      a: {type: int, default: 1, description: depth}\n"
     "    command: go {a}\n",
     "name=p env=local | main(a:int=1) go {a}"},
    {"empty parameters and several entry points in file order",
     "entry_points:\n"
     "  zeta:\n"
     "    parameters:\n"
     "    command: z\n"
     "  alpha:\n"
     "    command: a\n",
     "name=proj env=local | zeta() z | alpha() a"},
    {"block scalar command",
     "entry_points:\n"
     "  main:\n"
     "    parameters: {n: int}\n"
     "    command: |\n"
     "      echo {n}\n"
     "      echo done\n",
     "name=proj env=local | main(n:int) echo {n}\necho done\n"},
    {"braces that are not placeholders",
     "entry_points:\n"
     "  main:\n"
     "    command: \"awk '{print $1}' data.csv | tr '{' '}' {0} { x }\"\n",
     "name=proj env=local | main() awk '{print $1}' data.csv | tr '{' '}' {0} { x }"},
    {"empty entry_points", "entry_points:\n", "name=proj env=local"},
};

TEST(ParseProjectTest, ValidFiles) {
  for (const ValidCase& c : kValidCases) {
    StatusOr<ProjectSpec> spec = ParseProject(c.yaml, "/proj");
    ASSERT_TRUE(spec.ok()) << c.label << ": " << spec.status().ToString();
    EXPECT_EQ(Describe(*spec), c.expected) << c.label;
    EXPECT_EQ(spec->folder, "/proj") << c.label;
    EXPECT_EQ(spec->source, "MLproject") << c.label;
  }
}

// --- Parsing: invalid files ---

struct InvalidCase {
  const char* label;
  const char* yaml;
  const char* expected;  // a part of the message
};

const InvalidCase kInvalidCases[] = {
    {"not YAML: unclosed list", "name: x\nentry_points: [main\n", "MLproject:3: not valid YAML"},
    {"not YAML: bad mapping", "name: a: b\n", "MLproject:1: not valid YAML: illegal map value"},
    {"not YAML: tab indentation", "entry_points:\n  main:\n\tcommand: x\n",
     "MLproject:3: not valid YAML"},
    {"not YAML: undefined alias", "name: *nowhere\n", "not valid YAML"},
    {"top level is a list", "- name\n- main\n",
     "MLproject:1: the file must be a YAML mapping with keys such as name, python_env and "
     "entry_points; got a list"},
    {"top level is a string", "hello\n", "must be a YAML mapping"},
    {"name is a list", "name: [a, b]\n", "MLproject:1: 'name' must be a string; got a list"},
    {"entry_points is a list", "entry_points:\n  - main\n",
     "MLproject:1: 'entry_points' must be a mapping of entry point names to {parameters: ..., "
     "command: ...}; got a list"},
    {"entry_points is a string", "entry_points: main\n",
     "'entry_points' must be a mapping of entry point names"},
    {"entry point is a string", "entry_points:\n  main: python train.py\n",
     "MLproject:2: entry point 'main' must be a mapping with a 'command' and optional "
     "'parameters'; got 'python train.py'"},
    {"entry point is empty", "entry_points:\n  main:\n",
     "MLproject:2: entry point 'main' has no 'command'; add one"},
    {"missing command", "entry_points:\n  main:\n    parameters: {a: int}\n",
     "MLproject:2: entry point 'main' has no 'command'"},
    {"empty command value", "entry_points:\n  main:\n    command:\n",
     "MLproject:3: entry point 'main' has no 'command'"},
    {"command is a list", "entry_points:\n  main:\n    command: [python, train.py]\n",
     "MLproject:3: the 'command' of entry point 'main' must be a non-empty string"},
    {"command is an empty string", "entry_points:\n  main:\n    command: \"\"\n",
     "must be a non-empty string"},
    {"type is a mapping",
     "entry_points:\n  main:\n    parameters:\n      a: {type: {name: int}}\n    command: x\n",
     "the type of parameter 'a' of entry point 'main' must be a type name"},
    {"python_env and conda_env", "python_env: python_env.yaml\nconda_env: conda.yaml\n",
     "MLproject:2: the project declares both 'python_env' and 'conda_env'; a project has at "
     "most one environment"},
    {"docker_env and python_env", "docker_env: {image: x}\npython_env: p.yaml\n",
     "declares both 'docker_env' and 'python_env'"},
    {"parameter spec is a list",
     "entry_points:\n  main:\n    parameters:\n      a: [int, 3]\n    command: x\n",
     "MLproject:4: parameter 'a' of entry point 'main' must be a type name or a mapping; write "
     "a: string or a: {type: string, default: VALUE}; got a list"},
    {"parameter spec is empty",
     "entry_points:\n  main:\n    parameters:\n      a:\n    command: x\n",
     "parameter 'a' of entry point 'main' has no type"},
    {"parameters is a list",
     "entry_points:\n  main:\n    parameters:\n      - a\n      - b\n    command: x\n",
     "MLproject:3: the 'parameters' of entry point 'main' must be a mapping of NAME: TYPE"},
    {"default is a list",
     "entry_points:\n  main:\n    parameters:\n      a: {type: string, default: [1]}\n"
     "    command: x\n",
     "the default of parameter 'a' of entry point 'main' must be a single value"},
    {"entry point twice", "entry_points:\n  main: {command: a}\n  main: {command: b}\n",
     "MLproject:3: 'main' appears twice in 'entry_points'; keep one"},
    {"parameter twice",
     "entry_points:\n  main:\n    parameters: {a: int, a: float}\n    command: x\n",
     "'a' appears twice in the parameters of entry point 'main'"},
    {"top-level key twice", "name: a\nname: b\n", "MLproject:2: 'name' appears twice"},
    {"a list as a key", "entry_points:\n  ? [a, b]\n  : {command: x}\n",
     "keys must be plain names"},
    {"python_env is a mapping", "python_env: {file: python_env.yaml}\n",
     "MLproject:1: 'python_env' must be the path of a python_env.yaml file relative to the "
     "project folder"},
    {"conda_env is a list", "conda_env: [conda.yaml]\n", "'conda_env' must be the path of a"},
    {"docker_env is a string", "docker_env: python:3.11\n",
     "'docker_env' must be a mapping with an 'image'"},
    {"docker_env without an image", "docker_env:\n  volumes: [\"/a:/a\"]\n",
     "MLproject:1: 'docker_env' has no 'image'"},
    {"docker_env volumes not a list", "docker_env: {image: x, volumes: /a:/a}\n",
     "docker_env 'volumes' must be a list of strings"},
    {"docker_env environment with a mapping", "docker_env: {image: x, environment: [{A: b}]}\n",
     "docker_env 'environment' must be a list of NAME"},
    {"command uses an undeclared parameter",
     "entry_points:\n  main:\n    parameters: {alpha: float}\n    command: train {alpah}\n",
     "MLproject:4: the command of entry point 'main' uses {alpah}, which is not one of its "
     "parameters (it declares 'alpha')"},
    {"${VAR} is a placeholder, as in MLflow", "entry_points:\n  main:\n    command: echo ${HOME}\n",
     "uses {HOME}, which is not one of its parameters (it declares none); for the shell variable "
     "write $HOME without braces"},
};

TEST(ParseProjectTest, InvalidFiles) {
  for (const InvalidCase& c : kInvalidCases) {
    SCOPED_TRACE(c.label);
    ExpectInvalid(ParseProject(c.yaml, "/proj"), c.expected);
  }
}

// MLflow runs a file whose defaults do not fit their types, or whose types it does not define:
// Orchard warns, passes the defaults as MLflow does, and still checks the values given with -P.
TEST(ParseProjectTest, TypeMismatchesAreWarnings) {
  ASSERT_OK_AND_ASSIGN(ProjectSpec spec, ParseProject("entry_points:\n"
                                                      "  main:\n"
                                                      "    parameters:\n"
                                                      "      a: {type: int, default: 1.}\n"
                                                      "      b: {type: integer, default: 3}\n"
                                                      "      c: {type: float, default: fast}\n"
                                                      "      d: {type: str, default: x}\n"
                                                      "    command: run {a} {b} {c} {d}\n",
                                                      "/proj"));
  ASSERT_EQ(spec.warnings.size(), 3u);
  EXPECT_EQ(spec.warnings[0],
            "MLproject:4: the default of parameter 'a' of entry point 'main' must be an int, but "
            "is '1.0'; it is passed as written, as MLflow does");
  EXPECT_EQ(spec.warnings[1],
            "MLproject:5: parameter 'b' of entry point 'main' has type 'integer', which MLflow "
            "does not define (string, float, path, uri); its values are passed as text");
  EXPECT_NE(spec.warnings[2].find("MLproject:6: the default of parameter 'c'"), std::string::npos);
  const EntryPoint& entry = spec.entry_points[0];
  ASSERT_OK_AND_ASSIGN(ResolvedRun run, ResolveEntryPoint(entry, {}, "/work"));
  EXPECT_EQ(run.command, "run 1.0 3 fast x");
  ASSERT_OK_AND_ASSIGN(ResolvedRun text, ResolveEntryPoint(entry, {{"b", "many"}}, "/work"));
  EXPECT_EQ(text.command, "run 1.0 many fast x");
  ExpectInvalid(ResolveEntryPoint(entry, {{"a", "abc"}}, "/work"),
                "parameter 'a' of entry point 'main' must be an int; got 'abc'");
}

TEST(ParseProjectTest, ErrorsNameTheSource) {
  ExpectInvalid(ParseProject("entry_points: [main]\n", "/proj", "/proj/MLproject"),
                "/proj/MLproject:1: 'entry_points' must be a mapping");
}

TEST(ParseProjectTest, RelativeFolderIsMadeAbsolute) {
  ASSERT_OK_AND_ASSIGN(ProjectSpec spec, ParseProject("", "some/where/../project"));
  EXPECT_EQ(spec.folder, (fs::current_path() / "some/project").string());
  EXPECT_EQ(spec.name, "project");
}

TEST(ParameterTypeTest, NamesRoundTrip) {
  for (ParameterType type : {ParameterType::kString, ParameterType::kFloat, ParameterType::kInt,
                             ParameterType::kPath, ParameterType::kUri}) {
    EXPECT_EQ(ParameterTypeFromName(ParameterTypeName(type)), type);
  }
  EXPECT_EQ(ParameterTypeFromName("str"), ParameterType::kString);
  EXPECT_FALSE(ParameterTypeFromName("integer").has_value());
  EXPECT_EQ(ProjectEnvironmentName(ProjectEnvironment::kNone), "local");
  EXPECT_EQ(ProjectEnvironmentName(ProjectEnvironment::kDockerEnv), "docker_env");
}

// --- The tutorial's project ---

class LoanProjectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StatusOr<ProjectSpec> spec = ParseProject(kLoanProject, "/home/me/loan");
    ASSERT_TRUE(spec.ok()) << spec.status().ToString();
    spec_ = *spec;
  }
  EntryPoint Entry(const std::string& name) {
    StatusOr<EntryPoint> entry = spec_.FindEntryPoint(name);
    EXPECT_TRUE(entry.ok()) << entry.status().ToString();
    return entry.ok() ? *entry : EntryPoint{};
  }
  ProjectSpec spec_;
};

TEST_F(LoanProjectTest, Parses) {
  EXPECT_EQ(Describe(spec_),
            "name=loan env=python_env:/home/me/loan/python_env.yaml"
            " | search_params(training_data:string=hemanthsai7/loandefault, max_runs:int=10, "
            "model_type:string=rf) orchard tune --data {training_data} --max-trials {max_runs} "
            "--model {model_type}"
            " | train_rf(training_data:string, max_depth:int=5, max_features:float=0.1, "
            "class_weight:string=balanced, min_samples_leaf:int=10) orchard train --model rf "
            "--data {training_data} --param max_depth={max_depth}");
}

TEST_F(LoanProjectTest, DefaultsFillTheCommand) {
  ASSERT_OK_AND_ASSIGN(ResolvedRun run, ResolveEntryPoint(Entry("search_params"), {}, "/work"));
  EXPECT_EQ(run.command, "orchard tune --data hemanthsai7/loandefault --max-trials 10 --model rf");
  EXPECT_EQ(run.params, (Params{{"training_data", "hemanthsai7/loandefault"},
                                {"max_runs", "10"},
                                {"model_type", "rf"}}));
}

TEST_F(LoanProjectTest, GivenValuesAndExtras) {
  ASSERT_OK_AND_ASSIGN(ResolvedRun run, ResolveEntryPoint(Entry("train_rf"),
                                                          {{"seed", "42"},
                                                           {"training_data", "data/loan.csv"},
                                                           {"max_depth", "-3"},
                                                           {"note", "first try; rf"},
                                                           {"max_features", "1e-3"}},
                                                          "/work"));
  EXPECT_EQ(run.command,
            "orchard train --model rf --data data/loan.csv --param max_depth=-3 --seed 42 "
            "--note 'first try; rf'");
  // Declared parameters in file order with their final values, then the extras as given.
  EXPECT_EQ(run.params, (Params{{"training_data", "data/loan.csv"},
                                {"max_depth", "-3"},
                                {"max_features", "1e-3"},
                                {"class_weight", "balanced"},
                                {"min_samples_leaf", "10"},
                                {"seed", "42"},
                                {"note", "first try; rf"}}));
}

TEST_F(LoanProjectTest, MissingRequiredParameter) {
  ExpectInvalid(ResolveEntryPoint(Entry("train_rf"), {{"max_depth", "3"}}, "/work"),
                "entry point 'train_rf' needs a value for parameter 'training_data'; pass -P "
                "training_data=VALUE");
}

TEST_F(LoanProjectTest, IllTypedValues) {
  ExpectInvalid(ResolveEntryPoint(Entry("train_rf"),
                                  {{"training_data", "d.csv"}, {"max_depth", "abc"}}, "/work"),
                "parameter 'max_depth' of entry point 'train_rf' must be an int; got 'abc'; pass "
                "a whole number within 64 bits, e.g. -P max_depth=10");
  ExpectInvalid(ResolveEntryPoint(Entry("train_rf"),
                                  {{"training_data", "d.csv"}, {"max_features", "most"}}, "/work"),
                "parameter 'max_features' of entry point 'train_rf' must be a float; got 'most'");
}

TEST_F(LoanProjectTest, UnknownEntryPointListsTheDeclaredOnes) {
  ExpectInvalid(spec_.FindEntryPoint("train_xgb"),
                "project 'loan' has no entry point 'train_xgb'; its entry points are "
                "'search_params', 'train_rf'. Pick one with -e NAME, or name a .py or .sh file");
  // The default entry point name is not special when it is not declared.
  ExpectInvalid(spec_.FindEntryPoint("main"), "has no entry point 'main'");
}

// --- Typing ---

EntryPoint OneParameter(ParameterType type) {
  return EntryPoint{"main", {{"v", type, std::nullopt}}, "run {v}"};
}

TEST(ParameterTypingTest, IntValues) {
  for (const char* value :
       {"0", "7", "-12", "+5", "9223372036854775807", "-9223372036854775808", "007"}) {
    StatusOr<ResolvedRun> run =
        ResolveEntryPoint(OneParameter(ParameterType::kInt), {{"v", value}}, "/w");
    ASSERT_TRUE(run.ok()) << value << ": " << run.status().ToString();
    EXPECT_EQ(run->params[0].second, value);
  }
  for (const char* value : {"", "abc", "1.5", "1e3", " 1", "1 ", "--1", "+-1", "-", "0x10",
                            "9223372036854775808", "12abc"}) {
    SCOPED_TRACE(value);
    ExpectInvalid(ResolveEntryPoint(OneParameter(ParameterType::kInt), {{"v", value}}, "/w"),
                  std::string("must be an int; got '") + value + "'");
  }
}

TEST(ParameterTypingTest, FloatValues) {
  for (const char* value : {"0.1", "-3", "1e-5", "+2.5", ".5", "5.", "1E10", "10"}) {
    StatusOr<ResolvedRun> run =
        ResolveEntryPoint(OneParameter(ParameterType::kFloat), {{"v", value}}, "/w");
    ASSERT_TRUE(run.ok()) << value << ": " << run.status().ToString();
    EXPECT_EQ(run->params[0].second, value);
  }
  for (const char* value :
       {"", "abc", "nan", "inf", "-inf", "1e999", "1.5x", " 1", "0x1p3", "+-1", "++1", "."}) {
    SCOPED_TRACE(value);
    ExpectInvalid(ResolveEntryPoint(OneParameter(ParameterType::kFloat), {{"v", value}}, "/w"),
                  std::string("must be a float; got '") + value + "'");
  }
}

TEST(ParameterTypingTest, StringsTakeAnything) {
  ASSERT_OK_AND_ASSIGN(ResolvedRun run,
                       ResolveEntryPoint(OneParameter(ParameterType::kString), {{"v", ""}}, "/w"));
  EXPECT_EQ(run.command, "run ''");
}

// --- Quoting ---

struct QuoteCase {
  const char* value;
  const char* quoted;  // as Python's shlex.quote writes it
};

const QuoteCase kQuoteCases[] = {
    {"", "''"},
    {"plain", "plain"},
    {"a-Z_0.9/x:y,z=1+2%@", "a-Z_0.9/x:y,z=1+2%@"},
    {"two words", "'two words'"},
    {"it's", "'it'\"'\"'s'"},
    {"'", "''\"'\"''"},
    {"say \"hi\"", "'say \"hi\"'"},
    {"$HOME", "'$HOME'"},
    {"a;rm -rf /", "'a;rm -rf /'"},
    {"`id`", "'`id`'"},
    {"*.csv", "'*.csv'"},
    {"~/data", "'~/data'"},
    {"line\nbreak", "'line\nbreak'"},
    {"caf\xc3\xa9", "'caf\xc3\xa9'"},
    {"back\\slash", "'back\\slash'"},
};

TEST(ShellQuoteTest, AsShlexQuote) {
  for (const QuoteCase& c : kQuoteCases) {
    EXPECT_EQ(ShellQuote(c.value), c.quoted) << c.value;
  }
}

// The real test of quoting: /bin/sh gives back exactly the value.
TEST(ShellQuoteTest, ShellReadsBackTheValue) {
  for (const QuoteCase& c : kQuoteCases) {
    std::string command = "printf '%s|' " + ShellQuote(c.value);
    FILE* pipe = popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string output;
    char buffer[256];
    size_t read = 0;
    while ((read = fread(buffer, 1, sizeof(buffer), pipe)) > 0) output.append(buffer, read);
    EXPECT_EQ(pclose(pipe), 0) << command;
    EXPECT_EQ(output, std::string(c.value) + "|") << command;
  }
}

// --- Substitution ---

TEST(SubstitutionTest, PlaceholdersAndLiteralBraces) {
  EntryPoint entry{"main",
                   {{"n", ParameterType::kInt, "3"}, {"name", ParameterType::kString, "a b"}},
                   "echo {n} {n}{name} | awk '{print $1}' {0} { n } {{n}} {n {name}x ${n}"};
  ASSERT_OK_AND_ASSIGN(ResolvedRun run, ResolveEntryPoint(entry, {}, "/w"));
  // `{{n}}` is not an escape (only Python's str.format makes it one): the inner `{n}` is a
  // placeholder between literal braces.
  EXPECT_EQ(run.command, "echo 3 3'a b' | awk '{print $1}' {0} { n } {3} {n 'a b'x $3");
}

TEST(SubstitutionTest, ValuesAreQuoted) {
  EntryPoint entry{"main", {{"msg", ParameterType::kString, std::nullopt}}, "echo {msg}"};
  ASSERT_OK_AND_ASSIGN(ResolvedRun run,
                       ResolveEntryPoint(entry, {{"msg", "$(rm -rf ~); it's"}}, "/w"));
  EXPECT_EQ(run.command, "echo '$(rm -rf ~); it'\"'\"'s'");
  EXPECT_EQ(run.params, (Params{{"msg", "$(rm -rf ~); it's"}}));
}

TEST(SubstitutionTest, UnknownPlaceholder) {
  // Parsing refuses this; an entry point built by hand is checked again.
  EntryPoint entry{"main", {{"alpha", ParameterType::kFloat, "1"}}, "train {alpha} {beta}"};
  ExpectInvalid(ResolveEntryPoint(entry, {{"beta", "2"}}, "/w"),
                "the command of entry point 'main' uses {beta}, which is not one of its "
                "parameters (it declares 'alpha')");
}

TEST(SubstitutionTest, ExtrasAppendedInOrderAndQuoted) {
  EntryPoint entry{"main", {{"a", ParameterType::kString, "1"}}, "run {a}"};
  ASSERT_OK_AND_ASSIGN(
      ResolvedRun run,
      ResolveEntryPoint(entry, {{"z", "last?"}, {"a", "2"}, {"m", ""}, {"odd key", "v"}}, "/w"));
  EXPECT_EQ(run.command, "run 2 --z 'last?' --m '' '--odd key' v");
  EXPECT_EQ(run.params, (Params{{"a", "2"}, {"z", "last?"}, {"m", ""}, {"odd key", "v"}}));
}

TEST(SubstitutionTest, RepeatedOrNamelessParametersAreRefused) {
  EntryPoint entry{"main", {}, "run"};
  ExpectInvalid(ResolveEntryPoint(entry, {{"a", "1"}, {"a", "2"}}, "/w"),
                "parameter 'a' is given twice for entry point 'main'");
  ExpectInvalid(ResolveEntryPoint(entry, {{"", "1"}}, "/w"), "has an empty name");
}

TEST(SubstitutionTest, AllMissingParametersNamed) {
  EntryPoint entry{"fit",
                   {{"a", ParameterType::kInt, std::nullopt},
                    {"b", ParameterType::kString, "x"},
                    {"c", ParameterType::kPath, std::nullopt}},
                   "fit {a} {b} {c}"};
  ExpectInvalid(ResolveEntryPoint(entry, {}, "/w"),
                "entry point 'fit' needs a value for parameters 'a', 'c'; pass -P a=10 -P "
                "c=data/train.csv");
}

// --- path and uri ---

TEST(PathParameterTest, MadeAbsoluteAndNormalized) {
  EntryPoint entry{"main",
                   {{"data", ParameterType::kPath, std::nullopt},
                    {"out", ParameterType::kPath, "models/./latest/"},
                    {"where", ParameterType::kUri, std::nullopt},
                    {"store", ParameterType::kUri, "s3://bucket/runs"}},
                   "run {data} {out} {where} {store}"};
  struct Case {
    const char* given_data;
    const char* given_where;
    const char* data;
    const char* where;
  };
  const Case cases[] = {
      {"data/../data/./train.csv", "mlruns", "/home/u/work/data/train.csv", "/home/u/work/mlruns"},
      {"/tmp//x/", "/abs/../root", "/tmp/x", "/root"},
      {".", "..", "/home/u/work", "/home/u"},
      {"file:///srv/data.csv", "http://host:5000/x", "file:///srv/data.csv", "http://host:5000/x"},
      {"s3://bucket/a b", "runs:/0123abc/model", "s3://bucket/a b", "runs:/0123abc/model"},
      // Not URIs: no scheme before ":/", or no "/" after the colon.
      {"1x:/a", "name:value", "/home/u/work/1x:/a", "/home/u/work/name:value"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.given_data);
    ASSERT_OK_AND_ASSIGN(
        ResolvedRun run,
        ResolveEntryPoint(entry, {{"data", c.given_data}, {"where", c.given_where}},
                          "/home/u/work/"));
    EXPECT_EQ(run.params, (Params{{"data", c.data},
                                  {"out", "/home/u/work/models/latest"},
                                  {"where", c.where},
                                  {"store", "s3://bucket/runs"}}));
    EXPECT_EQ(run.command, "run " + ShellQuote(c.data) + " /home/u/work/models/latest " +
                               ShellQuote(c.where) + " s3://bucket/runs");
  }
}

TEST(PathParameterTest, RelativeBaseFolderAndEmptyValues) {
  EntryPoint entry{"main", {{"data", ParameterType::kPath, std::nullopt}}, "run {data}"};
  ASSERT_OK_AND_ASSIGN(ResolvedRun run, ResolveEntryPoint(entry, {{"data", "x.csv"}}, "rel"));
  EXPECT_EQ(run.params[0].second, (fs::current_path() / "rel/x.csv").string());
  ExpectInvalid(ResolveEntryPoint(entry, {{"data", ""}}, "/w"),
                "parameter 'data' of entry point 'main' must not be empty; got ''; pass a path");
}

// --- Entry points from files, and LoadProject ---

TEST(FindEntryPointTest, ScriptsInTheFolder) {
  testing::TempDir temp;
  const std::string project = temp / "project";
  WriteFile(project + "/train.py", "print('hi')\n");
  WriteFile(project + "/run.sh", "echo hi\n");
  WriteFile(project + "/my script.py", "\n");
  WriteFile(project + "/sub/tool.py", "\n");
  WriteFile(temp / "outside.py", "\n");
  fs::create_directories(project + "/folder.py");
  ASSERT_OK_AND_ASSIGN(ProjectSpec spec,
                       ParseProject("name: p\nentry_points:\n  main: {command: python3 train.py}\n"
                                    "  run.sh: {command: echo declared}\n",
                                    project));

  ASSERT_OK_AND_ASSIGN(EntryPoint train, spec.FindEntryPoint("train.py"));
  EXPECT_EQ(train.name, "train.py");
  EXPECT_EQ(train.command, "python3 train.py");
  EXPECT_TRUE(train.parameters.empty());
  ASSERT_OK_AND_ASSIGN(EntryPoint spaced, spec.FindEntryPoint("my script.py"));
  EXPECT_EQ(spaced.command, "python3 'my script.py'");
  ASSERT_OK_AND_ASSIGN(EntryPoint nested, spec.FindEntryPoint("sub/tool.py"));
  EXPECT_EQ(nested.command, "python3 sub/tool.py");
  // A declared entry point wins over a file of the same name.
  ASSERT_OK_AND_ASSIGN(EntryPoint declared, spec.FindEntryPoint("run.sh"));
  EXPECT_EQ(declared.command, "echo declared");

  // Parameters of an implicit entry point are all extras.
  ASSERT_OK_AND_ASSIGN(ResolvedRun run,
                       ResolveEntryPoint(train, {{"alpha", "0.5"}, {"name", "a b"}}, project));
  EXPECT_EQ(run.command, "python3 train.py --alpha 0.5 --name 'a b'");

  ExpectInvalid(spec.FindEntryPoint("missing.py"),
                "project 'p' has no entry point 'missing.py', and there is no file 'missing.py' "
                "in " +
                    project + "; its entry points are 'main', 'run.sh'");
  ExpectInvalid(spec.FindEntryPoint("../outside.py"), "no file '../outside.py'");
  ExpectInvalid(spec.FindEntryPoint(temp / "outside.py"), "no file");
  ExpectInvalid(spec.FindEntryPoint("folder.py"), "no file 'folder.py'");
  ExpectInvalid(spec.FindEntryPoint("train.txt"),
                "has no entry point 'train.txt'; its entry points are 'main', 'run.sh'");
  ExpectInvalid(spec.FindEntryPoint(".py"), "has no entry point '.py'");
}

TEST(FindEntryPointTest, ShellScriptRunsWithSh) {
  testing::TempDir temp;
  WriteFile(temp / "go.sh", "echo hi\n");
  ASSERT_OK_AND_ASSIGN(ProjectSpec spec, LoadProject(temp.path().string()));
  ASSERT_OK_AND_ASSIGN(EntryPoint entry, spec.FindEntryPoint("go.sh"));
  EXPECT_EQ(entry.command, "sh go.sh");
}

TEST(LoadProjectTest, FolderWithoutMLproject) {
  testing::TempDir temp;
  const std::string project = temp / "my-project";
  WriteFile(project + "/MLproject.yaml", "name: not-read\n");  // MLflow reads only MLproject
  WriteFile(project + "/train.py", "\n");
  ASSERT_OK_AND_ASSIGN(ProjectSpec spec, LoadProject(project + "/"));
  EXPECT_EQ(spec.name, "my-project");
  EXPECT_EQ(spec.folder, project);
  EXPECT_EQ(spec.source, "");
  EXPECT_EQ(spec.environment, ProjectEnvironment::kNone);
  EXPECT_TRUE(spec.entry_points.empty());
  ExpectInvalid(spec.FindEntryPoint("main"),
                "project 'my-project' has no entry point 'main'; it declares none (the folder "
                "has no MLproject file)");
  EXPECT_OK(spec.FindEntryPoint("train.py"));
}

TEST(LoadProjectTest, TheTutorialProject) {
  testing::TempDir temp;
  WriteFile(temp / "MLproject", kLoanProject);
  WriteFile(temp / "python_env.yaml", "python: \"3.11\"\n");
  ASSERT_OK_AND_ASSIGN(ProjectSpec spec, LoadProject(temp.path().string()));
  EXPECT_EQ(spec.name, "loan");
  EXPECT_EQ(spec.folder, temp.path().string());
  EXPECT_EQ(spec.source, temp / "MLproject");
  EXPECT_EQ(spec.environment, ProjectEnvironment::kPythonEnv);
  EXPECT_EQ(spec.environment_file, temp / "python_env.yaml");
  ASSERT_EQ(spec.entry_points.size(), 2u);
  EXPECT_EQ(spec.entry_points[1].name, "train_rf");
}

TEST(LoadProjectTest, MissingEnvironmentFile) {
  testing::TempDir temp;
  WriteFile(temp / "MLproject", kLoanProject);
  ExpectInvalid(LoadProject(temp.path().string()),
                temp / "MLproject" + ": the python_env file " + temp / "python_env.yaml" +
                    " does not exist; create it or correct the 'python_env' key");
}

TEST(LoadProjectTest, FileNameMatchedCaseInsensitively) {
  testing::TempDir temp;
  WriteFile(temp / "mlproject", "name: lower\n");
  ASSERT_OK_AND_ASSIGN(ProjectSpec spec, LoadProject(temp.path().string()));
  EXPECT_EQ(spec.name, "lower");
  EXPECT_EQ(spec.source, temp / "mlproject");
}

TEST(LoadProjectTest, ErrorsNameTheFileAndLine) {
  testing::TempDir temp;
  WriteFile(temp / "MLproject", "name: x\nentry_points:\n  main:\n    parameters: {a: int}\n");
  ExpectInvalid(LoadProject(temp.path().string()),
                temp / "MLproject" + ":3: entry point 'main' has no 'command'");
  WriteFile(temp / "MLproject", "name: [x\n");
  ExpectInvalid(LoadProject(temp.path().string()), temp / "MLproject" + ":2: not valid YAML");
}

TEST(LoadProjectTest, MissingFolder) {
  testing::TempDir temp;
  ExpectInvalid(LoadProject(temp / "nope"),
                "project folder '" + temp / "nope" + "' does not exist or is not a folder");
  WriteFile(temp / "file", "x");
  ExpectInvalid(LoadProject(temp / "file"), "is not a folder");
}

}  // namespace
}  // namespace orchard
