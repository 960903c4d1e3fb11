import Table from 'cli-table3';

/** The one table style of the text outputs: a box without row separators, no colours in the frame. */
const STYLE = {
  chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  style: { head: [] as string[], border: [] as string[], 'padding-left': 1, 'padding-right': 1 },
};

/** A table for the terminal. */
export const textTable = (head: string[], rows: string[][]): string => {
  const table = new Table({ head, ...STYLE });
  for (const row of rows) table.push(row);
  return table.toString();
};
