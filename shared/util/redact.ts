/** Replaces every secret in a text with "***". */
export type Redact = (text: string) => string;

export const MASK = '***';

/**
 * The one redaction policy of the project (alert channels, the Nacos check, log sinks): every non-empty secret
 * is masked wherever it appears, as written, URL-encoded (a token in a query string), form-encoded (a password
 * a server echoes back) and JSON-escaped (a secret with a quote or backslash inside a log line). Longest first, so a secret that contains another is masked whole.
 */
export const createRedactor = (secrets: Iterable<string | undefined>): Redact => {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (!secret) continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
    forms.add(new URLSearchParams({ s: secret }).toString().slice(2));
    forms.add(JSON.stringify(secret).slice(1, -1));
  }
  const ordered = [...forms].sort((a, b) => b.length - a.length);
  if (ordered.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const form of ordered) if (out.includes(form)) out = out.split(form).join(MASK);
    return out;
  };
};
