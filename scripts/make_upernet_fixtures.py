#!/usr/bin/env python3
"""Reference outputs for modedrop's UPerNet (Unified Perceptual Parsing, ResNet-50 encoder).

The Rust model in src/models/upernet/ reads the CSAIL unified-parsing release
`upp-resnet50-upernet` (encoder_epoch_40.pth, decoder_epoch_40.pth, labels.json). That
release cannot be downloaded here, so this script builds the same architecture in PyTorch,
written from the published description (unifiedparsing's models/models.py and the
semantic-segmentation-pytorch deep-stem ResNet), with the SAME state-dict keys, and fills it
with random weights:

- default: reduced widths (stem 8/8/16, bottleneck widths 4/8/16/32, PPM 8, FPN 16) but the
  full class counts (object 336, material 26, scene 365, part 427), saved in the legacy
  (pre-1.6, non-zip) checkpoint format, plus a labels.json in the release's structure, two
  64x96 test images and the expected object-head logits computed in float64, and a decoder
  checkpoint with one key missing and one extra (decoder_bad_keys.pth). Everything goes to
  tests/fixtures/upernet/ (about 1.7 MB). The values are fixed by the seed; the .pth bytes
  are not (the legacy format names storages by memory address), so the segmenter's identity
  digest changes with each regeneration.
- `--full DIR`: a full-width random checkpoint pair and labels.json in DIR (about 300 MB, not
  committed) for the ignored Rust test that loads the real layout.
- `--bench`: prints the PyTorch CPU time of a full-width forward at 256x256 (2 threads),
  to set beside `cargo bench --bench upernet`.

Precise RoI pooling (PrRoIPool, used by the pyramid pooling module) is implemented twice
here: `prroi_pool_direct` follows the per-bin, per-cell loop of the CUDA kernel of
vacancy/PreciseRoIPooling (bilinear interpolant integrated over each bin, zero outside the
map, divided by the bin area); `prroi_pool_matrix` is the separable form the Rust code uses.
The script checks that the two agree before writing anything.

Usage (from the repository root):
    /path/to/python scripts/make_upernet_fixtures.py [--full DIR] [--bench]
Needs torch and numpy.
"""

import argparse
import json
import math
import os
import time
from pathlib import Path

# OpenMP threads that spin while they wait collapse on a shared 2-core machine (measured:
# the encoder took 2.9 s with spinning threads, 0.42 s with passive ones); set before torch
# starts its thread pool. It changes timing only, never results.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "upernet"
SEED = 20180914
POOL_SCALES = (1, 2, 3, 6)
BGR_MEAN = (102.9801, 115.9465, 122.7717)

FULL_WIDTHS = dict(stem=(64, 64, 128), planes=(64, 128, 256, 512), ppm=512, fpn=512)
SMALL_WIDTHS = dict(stem=(8, 8, 16), planes=(4, 8, 16, 32), ppm=8, fpn=16)
BLOCKS = (3, 4, 6, 3)
CLASS_COUNTS = dict(object=336, material=26, scene=365, part=427)
# Part groups: 77 objects own parts; group sizes sum to 427.
PART_GROUPS = 77


# ---------------------------------------------------------------------------------------
# Precise RoI pooling


