/** What a run gets back from the store: the state, and a sentence when it had to start over. */
export type LoadResult<T> = { state: T; note?: string };

/** Held while a run reads, decides, sends and writes; release() is idempotent. */
export type StateLock = { release(): Promise<void> };

/**
 * Persisted state of one monitor. The file implementation is the real one; tests may hand in
 * their own (an in-memory store), the point of the interface.
 */
export type StateStore<T> = {
  /** Where the state lives, for messages (a path; never a secret). */
  readonly location: string;
  /** readOnly: a corrupt file is reported but left in place (for commands that only look). */
  load(options?: { readOnly?: boolean }): Promise<LoadResult<T>>;
  save(state: T): Promise<void>;
  /** Waits up to the configured time; undefined when another run still holds the lock. */
  lock(): Promise<StateLock | undefined>;
};
