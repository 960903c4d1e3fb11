import stringWidth from 'string-width';
import wrapAnsi from 'wrap-ansi';

/**
 * The one table style of the text outputs: a box without row separators, no colours in the frame.
 *
 * Hand-rolled layout over `string-width` (display width: colours, CJK, emoji) and `wrap-ansi` (wrapping
 * coloured text) instead of cli-table3, whose layout grows quadratically with the rows (8,000 rows: 6.7 s;
 * a 50,000-target run took over 10 minutes). Here every cell is measured once and wrapped at most once, so
 * the cost is linear in the cells (docs/packages.md).
 */
export type TableOptions = {
  /** Fit the table in this many columns (the terminal's width); undefined = as wide as the content. */
  width?: number;
  /** Per column; numbers read better right-aligned. */
  align?: ReadonlyArray<'left' | 'right'>;
};

// Narrower than this a column is not shrunk further: a table too wide for a tiny terminal overflows instead
// of turning into one character per line.
const MIN_COLUMN = 6;

/**
 * A cell is one logical line: line breaks and tabs inside (an OpenSSL error ends with "\n") become spaces,
 * so a message never adds an empty row or breaks the frame.
 */
const flatten = (cell: string): string =>
  cell.includes('\n') || cell.includes('\r') || cell.includes('\t')
    ? cell
        .replace(/\s*[\r\n]+\s*/g, ' ')
        .replace(/\t/g, ' ')
        .trim()
    : cell;

/**
 * Column widths that fit `available`: narrow columns keep their natural width, the space left is shared
 * equally by the wide ones (those are the ones that wrap). Linear in the columns after one sort.
 */
const fitWidths = (natural: number[], floors: number[], available: number): number[] => {
  const widths = [...natural];
  if (natural.reduce((sum, w) => sum + w, 0) <= available) return widths;
  const order = natural.map((_, i) => i).sort((a, b) => (natural[a] ?? 0) - (natural[b] ?? 0));
  let left = available;
  order.forEach((column, index) => {
    const share = Math.floor(left / (order.length - index));
    const width = Math.max(floors[column] ?? MIN_COLUMN, Math.min(natural[column] ?? 0, share));
    widths[column] = width;
    left -= width;
  });
  return widths;
};

const pad = (text: string, width: number, shown: number, align: 'left' | 'right'): string =>
  align === 'right' ? `${' '.repeat(width - shown)}${text}` : `${text}${' '.repeat(width - shown)}`;

/** A table for the terminal: every row, wrapped to fit `options.width` when given. */
export const textTable = (head: string[], rows: string[][], options: TableOptions = {}): string => {
  const columns = head.length;
  const cells = rows.map((row) => Array.from({ length: columns }, (_, i) => flatten(row[i] ?? '')));
  const headCells = head.map(flatten);
  const measured = cells.map((row) => row.map((cell) => stringWidth(cell)));
  const headWidths = headCells.map((cell) => stringWidth(cell));
  const natural = headWidths.map((w, i) =>
    measured.reduce((max, row) => Math.max(max, row[i] ?? 0), Math.max(w, 1)),
  );
  // frame: "│ " + " │ " between cells + " │"
  const frame = 3 * columns + 1;
  const widths =
    options.width === undefined
      ? natural
      : fitWidths(
          natural,
          headWidths.map((w, i) => Math.min(natural[i] ?? 0, Math.max(Math.min(w, 12), MIN_COLUMN))),
          Math.max(options.width - frame, columns * MIN_COLUMN),
        );
  const align = (i: number) => options.align?.[i] ?? 'left';

  const out: string[] = [];
  const rule = (left: string, mid: string, right: string) =>
    `${left}${widths.map((w) => '─'.repeat(w + 2)).join(mid)}${right}`;
  const emit = (row: string[], shown: number[]) => {
    // only a cell wider than its column is wrapped; the rest are padded as they are
    const lines = row.map((cell, i) => {
      const width = widths[i] ?? 0;
      return (shown[i] ?? 0) <= width
        ? [cell]
        : wrapAnsi(cell, width, { hard: true, trim: true }).split('\n');
    });
    const height = lines.reduce((max, cell) => Math.max(max, cell.length), 1);
    for (let line = 0; line < height; line++) {
      const parts = lines.map((cell, i) => {
        const text = cell[line] ?? '';
        const width = widths[i] ?? 0;
        const textWidth = cell.length === 1 ? (line === 0 ? (shown[i] ?? 0) : 0) : stringWidth(text);
        return pad(text, width, textWidth, align(i));
      });
      out.push(`│ ${parts.join(' │ ')} │`);
    }
  };
  out.push(rule('┌', '┬', '┐'));
  emit(headCells, headWidths);
  out.push(rule('├', '┼', '┤'));
  for (const [index, row] of cells.entries()) emit(row, measured[index] ?? []);
  out.push(rule('└', '┴', '┘'));
  return out.join('\n');
};
