"""The benchmark network in idiomatic PyTorch: exactly the network nasprune
builds from examples/genomes/two-conv.yaml (same layers, same parameter
count: 24,058 for 10 classes)."""
import torch
from torch import nn


class TwoConv(nn.Module):
    def __init__(self, classes: int = 10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2, 2, ceil_mode=True),
            nn.Conv2d(16, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2, 2, ceil_mode=True),
            nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64),
            nn.ReLU(inplace=True),
        )
        self.classifier = nn.Linear(64, classes)

    def forward(self, x):
        return self.classifier(self.features(x).mean((2, 3)))


def read_idx(path):
    """IDX file (gzip or raw) → uint8 tensor."""
    import gzip
    import struct
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    rank = magic & 0xFF
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return torch.frombuffer(bytearray(data[4 + 4 * rank:]),
                            dtype=torch.uint8).view(*dims)


def train_split(directory, validation_fraction=0.1):
    """The first 54,000 (shuffled) training images, like nasprune's split size."""
    images = read_idx(f"{directory}/train-images-idx3-ubyte.gz")
    labels = read_idx(f"{directory}/train-labels-idx1-ubyte.gz").long()
    keep = images.shape[0] - int(validation_fraction * images.shape[0])
    order = torch.randperm(images.shape[0],
                           generator=torch.Generator().manual_seed(0))[:keep]
    return images[order], labels[order]


def train_epoch(model, batches):
    """Trains `model` over `batches` of (x, y); returns (examples, seconds),
    timing the training steps only."""
    import time
    optimizer = make_optimizer(model)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    seen = 0
    start = time.perf_counter()
    for x, y in batches:
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        seen += y.shape[0]
    return seen, time.perf_counter() - start


def make_optimizer(model):
    return torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9,
                           nesterov=True, weight_decay=5e-4)
