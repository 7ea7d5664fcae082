/**
 * ROUGE-L as Hugging Face `evaluate`'s rouge metric computes it through the `rouge_score`
 * package (rougeL, use_stemmer=False): lower-case, every run of characters outside [a-z0-9]
 * becomes a space (so accented letters split words and CJK vanishes), tokens = the
 * remaining [a-z0-9]+ runs; LCS-based precision/recall/F1; with several references the
 * one with the best F wins (`score_multi`, first on ties).
 */
import { pyLower } from "./python-text.ts";

export interface RougeScore {
  precision: number;
  recall: number;
  fmeasure: number;
}

const NON_ALNUM = /[^a-z0-9]+/g;

/** rouge_score's default tokenizer (no stemming). */
export function rougeTokenize(text: string): string[] {
  // ASCII text: lower-case and split in one pass (non-ASCII goes through Python's lower(),
  // which can turn some characters into ASCII letters, e.g. KELVIN SIGN -> "k").
  const out: string[] = [];
  let start = -1;
  let word = "";
  let ascii = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) {
      ascii = false;
      break;
    }
    const alnum = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39);
    const upper = c >= 0x41 && c <= 0x5a;
    if (alnum || upper) {
      if (start < 0) {
        start = i;
        word = "";
      }
      if (upper) {
        word += text.slice(start, i) + String.fromCharCode(c + 32);
        start = i + 1;
      }
    } else if (start >= 0 || word !== "") {
      out.push(word + text.slice(start < 0 ? i : start, i));
      start = -1;
      word = "";
    }
  }
  if (ascii) {
    if (start >= 0 || word !== "") out.push(word + text.slice(start < 0 ? text.length : start));
    return out;
  }
  return rougeTokenizeGeneral(text);
}

function rougeTokenizeGeneral(text: string): string[] {
  const cleaned = pyLower(text).replace(NON_ALNUM, " ");
  const out: string[] = [];
  for (const t of cleaned.split(" ")) if (t !== "") out.push(t);
  return out;
}

let lcsRow = new Int32Array(64);

/** Length of the longest common subsequence of two token lists. */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return 0;
  if (lcsRow.length < m + 1) lcsRow = new Int32Array(Math.max(m + 1, lcsRow.length * 2));
  const row = lcsRow;
  row.fill(0, 0, m + 1);
  for (let i = 1; i <= n; i++) {
    const ai = a[i - 1];
    let diag = 0; // row[j-1] of the previous i
    for (let j = 1; j <= m; j++) {
      const up = row[j];
      if (ai === b[j - 1]) row[j] = diag + 1;
      else if (row[j - 1] > up) row[j] = row[j - 1];
      diag = up;
    }
  }
  return row[m];
}

/** rouge_score `_score_lcs(target_tokens, prediction_tokens)`. */
export function scoreLcs(targetTokens: readonly string[], predictionTokens: readonly string[]): RougeScore {
  if (targetTokens.length === 0 || predictionTokens.length === 0) return { precision: 0, recall: 0, fmeasure: 0 };
  const lcs = lcsLength(targetTokens, predictionTokens);
  const precision = lcs / predictionTokens.length;
  const recall = lcs / targetTokens.length;
  const fmeasure = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, fmeasure };
}

/** Best of per-reference scores by F (numpy argmax: the first maximum wins). */
export function bestRouge(scores: readonly RougeScore[]): RougeScore {
  if (scores.length === 0) return { precision: 0, recall: 0, fmeasure: 0 };
  let best = scores[0];
  for (let i = 1; i < scores.length; i++) if (scores[i].fmeasure > best.fmeasure) best = scores[i];
  return best;
}

/**
 * ROUGE-L of one prediction against its references (best F over references). No
 * reference at all scores 0 (the Python reference raises there).
 */
export function rougeL(prediction: string, references: readonly string[] | string): RougeScore {
  const refs = typeof references === "string" ? [references] : references;
  const pred = rougeTokenize(prediction ?? "");
  return bestRouge(refs.map((r) => scoreLcs(rougeTokenize(r ?? ""), pred)));
}
