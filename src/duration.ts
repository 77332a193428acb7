/**
 * Durations as people type them on the command line and in YAML: `90s`, `15m`, `3h`, `14d`,
 * `500ms`, or a bare number of seconds. One parser so the CLI, the config file and the
 * dev-clock API agree on what "15m" means.
 */
import { SamlgateError } from './errors.ts';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?$/;

export class DurationError extends SamlgateError {
  readonly code = 'ERR_DURATION';
  readonly kind = 'usage';
}

/** Parses a duration to milliseconds; throws DurationError with a usable message otherwise. */
export function parseDuration(input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) throw new DurationError(`duration must be a non-negative number of seconds, got ${input}`);
    return Math.round(input * 1000);
  }
  const match = DURATION.exec(input.trim());
  if (!match) {
    throw new DurationError(`"${input}" is not a duration: use a number followed by ms, s, m, h, d or w (e.g. 90s, 15m, 3h, 14d)`);
  }
  const value = Number(match[1]);
  const unit = match[2] ?? 's';
  return Math.round(value * UNIT_MS[unit]!);
}

/** Renders milliseconds in the largest unit that divides them evenly (for --help, logs, the demo). */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const size = UNIT_MS[unit]!;
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** "3h 21m" style, for timelines: the two largest non-zero units. */
export function humanDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const parts: string[] = [];
  let rest = Math.floor(ms / 1000);
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.slice(0, 2).join(' ');
}
