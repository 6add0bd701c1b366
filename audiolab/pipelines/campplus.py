"""CAM++ speaker embedding network (192-d), so the offline diarizer needs no model hub.

The network follows the published CAM++ architecture ("CAM++: A Fast and Efficient Network for
Speaker Verification Using Context-Aware Masking", Wang et al., Interspeech 2023; 3D-Speaker
project, Apache-2.0), written here from the paper's description:

* a front-end convolution module (FCM): a 2-D conv, two stages of two residual blocks that halve
  the frequency axis, a last strided conv; 80 mel bins become 32 channels x 10 bins = 320;
* a TDNN layer (kernel 5, stride 2) to 128 channels;
* three densely connected TDNN blocks (12, 24 and 16 layers, growth 32, dilations 1, 2, 2); each
  layer is a bottleneck (1x1 to 128) followed by a context-aware masking layer: a local conv
  gated by a sigmoid computed from the utterance mean plus 100-frame segment means; a transition
  layer halves the channels after each block;
* statistics pooling (mean and standard deviation) and a dense layer with a non-affine batch
  norm to the 192-d embedding.

Module names mirror the parameter names of the released ``campplus_cn_en_common.pt`` state_dict
(``head.*``, ``xvector.*``) so that checkpoint loads strictly. Input features are Kaldi-style
80-dim log mel filterbanks (25 ms / 10 ms, no dither) with the per-utterance mean removed.

Only torch and torchaudio are used; pyannote sees this network through ``diarize.py``.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from audiolab.core.model import SAMPLE_RATE

NUM_MEL_BINS = 80
EMBEDDING_DIM = 192
FRAME_SHIFT_SAMPLES = 160  # 10 ms
FRAME_LENGTH_SAMPLES = 400  # 25 ms


def _bn_relu(channels: int) -> nn.Sequential:
    return nn.Sequential(OrderedDict(batchnorm=nn.BatchNorm1d(channels), relu=nn.ReLU(inplace=True)))


class _ResBlock2d(nn.Module):
    """Two 3x3 convs with a shortcut; ``stride`` applies to the frequency axis only."""

    def __init__(self, in_planes: int, planes: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=(stride, 1), padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, planes, 1, stride=(stride, 1), bias=False), nn.BatchNorm2d(planes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class _FrontEnd(nn.Module):
    """FCM: (batch, mels, frames) -> (batch, channels * mels / 8, frames)."""

    def __init__(self, channels: int = 32, feat_dim: int = NUM_MEL_BINS):
        super().__init__()
        self.conv1 = nn.Conv2d(1, channels, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.layer1 = nn.Sequential(_ResBlock2d(channels, channels, 2), _ResBlock2d(channels, channels, 1))
        self.layer2 = nn.Sequential(_ResBlock2d(channels, channels, 2), _ResBlock2d(channels, channels, 1))
        self.conv2 = nn.Conv2d(channels, channels, 3, stride=(2, 1), padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.out_channels = channels * (feat_dim // 8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.bn1(self.conv1(x.unsqueeze(1))))
        x = self.layer2(self.layer1(x))
        x = F.relu(self.bn2(self.conv2(x)))
        b, c, f, t = x.shape
        return x.reshape(b, c * f, t)


class _TDNN(nn.Module):
    """Conv1d then batch norm + ReLU ("same" padding for odd kernels)."""

    def __init__(self, in_ch: int, out_ch: int, kernel: int, stride: int = 1, dilation: int = 1):
        super().__init__()
        self.linear = nn.Conv1d(in_ch, out_ch, kernel, stride=stride, padding=(kernel - 1) // 2 * dilation,
                                dilation=dilation, bias=False)
        self.nonlinear = _bn_relu(out_ch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.nonlinear(self.linear(x))


class _ContextMask(nn.Module):
    """Context-aware masking: a local conv scaled by a gate from global + segment context."""

    def __init__(self, bn_ch: int, out_ch: int, kernel: int, dilation: int, reduction: int = 2,
                 seg_len: int = 100):
        super().__init__()
        self.linear_local = nn.Conv1d(bn_ch, out_ch, kernel, padding=(kernel - 1) // 2 * dilation,
                                      dilation=dilation, bias=False)
        self.linear1 = nn.Conv1d(bn_ch, bn_ch // reduction, 1)
        self.relu = nn.ReLU(inplace=True)
        self.linear2 = nn.Conv1d(bn_ch // reduction, out_ch, 1)
        self.seg_len = seg_len

    def _segment_means(self, x: torch.Tensor) -> torch.Tensor:
        seg = F.avg_pool1d(x, kernel_size=self.seg_len, stride=self.seg_len, ceil_mode=True)
        return seg.repeat_interleave(self.seg_len, dim=-1)[..., : x.shape[-1]]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        local = self.linear_local(x)
        context = x.mean(-1, keepdim=True) + self._segment_means(x)
        gate = torch.sigmoid(self.linear2(self.relu(self.linear1(context))))
        return local * gate


class _DenseLayer(nn.Module):
    """One densely connected layer: BN-ReLU, 1x1 bottleneck, BN-ReLU, context-aware masking."""

    def __init__(self, in_ch: int, out_ch: int, bn_ch: int, kernel: int, dilation: int):
        super().__init__()
        self.nonlinear1 = _bn_relu(in_ch)
        self.linear1 = nn.Conv1d(in_ch, bn_ch, 1, bias=False)
        self.nonlinear2 = _bn_relu(bn_ch)
        self.cam_layer = _ContextMask(bn_ch, out_ch, kernel, dilation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.cam_layer(self.nonlinear2(self.linear1(self.nonlinear1(x))))


class _DenseBlock(nn.ModuleDict):
    """``num_layers`` dense layers; each sees the concatenation of all earlier outputs."""

    def __init__(self, num_layers: int, in_ch: int, growth: int, bn_ch: int, kernel: int, dilation: int):
        super().__init__()
        for i in range(num_layers):
            self[f"tdnnd{i + 1}"] = _DenseLayer(in_ch + i * growth, growth, bn_ch, kernel, dilation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.values():
            x = torch.cat([x, layer(x)], dim=1)
        return x


class _Transit(nn.Module):
    """BN-ReLU then a 1x1 conv that halves the channels between dense blocks."""

    def __init__(self, in_ch: int, out_ch: int):
        super().__init__()
        self.nonlinear = _bn_relu(in_ch)
        self.linear = nn.Conv1d(in_ch, out_ch, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(self.nonlinear(x))


class _StatsPool(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean = x.mean(dim=-1)
        std = x.std(dim=-1, unbiased=True) if x.shape[-1] > 1 else torch.zeros_like(mean)
        return torch.cat([mean, std], dim=-1)


class _Embedding(nn.Module):
    """Pooled statistics -> 192-d through a 1x1 conv and a batch norm without affine terms."""

    def __init__(self, in_ch: int, out_ch: int):
        super().__init__()
        self.linear = nn.Conv1d(in_ch, out_ch, 1, bias=False)
        self.nonlinear = nn.Sequential(OrderedDict(batchnorm=nn.BatchNorm1d(out_ch, affine=False)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.nonlinear(self.linear(x.unsqueeze(-1)).squeeze(-1))


class CAMPPlus(nn.Module):
    """The CAM++ network: fbank features ``(batch, frames, 80)`` -> embeddings ``(batch, 192)``.

    >>> net = CAMPPlus().eval()
    >>> with torch.inference_mode():
    ...     net(torch.randn(2, 200, 80)).shape
    torch.Size([2, 192])
    """

    def __init__(self, feat_dim: int = NUM_MEL_BINS, embedding_size: int = EMBEDDING_DIM, growth: int = 32,
                 bn_size: int = 4, init_channels: int = 128):
        super().__init__()
        self.head = _FrontEnd(feat_dim=feat_dim)
        channels = self.head.out_channels
        layers: OrderedDict[str, nn.Module] = OrderedDict()
        layers["tdnn"] = _TDNN(channels, init_channels, 5, stride=2)
        channels = init_channels
        for i, (num_layers, dilation) in enumerate(((12, 1), (24, 2), (16, 2))):
            layers[f"block{i + 1}"] = _DenseBlock(num_layers, channels, growth, bn_size * growth, 3, dilation)
            channels += num_layers * growth
            layers[f"transit{i + 1}"] = _Transit(channels, channels // 2)
            channels //= 2
        layers["out_nonlinear"] = _bn_relu(channels)
        layers["stats"] = _StatsPool()
        layers["dense"] = _Embedding(channels * 2, embedding_size)
        self.xvector = nn.Sequential(layers)

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        return self.xvector(self.head(feats.permute(0, 2, 1)))

    def frames(self, feats: torch.Tensor) -> torch.Tensor:
        """Frame-level features before pooling: ``(batch, frames, 80)`` -> ``(batch, 512, frames / 2)``."""
        x = self.head(feats.permute(0, 2, 1))
        for name, layer in self.xvector.named_children():
            if name == "stats":
                break
            x = layer(x)
        return x

    def pool(self, frames: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        """Embeddings from frame features pooled over the frames where ``weights > 0.5``.

        Args:
            frames: ``(512, T)`` frame features of one signal.
            weights: ``(n, T)`` one row per embedding to compute.

        Returns:
            ``(n, 192)``; rows with fewer than two selected frames are NaN.
        """
        sel = (weights > 0.5).to(frames.dtype)
        count = sel.sum(dim=1, keepdim=True)
        mean = sel @ frames.T / count.clamp(min=1)
        var = (sel @ (frames.T ** 2) - count * mean ** 2) / (count - 1).clamp(min=1)
        stats = torch.cat([mean, var.clamp(min=0).sqrt()], dim=1)
        emb = self.xvector.dense(stats)
        emb[count.squeeze(1) < 2] = float("nan")
        return emb


def fbank(waveform: torch.Tensor) -> torch.Tensor:
    """Mean-normalized 80-dim Kaldi log mel filterbank of one 16 kHz mono signal.

    Args:
        waveform: ``(num_samples,)`` float tensor in [-1, 1].

    Returns:
        ``(num_frames, 80)`` features (25 ms windows every 10 ms).
    """
    feats = fbank_raw(waveform)
    return feats - feats.mean(dim=0, keepdim=True)


def file_frames(net: CAMPPlus, waveform: torch.Tensor, block_s: float = 30.0, margin_s: float = 2.0) -> torch.Tensor:
    """Frame features of a whole signal at 50 frames/s, computed in overlapping blocks.

    Each block sees ``margin_s`` of context on both sides, which is then dropped, so memory
    stays bounded on long files and every second of audio goes through the network about once.

    Args:
        net: the network (eval mode).
        waveform: ``(num_samples,)`` 16 kHz mono.

    Returns:
        ``(512, T)`` with frame ``t`` centred near ``t * 20 ms``.
    """
    feats = fbank_raw(waveform)
    return frames_by_block(net, feats.shape[0], lambda lo, hi: feats[lo:hi], block_s, margin_s)


def frames_by_block(net: CAMPPlus, total: int, features: Callable[[int, int], torch.Tensor],
                    block_s: float = 30.0, margin_s: float = 2.0) -> torch.Tensor:
    """Frame features of ``total`` filterbank frames, block by block (see :func:`file_frames`).

    Args:
        net: the network (eval mode).
        total: filterbank frames of the signal (10 ms each).
        features: ``(lo, hi)`` -> the filterbank rows ``lo:hi`` (computed ahead, or per block).
    """
    block, margin = int(block_s * 100), int(margin_s * 100)
    outs = []
    for start in range(0, max(total, 1), block):
        lo, hi = max(0, start - margin), min(total, start + block + margin)
        x = features(lo, hi)
        x = x - x.mean(dim=0, keepdim=True)
        y = net.frames(x[None])[0]
        a = (start - lo + 1) // 2
        b = a + (min(start + block, total) - start + 1) // 2
        outs.append(y[:, a:b])
    return torch.cat(outs, dim=1)


def fbank_raw(waveform: torch.Tensor) -> torch.Tensor:
    """80-dim Kaldi log mel filterbank, not normalized."""
    import torchaudio.compliance.kaldi as kaldi

    return kaldi.fbank(waveform.reshape(1, -1), num_mel_bins=NUM_MEL_BINS, sample_frequency=SAMPLE_RATE,
                       dither=0.0, energy_floor=0.0)


def load(state_dict_path: str | os.PathLike[str]) -> CAMPPlus:
    """Build the network and load a released CAM++ state_dict strictly (eval mode, CPU).

    Raises:
        ModelError: the file is missing or does not fit the architecture.
    """
    from audiolab.errors import ModelError

    try:
        state = torch.load(os.fspath(state_dict_path), map_location="cpu", weights_only=True)
    except FileNotFoundError as exc:
        raise ModelError(f"CAM++ checkpoint not found: {state_dict_path}") from exc
    except Exception as exc:  # noqa: BLE001 - torch raises many types for a bad file
        raise ModelError(f"cannot read CAM++ checkpoint {state_dict_path}: {exc}") from exc
    net = CAMPPlus()
    try:
        net.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise ModelError(f"{state_dict_path} is not a CAM++ (192-d, 80 mel) state_dict: {exc}") from exc
    return net.eval()
