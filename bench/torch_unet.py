"""The reference U-Net of engine/nn/unet.ts, rebuilt in PyTorch for the benchmark (bench/bench.ts).

Driven over stdin/stdout, one JSON object per line, so that the node side can interleave its own timings
with these in one invocation: {"op": "info"} -> parameter and MAC counts; {"op": "train", "batch": B},
{"op": "forward", "batch": B}, {"op": "sample", "batch": B, "steps": S, "guidance": g} -> {"ms": ...}.
The first line on stdin is the model config ({imageSize, channels, levels, resBlocksPerLevel,
attentionResolutions, heads, embDim, numClasses}) and the thread count.
Layer by layer the same as engine/nn/unet.ts: 1x1 convolutions where ours applies Dense to pixels,
pixel-unshuffle + 1x1 down, nearest + 3x3 up, GroupNorm(min(8, C)) with scale/shift, attention with a
fused key/value projection.
"""
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def group_norm(c):
    return nn.GroupNorm(min(8, c), c, eps=1e-5)


class ResBlock(nn.Module):
    def __init__(self, cin, cout, emb_dim):
        super().__init__()
        self.norm1 = group_norm(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.emb = nn.Linear(emb_dim, 2 * cout)
        self.norm2 = group_norm(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, emb):
        h = self.conv1(F.silu(self.norm1(x)))
        scale, shift = self.emb(F.silu(emb)).chunk(2, dim=1)
        h = self.norm2(h) * (1 + scale[:, :, None, None]) + shift[:, :, None, None]
        h = self.conv2(F.silu(h))
        return (self.skip(x) if self.skip is not None else x) + h


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(dim, dim)
        self.kv = nn.Linear(dim, 2 * dim)
        self.out = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, dim = x.shape
        d = dim // self.heads
        split = lambda t: t.reshape(b, n, self.heads, d).transpose(1, 2)
        q = split(self.q(x))
        k, v = (split(t) for t in self.kv(x).chunk(2, dim=-1))
        attn = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d), dim=-1)
        return self.out((attn @ v).transpose(1, 2).reshape(b, n, dim))


class AttentionBlock(nn.Module):
    def __init__(self, ch, heads):
        super().__init__()
        self.norm = group_norm(ch)
        self.attn = Attention(ch, heads)

    def forward(self, x):
        b, c, h, w = x.shape
        seq = lambda t: t.flatten(2).transpose(1, 2)
        out = seq(x) + self.attn(seq(self.norm(x)))
        return out.transpose(1, 2).reshape(b, c, h, w)


class UNet(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        levels, emb_dim, heads, n_res = cfg["levels"], cfg["embDim"], cfg["heads"], cfg["resBlocksPerLevel"]
        self.t_dim = levels[0]
        self.time = nn.Sequential(nn.Linear(levels[0], emb_dim), nn.SiLU(), nn.Linear(emb_dim, emb_dim))
        self.classes = cfg.get("numClasses")
        self.class_embed = nn.Embedding(self.classes + 1, emb_dim) if self.classes else None
        self.in_conv = nn.Conv2d(cfg["channels"], levels[0], 3, padding=1)
        attn_at = cfg["attentionResolutions"]
        skips, ch, res = [levels[0]], levels[0], cfg["imageSize"]
        self.down = nn.ModuleList()
        for i, width in enumerate(levels):
            level = nn.ModuleDict({"blocks": nn.ModuleList(), "attn": nn.ModuleList()})
            for _ in range(n_res):
                level["blocks"].append(ResBlock(ch, width, emb_dim))
                ch = width
                level["attn"].append(AttentionBlock(ch, heads) if res in attn_at else nn.Identity())
                skips.append(ch)
            if i < len(levels) - 1:
                level["downsample"] = nn.Sequential(nn.PixelUnshuffle(2), nn.Conv2d(4 * ch, ch, 1))
                skips.append(ch)
                res //= 2
            self.down.append(level)
        self.mid = nn.ModuleList([ResBlock(ch, ch, emb_dim), AttentionBlock(ch, heads), ResBlock(ch, ch, emb_dim)])
        self.up = nn.ModuleList()
        for i in reversed(range(len(levels))):
            width = levels[i]
            level = nn.ModuleDict({"blocks": nn.ModuleList(), "attn": nn.ModuleList()})
            for _ in range(n_res + 1):
                level["blocks"].append(ResBlock(ch + skips.pop(), width, emb_dim))
                ch = width
                level["attn"].append(AttentionBlock(ch, heads) if res in attn_at else nn.Identity())
            if i > 0:
                level["upsample"] = nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(ch, ch, 3, padding=1))
                res *= 2
            self.up.append(level)
        self.out_norm = group_norm(ch)
        self.out_conv = nn.Conv2d(ch, cfg["channels"], 3, padding=1)

    def timestep_embedding(self, t):
        half = self.t_dim // 2
        freqs = torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float32) / half)
        args = t.float()[:, None] * freqs[None]
        return torch.cat([torch.sin(args), torch.cos(args)], dim=1)

    def forward(self, x, t, labels=None):
        emb = self.time(self.timestep_embedding(t))
        if self.class_embed is not None:
            ids = torch.where(labels < 0, torch.full_like(labels, self.classes), labels)
            emb = emb + self.class_embed(ids)
        h = self.in_conv(x)
        skips = [h]
        for level in self.down:
            for block, attn in zip(level["blocks"], level["attn"]):
                h = attn(block(h, emb))
                skips.append(h)
            if "downsample" in level:
                h = level["downsample"](h)
                skips.append(h)
        h = self.mid[2](self.mid[1](self.mid[0](h, emb)), emb)
        for level in self.up:
            for block, attn in zip(level["blocks"], level["attn"]):
                h = attn(block(torch.cat([h, skips.pop()], dim=1), emb))
            if "upsample" in level:
                h = level["upsample"](h)
        return self.out_conv(F.silu(self.out_norm(h)))


