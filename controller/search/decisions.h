#ifndef NASPRUNE_CONTROLLER_SEARCH_DECISIONS_H_
#define NASPRUNE_CONTROLLER_SEARCH_DECISIONS_H_

// A job's genome as a fixed sequence of categorical decisions, for policies
// that emit one action per decision (REINFORCE, Zoph & Le 2017).
//
// The sequence covers the largest genome the scope allows, in network
// order: the stem (channels, kernel, activation), the stage count, then for
// every possible stage its channels, downsampling, block count and for every
// possible block its operator, kernel, expansion, activation, SE and
// residual; the head (hidden units, dropout, activation); then the pruning
// genes (criterion, the keep ratio of every possible channel group, or one
// ratio when the space asks for a uniform one, iterative steps, fine-tuning
// epochs, distillation weight and temperature, low-rank ratio, int8). Genes
// the mode does not search, and genes with a single option, have no
// decision. Keep ratios take the space's grid, or 9 evenly spaced levels
// when the range has no step.
//
// Decoding reads the actions a genome needs and ignores the rest (the
// blocks of stages beyond the chosen count, the expansion of a non-MBConv
// block, a residual its shapes forbid, ...); Used() says which were read,
// so a policy gradient counts only those.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/genome/search_scope.h"
#include "nasprune/v1/genome.pb.h"

namespace nasprune::controller {

struct Decision {
  std::string name;  // The gene, e.g. "stages[1].blocks[0].kernel".
  int choices = 0;   // ≥ 2.
};

class DecisionSpace {
 public:
  // INVALID_ARGUMENT (field paths under "space" / "base_architecture") when
  // the scope is unusable.
  static absl::StatusOr<DecisionSpace> Create(genome::SearchScope scope);

  const std::vector<Decision>& decisions() const { return decisions_; }

  // The canonical genome `actions` describe; actions[i] must be in
  // [0, decisions()[i].choices). The genome is inside the scope.
  v1::Genome Decode(const std::vector<int>& actions) const;

  // Which of the decisions Decode(actions) reads.
  std::vector<bool> Used(const std::vector<int>& actions) const;

 private:
  class Walk;
  explicit DecisionSpace(genome::SearchScope scope);

  genome::SearchScope scope_;
  std::vector<Decision> decisions_;
};

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_SEARCH_DECISIONS_H_
