"""The whole-model fixtures' PyTorch modules. Each forward returns the
scalar training loss, so that torch.onnx.export writes forward and loss as
one graph. Dropout is 0 everywhere: ONNX Runtime and torch draw different
masks, and a trajectory can only be compared when nothing is random."""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class TransformerClassifier(nn.Module):
    """Token and position embeddings, nn.TransformerEncoder of GELU layers
    (batch first, dropout 0), mean over the tokens that are not padding,
    a linear head and cross entropy. `pad` is True at padding positions and
    goes to the encoder as src_key_padding_mask (a boolean mask)."""

    def __init__(self, vocab, length, dim, heads, ff, layers, classes):
        super().__init__()
        self.tok = nn.Embedding(vocab, dim)
        self.pos = nn.Embedding(length, dim)
        layer = nn.TransformerEncoderLayer(dim, heads, dim_feedforward=ff, dropout=0.0, activation="gelu",
                                           batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = nn.Linear(dim, classes)
        self.register_buffer("positions", torch.arange(length), persistent=False)

    def logits(self, x, pad):
        h = self.tok(x) + self.pos(self.positions[: x.shape[1]])
        h = self.encoder(h, src_key_padding_mask=pad)
        keep = (~pad).to(h.dtype).unsqueeze(-1)
        pooled = (h * keep).sum(dim=1) / keep.sum(dim=1)
        return self.head(pooled)

    def forward(self, x, pad, y):
        return F.cross_entropy(self.logits(x, pad), y)


class CausalSelfAttention(nn.Module):
    def __init__(self, dim, heads, length):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.register_buffer("mask", torch.tril(torch.ones(length, length)).view(1, 1, length, length),
                             persistent=False)

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.qkv(x).split(c, dim=2)
        q = q.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        k = k.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        v = v.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.shape[-1]))
        att = att.masked_fill(self.mask[:, :, :t, :t] == 0, float("-inf"))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, c)
        return self.proj(y)


class Block(nn.Module):
    def __init__(self, dim, heads, length):
        super().__init__()
        self.ln1 = nn.LayerNorm(dim)
        self.attn = CausalSelfAttention(dim, heads, length)
        self.ln2 = nn.LayerNorm(dim)
        self.fc = nn.Linear(dim, 4 * dim)
        self.out = nn.Linear(4 * dim, dim)

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.out(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))


class TinyGPT(nn.Module):
    """A GPT in miniature: token and position embeddings, pre-norm blocks of
    causal self-attention (a lower-triangular boolean mask, -inf above the
    diagonal) and a tanh-GELU MLP, a final LayerNorm, the output projection
    tied to the token embedding, and next-token cross entropy over every
    position."""

    def __init__(self, vocab, length, dim, heads, layers):
        super().__init__()
        self.tok = nn.Embedding(vocab, dim)
        self.pos = nn.Embedding(length, dim)
        self.blocks = nn.ModuleList([Block(dim, heads, length) for _ in range(layers)])
        self.ln = nn.LayerNorm(dim)
        self.register_buffer("positions", torch.arange(length), persistent=False)

    def forward(self, x, y):
        t = x.shape[1]
        h = self.tok(x) + self.pos(self.positions[:t])
        for block in self.blocks:
            h = block(h)
        logits = self.ln(h) @ self.tok.weight.t()
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


class BatchNormCNN(nn.Module):
    """conv3x3-BatchNorm2d-ReLU-maxpool2 twice, flatten, linear, cross
    entropy, on 1x28x28 images. The convolutions have no bias: BatchNorm
    subtracts the batch mean, so a bias before it has a gradient of exactly
    zero, and Adam would turn the rounding noise in its place into steps of
    the full learning rate."""

    def __init__(self, c1, c2, classes):
        super().__init__()
        self.conv1 = nn.Conv2d(1, c1, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(c1)
        self.conv2 = nn.Conv2d(c1, c2, 3, bias=False)
        self.bn2 = nn.BatchNorm2d(c2)
        self.fc = nn.Linear(c2 * 5 * 5, classes)

    def forward(self, x, y):
        h = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)   # 28 -> 26 -> 13
        h = F.max_pool2d(F.relu(self.bn2(self.conv2(h))), 2)   # 13 -> 11 -> 5
        return F.cross_entropy(self.fc(torch.flatten(h, 1)), y)


class LayerNormMLP(nn.Module):
    """Linear-LayerNorm-GELU blocks and a linear output, mean squared error.
    torch 1.13 cannot export aten::mse_loss, so the loss is spelled out as
    the mean of the squared differences (what F.mse_loss computes)."""

    def __init__(self, widths):
        super().__init__()
        self.lins = nn.ModuleList([nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:])])
        self.norms = nn.ModuleList([nn.LayerNorm(w) for w in widths[1:-1]])

    def forward(self, x, y):
        for lin, norm in zip(self.lins, self.norms):
            x = F.gelu(norm(lin(x)))
        d = self.lins[-1](x) - y
        return torch.mean(d * d)


class BagClassifier(nn.Module):
    """A bag-of-embeddings text classifier over padded token rows (token 0
    is padding): the mean of the embeddings of the tokens that are not
    padding, linear-ReLU-linear, cross entropy.

    Trained with nn.EmbeddingBag(mode='mean', padding_idx=0). torch 1.13
    exports EmbeddingBag as a Loop and refuses padding_idx, so the exported
    module (`exporting = True`) spells out the same mean over the same
    weight: F.embedding, a mask of the non-padding tokens, a sum and a
    division by their count."""

    def __init__(self, vocab, dim, hidden, classes):
        super().__init__()
        self.bag = nn.EmbeddingBag(vocab, dim, mode="mean", padding_idx=0)
        self.hidden = nn.Linear(dim, hidden)
        self.out = nn.Linear(hidden, classes)
        self.exporting = False

    def pooled(self, x):
        if not self.exporting:
            return self.bag(x)
        keep = (x != 0).to(self.bag.weight.dtype).unsqueeze(-1)
        return (F.embedding(x, self.bag.weight) * keep).sum(dim=1) / keep.sum(dim=1)

    def forward(self, x, y):
        return F.cross_entropy(self.out(F.relu(self.hidden(self.pooled(x)))), y)
