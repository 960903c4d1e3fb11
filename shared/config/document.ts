import { type ErrorCode, parse as parseYaml, YAMLError } from 'yaml';
import { MseWatchError } from '../util/errors.ts';

// Turning a config file's text into a value: YAML or JSON, before any schema sees it. Bounded, so no input can
// exhaust the stack or the memory of the parser, and never echoing the text: a config line may hold a secret.

/** A config with 50,000 targets is about 4 MB of JSON; anything past this is not a config. */
export const MAX_CONFIG_BYTES = 16 * 1024 * 1024;
/** A config is a few levels of sections and lists; this leaves room and keeps every walk over it shallow. */
export const MAX_CONFIG_DEPTH = 64;
/** Indentation past this is nesting far beyond MAX_CONFIG_DEPTH in YAML block style. */
const MAX_INDENT = 4 * MAX_CONFIG_DEPTH;

const invalid = (source: string, problem: string) =>
  new MseWatchError('config-invalid', `invalid config ${source}: ${problem}`);

/** What each YAML syntax error means, in words that do not quote the text. */
const YAML_PROBLEMS: Partial<Record<ErrorCode, string>> = {
  BAD_INDENT: 'wrong indentation',
  TAB_AS_INDENT: 'a tab used for indentation (YAML needs spaces)',
  DUPLICATE_KEY: 'a key that appears twice in the same section',
  MISSING_CHAR: 'a closing quote or bracket is missing',
  MULTILINE_IMPLICIT_KEY: 'a key that runs over more than one line (a missing colon or quote?)',
  BLOCK_AS_IMPLICIT_KEY: 'a block used as a key (a missing colon?)',
  UNEXPECTED_TOKEN: 'a character that does not belong there',
  BAD_SCALAR_START: 'a value that starts with a character YAML reserves (quote the value)',
  BLOCK_IN_FLOW: 'block syntax inside [ ] or { }',
  BAD_DQ_ESCAPE: 'an invalid escape sequence in a double-quoted string',
  MULTIPLE_DOCS: 'more than one YAML document (a second ---)',
  KEY_OVER_1024_CHARS: 'a key longer than 1024 characters',
  BAD_ALIAS: 'an alias (*name) that is not valid',
  MULTIPLE_ANCHORS: 'two anchors on one value',
  MULTIPLE_TAGS: 'two tags on one value',
  BAD_PROP_ORDER: 'an anchor or tag in the wrong place',
  ALIAS_PROPS: 'an anchor or tag on an alias',
  BAD_DIRECTIVE: 'an invalid % directive',
  NON_STRING_KEY: 'a key that is not a string',
  TAG_RESOLVE_FAILED: 'a value that does not fit its !tag',
  RESOURCE_EXHAUSTION: 'too many aliases (a document that expands without bound)',
  BAD_COLLECTION_TYPE: 'a collection of the wrong type for its tag',
};

/** Line and column (1-based) of an offset, counting newlines only up to it. */
const lineAndColumn = (text: string, offset: number): { line: number; col: number } => {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, col: offset - start + 1 };
};

/**
 * The deepest nesting of [ ] and { } outside strings and comments, and where it passes the limit: both YAML
 * flow style and JSON nest this way, and a parser recursing through 100,000 of them overflows its stack.
 */
const nestingProblem = (text: string): string | undefined => {
  let depth = 0;
  let quote: '"' | "'" | undefined;
  let lineStart = true;
  let indent = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '\n') {
      lineStart = true;
      indent = 0;
      continue;
    }
    if (lineStart) {
      if (c === ' ') {
        if (++indent > MAX_INDENT) {
          const { line } = lineAndColumn(text, i);
          return `nested too deeply: line ${line} is indented more than ${MAX_INDENT} spaces`;
        }
        continue;
      }
      lineStart = false;
    }
    if (c === '#' && (i === 0 || /\s/.test(text[i - 1] ?? ''))) {
      const end = text.indexOf('\n', i);
      if (end === -1) break;
      i = end - 1;
    } else if (c === '"' || (c === "'" && !/[\w]/.test(text[i - 1] ?? ''))) quote = c;
    else if (c === '[' || c === '{') {
      if (++depth > MAX_CONFIG_DEPTH) {
        const { line, col } = lineAndColumn(text, i);
        return `nested more than ${MAX_CONFIG_DEPTH} levels deep (line ${line}, column ${col}); a config is a few levels of sections and lists`;
      }
    } else if (c === ']' || c === '}') depth = Math.max(0, depth - 1);
  }
  return undefined;
};

