import type { NacosStepStatus } from '../nacos/report.ts';
import type { ProbeStatus } from '../probes/types.ts';
import type { Verdict } from './run.ts';

/**
 * One character per subject per run. Distinct across kinds, so a sample string reads on its own in a
 * state file: "oooot-..." is four endpoints up, one timing out, one not observed.
 */
export const NOT_OBSERVED = '-';

const PROBE = {
  ok: 'o',
  timeout: 't',
  refused: 'r',
  unreachable: 'u',
  reset: 'x',
  'no-answer': 'n',
  dns: 'd',
  tls: 's',
  'http-status': 'h',
  error: 'e',
} as const satisfies Record<ProbeStatus, string>;

/** Skipped categories (ARMS without --include-arms) are not observed: they say nothing about uptime. */
const VERDICT = {
  ok: 'o',
  partial: 'p',
  down: 'D',
  skipped: NOT_OBSERVED,
} as const satisfies Record<Verdict, string>;

/** Degraded answered (slowly, or in part): up for uptime, as for alerting. */
const NACOS = {
  ok: 'o',
  degraded: 'g',
  failed: 'f',
  skipped: NOT_OBSERVED,
} as const satisfies Record<NacosStepStatus, string>;

export const RUN_FAILED = 'F';

export const probeCode = (status: ProbeStatus): string => PROBE[status];
export const verdictCode = (verdict: Verdict): string => VERDICT[verdict];
export const nacosCode = (status: NacosStepStatus): string => NACOS[status];

const UP = new Set(['o', 'g']);
export const isUp = (code: string): boolean => UP.has(code);
export const isObserved = (code: string | undefined): code is string =>
  code !== undefined && code !== NOT_OBSERVED && code !== '';

/** The words for a failure code: what incidents give as their cause. */
const CAUSE: Record<string, string> = {
  t: 'timeout',
  r: 'refused',
  u: 'unreachable',
  x: 'reset',
  d: 'dns',
  s: 'tls',
  h: 'http-status',
  e: 'error',
  p: 'partial',
  D: 'down',
  f: 'failed',
  F: 'failed',
};
export const causeOf = (code: string): string => CAUSE[code] ?? 'unknown';

/** What each probe failure means, for incident lines (the diagnosis says it at length). */
export const CAUSE_MEANING: Record<string, string> = {
  timeout: 'no answer in time: a firewall drops the traffic',
  refused: 'connection refused: a firewall rejects it, or nothing listens',
  unreachable: 'no route from this network',
  reset: 'connections cut after they open',
  dns: 'the name does not resolve',
  tls: 'TLS handshake failed',
  'http-status': 'unexpected HTTP status',
  error: 'other system error',
  failed: 'the Nacos step failed',
};

/**
 * Sample strings are run-length packed: a code, then how often it repeats when that is 3 or more, so a
 * healthy run of 42 subjects is "o42" and "ooootoo" is "o4too". Codes are never digits, so this is
 * unambiguous; trailing `empty` codes (not observed) are dropped.
 */
export const packSamples = (codes: readonly string[], empty: string): string => {
  let end = codes.length;
  while (end > 0 && (codes[end - 1] === empty || codes[end - 1] === undefined)) end--;
  let out = '';
  let i = 0;
  while (i < end) {
    const code = codes[i] ?? empty;
    let j = i + 1;
    while (j < end && (codes[j] ?? empty) === code) j++;
    const count = j - i;
    out += count >= 3 ? `${code}${count}` : code.repeat(count);
    i = j;
  }
  return out;
};

export const unpackSamples = (packed: string, size: number, empty: string): string[] => {
  const out: string[] = [];
  let i = 0;
  while (i < packed.length) {
    const code = packed[i] as string;
    let j = i + 1;
    while (j < packed.length && packed.charCodeAt(j) >= 48 && packed.charCodeAt(j) <= 57) j++;
    const count = j > i + 1 ? Number(packed.slice(i + 1, j)) : 1;
    for (let k = 0; k < count; k++) out.push(code);
    i = j;
  }
  while (out.length < size) out.push(empty);
  return out;
};
