export { StateConfig } from './config.ts';
export { createFileStore, defaultStateDir, type FileStoreOptions } from './file-store.ts';
export type { LoadResult, StateLock, StateStore } from './store.ts';
