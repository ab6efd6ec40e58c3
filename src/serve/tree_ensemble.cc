#include "serve/tree_ensemble.h"

#include <simdjson.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>

#include <fmt/format.h>

namespace orchard {
namespace {

namespace od = simdjson::ondemand;

// XGBoost treats a category code at or above 2^24 as invalid (past it, floats no longer hold
// every integer), like a negative one: such a value goes left.
constexpr float kMaxCategory = 16777216.0f;

// One tree as XGBoost's JSON holds it: parallel arrays indexed by XGBoost's node id, read as
// they are and checked only once the whole model is read.
struct RawTree {
  int64_t num_nodes = -1;
  std::vector<int64_t> left_children;
  std::vector<int64_t> right_children;
  std::vector<int64_t> split_indices;
  std::vector<float> split_conditions;
  std::vector<float> sum_hessian;  // each node's cover: how much training data reached it
  std::vector<int64_t> default_left;
  std::vector<int64_t> split_type;
  std::vector<int64_t> categories;
  std::vector<int64_t> categories_nodes;
  std::vector<int64_t> categories_segments;
  std::vector<int64_t> categories_sizes;
};

// The parts of the model that prediction depends on, as text until they are checked.
struct RawModel {
  bool has_learner = false;
  std::string booster;
  std::string objective;
  std::string base_score;
  std::string num_feature;
  std::string num_class = "0";
  std::string num_target = "1";
  std::string num_trees;  // empty when absent
  bool has_trees = false;
  std::vector<RawTree> trees;
  std::vector<int64_t> tree_info;
};

Status NotAModel(std::string_view detail) {
  return Status::InvalidParameter(fmt::format("not an XGBoost JSON model: {}", detail));
}

Status Inconsistent(size_t tree, std::string_view detail) {
  return Status::InvalidParameter(fmt::format("corrupt XGBoost model: tree {}: {}", tree, detail));
}

std::string_view TrimRight(std::string_view text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\n' || text.back() == '\r' ||
                           text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

// Parses all of `text` as T: an integer, or a float (std::from_chars rounds the decimal text
// straight to the nearest float, as XGBoost's reader does; going through double could round
// twice). Floats also accept NaN, Infinity and -Infinity, which XGBoost writes as bare words.
template <typename T>
bool ParseNumber(std::string_view text, T* out) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return error == std::errc() && end == text.data() + text.size();
}

// An array of numbers, read from each element's raw token. Reading tokens rather than asking
// simdjson for numbers is what lets the NaN in split_conditions through: it is not JSON, but
// simdjson's on-demand parser only validates what it is asked to convert.
template <typename T>
Status ReadNumbers(od::value& value, std::string_view name, std::vector<T>* out) {
  od::array array;
  if (value.get_array().get(array) != simdjson::SUCCESS) {
    return NotAModel(fmt::format("'{}' is not an array", name));
  }
  out->clear();
  for (auto element : array) {
    od::value item;
    if (element.get(item) != simdjson::SUCCESS) {
      return NotAModel(fmt::format("'{}' is not a well-formed array", name));
    }
    std::string_view token = TrimRight(item.raw_json_token());
    T number{};
    if (!ParseNumber(token, &number)) {
      // Booleans, in case a writer stores default_left as true/false.
      if constexpr (std::is_integral_v<T>) {
        if (token == "true" || token == "false") {
          out->push_back(token == "true" ? 1 : 0);
          continue;
        }
      }
      return NotAModel(fmt::format("'{}' holds '{}', not a number", name, token.substr(0, 40)));
    }
    out->push_back(number);
  }
  return Status::Ok();
}

// A scalar's text: a string's contents or a number's token (XGBoost stores most parameters as
// strings, e.g. "num_feature": "30", "base_score": "5E-1").
Status ReadText(od::value& value, std::string_view name, std::string* out) {
  od::json_type type;
  if (value.type().get(type) != simdjson::SUCCESS) {
    return NotAModel(fmt::format("'{}' is not a JSON value", name));
  }
  if (type == od::json_type::string) {
    std::string_view text;
    if (value.get_string().get(text) != simdjson::SUCCESS) {
      return NotAModel(fmt::format("'{}' is not a well-formed string", name));
    }
    *out = std::string(text);
  } else if (type == od::json_type::number) {
    *out = std::string(TrimRight(value.raw_json_token()));
  } else {
    return NotAModel(fmt::format("'{}' is neither a string nor a number", name));
  }
  return Status::Ok();
}

// Calls fn(key, value) for each field of the object `value`, in the order of the text (the
// on-demand parser reads forward only; unvisited values are skipped).
template <typename Fn>
Status ForEachField(od::value& value, std::string_view name, Fn&& fn) {
  od::object object;
  if (value.get_object().get(object) != simdjson::SUCCESS) {
    return NotAModel(fmt::format("'{}' is not an object", name));
  }
  for (auto field : object) {
    std::string_view key;
    od::value child;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS ||
        field.value().get(child) != simdjson::SUCCESS) {
      return NotAModel(fmt::format("'{}' is not a well-formed object", name));
    }
    ORCHARD_RETURN_IF_ERROR(fn(key, child));
  }
  return Status::Ok();
}

Status ReadTree(od::value& value, RawTree* tree) {
  return ForEachField(value, "tree", [&](std::string_view key, od::value& child) -> Status {
    if (key == "left_children") return ReadNumbers(child, key, &tree->left_children);
    if (key == "right_children") return ReadNumbers(child, key, &tree->right_children);
    if (key == "split_indices") return ReadNumbers(child, key, &tree->split_indices);
    if (key == "split_conditions") return ReadNumbers(child, key, &tree->split_conditions);
    if (key == "sum_hessian") return ReadNumbers(child, key, &tree->sum_hessian);
    if (key == "default_left") return ReadNumbers(child, key, &tree->default_left);
    if (key == "split_type") return ReadNumbers(child, key, &tree->split_type);
    if (key == "categories") return ReadNumbers(child, key, &tree->categories);
    if (key == "categories_nodes") return ReadNumbers(child, key, &tree->categories_nodes);
    if (key == "categories_segments") return ReadNumbers(child, key, &tree->categories_segments);
    if (key == "categories_sizes") return ReadNumbers(child, key, &tree->categories_sizes);
    if (key == "tree_param") {
      return ForEachField(child, key, [&](std::string_view param, od::value& item) -> Status {
        if (param != "num_nodes") return Status::Ok();
        std::string text;
        ORCHARD_RETURN_IF_ERROR(ReadText(item, param, &text));
        if (!ParseNumber(text, &tree->num_nodes)) return NotAModel("num_nodes is not an integer");
        return Status::Ok();
      });
    }
    return Status::Ok();
  });
}

Status ReadTreeModel(od::value& value, RawModel* model) {
  return ForEachField(value, "model", [&](std::string_view key, od::value& child) -> Status {
    if (key == "tree_info") return ReadNumbers(child, key, &model->tree_info);
    if (key == "gbtree_model_param") {
      return ForEachField(child, key, [&](std::string_view param, od::value& item) -> Status {
        if (param == "num_trees") return ReadText(item, param, &model->num_trees);
        return Status::Ok();
      });
    }
    if (key == "trees") {
      od::array array;
      if (child.get_array().get(array) != simdjson::SUCCESS) {
        return NotAModel("'trees' is not an array");
      }
      model->has_trees = true;
      model->trees.clear();
      for (auto element : array) {
        od::value tree;
        if (element.get(tree) != simdjson::SUCCESS) return NotAModel("'trees' is not well-formed");
        ORCHARD_RETURN_IF_ERROR(ReadTree(tree, &model->trees.emplace_back()));
      }
    }
    return Status::Ok();
  });
}

Status ReadLearner(od::value& value, RawModel* model) {
  model->has_learner = true;
  return ForEachField(value, "learner", [&](std::string_view key, od::value& child) -> Status {
    if (key == "gradient_booster") {
      return ForEachField(child, key, [&](std::string_view field, od::value& item) -> Status {
        if (field == "name") return ReadText(item, field, &model->booster);
        if (field == "model") return ReadTreeModel(item, model);
        return Status::Ok();
      });
    }
    if (key == "objective") {
      return ForEachField(child, key, [&](std::string_view field, od::value& item) -> Status {
        if (field == "name") return ReadText(item, field, &model->objective);
        return Status::Ok();
      });
    }
    if (key == "learner_model_param") {
      return ForEachField(child, key, [&](std::string_view field, od::value& item) -> Status {
        if (field == "base_score") return ReadText(item, field, &model->base_score);
        if (field == "num_feature") return ReadText(item, field, &model->num_feature);
        if (field == "num_class") return ReadText(item, field, &model->num_class);
        if (field == "num_target") return ReadText(item, field, &model->num_target);
        return Status::Ok();
      });
    }
    return Status::Ok();
  });
}

StatusOr<RawModel> ReadModel(std::string_view json) {
  od::parser parser;
  simdjson::padded_string padded(json.data(), json.size());
  od::document document;
  od::object root;
  if (auto error = parser.iterate(padded).get(document); error != simdjson::SUCCESS) {
    return NotAModel(simdjson::error_message(error));
  }
  if (auto error = document.get_object().get(root); error != simdjson::SUCCESS) {
    return NotAModel(
        fmt::format("the text is not a JSON object ({})", simdjson::error_message(error)));
  }
  RawModel model;
  for (auto field : root) {
    std::string_view key;
    od::value child;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS ||
        field.value().get(child) != simdjson::SUCCESS) {
      return NotAModel("the text is not a well-formed JSON object");
    }
    if (key == "learner") ORCHARD_RETURN_IF_ERROR(ReadLearner(child, &model));
  }
  if (!model.has_learner) return NotAModel("no 'learner' object");
  return model;
}

