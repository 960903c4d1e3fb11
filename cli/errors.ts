import type { CommanderError } from 'commander';
import { isMseWatchError } from '../shared/util/errors.ts';
import { EXIT } from './exit.ts';

// What the CLI says when a command fails: one line in the user's terms, the same prefix everywhere, never a
// stack trace for something the user can fix (a flag, a file, the disk). Only a bug shows its stack.

/** Operating-system error codes in words. */
const OS_REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory',
  EEXIST: 'it already exists',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'the name is too long',
  EBUSY: 'the resource is busy',
  EIO: 'input/output error',
};

type SystemError = Error & { code: string; syscall?: string; path?: string; dest?: string };

export const isSystemError = (error: unknown): error is SystemError =>
  error instanceof Error &&
  typeof (error as SystemError).code === 'string' &&
  /^E[A-Z0-9]+$/.test((error as SystemError).code) &&
  typeof (error as SystemError).syscall === 'string';

const VERBS: Record<string, string> = {
  open: 'open',
  write: 'write',
  read: 'read',
  mkdir: 'create the directory',
  mkdtemp: 'create a temporary directory in',
  rename: 'rename',
  unlink: 'remove',
  rmdir: 'remove',
  scandir: 'list',
  stat: 'read',
  lstat: 'read',
  access: 'access',
};

/** "cannot write /x/report.html: permission denied (EACCES)" */
export const describeSystemError = (error: SystemError, what?: string): string => {
  const reason = OS_REASONS[error.code] ?? error.message.replace(/^[A-Z0-9]+: /, '').split(',')[0];
  const target = what ?? error.path ?? '';
  const verb = VERBS[error.syscall ?? ''] ?? error.syscall ?? 'use';
  return `cannot ${verb}${target ? ` ${target}` : ''}: ${reason} (${error.code})`;
};

/** Which exit code and which line an error becomes; `internal` errors keep their stack for the bug report. */
export const describeError = (error: unknown): { code: number; message: string } => {
  if (isMseWatchError(error)) return { code: error.exitCode, message: error.message };
  if (isSystemError(error)) return { code: EXIT.system, message: describeSystemError(error) };
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return { code: EXIT.internal, message: `internal error (please report it): ${text}` };
};

const flagName = (text: string) => text.replace(/^-\w, /, '').replace(/ [<[].*$/, '');

/** commander's other messages, in our words. */
const REWORDS: ReadonlyArray<readonly [RegExp, (part: string) => string]> = [
  [/^required option '([^']+)' not specified$/, (option) => `${flagName(option)} is required`],
  [
    /^option '([^']+)' argument missing$/,
    (option) => `${flagName(option)} needs a value (${/<([^>]+)>/.exec(option)?.[1] ?? 'value'})`,
  ],
  [/^unknown option '([^']+)'$/, (option) => `unknown option ${option}`],
  [/^unknown command '([^']+)'$/, (command) => `unknown command "${command}"`],
  [/^missing required argument '([^']+)'$/, (argument) => `missing the ${argument} argument`],
];

/** commander's messages, reworded: no "error:" prefix of its own, the flag named plainly, one line. */
export const describeCommanderError = (error: CommanderError, helpHint: string): string => {
  const message = error.message.replace(/^error: /, '').trim();
  const suggestion = /\n?\(Did you mean (.+)\?\)\s*$/.exec(message);
  const base = (suggestion ? message.slice(0, suggestion.index) : message).replace(/\s*\n\s*/g, ' ');
  const didYouMean = suggestion ? ` (did you mean ${suggestion[1]}?)` : '';
  let worded = base;
  if (error.code === 'commander.invalidArgument') {
    // "option '--format <format>' argument 'x' is invalid. Allowed choices are a, b." or our parser's own words
    const match = /^(?:option|argument) '([^']+)' argument '([^']*)' is invalid\. (.*)$/s.exec(base);
    const choices = /^command-argument value '([^']*)' is invalid for argument '([^']+)'\. (.*)$/s.exec(base);
    if (match) {
      const [, name = '', value = '', why = ''] = match;
      const allowed = /^Allowed choices are (.*)\.$/.exec(why);
      worded = allowed
        ? `${flagName(name)} must be one of ${allowed[1]}; got "${value}"`
        : why.startsWith('--')
          ? why
          : `${flagName(name)} "${value}": ${why}`;
    } else if (choices) {
      const [, value = '', name = '', why = ''] = choices;
      const allowed = /^Allowed choices are (.*)\.$/.exec(why);
      worded = allowed
        ? `${name.replace(/[<>[\]]/g, '')} must be one of ${allowed[1]}; got "${value}"`
        : `${name}: ${why}`;
    }
  } else {
    for (const [pattern, reword] of REWORDS) {
      const found = pattern.exec(base);
      if (found) {
        worded = reword(found[1] ?? '');
        break;
      }
    }
  }
  return `${worded}${didYouMean} (see ${helpHint})`;
};
