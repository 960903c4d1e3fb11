import { round1 } from '../util/format.ts';

/**
 * A duration for people, in text and HTML alike: milliseconds with one decimal ("0.3 ms", "1499.8 ms").
 * One precision everywhere, the report's own (round1): a loopback connect takes a fraction of a millisecond,
 * so whole milliseconds would hide it, and more digits are timer noise.
 */
export const formatMs = (ms: number): string => `${round1(ms).toFixed(1)} ms`;
