// Turns zod issues into one readable sentence: "linger: expected a number, got \"forever\"; ...".
// Parse with { reportInput: true } so the offending value can be quoted back.
import type { z } from 'zod';

function show(value: unknown): string {
  const text =
    typeof value === 'string' ? JSON.stringify(value) : value === undefined ? 'nothing' : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const A: Record<string, string> = { number: 'a number', boolean: 'true or false', string: 'text', array: 'a list', object: 'an object' };

export function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      let message = issue.message;
      const input = (issue as { input?: unknown }).input;
      if (issue.code === 'unrecognized_keys') {
        message = `unknown option${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
      } else if (issue.code === 'invalid_type') {
        message =
          input === undefined
            ? `missing (expected ${A[issue.expected] ?? issue.expected})`
            : `expected ${A[issue.expected] ?? issue.expected}, got ${show(input)}`;
      } else if (issue.code === 'invalid_value') {
        message = `${show(input)} is not one of ${issue.values.map((v) => show(v)).join(', ')}`;
      } else if ((issue.code === 'too_small' || issue.code === 'too_big') && 'input' in issue && typeof input === 'number') {
        message = `${issue.message
          .replace(/^Too (small|big): expected number to be /, 'must be ')
          .replace('>=', '≥ ')
          .replace('<=', '≤ ')} (got ${input})`;
      }
      return path ? `${path}: ${message}` : message;
    })
    .join('; ');
}
