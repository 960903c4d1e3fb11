import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { textTable } from '../../shared/util/table.ts';

const lines = (table: string) => table.split('\n');

describe('textTable', () => {
  it('draws a box with a header rule and one line per row', () => {
    expect(
      textTable(
        ['a', 'bb'],
        [
          ['1', '2'],
          ['333', '4'],
        ],
      ),
    ).toBe(
      ['┌─────┬────┐', '│ a   │ bb │', '├─────┼────┤', '│ 1   │ 2  │', '│ 333 │ 4  │', '└─────┴────┘'].join(
        '\n',
      ),
    );
  });

  it('a cell with line breaks (an OpenSSL error ends with one) stays one row, without an empty line', () => {
    const table = textTable(['detail'], [['ssl3_get_record:wrong version number\n'], ['a\r\nb\tc']]);
    const drawn = lines(table);
    expect(drawn).toHaveLength(6);
    expect(drawn[3]).toBe('│ ssl3_get_record:wrong version number │');
    expect(drawn[4]).toBe(`│ a b c${' '.repeat(31)} │`);
    expect(drawn.some((line) => /^│\s+│$/.test(line))).toBe(false);
  });

  it('fits the given width: wide columns wrap, narrow ones keep their width; colours and CJK are measured', () => {
    const rows = [
      [
        '127.0.0.1:8848',
        '\u001b[31mrefused\u001b[39m',
        '0.4 ms',
        'connect ECONNREFUSED 127.0.0.1:8848 while probing a rather long way',
      ],
      ['主机.example:443', 'ok', '12.5 ms', ''],
    ];
    for (const width of [50, 60, 80]) {
      const table = textTable(['endpoint', 'status', 'latency', 'detail'], rows, { width });
      for (const line of lines(table)) expect(stringWidth(line)).toBeLessThanOrEqual(width);
      // every word of the detail is still there
      expect(table.replace(/[│\s]+/g, ' ')).toMatch(/while probing a rather/);
      expect(table).toContain('\u001b[31mrefused\u001b[39m');
    }
    const natural = textTable(['endpoint', 'status', 'latency', 'detail'], rows);
    expect(Math.max(...lines(natural).map((line) => stringWidth(line)))).toBeGreaterThan(80);
  });

  it('right-aligns the columns asked for', () => {
    const table = textTable(['n'], [['1'], ['100']], { align: ['right'] });
    expect(lines(table)[3]).toBe('│   1 │');
  });
});
