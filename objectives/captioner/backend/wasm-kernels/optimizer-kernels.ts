/**
 * The optimiser step in WebAssembly SIMD: a sum of squares (for global-norm clipping) and
 * one fused AdamW update per tensor. Written as tfjs ops, AdamW plus clipping cost about
 * fifteen kernel launches per weight — half of all launches in a training step.
 */
import { CodeWriter, F32, I32, V128, type WasmFunction } from "./wasm-code.ts";

/** `sumsq(ptr, n) → f32`: Σ x² over n floats at byte address ptr. */
export function sumOfSquaresFunction(): WasmFunction {
  const w = new CodeWriter(2);
  const [ptr, n] = [0, 1];
  const i = w.local(I32);
  const acc = w.local(V128);
  const x = w.local(V128);
  const s = w.local(F32);
  const xs = w.local(F32);
  w.v128Zero().set(acc);
  w.i32(0).set(i);
  w.block().loop();
  w.get(i).i32(4).add().get(n).gtS().brIf(1);
  w.get(ptr).v128Load().tee(x).get(x).f32x4Mul().get(acc).f32x4Add().set(acc);
  w.get(ptr).i32(16).add().set(ptr);
  w.get(i).i32(4).add().set(i);
  w.br(0).end().end();
  w.get(acc).f32x4ExtractLane(0).get(acc).f32x4ExtractLane(1).f32Add().get(acc).f32x4ExtractLane(2).f32Add().get(acc).f32x4ExtractLane(3).f32Add().set(s);
  w.block().loop();
  w.get(i).get(n).geS().brIf(1);
  w.get(ptr).f32Load().tee(xs).get(xs).f32Mul().get(s).f32Add().set(s);
  w.get(ptr).i32(4).add().set(ptr);
  w.get(i).i32(1).add().set(i);
  w.br(0).end().end();
  w.get(s);
  return { name: "sumsq", params: [I32, I32], results: [F32], code: w };
}

/**
 * `adamw(w, g, m, v, wOut, mOut, vOut, n, gScale, b1, oneMinusB1, b2, oneMinusB2,
 * stepSize, epsHat, decay)`: with ĝ = gScale·g,
 * m' = b1·m + (1−b1)·ĝ, v' = b2·v + (1−b2)·ĝ², w' = decay·w − stepSize·m' / (√v' + epsHat).
 */
export function adamwFunction(): WasmFunction {
  const PARAMS = [I32, I32, I32, I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, F32, F32] as const;
  const w = new CodeWriter(PARAMS.length);
  const [pw, pg, pm, pv, ow, om, ov, n, gScale, b1, c1, b2, c2, step, eps, decay] = PARAMS.map((_, k) => k);
  const i = w.local(I32);
  const off = w.local(I32);
  // Splatted scalars for the vector loop.
  const [vg, vb1, vc1, vb2, vc2, vstep, veps, vdecay] = [w.local(V128), w.local(V128), w.local(V128), w.local(V128), w.local(V128), w.local(V128), w.local(V128), w.local(V128)];
  const gv = w.local(V128);
  const mv = w.local(V128);
  const vv = w.local(V128);
  const gs = w.local(F32);
  const ms = w.local(F32);
  const vs = w.local(F32);
  for (const [scalar, vec] of [[gScale, vg], [b1, vb1], [c1, vc1], [b2, vb2], [c2, vc2], [step, vstep], [eps, veps], [decay, vdecay]]) w.get(scalar).f32x4Splat().set(vec);
  w.i32(0).set(i);
  w.i32(0).set(off);
  const at = (base: number) => w.get(base).get(off).add();
  // Vector body.
  w.block().loop();
  w.get(i).i32(4).add().get(n).gtS().brIf(1);
  at(pg).v128Load().get(vg).f32x4Mul().set(gv);
  at(pm).v128Load().get(vb1).f32x4Mul().get(gv).get(vc1).f32x4Mul().f32x4Add().set(mv);
  at(pv).v128Load().get(vb2).f32x4Mul().get(gv).get(gv).f32x4Mul().get(vc2).f32x4Mul().f32x4Add().set(vv);
  at(om).get(mv).v128Store();
  at(ov).get(vv).v128Store();
  at(ow);
  at(pw).v128Load().get(vdecay).f32x4Mul();
  w.get(mv).get(vstep).f32x4Mul().get(vv).f32x4Sqrt().get(veps).f32x4Add().f32x4Div().f32x4Sub().v128Store();
  w.get(off).i32(16).add().set(off);
  w.get(i).i32(4).add().set(i);
  w.br(0).end().end();
  // Scalar tail.
  w.block().loop();
  w.get(i).get(n).geS().brIf(1);
  at(pg).f32Load().get(gScale).f32Mul().set(gs);
  at(pm).f32Load().get(b1).f32Mul().get(gs).get(c1).f32Mul().f32Add().set(ms);
  at(pv).f32Load().get(b2).f32Mul().get(gs).get(gs).f32Mul().get(c2).f32Mul().f32Add().set(vs);
  at(om).get(ms).f32Store();
  at(ov).get(vs).f32Store();
  at(ow);
  at(pw).f32Load().get(decay).f32Mul();
  w.get(ms).get(step).f32Mul().get(vs).f32Sqrt().get(eps).f32Add().f32Div().f32Sub().f32Store();
  w.get(off).i32(4).add().set(off);
  w.get(i).i32(1).add().set(i);
  w.br(0).end().end();
  return { name: "adamw", params: [...PARAMS], code: w };
}
