import { MseWatchError } from '../../util/errors.ts';

/** The MSE O&M window: daily, "HH:mm" to "HH:mm" in a time zone; an end before the start crosses midnight. */
export type MaintenancePeriod = { start: string; end: string; timezone: string };

export type MseInstance = {
  instanceId: string;
  name?: string;
  /** Nacos-Ans | ZooKeeper | Eureka */
  clusterType?: string;
  /** Engine version, e.g. 2.2.3 (AppVersion), or the ordered one (NACOS_2_0_0) */
  version?: string;
  /** Edition: mse_dev, mse_pro, mse_serverless ... */
  edition?: string;
  health?: string;
  initStatus?: string;
  intranetDomain?: string;
  internetDomain?: string;
  ports: number[];
  vpcId?: string;
  vSwitchId?: string;
  maintenancePeriod?: MaintenancePeriod;
};

/**
 * MSE answers StartTime/EndTime such as "02:00" without a zone. The console shows them in the region's local
 * time; for the catalog's regions (all in mainland China) that is Asia/Shanghai. UNCONFIRMED by the API
 * reference: a "Z" or "+08:00" suffix, if MSE ever sends one, is honoured.
 */
export const MSE_MAINTENANCE_TIMEZONE = 'Asia/Shanghai';

const OFFSET_ZONES: Record<string, string> = { Z: 'UTC', '+00:00': 'UTC', '+08:00': 'Asia/Shanghai' };

/** "2:00", "02:00", "02:00:00", "02:00Z" → "02:00" and a zone; undefined when it cannot be read. */
const clock = (text: string | undefined): { time: string; zone?: string } | undefined => {
  const match = /^\s*(\d{1,2}):(\d{2})(?::\d{2})?\s*(Z|[+-]\d{2}:\d{2})?\s*$/.exec(text ?? '');
  if (!match) return undefined;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (hours > 23 || minutes > 59) return undefined;
  const zone = match[3] ? OFFSET_ZONES[match[3]] : undefined;
  if (match[3] && !zone) return undefined;
  return { time: `${String(hours).padStart(2, '0')}:${match[2]}`, ...(zone ? { zone } : {}) };
};

export const parseMaintenancePeriod = (
  startTime: string | undefined,
  endTime: string | undefined,
  timezone = MSE_MAINTENANCE_TIMEZONE,
): MaintenancePeriod | undefined => {
  const start = clock(startTime);
  const end = clock(endTime);
  if (!start || !end || start.time === end.time) return undefined;
  return { start: start.time, end: end.time, timezone: start.zone ?? end.zone ?? timezone };
};

/**
 * The instance's O&M window as an `alerting.maintenanceWindows` entry: alerts whose keys match are held
 * while MSE maintains it (state is still tracked).
 */
export const maintenanceWindowFor = (instance: MseInstance, match: readonly string[]) =>
  instance.maintenancePeriod
    ? {
        match: [...match],
        days: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const,
        start: instance.maintenancePeriod.start,
        end: instance.maintenancePeriod.end,
        timezone: instance.maintenancePeriod.timezone,
        comment: `MSE maintenance period of ${instance.instanceId}`,
      }
    : undefined;

/** "8848,6443,9848,8761" → [8848, 6443, 9848, 8761]; anything else is skipped. */
export const parsePorts = (text: string | undefined): number[] =>
  (text ?? '')
    .split(/[,\s]+/)
    .filter((part) => /^\d{1,5}$/.test(part))
    .map(Number)
    .filter((port) => port >= 1 && port <= 65535);

/** Nacos' HTTP port; the gRPC port is this plus 1000 (9848). */
const NACOS_PORT = 8848;

/**
 * What `nacos: {instanceId}` resolves to: the instance's intranet domain on 8848 ("host:port" for
 * `nacos.server`). A clear error when the instance is no Nacos engine or has no intranet address yet.
 */
export const nacosServerAddress = (instance: MseInstance): string => {
  if (instance.clusterType && instance.clusterType !== 'Nacos-Ans')
    throw new MseWatchError(
      'not-nacos',
      `MSE instance ${instance.instanceId} runs ${instance.clusterType}, not Nacos: name a Nacos instance in nacos.instanceId`,
    );
  if (!instance.intranetDomain)
    throw new MseWatchError(
      'no-intranet-domain',
      `MSE instance ${instance.instanceId} has no intranet domain yet (status ${instance.initStatus ?? 'unknown'}): wait until it is created, or give nacos.server`,
    );
  const port =
    instance.ports.length === 0 || instance.ports.includes(NACOS_PORT) ? NACOS_PORT : instance.ports[0]!;
  return `${instance.intranetDomain}:${port}`;
};

/** InitStatus/HealthStatus words that mean trouble (values seen in the MSE API reference and console). */
const TROUBLE = /FAIL|ERROR|UNHEALTHY|RED|DOWN|STOPPED|RELEAS|DESTROY/i;
const BUSY = /CREATING|RESTARTING|UPGRADING|SCALING|STARTING|INITIALIZING|INIT_ING|PENDING/i;

export type InstanceCondition = 'ok' | 'busy' | 'trouble' | 'unknown';

export const instanceCondition = (instance: MseInstance): InstanceCondition => {
  const words = [instance.health, instance.initStatus].filter((w): w is string => Boolean(w));
  if (words.some((w) => TROUBLE.test(w))) return 'trouble';
  if (words.some((w) => BUSY.test(w))) return 'busy';
  return words.length > 0 ? 'ok' : 'unknown';
};
