/**
 * A grouped matrix product C[g] = op(A[g]) · B[g] in WebAssembly SIMD, for the small
 * per-head products of attention. tfjs-backend-wasm only sends a product to XNNPACK when
 * there is one group and no transpose flag; everything else goes to a scalar loop that
 * runs at well under 1 GFLOP/s, which made attention the slowest part of a training step.
 */
import { CodeWriter, F32, I32, V128, type WasmFunction } from "./wasm-code.ts";

/**
 * Parameters: a, b, c (byte addresses), G, M, K, N, aRowStride, aColStride, aGroupStride,
 * bGroupStride, cGroupStride (strides in bytes), all i32, then alpha (f32): C = alpha·A·B.
 * A(i, k) lives at a + i·aRowStride + k·aColStride, so a transposed A costs nothing; B and
 * C are row-major with N columns. Columns beyond the last multiple of 4 (ViT's 197 tokens)
 * take a scalar loop.
 */
export const GEMM_PARAMS = 13;

/** Builds the `gemm` function. */
export function gemmFunction(): WasmFunction {
  const w = new CodeWriter(GEMM_PARAMS);
  const [a, b, c, G, M, K, N, aRow, aCol, aGrp, bGrp, cGrp, alpha] = Array.from({ length: GEMM_PARAMS }, (_, i) => i);
  const g = w.local(I32);
  const i = w.local(I32);
  const j = w.local(I32);
  const kk = w.local(I32);
  const pa = [w.local(I32), w.local(I32), w.local(I32), w.local(I32)];
  const pb = w.local(I32);
  const pc = w.local(I32);
  const aG = w.local(I32);
  const bG = w.local(I32);
  const cG = w.local(I32);
  const rowBytes = w.local(I32);
  const acc = Array.from({ length: 8 }, () => w.local(V128));
  const bv = [w.local(V128), w.local(V128)];
  const alphas = w.local(V128);
  const accS = Array.from({ length: 4 }, () => w.local(F32));

  // pa[r] = aG + (i + r)·aRow, pb = bG + 4j, kk = K: where a tile's k loop starts.
  const startTile = (R: number): void => {
    w.get(aG).get(i).get(aRow).mul().add().set(pa[0]);
    for (let r = 1; r < R; r++) w.get(pa[r - 1]).get(aRow).add().set(pa[r]);
    w.get(bG).get(j).i32(4).mul().add().set(pb);
    w.get(K).set(kk);
  };

  // Computes the R×(4V) tile of C at (i, j), R ∈ {4, 1}, V ∈ {2, 1}.
  const tile = (R: number, V: number): void => {
    for (let t = 0; t < R * V; t++) w.v128Zero().set(acc[t]);
    startTile(R);
    w.block().loop();
    w.get(kk).eqz().brIf(1);
    for (let v = 0; v < V; v++) w.get(pb).v128Load(16 * v).set(bv[v]);
    for (let r = 0; r < R; r++) {
      for (let v = 0; v < V; v++) {
        const t = r * V + v;
        w.get(acc[t]).get(pa[r]).load32Splat().get(bv[v]).f32x4Mul().f32x4Add().set(acc[t]);
      }
    }
    for (let r = 0; r < R; r++) w.get(pa[r]).get(aCol).add().set(pa[r]);
    w.get(pb).get(rowBytes).add().set(pb);
    w.get(kk).i32(1).sub().set(kk);
    w.br(0).end().end();
    // Store the tile.
    w.get(cG).get(i).get(rowBytes).mul().add().get(j).i32(4).mul().add().set(pc);
    for (let r = 0; r < R; r++) {
      for (let v = 0; v < V; v++) w.get(pc).get(acc[r * V + v]).get(alphas).f32x4Mul().v128Store(16 * v);
      if (r < R - 1) w.get(pc).get(rowBytes).add().set(pc);
    }
  };

  // One column j of R rows, scalar: C(i + r, j) = alpha · Σk A(i + r, k)·B(k, j).
  const scalarTile = (R: number): void => {
    for (let r = 0; r < R; r++) w.f32(0).set(accS[r]);
    startTile(R);
    w.block().loop();
    w.get(kk).eqz().brIf(1);
    for (let r = 0; r < R; r++) w.get(accS[r]).get(pa[r]).f32Load().get(pb).f32Load().f32Mul().f32Add().set(accS[r]);
    for (let r = 0; r < R; r++) w.get(pa[r]).get(aCol).add().set(pa[r]);
    w.get(pb).get(rowBytes).add().set(pb);
    w.get(kk).i32(1).sub().set(kk);
    w.br(0).end().end();
    w.get(cG).get(i).get(rowBytes).mul().add().get(j).i32(4).mul().add().set(pc);
    for (let r = 0; r < R; r++) {
      w.get(pc).get(accS[r]).get(alpha).f32Mul().f32Store();
      if (r < R - 1) w.get(pc).get(rowBytes).add().set(pc);
    }
  };

  // while (j < N) { scalar column; j += 1 }
  const tailLoop = (R: number): void => {
    w.block().loop();
    w.get(j).get(N).geS().brIf(1);
    scalarTile(R);
    w.get(j).i32(1).add().set(j);
    w.br(0).end().end();
  };

  // while (j + 4V <= N) { tile; j += 4V }
  const columnLoop = (R: number, V: number): void => {
    w.block().loop();
    w.get(j).i32(4 * V).add().get(N).gtS().brIf(1);
    tile(R, V);
    w.get(j).i32(4 * V).add().set(j);
    w.br(0).end().end();
  };

  // while (i + R <= M) { j = 0; column loops; i += R }
  const rowLoop = (R: number): void => {
    w.block().loop();
    w.get(i).i32(R).add().get(M).gtS().brIf(1);
    w.i32(0).set(j);
    columnLoop(R, 2);
    columnLoop(R, 1);
    tailLoop(R);
    w.get(i).i32(R).add().set(i);
    w.br(0).end().end();
  };

  w.get(N).i32(4).mul().set(rowBytes);
  w.get(alpha).f32x4Splat().set(alphas);
  w.i32(0).set(g);
  w.block().loop();
  w.get(g).get(G).geS().brIf(1);
  w.get(a).get(g).get(aGrp).mul().add().set(aG);
  w.get(b).get(g).get(bGrp).mul().add().set(bG);
  w.get(c).get(g).get(cGrp).mul().add().set(cG);
  w.i32(0).set(i);
  rowLoop(4);
  rowLoop(1);
  w.get(g).i32(1).add().set(g);
  w.br(0).end().end();

  return { name: "gemm", params: [...new Array<typeof I32>(GEMM_PARAMS - 1).fill(I32), F32], code: w };
}