def prroi_pool_direct(features, roi, pooled):
    """PrRoIPool of one RoI `(x0, y0, x1, y1)` (spatial_scale 1) over `features` [B, C, H, W].

    Follows the CUDA kernel: the bin (ph, pw) spans [y0 + ph*bh, y0 + (ph+1)*bh] x
    [x0 + pw*bw, ...]; every unit cell it touches contributes the exact integral of the
    bilinear interpolant of the four corner samples (zero outside the map); the sum is
    divided by the bin area.
    """
    batch, channels, height, width = features.shape
    x0, y0, x1, y1 = roi
    bin_h = max(y1 - y0, 0.0) / pooled
    bin_w = max(x1 - x0, 0.0) / pooled

    def sample(h, w):
        if h < 0 or w < 0 or h >= height or w >= width:
            return torch.zeros(batch, channels, dtype=features.dtype)
        return features[:, :, h, w]

    def hat_integral(lo, hi):
        # integral of (1 - t) for t from lo to hi
        return (hi - 0.5 * hi * hi) - (lo - 0.5 * lo * lo)

    out = torch.zeros(batch, channels, pooled, pooled, dtype=features.dtype)
    for ph in range(pooled):
        for pw in range(pooled):
            win_y0 = y0 + bin_h * ph
            win_x0 = x0 + bin_w * pw
            win_y1, win_x1 = win_y0 + bin_h, win_x0 + bin_w
            area = bin_h * bin_w
            if area <= 0:
                continue
            total = torch.zeros(batch, channels, dtype=features.dtype)
            for w_cell in range(math.floor(win_x0), math.ceil(win_x1)):
                for h_cell in range(math.floor(win_y0), math.ceil(win_y1)):
                    cy0, cy1 = max(win_y0, h_cell), min(win_y1, h_cell + 1.0)
                    cx0, cx1 = max(win_x0, w_cell), min(win_x1, w_cell + 1.0)
                    # weight of the low corner uses the distance from it, the high corner
                    # the distance to it
                    wy_lo = hat_integral(cy0 - h_cell, cy1 - h_cell)
                    wy_hi = hat_integral(h_cell + 1 - cy1, h_cell + 1 - cy0)
                    wx_lo = hat_integral(cx0 - w_cell, cx1 - w_cell)
                    wx_hi = hat_integral(w_cell + 1 - cx1, w_cell + 1 - cx0)
                    total = total + sample(h_cell, w_cell) * wy_lo * wx_lo
                    total = total + sample(h_cell, w_cell + 1) * wy_lo * wx_hi
                    total = total + sample(h_cell + 1, w_cell) * wy_hi * wx_lo
                    total = total + sample(h_cell + 1, w_cell + 1) * wy_hi * wx_hi
            out[:, :, ph, pw] = total / area
    return out


def prroi_axis_matrix(size, pooled):
    """[pooled, size] weights: bin p's integral of sample i's hat function over the bin
    [p*size/pooled, (p+1)*size/pooled], divided by the bin length."""
    bin_len = size / pooled
    matrix = np.zeros((pooled, size))
    for p in range(pooled):
        lo, hi = p * bin_len, (p + 1) * bin_len
        for i in range(size):
            # hat(t - i) = max(0, 1 - |t - i|); integrate its two linear pieces
            a, b = max(lo, i - 1.0), min(hi, float(i))
            rising = 0.0 if b <= a else (0.5 * (b - i + 1) ** 2 - 0.5 * (a - i + 1) ** 2)
            a, b = max(lo, float(i)), min(hi, i + 1.0)
            falling = 0.0 if b <= a else (0.5 * (i + 1 - a) ** 2 - 0.5 * (i + 1 - b) ** 2)
            matrix[p, i] = (rising + falling) / bin_len
    return matrix


def prroi_pool_matrix(features, pooled):
    """Full-map PrRoIPool as `A_h X A_w^T` with the axis matrices above."""
    _, _, height, width = features.shape
    a_h = torch.from_numpy(prroi_axis_matrix(height, pooled)).to(features.dtype)
    a_w = torch.from_numpy(prroi_axis_matrix(width, pooled)).to(features.dtype)
    return torch.einsum("ph,bchw,qw->bcpq", a_h, features, a_w)


# ---------------------------------------------------------------------------------------
# The architecture, keys as in the release


class LegacyBatchNorm2d(nn.BatchNorm2d):
    """BatchNorm with the three extra buffers of the CSAIL synchronized batch norm, so the
    state dict carries `_tmp_running_mean`, `_tmp_running_var` and `_running_iter` as the
    released checkpoints do."""

    def __init__(self, channels):
        super().__init__(channels, eps=1e-5)
        self.register_buffer("_tmp_running_mean", torch.zeros(channels))
        self.register_buffer("_tmp_running_var", torch.ones(channels))
        self.register_buffer("_running_iter", torch.ones(1))


