"""Scores a downloaded nasprune model on an IDX test split (MNIST format,
gzip or raw) the way a user would: torch.jit.load, images scaled to [0, 1]
and normalized with the statistics the archive carries (input_mean,
input_std), top-1 accuracy. Prints the accuracy; with EXPECTED, exits 1
unless it matches to within one image.
Usage: score_model.py MODEL DATASET_DIR [EXPECTED]"""
import gzip
import pathlib
import struct
import sys

import torch


def read_idx(path: pathlib.Path) -> torch.Tensor:
    if not path.exists():
        path = path.with_name(path.name + ".gz")
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    dims = raw[3]
    shape = struct.unpack(">" + "I" * dims, raw[4:4 + 4 * dims])
    data = torch.frombuffer(bytearray(raw[4 + 4 * dims:]), dtype=torch.uint8)
    return data.view(*shape)


def main() -> int:
    if len(sys.argv) not in (3, 4):
        print(__doc__)
        return 2
    model_path, dataset = sys.argv[1], pathlib.Path(sys.argv[2])
    expected = float(sys.argv[3]) if len(sys.argv) == 4 else None
    model = torch.jit.load(model_path)
    model.eval()
    images = read_idx(dataset / "t10k-images-idx3-ubyte").float().div(255.0)
    labels = read_idx(dataset / "t10k-labels-idx1-ubyte").long()
    if images.dim() == 3:
        images = images.unsqueeze(1)
    mean = torch.tensor(model.input_mean).view(1, -1, 1, 1)
    std = torch.tensor(model.input_std).view(1, -1, 1, 1)
    images = (images - mean) / std
    correct = 0
    with torch.no_grad():
        for start in range(0, len(labels), 1024):
            logits = model(images[start:start + 1024])
            correct += (logits.argmax(1) == labels[start:start + 1024]).sum().item()
    accuracy = correct / len(labels)
    if expected is None:
        print(f"{accuracy:.6f}")
        return 0
    print(f"test accuracy in Python {accuracy:.6f}, reported {expected:.6f}")
    return 0 if abs(accuracy - expected) <= 1.0 / len(labels) + 1e-9 else 1


if __name__ == "__main__":
    sys.exit(main())
