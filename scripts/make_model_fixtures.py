#!/usr/bin/env python3
"""Parity fixtures for modedrop's pretrained-model ports (src/models/).

Builds three reference networks in PyTorch from their public descriptions, with the same
state-dict keys as the released checkpoints but tiny random weights, and writes the
checkpoints, fixed inputs and the reference outputs to tests/fixtures/models/. The Rust test
tests/model_parity.rs loads the checkpoints through the crate's loaders and must reproduce
the outputs to 1e-4 (max absolute difference, relative to max(1, max |reference|)).

The references, written from the architecture descriptions of the GAN Dissection /
"Seeing what a GAN cannot generate" code (netdissect/proggan.py, proggan_ablation.py) and
torchvision's VGG16:

- ProGAN 256x256 (`proggan_*.pth` layout): `layer1`..`layer14` and `output_256x256`, each
  with `conv.weight` (no bias) and `wscale.b`. Every block normalises each pixel's feature
  vector (x / sqrt(mean over channels of x^2 + 1e-8)); blocks 3, 5, ..., 13 then double the
  resolution by nearest-neighbour upsampling; the convolution's output is multiplied by
  sqrt(2 / fan_in) (fan_in = in_channels * kernel_h * kernel_w; for the 1x1 output block
  1 / sqrt(in_channels)), the bias `wscale.b` is added, and every block but the output one
  applies leaky ReLU with slope 0.2. Block 1 is a 4x4 convolution with padding 3 applied to
  z viewed as [batch, latent, 1, 1]; the others are 3x3 with padding 1. The output is
  stored unclamped; the "Seeing" code clamps it to [-1, 1] (Hardtanh), which the Rust test
  applies to this reference itself.
- WGAN-GP bedroom generator (`G128_simple`, the `wgangp` ablation checkpoint):
  `features.0`..`features.11` with `conv.weight` (no bias) and a BatchNorm `norm`; a 4x4
  convolution with padding 3 on z, then 3x3 convolutions, with nearest x2 upsampling before
  features 2, 4, 6, 8, 10; batch norm (eval mode, running statistics) and ReLU after each;
  then `output.conv` (1x1 with bias) and Hardtanh.
- VGG16 features in torchvision's layout (`features.0.weight` ... `features.28.bias`,
  `classifier.{0,3,6}.*`), evaluated up to relu4_2 (`features[:21]`), on images in
  [-1, 1] mapped to torchvision's convention: (x + 1) / 2, then ImageNet mean/std.

Checkpoints are saved in the legacy (non-zip) format like the released files; one WGAN copy
is also saved in the zip format. Arrays are float32 little-endian .npy files.

Usage (from the repository root): python3 scripts/make_model_fixtures.py
Needs torch and numpy. Only developers run this; CI reads the files it wrote.
"""

from collections import OrderedDict
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 20240612
OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "models"

# ProGAN widths: latent length, then channels at 4x4, 8x8, ..., 256x256.
PROGAN_SIZES = [16, 12, 12, 10, 10, 8, 8, 6]
# WGAN-GP widths: latent length, then channels at 4x4, 8x8, ..., 128x128.
WGAN_SIZES = [16, 24, 16, 16, 12, 8, 6]
# VGG16 widths: the 13 convolutions, with "M" for each 2x2 max pool (torchvision's cfg "D").
VGG_CFG = [4, 4, "M", 8, 8, "M", 8, 8, 8, "M", 12, 12, 12, "M", 12, 12, 12, "M"]
VGG_CLASSIFIER = [16, 16, 10]
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]


class PixelNorm(nn.Module):
    def forward(self, x):
        return x / torch.sqrt(torch.mean(x * x, dim=1, keepdim=True) + 1e-8)


class WeightScale(nn.Module):
    """Multiplies by a constant He factor, then adds the learned bias `b`."""

    def __init__(self, channels, scale):
        super().__init__()
        self.scale = scale
        self.b = nn.Parameter(torch.zeros(channels))

    def forward(self, x):
        return x * self.scale + self.b.view(1, -1, 1, 1)


