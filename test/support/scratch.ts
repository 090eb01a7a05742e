/** Scratch directories for tests: each one made by a test file is removed once that file's tests are done. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A new directory under the system's temporary one, named `accelcheck-<kind>-…`. */
export function scratch(kind = 'test'): string {
  const dir = mkdtempSync(join(tmpdir(), `accelcheck-${kind}-`));
  made.push(dir);
  return dir;
}
