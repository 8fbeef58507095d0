"""Hand-optimized PyTorch training loop: the whole split pre-loaded and
normalized in one tensor, batches as index slices, gradients set to None.
One epoch over 54,000 Fashion-MNIST images; prints JSON with samples per
second. Usage: pytorch_optimized.py DATA_DIR THREADS"""
import json
import sys

import torch

from reference_net import TwoConv, train_epoch, train_split


def main():
    directory, threads = sys.argv[1], int(sys.argv[2])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    images, labels = train_split(directory)
    x_all = images.float().div_(255).unsqueeze(1)
    x_all = ((x_all - x_all.mean()) / x_all.std()).contiguous()
    order = torch.randperm(x_all.shape[0])
    batches = ((x_all.index_select(0, order[b:b + 128]),
                labels.index_select(0, order[b:b + 128]))
               for b in range(0, x_all.shape[0], 128))
    n, seconds = train_epoch(TwoConv(), batches)
    print(json.dumps({"impl": "pytorch-optimized", "samples": n,
                      "seconds": seconds, "samples_per_second": n / seconds,
                      "threads": threads}))


if __name__ == "__main__":
    main()
