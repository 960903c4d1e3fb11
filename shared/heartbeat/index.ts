// The heartbeat: pings a dead man's switch (healthchecks.io convention) around every run.

export { HeartbeatConfig, type HeartbeatConfigInput, HeartbeatMode } from './config.ts';
export {
  createHeartbeat,
  defaultHeartbeatDeps,
  finishSignal,
  type Heartbeat,
  type HeartbeatDeps,
  type HeartbeatSignal,
  heartbeatRedactor,
  type PingOutcome,
  pingUrl,
  type RunEnd,
  sendPing,
  signalName,
} from './ping.ts';
export { runSummary } from './summary.ts';
