/** Wording shared by the history text, the status page and the metrics help. */

/**
 * "99.93 %", rounded down so a window with one failed run never reads 100 %; "no data" when nothing was
 * observed (never a made-up 100 %).
 */
export const formatPercent = (ratio: number | null): string => {
  if (ratio === null) return 'no data';
  if (ratio >= 1) return '100 %';
  const hundredths = Math.floor(ratio * 10_000);
  return `${(hundredths / 100).toFixed(2)} %`;
};

/** "45s", "23m", "1h 5m", "2d 3h": the two largest units, for people. */
export const humanDuration = (ms: number): string => {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const units: Array<[string, number]> = [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ];
  const parts: string[] = [];
  let rest = seconds;
  for (const [unit, size] of units) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0 || parts.length > 0) parts.push(`${count}${unit}`);
    if (parts.length === 2) break;
  }
  return parts.filter((part) => !part.startsWith('0')).join(' ');
};

/** "2026-11-21 05:00 UTC". */
export const formatMinute = (time: string | number): string => {
  const iso = new Date(time).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
};
