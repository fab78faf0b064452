// Turns zod issues into one readable sentence: "options.linger: expected an integer >= -1; ...".
import type { z } from 'zod';

export function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      let message = issue.message;
      if (issue.code === 'unrecognized_keys') message = `unknown option${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
      return path ? `${path}: ${message}` : message;
    })
    .join('; ');
}
