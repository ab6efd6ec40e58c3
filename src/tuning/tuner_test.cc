// The constant liar: what TPE is shown while trials are in flight.
#include "tuning/tuner.h"

#include <gtest/gtest.h>

namespace orchard {
namespace {

TEST(ConstantLiarTest, TrialsInFlightCountAsTheWorstSeen) {
  const Assignment a = {{"x", "0.1"}}, b = {{"x", "0.9"}}, running = {{"x", "0.5"}};
  const std::vector<Observation> history = {{a, 0.7}, {b, 0.2}};
  std::vector<Observation> seen = WithConstantLiar(history, {&running});
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[2].params, running);
  EXPECT_EQ(seen[2].objective, 0.2);  // the worst finished trial's (higher is better)
  // Finished trials are shown as they are.
  EXPECT_EQ(seen[0].objective, 0.7);
  EXPECT_EQ(seen[1].objective, 0.2);
}

TEST(ConstantLiarTest, NothingIsInventedBeforeATrialHasFinished) {
  const Assignment running = {{"x", "0.5"}};
  EXPECT_TRUE(WithConstantLiar({}, {&running}).empty());
}

}  // namespace
}  // namespace orchard
