#include "train/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>

// Conventions shared by every function here (sklearn would raise in these cases; we never throw,
// since a metric of a bad column is a value to show, not a crash):
// - The positive class is label == 1 (sklearn's pos_label=1); any other label counts as negative.
// - Labels and scores must have the same length. On a mismatch the scalar metrics return NaN and
//   Confusion returns an all-zero matrix, so a caller's bug shows up instead of reading past a
//   span.
// - A NaN score makes AveragePrecision, RocAuc and LogLoss NaN (sklearn rejects NaN input), and
//   keeps NaN out of std::sort, whose comparator would otherwise not be a strict weak ordering.

namespace orchard {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// log_loss's clipping bound. The header (the contract callers rely on) fixes eps = 1e-15, which is
// sklearn < 1.2's default and sklearn 1.2's log_loss(..., eps=1e-15). Note that sklearn 1.2.1's own
// default is eps="auto" = np.finfo(float64).eps = 2.22e-16; the two only differ for scores within
// 1e-15 of 0 or 1.
constexpr double kLogLossEps = 1e-15;

// Neumaier-compensated summation: a mean over 10^5+ rows stays within a few ulps of the exact sum,
// so our results agree with numpy's pairwise sums to well under 1e-12.
class CompensatedSum {
 public:
  void Add(double x) {
    double t = sum_ + x;
    if (std::fabs(sum_) >= std::fabs(x)) {
      compensation_ += (sum_ - t) + x;
    } else {
      compensation_ += (x - t) + sum_;
    }
    sum_ = t;
  }
  double Total() const { return sum_ + compensation_; }

 private:
  double sum_ = 0, compensation_ = 0;
};

// One point of sklearn's _binary_clf_curve: the cumulative true and false positives when every
// row scoring >= this threshold is predicted positive. Tied scores form one threshold.
struct CurvePoint {
  int64_t true_positives = 0, false_positives = 0;
};

// sklearn.metrics._ranking._binary_clf_curve (unweighted): sort by score descending, and emit one
// point per distinct score value, from the highest threshold down. Returns false (and no points)
// when the lengths differ or a score is NaN. O(n log n): one sort of (score, label) pairs, which is
// cheaper than sorting indices because the comparator needs no indirection.
bool BinaryClfCurve(std::span<const int> labels, std::span<const double> scores,
                    std::vector<CurvePoint>* curve) {
  curve->clear();
  if (labels.size() != scores.size()) return false;
  struct Row {
    double score;
    bool positive;
  };
  std::vector<Row> rows;
  rows.reserve(scores.size());
  for (size_t i = 0; i < scores.size(); ++i) {
    if (std::isnan(scores[i])) return false;
    rows.push_back({scores[i], labels[i] == 1});
  }
  // Order within a group of ties does not matter: only the group's totals are used.
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.score > b.score; });
  CurvePoint point;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].positive) {
      ++point.true_positives;
    } else {
      ++point.false_positives;
    }
    // sklearn keeps the last index of each run of equal scores (np.diff(y_score) != 0); -0.0 and
    // 0.0 compare equal here as they do there.
    if (i + 1 == rows.size() || rows[i + 1].score != rows[i].score) curve->push_back(point);
  }
  return true;
}

}  // namespace

double AveragePrecision(std::span<const int> labels, std::span<const double> scores) {
  std::vector<CurvePoint> curve;
  if (!BinaryClfCurve(labels, scores, &curve) || curve.empty()) return kNaN;
  const int64_t positives = curve.back().true_positives;
  // sklearn 1.2.1 warns "No positive class found in y_true, recall is set to one for all
  // thresholds" and returns -0.0 here. We return NaN, as the header promises: AP is undefined
  // without positives, and a 0 would read as "worst possible ranking" in a report or an average.
  if (positives == 0) return kNaN;
  // sklearn.metrics.average_precision_score: -np.sum(np.diff(recall) * precision[:-1]) over
  // precision_recall_curve, i.e. sum over thresholds of (R_n - R_{n-1}) * P_n. A threshold adds
  // recall only when it adds true positives, so R_n - R_{n-1} = (tp_n - tp_{n-1}) / positives.
  CompensatedSum sum;
  int64_t previous_true_positives = 0;
  for (const CurvePoint& point : curve) {
    const int64_t new_true_positives = point.true_positives - previous_true_positives;
    if (new_true_positives == 0) continue;
    // Denominator > 0: this threshold predicts at least the new true positives as positive.
    const double precision = static_cast<double>(point.true_positives) /
                             static_cast<double>(point.true_positives + point.false_positives);
    sum.Add(static_cast<double>(new_true_positives) * precision);
    previous_true_positives = point.true_positives;
  }
  return sum.Total() / static_cast<double>(positives);
}

