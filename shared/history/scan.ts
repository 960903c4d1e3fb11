import { causeOf, isObserved, isUp, NOT_OBSERVED, unpackSamples } from './codes.ts';
import type { ClosedIncident, OpenIncident, RawRun, Subject } from './schema.ts';

/** How an incident names what failed. */
export const labelOf = (subject: Subject): string => {
  if (subject.kind === 'nacos') return subject.name ? `${subject.id} on ${subject.name}` : subject.id;
  return subject.name ? `${subject.name} (${subject.id})` : subject.id;
};

/**
 * Walks runs in start order and cuts incidents per category: one opens at the first run that finds the
 * category not fully up and closes at the first run that finds it whole again. Runs that did not look
 * at a category (a Nacos-only run, skipped ARMS) neither open nor close its incident. `open` carries
 * incidents across calls: compaction scans the runs it folds, views scan the raw runs after them.
 */
export const scanRuns = (
  subjects: readonly Subject[],
  runs: readonly RawRun[],
  open: Readonly<Record<string, OpenIncident>>,
): { closed: ClosedIncident[]; open: Record<string, OpenIncident> } => {
  const size = subjects.length;
  const categories = subjects.flatMap((subject, i) =>
    subject.kind === 'category' ? [{ id: subject.id, i }] : [],
  );
  const members = new Map(
    categories.map(({ id }) => [
      id,
      subjects.flatMap((subject, i) =>
        (subject.kind === 'endpoint' || subject.kind === 'nacos') && subject.category === id ? [i] : [],
      ),
    ]),
  );
  const drafts = new Map<
    string,
    { start: number; failedRuns: number; endpoints: Set<string>; causes: Map<string, number> }
  >(
    Object.entries(open).map(([category, draft]) => [
      category,
      {
        start: draft.start,
        failedRuns: draft.failedRuns,
        endpoints: new Set(draft.endpoints),
        causes: new Map(Object.entries(draft.causes)),
      },
    ]),
  );
  const closed: ClosedIncident[] = [];
  for (const run of runs) {
    const codes = unpackSamples(run.s, size, NOT_OBSERVED);
    for (const { id, i } of categories) {
      const code = codes[i];
      if (!isObserved(code)) continue;
      const draft = drafts.get(id);
      if (isUp(code)) {
        if (draft) {
          closed.push({
            category: id,
            start: draft.start,
            end: run.t,
            failedRuns: draft.failedRuns,
            endpoints: [...draft.endpoints],
            causes: Object.fromEntries(draft.causes),
          });
          drafts.delete(id);
        }
        continue;
      }
      const current = draft ?? {
        start: run.t,
        failedRuns: 0,
        endpoints: new Set<string>(),
        causes: new Map(),
      };
      drafts.set(id, current);
      current.failedRuns++;
      let explained = false;
      for (const m of members.get(id) ?? []) {
        const memberCode = codes[m];
        if (!isObserved(memberCode) || isUp(memberCode)) continue;
        current.endpoints.add(labelOf(subjects[m] as Subject));
        current.causes.set(causeOf(memberCode), (current.causes.get(causeOf(memberCode)) ?? 0) + 1);
        explained = true;
      }
      if (!explained) current.causes.set(causeOf(code), (current.causes.get(causeOf(code)) ?? 0) + 1);
    }
  }
  return {
    closed: closed.sort((a, b) => a.end - b.end || a.category.localeCompare(b.category)),
    open: Object.fromEntries(
      [...drafts].map(([category, draft]) => [
        category,
        {
          start: draft.start,
          failedRuns: draft.failedRuns,
          endpoints: [...draft.endpoints],
          causes: Object.fromEntries(draft.causes),
        },
      ]),
    ),
  };
};
