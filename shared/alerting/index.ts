// The alerting public API: processAlerts for runs, the pure evaluator for tests, the channels for `notify`.

export {
  type AckRequest,
  ackActive,
  acknowledge,
  isTroubled,
  type KeyStatus,
  troubleList,
  unacknowledge,
} from './ack.ts';
export type {
  ChannelDriver,
  Delivery,
  FailureKind,
  HttpRequest,
  RenderContext,
  SendDeps,
} from './channels/index.ts';
export { CHANNELS, driverFor } from './channels/index.ts';
export {
  AlertingConfig,
  CHANNEL_KINDS,
  type ChannelConfig,
  type ChannelKind,
  channelName,
  DigestConfig,
} from './config.ts';
export { buildDigest, DIGEST_WINDOW_MS, digestBody, digestDue } from './digest.ts';
export { editAlertState } from './edit.ts';
export { type Evaluation, type EvaluationConfig, evaluate } from './evaluate.ts';
export {
  CHANNEL_KEY_PREFIX,
  channelKey,
  interceptionKey,
  NETWORK_KEY,
  nacosKey,
  probeKey,
  regionKey,
} from './keys.ts';
export {
  Ack,
  AlertEvent,
  AlertState,
  DigestBody,
  freshAlertState,
  Notice,
  Observation,
  type ObservationInput,
  StoredSilence,
} from './model.ts';
export { buildNotice, compose, mergeNotices } from './notice.ts';
export { type NacosSteps, observe } from './observations.ts';
export { AlertOutcome, NoticeOutcome } from './outcome.ts';
export {
  type AlertDeps,
  type AlertInput,
  type AlertLogger,
  type AlertRunConfig,
  alertStore,
  defaultAlertDeps,
  processAlerts,
  STATE_FILE,
  silentLogger,
} from './process.ts';
export { channelLabel, redactor } from './redact.ts';
export { renderAlertText } from './render-text.ts';
export { type AnySilence, inMaintenance, keyPattern, matchesKey, muteReason } from './silence.ts';
export { CLOCK_TOLERANCE_MS, clampFutureTimes, decodeAlertState } from './state-codec.ts';
export {
  addSilence,
  effectiveSilences,
  type ListedSilence,
  MAX_STORED_SILENCES,
  pruneSilences,
  removeSilences,
  type SilenceRequest,
  silenceList,
} from './stored-silences.ts';
export { sendTestNotices, type TestResult } from './test-notice.ts';
