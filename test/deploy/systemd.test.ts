// deploy/systemd/mse-watch.service, checked by the real systemd-analyze (Debian package systemd).
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const SYSTEMD_ANALYZE = '/usr/bin/systemd-analyze';
const UNIT = fileURLToPath(new URL('../../deploy/systemd/mse-watch.service', import.meta.url));
const unit = readFileSync(UNIT, 'utf8');
const roots: string[] = [];

/**
 * A root directory for `--root`: the distribution's units (the targets ours depends on), the unit under
 * test in /etc/systemd/system, and a stand-in for the installed CLI at the path ExecStart names, since
 * verify checks that the command exists and is executable.
 */
const makeRoot = (text: string): string => {
  if (!existsSync(SYSTEMD_ANALYZE)) {
    throw new Error(`${SYSTEMD_ANALYZE} is missing: install Debian's systemd package, as .ci/run does`);
  }
  const root = mkdtempSync(join(tmpdir(), 'mse-watch-systemd-'));
  roots.push(root);
  mkdirSync(join(root, 'usr/lib/systemd'), { recursive: true });
  cpSync('/usr/lib/systemd/system', join(root, 'usr/lib/systemd/system'), { recursive: true });
  mkdirSync(join(root, 'usr/local/bin'), { recursive: true });
  writeFileSync(join(root, 'usr/local/bin/mse-watch'), '#!/bin/sh\nexit 0\n');
  chmodSync(join(root, 'usr/local/bin/mse-watch'), 0o755);
  mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
  writeFileSync(join(root, 'etc/systemd/system/mse-watch.service'), text);
  return root;
};

const analyze = (args: string[]): { status: number | null; output: string } => {
  const result = spawnSync(SYSTEMD_ANALYZE, args, { encoding: 'utf8', timeout: 60_000, cwd: tmpdir() });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
};

const verify = (text: string) =>
  analyze(['verify', '--man=no', `--root=${makeRoot(text)}`, '/etc/systemd/system/mse-watch.service']);

afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

describe('deploy/systemd/mse-watch.service', () => {
  it('passes `systemd-analyze verify` without a single warning', () => {
    const result = verify(unit);
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });

  it('verify really checks: a misspelt key, a key in the wrong section and a missing command are reported', () => {
    expect(verify(unit.replace('NoNewPrivileges=yes', 'NoNewPrivilege=yes')).output).toContain(
      "Unknown key 'NoNewPrivilege'",
    );
    expect(
      verify(
        unit.replace('ProtectSystem=strict\n', '').replace('WantedBy=', 'ProtectSystem=strict\nWantedBy='),
      ).output,
    ).toContain("Unknown key 'ProtectSystem' in section [Install]");
    const missing = verify(unit.replace('/usr/local/bin/mse-watch', '/usr/local/bin/mse-watch-typo'));
    expect(missing.status).not.toBe(0);
    expect(missing.output).toContain('is not executable');
  });

  it('is hardened: `systemd-analyze security` rates its exposure at most 1.5 (OK)', () => {
    const root = makeRoot(unit);
    const report = analyze(['security', '--offline=yes', `--root=${root}`, 'mse-watch.service']);
    const exposure = /Overall exposure level for mse-watch\.service: ([\d.]+) (\w+)/.exec(report.output);
    expect(exposure, report.output).not.toBeNull();
    expect(Number(exposure![1])).toBeLessThanOrEqual(1.5);
    // the same limit as an exit status, the way a CI gate would use it
    expect(
      analyze(['security', '--offline=yes', `--root=${root}`, '--threshold=15', 'mse-watch.service']).status,
    ).toBe(0);
    const items = JSON.parse(
      analyze(['security', '--offline=yes', `--root=${root}`, '--json=short', 'mse-watch.service']).output,
    ) as Array<{ name: string; set: boolean }>;
    const set = new Set(items.filter((item) => item.set).map((item) => item.name));
    for (const name of [
      'NoNewPrivileges=',
      'ProtectSystem=',
      'ProtectHome=',
      'PrivateTmp=',
      'PrivateDevices=',
      'RestrictSUIDSGID=',
    ]) {
      expect(set, name).toContain(name);
    }
  });

  it('runs `mse-watch serve` with the documented config as a dynamic user, with its own state directory, restarted on failure', () => {
    expect(unit).toMatch(
      /^ExecStart=\/usr\/local\/bin\/mse-watch serve --config \/etc\/mse-watch\/mse-watch\.yaml$/m,
    );
    expect(unit).toMatch(/^DynamicUser=yes$/m);
    expect(unit).toMatch(/^StateDirectory=mse-watch$/m);
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).toMatch(/^NoNewPrivileges=yes$/m);
    expect(unit).toMatch(/^ProtectSystem=strict$/m);
    // secrets come from a root-only environment file, never from the unit or the config
    expect(unit).toMatch(/^EnvironmentFile=-\/etc\/mse-watch\/env$/m);
    // V8 needs writable executable memory: this must stay unset
    expect(unit).not.toMatch(/^MemoryDenyWriteExecute=yes/m);
  });
});
