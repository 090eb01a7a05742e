/** House rule 1: data flows one way. The engine never imports the models or the invariants. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
}

describe('one-way dependencies', () => {
  it('src/ imports nothing from models/ or invariants/', () => {
    const offenders = sources(join(root, 'src')).flatMap((file) =>
      imports(file)
        .filter((spec) => spec.startsWith('.'))
        .map((spec) => relative(root, resolve(file, '..', spec)))
        .filter((target) => target.startsWith('models') || target.startsWith('invariants'))
        .map((target) => `${relative(root, file)} → ${target}`),
    );
    expect(offenders).toEqual([]);
  });

  it('models/ and invariants/ import no explorer', () => {
    const dirs = ['models', 'invariants'].map((d) => join(root, d));
    const offenders = dirs.flatMap((d) => sources(d)).flatMap((file) =>
      imports(file)
        .filter((spec) => /src\/(explore|cli|report|trace)\//.test(spec))
        .map((spec) => `${relative(root, file)} → ${spec}`),
    );
    expect(offenders).toEqual([]);
  });
});
