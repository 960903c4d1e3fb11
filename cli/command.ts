import type { Command } from 'commander';
import type { CliIo } from './io.ts';

/**
 * How a command joins the program: it adds itself to `program` and reports its exit code through `setExit`.
 * Commands import this, the shared options, the renderers and shared/; never each other or the program.
 */
export type Registrar = (program: Command, io: CliIo, setExit: (code: number) => void) => void;
