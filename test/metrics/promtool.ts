// The real promtool (Debian package `prometheus`), and a small reader of the exposition to check values.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const PROMTOOL = '/usr/bin/promtool';

/**
 * Runs `promtool check metrics` on the text (stdin). A machine without promtool fails here with the fix,
 * never skips: the metrics are only proven by the real linter.
 */
export const promtoolCheck = (text: string): { status: number | null; output: string } => {
  if (!existsSync(PROMTOOL)) {
    throw new Error(
      `${PROMTOOL} is missing: install Debian's prometheus package (apt-get install -y prometheus), as .ci/run does`,
    );
  }
  const result = spawnSync(PROMTOOL, ['check', 'metrics'], {
    input: text,
    encoding: 'utf8',
    timeout: 20_000,
  });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
};

export type ParsedSample = { name: string; labels: Record<string, string>; value: number };
export type Parsed = {
  help: Map<string, string>;
  type: Map<string, string>;
  samples: ParsedSample[];
};

const unescapeLabel = (text: string): string =>
  text.replace(/\\(.)/g, (_, char: string) => (char === 'n' ? '\n' : char));

/** Reads the 0.0.4 text format back, label escapes included (independent of the writer under test). */
export const parseExposition = (text: string): Parsed => {
  const parsed: Parsed = { help: new Map(), type: new Map(), samples: [] };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const comment = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (comment) {
      const map = comment[1] === 'HELP' ? parsed.help : parsed.type;
      if (map.has(comment[2]!)) throw new Error(`second ${comment[1]} for ${comment[2]}`);
      map.set(comment[2]!, comment[3]!);
      continue;
    }
    const head = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
    if (!head) throw new Error(`not a sample: ${line}`);
    const name = head[1]!;
    let rest = line.slice(name.length);
    const labels: Record<string, string> = {};
    if (rest.startsWith('{')) {
      rest = rest.slice(1);
      while (!rest.startsWith('}')) {
        const label = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/.exec(rest);
        if (!label) throw new Error(`bad labels in: ${line}`);
        labels[label[1]!] = unescapeLabel(label[2]!);
        rest = rest.slice(label[0].length);
      }
      rest = rest.slice(1);
    }
    const value = /^ (\S+)$/.exec(rest);
    if (!value) throw new Error(`bad value in: ${line}`);
    const raw = value[1]!;
    parsed.samples.push({
      name,
      labels,
      value:
        raw === '+Inf' ? Number.POSITIVE_INFINITY : raw === '-Inf' ? Number.NEGATIVE_INFINITY : Number(raw),
    });
  }
  return parsed;
};

export const samplesOf = (parsed: Parsed, name: string): ParsedSample[] =>
  parsed.samples.filter((sample) => sample.name === name);
