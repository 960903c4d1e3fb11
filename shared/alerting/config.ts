import { z } from 'zod';

// Owned by alerting (issue 5). The `alerting:` section of the config file.
export const AlertingConfig = z.strictObject({});
export type AlertingConfig = z.infer<typeof AlertingConfig>;