// A categorical node's set of categories, sliced out of the tree's shared `categories` array.
struct CategorySpan {
  int64_t begin = 0;
  int64_t size = -1;  // -1: the node has no set
};

}  // namespace

StatusOr<TreeEnsemble> TreeEnsemble::FromXgboostJson(std::string_view json) {
  ORCHARD_ASSIGN_OR_RETURN(RawModel raw, ReadModel(json));

  if (raw.booster.empty()) return NotAModel("no learner.gradient_booster.name");
  if (raw.booster != "gbtree") {
    return Status::InvalidParameter(
        fmt::format("the model's booster is '{}': Orchard scores only gbtree models", raw.booster));
  }
  if (raw.objective.empty()) return NotAModel("no learner.objective.name");
  TreeEnsemble ensemble;
  if (raw.objective == "binary:logistic" || raw.objective == "reg:logistic") {
    ensemble.sigmoid_ = true;
  } else if (raw.objective == "binary:logitraw") {
    ensemble.sigmoid_ = false;
  } else {
    return Status::InvalidParameter(fmt::format(
        "the model's objective is '{}': Orchard scores only binary classifiers (binary:logistic, "
        "reg:logistic, binary:logitraw)",
        raw.objective));
  }

  int64_t num_class = 0;
  int64_t num_target = 0;
  int64_t num_feature = 0;
  if (!ParseNumber(raw.num_class, &num_class) || !ParseNumber(raw.num_target, &num_target)) {
    return NotAModel("num_class or num_target is not an integer");
  }
  if (num_class > 1 || num_target > 1) {
    return Status::InvalidParameter(fmt::format(
        "the model has more than one output group (num_class {}, num_target {}): Orchard scores "
        "only binary classifiers",
        num_class, num_target));
  }
  if (!ParseNumber(raw.num_feature, &num_feature) || num_feature < 0 ||
      num_feature > static_cast<int64_t>(kFeatureMask)) {
    return NotAModel(fmt::format("num_feature '{}' is not a feature count", raw.num_feature));
  }
  ensemble.num_features_ = static_cast<size_t>(num_feature);

  // XGBoost keeps base_score as a probability and turns it into the starting margin with the
  // objective's ProbToMargin, in float: logit for the logistic objectives, the identity for
  // binary:logitraw (checked against XGBoost 1.7.4 with base_score 0.2).
  float base_score = 0;
  if (!ParseNumber(raw.base_score, &base_score) || !std::isfinite(base_score)) {
    return NotAModel(fmt::format("base_score '{}' is not a number", raw.base_score));
  }
  if (ensemble.sigmoid_) {
    if (!(base_score > 0.0f && base_score < 1.0f)) {
      return Status::InvalidParameter(
          fmt::format("base_score {} is not in (0, 1) as a logistic model needs", base_score));
    }
    ensemble.base_margin_ = -std::log(1.0f / base_score - 1.0f);
  } else {
    ensemble.base_margin_ = base_score;
  }

  if (!raw.has_trees) return NotAModel("no learner.gradient_booster.model.trees");
  const size_t num_trees = raw.trees.size();
  int64_t declared_trees = 0;
  if (!raw.num_trees.empty() && (!ParseNumber(raw.num_trees, &declared_trees) ||
                                 declared_trees != static_cast<int64_t>(num_trees))) {
    return Status::InvalidParameter(fmt::format(
        "corrupt XGBoost model: num_trees '{}' but {} trees", raw.num_trees, num_trees));
  }
  if (raw.tree_info.size() != num_trees) {
    return Status::InvalidParameter(
        fmt::format("corrupt XGBoost model: tree_info has {} entries for {} trees",
                    raw.tree_info.size(), num_trees));
  }
  for (int64_t group : raw.tree_info) {
    if (group != 0) {
      return Status::InvalidParameter(
          fmt::format("the model has a tree for output group {}: Orchard scores only binary "
                      "classifiers, with one output group",
                      group));
    }
  }

  ensemble.trees_.reserve(num_trees);
  std::vector<uint8_t> visited;
  std::vector<CategorySpan> spans;
  struct Pending {
    int64_t id;      // XGBoost's node id
    uint32_t index;  // the node's slot in nodes_
    uint32_t depth;
  };
  std::vector<Pending> queue;
  for (size_t t = 0; t < num_trees; ++t) {
    const RawTree& tree = raw.trees[t];
    const int64_t n = tree.num_nodes;
    if (n < 1) return Inconsistent(t, "tree_param.num_nodes is missing or not positive");
    const size_t size = static_cast<size_t>(n);
    for (const auto& [name, length] : {std::pair{"left_children", tree.left_children.size()},
                                       {"right_children", tree.right_children.size()},
                                       {"split_indices", tree.split_indices.size()},
                                       {"split_conditions", tree.split_conditions.size()},
                                       {"default_left", tree.default_left.size()}}) {
      if (length != size) {
        return Inconsistent(t, fmt::format("{} has {} entries for {} nodes", name, length, n));
      }
    }
    // Models from before categorical splits have no split_type: every split is numerical.
    // sum_hessian only guides how a tree is walked (below): without it, leaves count alike.
    for (const auto& [name, length] : {std::pair{"split_type", tree.split_type.size()},
                                       {"sum_hessian", tree.sum_hessian.size()}}) {
      if (length != 0 && length != size) {
        return Inconsistent(t, fmt::format("{} has {} entries for {} nodes", name, length, n));
      }
    }
    spans.assign(size, CategorySpan{});
    const size_t num_sets = tree.categories_nodes.size();
    if (tree.categories_segments.size() != num_sets || tree.categories_sizes.size() != num_sets) {
      return Inconsistent(t,
                          "categories_nodes, categories_segments and categories_sizes differ "
                          "in length");
    }
    for (size_t k = 0; k < num_sets; ++k) {
      const int64_t node = tree.categories_nodes[k];
      const int64_t begin = tree.categories_segments[k];
      const int64_t count = tree.categories_sizes[k];
      if (node < 0 || node >= n || spans[node].size >= 0) {
        return Inconsistent(t,
                            fmt::format("categories_nodes holds {}: not a node, or twice", node));
      }
      // XGBoost refuses an empty set when it loads a model, so an empty one is corrupt.
      if (begin < 0 || count < 1 || begin > static_cast<int64_t>(tree.categories.size()) ||
          count > static_cast<int64_t>(tree.categories.size()) - begin) {
        return Inconsistent(t, fmt::format("node {}'s categories [{}, +{}) are outside the {} "
                                           "categories",
                                           node, begin, count, tree.categories.size()));
      }
      spans[node] = {begin, count};
    }

    // Walk the tree breadth first from the root, giving each pair of children two adjacent new
    // slots. The walk also proves the arrays form a tree: a child reached twice (a cycle, or a
    // shared subtree) is refused, so Predict always ends at a leaf. Nodes never reached (XGBoost
    // keeps pruned nodes in the arrays) are dropped.
    visited.assign(size, 0);
    Tree info{};
    double leaf_cover = 0;        // summed over the leaves: their cover
    double leaf_cover_depth = 0;  // ... their cover times their depth
    const size_t root_index = ensemble.nodes_.size();
    if (root_index + size > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
      return Status::InvalidParameter("the model has too many nodes (over 2^31) to score");
    }
    ensemble.nodes_.push_back(Node{});
    ensemble.leaf_values_.push_back(0);
    visited[0] = 1;
    queue.assign(1, {0, static_cast<uint32_t>(root_index), 0});
    for (size_t head = 0; head < queue.size(); ++head) {
      const Pending pending = queue[head];
      const int64_t id = pending.id;
      const uint32_t index = pending.index;
      Node node{};
      const int64_t left = tree.left_children[id];
      const int64_t right = tree.right_children[id];
      if (left == -1) {
        if (right != -1) {
          return Inconsistent(t, fmt::format("node {} has no left child but a right one", id));
        }
        // The leaf steps to itself: every value (even NaN) fails `x < -inf` and goes "right",
        // to left + 1. Its feature, 0, exists in any model with a split; in a model without
        // one, every tree has depth 0 and no row is ever read (it may have no features).
        node = {static_cast<int32_t>(index) - 1, 0, -std::numeric_limits<float>::infinity()};
        ensemble.nodes_[index] = node;
        ensemble.leaf_values_[index] = tree.split_conditions[id];
        info.depth = std::max(info.depth, pending.depth);
        const double cover = tree.sum_hessian.empty() ? 1.0 : tree.sum_hessian[id];
        if (std::isfinite(cover) && cover > 0) {
          leaf_cover += cover;
          leaf_cover_depth += cover * pending.depth;
        }
        continue;
      }
      for (int64_t child : {left, right}) {
        if (child < 1 || child >= n) {
          return Inconsistent(
              t, fmt::format("node {} has child {}, outside the {} nodes", id, child, n));
        }
        if (visited[child]) {
          return Inconsistent(t, fmt::format("node {} is reached twice (at node {})", child, id));
        }
        visited[child] = 1;
      }
      // XGBoost's own walk steps to left + 1 when a present value is not below the threshold
      // (predict_fn.h), and to right_children[] only for a missing value or a category; its
      // trees always have right == left + 1. A tree without it is not one XGBoost built, and
      // XGBoost would score it inconsistently, so there is nothing to agree with.
      if (right != left + 1) {
        return Inconsistent(
            t, fmt::format("node {}'s children {} and {} are not adjacent", id, left, right));
      }
      const int64_t feature = tree.split_indices[id];
      if (feature < 0 || feature >= num_feature) {
        return Inconsistent(t, fmt::format("node {} splits on feature {}, but the model has {}", id,
                                           feature, num_feature));
      }
      const int64_t type = tree.split_type.empty() ? 0 : tree.split_type[id];
      if (type != 0 && type != 1) {
        return Inconsistent(t, fmt::format("node {} has split_type {}", id, type));
      }
      node.feature = static_cast<uint32_t>(feature);
      if (tree.default_left[id] != 0) node.feature |= kDefaultLeft;
      if (type == 1) {
        const CategorySpan span = spans[id];
        if (span.size < 0) {
          return Inconsistent(t, fmt::format("categorical node {} has no categories", id));
        }
        // A bitset of the categories that go right, sized by the largest one, as XGBoost's.
        // Codes at or past 2^24 are never matched (such inputs go left) so they are left out;
        // a negative code can only come from a corrupt file.
        uint32_t bits = 0;
        for (int64_t k = span.begin; k < span.begin + span.size; ++k) {
          const int64_t category = tree.categories[k];
          if (category < 0) {
            return Inconsistent(t, fmt::format("node {} has category {}", id, category));
          }
          if (category < static_cast<int64_t>(kMaxCategory)) {
            bits = std::max(bits, static_cast<uint32_t>(category) + 1);
          }
        }
        const size_t offset = ensemble.cat_words_.size();
        if (offset > std::numeric_limits<uint32_t>::max() - (2 + bits / 32)) {
          return Status::InvalidParameter("the model's category sets are too large to score");
        }
        ensemble.cat_words_.push_back(bits);
        ensemble.cat_words_.resize(offset + 1 + (bits + 31) / 32, 0);
        for (int64_t k = span.begin; k < span.begin + span.size; ++k) {
          const int64_t category = tree.categories[k];
          if (category < static_cast<int64_t>(kMaxCategory)) {
            ensemble.cat_words_[offset + 1 + category / 32] |= 1u << (category % 32);
          }
        }
        node.feature |= kCategorical;
        node.value = std::bit_cast<float>(static_cast<uint32_t>(offset));
        info.has_categorical = true;
      } else {
        // Kept as is even when NaN: like XGBoost, Step sends every present value right then.
        node.value = tree.split_conditions[id];
      }
      node.left = static_cast<int32_t>(ensemble.nodes_.size());
      ensemble.nodes_[index] = node;
      ensemble.nodes_.resize(ensemble.nodes_.size() + 2);
      ensemble.leaf_values_.resize(ensemble.nodes_.size(), 0);
      const uint32_t child_index = static_cast<uint32_t>(node.left);
      queue.push_back({left, child_index, pending.depth + 1});
      queue.push_back({right, child_index + 1, pending.depth + 1});
    }
    info.root = static_cast<uint32_t>(root_index);
    // Walking in lockstep costs `depth` steps for every row; walking alone costs the row's own
    // path, but each step about twice as much (no overlap between rows), plus a mispredicted
    // branch at its end. Lockstep wins unless the tree is lopsided: a few long paths (lossguide
    // can grow them) that little of the data takes. The training data's path length, weighted
    // by the leaves' cover, stands in for the rows to come.
    const double typical_depth = leaf_cover > 0 ? leaf_cover_depth / leaf_cover : info.depth;
    info.lockstep = info.depth <= 2 * typical_depth + 8;
    ensemble.trees_.push_back(info);
  }
  ensemble.nodes_.shrink_to_fit();
  ensemble.leaf_values_.shrink_to_fit();
  ensemble.cat_words_.shrink_to_fit();
  return ensemble;
}

