/**
 * hpo/metrics — caption metrics that equal the Python references (Hugging Face `evaluate`
 * bleu/rouge/meteor with nltk 3.10.3): BLEU-1/2, ROUGE-L, METEOR, and the tokenizers and
 * stemmer behind them. Pure functions; WordNet (for METEOR) loads on first use.
 */
export { computeCaptionMetrics, createCaptionScorer } from "./caption-metrics.ts";
export type {
  CaptionMetrics,
  CaptionMetricsOptions,
  CaptionMetricWarnings,
  CaptionReferences,
} from "./caption-metrics.ts";

export { bleuFromStats, bleuStats, bleuStatsFromIds, computeBleuFromTokens, corpusBleu } from "./bleu.ts";
export type { BleuOptions, BleuResult, BleuStats } from "./bleu.ts";

export { lcsLength, rougeL, rougeTokenize, scoreLcs } from "./rouge.ts";
export type { RougeScore } from "./rouge.ts";

export {
  countChunks,
  meteor,
  meteorAlignment,
  meteorScorePrepared,
  meteorScorePreparedMulti,
  meteorScoreTokens,
  prepareMeteorTokens,
  singleMeteorScore,
} from "./meteor.ts";
export type { MeteorAlignment, MeteorOptions, MeteorTokens, WordPair } from "./meteor.ts";

export { tokenize13a } from "./tokenize-13a.ts";
export { treebankWordTokenize, wordTokenize } from "./word-tokenize.ts";
export {
  EMPTY_PUNKT_PARAMETERS,
  ENGLISH_PUNKT_PARAMETERS,
  getPunktParameters,
  loadPunktParameters,
  sentTokenize,
  setPunktParameters,
} from "./punkt.ts";
export type { PunktParameters } from "./punkt.ts";
export { porterStem } from "./porter.ts";

export { WORDNET_POS_LIST, WordNet, getWordNet, isWordNetLoaded, loadWordNet } from "./wordnet.ts";
export type { WordNetLoadInfo, WordNetPos } from "./wordnet.ts";

export { numpyMean } from "./numpy-mean.ts";
export { clearMetricCaches } from "./memo.ts";