/** Where `target` sits under `root`, as keys and indexes (never values), cut short past 200 characters. */
const pathTo = (root: unknown, target: unknown): string => {
  const stack: Array<{ node: unknown; path: string }> = [{ node: root, path: '' }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (node === target) return path || '(root)';
    if (node === null || typeof node !== 'object') continue;
    const isArray = Array.isArray(node);
    for (const [key, item] of Object.entries(node)) {
      const next = path.length > 200 ? path : isArray ? `${path}[${key}]` : path ? `${path}.${key}` : key;
      stack.push({ node: item, path: next });
    }
  }
  return '(root)';
};

/**
 * The depth of a parsed value, walked without recursion (it may come from anywhere, e.g. a trigger payload) and
 * without a path per node (a config of thousands of targets pays for this walk on every load): the path is worked
 * out only for the one node that is too deep.
 */
export const depthProblem = (value: unknown): string | undefined => {
  const nodes: unknown[] = [value];
  const depths: number[] = [0];
  while (nodes.length > 0) {
    const node = nodes.pop();
    const depth = depths.pop() ?? 0;
    if (node === null || typeof node !== 'object') continue;
    if (depth >= MAX_CONFIG_DEPTH)
      return `nested more than ${MAX_CONFIG_DEPTH} levels deep (at ${pathTo(value, node)}); a config is a few levels of sections and lists`;
    for (const item of Array.isArray(node) ? node : Object.values(node)) {
      if (item === null || typeof item !== 'object') continue;
      nodes.push(item);
      depths.push(depth + 1);
    }
  }
  return undefined;
};

const yamlProblem = (error: unknown): string => {
  if (error instanceof YAMLError) {
    const what = YAML_PROBLEMS[error.code] ?? 'a syntax error';
    const at = error.linePos?.[0];
    return `not valid YAML or JSON: ${what}${at ? ` at line ${at.line}, column ${at.col}` : ''} (the line is not shown: it may hold a secret)`;
  }
  // the YAML library reports some faults (an alias to an undefined anchor) as plain errors whose text quotes the file
  return 'not valid YAML or JSON: a reference (*alias) or structure the parser could not resolve (the text is not shown: it may hold a secret)';
};

/**
 * YAML is a superset of JSON, so one parser reads both; a syntax error names the source, the line and the column,
 * never the text. Too large or too deeply nested input is refused before any parser sees it.
 */
export const parseConfigDocument = (text: string, source = '(inline)'): unknown => {
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_CONFIG_BYTES) {
    throw invalid(
      source,
      `${(bytes / 1024 / 1024).toFixed(1)} MiB is more than the ${MAX_CONFIG_BYTES / 1024 / 1024} MiB a config may be`,
    );
  }
  const nesting = nestingProblem(text);
  if (nesting) throw invalid(source, nesting);
  let value: unknown;
  let parsed = false;
  // JSON first when it looks like JSON: a generated config with thousands of targets parses ~20x faster
  if (/^\s*[{[]/.test(text)) {
    try {
      value = JSON.parse(text);
      parsed = true;
    } catch {
      // YAML flow style ({a: 1}) or a real syntax error: the YAML parser decides, and says where
    }
  }
  if (!parsed) {
    try {
      value = parseYaml(text, { logLevel: 'error' });
    } catch (error) {
      throw invalid(source, yamlProblem(error));
    }
  }
  const deep = depthProblem(value);
  if (deep) throw invalid(source, deep);
  return value;
};
