// Train/test splits, reproducible for a seed: a shuffled (optionally stratified) partition of
// row indexes, as scikit-learn's train_test_split does it in spirit (not its exact shuffle).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace orchard {

struct Split {
  std::vector<size_t> train;  // sorted
  std::vector<size_t> test;   // sorted
};

// `test_fraction` of the rows (rounded up, at least one of each part when rows >= 2) go to
// test. Stratified: each label keeps its share in both parts.
Split SplitRows(std::span<const int> labels, double test_fraction, uint64_t seed, bool stratify);

// A split of a subset: `rows` partitioned the same way (for a validation part of the training
// rows).
Split SplitSubset(std::span<const size_t> rows, std::span<const int> labels, double fraction,
                  uint64_t seed, bool stratify);

}  // namespace orchard
