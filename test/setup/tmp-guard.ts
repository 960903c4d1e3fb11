// The suite leaves nothing behind: every test process gets a private TMPDIR (os.tmpdir() reads it on each
// call, child processes inherit it), and after the run whatever is still in it is named and fails the run.
// The directory itself is then removed, so even a failing run does not litter the shared /tmp.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const outer = tmpdir();
  const root = mkdtempSync(join(outer, 'mse-watch-suite-'));
  process.env.TMPDIR = root;
  // child processes that run TypeScript through tsx would keep its compile cache (tsx-<uid>) in TMPDIR
  process.env.TSX_DISABLE_CACHE = '1';
  return () => {
    const left = readdirSync(root);
    rmSync(root, { recursive: true, force: true });
    process.env.TMPDIR = outer;
    if (left.length > 0)
      throw new Error(
        `the tests left ${left.length} entries in the temporary directory: ${left.sort().join(', ')}; remove them where they are made`,
      );
  };
}
