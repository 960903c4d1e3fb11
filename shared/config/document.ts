import { parse as parseYaml } from 'yaml';
import { MseWatchError } from '../util/errors.ts';

// Turning a config file's text into a value: YAML or JSON, before any schema sees it.

/** YAML is a superset of JSON, so one parser reads both; a syntax error names the source. */
export const parseConfigDocument = (text: string, source = '(inline)'): unknown => {
  // JSON first when it looks like JSON: a generated config with thousands of targets parses ~20x faster
  if (/^\s*[{[]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      // YAML flow style ({a: 1}) or a real syntax error: the YAML parser decides and explains
    }
  }
  try {
    return parseYaml(text);
  } catch (error) {
    throw new MseWatchError(
      'config-invalid',
      `invalid config ${source}: not YAML or JSON: ${(error as Error).message}`,
    );
  }
};
