/**
 * Loopback only: plain http there is safe (local receivers in tests); anywhere else a token or a ping key would
 * travel in clear. Used by every config URL that may carry a secret (alert webhooks, the heartbeat).
 */
export const isLoopbackHost = (hostname: string): boolean =>
  hostname === 'localhost' ||
  hostname === '[::1]' ||
  hostname === '::1' ||
  /^127(?:\.\d{1,3}){3}$/.test(hostname);
