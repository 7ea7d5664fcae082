/**
 * The `config.json` of a Hugging Face checkpoint, resolved to the sizes hpo builds: a
 * `vision-encoder-decoder` model (ViT encoder + GPT-2 decoder, as
 * nlpconnect/vit-gpt2-image-captioning), or the `vit` and `gpt2` configs of a pair of
 * folders. Fields and defaults follow transformers' ViTConfig, GPT2Config and
 * VisionEncoderDecoderConfig.
 */
import { z } from "zod";

/** Activations hpo implements, by their transformers name. */
export const ACTIVATIONS = ["gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "relu"] as const;
export type Activation = (typeof ACTIVATIONS)[number];

const activation = z.enum(ACTIVATIONS, { error: (i) => `activation ${JSON.stringify(i.input)} is not supported (hpo implements ${ACTIVATIONS.join(", ")})` });
const positiveInt = z.number().int().positive();

const vitSchema = z
  .object({
    model_type: z.literal("vit", { error: (i) => `encoder model_type ${JSON.stringify(i.input)} is not supported (expected "vit")` }),
    hidden_size: positiveInt.default(768),
    num_hidden_layers: positiveInt.default(12),
    num_attention_heads: positiveInt.default(12),
    intermediate_size: positiveInt.default(3072),
    hidden_act: activation.default("gelu"),
    layer_norm_eps: z.number().positive().default(1e-12),
    image_size: positiveInt.default(224),
    patch_size: positiveInt.default(16),
    num_channels: positiveInt.default(3),
    qkv_bias: z.boolean().default(true),
    initializer_range: z.number().positive().default(0.02),
  })
  .passthrough();

const gpt2Schema = z
  .object({
    model_type: z.literal("gpt2", { error: (i) => `decoder model_type ${JSON.stringify(i.input)} is not supported (expected "gpt2")` }),
    vocab_size: positiveInt.default(50257),
    n_positions: positiveInt.default(1024),
    n_embd: positiveInt.default(768),
    n_layer: positiveInt.default(12),
    n_head: positiveInt.default(12),
    n_inner: positiveInt.nullable().default(null),
    activation_function: activation.default("gelu_new"),
    layer_norm_epsilon: z.number().positive().default(1e-5),
    scale_attn_weights: z.boolean().default(true),
    scale_attn_by_inverse_layer_idx: z.boolean().default(false),
    reorder_and_upcast_attn: z.boolean().default(false),
    add_cross_attention: z.boolean().default(false),
    tie_word_embeddings: z.boolean().default(true),
    initializer_range: z.number().positive().default(0.02),
    bos_token_id: z.number().int().nonnegative().nullable().default(50256),
    eos_token_id: z.number().int().nonnegative().nullable().default(50256),
    pad_token_id: z.number().int().nonnegative().nullable().optional(),
    decoder_start_token_id: z.number().int().nonnegative().nullable().optional(),
  })
  .passthrough();

const visionEncoderDecoderSchema = z
  .object({
    model_type: z.literal("vision-encoder-decoder"),
    encoder: z.record(z.string(), z.unknown()),
    decoder: z.record(z.string(), z.unknown()),
    decoder_start_token_id: z.number().int().nonnegative().nullable().optional(),
    eos_token_id: z.number().int().nonnegative().nullable().optional(),
    pad_token_id: z.number().int().nonnegative().nullable().optional(),
  })
  .passthrough();

/** ViT sizes. */
export interface VitConfig {
  readonly hiddenSize: number;
  readonly layers: number;
  readonly heads: number;
  readonly intermediateSize: number;
  readonly activation: Activation;
  readonly layerNormEps: number;
  readonly imageSize: number;
  readonly patchSize: number;
  readonly channels: number;
  readonly qkvBias: boolean;
  readonly initializerRange: number;
}

/** GPT-2 sizes and attention options. */
export interface Gpt2Config {
  readonly vocabSize: number;
  readonly positions: number;
  readonly hiddenSize: number;
  readonly layers: number;
  readonly heads: number;
  readonly innerSize: number;
  readonly activation: Activation;
  readonly layerNormEps: number;
  readonly scaleAttnWeights: boolean;
  readonly scaleAttnByInverseLayerIdx: boolean;
  readonly tieWordEmbeddings: boolean;
  readonly initializerRange: number;
}

/** A ViT + GPT-2 captioner's configuration. */
export interface PretrainedCaptionerConfig {
  readonly encoder: VitConfig;
  readonly decoder: Gpt2Config;
  /** The token generation and teacher forcing start from. */
  readonly decoderStartTokenId: number;
  /** Generation stops at it; training targets end with it. */
  readonly eosTokenId: number;
  readonly padTokenId: number;
  /** Whether encoder states go through `enc_to_dec_proj` (widths differ). */
  readonly encoderToDecoderProjection: boolean;
  /** The config.json contents, as read (vision-encoder-decoder, or {encoder, decoder} of a pair). */
  readonly raw: { readonly encoder: Record<string, unknown>; readonly decoder: Record<string, unknown>; readonly top?: Record<string, unknown> };
}

function parse<S extends z.ZodType>(schema: S, json: unknown, source: string): z.output<S> {
  const r = schema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new Error(`${source}: ${i.path.join(".") || "(file)"}: ${i.message}`);
  }
  return r.data;
}

