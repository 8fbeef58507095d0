"""Hand-optimized PyTorch training loop: the whole split pre-loaded and
normalized in one tensor, batches as index slices, gradients set to None.
One epoch over 54,000 Fashion-MNIST images; prints JSON with samples per
second. Usage: pytorch_optimized.py DATA_DIR THREADS"""
import json
import sys
import time

import torch

from reference_net import TwoConv, make_optimizer, train_split


def main():
    directory, threads = sys.argv[1], int(sys.argv[2])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    images, labels = train_split(directory)
    x_all = images.float().div_(255).unsqueeze(1)
    x_all = ((x_all - x_all.mean()) / x_all.std()).contiguous()
    model = TwoConv()
    optimizer = make_optimizer(model)
    loss_fn = torch.nn.CrossEntropyLoss()
    model.train()
    n = x_all.shape[0]
    order = torch.randperm(n)
    start = time.perf_counter()
    for begin in range(0, n, 128):
        index = order[begin:begin + 128]
        x, y = x_all.index_select(0, index), labels.index_select(0, index)
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
    seconds = time.perf_counter() - start
    print(json.dumps({"impl": "pytorch-optimized", "samples": n,
                      "seconds": seconds, "samples_per_second": n / seconds,
                      "threads": threads}))


if __name__ == "__main__":
    main()
