import type { Tracker } from "../../src/tracking/tracker.ts";
import { WandbOfflineBackend } from "./offline/wandb-offline-backend.ts";
import { WandbOnlineBackend } from "./online/wandb-online-backend.ts";
import { resolveWandbSettings, type WandbOptions } from "./wandb-options.ts";
import { WandbTracker } from "./wandb-tracker.ts";

/**
 * A Weights & Biases tracker: one W&B run per trial, grouped by study.
 * Options fall back to W&B's env conventions (WANDB_API_KEY or ~/.netrc, WANDB_MODE,
 * WANDB_PROJECT, WANDB_ENTITY, WANDB_BASE_URL, WANDB_DIR, WANDB_RUN_GROUP, WANDB_TAGS).
 * Invalid options throw a TypeError naming the option.
 *
 * @example
 * defineStudy({ ..., trackers: [wandb({ project: "captioner", tags: ["lora"] })] })
 */
export function wandb(options: WandbOptions = {}): Tracker {
  const settings = resolveWandbSettings(options);
  switch (settings.mode) {
    case "disabled":
      return { name: "wandb" };
    case "offline":
      return new WandbTracker(settings, new WandbOfflineBackend(settings.dir, settings.log));
    case "online":
      return new WandbTracker(settings, new WandbOnlineBackend(settings));
  }
}
