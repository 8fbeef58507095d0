#include "worker/prune/parent_store.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

namespace nasprune::worker {
namespace {

namespace fs = std::filesystem;

bool SafeKey(const std::string& key) {
  if (key.empty() || key.size() > 200) return false;
  for (char c : key) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
      return false;
    }
  }
  return true;
}

// A file-name suffix no other writer uses at the same time: this process
// and a count of its writes.
std::string TempSuffix() {
  static std::atomic<uint64_t> writes{0};
  return ".tmp." + std::to_string(::getpid()) + "." +
         std::to_string(writes.fetch_add(1));
}

}  // namespace

int64_t TrainedParent::bytes() const {
  int64_t total = 0;
  for (const auto& [name, tensor] : state) {
    total += static_cast<int64_t>(tensor.numel() * tensor.element_size());
  }
  return total;
}

std::vector<std::pair<std::string, torch::Tensor>> CaptureState(
    NetworkImpl& network) {
  torch::NoGradGuard no_grad;
  std::vector<std::pair<std::string, torch::Tensor>> state;
  for (const auto& item : network.named_parameters()) {
    state.emplace_back(item.key(),
                       item.value().detach().to(torch::kCPU).clone());
  }
  for (const auto& item : network.named_buffers()) {
    state.emplace_back(item.key(),
                       item.value().detach().to(torch::kCPU).clone());
  }
  return state;
}

void RestoreState(
    const std::vector<std::pair<std::string, torch::Tensor>>& state,
    NetworkImpl& network) {
  torch::NoGradGuard no_grad;
  std::unordered_map<std::string, torch::Tensor> targets;
  for (const auto& item : network.named_parameters()) {
    targets[item.key()] = item.value();
  }
  for (const auto& item : network.named_buffers()) {
    targets[item.key()] = item.value();
  }
  if (targets.size() != state.size()) {
    throw std::invalid_argument(
        "stored parent has " + std::to_string(state.size()) +
        " tensors; the network has " + std::to_string(targets.size()));
  }
  for (const auto& [name, tensor] : state) {
    auto it = targets.find(name);
    if (it == targets.end() || it->second.sizes() != tensor.sizes()) {
      throw std::invalid_argument("stored parent tensor " + name +
                                  " does not fit the network");
    }
    it->second.copy_(tensor);
  }
}

ParentStore::ParentStore(Options options) : options_(std::move(options)) {}

std::shared_ptr<const TrainedParent> ParentStore::Find(const std::string& key) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = index_.find(key);
    if (it != index_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      ++hits_;
      return it->second->second;
    }
  }
  std::shared_ptr<const TrainedParent> loaded = Load(key);
  std::lock_guard<std::mutex> lock(mutex_);
  if (loaded == nullptr) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  Insert(key, loaded);
  return loaded;
}

void ParentStore::Put(const std::string& key,
                      std::shared_ptr<const TrainedParent> parent) {
  if (!SafeKey(key)) throw std::invalid_argument("bad parent key: " + key);
  Save(key, *parent);
  std::lock_guard<std::mutex> lock(mutex_);
  Insert(key, std::move(parent));
}

void ParentStore::Insert(const std::string& key,
                         std::shared_ptr<const TrainedParent> parent) {
  auto it = index_.find(key);
  if (it != index_.end()) {
    bytes_ -= it->second->second->bytes();
    lru_.erase(it->second);
    index_.erase(it);
  }
  bytes_ += parent->bytes();
  lru_.emplace_front(key, std::move(parent));
  index_[key] = lru_.begin();
  // Evict from the back, but always keep the newest entry.
  while (bytes_ > options_.capacity_bytes && lru_.size() > 1) {
    bytes_ -= lru_.back().second->bytes();
    index_.erase(lru_.back().first);
    lru_.pop_back();
  }
}

int64_t ParentStore::memory_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return bytes_;
}

