import type { Catalog, Category, Region } from '../catalog/schema.ts';
import type {
  CategoryVerdict,
  Finding,
  FindingKind,
  InterceptionCheck,
  ProbeRow,
  Severity,
  Verdict,
} from '../report/schema.ts';
import {
  INTERCEPTION_CATEGORY,
  interceptionAddress,
  interceptionFinding,
  interceptionVerdict,
} from './interception.ts';
import { regionFindings } from './region.ts';
import { targetFindings } from './targets.ts';

export type EndpointInput = {
  catalog: Catalog;
  /** The region probed; null when only extra targets were probed. */
  region: Region | null;
  includeArms: boolean;
  probes: ProbeRow[];
  /** The interception check's probe, when the run made one (it is not among `probes`). */
  interception?: ProbeRow;
};

export type EndpointDiagnosis = {
  ok: boolean;
  categories: CategoryVerdict[];
  findings: Finding[];
  interception?: InterceptionCheck;
};

export const SEVERITY_RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

/** Within a severity: the widest root cause first, so the first finding is the one to act on first. */
const KIND_RANK: Record<FindingKind, number> = {
  'region-down': 0,
  interception: 1,
  'port-blocked': 2,
  'ip-missing': 3,
  'ips-partial': 4,
  interference: 5,
  target: 6,
  nacos: 7,
};

export const byImportance = (a: Finding, b: Finding): number =>
  SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
  KIND_RANK[a.kind ?? 'target'] - KIND_RANK[b.kind ?? 'target'];

const verdictOf = (reachable: number, total: number): Verdict =>
  total === 0 ? 'skipped' : reachable === total ? 'ok' : reachable === 0 ? 'down' : 'partial';

/**
 * Compares what was seen with the catalog and says what is wrong and what to do. Pure: no I/O, no clock.
 * Catalog probes are the rows whose category is a catalog category; any other category is an extra target.
 * Findings name root causes (region-wide, per port, per IP, on the path), one finding per cause: see
 * region.ts for how failures are attributed.
 */
export const diagnoseEndpoints = (input: EndpointInput): EndpointDiagnosis => {
  const { catalog, region } = input;
  const categoryIds = new Set<string>(catalog.categories.map((category) => category.id));
  const probes = input.probes.filter((row) => row.category !== INTERCEPTION_CATEGORY);
  const catalogRows = probes.filter((row) => categoryIds.has(row.category) && region !== null);
  const extraRows = probes.filter((row) => !catalogRows.includes(row));
  const categories: CategoryVerdict[] = [];
  const findings: Finding[] = [];
  let interception: InterceptionCheck | undefined;

  if (region) {
    const judged: Category[] = [];
    for (const category of catalog.categories) {
      const inRegion = region.endpoints.some((endpoint) => endpoint.category === category.id);
      if (!inRegion) continue;
      const rows = catalogRows.filter((row) => row.category === category.id);
      if (!category.required && !input.includeArms) {
        const total = region.endpoints
          .filter((endpoint) => endpoint.category === category.id)
          .reduce((sum, endpoint) => sum + endpoint.ports.length, 0);
        categories.push({ category: category.id, verdict: 'skipped', reachable: 0, total });
        continue;
      }
      judged.push(category);
      const reachable = rows.filter((row) => row.status === 'ok').length;
      categories.push({
        category: category.id,
        verdict: verdictOf(reachable, rows.length),
        reachable,
        total: rows.length,
      });
    }
    const inScope = catalogRows.filter((row) => judged.some((category) => category.id === row.category));
    findings.push(...regionFindings({ catalog, region, categories: judged, rows: inScope }));
    const planned = interceptionAddress(region);
    if (input.interception && planned) {
      interception = { probe: input.interception, verdict: interceptionVerdict(input.interception) };
      const finding = interceptionFinding(interception, { region, catalogRows: inScope });
      if (finding) findings.push(finding);
    }
  }

  const extraCategories = [...new Set(extraRows.map((row) => row.category))];
  for (const category of extraCategories) {
    const rows = extraRows.filter((row) => row.category === category);
    const reachable = rows.filter((row) => row.status === 'ok').length;
    categories.push({ category, verdict: verdictOf(reachable, rows.length), reachable, total: rows.length });
    findings.push(...targetFindings(rows));
  }

  findings.sort(byImportance);
  // every catalog row was asked for (ARMS rows are only probed with includeArms); extra targets may be optional;
  // an intercepted path makes every green row meaningless
  const ok =
    catalogRows.every((row) => row.status === 'ok') &&
    extraRows.every((row) => row.status === 'ok' || !row.required) &&
    interception?.verdict !== 'intercepted';
  return { ok, categories, findings, ...(interception ? { interception } : {}) };
};
