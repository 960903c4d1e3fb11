import { z } from 'zod';

/** Category ids in the order the documentation page lists them. */
export const CATEGORY_IDS = [
  'basic-info',
  'governance-rules',
  'agent-metadata',
  'metrics-events',
  'diagnostics',
  'arms-monitoring',
  'arms-info',
] as const;
export const CategoryId = z.enum(CATEGORY_IDS);
export type CategoryId = z.infer<typeof CategoryId>;

export const Port = z.number().int().min(1).max(65535);

export const Endpoint = z.strictObject({
  ip: z.ipv4(),
  ports: z.array(Port).min(1),
  category: CategoryId,
  required: z.boolean(),
});
export type Endpoint = z.infer<typeof Endpoint>;

export const Region = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+$/),
  name: z.string().min(1),
  /** Other spellings accepted by region lookup (e.g. "hangzhou"). */
  aliases: z.array(z.string()),
  endpoints: z.array(Endpoint).min(1),
});
export type Region = z.infer<typeof Region>;

export const Category = z.strictObject({
  id: CategoryId,
  /** The page's own wording for the usage, e.g. "Obtain basic information". */
  usage: z.string(),
  description: z.string(),
  direction: z.enum(['outbound', 'inbound']),
  ports: z.array(Port).min(1),
  required: z.boolean(),
  /** When the application needs it: pulled at start-up or pushed at run time. */
  phase: z.enum(['startup', 'runtime']),
  requirement: z.string(),
});
export type Category = z.infer<typeof Category>;

export const TroubleshootingRow = z.strictObject({
  id: z.enum(['startup-timeout', 'governance-broken', 'arms-missing', 'intermittent']),
  symptom: z.string(),
  cause: z.string(),
  action: z.string(),
  /** Categories whose failure this row explains; empty for the "partial" row that applies to any category. */
  categories: z.array(CategoryId),
});
export type TroubleshootingRow = z.infer<typeof TroubleshootingRow>;

export const CatalogSchema = z.strictObject({
  version: z.string().min(1),
  sourceDate: z.iso.date(),
  source: z.string(),
  categories: z.array(Category),
  troubleshooting: z.array(TroubleshootingRow),
  regions: z.array(Region).min(1),
});
export type Catalog = z.infer<typeof CatalogSchema>;
