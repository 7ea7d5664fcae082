/**
 * Every weight of the captioner, by name and shape: the single place that says what the
 * architecture is (ViT encoder + GPT-2-style decoder with cross-attention and a tied
 * output embedding). Names follow the module path: `decoder.blocks.1.cross.q.kernel`.
 */
import { type CaptionerConfig, patchCount, patchDim } from "./captioner-config.ts";
import type { ParameterSpec, Tower } from "./parameter-store.ts";

/** Which kind of projection a dense layer is (what LoRA targets select). */
export type ProjectionKind = "q" | "k" | "v" | "o" | "mlp";

/** A dense layer `<name>.kernel` [inDim, outDim] with `<name>.bias` [outDim]. */
export interface ProjectionSpec {
  readonly name: string;
  readonly tower: Tower;
  readonly kind: ProjectionKind;
  readonly inDim: number;
  readonly outDim: number;
}

/** All dense projections that LoRA may adapt, in a stable order. */
export function projectionSpecs(config: CaptionerConfig): ProjectionSpec[] {
  const { encoder: e, decoder: d } = config;
  const out: ProjectionSpec[] = [];
  const attention = (prefix: string, tower: Tower, qDim: number, kvDim: number, dim: number) => {
    out.push({ name: `${prefix}.q`, tower, kind: "q", inDim: qDim, outDim: dim });
    out.push({ name: `${prefix}.k`, tower, kind: "k", inDim: kvDim, outDim: dim });
    out.push({ name: `${prefix}.v`, tower, kind: "v", inDim: kvDim, outDim: dim });
    out.push({ name: `${prefix}.o`, tower, kind: "o", inDim: dim, outDim: dim });
  };
  const mlp = (prefix: string, tower: Tower, dim: number, hidden: number) => {
    out.push({ name: `${prefix}.fc`, tower, kind: "mlp", inDim: dim, outDim: hidden });
    out.push({ name: `${prefix}.proj`, tower, kind: "mlp", inDim: hidden, outDim: dim });
  };
  for (let l = 0; l < e.layers; l++) {
    attention(`encoder.blocks.${l}.attn`, "encoder", e.dModel, e.dModel, e.dModel);
    mlp(`encoder.blocks.${l}.mlp`, "encoder", e.dModel, e.mlpDim);
  }
  for (let l = 0; l < d.layers; l++) {
    attention(`decoder.blocks.${l}.self`, "decoder", d.dModel, d.dModel, d.dModel);
    attention(`decoder.blocks.${l}.cross`, "decoder", d.dModel, e.dModel, d.dModel);
    mlp(`decoder.blocks.${l}.mlp`, "decoder", d.dModel, d.mlpDim);
  }
  return out;
}

/** Every weight, with GPT-2-style initialisation scaled to these small widths. */
export function parameterSpecs(config: CaptionerConfig): ParameterSpec[] {
  const { encoder: e, decoder: d } = config;
  const specs: ParameterSpec[] = [];
  const norm = (name: string, tower: Tower, dim: number) => {
    specs.push({ name: `${name}.gamma`, tower, shape: [dim], init: { kind: "ones" } });
    specs.push({ name: `${name}.beta`, tower, shape: [dim], init: { kind: "zeros" } });
  };
  const projections = new Map(projectionSpecs(config).map((p) => [p.name, p]));
  const dense = (name: string) => {
    const p = projections.get(name);
    if (!p) throw new Error(`unknown projection ${name}`);
    const layers = p.tower === "encoder" ? e.layers : d.layers;
    // Residual-branch outputs start smaller so deep stacks begin near the identity.
    const residualOut = name.endsWith(".o") || name.endsWith(".proj");
    const std = (1 / Math.sqrt(p.inDim)) * (residualOut ? 1 / Math.sqrt(2 * layers) : 1);
    specs.push({ name: `${name}.kernel`, tower: p.tower, shape: [p.inDim, p.outDim], init: { kind: "normal", std } });
    specs.push({ name: `${name}.bias`, tower: p.tower, shape: [p.outDim], init: { kind: "zeros" } });
  };
  const pd = patchDim(e);
  specs.push({ name: "encoder.patch.kernel", tower: "encoder", shape: [pd, e.dModel], init: { kind: "normal", std: 1 / Math.sqrt(pd) } });
  specs.push({ name: "encoder.patch.bias", tower: "encoder", shape: [e.dModel], init: { kind: "zeros" } });
  specs.push({ name: "encoder.pos", tower: "encoder", shape: [patchCount(e), e.dModel], init: { kind: "normal", std: 0.02 } });
  for (let l = 0; l < e.layers; l++) {
    const b = `encoder.blocks.${l}`;
    norm(`${b}.ln1`, "encoder", e.dModel);
    for (const x of ["q", "k", "v", "o"]) dense(`${b}.attn.${x}`);
    norm(`${b}.ln2`, "encoder", e.dModel);
    dense(`${b}.mlp.fc`);
    dense(`${b}.mlp.proj`);
  }
  norm("encoder.ln_f", "encoder", e.dModel);
  specs.push({ name: "decoder.tokens", tower: "decoder", shape: [d.vocabSize, d.dModel], init: { kind: "normal", std: 0.02 } });
  specs.push({ name: "decoder.pos", tower: "decoder", shape: [d.maxTokens, d.dModel], init: { kind: "normal", std: 0.02 } });
  for (let l = 0; l < d.layers; l++) {
    const b = `decoder.blocks.${l}`;
    norm(`${b}.ln1`, "decoder", d.dModel);
    for (const x of ["q", "k", "v", "o"]) dense(`${b}.self.${x}`);
    norm(`${b}.ln2`, "decoder", d.dModel);
    for (const x of ["q", "k", "v", "o"]) dense(`${b}.cross.${x}`);
    norm(`${b}.ln3`, "decoder", d.dModel);
    dense(`${b}.mlp.fc`);
    dense(`${b}.mlp.proj`);
  }
  norm("decoder.ln_f", "decoder", d.dModel);
  return specs;
}
