/**
 * The six tuned hyperparameters: read from trial.params when a declarative study space
 * already set them, else suggested from the objective's own ranges (define-by-run).
 */
import type { ParamValue } from "../../src/vocabulary/distribution.ts";
import type { ResolvedCaptionerOptions } from "./captioner-options.ts";
import type { CaptionerTrial } from "./captioner-trial.ts";
import { FREEZE_MODES, type FreezeMode } from "./training/freeze-mode.ts";

/** One trial's hyperparameters. */
export interface CaptionerHyperparameters {
  readonly lr: number;
  readonly loraR: number;
  readonly loraAlpha: number;
  readonly loraDropout: number;
  readonly freeze: FreezeMode;
  readonly epochs: number;
}

function preset<T>(trial: CaptionerTrial, name: string, check: (v: ParamValue) => v is ParamValue & T, expected: string): T | undefined {
  if (!(name in trial.params)) return undefined;
  const v = trial.params[name];
  if (!check(v)) throw new Error(`trial param ${name} = ${JSON.stringify(v)}: expected ${expected}`);
  return v;
}

const positive = (v: ParamValue): v is number => typeof v === "number" && v > 0 && Number.isFinite(v);
const nonNegativeInt = (v: ParamValue): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0;
const positiveInt = (v: ParamValue): v is number => typeof v === "number" && Number.isInteger(v) && v >= 1;
const unitInterval = (v: ParamValue): v is number => typeof v === "number" && v >= 0 && v < 1;
const freezeMode = (v: ParamValue): v is FreezeMode => typeof v === "string" && (FREEZE_MODES as readonly string[]).includes(v);

/** Reads or suggests lr (log), loraR, loraAlpha (log), loraDropout, freeze and epochs, in that order. */
export function readHyperparameters(trial: CaptionerTrial, space: ResolvedCaptionerOptions["space"]): CaptionerHyperparameters {
  const lr = preset(trial, "lr", positive, "a positive number") ?? trial.suggestFloat("lr", space.lr[0], space.lr[1], { log: true });
  const loraR = preset(trial, "loraR", nonNegativeInt, "an integer ≥ 0") ?? trial.suggestCategorical("loraR", space.loraR);
  const loraAlpha = preset(trial, "loraAlpha", positive, "a positive number") ?? trial.suggestFloat("loraAlpha", space.loraAlpha[0], space.loraAlpha[1], { log: true });
  const loraDropout = preset(trial, "loraDropout", unitInterval, "a number in [0, 1)") ?? trial.suggestFloat("loraDropout", space.loraDropout[0], space.loraDropout[1]);
  const freeze = preset(trial, "freeze", freezeMode, FREEZE_MODES.join(" | ")) ?? trial.suggestCategorical("freeze", space.freeze);
  const epochs = preset(trial, "epochs", positiveInt, "an integer ≥ 1") ?? trial.suggestInt("epochs", space.epochs[0], space.epochs[1]);
  return { lr, loraR, loraAlpha, loraDropout, freeze, epochs };
}
