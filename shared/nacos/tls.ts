import { MseWatchError } from '../util/errors.ts';
import type { NacosTls } from './config.ts';

/** The TLS the run uses, files read: what the HTTP agent and the gRPC channel are built from. */
export type ResolvedTls = {
  /** HTTPS for the HTTP API (the server is https://). */
  http: boolean;
  /** TLS on the gRPC client port. */
  grpc: boolean;
  /** PEM trust anchors replacing the system roots; undefined = system roots. */
  ca?: string;
  cert?: string;
  key?: string;
  servername?: string;
  /** false = any certificate is accepted (tls.insecureSkipVerify). */
  verify: boolean;
};

/** How the server certificate is checked, for the report: never the material itself. */
export type TlsSummary = {
  http: boolean;
  grpc: boolean;
  verify: 'system' | 'ca' | 'off';
  servername?: string;
};

const readPem = async (
  field: string,
  path: string,
  readFile: (path: string) => Promise<string>,
  looksRight: (text: string) => boolean,
  what: string,
): Promise<string> => {
  let text: string;
  try {
    text = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException)?.code ?? (error as Error)?.message;
    throw new MseWatchError(
      'config',
      `nacos.tls.${field}: cannot read ${path} (${code}): give a readable file`,
    );
  }
  if (!looksRight(text)) {
    throw new MseWatchError('config', `nacos.tls.${field}: ${path} holds no PEM ${what}`);
  }
  return text;
};

const isCertificate = (text: string) => text.includes('-----BEGIN CERTIFICATE-----');
const isKey = (text: string) => /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text);

/**
 * Reads the *File fields and settles which sides use TLS. Throws MseWatchError (exit code 2) for a file that
 * cannot be read or holds no PEM: bad input is a usage error, not a failed check.
 */
export const resolveTls = async (
  tls: NacosTls | undefined,
  httpIsTls: boolean,
  readFile: (path: string) => Promise<string>,
): Promise<ResolvedTls> => {
  const grpc = tls?.enabled ?? httpIsTls;
  const ca =
    tls?.ca ??
    (tls?.caFile ? await readPem('caFile', tls.caFile, readFile, isCertificate, 'certificate') : undefined);
  const cert =
    tls?.cert ??
    (tls?.certFile
      ? await readPem('certFile', tls.certFile, readFile, isCertificate, 'certificate')
      : undefined);
  const key =
    tls?.key ??
    (tls?.keyFile ? await readPem('keyFile', tls.keyFile, readFile, isKey, 'private key') : undefined);
  return {
    http: httpIsTls,
    grpc,
    ...(ca === undefined ? {} : { ca }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
    ...(tls?.servername === undefined ? {} : { servername: tls.servername }),
    verify: !(tls?.insecureSkipVerify ?? false),
  };
};

export const summarizeTls = (tls: ResolvedTls): TlsSummary => ({
  http: tls.http,
  grpc: tls.grpc,
  verify: !tls.verify ? 'off' : tls.ca !== undefined ? 'ca' : 'system',
  ...(tls.servername === undefined ? {} : { servername: tls.servername }),
});

/** A phrase for step details: how this connection was secured. */
export const describeTls = (tls: ResolvedTls): string => {
  if (!tls.verify) return 'TLS, certificate NOT verified (tls.insecureSkipVerify)';
  const name = tls.servername ? ` for ${tls.servername}` : '';
  return tls.ca !== undefined
    ? `TLS, certificate verified against tls.ca${name}`
    : `TLS, certificate verified${name}`;
};
