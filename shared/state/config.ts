import { z } from 'zod';
import { Duration } from '../util/duration.ts';

// The `state:` section of the config file.
export const StateConfig = z.strictObject({
  /** Where alert state lives: a NAS mount in Function Compute (e.g. /mnt/state); defaults to ~/.local/state/mse-watch. */
  dir: z.string().min(1).optional(),
  /** How long a run waits for another run's lock before giving up on this run's alerting. */
  lockWait: Duration.default(10_000),
  /** A lock older than this belongs to a run that died; it is taken over. */
  lockStaleAfter: Duration.default(300_000),
  /** Keys not observed for this long are forgotten (bounded state). */
  forgetAfter: Duration.default(7 * 86_400_000),
});
export type StateConfig = z.infer<typeof StateConfig>;
