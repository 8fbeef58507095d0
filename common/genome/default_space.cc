#include "common/genome/default_space.h"

#include <initializer_list>

namespace nasprune::genome {
namespace {

template <typename Field, typename T>
void Fill(Field* field, std::initializer_list<T> values) {
  for (T v : values) field->Add(v);
}

}  // namespace

v1::SearchSpace DefaultSearchSpace(const InputSpec& input) {
  v1::SearchSpace space;
  const bool rgb = input.channels >= 3;
  Fill(space.mutable_stem_channels(), {8, 12, 16, 24});
  Fill(space.mutable_stem_kernels(), {3});
  space.set_min_stages(2);
  space.set_max_stages(4);
  struct StageChoices {
    std::initializer_list<int> gray;
    std::initializer_list<int> rgb;
    std::initializer_list<int> downsample;
    int max_blocks;
  };
  const StageChoices stages[] = {
      {{8, 16, 24, 32}, {16, 24, 32, 48}, {v1::DOWNSAMPLE_NONE}, 2},
      {{16, 24, 32, 48},
       {32, 48, 64},
       {v1::DOWNSAMPLE_STRIDE2, v1::DOWNSAMPLE_MAX_POOL},
       3},
      {{32, 48, 64},
       {64, 96, 128},
       {v1::DOWNSAMPLE_STRIDE2, v1::DOWNSAMPLE_MAX_POOL},
       3},
      {{48, 64, 96},
       {96, 128, 192},
       {v1::DOWNSAMPLE_NONE, v1::DOWNSAMPLE_STRIDE2},
       2},
  };
  for (const StageChoices& choices : stages) {
    v1::StageSpace* stage = space.add_stages();
    Fill(stage->mutable_channels(), rgb ? choices.rgb : choices.gray);
    Fill(stage->mutable_downsample(), choices.downsample);
    stage->set_min_blocks(1);
    stage->set_max_blocks(choices.max_blocks);
  }
  Fill(space.mutable_operators(),
       {v1::OPERATOR_CONV, v1::OPERATOR_DEPTHWISE_SEPARABLE,
        v1::OPERATOR_MBCONV});
  Fill(space.mutable_kernels(), {3, 5});
  Fill(space.mutable_expansions(), {2, 3, 4, 6});
  Fill(space.mutable_activations(),
       {v1::ACTIVATION_RELU, v1::ACTIVATION_RELU6, v1::ACTIVATION_HARD_SWISH,
        v1::ACTIVATION_SILU});
  Fill(space.mutable_squeeze_excite(), {false, true});
  Fill(space.mutable_residual(), {false, true});
  Fill(space.mutable_head_hidden_units(), {0, 64, 128});
  Fill(space.mutable_head_dropout(), {0.0, 0.1, 0.2});

  v1::PruningSpace* pruning = space.mutable_pruning();
  Fill(pruning->mutable_criteria(),
       {v1::IMPORTANCE_CRITERION_L1, v1::IMPORTANCE_CRITERION_L2,
        v1::IMPORTANCE_CRITERION_BN_SCALE, v1::IMPORTANCE_CRITERION_TAYLOR});
  pruning->mutable_keep_ratio()->set_min(0.25);
  pruning->mutable_keep_ratio()->set_max(1.0);
  pruning->mutable_keep_ratio()->set_step(0.125);
  Fill(pruning->mutable_iterative_steps(), {1, 2, 3});
  Fill(pruning->mutable_finetune_epochs(), {1, 2, 3});
  Fill(pruning->mutable_distill_weights(), {0.0, 0.5});
  Fill(pruning->mutable_distill_temperatures(), {4.0});
  Fill(pruning->mutable_low_rank_ratios(), {0.0});
  Fill(pruning->mutable_quantize_int8(), {false});
  return space;
}

}  // namespace nasprune::genome
