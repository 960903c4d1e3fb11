// Alert keys (docs/alerting.md, "What is alerted on: keys"): the names state, silences and notices share.

/** The storm guard's own key: nothing answered, the monitor has likely lost its network. */
export const NETWORK_KEY = 'monitor/network';
export const regionKey = (region: string): string => `${region}/*`;
export const probeKey = (group: string, host: string, port: number): string => `${group}/${host}:${port}`;
export const nacosKey = (server: string, step: string): string => `nacos/${server}/${step}`;
/** An alert channel itself: announced on the other channels when it breaks (a permanent error) and recovers. */
export const CHANNEL_KEY_PREFIX = 'channels/';
export const channelKey = (name: string): string => `${CHANNEL_KEY_PREFIX}${name}`;
/** Something on the path answers where MSE serves nothing: this vantage point's green results prove nothing. */
export const interceptionKey = (region: string): string => `${region}/interception`;