bool TreeEnsemble::GoesRightCategorical(const Node& node, float x) const {
  // XGBoost 1.7 (common::Decision): a missing value takes the default; a negative code or one
  // at or past 2^24 goes left; otherwise the code is the value truncated toward zero (2.7 is
  // 2, -0.0 is 0), and it goes right iff it is in the node's set (a code past the set's
  // largest is not in it).
  if (std::isnan(x)) return (node.feature & kDefaultLeft) == 0;
  if (!(x >= 0.0f) || !(x < kMaxCategory)) return false;
  const uint32_t category = static_cast<uint32_t>(x);
  const uint32_t* set = cat_words_.data() + std::bit_cast<uint32_t>(node.value);
  if (category >= set[0]) return false;
  return (set[1 + category / 32] >> (category % 32)) & 1u;
}

template <bool kHasCategorical, bool kMayBeMissing>
inline uint32_t TreeEnsemble::Step(uint32_t index, const float* row) const {
  const Node& node = nodes_[index];
  const float x = row[node.feature & kFeatureMask];
  bool right;
  if (kHasCategorical && (node.feature & kCategorical) != 0) {
    right = GoesRightCategorical(node, x);
  } else if (kMayBeMissing) {
    // XGBoost: a missing value takes the default child, a present one goes left iff
    // x < threshold. !(x < threshold) is already true for NaN, right for default-right; a
    // NaN with default-left is masked off. Written with & rather than ?: or && so that it
    // compiles to flag arithmetic, not a branch the data would make unpredictable.
    right = !(x < node.value) & !(((node.feature & kDefaultLeft) != 0) & std::isnan(x));
  } else {
    right = !(x < node.value);
  }
  return static_cast<uint32_t>(node.left + static_cast<int32_t>(right));
}

