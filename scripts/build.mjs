// Bundles the CLI (dependencies stay in node_modules) and, with no argument or "functions",
// each Function Compute handler into one self-contained file under dist/<function>/.
import { existsSync, readdirSync } from 'node:fs';
import { build } from 'esbuild';

const what = process.argv[2] ?? 'all';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  logLevel: 'warning',
};

if (what === 'all' || what === 'cli') {
  await build({
    ...common,
    entryPoints: ['cli/main.ts'],
    outfile: 'dist/cli/index.mjs',
    packages: 'external',
  });
}

if (what === 'all' || what === 'functions') {
  const names = existsSync('functions')
    ? readdirSync('functions').filter((name) => existsSync(`functions/${name}/index.ts`))
    : [];
  for (const name of names) {
    await build({
      ...common,
      entryPoints: [`functions/${name}/index.ts`],
      outfile: `dist/${name}/index.mjs`,
      minify: true,
      // CJS dependencies bundled into ESM still call require() for Node built-ins
      banner: {
        js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
      },
    });
  }
}
