import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A scratch folder (outside the repository) for study files that import "hpo". */
export interface StudyFiles {
  readonly dir: string;
  /** Writes `<dir>/<name>.ts`: `import { defineStudy } from "hpo";` then `body`; returns its path. */
  write(name: string, body: string): string;
  cleanup(): void;
}

/** Creates a scratch folder for study files. */
export function studyFiles(prefix: string): StudyFiles {
  const dir = mkdtempSync(join(tmpdir(), `hpo-${prefix}-`));
  return {
    dir,
    write: (name, body) => {
      const file = join(dir, `${name}.ts`);
      writeFileSync(file, `import { defineStudy } from "hpo";\n${body}`);
      return file;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
