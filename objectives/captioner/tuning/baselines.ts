/**
 * The two reference points a tuned captioner should beat, scored once per base model,
 * data and study space and cached: the base without fine-tuning, and a run with the
 * decoder frozen (encoder fully trained) using the study's own space — the geometric
 * middle of its lr range and its most epochs.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createHash } from "node:crypto";
import type { Distribution } from "../../../src/vocabulary/distribution.ts";
import type { ResolvedCaptionerOptions } from "../captioner-options.ts";
import type { CaptionerHyperparameters } from "../hyperparameters.ts";
import { fineTune, formatScores, scoresOf } from "./fine-tune.ts";
import type { TunableCaptioner } from "./tuning-run.ts";

type Scores = ReturnType<typeof scoresOf>;

/** Test-split scores of the two reference points a tuned captioner should beat. */
export interface CaptionerBaselines {
  /** The pretrained base, not fine-tuned. */
  readonly pretrained: Scores;
  /** Fine-tuned with the decoder frozen (encoder trained in full, the study's middle lr and most epochs). */
  readonly frozenDecoder: Scores;
  /** The frozen-decoder run's hyperparameters. */
  readonly frozenDecoderParams: { readonly lr: number; readonly epochs: number };
}

/**
 * The frozen-decoder baseline's lr and epochs: from the study's declared distributions
 * (`trial.distributions`) when it has them, else from the objective's own space.
 */
export function baselineParams(o: ResolvedCaptionerOptions, distributions: Readonly<Record<string, Distribution>> | undefined): { lr: number; epochs: number } {
  const lr = distributions?.lr;
  const epochs = distributions?.epochs;
  const [low, high] = lr && lr.type !== "categorical" ? [lr.low, lr.high] : o.space.lr;
  return {
    lr: Math.sqrt(low * high),
    epochs: epochs && epochs.type === "int" ? epochs.high : epochs && epochs.type === "categorical" ? Math.max(...epochs.choices.map(Number).filter(Number.isFinite)) : o.space.epochs[1],
  };
}

/** The baselines, from the cache file or computed now (and cached when the folder is writable). */
export async function computeBaselines(
  captioner: TunableCaptioner,
  o: ResolvedCaptionerOptions,
  params: { lr: number; epochs: number },
  log: (m: string) => void,
): Promise<CaptionerBaselines> {
  const key = createHash("sha256")
    .update(JSON.stringify({ identity: captioner.identity, params, batchSize: o.batchSize, beamWidth: o.beamWidth, seed: o.seed, metric: o.metric, version: 2 }))
    .digest("hex")
    .slice(0, 12);
  const file = captioner.baselineDir ? join(captioner.baselineDir, `baselines-${key}.json`) : null;
  if (file && existsSync(file)) {
    try {
      return JSON.parse(await readFile(file, "utf8")) as CaptionerBaselines;
    } catch {
      // Unreadable (another process mid-write on a filesystem without atomic rename): recompute.
    }
  }
  log(`[captioner] scoring the baselines once: the base without fine-tuning, and a frozen-decoder run (lr ${params.lr.toPrecision(3)}, ${params.epochs} epochs)`);
  const pretrained = scoresOf(captioner.scoreUntuned());
  log(`[captioner] baseline pretrained (no fine-tuning): test ${formatScores(pretrained)}`);
  const hp: CaptionerHyperparameters = { lr: params.lr, loraR: 0, loraAlpha: 1, loraDropout: 0, freeze: "decoder", epochs: params.epochs };
  const frozen = await fineTune(captioner, hp, o.seed, o.metric, { log: () => {} });
  const frozenDecoder = scoresOf(frozen.test);
  log(`[captioner] baseline frozen decoder: test ${formatScores(frozenDecoder)}`);
  const baselines: CaptionerBaselines = { pretrained, frozenDecoder, frozenDecoderParams: params };
  if (file && captioner.baselineDir) {
    // Written atomically, and only if the folder is writable (otherwise recomputed next time).
    const tmp = `${file}.${process.pid}.tmp`;
    await mkdir(captioner.baselineDir, { recursive: true })
      .then(() => writeFile(tmp, JSON.stringify(baselines, null, 1)))
      .then(() => rename(tmp, file))
      .catch(() => {});
  }
  return baselines;
}
