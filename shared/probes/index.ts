export { classifyError } from './classify.ts';
export {
  type Clock,
  type Dialer,
  defaultProbeDeps,
  type ProbeDeps,
  systemClock,
  systemDialer,
} from './deps.ts';
export { type EngineOptions, PROBES, probeOnce, probeTargets } from './engine.ts';
export * from './types.ts';
