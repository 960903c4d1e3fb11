// What each catalog port carries for each category, and what the application suffers when it is blocked.
// From the catalog's source page (the categories and their troubleshooting table) and the Nacos port layout
// (8848 HTTP, 9848 = 8848 + 1000 client gRPC): see docs/diagnosis.md.
import type { Category, CategoryId } from '../catalog/schema.ts';

export type PortUse = {
  /** What travels on the port, as a noun phrase: "Nacos 2.x+ gRPC". */
  carries: string;
  /** What the application suffers when it is blocked, as a sentence start: "Nacos 2.x+ clients cannot …". */
  impact: string;
  /** Why, in one or two sentences, for the cause. */
  detail?: string;
};

const NACOS_GRPC: PortUse = {
  carries: 'Nacos 2.x+ gRPC',
  impact: 'Nacos 2.x+ clients cannot connect or receive pushes',
  detail:
    'Port 9848 (8848 + 1000) carries Nacos gRPC: a Nacos client 2.0 or later, and the MSE agent pulling governance rules through one, talks gRPC there after login, for config reads, config-change pushes and service lists. Such a client logs "server check fail, please check server <ip> ,port 9848 is available" and then "Client not connected, current status:STARTING". Only a Nacos 1.x client (HTTP on 8848 alone) is unaffected: check the Nacos client version your application uses (for Java, `mvn dependency:tree | grep nacos-client`)',
};

const NACOS_HTTP: PortUse = {
  carries: 'the Nacos HTTP API',
  impact: 'Nacos login and Nacos 1.x clients fail',
  detail:
    'Port 8848 carries the Nacos HTTP API: login (a 2.x+ client with authentication on logs in there before it switches to gRPC on 9848) and everything a Nacos 1.x client does (config reads and long polling, service registration and discovery)',
};

const USES: Partial<Record<number, Partial<Record<CategoryId, PortUse>>>> = {
  9848: { 'governance-rules': NACOS_GRPC },
  8848: { 'governance-rules': NACOS_HTTP },
  8080: {
    'basic-info': {
      carries: 'basic information',
      impact:
        'the application fails to start with a timeout error (the agent cannot obtain basic information)',
      detail:
        'Port 8080 on these addresses serves the basic information about the MSE instance and the application that the agent pulls at start-up',
    },
    'governance-rules': {
      carries: 'governance-rule pulls',
      impact:
        'the application fails to start with a timeout error, or runs without governance (the agent cannot pull governance rules)',
      detail:
        'Port 8080 on these addresses serves the governance rule configurations (routing, rate limiting, circuit breaking) that the agent pulls at start-up',
    },
  },
  80: {
    'agent-metadata': {
      carries: 'agent metadata',
      impact: 'the agent cannot read its metadata configuration at start-up',
      detail: 'Port 80 on this address serves the agent metadata configuration read at start-up',
    },
    'metrics-events': {
      carries: 'metric and event reports',
      impact: 'metrics and events do not reach MSE, so governance features do not work',
      detail: 'Port 80 on these addresses receives the metric data and events the agent pushes at run time',
    },
    diagnostics: {
      carries: 'diagnostic reports',
      impact: 'diagnostic information does not reach MSE, so governance features do not work',
      detail: 'Port 80 on these addresses receives the diagnostic information the agent pushes at run time',
    },
    'arms-monitoring': {
      carries: 'ARMS monitoring reports',
      impact: 'ARMS monitoring data is missing',
    },
    'arms-info': { carries: 'ARMS information reports', impact: 'ARMS monitoring data is missing' },
  },
};

/** What a port carries for a category; a port the table does not know is described from the category. */
export const portUse = (port: number, category: Category): PortUse =>
  USES[port]?.[category.id] ?? {
    carries: category.usage.toLowerCase(),
    impact: `${category.usage.toLowerCase()} fails`,
  };

/** "Nacos 2.x+ gRPC" or "basic information and governance-rule pulls" for a port shared by categories. */
export const carriesOf = (port: number, categories: readonly Category[]): string => {
  const uses = [...new Set(categories.map((category) => portUse(port, category).carries))];
  return uses.length <= 1 ? (uses[0] ?? '') : `${uses.slice(0, -1).join(', ')} and ${uses[uses.length - 1]}`;
};
