#ifndef NASPRUNE_COMMON_GENOME_DEFAULT_SPACE_H_
#define NASPRUNE_COMMON_GENOME_DEFAULT_SPACE_H_

#include "common/genome/network_plan.h"
#include "nasprune/v1/search_space.pb.h"

namespace nasprune::genome {

// The space a job gets when its spec gives none, sized for small images
// (28×28 grayscale such as Fashion-MNIST, 32×32 RGB such as CIFAR-10): a stem
// of 8–24 channels, 2–4 stages widening from 8–32 to 48–128 channels with 1–3
// blocks each, every operator, kernels 3 and 5, MBConv expansions 2–6, the
// four activations, optional SE and residuals, an optional hidden head layer;
// pruning with the four criteria (random is for benchmarks), keep ratios
// 0.25–1 in steps of 0.125, one to three iterative steps, 1–3 fine-tuning
// epochs and optional distillation. RGB inputs get wider stage choices.
// docs/job-spec.md prints it in full.
nasprune::v1::SearchSpace DefaultSearchSpace(const InputSpec& input);

}  // namespace nasprune::genome

#endif  // NASPRUNE_COMMON_GENOME_DEFAULT_SPACE_H_
