#ifndef NASPRUNE_COMMON_GENOME_SAMPLER_H_
#define NASPRUNE_COMMON_GENOME_SAMPLER_H_

// Random sampling, mutation and crossover of genomes inside a search scope.
// Every genome these return is canonical (hash.h) and passes
// ValidateGenomeInScope for the scope the sampler was made with; the
// property tests check this over tens of thousands of seeds.
//
// Randomness comes only from the Rng passed in, so the same seed gives the
// same genomes on every platform.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/genome/search_scope.h"
#include "common/random/rng.h"
#include "nasprune/v1/genome.pb.h"

namespace nasprune::genome {

// Thread-compatible: const methods may be called concurrently with distinct
// Rngs.
class GenomeSampler {
 public:
  struct Options {
    // The space, mode and (pruning-only) base architecture. The space must
    // cover every gene the mode searches; the base architecture must be
    // valid.
    SearchScope scope;
    // Attempts Mutate makes to find a genome different from its parent
    // before returning the parent unchanged (a space with one point).
    int max_mutation_attempts = 32;
  };

  // INVALID_ARGUMENT (field paths under "space" / "base_architecture") when
  // the scope is unusable.
  static absl::StatusOr<std::unique_ptr<GenomeSampler>> Create(Options options);

  // A genome drawn uniformly gene by gene: stage and block counts uniform in
  // their ranges, each choice uniform among its options, keep ratios uniform
  // on their grid (or interval).
  nasprune::v1::Genome Sample(Rng& rng) const;

  // `parent` with one gene changed (a different value where the gene has
  // one): a stem, stage, block or head gene, a stage or block added or
  // removed, or a pruning gene. Genes the change makes inapplicable are
  // repaired (a residual the new shapes forbid is dropped; a new channel
  // group gets a sampled keep ratio). `parent` must be inside the scope.
  nasprune::v1::Genome Mutate(const nasprune::v1::Genome& parent,
                              Rng& rng) const;

  // A child taking each stage (the stage count from one parent), the stem,
  // the head and every pruning gene from one parent or the other at random;
  // a keep ratio comes from a parent that has that group, or is sampled.
  nasprune::v1::Genome Crossover(const nasprune::v1::Genome& a,
                                 const nasprune::v1::Genome& b, Rng& rng) const;

  const SearchScope& scope() const { return options_.scope; }

 private:
  explicit GenomeSampler(Options options) : options_(std::move(options)) {}

  void SampleArchitecture(Rng& rng,
                          nasprune::v1::ArchitectureGenome* arch) const;
  void SampleStage(int index, Rng& rng, nasprune::v1::Stage* stage) const;
  void SampleBlock(Rng& rng, nasprune::v1::Block* block) const;
  void SamplePruning(const nasprune::v1::ArchitectureGenome& arch, Rng& rng,
                     nasprune::v1::PruningGenome* pruning) const;
  double SampleKeepRatio(Rng& rng) const;
  // Makes `genome` consistent after a structural change: residuals only where
  // allowed and as the space allows, keep ratios only for existing groups,
  // and sampled ratios for groups not in `known_groups`.
  void Repair(const std::vector<std::string>& known_groups, Rng& rng,
              nasprune::v1::Genome* genome) const;
  bool MutateArchitecture(Rng& rng, nasprune::v1::Genome* genome) const;
  bool MutatePruning(Rng& rng, nasprune::v1::Genome* genome) const;

  Options options_;
};

}  // namespace nasprune::genome

#endif  // NASPRUNE_COMMON_GENOME_SAMPLER_H_
