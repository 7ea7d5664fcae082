import { describe, expect, it } from "vitest";
import { createStudy, RandomSampler } from "hpo";
import { csvCell, stepsToCsv, trialsToCsv, trialsToJson } from "../../src/cli/trials-export.ts";

/** RFC 4180 rows, as a spreadsheet reads them. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(cell);
      cell = "";
    } else if (c === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
    } else cell += c;
  }
  return rows;
}

describe("metrics export", () => {
  it("writes a row per trial and step with a column per metric (CSV), and nests them by step (JSON)", async () => {
    const study = await createStudy({ storage: "memory", metric: "meteor", direction: "maximize" });
    await study.optimize(
      (trial) => {
        trial.report({ val_loss: 2.5, meteor: 0.1 }, 0);
        trial.report({ val_loss: trial.number === 1 ? Number.NaN : 2.1, meteor: 0.2, bleu1: 0.3 }, 1);
        trial.report(0.25, 2);
        return 0.25;
      },
      { nTrials: 2 },
    );
    const trials = await study.trials();
    expect(parseCsv(stepsToCsv(trials))).toEqual([
      ["number", "state", "step", "val_loss", "meteor", "bleu1"],
      ["0", "COMPLETE", "0", "2.5", "0.1", ""],
      ["0", "COMPLETE", "1", "2.1", "0.2", "0.3"],
      ["0", "COMPLETE", "2", "", "0.25", ""],
      ["1", "COMPLETE", "0", "2.5", "0.1", ""],
      ["1", "COMPLETE", "1", "NaN", "0.2", "0.3"],
      ["1", "COMPLETE", "2", "", "0.25", ""],
    ]);
    const json = trialsToJson(trials);
    expect(json[1].metrics).toEqual({ "0": { val_loss: 2.5, meteor: 0.1 }, "1": { val_loss: "NaN", meteor: 0.2, bleu1: 0.3 }, "2": { meteor: 0.25 } });
    expect(json[1].intermediateValues).toEqual({ "0": 0.1, "1": 0.2, "2": 0.25 });
    await study.close();
  });
});

describe("CSV export", () => {
  it("keeps every column in place whatever the names and values hold (commas, quotes, line breaks)", async () => {
    const study = await createStudy({ storage: "memory", studyName: "csv", sampler: new RandomSampler({ seed: 1 }) });
    const odd = ['a,b', 'say "hi"', "two\nlines", "cr\r\nlf"];
    await study.optimize(
      (trial) => {
        for (const name of odd) trial.suggestCategorical(name, [`${name}!`, "plain"]);
        trial.setUserAttr('note, "quoted"', `line1\nline2, "x"`);
        return trial.number;
      },
      { nTrials: 3 },
    );
    const rows = parseCsv(trialsToCsv(await study.trials(), 1));
    expect(rows).toHaveLength(4);
    const header = rows[0];
    for (const row of rows) expect(row).toHaveLength(header.length);
    for (const name of odd) expect(header).toContain(`params_${name}`);
    expect(header).toContain('user_attrs_note, "quoted"');
    const col = header.indexOf('user_attrs_note, "quoted"');
    expect(rows[1][col]).toBe(`line1\nline2, "x"`);
    await study.close();
  });

  it("turns values a spreadsheet would run as formulas into text, and leaves numbers alone", () => {
    expect(csvCell("=HYPERLINK(\"http://evil\",\"x\")")).toBe(`"'=HYPERLINK(""http://evil"",""x"")"`);
    expect(csvCell("+cmd|' /C calc'!A0")).toBe("'+cmd|' /C calc'!A0");
    expect(csvCell("-2+3+cmd|' /C calc'!A0")).toBe("'-2+3+cmd|' /C calc'!A0");
    expect(csvCell("@SUM(1,2)")).toBe(`"'@SUM(1,2)"`);
    expect(csvCell("\t=1")).toBe("'\t=1");
    expect(csvCell(-1.5)).toBe("-1.5");
    expect(csvCell("-1.5")).toBe("-1.5");
    expect(csvCell("+3e-4")).toBe("+3e-4");
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell(null)).toBe("");
  });

  it("escapes formulas in a study's values (a categorical choice)", async () => {
    const study = await createStudy({ storage: "memory", studyName: "csv-formula" });
    await study.optimize((trial) => (trial.suggestCategorical("op", ["=1+1"]) ? 1 : 0), { nTrials: 1 });
    const [header, row] = parseCsv(trialsToCsv(await study.trials(), 1));
    expect(row[header.indexOf("params_op")]).toBe("'=1+1");
    await study.close();
  });
});
