/** What the benchmark scripts share: their tables, and how a script's main or child run ends. */

/** A table for the terminal: cells right-aligned, but for the first `left` columns (names). */
export function table(title: string, head: string[], body: string[][], left = 0): void {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < left ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(`\n${title}`);
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of body) console.log(line(r));
}

/** Run a script's main (or child) function: a failure prints its stack and sets exit code 1. */
export function run(task: () => Promise<void>): void {
  task().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 1;
  });
}
