export { SLS_MAX_GROUP_BYTES, SLS_MAX_LINES, SlsConfig, type SlsConfigInput } from './config.ts';
export * from './records.ts';
export { shipOutcome } from './ship.ts';
export { type LogSink, type SinkFlushResult, teeSink } from './sink.ts';
export {
  batchLogs,
  createSlsSink,
  defaultSlsSinkDeps,
  type SlsClient,
  type SlsCredentials,
  type SlsSinkDeps,
  slsEndpoint,
} from './sls.ts';
export { createStdoutSink } from './stdout.ts';
