import { z } from 'zod';
import { HistoryLimits } from './schema.ts';

/**
 * The `history:` section of the config: whether runs are recorded into `history.json` beside the alert state,
 * and how much is kept. `serve` records by default, a function when the config has `state.dir`, `check` when the
 * config has a `history:` section or a `state.dir` (docs/service.md says why); `enabled: false` turns it off.
 */
export const HistoryConfig = z.strictObject({
  /** Record runs into history.json; unset = the shell's default (see above). */
  enabled: z.boolean().optional(),
  ...HistoryLimits.shape,
});
export type HistoryConfig = z.infer<typeof HistoryConfig>;
export type HistoryConfigInput = z.input<typeof HistoryConfig>;

/** The limits part of a `history:` section. */
export const limitsOf = (config: HistoryConfig | undefined): HistoryLimits => {
  if (!config) return HistoryLimits.parse({});
  const { enabled: _enabled, ...limits } = config;
  return limits;
};