template <bool kHasCategorical, bool kMayBeMissing>
uint32_t TreeEnsemble::Walk(uint32_t root, const float* row) const {
  uint32_t index = root;
  for (;;) {
    const uint32_t next = Step<kHasCategorical, kMayBeMissing>(index, row);
    if (next == index) return index;  // a leaf steps to itself
    index = next;
  }
}

// Up to kBlock rows, each tree over all of them before the next tree, so the tree's nodes stay
// in cache. A lockstep tree takes `depth` steps for every row, row by row in the inner loop:
// the rows' walks are independent, so their loads overlap and nothing mispredicts.
template <bool kMayBeMissing>
void TreeEnsemble::PredictBlock(const float* rows, size_t count, float* margin) const {
  uint32_t at[kBlock];
  const size_t stride = num_features_;
  for (const Tree& tree : trees_) {
    if (!tree.lockstep) {
      for (size_t r = 0; r < count; ++r) {
        const float* row = rows + r * stride;
        at[r] = tree.has_categorical ? Walk<true, kMayBeMissing>(tree.root, row)
                                     : Walk<false, kMayBeMissing>(tree.root, row);
      }
    } else {
      std::fill(at, at + count, tree.root);
      for (uint32_t d = 0; d < tree.depth; ++d) {
        if (tree.has_categorical) {
          for (size_t r = 0; r < count; ++r) {
            at[r] = Step<true, kMayBeMissing>(at[r], rows + r * stride);
          }
        } else {
          for (size_t r = 0; r < count; ++r) {
            at[r] = Step<false, kMayBeMissing>(at[r], rows + r * stride);
          }
        }
      }
    }
    for (size_t r = 0; r < count; ++r) margin[r] += leaf_values_[at[r]];
  }
}

