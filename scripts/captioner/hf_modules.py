"""PyTorch reference of the ViT + GPT-2 captioner hpo loads, written after Hugging Face
transformers 4.38 (models/vit/modeling_vit.py, models/gpt2/modeling_gpt2.py,
models/vision_encoder_decoder/modeling_vision_encoder_decoder.py; eager attention, no
dropout at evaluation). Module and attribute names are transformers', so `state_dict()`
has the exact keys of a VisionEncoderDecoderModel checkpoint. transformers itself is not
installable here (no PyPI); Debian's python3-torch 1.13 is.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

ACT = {
    "gelu": lambda x: F.gelu(x),
    # transformers' NewGELUActivation / gelu_pytorch_tanh / FastGELU: the tanh approximation.
    "gelu_new": lambda x: 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0)))),
    "gelu_pytorch_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "gelu_fast": lambda x: 0.5 * x * (1.0 + torch.tanh(x * 0.7978845608 * (1.0 + 0.044715 * x * x))),
    "relu": F.relu,
}


# ---------------------------------------------------------------- ViT (modeling_vit.py)

class ViTPatchEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.projection = nn.Conv2d(c["num_channels"], c["hidden_size"], kernel_size=c["patch_size"], stride=c["patch_size"])

    def forward(self, pixel_values):
        return self.projection(pixel_values).flatten(2).transpose(1, 2)


class ViTEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.cls_token = nn.Parameter(torch.randn(1, 1, c["hidden_size"]))
        self.patch_embeddings = ViTPatchEmbeddings(c)
        n = (c["image_size"] // c["patch_size"]) ** 2
        self.position_embeddings = nn.Parameter(torch.randn(1, n + 1, c["hidden_size"]))

    def forward(self, pixel_values):
        x = self.patch_embeddings(pixel_values)
        cls = self.cls_token.expand(x.shape[0], -1, -1)
        return torch.cat((cls, x), dim=1) + self.position_embeddings


class ViTSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.num_attention_heads = c["num_attention_heads"]
        self.attention_head_size = c["hidden_size"] // c["num_attention_heads"]
        self.all_head_size = self.num_attention_heads * self.attention_head_size
        self.query = nn.Linear(c["hidden_size"], self.all_head_size, bias=c["qkv_bias"])
        self.key = nn.Linear(c["hidden_size"], self.all_head_size, bias=c["qkv_bias"])
        self.value = nn.Linear(c["hidden_size"], self.all_head_size, bias=c["qkv_bias"])

    def transpose_for_scores(self, x):
        return x.view(x.size()[:-1] + (self.num_attention_heads, self.attention_head_size)).permute(0, 2, 1, 3)

    def forward(self, hidden_states):
        q = self.transpose_for_scores(self.query(hidden_states))
        k = self.transpose_for_scores(self.key(hidden_states))
        v = self.transpose_for_scores(self.value(hidden_states))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.attention_head_size)
        probs = F.softmax(scores, dim=-1)
        ctx = torch.matmul(probs, v).permute(0, 2, 1, 3).contiguous()
        return ctx.view(ctx.size()[:-2] + (self.all_head_size,))


class ViTSelfOutput(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])

    def forward(self, x):
        return self.dense(x)


class ViTAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = ViTSelfAttention(c)
        self.output = ViTSelfOutput(c)

    def forward(self, x):
        return self.output(self.attention(x))


class ViTIntermediate(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["intermediate_size"])
        self.act = ACT[c["hidden_act"]]

    def forward(self, x):
        return self.act(self.dense(x))


class ViTOutput(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["intermediate_size"], c["hidden_size"])

    def forward(self, x, residual):
        return self.dense(x) + residual


class ViTLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = ViTAttention(c)
        self.intermediate = ViTIntermediate(c)
        self.output = ViTOutput(c)
        self.layernorm_before = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        self.layernorm_after = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])

    def forward(self, x):
        x = self.attention(self.layernorm_before(x)) + x
        return self.output(self.intermediate(self.layernorm_after(x)), x)


class ViTEncoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList(ViTLayer(c) for _ in range(c["num_hidden_layers"]))

    def forward(self, x):
        for layer in self.layer:
            x = layer(x)
        return x


class ViTPooler(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])

    def forward(self, x):
        return torch.tanh(self.dense(x[:, 0]))


class ViTModel(nn.Module):
    def __init__(self, c, add_pooling_layer=True):
        super().__init__()
        self.embeddings = ViTEmbeddings(c)
        self.encoder = ViTEncoder(c)
        self.layernorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        self.pooler = ViTPooler(c) if add_pooling_layer else None

    def forward(self, pixel_values):
        x = self.layernorm(self.encoder(self.embeddings(pixel_values)))
        return x, (self.pooler(x) if self.pooler is not None else None)


# ---------------------------------------------------------------- GPT-2 (modeling_gpt2.py)

class Conv1D(nn.Module):
    """transformers.pytorch_utils.Conv1D: a linear layer with the weight stored [in, out]."""

    def __init__(self, nf, nx):
        super().__init__()
        self.nf = nf
        self.weight = nn.Parameter(torch.empty(nx, nf))
        self.bias = nn.Parameter(torch.zeros(nf))
        nn.init.normal_(self.weight, std=0.02)

    def forward(self, x):
        size_out = x.size()[:-1] + (self.nf,)
        return torch.addmm(self.bias, x.view(-1, x.size(-1)), self.weight).view(size_out)


class GPT2Attention(nn.Module):
    def __init__(self, c, is_cross_attention=False, layer_idx=None):
        super().__init__()
        self.embed_dim = c["n_embd"]
        self.num_heads = c["n_head"]
        self.head_dim = self.embed_dim // self.num_heads
        self.split_size = self.embed_dim
        self.scale_attn_weights = c.get("scale_attn_weights", True)
        self.scale_attn_by_inverse_layer_idx = c.get("scale_attn_by_inverse_layer_idx", False)
        self.is_cross_attention = is_cross_attention
        self.layer_idx = layer_idx
        if is_cross_attention:
            self.c_attn = Conv1D(2 * self.embed_dim, self.embed_dim)
            self.q_attn = Conv1D(self.embed_dim, self.embed_dim)
        else:
            self.c_attn = Conv1D(3 * self.embed_dim, self.embed_dim)
        self.c_proj = Conv1D(self.embed_dim, self.embed_dim)

    def _split_heads(self, t):
        return t.view(t.size()[:-1] + (self.num_heads, self.head_dim)).permute(0, 2, 1, 3)

    def _attn(self, q, k, v):
        w = torch.matmul(q, k.transpose(-1, -2))
        if self.scale_attn_weights:
            w = w / torch.full([], v.size(-1) ** 0.5, dtype=w.dtype)
        if self.scale_attn_by_inverse_layer_idx:
            w = w / float(self.layer_idx + 1)
        if not self.is_cross_attention:
            ql, kl = q.size(-2), k.size(-2)
            causal = torch.tril(torch.ones((kl, kl), dtype=torch.bool))[kl - ql: kl, :kl]
            w = torch.where(causal, w, torch.full([], torch.finfo(w.dtype).min, dtype=w.dtype))
        return torch.matmul(F.softmax(w, dim=-1), v)

    def forward(self, hidden_states, encoder_hidden_states=None):
        if encoder_hidden_states is not None:
            q = self.q_attn(hidden_states)
            k, v = self.c_attn(encoder_hidden_states).split(self.split_size, dim=2)
        else:
            q, k, v = self.c_attn(hidden_states).split(self.split_size, dim=2)
        out = self._attn(self._split_heads(q), self._split_heads(k), self._split_heads(v))
        out = out.permute(0, 2, 1, 3).contiguous()
        return self.c_proj(out.view(out.size()[:-2] + (self.embed_dim,)))


class GPT2MLP(nn.Module):
    def __init__(self, inner, c):
        super().__init__()
        self.c_fc = Conv1D(inner, c["n_embd"])
        self.c_proj = Conv1D(c["n_embd"], inner)
        self.act = ACT[c.get("activation_function", "gelu_new")]

    def forward(self, x):
        return self.c_proj(self.act(self.c_fc(x)))


class GPT2Block(nn.Module):
    def __init__(self, c, layer_idx):
        super().__init__()
        h = c["n_embd"]
        inner = c.get("n_inner") or 4 * h
        eps = c.get("layer_norm_epsilon", 1e-5)
        self.ln_1 = nn.LayerNorm(h, eps=eps)
        self.attn = GPT2Attention(c, layer_idx=layer_idx)
        self.ln_2 = nn.LayerNorm(h, eps=eps)
        if c.get("add_cross_attention", False):
            self.crossattention = GPT2Attention(c, is_cross_attention=True, layer_idx=layer_idx)
            self.ln_cross_attn = nn.LayerNorm(h, eps=eps)
        self.mlp = GPT2MLP(inner, c)

    def forward(self, x, encoder_hidden_states):
        x = self.attn(self.ln_1(x)) + x
        x = self.crossattention(self.ln_cross_attn(x), encoder_hidden_states=encoder_hidden_states) + x
        return x + self.mlp(self.ln_2(x))


class GPT2Model(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.wte = nn.Embedding(c["vocab_size"], c["n_embd"])
        self.wpe = nn.Embedding(c["n_positions"], c["n_embd"])
        self.h = nn.ModuleList(GPT2Block(c, i) for i in range(c["n_layer"]))
        self.ln_f = nn.LayerNorm(c["n_embd"], eps=c.get("layer_norm_epsilon", 1e-5))

    def forward(self, input_ids, encoder_hidden_states):
        pos = torch.arange(input_ids.shape[-1]).unsqueeze(0)
        x = self.wte(input_ids) + self.wpe(pos)
        for block in self.h:
            x = block(x, encoder_hidden_states)
        return self.ln_f(x)


class GPT2LMHeadModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.transformer = GPT2Model(c)
        self.lm_head = nn.Linear(c["n_embd"], c["vocab_size"], bias=False)
        if c.get("tie_word_embeddings", True):
            self.lm_head.weight = self.transformer.wte.weight

    def forward(self, input_ids, encoder_hidden_states):
        return self.lm_head(self.transformer(input_ids, encoder_hidden_states))


# ------------------------------------- VisionEncoderDecoderModel (modeling_vision_encoder_decoder.py)

class VisionEncoderDecoderModel(nn.Module):
    def __init__(self, config, add_pooling_layer=True):
        super().__init__()
        self.config = config
        enc, dec = config["encoder"], config["decoder"]
        self.encoder = ViTModel(enc, add_pooling_layer=add_pooling_layer)
        self.decoder = GPT2LMHeadModel(dec)
        if enc["hidden_size"] != dec["n_embd"] and dec.get("cross_attention_hidden_size") is None:
            self.enc_to_dec_proj = nn.Linear(enc["hidden_size"], dec["n_embd"])
        else:
            self.enc_to_dec_proj = None

    def encode(self, pixel_values):
        return self.encoder(pixel_values)

    def decode(self, encoder_hidden_states, decoder_input_ids):
        if self.enc_to_dec_proj is not None:
            encoder_hidden_states = self.enc_to_dec_proj(encoder_hidden_states)
        return self.decoder(decoder_input_ids, encoder_hidden_states)

    def forward(self, pixel_values, decoder_input_ids):
        return self.decode(self.encode(pixel_values)[0], decoder_input_ids)

    @torch.no_grad()
    def greedy(self, pixel_values, max_new_tokens):
        """generate(num_beams=1, do_sample=False) without a cache: (tokens per image, smallest top-2 logit gap)."""
        start = self.config["decoder_start_token_id"]
        eos = self.config["eos_token_id"]
        states = self.encode(pixel_values)[0]
        ids = torch.full((pixel_values.shape[0], 1), start, dtype=torch.long)
        done = torch.zeros(pixel_values.shape[0], dtype=torch.bool)
        margin = float("inf")
        for _ in range(max_new_tokens):
            logits = self.decode(states, ids)[:, -1]
            top = torch.topk(logits, 2, dim=-1).values
            live = ~done
            if live.any():
                margin = min(margin, float((top[live, 0] - top[live, 1]).min()))
            nxt = torch.where(done, torch.full_like(logits[:, 0], self.config["pad_token_id"]).long(), logits.argmax(-1))
            ids = torch.cat([ids, nxt[:, None]], dim=1)
            done = done | (nxt == eos)
            if done.all():
                break
        out = []
        for row in ids[:, 1:].tolist():
            out.append(row[: row.index(eos)] if eos in row else row)
        return out, margin