function vitConfig(json: unknown, source: string): VitConfig {
  const c = parse(vitSchema, json, source);
  if (c.hidden_size % c.num_attention_heads !== 0) throw new Error(`${source}: hidden_size ${c.hidden_size} is not a multiple of num_attention_heads ${c.num_attention_heads}`);
  if (c.image_size % c.patch_size !== 0) throw new Error(`${source}: image_size ${c.image_size} is not a multiple of patch_size ${c.patch_size}`);
  return {
    hiddenSize: c.hidden_size,
    layers: c.num_hidden_layers,
    heads: c.num_attention_heads,
    intermediateSize: c.intermediate_size,
    activation: c.hidden_act,
    layerNormEps: c.layer_norm_eps,
    imageSize: c.image_size,
    patchSize: c.patch_size,
    channels: c.num_channels,
    qkvBias: c.qkv_bias,
    initializerRange: c.initializer_range,
  };
}

function gpt2Config(json: unknown, source: string): { config: Gpt2Config; parsed: z.output<typeof gpt2Schema> } {
  const c = parse(gpt2Schema, json, source);
  if (c.n_embd % c.n_head !== 0) throw new Error(`${source}: n_embd ${c.n_embd} is not a multiple of n_head ${c.n_head}`);
  return {
    parsed: c,
    config: {
      vocabSize: c.vocab_size,
      positions: c.n_positions,
      hiddenSize: c.n_embd,
      layers: c.n_layer,
      heads: c.n_head,
      innerSize: c.n_inner ?? 4 * c.n_embd,
      activation: c.activation_function,
      layerNormEps: c.layer_norm_epsilon,
      scaleAttnWeights: c.scale_attn_weights,
      scaleAttnByInverseLayerIdx: c.scale_attn_by_inverse_layer_idx,
      tieWordEmbeddings: c.tie_word_embeddings,
      initializerRange: c.initializer_range,
    },
  };
}

function tokenId(what: string, source: string, ...candidates: (number | null | undefined)[]): number {
  const id = candidates.find((c): c is number => typeof c === "number");
  if (id === undefined) throw new Error(`${source}: no ${what} (expected decoder_start_token_id, bos_token_id or eos_token_id)`);
  return id;
}

/** The config of a `vision-encoder-decoder` checkpoint folder's config.json. */
export function visionEncoderDecoderConfig(json: unknown, source: string): PretrainedCaptionerConfig {
  if (typeof json === "object" && json !== null && "model_type" in json && (json as { model_type: unknown }).model_type !== "vision-encoder-decoder") {
    const type = (json as { model_type: unknown }).model_type;
    throw new Error(`${source}: model_type ${JSON.stringify(type)} is not supported here (expected "vision-encoder-decoder", or pass { encoder, decoder } folders of a "vit" and a "gpt2" model)`);
  }
  const top = parse(visionEncoderDecoderSchema, json, source);
  const encoder = vitConfig(top.encoder, `${source} (encoder)`);
  const { config: decoder, parsed } = gpt2Config(top.decoder, `${source} (decoder)`);
  if (!parsed.add_cross_attention) throw new Error(`${source}: decoder.add_cross_attention is false; a vision-encoder-decoder decoder needs cross-attention`);
  const eos = tokenId("eos_token_id", source, top.eos_token_id, parsed.eos_token_id);
  return {
    encoder,
    decoder,
    decoderStartTokenId: tokenId("decoder start token", source, top.decoder_start_token_id, parsed.decoder_start_token_id, parsed.bos_token_id),
    eosTokenId: eos,
    padTokenId: top.pad_token_id ?? parsed.pad_token_id ?? eos,
    encoderToDecoderProjection: encoder.hiddenSize !== decoder.hiddenSize,
    raw: { encoder: top.encoder, decoder: top.decoder, top: json as Record<string, unknown> },
  };
}

/** The config of a ViT folder and a GPT-2 folder joined with fresh cross-attention. */
export function pairedConfig(encoderJson: unknown, decoderJson: unknown, encoderSource: string, decoderSource: string): PretrainedCaptionerConfig {
  const encoder = vitConfig(encoderJson, encoderSource);
  const { config: decoder, parsed } = gpt2Config(decoderJson, decoderSource);
  const eos = tokenId("eos_token_id", decoderSource, parsed.eos_token_id);
  return {
    encoder,
    decoder,
    decoderStartTokenId: tokenId("decoder start token", decoderSource, parsed.decoder_start_token_id, parsed.bos_token_id),
    eosTokenId: eos,
    padTokenId: parsed.pad_token_id ?? eos,
    encoderToDecoderProjection: encoder.hiddenSize !== decoder.hiddenSize,
    raw: { encoder: encoderJson as Record<string, unknown>, decoder: { ...(decoderJson as Record<string, unknown>), add_cross_attention: true, is_decoder: true } },
  };
}

/** Patches per image (without the CLS token). */
export function vitPatchCount(c: VitConfig): number {
  return (c.imageSize / c.patchSize) ** 2;
}
