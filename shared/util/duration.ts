import { z } from 'zod';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** "90s", "10m", "4h", "7d" or a number of milliseconds, parsed to milliseconds. */
export const Duration = z.union([z.number().int().nonnegative(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'number') return value;
  const match = DURATION.exec(value.trim());
  if (!match) {
    ctx.addIssue({
      code: 'custom',
      message: `"${value}" is not a duration: write a number and a unit (ms, s, m, h, d), e.g. "10m" or "4h"`,
    });
    return z.NEVER;
  }
  return Math.round(Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]);
});

/** The shortest readable form, for messages: 14400000 -> "4h". */
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
