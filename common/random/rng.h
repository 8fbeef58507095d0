#ifndef NASPRUNE_COMMON_RANDOM_RNG_H_
#define NASPRUNE_COMMON_RANDOM_RNG_H_

#include <array>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace nasprune {

// A seeded pseudo-random generator whose sequence is the same on every
// platform, compiler and standard library (xoshiro256** seeded through
// splitmix64, with its own integer and real distributions: the std::
// distributions are implementation-defined). Search strategies save and
// restore its state so that a restored strategy proposes exactly what the
// original would have.
//
// Not thread-safe.
class Rng {
 public:
  using State = std::array<uint64_t, 4>;

  explicit Rng(uint64_t seed);

  // The next raw 64-bit value.
  uint64_t Next();
  // Uniform in [0, n); n must be > 0. Unbiased (rejection sampling).
  uint64_t Uniform(uint64_t n);
  // Uniform in [lo, hi]; lo ≤ hi.
  int64_t UniformInt(int64_t lo, int64_t hi);
  // Uniform in [0, 1) with 53 random bits.
  double UniformDouble();
  // True with probability p.
  bool Bernoulli(double p);

  // A uniformly chosen element; `items` must be non-empty.
  template <typename T>
  const T& Pick(std::span<const T> items) {
    return items[Uniform(items.size())];
  }

  // Shuffles `items` in place (Fisher-Yates): the same order on every
  // platform for the same seed, unlike std::shuffle.
  template <typename T>
  void Shuffle(std::vector<T>& items) {
    for (size_t i = items.size(); i > 1; --i) {
      std::swap(items[i - 1], items[Uniform(i)]);
    }
  }

  State state() const { return state_; }
  void set_state(const State& state) { state_ = state; }

 private:
  State state_;
};

}  // namespace nasprune

#endif  // NASPRUNE_COMMON_RANDOM_RNG_H_
