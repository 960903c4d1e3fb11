import { round1 } from '../util/format.ts';

/**
 * A duration for people, in text and HTML alike: milliseconds with one decimal ("0.3 ms", "1499.8 ms").
 * One precision everywhere, the report's own (round1): a loopback connect takes a fraction of a millisecond,
 * so whole milliseconds would hide it, and more digits are timer noise.
 */
export const formatMs = (ms: number): string => `${round1(ms).toFixed(1)} ms`;

/**
 * Durations inside a message from elsewhere ("no TCP handshake within 1499.795729 ms") at the same 0.1 ms as
 * every other duration shown. The probes should word them so themselves (shared/probes/attempt.ts); until
 * then the renderers make them consistent.
 */
export const tidyDurations = (message: string): string =>
  message.replace(
    /\b(\d+\.\d{2,})(\s?ms)\b/g,
    (_, value: string, unit: string) => `${round1(Number(value)).toFixed(1)}${unit}`,
  );
