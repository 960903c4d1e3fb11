import { z } from 'zod';
import { MseWatchError } from '../util/errors.ts';

/** What a timer trigger delivers (FC docs: triggerTime, triggerName, payload — all strings). */
export const TimerEvent = z.object({
  triggerTime: z.string(),
  triggerName: z.string(),
  payload: z.string(),
});
export type TimerEvent = z.infer<typeof TimerEvent>;

/**
 * The trigger payload, or a direct invoke's event: a JSON object whose keys are config keys
 * (`{"region":"cn-hangzhou"}`), merged over MSE_WATCH_CONFIG and then checked by the config schema.
 */
export const FunctionPayload = z.record(z.string(), z.unknown());
export type FunctionPayload = z.infer<typeof FunctionPayload>;

export type ParsedEvent = {
  /** Present when a timer trigger fired the run. */
  trigger?: { name: string; time: string };
  payload: FunctionPayload;
};

const parseJson = (text: string, what: string): unknown => {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new MseWatchError(
      'event-invalid',
      `${what} is not JSON (${(error as Error).message}); send an object such as {"region":"cn-hangzhou"}`,
    );
  }
};

const asPayload = (value: unknown, what: string): FunctionPayload => {
  const result = FunctionPayload.safeParse(value ?? {});
  if (!result.success || Array.isArray(value)) {
    throw new MseWatchError(
      'event-invalid',
      `${what} must be a JSON object such as {"region":"cn-hangzhou"}, got ${Array.isArray(value) ? 'an array' : typeof value}`,
    );
  }
  return result.data;
};

/** The event as FC hands it over: bytes become their UTF-8 text; a string or an object stays as it is. */
export const decodeEvent = (raw: unknown): unknown =>
  Buffer.isBuffer(raw) || raw instanceof Uint8Array ? Buffer.from(raw).toString('utf8') : raw;

/**
 * FC hands the event over as a Buffer; direct invokes from tests or `invoke --local` may pass a
 * string or an object. All three end up as the same parsed event.
 */
export const parseFcEvent = (raw: unknown): ParsedEvent => {
  let value = decodeEvent(raw);
  if (typeof value === 'string') value = value.trim() === '' ? {} : parseJson(value, 'the event');
  if (value === null || value === undefined) value = {};

  const timer = TimerEvent.safeParse(value);
  if (timer.success) {
    const text = timer.data.payload.trim();
    return {
      trigger: { name: timer.data.triggerName, time: timer.data.triggerTime },
      payload: asPayload(
        text === '' ? {} : parseJson(text, `the payload of timer trigger ${timer.data.triggerName}`),
        `the payload of timer trigger ${timer.data.triggerName}`,
      ),
    };
  }
  return { payload: asPayload(value, 'the event') };
};