def conv_bn_relu(channels_in, channels_out, kernel, stride=1):
    return nn.Sequential(
        nn.Conv2d(channels_in, channels_out, kernel, stride, kernel // 2, bias=False),
        LegacyBatchNorm2d(channels_out),
        nn.ReLU(inplace=True),
    )


class Bottleneck(nn.Module):
    def __init__(self, channels_in, width, stride):
        super().__init__()
        out = 4 * width
        self.conv1 = nn.Conv2d(channels_in, width, 1, bias=False)
        self.bn1 = LegacyBatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride, 1, bias=False)
        self.bn2 = LegacyBatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, out, 1, bias=False)
        self.bn3 = LegacyBatchNorm2d(out)
        self.downsample = None
        if stride != 1 or channels_in != out:
            self.downsample = nn.Sequential(
                nn.Conv2d(channels_in, out, 1, stride, bias=False), LegacyBatchNorm2d(out)
            )

    def forward(self, x):
        shortcut = x if self.downsample is None else self.downsample(x)
        y = F.relu(self.bn1(self.conv1(x)))
        y = F.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return F.relu(y + shortcut)


class Encoder(nn.Module):
    """Deep-stem ResNet-50 without pool and fc: the `Resnet` wrapper whose state dict is
    encoder_epoch_40.pth (keys `conv1.weight`, `layer1.0.conv1.weight`, ...)."""

    def __init__(self, stem, planes):
        super().__init__()
        self.conv1 = nn.Conv2d(3, stem[0], 3, 2, 1, bias=False)
        self.bn1 = LegacyBatchNorm2d(stem[0])
        self.conv2 = nn.Conv2d(stem[0], stem[1], 3, 1, 1, bias=False)
        self.bn2 = LegacyBatchNorm2d(stem[1])
        self.conv3 = nn.Conv2d(stem[1], stem[2], 3, 1, 1, bias=False)
        self.bn3 = LegacyBatchNorm2d(stem[2])
        channels = stem[2]
        for index, (width, blocks) in enumerate(zip(planes, BLOCKS)):
            stride = 1 if index == 0 else 2
            layer = []
            for block in range(blocks):
                layer.append(Bottleneck(channels, width, stride if block == 0 else 1))
                channels = 4 * width
            setattr(self, f"layer{index + 1}", nn.Sequential(*layer))

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        x = F.relu(self.bn3(self.conv3(x)))
        x = F.max_pool2d(x, 3, 2, 1)
        features = []
        for index in range(1, 5):
            x = getattr(self, f"layer{index}")(x)
            features.append(x)
        return features


class UperNetDecoder(nn.Module):
    """The UPerNet decoder whose state dict is decoder_epoch_40.pth."""

    def __init__(self, stage_channels, ppm, fpn, pool="direct"):
        super().__init__()
        self.pool = pool
        top = stage_channels[-1]
        self.ppm_conv = nn.ModuleList(
            [
                nn.Sequential(nn.Conv2d(top, ppm, 1, bias=False), LegacyBatchNorm2d(ppm), nn.ReLU())
                for _ in POOL_SCALES
            ]
        )
        self.ppm_last_conv = conv_bn_relu(top + len(POOL_SCALES) * ppm, fpn, 3)
        self.fpn_in = nn.ModuleList(
            [
                nn.Sequential(nn.Conv2d(c, fpn, 1, bias=False), LegacyBatchNorm2d(fpn), nn.ReLU())
                for c in stage_channels[:-1]
            ]
        )
        self.fpn_out = nn.ModuleList(
            [nn.Sequential(conv_bn_relu(fpn, fpn, 3)) for _ in stage_channels[:-1]]
        )
        self.conv_fusion = conv_bn_relu(len(stage_channels) * fpn, fpn, 3)
        self.scene_head = nn.Sequential(
            conv_bn_relu(fpn, fpn, 3),
            nn.AdaptiveAvgPool2d(1),
            nn.Conv2d(fpn, CLASS_COUNTS["scene"], 1, bias=True),
        )
        for name in ("object", "part", "material"):
            head = nn.Sequential(
                conv_bn_relu(fpn, fpn, 3), nn.Conv2d(fpn, CLASS_COUNTS[name], 1, bias=True)
            )
            setattr(self, f"{name}_head", head)

    def pyramid_pool(self, top, scale):
        _, _, height, width = top.shape
        if self.pool == "matrix":
            return prroi_pool_matrix(top, scale)
        return prroi_pool_direct(top, (0.0, 0.0, float(width), float(height)), scale)

    def forward(self, features, object_only=False):
        top = features[-1]
        size = top.shape[2:]
        pyramid = [top]
        for scale, conv in zip(POOL_SCALES, self.ppm_conv):
            pooled = self.pyramid_pool(top, scale)
            pyramid.append(conv(F.interpolate(pooled, size, mode="bilinear", align_corners=False)))
        f = self.ppm_last_conv(torch.cat(pyramid, 1))
        scene = None if object_only else self.scene_head(f).flatten(1)

        levels = [f]
        for index in reversed(range(len(features) - 1)):
            lateral = self.fpn_in[index](features[index])
            f = lateral + F.interpolate(
                f, lateral.shape[2:], mode="bilinear", align_corners=False
            )
            levels.append(self.fpn_out[index](f))
        levels.reverse()

        material = None if object_only else self.material_head(levels[0])
        fused = [levels[0]] + [
            F.interpolate(level, levels[0].shape[2:], mode="bilinear", align_corners=False)
            for level in levels[1:]
        ]
        x = self.conv_fusion(torch.cat(fused, 1))
        part = None if object_only else self.part_head(x)
        return dict(object=self.object_head(x), part=part, material=material, scene=scene)


