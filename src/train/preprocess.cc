#include "train/preprocess.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <unordered_map>

#include <fmt/format.h>

#include "base/json_writer.h"

namespace orchard {
namespace {

constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();

// The level text of a row of a column, whatever its type ("" when missing).
std::string LevelText(const Column& column, size_t row) { return column.TextAt(row); }

StatusOr<double> NumberAt(const Column& column, size_t row) {
  if (column.type == ColumnType::kNumeric) return column.numbers[row];
  if (column.codes[row] < 0) return std::numeric_limits<double>::quiet_NaN();
  const std::string& text = column.levels[static_cast<size_t>(column.codes[row])];
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return Status::InvalidParameter(
        fmt::format("column '{}' must hold numbers; '{}' is not a number", column.name, text));
  }
  return value;
}

}  // namespace

std::string_view EncodingName(CategoricalEncoding encoding) {
  switch (encoding) {
    case CategoricalEncoding::kOrdinal:
      return "ordinal";
    case CategoricalEncoding::kWoe:
      return "woe";
    case CategoricalEncoding::kNative:
      return "native";
    case CategoricalEncoding::kOneHot:
      return "onehot";
  }
  return "ordinal";
}

StatusOr<CategoricalEncoding> ParseEncoding(std::string_view name) {
  for (CategoricalEncoding encoding :
       {CategoricalEncoding::kOrdinal, CategoricalEncoding::kWoe, CategoricalEncoding::kNative,
        CategoricalEncoding::kOneHot}) {
    if (name == EncodingName(encoding)) return encoding;
  }
  return Status::InvalidParameter(fmt::format(
      "unknown categorical encoding '{}'; choose ordinal, woe, onehot or native", name));
}

Preprocessor Preprocessor::Fit(const Frame& frame, const std::vector<int>& feature_columns,
                               std::span<const int> labels, std::span<const size_t> rows,
                               CategoricalEncoding encoding, size_t max_onehot_levels) {
  Preprocessor result;
  for (int index : feature_columns) {
    const Column& column = frame.columns[static_cast<size_t>(index)];
    FeatureSpec spec;
    spec.name = column.name;
    spec.type = column.type;
    if (column.type == ColumnType::kCategorical) {
      spec.encoding = encoding;
      // Levels seen in the training rows only, sorted as scikit-learn's encoders sort them.
      std::vector<char> seen(column.levels.size(), 0);
      for (size_t row : rows) {
        if (column.codes[row] >= 0) seen[static_cast<size_t>(column.codes[row])] = 1;
      }
      for (size_t level = 0; level < seen.size(); ++level) {
        if (seen[level]) spec.levels.push_back(column.levels[level]);
      }
      std::sort(spec.levels.begin(), spec.levels.end());
      if (encoding == CategoricalEncoding::kOneHot && spec.levels.size() > max_onehot_levels) {
        // Keep the most frequent levels (ties by name); the rest share the "other" column.
        std::vector<size_t> counts(column.levels.size(), 0);
        for (size_t row : rows) {
          if (column.codes[row] >= 0) ++counts[static_cast<size_t>(column.codes[row])];
        }
        std::unordered_map<std::string_view, size_t> count_of;
        for (size_t level = 0; level < counts.size(); ++level) {
          count_of[column.levels[level]] = counts[level];
        }
        std::stable_sort(
            spec.levels.begin(), spec.levels.end(),
            [&](const std::string& a, const std::string& b) { return count_of[a] > count_of[b]; });
        spec.levels.resize(max_onehot_levels);
        std::sort(spec.levels.begin(), spec.levels.end());
      }
      if (encoding == CategoricalEncoding::kWoe) {
        std::unordered_map<std::string_view, size_t> code_of;
        for (size_t i = 0; i < spec.levels.size(); ++i) code_of[spec.levels[i]] = i;
        std::vector<double> positives(spec.levels.size()), negatives(spec.levels.size());
        double total_positive = 0, total_negative = 0;
        for (size_t row : rows) {
          const bool positive = labels[row] == 1;
          (positive ? total_positive : total_negative) += 1;
          if (column.codes[row] < 0) continue;
          size_t code = code_of[column.levels[static_cast<size_t>(column.codes[row])]];
          (positive ? positives : negatives)[code] += 1;
        }
        for (size_t i = 0; i < spec.levels.size(); ++i) {
          double share_positive = (positives[i] + 1.0) / (total_positive + 2.0);
          double share_negative = (negatives[i] + 1.0) / (total_negative + 2.0);
          spec.woe.push_back(std::log(share_positive / share_negative));
        }
      }
    }
    result.features_.push_back(std::move(spec));
  }
  return result;
}

