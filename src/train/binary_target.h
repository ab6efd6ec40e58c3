// BinaryTarget: a binary target column turned into 0/1 labels. The positive class is 1 (or
// true/yes) when the values are numbers or booleans, else the rarer of the two values;
// `positive_label` overrides. Errors (INVALID_PARAMETER_VALUE): not exactly two distinct
// values, a missing value in the target, an unknown positive label.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "data/frame.h"

namespace orchard {

struct BinaryTarget {
  std::string positive;  // the positive class's text, as in the data ("1", "true", "bad")
  std::string negative;
  std::vector<int> labels;  // one per row: 1 for the positive class
};

StatusOr<BinaryTarget> MakeBinaryTarget(const Column& column,
                                        const std::string& positive_label = "");

}  // namespace orchard
