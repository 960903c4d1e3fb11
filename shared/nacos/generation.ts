import { z } from 'zod';

/**
 * Nacos server generations, as far as the HTTP APIs are concerned (read from the server sources):
 * - 1.x, 2.x: the v1 APIs (2.2+ adds v2 ones); the default namespace is the empty string.
 * - 3.0-3.1: v3 client and admin APIs; the v1 *client* APIs are still served by default
 *   (`nacos.core.api.compatibility.client.enabled=true`), v1 admin and console APIs answer 410; default namespace
 *   `public`.
 * - 3.2+: the v1/v2 APIs are gone from the server (issue alibaba/nacos#14050; they live on only in the opt-in
 *   nacos-group/nacos-api-legacy-adapter), except the two v1 logins.
 */
export const NACOS_GENERATIONS = ['1.x', '2.x', '3.0-3.1', '3.2+'] as const;
export const NacosGeneration = z.enum(NACOS_GENERATIONS);
export type NacosGeneration = z.infer<typeof NacosGeneration>;

/** Which family of health API answered: decides the paths before the exact generation is known. */
export type ApiFamily = 'v1' | 'v3';

export type ApiVersion = 'v1' | 'v3';

/** `3.1.2`, `2.5.1`, MSE's `2.1.2.1`, `3.2.0-BETA` → its generation; null when the text is not a version. */
export const generationOfVersion = (version: string | null | undefined): NacosGeneration | null => {
  const match = /^v?(\d+)\.(\d+)/.exec(version?.trim() ?? '');
  if (!match) return null;
  const major = Number(match[1]);
  const minor = Number(match[2]);
  if (major <= 1) return '1.x';
  if (major === 2) return '2.x';
  if (major === 3 && minor < 2) return '3.0-3.1';
  return '3.2+';
};

export const familyOf = (generation: NacosGeneration): ApiFamily =>
  generation === '1.x' || generation === '2.x' ? 'v1' : 'v3';

/**
 * The API the config and naming round trips use.
 * - 1.x/2.x: v1, the only HTTP API they all have.
 * - 3.2+: v3 (the client API to read and to register, the admin API to publish and delete configs), because
 *   v1 is gone.
 * - 3.0-3.1: v1, deliberately. These servers still serve the v1 client APIs by default, they are what the
 *   HTTP clients of a 3.0/3.1 server use (the `nacos` npm client, older SDKs), they need only the client
 *   credentials (the v3 config publish is an admin API, behind `nacos.core.auth.admin.enabled`), and MSE signs
 *   them with RAM keys. A 3.0/3.1 server with the v1 client APIs switched off answers 410, and the round trip
 *   then moves to v3 and says so.
 * `override` (config `api`) pins one for every generation.
 */
export const roundTripApi = (
  generation: NacosGeneration | null,
  family: ApiFamily,
  override: 'auto' | ApiVersion,
): ApiVersion => {
  if (override !== 'auto') return override;
  if (generation === '3.2+') return 'v3';
  if (generation === null) return family;
  return 'v1';
};

/**
 * The namespace id the server uses for "public" when the config says nothing: the empty string on 1.x/2.x
 * (2.x config storage even rewrites `public` to ""), `public` on 3.x (a blank namespace is read as `public`).
 */
export const namespaceFor = (configured: string, family: ApiFamily): string => {
  const trimmed = configured.trim();
  if (family === 'v3') return trimmed === '' ? 'public' : trimmed;
  return trimmed.toLowerCase() === 'public' ? '' : trimmed;
};
