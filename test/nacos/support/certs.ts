// Certificates made for one test run with Debian's openssl: a CA, server certificates signed by it, a client
// certificate, and a second CA nobody trusts. Nothing is committed; the directory is removed afterwards.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Pem = { cert: string; key: string; certFile: string; keyFile: string };

export type TestPki = {
  dir: string;
  ca: Pem;
  /** Signed by `ca`; names nacos.test and 127.0.0.1. */
  server: Pem;
  /** Signed by `ca`; names only nacos.test, so a check by IP needs `servername`. */
  nameOnly: Pem;
  /** Signed by `ca`, for client authentication (mutual TLS). */
  client: Pem;
  /** Another CA: a server certificate it signed is untrusted by `ca`. */
  otherCa: Pem;
  close(): void;
};

const openssl = (dir: string, args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

const newKey = (dir: string, name: string) =>
  openssl(dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`]);

const pem = (dir: string, name: string): Pem => ({
  cert: readFileSync(join(dir, `${name}.pem`), 'utf8'),
  key: readFileSync(join(dir, `${name}.key`), 'utf8'),
  certFile: join(dir, `${name}.pem`),
  keyFile: join(dir, `${name}.key`),
});

const makeCa = (dir: string, name: string, subject: string): Pem => {
  newKey(dir, name);
  openssl(dir, [
    'req',
    '-x509',
    '-new',
    '-key',
    `${name}.key`,
    '-subj',
    subject,
    '-days',
    '2',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-out',
    `${name}.pem`,
  ]);
  return pem(dir, name);
};

const makeLeaf = (dir: string, name: string, ca: string, extensions: string): Pem => {
  newKey(dir, name);
  openssl(dir, ['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`, '-out', `${name}.csr`]);
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}.pem`,
  ]);
  return pem(dir, name);
};

export const makeTestPki = (): TestPki => {
  const dir = mkdtempSync(join(tmpdir(), 'mse-watch-pki-'));
  const ca = makeCa(dir, 'ca', '/CN=mse-watch test CA');
  const otherCa = makeCa(dir, 'other-ca', '/CN=someone else');
  const server = makeLeaf(
    dir,
    'server',
    'ca',
    'subjectAltName=DNS:nacos.test,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n',
  );
  const nameOnly = makeLeaf(
    dir,
    'name-only',
    'ca',
    'subjectAltName=DNS:nacos.test\nextendedKeyUsage=serverAuth\n',
  );
  const client = makeLeaf(dir, 'client', 'ca', 'extendedKeyUsage=clientAuth\n');
  return {
    dir,
    ca,
    server,
    nameOnly,
    client,
    otherCa,
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
};

/** A server certificate for 127.0.0.1 signed by a CA the check does not trust. */
export const untrustedServer = (pki: TestPki): Pem =>
  makeLeaf(pki.dir, 'untrusted', 'other-ca', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
