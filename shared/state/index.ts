export { StateConfig } from './config.ts';
export { createFileStore, defaultStateDir, type FileStoreOptions } from './file-store.ts';
export { realFs, type StoreFs } from './fs.ts';
export type { Decode, LoadResult, LockOptions, StateLock, StateStore } from './store.ts';
