import { describe, expect, it } from "vitest";
import { paramEnvName, renderArguments, trialEnvironment } from "hpo/command";

const context = { trialNumber: 7, studyName: "lora", trialDir: "/runs/lora/trial-7" };

describe("trial environment", () => {
  it("names param variables upper-case with non-alphanumerics as _", () => {
    expect(paramEnvName("lr")).toBe("HPO_PARAM_LR");
    expect(paramEnvName("lora.dropout")).toBe("HPO_PARAM_LORA_DROPOUT");
    expect(paramEnvName("freeze-mode/2")).toBe("HPO_PARAM_FREEZE_MODE_2");
  });

  it("exports params as JSON and one by one, with trial number, study and folder", () => {
    const params = { lr: 0.001, r: 8, freeze: "encoder", bias: true, none: null };
    expect(trialEnvironment(params, context)).toEqual({
      HPO_PARAMS: JSON.stringify(params),
      HPO_PARAM_LR: "0.001",
      HPO_PARAM_R: "8",
      HPO_PARAM_FREEZE: "encoder",
      HPO_PARAM_BIAS: "true",
      HPO_PARAM_NONE: "",
      HPO_TRIAL_NUMBER: "7",
      HPO_STUDY_NAME: "lora",
      HPO_TRIAL_DIR: "/runs/lora/trial-7",
    });
  });

  it("refuses two params that map to one variable", () => {
    expect(() => trialEnvironment({ "a-b": 1, a_b: 2 }, context)).toThrow(/"a-b" and "a_b" both map to HPO_PARAM_A_B/);
  });

  it("fills placeholders in arguments, leaves JSON alone and honours {{escapes}}", () => {
    const argv = ["train.py", "--lr={lr}", "--out", "{trial_dir}/ckpt", "{{lr}}", '{"a": 1}', "{study_name}-{trial_number}"];
    expect(renderArguments(argv, { lr: 1e-7 }, context)).toEqual([
      "train.py",
      "--lr=1e-7",
      "--out",
      "/runs/lora/trial-7/ckpt",
      "{lr}",
      '{"a": 1}',
      "lora-7",
    ]);
  });

  it("names the argument that uses an unknown placeholder", () => {
    expect(() => renderArguments(["train.py", "--lr", "{lrr}"], { lr: 0.1 }, context)).toThrow(
      /cmd\[2\] "\{lrr\}" uses \{lrr\}, which is neither a param nor a built-in \(known: lr, trial_number/,
    );
  });
});