def preprocess(images):
    """RGB in [-1, 1] -> BGR in 0..255 minus the per-channel means (no std division)."""
    x = (images + 1) / 2 * 255
    x = torch.flip(x, (1,))
    mean = torch.tensor(BGR_MEAN, dtype=x.dtype)[None, :, None, None]
    return x - mean


def object_logits(encoder, decoder, images, object_only=False):
    """Object-head logits upsampled to the input size."""
    logits = decoder(encoder(preprocess(images)), object_only)["object"]
    return F.interpolate(logits, images.shape[2:], mode="bilinear", align_corners=False)


# ---------------------------------------------------------------------------------------
# Random weights


def build(widths, pool="direct"):
    stage_channels = [4 * p for p in widths["planes"]]
    encoder = Encoder(widths["stem"], widths["planes"])
    decoder = UperNetDecoder(stage_channels, widths["ppm"], widths["fpn"], pool)
    return encoder, decoder


def randomize(encoder, decoder, generator, calibration):
    """He-normal convolutions, BatchNorm affine near (1, 0), small classifier biases; the
    running statistics come from one train-mode pass over `calibration`, so activations
    stay of order one through all sixteen blocks and the logits have a real spread."""
    for module in list(encoder.modules()) + list(decoder.modules()):
        if isinstance(module, nn.Conv2d):
            fan_in = module.in_channels * module.kernel_size[0] * module.kernel_size[1]
            module.weight.data = torch.randn(module.weight.shape, generator=generator) * math.sqrt(
                2.0 / fan_in
            )
            if module.bias is not None:
                module.bias.data = 0.1 * torch.randn(module.bias.shape, generator=generator)
        elif isinstance(module, nn.BatchNorm2d):
            module.weight.data = 0.75 + 0.5 * torch.rand(module.weight.shape, generator=generator)
            module.bias.data = 0.1 * torch.randn(module.bias.shape, generator=generator)
            module.momentum = None  # cumulative average over the calibration pass
            module.reset_running_stats()
    encoder.train()
    decoder.train()
    with torch.no_grad():
        decoder(encoder(preprocess(calibration)))
    for module in list(encoder.modules()) + list(decoder.modules()):
        if isinstance(module, LegacyBatchNorm2d):
            module._tmp_running_mean.copy_(module.running_mean)
            module._tmp_running_var.copy_(module.running_var)
            module._running_iter.fill_(1.0)
    encoder.eval()
    decoder.eval()


def smooth_images(generator, count, height, width):
    """RGB images in [-1, 1] quantised to 8 bits: low-frequency noise plus a few discs, so
    the segmentation has regions rather than salt and pepper."""
    coarse = torch.rand(count, 3, 4, 6, generator=generator)
    base = F.interpolate(coarse, (height, width), mode="bicubic", align_corners=False)
    ys = torch.arange(height, dtype=torch.float32)[:, None]
    xs = torch.arange(width, dtype=torch.float32)[None, :]
    for index in range(count):
        for _ in range(3):
            cy, cx = torch.rand(2, generator=generator) * torch.tensor([height, width])
            radius = 6 + 10 * torch.rand(1, generator=generator)
            colour = torch.rand(3, generator=generator)
            disc = ((ys - cy) ** 2 + (xs - cx) ** 2) < radius**2
            base[index][:, disc] = colour[:, None]
    pixels = (base.clamp(0, 1) * 255).round().to(torch.uint8)
    return pixels


