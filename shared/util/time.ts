import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone.js';
import utc from 'dayjs/plugin/utc.js';

dayjs.extend(utc);
dayjs.extend(timezone);

/** "2026-11-21 13:05:00 Asia/Shanghai": a time for people, in the zone they asked for (UTC by default). */
export const formatTime = (iso: string, zone = 'UTC'): string =>
  `${dayjs(iso).tz(zone).format('YYYY-MM-DD HH:mm:ss')} ${zone}`;
