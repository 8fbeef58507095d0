"""Idiomatic PyTorch training: a torchvision-style Dataset returning one
(image, label) pair per index with a per-sample transform, batched by a
DataLoader. One epoch over 54,000 Fashion-MNIST images; prints JSON with
samples per second. Usage: pytorch_idiomatic.py DATA_DIR THREADS"""
import json
import sys

import torch
from torch.utils.data import DataLoader, Dataset

from reference_net import TwoConv, train_epoch, train_split


class FashionMnist(Dataset):
    def __init__(self, images, labels, mean, std):
        self.images, self.labels = images, labels
        self.mean, self.std = mean, std

    def __len__(self):
        return self.images.shape[0]

    def __getitem__(self, index):
        # ToTensor + Normalize, as torchvision transforms do per sample.
        image = self.images[index].unsqueeze(0).float().div(255)
        return (image - self.mean) / self.std, int(self.labels[index])


def main():
    directory, threads = sys.argv[1], int(sys.argv[2])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    images, labels = train_split(directory)
    floats = images.float().div(255)
    dataset = FashionMnist(images, labels, floats.mean().item(),
                           floats.std().item())
    loader = DataLoader(dataset, batch_size=128, shuffle=True, num_workers=0)
    seen, seconds = train_epoch(TwoConv(), loader)
    print(json.dumps({"impl": "pytorch-idiomatic", "samples": seen,
                      "seconds": seconds, "samples_per_second": seen / seconds,
                      "threads": threads}))


if __name__ == "__main__":
    main()
