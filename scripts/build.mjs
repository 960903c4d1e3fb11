// Bundles the CLI (its small start-up dependencies inside, the rest from node_modules) and, with no argument or
// "functions", each Function Compute handler into a self-contained code package under dist/<function>/.
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { build } from 'esbuild';

// zod's `z` namespace re-exports all of its ~40 locales (~260 KB minified) and so defeats tree shaking;
// mse-watch only ever speaks English, so its bundles get a locales module with `en` alone.
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]/.test(args.importer) ? { path: args.importer, namespace: 'zod-locales' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: "export { default as en } from '../locales/en.js';",
      resolveDir: dirname(args.path),
    }));
  },
};

const what = process.argv[2] ?? 'all';

/** The output files an import of `entry` loads before its code runs: itself and its static imports, transitively. */
export const loadedAtImport = (metafile, entry) => {
  const seen = new Set([entry]);
  const stack = [entry];
  while (stack.length > 0) {
    const file = stack.pop();
    for (const imported of metafile.outputs[file]?.imports ?? []) {
      if (imported.kind !== 'import-statement' || imported.external || seen.has(imported.path)) continue;
      seen.add(imported.path);
      stack.push(imported.path);
    }
  }
  return [...seen];
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  logLevel: 'warning',
};

// The small pure-JS packages every CLI run loads before it reads its arguments go into the CLI bundle: one module
// instead of a few hundred files through Node's module loader (and zod with its English locale alone, as in the
// functions). Measured: `mse-watch --version` 200 → 130 ms of CPU, 74 → 67 MiB (docs/BENCHMARKS.md). The rest
// (the gRPC stack, the Alibaba Cloud SDKs) stays in node_modules, loaded only by the commands that use it: some of
// them read files beside their own code.
const CLI_BUNDLED = ['zod', 'commander', 'picocolors', 'string-width', 'wrap-ansi', 'yaml', 'dayjs'];
const dependencies = Object.keys(JSON.parse(readFileSync('package.json', 'utf8')).dependencies);

/** CJS packages bundled into ESM still call require() for Node built-ins: give the module scope one. */
const REQUIRE_BANNER =
  "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);";

if (what === 'all' || what === 'cli') {
  // Split at dynamic imports, so the gRPC stack, the Alibaba Cloud SDKs and the alerting channels load only in
  // the commands that use them: a plain `check` starts in a fraction of the time and memory.
  rmSync('dist/cli', { recursive: true, force: true });
  await build({
    ...common,
    entryPoints: { index: 'cli/main.ts' },
    outdir: 'dist/cli',
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    splitting: true,
    external: dependencies.filter((name) => !CLI_BUNDLED.includes(name)),
    plugins: [zodEnglishOnly],
    banner: { js: REQUIRE_BANNER },
    // V8 keeps every module's source for lazy compilation: whitespace and syntax minified, it is a third smaller
    // (−2.5 MiB at start); names are kept, so a bug's stack trace still reads (and index.mjs.map maps it back)
    minifyWhitespace: true,
    minifySyntax: true,
  });
}

if (what === 'all' || what === 'functions') {
  const names = existsSync('functions')
    ? readdirSync('functions').filter((name) => existsSync(`functions/${name}/index.ts`))
    : [];
  // The FC code package is dist/<name>/ as a whole: the entry, index.mjs, and the chunks it loads on demand. Split
  // at dynamic imports like the CLI, so what a run does not use (the Nacos check's gRPC stack in probe-endpoints,
  // the SLS client without `sls:`, alerting without `alerting:`, the audit's OpenAPI client) is never read,
  // parsed or kept in memory. The budget is on what importing the handler loads: the entry and the chunks it
  // imports statically (docs/BENCHMARKS.md, issue 16's 500 kB).
  const MAX_LOADED_BYTES = 500 * 1000;
  for (const name of names) {
    rmSync(`dist/${name}`, { recursive: true, force: true });
    const result = await build({
      ...common,
      entryPoints: { index: `functions/${name}/index.ts` },
      outdir: `dist/${name}`,
      outExtension: { '.js': '.mjs' },
      // beside the entry, not in a folder: a chunk's __dirname (below) must be the code package, where sls.proto is
      chunkNames: '[name]-[hash]',
      splitting: true,
      metafile: true,
      minify: true,
      plugins: [zodEnglishOnly],
      // source maps stay out of the code package; stack traces name minified code either way
      sourcemap: false,
      legalComments: 'none',
      // CJS dependencies bundled into ESM still call require() for Node built-ins
      banner: {
        js:
          REQUIRE_BANNER +
          // @alicloud/log reads sls.proto next to itself: __dirname is the code package, where it is copied
          " import { fileURLToPath as __fu } from 'node:url'; const __dirname = __fu(new URL('.', import.meta.url));",
      },
    });
    copyFileSync('node_modules/@alicloud/log/lib/sls.proto', `dist/${name}/sls.proto`);
    // the config both functions run with (MSE_WATCH_CONFIG=/code/mse-watch.yaml in s.yaml)
    if (existsSync('functions/mse-watch.yaml'))
      copyFileSync('functions/mse-watch.yaml', `dist/${name}/mse-watch.yaml`);
    const loaded = loadedAtImport(result.metafile, `dist/${name}/index.mjs`);
    const bytes = loaded.reduce((sum, file) => sum + statSync(file).size, 0);
    if (bytes > MAX_LOADED_BYTES) {
      console.error(
        `dist/${name}: importing the handler loads ${bytes} bytes (${loaded.join(', ')}), over the ${MAX_LOADED_BYTES} byte budget`,
      );
      process.exitCode = 1;
    }
  }
}