int64_t ParentStore::hits() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return hits_;
}

int64_t ParentStore::misses() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return misses_;
}

// On disk: <key>.pt holds the tensors (torch::save of a tensor list) and
// <key>.meta the names and figures, one record per line. Each is written to
// a name of its own writer and renamed into place, the .meta file last, so
// a parent is visible only when complete, also to the other workers that
// share the directory (and may store the same parent at the same time).
void ParentStore::Save(const std::string& key,
                       const TrainedParent& parent) const {
  if (options_.directory.empty()) return;
  const fs::path base = fs::path(options_.directory) / key;
  const std::string suffix = TempSuffix();
  const std::string pt_tmp = base.string() + ".pt" + suffix;
  const std::string meta_tmp = base.string() + ".meta" + suffix;
  try {
    fs::create_directories(options_.directory);
    std::vector<torch::Tensor> tensors;
    std::ostringstream meta;
    meta.precision(17);
    meta << "nasprune-parent 1\n";
    meta << "val " << parent.val_loss << " " << parent.val_accuracy << "\n";
    meta << "train " << parent.train_seconds << " "
         << parent.train_samples_per_second << "\n";
    for (const EpochStats& e : parent.epochs) {
      meta << "epoch " << e.epoch << " " << e.train_loss << " "
           << e.train_accuracy << " " << e.val_loss << " " << e.val_accuracy
           << " " << e.seconds << " " << e.samples_per_second << "\n";
    }
    for (const auto& [name, tensor] : parent.state) {
      meta << "tensor " << name << "\n";
      tensors.push_back(tensor);
    }
    torch::save(tensors, pt_tmp);
    fs::rename(pt_tmp, base.string() + ".pt");
    {
      std::ofstream out(meta_tmp, std::ios::trunc);
      out << meta.str();
      if (!out.flush()) throw std::runtime_error("cannot write " + meta_tmp);
    }
    fs::rename(meta_tmp, base.string() + ".meta");
  } catch (const std::exception& e) {
    std::cerr << "parent store: could not save " << key << ": " << e.what()
              << "\n";
    std::error_code ignored;
    fs::remove(pt_tmp, ignored);
    fs::remove(meta_tmp, ignored);
  }
}

std::shared_ptr<const TrainedParent> ParentStore::Load(
    const std::string& key) const {
  if (options_.directory.empty() || !SafeKey(key)) return nullptr;
  const fs::path base = fs::path(options_.directory) / key;
  std::ifstream in(base.string() + ".meta");
  if (!in) return nullptr;
  try {
    auto parent = std::make_shared<TrainedParent>();
    std::vector<std::string> names;
    std::string line;
    std::getline(in, line);
    if (line != "nasprune-parent 1") return nullptr;
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string kind;
      fields >> kind;
      if (kind == "val") {
        fields >> parent->val_loss >> parent->val_accuracy;
      } else if (kind == "train") {
        fields >> parent->train_seconds >> parent->train_samples_per_second;
      } else if (kind == "epoch") {
        EpochStats e;
        fields >> e.epoch >> e.train_loss >> e.train_accuracy >> e.val_loss >>
            e.val_accuracy >> e.seconds >> e.samples_per_second;
        parent->epochs.push_back(e);
      } else if (kind == "tensor") {
        std::string name;
        fields >> name;
        names.push_back(name);
      }
      if (fields.fail()) return nullptr;
    }
    std::vector<torch::Tensor> tensors;
    torch::load(tensors, base.string() + ".pt");
    if (tensors.size() != names.size()) return nullptr;
    for (size_t i = 0; i < names.size(); ++i) {
      parent->state.emplace_back(names[i], tensors[i]);
    }
    return parent;
  } catch (const std::exception& e) {
    std::cerr << "parent store: ignoring unreadable " << key << ": " << e.what()
              << "\n";
    return nullptr;
  }
}

}  // namespace nasprune::worker
