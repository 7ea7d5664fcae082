/**
 * The trials table's filter line: space-separated terms, each `name=value`, `name!=value`,
 * `name<n`, `name<=n`, `name>n` or `name>=n` on a param, a user attr, `value`, `state` or
 * `number`; any other term is text to find in the trial's params, attrs or fail reason.
 * A trial matches when it matches every term.
 */
export function parseFilter(text) {
  return text
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((term) => {
      const m = /^([^=<>!]+)(!=|>=|<=|=|<|>)(.*)$/.exec(term);
      return m ? { name: m[1], op: m[2], value: m[3] } : { text: term.toLowerCase() };
    });
}

function fieldOf(t, name) {
  if (name in t.params) return t.params[name];
  if (name in t.userAttrs) return t.userAttrs[name];
  if (name === "value") return t.values ? t.values[0] : undefined;
  if (name === "state") return t.state;
  if (name === "number" || name === "#") return t.number;
  return undefined;
}

function compare(actual, op, wanted) {
  if (actual === undefined || actual === null) return op === "!=";
  const n = Number(wanted);
  if (typeof actual === "number" && wanted !== "" && Number.isFinite(n)) {
    return { "=": actual === n, "!=": actual !== n, "<": actual < n, "<=": actual <= n, ">": actual > n, ">=": actual >= n }[op];
  }
  const text = typeof actual === "string" ? actual : JSON.stringify(actual);
  const same = text.toLowerCase() === wanted.toLowerCase();
  if (op === "=") return same;
  if (op === "!=") return !same;
  return false;
}

/** Whether a trial matches every parsed term. */
export function matchesFilter(t, terms) {
  for (const term of terms) {
    if (term.text !== undefined) {
      const hay = `${JSON.stringify(t.params)} ${JSON.stringify(t.userAttrs)} ${t.systemAttrs.fail_reason ?? ""} ${t.state}`.toLowerCase();
      if (!hay.includes(term.text)) return false;
    } else if (!compare(fieldOf(t, term.name), term.op, term.value)) return false;
  }
  return true;
}