StatusOr<std::vector<float>> Preprocessor::Transform(const Frame& frame,
                                                     std::span<const size_t> rows) const {
  const size_t width = FeatureNames().size();
  std::vector<float> out(rows.size() * width, kMissing);
  size_t offset = 0;  // the first output column of the feature at hand
  for (const FeatureSpec& spec : features_) {
    const size_t first = offset;
    offset += spec.Width();
    int index = frame.ColumnIndex(spec.name);
    if (index < 0) {
      return Status::InvalidParameter(
          fmt::format("the data has no column '{}', which the model needs", spec.name));
    }
    const Column& column = frame.columns[static_cast<size_t>(index)];
    if (spec.type == ColumnType::kNumeric) {
      for (size_t r = 0; r < rows.size(); ++r) {
        ORCHARD_ASSIGN_OR_RETURN(double value, NumberAt(column, rows[r]));
        out[r * width + first] = ToModelInput(value);
      }
      continue;
    }
    // Categorical: each level's code among the model's levels (-1: unseen), looked up once
    // per distinct level of the frame.
    std::unordered_map<std::string_view, int32_t> code_of;
    for (size_t i = 0; i < spec.levels.size(); ++i) {
      code_of[spec.levels[i]] = static_cast<int32_t>(i);
    }
    auto code = [&](std::string_view level) {
      auto found = code_of.find(level);
      return found == code_of.end() ? -1 : found->second;
    };
    std::vector<int32_t> code_of_frame_level;
    if (column.type == ColumnType::kCategorical) {
      for (const std::string& level : column.levels) code_of_frame_level.push_back(code(level));
    }
    const int32_t other = static_cast<int32_t>(spec.levels.size());
    for (size_t r = 0; r < rows.size(); ++r) {
      const size_t row = rows[r];
      if (column.IsMissing(row)) continue;  // NaN in every column of the feature
      const int32_t level = column.type == ColumnType::kCategorical
                                ? code_of_frame_level[static_cast<size_t>(column.codes[row])]
                                : code(LevelText(column, row));
      float* cells = &out[r * width + first];
      switch (spec.encoding) {
        case CategoricalEncoding::kOrdinal:
        case CategoricalEncoding::kNative:
          cells[0] = level < 0 ? kMissing : static_cast<float>(level);
          break;
        case CategoricalEncoding::kWoe:
          cells[0] = level < 0 ? 0.0f : static_cast<float>(spec.woe[static_cast<size_t>(level)]);
          break;
        case CategoricalEncoding::kOneHot:
          std::fill(cells, cells + spec.Width(), 0.0f);
          cells[level < 0 ? other : level] = 1.0f;
          break;
      }
    }
  }
  return out;
}

StatusOr<std::vector<float>> Preprocessor::Transform(const Frame& frame) const {
  std::vector<size_t> rows(frame.rows);
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = i;
  return Transform(frame, rows);
}

size_t FeatureSpec::Width() const {
  return type == ColumnType::kCategorical && encoding == CategoricalEncoding::kOneHot
             ? levels.size() + 1
             : 1;
}

std::vector<std::string> Preprocessor::FeatureNames() const {
  std::vector<std::string> names;
  for (const FeatureSpec& spec : features_) {
    if (spec.Width() == 1) {
      names.push_back(spec.name);
      continue;
    }
    for (const std::string& level : spec.levels) names.push_back(spec.name + "=" + level);
    names.push_back(spec.name + "=" + kOtherLevel);
  }
  return names;
}

std::vector<std::string> Preprocessor::FeatureTypes() const {
  std::vector<std::string> types;
  for (const FeatureSpec& spec : features_) {
    bool native =
        spec.type == ColumnType::kCategorical && spec.encoding == CategoricalEncoding::kNative;
    types.insert(types.end(), spec.Width(), native ? "c" : "q");
  }
  return types;
}

std::string Preprocessor::ToJson() const {
  JsonWriter json;
  json.BeginObject().Key("features").BeginArray();
  for (const FeatureSpec& spec : features_) {
    json.BeginObject().Field("name", spec.name);
    if (spec.type == ColumnType::kNumeric) {
      json.Field("type", "numeric");
    } else {
      json.Field("type", "categorical").Field("encoding", EncodingName(spec.encoding));
      json.Key("levels").BeginArray();
      for (const std::string& level : spec.levels) json.String(level);
      json.EndArray();
      if (spec.encoding == CategoricalEncoding::kWoe) {
        json.Key("woe").BeginArray();
        for (double value : spec.woe) json.Double(value);
        json.EndArray();
      }
    }
    json.EndObject();
  }
  return json.EndArray().EndObject().Take();
}

StatusOr<Preprocessor> Preprocessor::FromJson(std::string_view text) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::dom::array features;
  auto malformed = [](std::string_view what) {
    return Status::InvalidParameter(fmt::format("malformed preprocessing.json: {}", what));
  };
  if (parser.parse(simdjson::padded_string(text)).get(root) || root["features"].get(features)) {
    return malformed("no features list");
  }
  Preprocessor result;
  for (simdjson::dom::element item : features) {
    FeatureSpec spec;
    std::string_view name, type;
    if (item["name"].get(name) || item["type"].get(type))
      return malformed("a feature lacks name or type");
    spec.name = std::string(name);
    if (type == "categorical") {
      spec.type = ColumnType::kCategorical;
      std::string_view encoding;
      if (item["encoding"].get(encoding)) return malformed("a categorical feature lacks encoding");
      ORCHARD_ASSIGN_OR_RETURN(spec.encoding, ParseEncoding(encoding));
      simdjson::dom::array levels;
      if (item["levels"].get(levels)) return malformed("a categorical feature lacks levels");
      for (simdjson::dom::element level : levels) {
        std::string_view value;
        if (level.get(value)) return malformed("a level is not a string");
        spec.levels.emplace_back(value);
      }
      if (spec.encoding == CategoricalEncoding::kWoe) {
        simdjson::dom::array woe;
        if (item["woe"].get(woe)) return malformed("a woe feature lacks its values");
        for (simdjson::dom::element value : woe) {
          double number = 0;
          if (value.get(number)) return malformed("a woe value is not a number");
          spec.woe.push_back(number);
        }
        if (spec.woe.size() != spec.levels.size())
          return malformed("woe and levels differ in size");
      }
    } else if (type != "numeric") {
      return malformed(fmt::format("unknown feature type '{}'", type));
    }
    result.features_.push_back(std::move(spec));
  }
  return result;
}

}  // namespace orchard
