// The layering of docs/architecture.md, checked by dependency-cruiser with the rules in .dependency-cruiser.cjs.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { afterAll, describe, expect, it } from 'vitest';

const RULES = resolve('.dependency-cruiser.cjs');

/** What `depcruise --config .dependency-cruiser.cjs` reports, run in `cwd` (the repository, or a scratch tree). */
const violationsIn = async (roots: string[], cwd = process.cwd()) => {
  const here = process.cwd();
  process.chdir(cwd);
  try {
    const options = await extractDepcruiseOptions(RULES);
    const { output } = await cruise(
      roots,
      { ...options, validate: true },
      {},
      {
        tsConfig: extractTSConfig('tsconfig.json'),
      },
    );
    return (output as ICruiseResult).summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);
  } finally {
    process.chdir(here);
  }
};

const scratch: string[] = [];
afterAll(async () => {
  await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A tree of small files (path → content) in a temporary directory, to show each rule bites. */
const tree = async (files: Record<string, string>): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'mse-watch-layers-'));
  scratch.push(dir);
  await writeFile(join(dir, 'tsconfig.json'), await readFile('tsconfig.json', 'utf8'));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
};

describe('the import graph', () => {
  it('has no circle and no import from a lower layer to a higher one', async () => {
    expect(await violationsIn(['shared', 'cli', 'functions', 'scripts', 'test'])).toEqual([]);
  });

  it.each([
    [
      'an import up the layers',
      {
        'shared/util/a.ts': "import { b } from '../run/b.ts';\nexport const a = b;\n",
        'shared/run/b.ts': 'export const b = 1;\n',
      },
      'layer-util: shared/util/a.ts -> shared/run/b.ts',
    ],
    [
      'a circle',
      {
        'shared/run/a.ts': "import { b } from './b.ts';\nexport const a = () => b;\n",
        'shared/run/b.ts': "import { a } from './a.ts';\nexport const b = () => a;\n",
      },
      'no-circular: shared/run/a.ts -> shared/run/b.ts',
    ],
    [
      'a command importing another',
      {
        'cli/commands/one.ts': "import { two } from './two.ts';\nexport const one = two;\n",
        'cli/commands/two.ts': 'export const two = 2;\n',
      },
      'commands-stand-alone: cli/commands/one.ts -> cli/commands/two.ts',
    ],
    [
      'a script importing a test helper',
      {
        'scripts/x.ts': "import { y } from '../test/y.ts';\nexport const x = y;\n",
        'test/y.ts': 'export const y = 1;\n',
      },
      'no-test-imports: scripts/x.ts -> test/y.ts',
    ],
  ])('fails on %s', async (_, files, violation) => {
    const dir = await tree(files);
    expect(
      await violationsIn(
        ['shared', 'cli', 'scripts', 'test'].filter((root) =>
          Object.keys(files).some((f) => f.startsWith(`${root}/`)),
        ),
        dir,
      ),
    ).toContain(violation);
  });
});
