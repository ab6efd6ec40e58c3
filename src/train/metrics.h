// Binary-classification metrics, computed exactly as scikit-learn 1.2 defines them, from labels
// (0/1) and scores (the positive class's probability).
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace orchard {

// sklearn.metrics.average_precision_score: sum over thresholds of (R_n - R_{n-1}) * P_n, with
// tied scores forming one threshold. NaN when there are no positives.
double AveragePrecision(std::span<const int> labels, std::span<const double> scores);
// sklearn.metrics.roc_auc_score (ties count one half). NaN when only one class is present.
double RocAuc(std::span<const int> labels, std::span<const double> scores);
// sklearn.metrics.log_loss with eps = 1e-15 clipping, natural log, mean over rows.
double LogLoss(std::span<const int> labels, std::span<const double> scores);

struct ConfusionMatrix {
  int64_t true_negatives = 0, false_positives = 0, false_negatives = 0, true_positives = 0;
};
// Predicted positive when score >= threshold.
ConfusionMatrix Confusion(std::span<const int> labels, std::span<const double> scores,
                          double threshold = 0.5);

// Accuracy, precision, recall and F1 of a confusion matrix; 0 where sklearn's zero_division
// default would warn (precision with no predicted positives, and so on).
struct ThresholdMetrics {
  double accuracy = 0, precision = 0, recall = 0, f1 = 0;
};
ThresholdMetrics MetricsAt(const ConfusionMatrix& matrix);

}  // namespace orchard
