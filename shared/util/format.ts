/** Durations in every output are rounded to 0.1 ms: finer digits are timer noise, not information. */
export const round1 = (ms: number): number => Math.round(ms * 10) / 10;

/** "ip:port" of anything that has both. */
export const endpointOf = (row: { ip: string; port: number }): string => `${row.ip}:${row.port}`;

/** Short, single-line excerpt of a body or message, for errors. */
export const excerpt = (text: string, max = 160): string => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
};
