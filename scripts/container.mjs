// Writes the container build context for deploy/container/Containerfile and builds the image:
//
//   npm run container                        build the CLI, write dist/container, build mse-watch:<version>
//   npm run container -- --no-image          only write the context (build it elsewhere)
//   npm run container -- --tag registry.example.com/mse-watch:0.1.0 --build-arg NODE_IMAGE=mirror/node:20
//
// The context holds only what the runner needs: the bundled CLI, its shim and its production dependencies
// (`npm ci --omit=dev`, install scripts off), so the image build itself needs no network and no shell.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    context: { type: 'string', default: join(root, 'dist/container') },
    tag: { type: 'string' },
    engine: { type: 'string' },
    'build-arg': { type: 'string', multiple: true, default: [] },
    'no-image': { type: 'boolean', default: false },
    'no-cli-build': { type: 'boolean', default: false },
    offline: { type: 'boolean', default: false },
  },
});

const fail = (message) => {
  process.stderr.write(`container: ${message}\n`);
  process.exit(1);
};

const run = (argv, options = {}) => {
  const [command, ...args] = argv;
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.error) fail(`${command}: ${result.error.message}`);
  if (result.status !== 0) fail(`${argv.join(' ')} exited with ${result.status ?? result.signal}`);
};

const onPath = (command) => spawnSync(command, ['--version'], { stdio: 'ignore' }).status === 0;

const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const context = resolve(values.context);
const app = join(context, 'app');

if (!values['no-cli-build']) run([process.execPath, 'scripts/build.mjs', 'cli'], { cwd: root });

rmSync(context, { recursive: true, force: true });
mkdirSync(join(app, 'bin'), { recursive: true });
mkdirSync(join(context, 'state'), { recursive: true });
copyFileSync(join(root, 'deploy/container/Containerfile'), join(context, 'Containerfile'));
copyFileSync(join(root, 'bin/mse-watch.mjs'), join(app, 'bin/mse-watch.mjs'));
cpSync(join(root, 'dist/cli'), join(app, 'dist/cli'), { recursive: true });
for (const file of ['package.json', 'package-lock.json']) copyFileSync(join(root, file), join(app, file));
// the lock file pins every production dependency; --offline takes them from npm's cache (as the tests do)
run(
  [
    'npm',
    'ci',
    '--omit=dev',
    '--ignore-scripts',
    '--no-audit',
    '--no-fund',
    '--loglevel=error',
    ...(values.offline ? ['--offline'] : []),
  ],
  { cwd: app },
);
process.stderr.write(`container: context written to ${context}\n`);

if (!values['no-image']) {
  const engine = values.engine?.split(/\s+/).filter(Boolean) ?? [onPath('podman') ? 'podman' : 'docker'];
  const tag = values.tag ?? `mse-watch:${version}`;
  const buildArgs = values['build-arg'].flatMap((arg) => ['--build-arg', arg]);
  run([...engine, 'build', '--file', join(context, 'Containerfile'), '--tag', tag, ...buildArgs, context]);
  process.stderr.write(`container: built ${tag}\n`);
}
