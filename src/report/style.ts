/**
 * Colours for people, plain text for machines: chalk at the level the stream supports, none
 * when the stream is not a terminal or NO_COLOR is set (FORCE_COLOR forces it on).
 */
import { Chalk, type ChalkInstance } from 'chalk';

export function styleFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): ChalkInstance {
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  const off = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  const level = forced ? 1 : off || !stream.isTTY ? 0 : 1;
  return new Chalk({ level });
}

/** 1234567 → "1,234,567". */
export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Milliseconds as seconds with sensible precision. */
export function seconds(ms: number): string {
  const s = ms / 1000;
  return s < 10 ? `${s.toFixed(2)} s` : s < 100 ? `${s.toFixed(1)} s` : `${Math.round(s)} s`;
}

/** A rate in k or M per second. */
export function rate(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e4) return `${Math.round(n / 1e3)} k`;
  return count(n);
}

export function bytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(2)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}

/** A value for a one-line display, shortened. */
export function brief(v: unknown, max = 80): string {
  const s = v === undefined ? '(absent)' : JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
