import { describe, expect, it } from "vitest";
import { parseReportLine } from "hpo/command";

describe("parseReportLine", () => {
  it("reads reports and results", () => {
    expect(parseReportLine('hpo:report {"step": 3, "value": 0.41}')).toEqual({ kind: "report", step: 3, value: 0.41 });
    expect(parseReportLine('hpo:result {"value": 0.52}')).toEqual({ kind: "result", value: 0.52 });
    expect(parseReportLine('  hpo:report {"step":0,"value":-1e-3}\r')).toEqual({ kind: "report", step: 0, value: -0.001 });
  });

  it("reads non-finite values written as strings (JSON has none)", () => {
    const nan = parseReportLine('hpo:report {"step": 1, "value": "NaN"}');
    expect(nan.kind === "report" && Number.isNaN(nan.value)).toBe(true);
    expect(parseReportLine('hpo:result {"value": "-Infinity"}')).toEqual({ kind: "result", value: -Infinity });
  });

  it("reads named metrics in reports and results", () => {
    expect(parseReportLine('hpo:report {"step": 2, "metrics": {"val_loss": 2.41, "meteor": 0.22, "bleu1": "NaN"}}')).toEqual({
      kind: "report",
      step: 2,
      value: { val_loss: 2.41, meteor: 0.22, bleu1: Number.NaN },
    });
    expect(parseReportLine('hpo:result {"metrics": {"meteor": 0.3}}')).toEqual({ kind: "result", value: { meteor: 0.3 } });
  });

  it("passes other output through", () => {
    expect(parseReportLine("epoch 3: loss 0.41")).toEqual({ kind: "output" });
    expect(parseReportLine("")).toEqual({ kind: "output" });
    expect(parseReportLine("see hpo:report below")).toEqual({ kind: "output" });
  });

  it("explains invalid hpo: lines, naming the field", () => {
    const reason = (line: string) => {
      const parsed = parseReportLine(line);
      if (parsed.kind !== "invalid") throw new Error(`expected invalid, got ${parsed.kind}`);
      return parsed.reason;
    };
    expect(reason('hpo:report {"step": 1.5, "value": 1}')).toMatch(/step: expected an integer step/);
    expect(reason('hpo:report {"step": -1, "value": 1}')).toMatch(/step:/);
    expect(reason('hpo:report {"step": 1, "value": "high"}')).toMatch(/value: expected a number/);
    expect(reason('hpo:report {"value": 1}')).toMatch(/step:/);
    expect(reason("hpo:report {step: 1}")).toMatch(/needs a JSON object/);
    expect(reason("hpo:result")).toMatch(/needs a JSON object/);
    expect(reason("hpo:result 0.5")).toMatch(/expected object/);
    expect(reason('hpo:report {"step": 1}')).toMatch(/expected "value" \(a number\) or "metrics"/);
    expect(reason('hpo:report {"step": 1, "value": 1, "metrics": {"a": 1}}')).toMatch(/not both/);
    expect(reason('hpo:report {"step": 1, "metrics": {}}')).toMatch(/metrics: expected at least one metric/);
    expect(reason('hpo:report {"step": 1, "metrics": {"bleu": "high"}}')).toMatch(/metrics\.bleu: expected a number/);
    expect(reason('hpo:reprot {"step": 1, "value": 1}')).toMatch(/unknown keyword "hpo:reprot"/);
  });
});
