import { accessSync, constants, existsSync, readFileSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliIo } from './io.ts';

// Hints print a command to run next. It must work as printed: `mse-watch` only when that name is on PATH,
// `npx mse-watch` when npx will find this package's bin from the working directory, otherwise the script itself.

const executable = (file: string): boolean => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** A directory holding an executable `mse-watch` on PATH. */
const onPath = (io: CliIo): boolean =>
  (io.env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .some((dir) => executable(join(dir, 'mse-watch')));

/**
 * What npx runs from the working directory: npm's local prefix is the nearest directory above it with a
 * package.json or node_modules; `npx mse-watch` works there when that package is mse-watch itself (its own
 * bin) or has it installed (node_modules/.bin). Anything else would make npx fetch some package of that name.
 */
const npxFinds = (io: CliIo): boolean => {
  let dir = resolve(io.cwd);
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) || existsSync(join(dir, 'node_modules'))) {
      if (executable(join(dir, 'node_modules', '.bin', 'mse-watch'))) return true;
      try {
        const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { bin?: unknown };
        return typeof pkg.bin === 'object' && pkg.bin !== null && 'mse-watch' in pkg.bin;
      } catch {
        return false;
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return false;
    dir = parent;
  }
};

/** bin/mse-watch.mjs of this package, from the running script or, failing that, from this module. */
const ownScript = (io: CliIo): string => {
  if (io.self && existsSync(io.self)) return realpathSync(io.self);
  // cli/hint.ts in the sources, dist/cli/index.mjs (or a chunk) in the bundle: walk up to the package root
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const bin = join(dir, 'bin', 'mse-watch.mjs');
    if (existsSync(bin)) return bin;
    dir = dirname(dir);
  }
  return 'mse-watch';
};

const cache = new WeakMap<CliIo, string>();

/** The command to print in hints: "mse-watch", "npx mse-watch" or "node <path>/bin/mse-watch.mjs". */
export const commandName = (io: CliIo): string => {
  const known = cache.get(io);
  if (known) return known;
  let name: string;
  if (onPath(io)) name = 'mse-watch';
  else if (npxFinds(io)) name = 'npx mse-watch';
  else {
    const script = ownScript(io);
    const shown = relative(io.cwd, script);
    name = script === 'mse-watch' ? script : `node ${shown.startsWith('..') ? script : shown}`;
  }
  cache.set(io, name);
  return name;
};
