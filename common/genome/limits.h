#ifndef NASPRUNE_COMMON_GENOME_LIMITS_H_
#define NASPRUNE_COMMON_GENOME_LIMITS_H_

#include <array>

namespace nasprune::genome {

// Absolute limits every genome and search space obeys, whatever the job asks.
// They are documented field by field in proto/nasprune/v1/genome.proto.
inline constexpr int kMinStages = 1;
inline constexpr int kMaxStages = 6;
inline constexpr int kMinBlocks = 1;
inline constexpr int kMaxBlocks = 8;
inline constexpr int kMinChannels = 1;
inline constexpr int kMaxChannels = 1024;
inline constexpr std::array<int, 3> kKernels = {3, 5, 7};
inline constexpr int kMinExpansion = 1;
inline constexpr int kMaxExpansion = 8;
inline constexpr int kMaxHiddenUnits = 4096;
inline constexpr double kMaxDropout = 0.9;
inline constexpr int kMaxIterativeSteps = 10;
inline constexpr int kMaxFinetuneEpochs = 1000;
inline constexpr double kMaxDistillTemperature = 100.0;
inline constexpr double kDefaultDistillTemperature = 4.0;
// Squeeze-excite hidden width is max(1, channels / kSeReduction), from the
// unpruned channel count.
inline constexpr int kSeReduction = 4;

}  // namespace nasprune::genome

#endif  // NASPRUNE_COMMON_GENOME_LIMITS_H_
