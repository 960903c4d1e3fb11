import { describe } from 'vitest';
import { namespaceSupport } from '../../../scripts/e2e/vpc.ts';

const support = await namespaceSupport();
if (!support.ok)
  process.stderr.write(`e2e: skipping, ${support.reason} (never falling back to the host network)\n`);

/** A describe that runs only where a namespace can be built, and otherwise says why in its title. */
export const describeInVpc = (name: string, body: () => void): void => {
  if (support.ok) describe(name, body);
  else describe.skip(`${name} [skipped: ${support.reason}]`, body);
};

/** A scenario whose product piece has not landed: skipped, naming the missing piece. */
export const describeMissing = (name: string, missing: string | undefined, body: () => void): void => {
  if (missing === undefined) describeInVpc(name, body);
  else describe.skip(`${name} [skipped: ${missing} has not landed]`, body);
};
