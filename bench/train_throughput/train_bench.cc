// nasprune-train-bench: training throughput of the LibTorch engine on the
// benchmark network (bench_plan.h), one epoch over the training split of an
// IDX data set. Prints one JSON line. Builds in NASPRUNE_ENGINE_ONLY mode, so
// it has no flag library: arguments are parsed by hand.
//
//   nasprune-train-bench --data DIR [--threads N] [--epochs 1]
//       [--batch-size 128] [--device cpu|cuda] [--caching-allocator on|off]
//       [--channels-last on|off] [--op conv|ds|mbconv]
//
// --op swaps the network's convolutions for depthwise-separable or MBConv
// blocks of the same widths (bench_plan.h); the JSON line then carries the
// achieved GFLOP/s (6 × MACs × samples/s) to compare operators by.

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "bench/train_throughput/bench_plan.h"
#include "worker/data/dataset.h"
#include "worker/measure/measure.h"
#include "worker/memory/caching_allocator.h"
#include "worker/train/trainer.h"

int main(int argc, char** argv) {
  std::string data_dir, device = "cpu";
  bool caching = true, channels_last = true;
  std::string op = "conv";
  int threads = 2, epochs = 1;
  int64_t batch_size = 128;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--data") {
      data_dir = value;
    } else if (flag == "--threads") {
      threads = std::atoi(value.c_str());
    } else if (flag == "--epochs") {
      epochs = std::atoi(value.c_str());
    } else if (flag == "--batch-size") {
      batch_size = std::atoll(value.c_str());
    } else if (flag == "--device") {
      device = value;
    } else if (flag == "--caching-allocator") {
      caching = value != "off";
    } else if (flag == "--channels-last") {
      channels_last = value != "off";
    } else if (flag == "--op") {
      op = value;
    } else {
      std::cerr << "unknown flag " << flag << "\n";
      return 2;
    }
  }
  namespace genome = nasprune::genome;
  const genome::Operator kind = op == "ds"
                                    ? genome::Operator::kDepthwiseSeparable
                                : op == "mbconv" ? genome::Operator::kMbconv
                                                 : genome::Operator::kConv;
  if (data_dir.empty() || threads < 1 || epochs < 1 || batch_size < 1 ||
      (op != "conv" && op != "ds" && op != "mbconv")) {
    std::cerr << "usage: nasprune-train-bench --data DIR [--threads N] "
                 "[--epochs N] [--batch-size N] [--device cpu|cuda] "
                 "[--channels-last on|off] [--op conv|ds|mbconv]\n";
    return 2;
  }
  try {
    if (caching) nasprune::worker::InstallCachingCpuAllocator();
    at::set_num_threads(threads);
    nasprune::worker::DataOptions options;
    options.directory = data_dir;
    options.num_classes = 10;
    options.device = torch::Device(device);
    const auto data = nasprune::worker::LoadDatasets(options);
    torch::manual_seed(0);
    nasprune::worker::Network network(nasprune::bench::TwoConvPlan(
        data.height, data.width, data.num_classes, kind));
    const int64_t macs = nasprune::worker::MeasureCost(*network).macs;
    network->to(options.device);
    nasprune::worker::TrainOptions train;
    train.epochs = epochs;
    train.batch_size = batch_size;
    train.channels_last = channels_last;
    const auto result =
        nasprune::worker::Train(*network, data, train, nullptr, nullptr);
    std::printf(
        "{\"impl\": \"nasprune-engine\", \"samples\": %lld, \"seconds\": %.4f, "
        "\"samples_per_second\": %.1f, \"threads\": %d, \"device\": \"%s\", "
        "\"val_accuracy\": %.4f, \"caching_allocator\": %s, "
        "\"channels_last\": %s, \"op\": \"%s\", \"macs\": %lld, "
        "\"gflops_per_second\": %.2f}\n",
        static_cast<long long>(data.train.size()) * epochs,
        result.epochs.empty() ? 0.0 : result.epochs.back().seconds * epochs,
        result.samples_per_second, threads,
        nasprune::worker::DeviceName(options.device).c_str(),
        result.epochs.empty() ? 0.0 : result.epochs.back().val_accuracy,
        caching ? "true" : "false", channels_last ? "true" : "false",
        op.c_str(), static_cast<long long>(macs),
        6.0 * macs * result.samples_per_second / 1e9);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
