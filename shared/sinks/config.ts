import { z } from 'zod';

// Owned by the SLS sink (issue 6). The `sls:` section of the config file.
export const SlsConfig = z.strictObject({});
export type SlsConfig = z.infer<typeof SlsConfig>;