def count_macs(model, cfg):
    """Multiply-accumulates of one forward pass for one image, from hooks on the convolutions, linears and attention."""
    macs = [0]

    def conv_hook(m, inp, out):
        macs[0] += out.numel() // out.shape[0] * m.in_channels * m.kernel_size[0] * m.kernel_size[1] // m.groups

    def linear_hook(m, inp, out):
        # Only the per-pixel projections (attention, [B, N, D]); the per-image embedding MLPs ([B, D]) are
        # left out, as engine/nn/unet.ts's countMacs leaves them out: they are under 0.1% of the work.
        if out.dim() == 3:
            macs[0] += out.shape[1] * m.in_features * m.out_features

    def attn_hook(m, inp, out):
        n, dim = inp[0].shape[1], inp[0].shape[2]
        macs[0] += 2 * n * n * dim

    hooks = []
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            hooks.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            hooks.append(m.register_forward_hook(linear_hook))
        elif isinstance(m, Attention):
            hooks.append(m.register_forward_hook(attn_hook))
    with torch.no_grad():
        s = cfg["imageSize"]
        model(torch.zeros(1, cfg["channels"], s, s), torch.zeros(1, dtype=torch.long), torch.zeros(1, dtype=torch.long))
    for h in hooks:
        h.remove()
    return macs[0]


def timed(f):
    start = time.perf_counter()
    f()
    return time.perf_counter() - start


def main():
    setup = json.loads(sys.stdin.readline())
    cfg = setup["model"]
    torch.set_num_threads(setup.get("threads", 2))
    torch.manual_seed(0)
    model = UNet(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
    s, c, k = cfg["imageSize"], cfg["channels"], cfg.get("numClasses") or 1
    inputs = {}

    def batch_of(b):
        if b not in inputs:
            inputs[b] = (torch.randn(b, c, s, s), torch.randint(0, 1000, (b,)), torch.randint(0, k, (b,)))
        return inputs[b]

    def train_step(b):
        x, t, y = batch_of(b)
        noise = torch.randn_like(x)
        loss = F.mse_loss(model(x, t, y), noise)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    def forward(b):
        x, t, y = batch_of(b)
        with torch.no_grad():
            model(x, t, y)

    def sample(b, steps, guidance):
        """DDIM (eta 0) with classifier-free guidance: both branches in one batched call per step."""
        x, _, y = batch_of(b)
        betas = torch.linspace(1e-4, 0.02, 1000, dtype=torch.float64)
        ab = torch.cumprod(1 - betas, 0)
        ts = list(range(0, 1000, 1000 // steps))[::-1]  # "leading" spacing, as the node side
        labels = torch.cat([y, torch.full_like(y, -1)])
        with torch.no_grad():
            for i, t in enumerate(ts):
                both = model(torch.cat([x, x]), torch.full((2 * b,), t, dtype=torch.long), labels)
                ec, eu = both.chunk(2)
                eps = eu + guidance * (ec - eu)
                a, a_prev = float(ab[t]), float(ab[ts[i + 1]]) if i + 1 < len(ts) else 1.0
                x0 = ((x - math.sqrt(1 - a) * eps) / math.sqrt(a)).clamp(-1, 1)
                x = math.sqrt(a_prev) * x0 + math.sqrt(1 - a_prev) * eps

    ops = {
        "train": lambda r: train_step(r["batch"]),
        "forward": lambda r: forward(r["batch"]),
        "sample": lambda r: sample(r["batch"], r["steps"], r["guidance"]),
    }
    for line in sys.stdin:
        r = json.loads(line)
        if r["op"] == "peak":
            a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
            best = min(timed(lambda: a @ b) for _ in range(8))
            reply = {"gflops": 2 * 2048**3 / best / 1e9}
        elif r["op"] == "info":
            reply = {"parameters": sum(p.numel() for p in model.parameters()), "macsPerSample": count_macs(model, cfg), "torch": torch.__version__, "threads": torch.get_num_threads()}
        else:
            start = time.perf_counter()
            ops[r["op"]](r)
            reply = {"ms": (time.perf_counter() - start) * 1000}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
