import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The JavaScript files of a code package: what importing the entry loads, and what only `import()` reaches. */
export type PackageFiles = {
  /** The entry and the chunks it imports statically, transitively: what `import(entry)` reads and runs. */
  loaded: string[];
  loadedBytes: number;
  /** Chunks only reached through `import()`: read when a run needs them (the Nacos check, SLS, alerting). */
  lazy: string[];
  lazyBytes: number;
};

// esbuild's ESM output, minified or not: `import{a as b}from"./chunk-X.mjs"`, `export*from"./y.mjs"`, `import"./z.mjs"`
const STATIC = /(?:^|[;\s}])(?:import|export)\s*(?:[\w*{}\s,$]*?\bfrom\s*)?["'](\.\/[^"']+)["']/g;

const staticImports = (file: string): string[] =>
  [...readFileSync(file, 'utf8').matchAll(STATIC)].map((m) => (m[1] as string).slice(2));

/**
 * Reads a built code package (dist/<fn>/) and sorts its .mjs files into what an import of `entry` loads at once
 * and what only a dynamic import reaches. Judged on the files as shipped, not on the build's metafile.
 */
export const packageFiles = (dir: string, entry = 'index.mjs'): PackageFiles => {
  const all = readdirSync(dir).filter((name) => /\.m?js$/.test(name));
  const loaded = new Set([entry]);
  const stack = [entry];
  while (stack.length > 0) {
    for (const imported of staticImports(join(dir, stack.pop() as string))) {
      if (loaded.has(imported) || !existsSync(join(dir, imported))) continue;
      loaded.add(imported);
      stack.push(imported);
    }
  }
  const lazy = all.filter((name) => !loaded.has(name));
  const bytes = (names: Iterable<string>) =>
    [...names].reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
  return { loaded: [...loaded], loadedBytes: bytes(loaded), lazy, lazyBytes: bytes(lazy) };
};
