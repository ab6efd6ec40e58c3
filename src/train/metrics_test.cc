#include "train/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

namespace orchard {
namespace {

constexpr double kTolerance = 1e-12;

// --- AveragePrecision (sklearn.metrics.average_precision_score) ---

TEST(AveragePrecisionTest, HandComputed) {
  // Thresholds 0.9, 0.8, 0.7, 0.1 with 2 positives:
  //   0.9: tp 1 fp 0 -> P 1,   R 1/2   adds 1/2 * 1
  //   0.8: tp 1 fp 1 -> P 1/2, R 1/2   adds 0
  //   0.7: tp 2 fp 1 -> P 2/3, R 1     adds 1/2 * 2/3
  //   0.1: tp 2 fp 2 -> R 1            adds 0
  // AP = 1/2 + 1/3 = 5/6 (sklearn: 0.8333333333333333).
  const std::vector<int> labels = {1, 0, 1, 0};
  const std::vector<double> scores = {0.9, 0.8, 0.7, 0.1};
  EXPECT_NEAR(AveragePrecision(labels, scores), 5.0 / 6.0, kTolerance);
}

TEST(AveragePrecisionTest, TiesFormOneThreshold) {
  // Scores 0.8 x2 (one of each class), 0.5 x3 (2 positives, 1 negative), 0.2 (negative):
  //   0.8: tp 1 fp 1 -> P 1/2, R 1/3   adds 1/3 * 1/2 = 1/6
  //   0.5: tp 3 fp 2 -> P 3/5, R 1     adds 2/3 * 3/5 = 2/5
  //   0.2: tp 3 fp 3                   adds 0
  // AP = 1/6 + 2/5 = 17/30 (sklearn: 0.5666666666666667). Breaking the ties positives-first
  // would give a larger value, so this checks the grouping.
  const std::vector<int> labels = {1, 0, 1, 0, 1, 0};
  const std::vector<double> scores = {0.8, 0.8, 0.5, 0.5, 0.5, 0.2};
  EXPECT_NEAR(AveragePrecision(labels, scores), 17.0 / 30.0, kTolerance);
  // Row order must not matter, nor the order of the rows inside a tie.
  const std::vector<int> shuffled_labels = {0, 1, 0, 1, 0, 1};
  const std::vector<double> shuffled_scores = {0.5, 0.5, 0.2, 0.8, 0.8, 0.5};
  EXPECT_NEAR(AveragePrecision(shuffled_labels, shuffled_scores), 17.0 / 30.0, kTolerance);
}

TEST(AveragePrecisionTest, AllEqualScoresIsThePositiveRate) {
  // One threshold: P = 2/5, R = 1, so AP = 2/5 (sklearn: 0.4).
  const std::vector<int> labels = {1, 0, 0, 1, 0};
  const std::vector<double> scores(5, 0.3);
  EXPECT_NEAR(AveragePrecision(labels, scores), 0.4, kTolerance);
}

TEST(AveragePrecisionTest, PerfectAndInvertedRankings) {
  const std::vector<int> perfect_labels = {0, 1, 0, 1};
  const std::vector<double> perfect_scores = {0.2, 0.9, 0.1, 0.7};
  EXPECT_NEAR(AveragePrecision(perfect_labels, perfect_scores), 1.0, kTolerance);
  // Inverted: thresholds 0.9 and 0.8 add no recall; 0.2: tp 1 fp 2 -> P 1/3, R 1/2;
  // 0.1: tp 2 fp 2 -> P 1/2, R 1. AP = 1/2 * 1/3 + 1/2 * 1/2 = 5/12 (sklearn:
  // 0.41666666666666663).
  const std::vector<int> inverted_labels = {0, 0, 1, 1};
  const std::vector<double> inverted_scores = {0.9, 0.8, 0.2, 0.1};
  EXPECT_NEAR(AveragePrecision(inverted_labels, inverted_scores), 5.0 / 12.0, kTolerance);
}

TEST(AveragePrecisionTest, SingleClass) {
  // No positives: sklearn 1.2.1 warns and returns -0.0; we return NaN (see metrics.cc).
  const std::vector<int> negatives = {0, 0, 0};
  const std::vector<double> scores = {0.1, 0.5, 0.5};
  EXPECT_TRUE(std::isnan(AveragePrecision(negatives, scores)));
  // All positives: precision is 1 everywhere (sklearn: 1.0).
  const std::vector<int> positives = {1, 1, 1};
  EXPECT_NEAR(AveragePrecision(positives, scores), 1.0, kTolerance);
}

TEST(AveragePrecisionTest, DegenerateInputsAreNaN) {
  EXPECT_TRUE(std::isnan(AveragePrecision({}, {})));
  const std::vector<int> labels = {1, 0};
  const std::vector<double> one_score = {0.5};
  EXPECT_TRUE(std::isnan(AveragePrecision(labels, one_score)));
  const std::vector<double> nan_score = {0.5, std::nan("")};
  EXPECT_TRUE(std::isnan(AveragePrecision(labels, nan_score)));
}

// --- RocAuc (sklearn.metrics.roc_auc_score) ---

TEST(RocAucTest, HandComputed) {
  // Positives score 0.9, 0.7; negatives 0.8, 0.1. Of the 4 pairs, 0.9>0.8, 0.9>0.1, 0.7>0.1 are
  // ranked right and 0.7<0.8 wrong: AUC = 3/4 (sklearn: 0.75).
  const std::vector<int> labels = {1, 0, 1, 0};
  const std::vector<double> scores = {0.9, 0.8, 0.7, 0.1};
  EXPECT_NEAR(RocAuc(labels, scores), 0.75, kTolerance);
}

TEST(RocAucTest, TiesCountOneHalf) {
  // Positives {0.8, 0.5, 0.5}, negatives {0.8, 0.5, 0.2}.
  //   positive 0.8: vs 0.8 tie 1/2, vs 0.5 win, vs 0.2 win  -> 2.5
  //   each positive 0.5: vs 0.8 loss, vs 0.5 tie 1/2, vs 0.2 win -> 1.5, twice -> 3
  // AUC = 5.5 / 9 = 11/18 (sklearn: 0.6111111111111112).
  const std::vector<int> labels = {1, 0, 1, 0, 1, 0};
  const std::vector<double> scores = {0.8, 0.8, 0.5, 0.5, 0.5, 0.2};
  EXPECT_NEAR(RocAuc(labels, scores), 11.0 / 18.0, kTolerance);
}

TEST(RocAucTest, AllEqualScoresIsOneHalf) {
  const std::vector<int> labels = {1, 0, 0, 1, 0};
  const std::vector<double> scores(5, 0.3);
  EXPECT_NEAR(RocAuc(labels, scores), 0.5, kTolerance);
}

TEST(RocAucTest, PerfectAndInvertedRankings) {
  const std::vector<int> perfect_labels = {0, 1, 0, 1};
  const std::vector<double> perfect_scores = {0.2, 0.9, 0.1, 0.7};
  EXPECT_NEAR(RocAuc(perfect_labels, perfect_scores), 1.0, kTolerance);
  const std::vector<int> inverted_labels = {0, 0, 1, 1};
  const std::vector<double> inverted_scores = {0.9, 0.8, 0.2, 0.1};
  EXPECT_NEAR(RocAuc(inverted_labels, inverted_scores), 0.0, kTolerance);
}

TEST(RocAucTest, SingleClassIsNaN) {
  // sklearn raises "Only one class present in y_true".
  const std::vector<double> scores = {0.1, 0.5, 0.9};
  const std::vector<int> negatives = {0, 0, 0};
  const std::vector<int> positives = {1, 1, 1};
  EXPECT_TRUE(std::isnan(RocAuc(negatives, scores)));
  EXPECT_TRUE(std::isnan(RocAuc(positives, scores)));
  EXPECT_TRUE(std::isnan(RocAuc({}, {})));
}

TEST(RocAucTest, DegenerateInputsAreNaN) {
  const std::vector<int> labels = {1, 0};
  const std::vector<double> one_score = {0.5};
  EXPECT_TRUE(std::isnan(RocAuc(labels, one_score)));
  const std::vector<double> nan_score = {std::nan(""), 0.5};
  EXPECT_TRUE(std::isnan(RocAuc(labels, nan_score)));
}

// --- LogLoss (sklearn.metrics.log_loss, eps = 1e-15) ---

TEST(LogLossTest, HandComputed) {
  // -(ln 0.8 + ln (1 - 0.4)) / 2 (sklearn: 0.3669845875401002).
  const std::vector<int> labels = {1, 0};
  const std::vector<double> scores = {0.8, 0.4};
  EXPECT_NEAR(LogLoss(labels, scores), -(std::log(0.8) + std::log(0.6)) / 2, kTolerance);
  EXPECT_NEAR(LogLoss(labels, scores), 0.3669845875401002, kTolerance);
}

TEST(LogLossTest, ClipsAtZeroAndOne) {
  // Confidently wrong: the positive's 0 is clipped to 1e-15 (-ln 1e-15 = 34.538776...), the
  // negative's 1 to 1 - 1e-15, whose complement rounds to 9.992e-16 (-ln = 34.539576...).
  // sklearn.metrics.log_loss([1, 0], [0.0, 1.0], eps=1e-15) = 34.53917619362578.
  const std::vector<int> labels = {1, 0};
  const std::vector<double> wrong = {0.0, 1.0};
  EXPECT_NEAR(LogLoss(labels, wrong), 34.53917619362578, kTolerance);
  EXPECT_TRUE(std::isfinite(LogLoss(labels, wrong)));
  // Confidently right: tiny but not 0 (sklearn: 9.992007221626415e-16).
  const std::vector<double> right = {1.0, 0.0};
  EXPECT_NEAR(LogLoss(labels, right), 9.992007221626415e-16, 1e-20);
  // Scores beyond [0, 1] clip the same way.
  const std::vector<double> beyond = {-3.0, 7.0};
  EXPECT_NEAR(LogLoss(labels, beyond), 34.53917619362578, kTolerance);
}

TEST(LogLossTest, SingleClassAndDegenerateInputs) {
  // sklearn raises for one class in y_true; with p = P(label 1) it is well defined: -ln 0.5.
  const std::vector<int> positives = {1, 1};
  const std::vector<double> halves = {0.5, 0.5};
  EXPECT_NEAR(LogLoss(positives, halves), std::log(2.0), kTolerance);
  EXPECT_TRUE(std::isnan(LogLoss({}, {})));
  const std::vector<double> one_score = {0.5};
  EXPECT_TRUE(std::isnan(LogLoss(positives, one_score)));
  const std::vector<double> nan_score = {0.5, std::nan("")};
  EXPECT_TRUE(std::isnan(LogLoss(positives, nan_score)));
}

// --- Confusion and MetricsAt ---

TEST(ConfusionTest, CountsWithScoreAtThresholdPredictedPositive) {
  const std::vector<int> labels = {1, 1, 1, 0, 0, 0, 0};
  const std::vector<double> scores = {0.9, 0.5, 0.2, 0.5, 0.7, 0.1, 0.49};
  // Predicted positive (>= 0.5): rows 0, 1, 3, 4. tp = rows 0, 1; fn = row 2; fp = rows 3, 4;
  // tn = rows 5, 6.
  const ConfusionMatrix at_half = Confusion(labels, scores);
  EXPECT_EQ(at_half.true_positives, 2);
  EXPECT_EQ(at_half.false_negatives, 1);
  EXPECT_EQ(at_half.false_positives, 2);
  EXPECT_EQ(at_half.true_negatives, 2);
  // Threshold 0.8: only row 0 predicted positive.
  const ConfusionMatrix at_high = Confusion(labels, scores, 0.8);
  EXPECT_EQ(at_high.true_positives, 1);
  EXPECT_EQ(at_high.false_negatives, 2);
  EXPECT_EQ(at_high.false_positives, 0);
  EXPECT_EQ(at_high.true_negatives, 4);
}

TEST(ConfusionTest, MismatchedLengthsGiveAnEmptyMatrix) {
  const std::vector<int> labels = {1, 0};
  const std::vector<double> scores = {0.9};
  const ConfusionMatrix matrix = Confusion(labels, scores);
  EXPECT_EQ(matrix.true_positives + matrix.false_positives + matrix.false_negatives +
                matrix.true_negatives,
            0);
}

TEST(MetricsAtTest, HandComputed) {
  // tp 2, fp 2, fn 1, tn 2: accuracy 4/7, precision 2/4, recall 2/3,
  // F1 = 2 * 1/2 * 2/3 / (1/2 + 2/3) = (2/3) / (7/6) = 4/7.
  ConfusionMatrix matrix;
  matrix.true_positives = 2;
  matrix.false_positives = 2;
  matrix.false_negatives = 1;
  matrix.true_negatives = 2;
  const ThresholdMetrics metrics = MetricsAt(matrix);
  EXPECT_NEAR(metrics.accuracy, 4.0 / 7.0, kTolerance);
  EXPECT_NEAR(metrics.precision, 0.5, kTolerance);
  EXPECT_NEAR(metrics.recall, 2.0 / 3.0, kTolerance);
  EXPECT_NEAR(metrics.f1, 4.0 / 7.0, kTolerance);
}

TEST(MetricsAtTest, ZeroDivisionGivesZero) {
  // Nothing at all: every denominator is 0.
  const ThresholdMetrics empty = MetricsAt(ConfusionMatrix{});
  EXPECT_EQ(empty.accuracy, 0.0);
  EXPECT_EQ(empty.precision, 0.0);
  EXPECT_EQ(empty.recall, 0.0);
  EXPECT_EQ(empty.f1, 0.0);
  // All negative, all predicted negative (sklearn precision_recall_fscore_support with
  // zero_division=0 gives (0, 0, 0)); accuracy is 1.
  ConfusionMatrix negatives;
  negatives.true_negatives = 5;
  const ThresholdMetrics all_negative = MetricsAt(negatives);
  EXPECT_EQ(all_negative.accuracy, 1.0);
  EXPECT_EQ(all_negative.precision, 0.0);
  EXPECT_EQ(all_negative.recall, 0.0);
  EXPECT_EQ(all_negative.f1, 0.0);
  // No predicted positives but some positives: precision 0 (undefined), recall 0/3, F1 0.
  ConfusionMatrix none_predicted;
  none_predicted.false_negatives = 3;
  none_predicted.true_negatives = 1;
  const ThresholdMetrics missed = MetricsAt(none_predicted);
  EXPECT_NEAR(missed.accuracy, 0.25, kTolerance);
  EXPECT_EQ(missed.precision, 0.0);
  EXPECT_EQ(missed.recall, 0.0);
  EXPECT_EQ(missed.f1, 0.0);
  // Predicted positives but no positives: precision 0/2, recall 0 (undefined), F1 0.
  ConfusionMatrix false_alarms;
  false_alarms.false_positives = 2;
  const ThresholdMetrics alarms = MetricsAt(false_alarms);
  EXPECT_EQ(alarms.accuracy, 0.0);
  EXPECT_EQ(alarms.precision, 0.0);
  EXPECT_EQ(alarms.recall, 0.0);
  EXPECT_EQ(alarms.f1, 0.0);
}

// --- Against scikit-learn 1.2.1 on generated data ---
// The same integer formulas in Python produced the expected values:
//   A: k = (i * 7919) % 101, score = k / 100.0, label = 2 * ((i * 104729 + 13) % 100) < k + 20,
//      n = 1000 (101 distinct scores, so many ties; includes 0.0 and 1.0, so log loss clips).
//   B: k = (i * 7919) % 10007, score = k / 10007.0, label = (i * 104729) % 10007 + k > 11000,
//      n = 67000.
// Each expected value is sklearn's repr(), e.g. average_precision_score(y, s),
// roc_auc_score(y, s), log_loss(y, s, eps=1e-15), and f1_score(y, s >= 0.5).

struct Generated {
  std::vector<int> labels;
  std::vector<double> scores;
};

Generated CaseA() {
  Generated data;
  for (int64_t i = 0; i < 1000; ++i) {
    const int64_t k = (i * 7919) % 101;
    data.scores.push_back(static_cast<double>(k) / 100.0);
    data.labels.push_back(2 * ((i * 104729 + 13) % 100) < k + 20 ? 1 : 0);
  }
  return data;
}

Generated CaseB() {
  Generated data;
  for (int64_t i = 0; i < 67000; ++i) {
    const int64_t k = (i * 7919) % 10007;
    data.scores.push_back(static_cast<double>(k) / 10007.0);
    data.labels.push_back((i * 104729) % 10007 + k > 11000 ? 1 : 0);
  }
  return data;
}

TEST(SklearnReferenceTest, CaseAManyTies) {
  const Generated data = CaseA();
  EXPECT_NEAR(AveragePrecision(data.labels, data.scores), 0.5135609822355134, kTolerance);
  EXPECT_NEAR(RocAuc(data.labels, data.scores), 0.6797338439528231, kTolerance);
  EXPECT_NEAR(LogLoss(data.labels, data.scores), 0.8990209472824561, kTolerance);
  const ConfusionMatrix matrix = Confusion(data.labels, data.scores);
  EXPECT_EQ(matrix.true_negatives, 376);
  EXPECT_EQ(matrix.false_positives, 268);
  EXPECT_EQ(matrix.false_negatives, 120);
  EXPECT_EQ(matrix.true_positives, 236);
  const ThresholdMetrics metrics = MetricsAt(matrix);
  EXPECT_NEAR(metrics.accuracy, 0.612, kTolerance);
  EXPECT_NEAR(metrics.precision, 0.46825396825396826, kTolerance);
  EXPECT_NEAR(metrics.recall, 0.6629213483146067, kTolerance);
  EXPECT_NEAR(metrics.f1, 0.5488372093023256, kTolerance);
}

TEST(SklearnReferenceTest, CaseBLarge) {
  const Generated data = CaseB();
  EXPECT_NEAR(AveragePrecision(data.labels, data.scores), 0.7541995281152779, kTolerance);
  EXPECT_NEAR(RocAuc(data.labels, data.scores), 0.8363385613273803, kTolerance);
  EXPECT_NEAR(LogLoss(data.labels, data.scores), 0.5170116048368174, kTolerance);
  const ConfusionMatrix matrix = Confusion(data.labels, data.scores);
  EXPECT_EQ(matrix.true_negatives, 28128);
  EXPECT_EQ(matrix.false_positives, 11663);
  EXPECT_EQ(matrix.false_negatives, 5376);
  EXPECT_EQ(matrix.true_positives, 21833);
  const ThresholdMetrics metrics = MetricsAt(matrix);
  EXPECT_NEAR(metrics.accuracy, 0.7456865671641791, kTolerance);
  EXPECT_NEAR(metrics.precision, 0.6518091712443277, kTolerance);
  EXPECT_NEAR(metrics.recall, 0.8024183174684847, kTolerance);
  EXPECT_NEAR(metrics.f1, 0.7193147187216868, kTolerance);
}

}  // namespace
}  // namespace orchard
