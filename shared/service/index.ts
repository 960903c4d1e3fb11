// The on-premises runner behind `mse-watch serve`: schedule, status server, clean stop.

export { DEFAULT_LISTEN, formatListen, type ListenAddress, parseListen } from './listen.ts';
export { freshFor, jitterBound, nextDelay } from './schedule.ts';
export {
  type Health,
  type Service,
  type ServiceDeps,
  type ServiceEvent,
  type ServiceOptions,
  startService,
} from './service.ts';
export { cachedSnapshot } from './snapshot.ts';