// One row: a row alone has no other rows to overlap with, so it walks kLanes trees in
// lockstep instead; trees that are not lockstep-shaped are walked alone first and then sit on
// their leaf while the others step.
template <bool kMayBeMissing>
float TreeEnsemble::PredictRow(const float* row) const {
  constexpr size_t kLanes = 8;
  uint32_t at[kLanes];
  float margin = base_margin_;
  const size_t num_trees = trees_.size();
  for (size_t first = 0; first < num_trees; first += kLanes) {
    const size_t lanes = std::min(kLanes, num_trees - first);
    uint32_t depth = 0;
    bool has_categorical = false;
    for (size_t k = 0; k < lanes; ++k) {
      const Tree& tree = trees_[first + k];
      has_categorical |= tree.has_categorical;
      if (tree.lockstep) {
        at[k] = tree.root;
        depth = std::max(depth, tree.depth);
      } else {
        at[k] = tree.has_categorical ? Walk<true, kMayBeMissing>(tree.root, row)
                                     : Walk<false, kMayBeMissing>(tree.root, row);
      }
    }
    for (uint32_t d = 0; d < depth; ++d) {
      if (has_categorical) {
        for (size_t k = 0; k < lanes; ++k) at[k] = Step<true, kMayBeMissing>(at[k], row);
      } else {
        for (size_t k = 0; k < lanes; ++k) at[k] = Step<false, kMayBeMissing>(at[k], row);
      }
    }
    // XGBoost sums the margin in float, base margin first, then each tree in order; the same
    // order and precision gives bit-identical margins.
    for (size_t k = 0; k < lanes; ++k) margin += leaf_values_[at[k]];
  }
  return margin;
}

