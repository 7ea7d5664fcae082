"""Test double of the transformers calls caption_lora.py makes (see ../README.md)."""

from types import SimpleNamespace

import torch
from torch import nn

_CAP = 32  # widths and layer counts are capped: a "real size" config stays small in tests


class _Config:
    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)


class ViTConfig(_Config):
    def __init__(self, image_size=224, patch_size=16, hidden_size=768, num_hidden_layers=12, **kwargs):
        super().__init__(image_size=image_size, patch_size=patch_size, hidden_size=hidden_size, num_hidden_layers=num_hidden_layers, **kwargs)


class GPT2Config(_Config):
    def __init__(self, vocab_size=50257, n_embd=768, n_layer=12, n_positions=1024, add_cross_attention=False, **kwargs):
        super().__init__(vocab_size=vocab_size, n_embd=n_embd, n_layer=n_layer, n_positions=n_positions, add_cross_attention=add_cross_attention, **kwargs)
        self.bos_token_id = kwargs.get("bos_token_id")
        self.eos_token_id = kwargs.get("eos_token_id")


class VisionEncoderDecoderConfig(_Config):
    @classmethod
    def from_encoder_decoder_configs(cls, encoder, decoder):
        return cls(encoder=encoder, decoder=decoder, decoder_start_token_id=None, pad_token_id=None, eos_token_id=None)


def _module(**children):
    m = nn.Module()
    for name, child in children.items():
        setattr(m, name, child)
    return m


class VisionEncoderDecoderModel(nn.Module):
    """A tiny captioner named like ViT + GPT-2: patch mean -> query/value -> projection -> a
    GPT-2-like decoder whose c_attn and cross-attention q_attn read the image."""

    def __init__(self, config):
        super().__init__()
        self.config = config
        self.generation_config = _Config(decoder_start_token_id=None, pad_token_id=None, eos_token_id=None)
        enc, dec = config.encoder, config.decoder
        self.patch = enc.patch_size
        h = min(enc.hidden_size, _CAP)
        d = min(dec.n_embd, _CAP)
        self.vocab = dec.vocab_size
        self.encoder = _module(
            embeddings=_module(patch_embeddings=nn.Linear(3 * self.patch * self.patch, h)),
            encoder=_module(layer=nn.ModuleList(
                _module(attention=_module(attention=_module(query=nn.Linear(h, h), value=nn.Linear(h, h))))
                for _ in range(min(enc.num_hidden_layers, 2))
            )),
        )
        self.enc_to_dec_proj = nn.Linear(h, d)
        self.decoder = _module(
            transformer=_module(
                wte=nn.Embedding(self.vocab, d),
                h=nn.ModuleList(
                    _module(attn=_module(c_attn=nn.Linear(d, d)), crossattention=_module(q_attn=nn.Linear(d, d)))
                    for _ in range(min(dec.n_layer, 2))
                ),
            ),
            lm_head=nn.Linear(d, self.vocab),
        )

    def _encode(self, pixel_values):
        b, c, hgt, wid = pixel_values.shape
        p = self.patch
        patches = pixel_values.unfold(2, p, p).unfold(3, p, p).permute(0, 2, 3, 1, 4, 5).reshape(b, -1, c * p * p)
        x = self.encoder.embeddings.patch_embeddings(patches)
        for layer in self.encoder.encoder.layer:
            att = layer.attention.attention
            x = x + torch.tanh(att.query(x)) * att.value(x)
        return self.enc_to_dec_proj(x.mean(dim=1))

    def _logits(self, image, ids):
        x = self.decoder.transformer.wte(ids)
        for block in self.decoder.transformer.h:
            x = x + torch.tanh(block.attn.c_attn(x) + block.crossattention.q_attn(image)[:, None, :])
        return self.decoder.lm_head(x)

    def forward(self, pixel_values, labels):
        image = self._encode(pixel_values)
        start = torch.full((labels.shape[0], 1), self.config.decoder_start_token_id, dtype=torch.long, device=labels.device)
        inputs = torch.cat([start, labels[:, :-1].clamp(min=0)], dim=1)
        logits = self._logits(image, inputs)
        loss = nn.functional.cross_entropy(logits.reshape(-1, self.vocab), labels.reshape(-1), ignore_index=-100)
        return SimpleNamespace(loss=loss, logits=logits)

    @torch.no_grad()
    def generate(self, pixel_values, max_new_tokens=20, num_beams=1):
        image = self._encode(pixel_values)
        ids = torch.full((pixel_values.shape[0], 1), self.generation_config.decoder_start_token_id, dtype=torch.long, device=pixel_values.device)
        done = torch.zeros(pixel_values.shape[0], dtype=torch.bool, device=pixel_values.device)
        for _ in range(max_new_tokens):
            nxt = self._logits(image, ids)[:, -1].argmax(dim=-1)
            nxt = torch.where(done, torch.full_like(nxt, self.generation_config.pad_token_id), nxt)
            ids = torch.cat([ids, nxt[:, None]], dim=1)
            done |= nxt == self.generation_config.eos_token_id
            if bool(done.all()):
                break
        return ids

    @classmethod
    def from_pretrained(cls, name):
        raise OSError(f"test double: no pretrained weights for {name!r} (use --random-init or --tiny-random)")
