#!/usr/bin/env node
// A small but real training script for examples/command-study.ts: logistic regression on
// polynomial features of a noisy two-moons data set, trained by minibatch SGD with
// momentum and weight decay. It knows nothing of hpo but for the printed lines:
//   hpo:report {"step": <epoch>, "value": <validation log-loss>}   after every epoch
//   hpo:result {"value": <best validation log-loss>}               at the end
// Usage: node train-logistic.mjs --lr 0.1 --momentum 0.9 --batch-size 32 --weight-decay 1e-4 [--epochs 40]
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    lr: { type: "string", default: "0.1" },
    momentum: { type: "string", default: "0.9" },
    "batch-size": { type: "string", default: "32" },
    "weight-decay": { type: "string", default: "0" },
    epochs: { type: "string", default: "40" },
    seed: { type: "string", default: "7" },
  },
});
const lr = Number(values.lr);
const momentum = Number(values.momentum);
const batchSize = Number(values["batch-size"]);
const weightDecay = Number(values["weight-decay"]);
const epochs = Number(values.epochs);

// SIGTERM (pruned, timed out, or hpo stopping): finish the current epoch and leave.
let stopRequested = false;
process.on("SIGTERM", () => {
  stopRequested = true;
});

/** Mulberry32: a tiny seeded generator, so every trial sees the same data. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = random(Number(values.seed));
const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());

/** Two interleaved half circles with noise; label 0 or 1. */
function moons(n) {
  return Array.from({ length: n }, (_, i) => {
    const label = i % 2;
    const angle = Math.PI * rand();
    const x = label === 0 ? Math.cos(angle) : 1 - Math.cos(angle);
    const y = label === 0 ? Math.sin(angle) : 0.5 - Math.sin(angle);
    return { features: polynomial(x + 0.2 * gauss(), y + 0.2 * gauss()), label };
  });
}
/** Cubic features: a linear model in them draws a curved boundary. */
function polynomial(x, y) {
  return [1, x, y, x * x, x * y, y * y, x ** 3, x * x * y, x * y * y, y ** 3];
}

const train = moons(1600);
const valid = moons(400);
const dims = train[0].features.length;
const weights = new Float64Array(dims);
const velocity = new Float64Array(dims);

const sigmoid = (z) => 1 / (1 + Math.exp(-z));
const predict = (features) => sigmoid(features.reduce((sum, f, i) => sum + f * weights[i], 0));
function logLoss(data) {
  const eps = 1e-12;
  let total = 0;
  for (const { features, label } of data) {
    const p = predict(features);
    total -= label * Math.log(p + eps) + (1 - label) * Math.log(1 - p + eps);
  }
  return total / data.length;
}
/** JSON has no NaN or Infinity: hpo reads them as strings. */
const finiteOrString = (v) => (Number.isFinite(v) ? v : String(v));

let best = Infinity;
for (let epoch = 1; epoch <= epochs && !stopRequested; epoch++) {
  for (let start = 0; start < train.length; start += batchSize) {
    const batch = train.slice(start, start + batchSize);
    const grad = new Float64Array(dims);
    for (const { features, label } of batch) {
      const error = predict(features) - label;
      for (let i = 0; i < dims; i++) grad[i] += (error * features[i]) / batch.length;
    }
    for (let i = 0; i < dims; i++) {
      velocity[i] = momentum * velocity[i] - lr * (grad[i] + weightDecay * weights[i]);
      weights[i] += velocity[i];
    }
  }
  const loss = logLoss(valid);
  if (loss < best) best = loss;
  console.log(`epoch ${epoch}/${epochs}: train loss ${logLoss(train).toFixed(4)}, validation loss ${loss.toFixed(4)}`);
  console.log(`hpo:report ${JSON.stringify({ step: epoch, value: finiteOrString(loss) })}`);
  await new Promise((resolve) => setImmediate(resolve)); // let a SIGTERM handler run
}
console.log(`hpo:result ${JSON.stringify({ value: finiteOrString(best) })}`);
