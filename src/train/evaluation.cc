#include "train/evaluation.h"

#include "train/metrics.h"

namespace orchard {

std::vector<std::pair<std::string, double>> ClassifierMetrics(std::span<const int> labels,
                                                              std::span<const double> scores,
                                                              const std::string& prefix) {
  ConfusionMatrix matrix = Confusion(labels, scores, 0.5);
  ThresholdMetrics at = MetricsAt(matrix);
  return {{prefix + "PR_AUC", AveragePrecision(labels, scores)},
          {prefix + "ROC_AUC", RocAuc(labels, scores)},
          {prefix + "log_loss", LogLoss(labels, scores)},
          {prefix + "accuracy", at.accuracy},
          {prefix + "precision", at.precision},
          {prefix + "recall", at.recall},
          {prefix + "f1", at.f1},
          {prefix + "true_positives", static_cast<double>(matrix.true_positives)},
          {prefix + "false_positives", static_cast<double>(matrix.false_positives)},
          {prefix + "true_negatives", static_cast<double>(matrix.true_negatives)},
          {prefix + "false_negatives", static_cast<double>(matrix.false_negatives)}};
}

}  // namespace orchard