class ProGanBlock(nn.Module):
    def __init__(self, c_in, c_out, kernel, padding, upsample, gain, activate):
        super().__init__()
        self.norm = PixelNorm()
        self.upsample = upsample
        self.conv = nn.Conv2d(c_in, c_out, kernel, 1, padding, bias=False)
        self.wscale = WeightScale(c_out, gain / np.sqrt(c_in * kernel * kernel))
        self.activate = activate

    def forward(self, x):
        x = self.norm(x)
        if self.upsample:
            x = F.interpolate(x, scale_factor=2, mode="nearest")
        x = self.wscale(self.conv(x))
        return F.leaky_relu(x, 0.2) if self.activate else x


def progan_reference(sizes):
    blocks = []
    he = np.sqrt(2.0)
    blocks.append(ProGanBlock(sizes[0], sizes[1], 4, 3, False, he, True))
    blocks.append(ProGanBlock(sizes[1], sizes[1], 3, 1, False, he, True))
    for c_in, c_out in zip(sizes[1:-1], sizes[2:]):
        blocks.append(ProGanBlock(c_in, c_out, 3, 1, True, he, True))
        blocks.append(ProGanBlock(c_out, c_out, 3, 1, False, he, True))
    resolution = 4 * 2 ** (len(sizes) - 2)
    named = [(f"layer{i + 1}", block) for i, block in enumerate(blocks)]
    named.append((f"output_{resolution}x{resolution}",
                  ProGanBlock(sizes[-1], 3, 1, 0, False, 1.0, False)))
    return nn.Sequential(OrderedDict(named))


class WganBlock(nn.Module):
    def __init__(self, c_in, c_out, kernel, padding, upsample):
        super().__init__()
        self.upsample = upsample
        self.conv = nn.Conv2d(c_in, c_out, kernel, 1, padding, bias=False)
        self.norm = nn.BatchNorm2d(c_out)

    def forward(self, x):
        if self.upsample:
            x = F.interpolate(x, scale_factor=2, mode="nearest")
        return F.relu(self.norm(self.conv(x)))