def pixels_to_input(pixels):
    """8-bit RGB -> [-1, 1] float32, computed as the Rust test does: p / 127.5 - 1."""
    return pixels.to(torch.float32) / 127.5 - 1.0


def labels_json(generator):
    """A labels.json in the release's structure: lists `object` (index 0 is "-"),
    `material`, `scene`, `part`, and `object_part`, a map from an object name to the names
    of its parts, whose list lengths add up to the part head's channels."""
    objects = ["-"] + [f"object{i:03d}" for i in range(1, CLASS_COUNTS["object"])]
    materials = ["-"] + [f"material{i:02d}" for i in range(1, CLASS_COUNTS["material"])]
    scenes = [f"scene{i:03d}" for i in range(CLASS_COUNTS["scene"])]
    # 77 owners with between 2 and 10 parts, summing to 427
    sizes = [5] * PART_GROUPS
    extra = CLASS_COUNTS["part"] - sum(sizes)
    order = torch.randperm(PART_GROUPS, generator=generator).tolist()
    for step in range(abs(extra)):
        sizes[order[step % PART_GROUPS]] += 1 if extra > 0 else -1
    candidates = torch.randperm(CLASS_COUNTS["object"] - 1, generator=generator)
    owners = sorted(candidates[:PART_GROUPS].tolist())
    parts = ["-"] + [f"part{i:03d}" for i in range(1, 200)]
    object_part = {}
    for owner, size in zip(owners, sizes):
        chosen = torch.randperm(len(parts), generator=generator)[:size].tolist()
        object_part[objects[owner + 1]] = [parts[i] for i in chosen]
    assert sum(len(v) for v in object_part.values()) == CLASS_COUNTS["part"]
    return dict(
        object=objects, material=materials, scene=scenes, part=parts, object_part=object_part
    )


def save_legacy(state_dict, path):
    as_saved = {
        key: value.detach().float().clone() if value.is_floating_point() else value.clone()
        for key, value in state_dict.items()
    }
    torch.save(as_saved, path, _use_new_zipfile_serialization=False)


# ---------------------------------------------------------------------------------------
# Fixtures


def load_as_float64(path):
    state = torch.load(path)
    return {k: v.double() if v.is_floating_point() else v for k, v in state.items()}


def check_prroi_forms(generator):
    for height, width in [(2, 3), (5, 7), (8, 8), (1, 1)]:
        features = torch.randn(2, 3, height, width, generator=generator, dtype=torch.float64)
        for scale in POOL_SCALES:
            direct = prroi_pool_direct(features, (0.0, 0.0, float(width), float(height)), scale)
            matrix = prroi_pool_matrix(features, scale)
            error = (direct - matrix).abs().max().item()
            assert error < 1e-12, f"PrRoI forms disagree for {height}x{width} @ {scale}: {error}"


def prroi_cases(generator):
    cases = []
    for height, width in [(2, 3), (5, 7)]:
        features = torch.randn(1, 2, height, width, generator=generator, dtype=torch.float64)
        pooled = {
            str(scale): prroi_pool_direct(features, (0.0, 0.0, float(width), float(height)), scale)
            .flatten()
            .tolist()
            for scale in POOL_SCALES
        }
        shape = [1, 2, height, width]
        cases.append(dict(shape=shape, input=features.flatten().tolist(), pooled=pooled))
    return cases


def write_bad_keys(decoder_state, path):
    """A decoder checkpoint with one key missing and one too many. Only axis 0 of each
    tensor matters before the key check (it gives the widths), so every tensor is cut down
    to a vector of that length to keep the file small."""
    bad = {k: torch.zeros(v.shape[0] if v.dim() > 0 else 1) for k, v in decoder_state.items()}
    del bad["fpn_out.1.0.1.running_mean"]
    bad["object_head.2.weight"] = torch.zeros(4)
    save_legacy(bad, path)


