// The server writes NaN and ±Infinity as {"$hpo:num": "NaN"} (plain JSON cannot carry them).
const TAG = "$hpo:num";

/** JSON.parse that restores NaN and ±Infinity. */
export function decodeJson(text) {
  return JSON.parse(text, (_key, v) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      const tagged = v[TAG];
      if (typeof tagged === "string" && Object.keys(v).length === 1) return Number(tagged);
    }
    return v;
  });
}
