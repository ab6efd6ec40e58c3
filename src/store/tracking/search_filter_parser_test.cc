#include "store/tracking/search_filter_parser.h"

#include <gtest/gtest.h>

#include <random>

#include "support/status_matchers.h"

namespace orchard {
namespace {

TEST(SearchFilterParser, ParsesTheTutorialFilter) {
  ASSERT_OK_AND_ASSIGN(Filter filter, ParseSearchFilter("tags.mlflow.parentRunId = 'abc123'"));
  ASSERT_EQ(filter.clauses.size(), 1u);
  EXPECT_EQ(filter.clauses[0].entity, FilterEntity::kTag);
  EXPECT_EQ(filter.clauses[0].key, "mlflow.parentRunId");
  EXPECT_EQ(filter.clauses[0].op, Comparator::kEq);
  EXPECT_EQ(std::get<std::string>(filter.clauses[0].value), "abc123");
}

TEST(SearchFilterParser, ParsesClausesOfEveryKind) {
  ASSERT_OK_AND_ASSIGN(
      Filter filter, ParseSearchFilter("metrics.acc >= 0.9 and params.\"model type\" != \"rf\" AND "
                                       "attributes.run_id IN ('a', 'b') AND status LIKE 'FIN%' AND "
                                       "metrics.`test PR AUC` < -1e-3 AND run_id NOT IN ('c')"));
  ASSERT_EQ(filter.clauses.size(), 6u);
  EXPECT_EQ(filter.clauses[0].entity, FilterEntity::kMetric);
  EXPECT_DOUBLE_EQ(std::get<double>(filter.clauses[0].value), 0.9);
  EXPECT_EQ(filter.clauses[1].key, "model type");
  EXPECT_EQ(filter.clauses[1].op, Comparator::kNe);
  EXPECT_EQ(std::get<std::vector<std::string>>(filter.clauses[2].value),
            (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(filter.clauses[3].entity, FilterEntity::kAttribute);
  EXPECT_EQ(filter.clauses[3].op, Comparator::kLike);
  EXPECT_EQ(filter.clauses[4].key, "test PR AUC");
  EXPECT_DOUBLE_EQ(std::get<double>(filter.clauses[4].value), -1e-3);
  EXPECT_EQ(filter.clauses[5].op, Comparator::kNotIn);
}

TEST(SearchFilterParser, OrAndParenthesesWithAndBindingTighter) {
  // a OR b AND c  ==  a OR (b AND c)
  ASSERT_OK_AND_ASSIGN(Filter filter,
                       ParseSearchFilter("params.a = '1' or params.b = '2' AND params.c = '3'"));
  ASSERT_EQ(filter.clauses.size(), 1u);
  ASSERT_EQ(filter.clauses[0].any_of.size(), 2u);
  EXPECT_EQ(filter.clauses[0].any_of[0].clauses.size(), 1u);
  EXPECT_EQ(filter.clauses[0].any_of[1].clauses.size(), 2u);
  // (a OR b) AND c
  ASSERT_OK_AND_ASSIGN(Filter grouped,
                       ParseSearchFilter("(params.a = '1' OR params.b = '2') AND params.c = '3'"));
  ASSERT_EQ(grouped.clauses.size(), 2u);
  EXPECT_EQ(grouped.clauses[0].any_of.size(), 2u);
  EXPECT_EQ(grouped.clauses[1].key, "c");
  // Parentheses without OR just group; the text formats back to an equivalent filter.
  ASSERT_OK_AND_ASSIGN(Filter plain, ParseSearchFilter("((metrics.x > 1)) AND tags.t = 'v'"));
  EXPECT_EQ(plain.clauses.size(), 2u);
  ASSERT_OK_AND_ASSIGN(Filter again, ParseSearchFilter(FormatSearchFilter(grouped)));
  EXPECT_EQ(FormatSearchFilter(again), FormatSearchFilter(grouped));
  EXPECT_EQ(again.CountComparisons(), 3u);
}

TEST(SearchFilterParser, NumbersWithExponentsRoundTrip) {
  for (const char* text : {"attributes.start_time > 1700000000000", "metrics.x > 1e+5",
                           "metrics.x <= -2.5E-3", "metrics.x = +4"}) {
    ASSERT_OK_AND_ASSIGN(Filter filter, ParseSearchFilter(text));
    ASSERT_OK_AND_ASSIGN(Filter again, ParseSearchFilter(FormatSearchFilter(filter)));
    EXPECT_EQ(std::get<double>(again.clauses[0].value), std::get<double>(filter.clauses[0].value))
        << text << " -> " << FormatSearchFilter(filter);
  }
  ASSERT_OK_AND_ASSIGN(Filter big, ParseSearchFilter("attributes.start_time > 1700000000000"));
  EXPECT_EQ(std::get<double>(big.clauses[0].value), 1700000000000.0);
}

TEST(SearchFilterParser, EmptyFilterMatchesEverything) {
  ASSERT_OK_AND_ASSIGN(Filter filter, ParseSearchFilter("   "));
  EXPECT_TRUE(filter.empty());
}

TEST(SearchFilterParser, ErrorsPointAtTheToken) {
  struct Case {
    const char* text;
    const char* expected;
  };
  for (const Case& c :
       {Case{"metrics.x >>> 1", "invalid comparator '>>>'"},
        Case{"metrics.x > ", "expected a number"}, Case{"foo.x = 1", "unknown entity 'foo'"},
        Case{"tags.a = 'unterminated", "unterminated"},
        Case{"metrics.a > 1 XOR metrics.b > 2", "expected AND or OR, got 'XOR'"},
        Case{"(metrics.a > 1", "expected ')'"}, Case{"metrics.a > 1)", "unbalanced ')'"},
        Case{"metrics.a > 1 OR", "expected an identifier"},
        Case{"run_id IN 'a'", "parenthesised list"}}) {
    StatusOr<Filter> filter = ParseSearchFilter(c.text);
    ASSERT_FALSE(filter.ok()) << c.text;
    EXPECT_EQ(filter.status().code(), ErrorCode::kInvalidParameterValue);
    EXPECT_NE(filter.status().message().find(c.expected), std::string::npos)
        << c.text << " -> " << filter.status().message();
  }
}

TEST(SearchFilterParser, OrderBy) {
  ASSERT_OK_AND_ASSIGN(OrderBy desc, ParseOrderBy("metrics.test_PR_AUC DESC"));
  EXPECT_EQ(desc.entity, FilterEntity::kMetric);
  EXPECT_EQ(desc.key, "test_PR_AUC");
  EXPECT_FALSE(desc.ascending);
  ASSERT_OK_AND_ASSIGN(OrderBy plain, ParseOrderBy("start_time"));
  EXPECT_EQ(plain.entity, FilterEntity::kAttribute);
  EXPECT_TRUE(plain.ascending);
  EXPECT_CODE(ParseOrderBy("metrics.a sideways"), kInvalidParameterValue);
}

}  // namespace
}  // namespace orchard

namespace orchard {
namespace {

// Random token soup (fixed seed): the parser never crashes, fails only with
// INVALID_PARAMETER_VALUE, and whatever it accepts formats back to text that parses to the same.
TEST(SearchFilterParser, RandomInputNeverCrashesAndRoundTrips) {
  const std::vector<std::string> pieces = {
      "metrics.", "params.", "tags.", "attributes.", "datasets.", "run_name", "status", "acc",
      "`odd key`", "\"dq\"", "=", "!=", "<", ">=", "LIKE", "ILIKE", "IN", "NOT", "AND", "OR", "(",
      ")", "'v'", "'it''s'", "0.5", "-1e3", "('a', 'b')", ",", " ", "\\", "'", "`", "x",
      // Whole clauses, so that joins of them form valid filters too.
      "metrics.acc > 0.5", "tags.t = 'v'", "params.`p q` LIKE 'x%'", "run_id IN ('a')", "AND", "OR",
      "(", ")"};
  std::mt19937 rng(1234);
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    int length = 1 + static_cast<int>(rng() % 12);
    for (int k = 0; k < length; ++k) text += pieces[rng() % pieces.size()] + (rng() % 2 ? " " : "");
    StatusOr<Filter> filter = ParseSearchFilter(text);
    if (!filter.ok()) {
      EXPECT_EQ(filter.status().code(), ErrorCode::kInvalidParameterValue) << text;
      continue;
    }
    ++accepted;
    std::string formatted = FormatSearchFilter(*filter);
    StatusOr<Filter> again = ParseSearchFilter(formatted);
    ASSERT_TRUE(again.ok()) << text << " -> " << formatted << ": " << again.status().ToString();
    EXPECT_EQ(FormatSearchFilter(*again), formatted) << text;
  }
  EXPECT_GT(accepted, 200);  // the soup does produce valid filters (269 with this seed)
}

}  // namespace
}  // namespace orchard