def write_fixtures():
    generator = torch.Generator().manual_seed(SEED)
    check_prroi_forms(generator)
    OUT.mkdir(parents=True, exist_ok=True)

    encoder, decoder = build(SMALL_WIDTHS)
    calibration = pixels_to_input(smooth_images(generator, 4, 64, 64))
    randomize(encoder, decoder, generator, calibration)
    encoder_state = encoder.state_dict()
    decoder_state = decoder.state_dict()
    save_legacy(encoder_state, OUT / "encoder_epoch_40.pth")
    save_legacy(decoder_state, OUT / "decoder_epoch_40.pth")
    labels = labels_json(generator)
    (OUT / "labels.json").write_text(json.dumps(labels))
    write_bad_keys(decoder_state, OUT / "decoder_bad_keys.pth")

    # reference in float64 from the float32 weights as saved
    encoder = encoder.double()
    decoder = decoder.double()
    encoder.load_state_dict(load_as_float64(OUT / "encoder_epoch_40.pth"))
    decoder.load_state_dict(load_as_float64(OUT / "decoder_epoch_40.pth"))

    height, width = 64, 96
    pixels = smooth_images(generator, 2, height, width)
    images = pixels_to_input(pixels).double()
    with torch.no_grad():
        logits = object_logits(encoder, decoder, images)
    top2 = logits.topk(2, dim=1)
    argmax = top2.indices[:, 0]
    margin = top2.values[:, 0] - top2.values[:, 1]
    samples = []
    for index in range(2):
        chosen = torch.randperm(height * width, generator=generator)[:24].tolist()
        for flat in chosen:
            y, x = divmod(flat, width)
            samples.append(dict(image=index, y=y, x=x, logits=logits[index, :, y, x].tolist()))

    expected = dict(
        description=(
            "Object-head logits of the reduced-width random UPerNet in this folder, computed in "
            "float64 by scripts/make_upernet_fixtures.py, upsampled to the input size."
        ),
        widths=SMALL_WIDTHS,
        input_size=[height, width],
        pixels=pixels.flatten().tolist(),
        argmax=argmax.flatten().tolist(),
        top_logit=[round(v, 7) for v in top2.values[:, 0].flatten().tolist()],
        top2_margin=[round(v, 7) for v in margin.flatten().tolist()],
        samples=samples,
        prroi=prroi_cases(generator),
    )
    (OUT / "expected.json").write_text(json.dumps(expected))
    sizes = {p.name: p.stat().st_size for p in sorted(OUT.iterdir())}
    print("wrote", OUT, sizes, "total", sum(sizes.values()))
    print("smallest top-2 margin", margin.min().item(), "median", margin.median().item())


def write_full(directory):
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    generator = torch.Generator().manual_seed(SEED + 1)
    encoder, decoder = build(FULL_WIDTHS)
    calibration = pixels_to_input(smooth_images(generator, 2, 128, 128))
    randomize(encoder, decoder, generator, calibration)
    save_legacy(encoder.state_dict(), directory / "encoder_epoch_40.pth")
    save_legacy(decoder.state_dict(), directory / "decoder_epoch_40.pth")
    (directory / "labels.json").write_text(json.dumps(labels_json(generator)))
    print("wrote full-width random UPerNet to", directory)


def median_seconds(run, repeats):
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def bench(repeats=5):
    """Median wall time of full-width forwards at 256x256, batch 1, on 2 CPU threads."""
    torch.set_num_threads(2)
    encoder, decoder = build(FULL_WIDTHS, pool="matrix")
    encoder.eval()
    decoder.eval()
    images = torch.rand(1, 3, 256, 256) * 2 - 1
    print(f"PyTorch {torch.__version__} CPU, {torch.get_num_threads()} threads, 256x256, batch 1")
    with torch.no_grad():
        for label, object_only in [("object head only (segment)", True), ("all four heads", False)]:
            def run():
                return object_logits(encoder, decoder, images, object_only)

            seconds = median_seconds(run, repeats)
            print(f"  {label}: median {seconds * 1000:.0f} ms, {1 / seconds:.2f} images/s")
        x = preprocess(images)
        features = encoder(x)
        encoder_s = median_seconds(lambda: encoder(x), repeats)
        decoder_s = median_seconds(lambda: decoder(features, True), repeats)
        print(
            f"  by stage: encoder {encoder_s * 1000:.0f} ms, "
            f"decoder (object head) {decoder_s * 1000:.0f} ms"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--full", metavar="DIR", help="write a full-width random checkpoint pair to DIR"
    )
    parser.add_argument(
        "--bench", action="store_true", help="time PyTorch CPU on the full architecture"
    )
    args = parser.parse_args()
    if args.full:
        write_full(args.full)
    elif args.bench:
        bench()
    else:
        write_fixtures()


if __name__ == "__main__":
    main()
