#ifndef NASPRUNE_COMMON_GENOME_HASH_H_
#define NASPRUNE_COMMON_GENOME_HASH_H_

// The canonical form of a genome and its stable hash.
//
// Canonical form: the genome with every representation choice that does not
// change the network or the plan made one way:
//   - expansion cleared for operators other than MBConv;
//   - the head's activation cleared when it has no hidden layer;
//   - real-valued genes rounded to multiples of 1e-6 (kRealTolerance), so
//     0.4 and 0.1 + 0.3 are the same gene;
//   - keep ratios of 1 dropped (an unlisted group keeps every channel);
//   - when nothing is pruned: criterion and iterative_steps cleared;
//     otherwise iterative_steps 0 becomes 1;
//   - distill_temperature cleared without distillation, and 0 becomes the
//     default 4 with it.
// Field order, map insertion order and how the genome was built never matter
// (CanonicalText). The hash is the first 128 bits of SHA-256 over the
// canonical text, in hex: the same on every machine, process and run.

#include <string>

#include "nasprune/v1/genome.pb.h"

namespace nasprune::genome {

nasprune::v1::ArchitectureGenome CanonicalArchitecture(
    const nasprune::v1::ArchitectureGenome& arch);
nasprune::v1::PruningGenome CanonicalPruning(
    const nasprune::v1::PruningGenome& pruning);
nasprune::v1::Genome CanonicalGenome(const nasprune::v1::Genome& genome);

// 32 lower-case hex digits identifying the canonical genome.
std::string GenomeHash(const nasprune::v1::Genome& genome);

// 32 hex digits identifying the canonical architecture alone: the key of a
// trained, unpruned parent (with the recipe and data set).
std::string ArchitectureHash(const nasprune::v1::ArchitectureGenome& arch);

// Rounds a real gene to the canonical quantum (1e-6); -0 becomes 0.
double CanonicalReal(double value);

}  // namespace nasprune::genome

#endif  // NASPRUNE_COMMON_GENOME_HASH_H_
