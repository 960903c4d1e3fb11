import { z } from 'zod';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

/** The shortest readable form, for messages: 14400000 -> "4h", 1500 -> "1500ms". */
export const formatDuration = (ms: number): string => {
  for (const [unit, size] of [
    ['d', UNIT_MS.d],
    ['h', UNIT_MS.h],
    ['m', UNIT_MS.m],
    ['s', UNIT_MS.s],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
};

/**
 * Parses "500ms", "3s", "10m", "4h", "7d" (or a bare number in `bareUnit`) to milliseconds; undefined when the
 * text is not a duration. Shared by config fields and CLI flags, so both read durations the same way.
 */
export const parseDuration = (
  value: string | number,
  bareUnit: keyof typeof UNIT_MS = 'ms',
): number | undefined => {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 ? Math.round(value * UNIT_MS[bareUnit]) : undefined;
  }
  const text = value.trim();
  if (/^\d+(?:\.\d+)?$/.test(text)) return Math.round(Number(text) * UNIT_MS[bareUnit]);
  const match = DURATION.exec(text);
  if (!match) return undefined;
  return Math.round(Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]);
};

export type DurationBounds = { min?: number; max?: number };

/** Why a value is not an acceptable duration, in the user's terms; undefined when it is fine. */
export const durationProblem = (
  ms: number | undefined,
  raw: unknown,
  bounds: DurationBounds = {},
): string | undefined => {
  const shown = typeof raw === 'string' ? `"${raw}"` : String(raw);
  if (ms === undefined)
    return `${shown} is not a duration: write a number and a unit (ms, s, m, h, d), e.g. "10m" or "4h"`;
  const { min, max } = bounds;
  if ((min !== undefined && ms < min) || (max !== undefined && ms > max)) {
    const range =
      min !== undefined && max !== undefined
        ? `between ${formatDuration(min)} and ${formatDuration(max)}`
        : min !== undefined
          ? `at least ${formatDuration(min)}`
          : `at most ${formatDuration(max ?? 0)}`;
    return `must be ${range}, got ${formatDuration(ms)}`;
  }
  return undefined;
};

/**
 * A duration in the config: a string with a unit ("90s", "10m", "4h", "7d") or a number of milliseconds,
 * parsed to milliseconds. Every duration of every section uses this one type, so they all read alike.
 */
export const duration = (bounds: DurationBounds = {}) =>
  z.union([z.number(), z.string()]).transform((value, ctx) => {
    const ms = parseDuration(value);
    const problem = durationProblem(ms, value, bounds);
    if (problem !== undefined || ms === undefined) {
      ctx.addIssue({ code: 'custom', message: problem ?? 'not a duration' });
      return z.NEVER;
    }
    return ms;
  });

/** An unbounded duration (non-negative). */
export const Duration = duration();
