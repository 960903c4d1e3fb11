/** What a run gets back from the store: the state, and a sentence when it had to start over or repair. */
export type LoadResult<T> = { state: T; note?: string };

/** Held while a run reads, decides, sends and writes; release() is idempotent and never throws. */
export type StateLock = {
  release(): Promise<void>;
  /** Said when the lock was taken over from a holder that is gone or stopped refreshing it. */
  readonly note?: string;
};

export type LockOptions = {
  /** Wait at most this long for another holder (default: the store's lockWait). */
  waitMs?: number;
  /** Stop waiting at once (the run is being stopped). */
  signal?: AbortSignal;
};

/** A file's content, read forward-compatibly: what could be read, and what a person should know. */
export type Decode<T> = (raw: unknown) => { state: T; notes: string[]; lossy: boolean };

/**
 * Persisted state of one monitor. The file implementation is the real one; tests may hand in
 * their own (an in-memory store), the point of the interface.
 */
export type StateStore<T> = {
  /** Where the state lives, for messages (a path; never a secret). */
  readonly location: string;
  /** readOnly: a damaged file is reported but left in place (for commands that only look). */
  load(options?: { readOnly?: boolean }): Promise<LoadResult<T>>;
  /** Atomic: a crash leaves the old state or the new one. Throws (with the system's code) when it cannot write. */
  save(state: T): Promise<void>;
  /** Waits up to lockWait; undefined when another run still holds the lock (or the signal stopped the wait). */
  lock(options?: LockOptions): Promise<StateLock | undefined>;
};
