// A synthetic stand-in for the Kaggle loan-default data the tutorial trains on
// (hemanthsai7/loandefault, train.csv): the same 35 columns, names, types and rough value
// ranges, about 9% defaults, and a weak but real signal (a good model reaches a test PR AUC of
// roughly 0.12-0.16, as on the real data). It is synthetic: no row describes a real loan.
// Deterministic for a seed. Thread-safe.
#pragma once

#include <cstdint>

#include "data/frame.h"

namespace orchard {

Frame MakeLoanFrame(size_t rows, uint64_t seed);

}  // namespace orchard
