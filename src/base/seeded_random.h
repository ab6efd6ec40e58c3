// SeededRandom: reproducible random draws. std::mt19937_64's output sequence is fixed by the
// standard; the transforms here are ours (not <random>'s distributions, whose algorithms differ
// between standard libraries), so a seed means the same draws everywhere. Not thread-safe.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>

namespace orchard {

class SeededRandom {
 public:
  explicit SeededRandom(uint64_t seed) : engine_(seed) {}

  // Uniform in [0, 1), from the top 53 bits.
  double Uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

  // Standard normal by Box-Muller; each call uses two draws (no cached second value, so the
  // stream position does not depend on how many normals came before).
  double Normal() {
    double u1 = 1.0 - Uniform();  // (0, 1]: log(0) is avoided
    double u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }

  // Uniform in 0..n-1 for n >= 1, without modulo bias: draws below 2^64 mod n are rejected.
  uint64_t Below(uint64_t n) {
    uint64_t threshold = (0 - n) % n;
    while (true) {
      uint64_t x = engine_();
      if (x >= threshold) return x % n;
    }
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace orchard
