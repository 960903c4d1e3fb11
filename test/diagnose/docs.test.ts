import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FINDING_KINDS } from '../../shared/report/schema.ts';
import { EXAMPLES, printed } from './examples.ts';

// docs/diagnosis.md shows every kind of finding as printed. Each example is rebuilt from its scenario here and
// must match the page word for word (line wrapping aside), so the page cannot drift from the code.

const page = readFileSync(new URL('../../docs/diagnosis.md', import.meta.url), 'utf8');
const blocks = new Map(
  [...page.matchAll(/<!-- example: ([a-z0-9-]+) -->\n```text\n([\s\S]*?)\n```/g)].map((m) => [m[1], m[2]]),
);
const flat = (text: string) => text.replace(/\s+/g, ' ').trim();

describe('docs/diagnosis.md', () => {
  it('has every example, and no example the code does not build', () => {
    expect([...blocks.keys()].sort()).toEqual(Object.keys(EXAMPLES).sort());
  });

  it.each(Object.entries(EXAMPLES))('example %s is what the code prints', (id, make) => {
    const findings = make();
    expect(findings.length).toBeGreaterThan(0);
    // on a mismatch, the message shows the text to paste into the page
    expect(flat(blocks.get(id) ?? ''), printed(findings)).toBe(flat(printed(findings)));
  });

  it('shows every kind of finding (Nacos ones live in docs/nacos.md)', () => {
    const shown = new Set(Object.values(EXAMPLES).flatMap((make) => make().map((f) => f.kind)));
    expect([...shown].sort()).toEqual(FINDING_KINDS.filter((kind) => kind !== 'nacos').sort());
  });
});
