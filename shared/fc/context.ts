import { z } from 'zod';
import { MseWatchError } from '../util/errors.ts';

// Loose objects: FC adds fields over time (logger, tracing, service); we read only what we need
// and must not reject an invocation because the runtime grew a new property.
export const FcCredentials = z.looseObject({
  accessKeyId: z.string(),
  accessKeySecret: z.string(),
  securityToken: z.string().optional(),
});
export type FcCredentials = z.infer<typeof FcCredentials>;

export const FcContext = z.looseObject({
  requestId: z.string().min(1),
  /** STS credentials of the function's role; empty strings when the function has no role. */
  credentials: FcCredentials.optional(),
  function: z.looseObject({
    name: z.string().min(1),
    handler: z.string().optional(),
    memory: z.number().optional(),
    /** Seconds. */
    timeout: z.number().positive(),
  }),
  region: z.string().optional(),
  accountId: z.string().optional(),
});
export type FcContext = z.infer<typeof FcContext>;

export const parseFcContext = (raw: unknown): FcContext => {
  const result = FcContext.safeParse(raw);
  if (!result.success) {
    // paths and expectations only: the context holds credentials, so values are never echoed
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new MseWatchError(
      'context-invalid',
      `the FC context is not what FC passes: ${problems.join('; ')}`,
    );
  }
  return result.data;
};

/** Usable credentials or none: a function without a role gets empty strings. */
export const contextCredentials = (context: FcContext): FcCredentials | undefined => {
  const c = context.credentials;
  if (!c || c.accessKeyId === '' || c.accessKeySecret === '') return undefined;
  return c;
};

/** Every secret value in the context, so sinks can mask them should one ever reach a line. */
export const contextSecrets = (context: FcContext): string[] => {
  const c = context.credentials;
  return c ? [c.accessKeySecret, c.securityToken ?? '', c.accessKeyId].filter((v) => v !== '') : [];
};
