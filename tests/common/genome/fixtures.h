#ifndef NASPRUNE_TESTS_COMMON_GENOME_FIXTURES_H_
#define NASPRUNE_TESTS_COMMON_GENOME_FIXTURES_H_

#include "nasprune/v1/genome.pb.h"
#include "tests/common/testing/text_proto.h"

namespace nasprune::genome::testing {

// stem 8 → one CONV stage of 16 → classifier. Hand-computed cost in
// cost_test.cc.
inline v1::Genome TinyGenome() {
  return nasprune::testing::ParseTextOrDie<v1::Genome>(R"pb(
    arch {
      stem { channels: 8 kernel: 3 activation: ACTIVATION_RELU }
      stages {
        channels: 16
        downsample: DOWNSAMPLE_NONE
        blocks { op: OPERATOR_CONV kernel: 3 activation: ACTIVATION_RELU }
      }
    }
  )pb");
}

// Every operator, SE, both downsamplings, residuals and a hidden head layer.
// Its channel groups are "stem", "stages[1].blocks[0].expanded",
// "stages[1].blocks[0]" and "head.hidden".
inline v1::Genome RichGenome() {
  return nasprune::testing::ParseTextOrDie<v1::Genome>(R"pb(
    arch {
      stem { channels: 16 kernel: 3 activation: ACTIVATION_RELU }
      stages {
        channels: 16
        downsample: DOWNSAMPLE_NONE
        blocks {
          op: OPERATOR_DEPTHWISE_SEPARABLE
          kernel: 3
          activation: ACTIVATION_RELU
          residual: true
        }
      }
      stages {
        channels: 32
        downsample: DOWNSAMPLE_STRIDE2
        blocks {
          op: OPERATOR_MBCONV
          kernel: 3
          expansion: 2
          activation: ACTIVATION_RELU6
          squeeze_excite: true
        }
        blocks {
          op: OPERATOR_MBCONV
          kernel: 5
          expansion: 1
          activation: ACTIVATION_HARD_SWISH
          residual: true
        }
      }
      stages {
        channels: 32
        downsample: DOWNSAMPLE_MAX_POOL
        blocks {
          op: OPERATOR_CONV
          kernel: 3
          activation: ACTIVATION_SILU
          squeeze_excite: true
          residual: true
        }
      }
      head { hidden_units: 64 activation: ACTIVATION_RELU dropout: 0.1 }
    }
  )pb");
}

// RichGenome with a pruning plan on every group and one fine-tuning epoch.
inline v1::Genome PrunedRichGenome() {
  v1::Genome genome = RichGenome();
  auto* pruning = genome.mutable_pruning();
  pruning->set_criterion(v1::IMPORTANCE_CRITERION_L1);
  pruning->set_finetune_epochs(1);
  (*pruning->mutable_keep_ratios())["stem"] = 0.5;
  (*pruning->mutable_keep_ratios())["stages[1].blocks[0].expanded"] = 0.5;
  (*pruning->mutable_keep_ratios())["stages[1].blocks[0]"] = 0.75;
  (*pruning->mutable_keep_ratios())["head.hidden"] = 0.25;
  return genome;
}

}  // namespace nasprune::genome::testing

#endif  // NASPRUNE_TESTS_COMMON_GENOME_FIXTURES_H_
