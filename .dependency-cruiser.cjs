// The layering of mse-watch as rules (docs/architecture.md explains it). `npm test` checks them
// (test/architecture/layers.test.ts): a change that makes a circle, or an import from a lower layer to a
// higher one, fails the build.

/** shared/ folders from the bottom up. A folder may import only folders of lower layers. */
const LAYERS = [
  ['util'],
  ['catalog'],
  ['probes', 'state', 'aliyun', 'allowlist'],
  ['nacos'],
  ['history'],
  ['report'],
  ['diagnose'],
  ['alerting', 'sinks', 'simulate', 'heartbeat'],
  ['config', 'metrics'],
  ['run'],
  ['fc', 'service'],
];

const any = (folders) => `^shared/(${folders.join('|')})/`;

const layerRules = LAYERS.flatMap((layer, index) => {
  const notBelow = LAYERS.slice(index).flat();
  return layer.map((folder) => ({
    name: `layer-${folder}`,
    comment: `shared/${folder} may import only lower layers (${LAYERS.slice(0, index).flat().join(', ') || 'none'})`,
    severity: 'error',
    from: { path: `^shared/${folder}/` },
    to: { path: any(notBelow.filter((other) => other !== folder)) },
  }));
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'no module reaches itself through its imports',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'shared-is-the-core',
      comment: 'the core never imports its shells, the scripts or the tests',
      severity: 'error',
      from: { path: '^shared/' },
      to: { path: '^(cli|functions|scripts|test)/' },
    },
    {
      name: 'no-test-imports',
      comment: 'product and scripts never import test/',
      severity: 'error',
      from: { path: '^(shared|cli|functions|scripts)/' },
      to: { path: '^test/' },
    },
    {
      name: 'functions-are-thin',
      comment: 'a function entry is a shell over shared/ only',
      severity: 'error',
      from: { path: '^functions/' },
      to: { path: '^(cli|scripts)/' },
    },
    {
      name: 'commands-stand-alone',
      comment:
        'a CLI command imports shared options, renderers and shared/, never another command or the program',
      severity: 'error',
      from: { path: '^cli/commands/([^/]+)\\.ts$' },
      to: { path: '^cli/(commands/|program\\.ts$)', pathNot: '^cli/commands/$1\\.ts$' },
    },
    {
      name: 'not-the-handbook',
      comment: "the product never needs ../shared (the team's handbook) at run time",
      severity: 'error',
      from: { path: '^(shared|cli|functions)/' },
      to: { path: '^\\.\\./' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.mjs', '.js', '.json'] },
  },
};
