// The metrics every trained classifier is logged with, named as the tutorial names them
// (test_PR_AUC, ...) under a configurable prefix.
#pragma once

#include <span>
#include <string>
#include <utility>
#include <vector>

namespace orchard {

// <prefix>PR_AUC (average precision), ROC_AUC, log_loss, accuracy, precision, recall, f1 (at
// 0.5), and the confusion matrix's true/false positives/negatives.
std::vector<std::pair<std::string, double>> ClassifierMetrics(std::span<const int> labels,
                                                              std::span<const double> scores,
                                                              const std::string& prefix);

}  // namespace orchard
