import { z } from 'zod';

// Owned by the Nacos check (issue 4). The `nacos:` section of the config file.
export const NacosConfig = z.strictObject({
  server: z.string().min(1),
});
export type NacosConfig = z.infer<typeof NacosConfig>;