class WganReference(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        blocks = [WganBlock(sizes[0], sizes[1], 4, 3, False),
                  WganBlock(sizes[1], sizes[1], 3, 1, False)]
        for c_in, c_out in zip(sizes[1:-1], sizes[2:]):
            blocks.append(WganBlock(c_in, c_out, 3, 1, True))
            blocks.append(WganBlock(c_out, c_out, 3, 1, False))
        self.features = nn.Sequential(*blocks)
        self.output = nn.Sequential(OrderedDict(
            [("conv", nn.Conv2d(sizes[-1], 3, 1, 1, 0, bias=True)), ("hardtanh", nn.Hardtanh())]))

    def forward(self, z):
        return self.output(self.features(z.view(z.shape[0], z.shape[1], 1, 1)))


class VggReference(nn.Module):
    def __init__(self):
        super().__init__()
        layers, c_in = [], 3
        for item in VGG_CFG:
            if item == "M":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers += [nn.Conv2d(c_in, item, 3, padding=1), nn.ReLU(inplace=True)]
                c_in = item
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        hidden, _, classes = VGG_CLASSIFIER
        self.classifier = nn.Sequential(
            nn.Linear(c_in * 49, hidden), nn.ReLU(True), nn.Dropout(),
            nn.Linear(hidden, hidden), nn.ReLU(True), nn.Dropout(),
            nn.Linear(hidden, classes))

    def relu4_2(self, image):
        """Image in [-1, 1] -> torchvision convention -> output of features[20]."""
        mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
        std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
        x = ((image + 1) / 2 - mean) / std
        return self.features[:21](x)


def save_npy(name, tensor):
    array = tensor.detach().cpu().numpy().astype("<f4")
    np.save(OUT / name, np.ascontiguousarray(array))


def save_legacy(name, state_dict):
    torch.save(state_dict, OUT / name, _use_new_zipfile_serialization=False)


def randomise_progan(model):
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.endswith("conv.weight"):
                param.normal_(0.0, 1.0)  # equalised learning rate: unit-variance weights
            else:
                param.normal_(0.0, 0.2)


def make_progan():
    model = progan_reference(PROGAN_SIZES).eval()
    randomise_progan(model)
    z = torch.randn(2, PROGAN_SIZES[0])
    with torch.no_grad():
        x = z.view(2, -1, 1, 1)
        features_5 = model[:5](x)
        image = model(x)
    state = model.state_dict()
    save_legacy("progan.pth", state)
    save_npy("progan_latent.npy", z)
    save_npy("progan_features_5.npy", features_5)
    save_npy("progan_image.npy", image)

    missing = OrderedDict((k, v) for k, v in state.items() if k != "layer7.wscale.b")
    save_legacy("progan_missing_key.pth", missing)
    extra = OrderedDict(state)
    extra["layer3.conv.bias"] = torch.zeros(state["layer3.wscale.b"].shape)
    save_legacy("progan_extra_key.pth", extra)
    clamped = (image.abs() > 1).float().mean().item()
    print(f"progan: image {tuple(image.shape)}, {clamped:.1%} of values outside [-1, 1]")


def calibrate_batch_norms(model, sizes):
    """Running statistics from real batch statistics, then random affine parameters."""
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.reset_running_stats()
            module.momentum = None  # cumulative average over the calibration batches
    model.train()
    with torch.no_grad():
        for _ in range(4):
            model(torch.randn(16, sizes[0]))
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.weight.uniform_(0.6, 1.4)
                module.bias.normal_(0.0, 0.2)
                module.running_var.mul_(torch.empty_like(module.running_var).uniform_(0.7, 1.3))
    model.eval()


def make_wgan():
    model = WganReference(WGAN_SIZES)
    calibrate_batch_norms(model, WGAN_SIZES)
    with torch.no_grad():
        model.output.conv.weight.mul_(0.5)
    z = torch.randn(2, WGAN_SIZES[0])
    with torch.no_grad():
        features_5 = model.features[:5](z.view(2, -1, 1, 1))
        image = model(z)
    state = model.state_dict()
    save_legacy("wgan.pth", state)
    torch.save(state, OUT / "wgan_zip.pth")  # the default zip format of torch >= 1.6
    save_npy("wgan_latent.npy", z)
    save_npy("wgan_features_5.npy", features_5)
    save_npy("wgan_image.npy", image)

    no_counter = OrderedDict((k, v) for k, v in state.items()
                             if not k.endswith("num_batches_tracked"))
    save_legacy("wgan_no_batch_counter.pth", no_counter)
    missing = OrderedDict((k, v) for k, v in state.items()
                          if k != "features.4.norm.running_var")
    save_legacy("wgan_missing_key.pth", missing)
    saturated = (image.abs() >= 1).float().mean().item()
    print(f"wgan: image {tuple(image.shape)}, {saturated:.1%} of values clamped")


def make_vgg():
    model = VggReference().eval()
    with torch.no_grad():
        for module in model.features:
            if isinstance(module, nn.Conv2d):
                # He initialisation keeps the activations near unit scale through 9 layers.
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
                module.bias.normal_(0.0, 0.1)
    image = torch.rand(1, 3, 64, 64) * 2 - 1
    with torch.no_grad():
        relu4_2 = model.relu4_2(image)
    state = model.state_dict()
    save_legacy("vgg16.pth", state)
    save_npy("vgg_image.npy", image)
    save_npy("vgg_relu4_2.npy", relu4_2)

    extra = OrderedDict(state)
    extra["features.3.weight"] = torch.zeros(1)
    save_legacy("vgg16_extra_key.pth", extra)
    positive = (relu4_2 > 0).float().mean().item()
    print(f"vgg: relu4_2 {tuple(relu4_2.shape)}, {positive:.1%} positive")


def main():
    torch.manual_seed(SEED)
    OUT.mkdir(parents=True, exist_ok=True)
    make_progan()
    make_wgan()
    make_vgg()
    total = sum(path.stat().st_size for path in OUT.iterdir())
    print(f"wrote {OUT} ({total / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
