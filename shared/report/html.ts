import type { CheckReport } from './schema.ts';

// placeholder until the HTML report lands
export const renderHtmlReport = (report: CheckReport): string =>
  `<!doctype html><meta charset="utf-8"><title>mse-watch</title><pre>${JSON.stringify(report).replace(/[<&]/g, (c) => (c === '<' ? '&lt;' : '&amp;'))}</pre>`;
