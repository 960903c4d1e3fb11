import { z } from 'zod';

// Owned by alerting (issue 5). The `state:` section of the config file.
export const StateConfig = z.strictObject({
  dir: z.string().min(1).optional(),
});
export type StateConfig = z.infer<typeof StateConfig>;
