#include "train/split.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace orchard {

Split SplitSubset(std::span<const size_t> rows, std::span<const int> labels, double fraction,
                  uint64_t seed, bool stratify) {
  std::mt19937_64 random(seed);
  Split split;
  // As scikit-learn: ceil(fraction * n) rows for testing, shared out between the classes in
  // proportion when stratified.
  const size_t total = rows.size();
  size_t total_test = static_cast<size_t>(std::ceil(fraction * static_cast<double>(total)));
  if (total >= 2) total_test = std::clamp<size_t>(total_test, 1, total - 1);
  auto take = [&](std::vector<size_t> group, size_t test) {
    std::shuffle(group.begin(), group.end(), random);
    test = std::min(test, group.size());
    split.test.insert(split.test.end(), group.begin(), group.begin() + static_cast<long>(test));
    split.train.insert(split.train.end(), group.begin() + static_cast<long>(test), group.end());
  };
  if (stratify) {
    std::vector<size_t> positives, negatives;
    for (size_t row : rows) (labels[row] == 1 ? positives : negatives).push_back(row);
    size_t positive_test = static_cast<size_t>(
        std::llround(static_cast<double>(total_test) * static_cast<double>(positives.size()) /
                     static_cast<double>(std::max<size_t>(total, 1))));
    positive_test = std::min(positive_test, positives.size());
    size_t negatives_size = negatives.size();
    take(std::move(negatives), std::min(total_test - positive_test, negatives_size));
    take(std::move(positives), positive_test);
  } else {
    take(std::vector<size_t>(rows.begin(), rows.end()), total_test);
  }
  std::sort(split.train.begin(), split.train.end());
  std::sort(split.test.begin(), split.test.end());
  return split;
}

Split SplitRows(std::span<const int> labels, double test_fraction, uint64_t seed, bool stratify) {
  std::vector<size_t> rows(labels.size());
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = i;
  return SplitSubset(rows, labels, test_fraction, seed, stratify);
}

}  // namespace orchard