void TreeEnsemble::Predict(const float* rows, size_t n_rows, double* out) const {
  // Below this many rows, walking trees side by side (PredictRow) beats walking rows side by
  // side (PredictBlock).
  constexpr size_t kFewRows = 4;
  float margin[kBlock];
  const size_t stride = num_features_;
  for (size_t begin = 0; begin < n_rows; begin += kBlock) {
    const size_t count = std::min(kBlock, n_rows - begin);
    const float* block = rows + begin * stride;
    // Rows without a missing value (the common case) take a step with one comparison fewer.
    bool missing = false;
    for (size_t i = 0; i < count * stride; ++i) missing |= std::isnan(block[i]);
    if (count < kFewRows) {
      for (size_t r = 0; r < count; ++r) {
        const float* row = block + r * stride;
        margin[r] = missing ? PredictRow<true>(row) : PredictRow<false>(row);
      }
    } else {
      // Same sum as PredictRow: base margin, then the trees in order, in float.
      std::fill(margin, margin + count, base_margin_);
      if (missing) {
        PredictBlock<true>(block, count, margin);
      } else {
        PredictBlock<false>(block, count, margin);
      }
    }
    if (sigmoid_) {
      for (size_t r = 0; r < count; ++r) {
        out[begin + r] = 1.0 / (1.0 + std::exp(-static_cast<double>(margin[r])));
      }
    } else {
      for (size_t r = 0; r < count; ++r) out[begin + r] = margin[r];
    }
  }
}

}  // namespace orchard
