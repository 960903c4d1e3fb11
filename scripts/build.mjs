// Bundles the CLI (dependencies stay in node_modules) and, with no argument or "functions",
// each Function Compute handler into one self-contained file under dist/<function>/.
import { copyFileSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { build } from 'esbuild';

// zod's `z` namespace re-exports all of its ~40 locales (~260 KB minified) and so defeats tree shaking;
// the functions only ever speak English, so their bundles get a locales module with `en` alone.
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

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  logLevel: 'warning',
};

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
    packages: 'external',
  });
}

if (what === 'all' || what === 'functions') {
  const names = existsSync('functions')
    ? readdirSync('functions').filter((name) => existsSync(`functions/${name}/index.ts`))
    : [];
  // the FC code package is dist/<name>/ as a whole: keep it small so cold starts stay fast
  const MAX_BUNDLE_BYTES = 1024 * 1024;
  for (const name of names) {
    rmSync(`dist/${name}`, { recursive: true, force: true });
    await build({
      ...common,
      entryPoints: [`functions/${name}/index.ts`],
      outfile: `dist/${name}/index.mjs`,
      minify: true,
      plugins: [zodEnglishOnly],
      // source maps stay out of the code package; stack traces name minified code either way
      sourcemap: false,
      legalComments: 'none',
      // CJS dependencies bundled into ESM still call require() for Node built-ins
      banner: {
        js:
          "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" +
          // @alicloud/log reads sls.proto next to itself: __dirname is the code package, where it is copied
          " import { fileURLToPath as __fu } from 'node:url'; const __dirname = __fu(new URL('.', import.meta.url));",
      },
    });
    copyFileSync('node_modules/@alicloud/log/lib/sls.proto', `dist/${name}/sls.proto`);
    // the config both functions run with (MSE_WATCH_CONFIG=/code/mse-watch.yaml in s.yaml)
    if (existsSync('functions/mse-watch.yaml'))
      copyFileSync('functions/mse-watch.yaml', `dist/${name}/mse-watch.yaml`);
    const bytes = statSync(`dist/${name}/index.mjs`).size;
    if (bytes > MAX_BUNDLE_BYTES) {
      console.error(`dist/${name}/index.mjs is ${bytes} bytes, over the ${MAX_BUNDLE_BYTES} byte budget`);
      process.exitCode = 1;
    }
  }
}
