// The pure parts of examples/python/caption_lora.py (data, the Kaggle folder, schedule,
// freeze modes, checkpoints) under Debian's PyTorch, with test doubles of transformers and
// peft (tests/command/python/hf-stubs): tests/command/python/test_caption_parts.py.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));
const PYTHON = "/usr/bin/python3"; // Debian's, with python3-torch (a pyenv python3 on PATH may lack torch)
const hasTorch = spawnSync(PYTHON, ["-c", "import torch"]).status === 0;

describe.skipIf(!hasTorch)("examples/python/caption_lora.py, its parts", () => {
  it("pass their unit tests (data, Kaggle layout, schedule, freeze modes, checkpoints)", () => {
    const run = spawnSync(PYTHON, ["-m", "unittest", join(root, "tests/command/python/test_caption_parts.py")], {
      env: { ...process.env, PYTHONPATH: `${join(root, "tests/command/python/hf-stubs")}:${join(root, "examples/python")}` },
      encoding: "utf8",
    });
    expect(run.stderr).toMatch(/^Ran \d+ tests in /m);
    expect(run.stderr).toMatch(/\nOK\n$/);
    expect(run.status).toBe(0);
  });
});
