/** An HTTP answer as read: the status, the headers and the body text (bounded by whoever read it). */
export type HttpAnswer = { status: number; headers: Headers; body: string };