double RocAuc(std::span<const int> labels, std::span<const double> scores) {
  std::vector<CurvePoint> curve;
  if (!BinaryClfCurve(labels, scores, &curve) || curve.empty()) return kNaN;
  const int64_t positives = curve.back().true_positives;
  const int64_t negatives = curve.back().false_positives;
  // sklearn's roc_auc_score raises "Only one class present in y_true"; the AUC is undefined.
  if (positives == 0 || negatives == 0) return kNaN;
  // sklearn.metrics.roc_auc_score = auc(roc_curve(...)): trapezoids between consecutive
  // (fpr, tpr) points starting at (0, 0). Scaled by 2 * positives * negatives, each trapezoid is
  // the integer dfp * (tp_prev + tp), so the sum is exact in int64 (it is twice the Mann-Whitney U
  // with ties counting one half, at most 2 * n^2 / 4, fine for n up to ~10^9) and the only
  // rounding is the final division.
  int64_t twice_area = 0, previous_tp = 0, previous_fp = 0;
  for (const CurvePoint& point : curve) {
    twice_area += (point.false_positives - previous_fp) * (previous_tp + point.true_positives);
    previous_tp = point.true_positives;
    previous_fp = point.false_positives;
  }
  return static_cast<double>(twice_area) /
         (2.0 * static_cast<double>(positives) * static_cast<double>(negatives));
}

double LogLoss(std::span<const int> labels, std::span<const double> scores) {
  // sklearn's log_loss raises on empty input and when y_true holds one class only (it cannot tell
  // which column p belongs to); our p is always P(label == 1), so one class is well defined here.
  if (labels.size() != scores.size() || scores.empty()) return kNaN;
  CompensatedSum sum;
  for (size_t i = 0; i < scores.size(); ++i) {
    if (std::isnan(scores[i])) return kNaN;
    // sklearn.metrics.log_loss step by step, so clipped values round as they do there: clip p to
    // [eps, 1 - eps], build the row [1 - p, p], renormalize it by its sum, take -log of the true
    // class's entry. (So a clipped negative costs -log(1 - (1 - 1e-15)) = -log(9.992e-16), not
    // -log(1e-15).)
    const double p = std::clamp(scores[i], kLogLossEps, 1.0 - kLogLossEps);
    const double q = 1.0 - p;
    const double row_sum = q + p;
    sum.Add(-std::log((labels[i] == 1 ? p : q) / row_sum));
  }
  return sum.Total() / static_cast<double>(scores.size());
}

ConfusionMatrix Confusion(std::span<const int> labels, std::span<const double> scores,
                          double threshold) {
  ConfusionMatrix matrix;
  if (labels.size() != scores.size()) return matrix;
  for (size_t i = 0; i < scores.size(); ++i) {
    // A NaN score fails the comparison, so it is predicted negative.
    const bool predicted = scores[i] >= threshold;
    if (labels[i] == 1) {
      ++(predicted ? matrix.true_positives : matrix.false_negatives);
    } else {
      ++(predicted ? matrix.false_positives : matrix.true_negatives);
    }
  }
  return matrix;
}

ThresholdMetrics MetricsAt(const ConfusionMatrix& matrix) {
  const auto ratio = [](int64_t numerator, int64_t denominator) {
    return denominator == 0 ? 0.0
                            : static_cast<double>(numerator) / static_cast<double>(denominator);
  };
  const int64_t tp = matrix.true_positives, fp = matrix.false_positives;
  const int64_t fn = matrix.false_negatives, tn = matrix.true_negatives;
  ThresholdMetrics metrics;
  // sklearn.metrics.accuracy_score (which would return NaN for no rows; we return 0).
  metrics.accuracy = ratio(tp + tn, tp + fp + fn + tn);
  // sklearn.metrics.precision_score / recall_score with zero_division's "warn" value, 0.
  metrics.precision = ratio(tp, tp + fp);
  metrics.recall = ratio(tp, tp + fn);
  // sklearn.metrics.f1_score as precision_recall_fscore_support computes it, from the rounded
  // precision and recall (2PR / (P + R), 0 when P + R == 0), so it matches to the last bit.
  const double denominator = metrics.precision + metrics.recall;
  metrics.f1 = denominator == 0.0 ? 0.0 : 2.0 * metrics.precision * metrics.recall / denominator;
  return metrics;
}

}  // namespace orchard
